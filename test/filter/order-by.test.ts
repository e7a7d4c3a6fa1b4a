import { describe, expect, it } from 'vitest';
import { parseSort } from '../../src-main/cli/table-flags';
import { parseOrderBy } from '../../src-shared/filter/order-by';

describe("sorts as users write them: ours and MLflow's order_by", () => {
  it('reads COLUMN, COLUMN:asc and COLUMN:desc as before', () => {
    expect(parseSort('best.val_accuracy:desc')).toEqual({ column: 'best.val_accuracy', direction: 'desc' });
    expect(parseSort('name:asc')).toEqual({ column: 'name', direction: 'asc' });
    expect(parseSort('params.lr')).toEqual({ column: 'params.lr', direction: 'desc' });
  });

  it("reads MLflow's prefixes, attribute names, quoted keys and ASC / DESC in any case", () => {
    expect(parseOrderBy('metrics.acc DESC', 'asc')).toEqual({ column: 'metrics.acc', direction: 'desc' });
    expect(parseOrderBy('metric.acc', 'asc')).toEqual({ column: 'metrics.acc', direction: 'asc' });
    expect(parseOrderBy('attributes.start_time desc', 'asc')).toEqual({ column: 'started', direction: 'desc' });
    expect(parseOrderBy('end_time', 'asc')).toEqual({ column: 'ended', direction: 'asc' });
    expect(parseOrderBy('attribute.run_name ASC', 'desc')).toEqual({ column: 'name', direction: 'asc' });
    expect(parseOrderBy('params.lr Asc', 'desc')).toEqual({ column: 'params.lr', direction: 'asc' });
    expect(parseOrderBy('metrics.`val acc` DESC', 'asc')).toEqual({ column: 'metrics.val acc', direction: 'desc' });
    expect(parseOrderBy('tags."legit name"', 'asc')).toEqual({ column: 'tags.legit name', direction: 'asc' });
  });

  it('refuses what is neither', () => {
    expect(() => parseSort('metrics.acc sideways')).toThrow(/--sort: write COLUMN, COLUMN:asc or COLUMN:desc/);
    expect(() => parseSort(' ')).toThrow(/--sort/);
  });
});
