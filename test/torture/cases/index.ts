import type { TortureCase } from '../case';

/** Every case of `npm run torture`, in the order the table lists them. */
export const cases: TortureCase[] = [];

// Full disks, two writers and corrupt files (issue 15 item 1).
import { fullDisk } from './full-disk';
import { twoWriters } from './two-writers';
import { corruptFiles } from './corrupt-files';
cases.push(fullDisk, twoWriters, corruptFiles);
