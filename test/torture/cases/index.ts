import type { TortureCase } from '../case';

/** Every case of `npm run torture`, in the order the table lists them. */
export const cases: TortureCase[] = [];
import { load } from './load';
cases.push(load);
