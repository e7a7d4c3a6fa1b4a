import type { TortureCase } from '../case';
import { killPostgres } from './kill-postgres';
import { killSqlite } from './kill-sqlite';
import { load } from './load';
import { pidReuse } from './pid-reuse';
import { powerLoss } from './power-loss';

/** Every case of `npm run torture`, in the order the table lists them. */
export const cases: TortureCase[] = [killSqlite, killPostgres, pidReuse, powerLoss, load];
