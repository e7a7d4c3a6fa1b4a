import type { TortureCase } from '../case';
import { corruptFiles } from './corrupt-files';
import { fullDisk } from './full-disk';
import { killPostgres } from './kill-postgres';
import { killSqlite } from './kill-sqlite';
import { load } from './load';
import { pidReuse } from './pid-reuse';
import { powerLoss } from './power-loss';
import { twoWriters } from './two-writers';

/** Every case of `npm run torture`, in the order the table lists them. */
export const cases: TortureCase[] = [killSqlite, killPostgres, pidReuse, powerLoss, fullDisk, twoWriters, corruptFiles, load];
