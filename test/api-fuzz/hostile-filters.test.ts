import { describe, expect, it } from 'vitest';
import { useCore } from '../helpers/core';

const newCore = useCore();

/**
 * Filters and sorts the property tests of the parsers found to break the API (issue 15 item 3): each reached the
 * store as a broken tree and answered 500 (INTERNAL); each must be refused as bad input, saying where.
 */
describe('runs/query with hostile filters and sorts', () => {
  const hostile = ['constructor = 1', '__proto__ = 1', `${'('.repeat(3000)}status = 1${')'.repeat(3000)}`, `${'not '.repeat(2000)}status = "finished"`, 'metrics.loss < 1e999'];
  for (const filter of hostile) {
    it(`refuses ${JSON.stringify(filter.slice(0, 30))}${filter.length > 30 ? '...' : ''} as bad input, not an internal error`, async () => {
      const { core } = await newCore();
      const result = await core.api.call('runs/query', { filter });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('BAD_INPUT');
    });
  }

  for (const column of ['constructor', '__proto__', 'toString', 'constructor.x', 'toString.loss', 'hasOwnProperty.x']) {
    it(`refuses a sort by ${column} as an unknown column, not an internal error`, async () => {
      const { core } = await newCore();
      const result = await core.api.call('runs/query', { sort: { column, direction: 'asc' } });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.message).toContain(`Cannot sort by "${column}"`);
    });
  }
});
