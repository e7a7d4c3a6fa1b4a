/**
 * A sort column as the runs table names it (`metrics.val_accuracy`, `started`), from what users write: ours,
 * `COLUMN:asc` / `COLUMN:desc`, or MLflow's `order_by` (`metrics.acc DESC`, `attributes.start_time`,
 * `` metrics.`val acc` ASC ``), with its prefixes and attribute names.
 */

export interface SortColumn {
  column: string;
  direction: 'asc' | 'desc';
}

export class OrderBySyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrderBySyntaxError';
  }
}

const GROUPS: Record<string, string> = {
  metric: 'metrics',
  metrics: 'metrics',
  param: 'params',
  params: 'params',
  parameter: 'params',
  parameters: 'params',
  tag: 'tags',
  tags: 'tags',
  best: 'best',
  min: 'min',
  max: 'max',
};
const ATTRIBUTE_PREFIXES = new Set(['attributes', 'attribute', 'attr', 'run']);
/** MLflow's attribute names for our sort columns. */
const MLFLOW_ATTRIBUTES: Record<string, string> = { start_time: 'started', end_time: 'ended', run_name: 'name', user_id: 'user', experiment_id: 'experiment' };

/** A record's own entry: `constructor` or `__proto__` is not a name here, whatever a plain object inherits. */
const own = (record: Record<string, string>, key: string): string | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

const unquote = (text: string): string => (/^(["'`]).*\1$/s.test(text) && text.length >= 2 ? text.slice(1, -1) : text);

/**
 * Parses one sort. `defaultDirection` applies when none is written (MLflow's is ascending, the CLI's descending).
 * @throws OrderBySyntaxError for an empty column or an unknown direction word.
 */
export function parseOrderBy(text: string, defaultDirection: 'asc' | 'desc'): SortColumn {
  let body = text.trim();
  let direction = defaultDirection;
  const written = /^(.*?)(?::|\s+)(asc|desc)$/is.exec(body);
  if (written && written[1]?.trim()) {
    body = written[1].trim();
    direction = (written[2] as string).toLowerCase() as 'asc' | 'desc';
  } else if (/\s(\S+)$/.test(body) && !/[`"']$/.test(body) && !/^\S+$/.test(body)) {
    throw new OrderBySyntaxError(`"${text}": a sort is COLUMN, COLUMN ASC or COLUMN DESC (or COLUMN:asc, COLUMN:desc)`);
  }
  if (body === '') throw new OrderBySyntaxError(`"${text}": name a column to sort by`);
  const dot = body.indexOf('.');
  if (dot <= 0) {
    const name = unquote(body);
    return { column: own(MLFLOW_ATTRIBUTES, name.toLowerCase()) ?? name, direction };
  }
  const prefix = unquote(body.slice(0, dot)).toLowerCase();
  const key = unquote(body.slice(dot + 1));
  if (ATTRIBUTE_PREFIXES.has(prefix)) return { column: own(MLFLOW_ATTRIBUTES, key.toLowerCase()) ?? key.toLowerCase(), direction };
  const group = own(GROUPS, prefix);
  if (!group) return { column: body, direction };
  return { column: `${group}.${key}`, direction };
}
