import type { Database } from 'better-sqlite3';

/**
 * What differs between the SQL of the engines Runboard stores runs in, for the code that builds queries for both
 * (the filter language, sorts, pages). Everything else is the same SQL. Placeholders are always `?`: an engine that
 * numbers them (`$1`) renumbers the finished statement.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** A placeholder for a value compared with a column of this kind (PostgreSQL types it, so `r.id = 1.5` is no error). */
  parameter(kind: 'number' | 'text'): string;
  /** A subquery of the given ids, as one parameter. */
  idList(ids: readonly number[]): { sql: string; arg: unknown };
  /** A field of a JSON text column, as text. `field` is a fixed name from the code, never user input. */
  jsonText(column: string, field: string): string;
  /** A param (`params p`) as text: its logged text, or its typed value written out. */
  readonly paramText: string;
  /** `column` against an SQL `LIKE` pattern (`%`, `_`, no escape character), ignoring case or not. */
  like(column: string, pattern: string, caseless: boolean): { sql: string; args: unknown[] };
  /**
   * `column` in lower case as JavaScript's `toLowerCase` writes it, in every script (the filter's `~` compares it with
   * a pattern lowered in JavaScript), so `name ~ "École"` finds the run named "École".
   */
  foldCase(column: string): string;
  /** An ORDER BY key that ignores case. */
  caseless(column: string): string;
  /**
   * The ORDER BY keys of a param (`params p` of run `r`, its key the one parameter of each): numbers first, in
   * order, then texts.
   */
  readonly paramSortKeys: readonly string[];
}

/** An SQL `LIKE` pattern (`%`, `_`) as a `GLOB` pattern, which SQLite compares case-sensitively as `LIKE` is in MLflow. */
function likeToGlob(pattern: string): string {
  return pattern.replace(/[%_*?[]/g, (c) => (c === '%' ? '*' : c === '_' ? '?' : `[${c}]`));
}

/**
 * Adds the SQL functions `SQLITE_DIALECT` calls to a connection (openDatabase does, for every one). `fold_case` lowers
 * text as JavaScript does: SQLite's own `lower()` and `LIKE` fold ASCII letters only.
 */
export function registerFilterFunctions(db: Database): void {
  db.function('fold_case', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? text.toLowerCase() : text));
}

export const SQLITE_DIALECT: SqlDialect = {
  name: 'sqlite',
  parameter: () => '?',
  idList: (ids) => ({ sql: '(SELECT value FROM json_each(?))', arg: JSON.stringify(ids) }),
  jsonText: (column, field) => `json_extract(${column}, '$.${field}')`,
  paramText: `coalesce(p.text_value, CASE p.type
  WHEN 'number' THEN iif(p.num_value = CAST(p.num_value AS INTEGER), CAST(CAST(p.num_value AS INTEGER) AS TEXT), CAST(p.num_value AS TEXT))
  WHEN 'boolean' THEN iif(p.num_value = 1, 'true', 'false') END)`,
  // SQLite's LIKE ignores case (ASCII), as ILIKE does; GLOB keeps it.
  like: (column, pattern, caseless) => (caseless ? { sql: `${column} LIKE ?`, args: [pattern] } : { sql: `${column} GLOB ?`, args: [likeToGlob(pattern)] }),
  foldCase: (column) => `fold_case(${column})`,
  caseless: (column) => `${column} COLLATE NOCASE`,
  // SQLite orders numbers before texts within one column.
  paramSortKeys: ['(SELECT coalesce(p.num_value, p.text_value) FROM params p WHERE p.run_id = r.id AND p.key = ?)'],
};

/**
 * PostgreSQL's dialect. `icu`: whether the server has ICU's root collation (`und-x-icu`; every PostgreSQL built with
 * ICU has it, as Debian's, the official images and the hosted services are). Without it, `~` folds case with the
 * database's own collation, which is every script under a UTF-8 locale and ASCII only under the C locale.
 */
export function postgresDialect(icu: boolean): SqlDialect {
  return {
    name: 'postgres',
    parameter: (kind) => (kind === 'number' ? '?::double precision' : '?::text'),
    idList: (ids) => ({ sql: '(SELECT unnest(?::bigint[]))', arg: ids }),
    jsonText: (column, field) => `(${column}::jsonb ->> '${field}')`,
    // Whole numbers are written without a fraction, as SQLite's CAST writes them (0.01 as 0.01: PostgreSQL 12+ writes
    // the shortest text that reads back the same number).
    paramText: `coalesce(p.text_value, CASE p.type
  WHEN 'number' THEN CASE WHEN p.num_value = trunc(p.num_value) AND abs(p.num_value) < 1e15 THEN (p.num_value::bigint)::text ELSE p.num_value::text END
  WHEN 'boolean' THEN CASE WHEN p.num_value = 1 THEN 'true' ELSE 'false' END END)`,
    like: (column, pattern, caseless) => ({ sql: `${column} ${caseless ? 'ILIKE' : 'LIKE'} ? ESCAPE ''`, args: [pattern] }),
    // lower() follows the collation's character type: a database made with the C locale would fold ASCII only, ICU's
    // root collation folds every script.
    foldCase: (column) => (icu ? `lower((${column}) COLLATE "und-x-icu")` : `lower(${column})`),
    caseless: (column) => `lower(${column})`,
    // One column cannot hold numbers and texts: numbers sort first (texts have none), then texts.
    paramSortKeys: [
      '(SELECT p.num_value FROM params p WHERE p.run_id = r.id AND p.key = ?)',
      '(SELECT p.text_value FROM params p WHERE p.run_id = r.id AND p.key = ? AND p.num_value IS NULL)',
    ],
  };
}

/** PostgreSQL's dialect on a server with ICU (see {@link postgresDialect}). */
export const POSTGRES_DIALECT: SqlDialect = postgresDialect(true);
