import type { TortureCase } from '../case';
import { killPostgres } from './kill-postgres';
import { killSqlite } from './kill-sqlite';
import { pidReuse } from './pid-reuse';
import { powerLoss } from './power-loss';

/** Every case of `npm run torture`, in the order the table lists them. */
export const cases: TortureCase[] = [];
cases.push(killSqlite);
cases.push(killPostgres);
cases.push(pidReuse);
cases.push(powerLoss);
