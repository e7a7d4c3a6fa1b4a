import type { TortureCase } from '../case';

/** Every case of `npm run torture`, in the order the table lists them. */
export const cases: TortureCase[] = [];

// Full disks, two writers and corrupt files (issue 15 item 1).
import { corruptFiles } from './corrupt-files';
cases.push(corruptFiles);
import { fullDisk } from './full-disk';
cases.push(fullDisk);
import { twoWriters } from './two-writers';
cases.push(twoWriters);
