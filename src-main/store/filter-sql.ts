import { AppError } from '../../src-shared/api/errors';
import { RUN_KINDS, RUN_STATUSES, hasBest, metricDirection } from '../../src-shared/entities/run';
import { FilterSyntaxError, filterFields, parseFilter, type FieldRef, type FilterNode, type Literal } from '../../src-shared/filter/parse';
import { SQLITE_DIALECT, type SqlDialect } from './sql-dialect';

/** The columns a filter may name besides the attributes: what the runs in the database have logged. */
export interface KnownColumns {
  params: ReadonlySet<string>;
  metrics: ReadonlySet<string>;
  tags: ReadonlySet<string>;
}

export interface CompiledFilter {
  /**
   * A condition over `runs r`, with `?` placeholders only: no value or name is ever spliced into the SQL. On SQLite it
   * may call the functions `registerFilterFunctions` (sql-dialect.ts) adds to the connection.
   */
  sql: string;
  args: unknown[];
}

type Kind = 'number' | 'text' | 'boolean';

/**
 * An attribute column: its SQL over `runs r` and its type. `caseless`: it holds lower-case words that compare in any
 * case (`status = "FINISHED"`, as MLflow users write it); `values`: the only words it can hold, so that `=`, `!=` and
 * `in` refuse another one rather than match nothing.
 */
interface Attribute {
  sql: string;
  kind: Kind;
  caseless?: boolean;
  values?: readonly string[];
}

const ATTRIBUTES: Record<string, Attribute> = {
  run_id: { sql: 'r.id', kind: 'number' },
  name: { sql: 'r.name', kind: 'text' },
  experiment: { sql: '(SELECT e.name FROM experiments e WHERE e.id = r.experiment_id)', kind: 'text' },
  status: { sql: 'r.status', kind: 'text', caseless: true, values: RUN_STATUSES },
  kind: { sql: 'r.kind', kind: 'text', caseless: true, values: RUN_KINDS },
  backend: { sql: 'r.backend', kind: 'text', caseless: true },
  device: { sql: 'r.device', kind: 'text' },
  sweep: { sql: 'r.sweep_id', kind: 'number' },
  trial: { sql: 'r.trial', kind: 'number' },
  parent: { sql: 'r.parent_run_id', kind: 'number' },
  seed: { sql: 'r.seed', kind: 'number' },
  epochs: { sql: '(SELECT max(s.last_step) FROM metric_summaries s WHERE s.run_id = r.id)', kind: 'number' },
  duration: { sql: '((coalesce(r.ended_at, r.started_at) - r.started_at) / 1000.0)', kind: 'number' },
  created: { sql: 'r.created_at', kind: 'number' },
  started: { sql: 'r.started_at', kind: 'number' },
  ended: { sql: 'r.ended_at', kind: 'number' },
  // The script's user, from the run's source (JSON): see `attributeSql`.
  user: { sql: '', kind: 'text' },
  notes: { sql: "coalesce(r.notes, '')", kind: 'text' },
  archived: { sql: 'r.archived', kind: 'boolean' },
};

const SQL_OPERATORS: Record<string, string> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** MLflow's run statuses that are another word here (its others, FINISHED, FAILED and RUNNING, are ours too). */
const MLFLOW_STATUSES: Record<string, string> = { killed: 'stopped', scheduled: 'queued' };

/** Attributes that hold times: compared with ms since the Unix epoch, or a date. */
const TIME_ATTRIBUTES = new Set(['created', 'started', 'ended']);

/** An attribute's SQL in this dialect. */
function attributeSql(key: string, dialect: SqlDialect): string {
  return key === 'user' ? dialect.jsonText('r.source', 'user') : (ATTRIBUTES[key] as Attribute).sql;
}

function refuse(message: string, column: number): never {
  throw new AppError('BAD_INPUT', `Filter: ${message} (at column ${column}).`, [{ field: 'filter', message: `${message} (at column ${column})` }]);
}

const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * A literal as the column compares it: `created` takes dates, booleans become 0/1, a caseless attribute's word is
 * lowered. `exact`: an equality (`=`, `!=`, `in`), for which a word the attribute cannot hold is refused.
 */
function argument(field: FieldRef, kind: Kind, value: Literal, column: number, exact = false): unknown {
  if (field.group === 'attr' && TIME_ATTRIBUTES.has(field.key)) {
    const time = typeof value === 'number' ? value : Date.parse(String(value));
    if (!Number.isFinite(time)) refuse(`${field.key} compares with a date like "2026-11-28" or "2026-11-28T10:00", or ms since 1970`, column);
    return time;
  }
  // MLflow's run ids are text: '42' is run 42.
  if (field.group === 'attr' && field.key === 'run_id' && typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value);
  if (kind === 'boolean') {
    if (typeof value !== 'boolean') refuse(`${field.key} is true or false`, column);
    return value ? 1 : 0;
  }
  if (kind === 'number' && typeof value !== 'number') refuse(`${field.group === 'attr' ? field.key : `${field.group}.${field.key}`} is a number: compare it with a number, not "${value}"`, column);
  if (kind === 'text' && typeof value !== 'string') refuse(`${field.key} is text: compare it with a quoted string`, column);
  const attribute = field.group === 'attr' ? ATTRIBUTES[field.key] : undefined;
  if (attribute?.caseless && typeof value === 'string') {
    const lowered = value.toLowerCase();
    const word = field.key === 'status' ? (MLFLOW_STATUSES[lowered] ?? lowered) : lowered;
    if (exact && attribute.values && !attribute.values.includes(word)) {
      refuse(`there is no ${field.key} "${value}"; one of ${attribute.values.join(', ')}${field.key === 'status' ? " (or MLflow's KILLED and SCHEDULED)" : ''}`, column);
    }
    return word;
  }
  return value;
}

/** Builds `EXISTS (...)` or an attribute comparison for one condition. */
function condition(field: FieldRef, test: (column: string, kind: Kind) => { sql: string; args: unknown[] }, literalKind: Kind, dialect: SqlDialect): CompiledFilter {
  switch (field.group) {
    case 'attr': {
      const attribute = ATTRIBUTES[field.key] as Attribute;
      const sql = attributeSql(field.key, dialect);
      // The words are stored in lower case and the argument is lowered to match (see `argument`).
      return test(attribute.caseless ? `lower(${sql})` : sql, attribute.kind);
    }
    case 'params': {
      // Numbers compare with num_value, booleans with num_value of a boolean param, text with the param as text
      // (the text it was logged as, or its typed value written out, so `params.lr = '0.01'`, as MLflow compares
      // params, finds a run that logged the number 0.01).
      if (literalKind === 'text') {
        const inner = test(`(${dialect.paramText})`, 'text');
        return { sql: `EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND ${inner.sql})`, args: [field.key, ...inner.args] };
      }
      const typeTest = literalKind === 'boolean' ? "p.type = 'boolean'" : "p.type = 'number'";
      const inner = test('p.num_value', literalKind);
      return { sql: `EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND ${typeTest} AND ${inner.sql})`, args: [field.key, ...inner.args] };
    }
    case 'tags': {
      const inner = test('t.value', 'text');
      return { sql: `EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.key = ? AND ${inner.sql})`, args: [field.key, ...inner.args] };
    }
    default: {
      const summary =
        field.group === 'metrics' ? 'm.last_value' : field.group === 'min' ? 'm.min_value' : field.group === 'max' ? 'm.max_value' : metricDirection(field.key) === 'max' ? 'm.max_value' : 'm.min_value';
      const inner = test(summary, 'number');
      return { sql: `EXISTS (SELECT 1 FROM metric_summaries m WHERE m.run_id = r.id AND m.key = ? AND ${inner.sql})`, args: [field.key, ...inner.args] };
    }
  }
}

function kindOf(value: Literal): Kind {
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'text';
}

function compileNode(node: FilterNode, dialect: SqlDialect): CompiledFilter {
  // Booleans compare as 0 and 1: a number.
  const placeholder = (kind: Kind) => dialect.parameter(kind === 'text' ? 'text' : 'number');
  switch (node.type) {
    case 'and':
    case 'or': {
      const left = compileNode(node.left, dialect);
      const right = compileNode(node.right, dialect);
      return { sql: `(${left.sql} ${node.type.toUpperCase()} ${right.sql})`, args: [...left.args, ...right.args] };
    }
    case 'not': {
      const inner = compileNode(node.expr, dialect);
      return { sql: `(NOT ${inner.sql})`, args: inner.args };
    }
    case 'compare': {
      const literalKind = kindOf(node.value);
      return condition(
        node.field,
        (column, kind) => {
          const arg = argument(node.field, kind, node.value, node.column, node.op === '=' || node.op === '!=');
          if (node.op === '~' || node.op === '!~') {
            if (kind !== 'text') refuse(`"${node.op}" searches text; ${node.field.key} is a ${kind}`, node.column);
            return { sql: `${node.op === '!~' ? 'NOT ' : ''}${dialect.foldCase(`coalesce(${column}, '')`)} LIKE ${placeholder('text')} ESCAPE '\\'`, args: [likePattern(String(arg))] };
          }
          return { sql: `${column} ${SQL_OPERATORS[node.op]} ${placeholder(kind)}`, args: [arg] };
        },
        literalKind,
        dialect,
      );
    }
    case 'in': {
      const kinds = new Set(node.values.map(kindOf));
      if (kinds.size > 1) refuse('the values of "in (...)" must all be numbers or all be strings', node.column);
      const literalKind = kindOf(node.values[0] as Literal);
      const compiled = condition(
        node.field,
        (column, kind) => ({
          sql: `${column} IN (${node.values.map(() => placeholder(kind)).join(', ')})`,
          args: node.values.map((v) => argument(node.field, kind, v, node.column, true)),
        }),
        literalKind,
        dialect,
      );
      return node.negated ? { sql: `(NOT ${compiled.sql})`, args: compiled.args } : compiled;
    }
    case 'like':
      return condition(
        node.field,
        (column, kind) => {
          if (kind !== 'text') refuse(`LIKE and ILIKE compare text; ${node.field.group === 'attr' ? node.field.key : `${node.field.group}.${node.field.key}`} is a ${kind}`, node.column);
          const attribute = node.field.group === 'attr' ? ATTRIBUTES[node.field.key] : undefined;
          // ILIKE ignores case, LIKE keeps it; caseless attributes ignore it either way.
          const like = dialect.like(`coalesce(${column}, '')`, node.pattern, node.caseless || attribute?.caseless === true);
          return { sql: `${node.negated ? 'NOT ' : ''}${like.sql}`, args: like.args };
        },
        'text',
        dialect,
      );
    case 'null': {
      const present = presence(node.field, dialect);
      return { sql: node.negated ? present.sql : `(NOT ${present.sql})`, args: present.args };
    }
  }
}

/** Whether a run has a value in a column: a param, tag or metric it logged, an attribute that is set. */
function presence(field: FieldRef, dialect: SqlDialect): CompiledFilter {
  switch (field.group) {
    case 'attr':
      return { sql: `(${attributeSql(field.key, dialect)}) IS NOT NULL`, args: [] };
    case 'params':
      return { sql: 'EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ?)', args: [field.key] };
    case 'tags':
      return { sql: 'EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.key = ?)', args: [field.key] };
    default:
      return { sql: 'EXISTS (SELECT 1 FROM metric_summaries m WHERE m.run_id = r.id AND m.key = ?)', args: [field.key] };
  }
}

export interface CompileOptions {
  /**
   * A param, metric or tag name no run logged: refused (the default, so a typo is an error rather than an empty
   * table), or compiled as it is, matching nothing (MLflow's search does so).
   */
  unknownNames?: 'refuse' | 'match-nothing';
  /** The engine's SQL (SQLite when absent): the parse and the checks are the same for every engine. */
  dialect?: SqlDialect;
}

/**
 * Parses and compiles a filter for `runs r`. Param, metric and tag names must be known (logged by some run), so a
 * typo is an error rather than an empty table; `known` may be a cached list, which `refresh` renews when a name is
 * missing from it. Every name and value travels as a parameter.
 * @throws AppError(BAD_INPUT) with the column of the problem.
 */
export function compileFilter(text: string, known: KnownColumns, refresh?: () => KnownColumns, options: CompileOptions = {}): CompiledFilter | null {
  let tree: FilterNode | null;
  try {
    tree = parseFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) refuse(error.message.replace(/ \(at column \d+\)$/, ''), error.column);
    throw error;
  }
  let columns = known;
  const namesOf = (field: FieldRef, from: KnownColumns) => (field.group === 'params' ? from.params : field.group === 'tags' ? from.tags : field.group === 'attr' ? null : from.metrics);
  for (const field of filterFields(tree)) {
    if (field.group === 'best' && !hasBest(field.key)) {
      refuse(`${field.key} has no best value (it is a setting, not a result): use metrics.${field.key}, min.${field.key} or max.${field.key}`, field.column);
    }
    // A name missing from a cached list may be new: look again before refusing it.
    if (refresh && columns === known && namesOf(field, columns)?.has(field.key) === false) columns = refresh();
    const names = namesOf(field, columns);
    if (names && !names.has(field.key) && options.unknownNames !== 'match-nothing') {
      const what = field.group === 'params' ? 'param' : field.group === 'tags' ? 'tag' : 'metric';
      refuse(`unknown ${what} "${field.key}"${names.size > 0 ? `; known: ${[...names].sort().slice(0, 20).join(', ')}` : ''}`, field.column);
    }
  }
  return tree ? compileNode(tree, options.dialect ?? SQLITE_DIALECT) : null;
}

/**
 * Whether a filter names a param, metric or tag missing from `known`: a cached list is renewed before compiling, so
 * new names are never refused. False for a filter that does not parse (compiling it says why).
 */
export function namesUnknownTo(text: string, known: KnownColumns): boolean {
  let tree: FilterNode | null;
  try {
    tree = parseFilter(text);
  } catch {
    return false;
  }
  return filterFields(tree).some((field) => {
    const names = field.group === 'params' ? known.params : field.group === 'tags' ? known.tags : field.group === 'attr' ? null : known.metrics;
    return names !== null && !names.has(field.key);
  });
}
