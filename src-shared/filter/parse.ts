/**
 * The runs filter language, shared by the UI's filter box, the CLI's `--filter` and the MLflow API's `runs/search`:
 *
 *   params.lr > 0.001 and metrics.val_accuracy >= 0.9
 *   status = "finished" or (best.val_loss < 0.1 and not name ~ "baseline")
 *   tags.stage in ("final", "paper") and sweep = 3
 *
 * Comparisons `= != < <= > >=`, `~` (contains, ignoring case) and `!~`, `in (...)` and `not in (...)`, combined with
 * `and`, `or`, `not` and parentheses. Values are numbers, quoted strings and `true`/`false`.
 *
 * MLflow's search syntax is part of the language, so a filter written for `mlflow.search_runs` works as it is:
 *
 *   attributes.status = 'FINISHED' AND params.optimizer = 'sgd' AND metrics."val acc" >= 0.9
 *   tags.version IS NULL AND run_name LIKE 'mlp-%' AND attributes.run_id IN ('3', '7')
 *
 * its prefixes (`attributes.`, `attribute.`, `attr.`, `run.`; `metric.`; `param.`, `parameter.`, `parameters.`;
 * `tag.`), its attribute names (`run_id`, `run_name`, `status` in any case with its words `KILLED` and `SCHEDULED`,
 * `start_time`, `end_time`, `user_id`, `created`), keys quoted with `"` or `` ` ``, `LIKE` (case-sensitive) and
 * `ILIKE` with `%` and `_`, `IS NULL` and `IS NOT NULL`. A syntax error names the column (counted from 1) where it is.
 * This module only parses; the store compiles the tree to parameterised SQL.
 */

export type Literal = number | string | boolean;
export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~';

/** A column of the runs table: an attribute (`status`), or a group and a key (`params.lr`, `best.val_loss`). */
export interface FieldRef {
  group: 'attr' | 'params' | 'metrics' | 'best' | 'min' | 'max' | 'tags';
  key: string;
  /** Column of the field in the query, from 1. */
  column: number;
}

export type FilterNode =
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; expr: FilterNode }
  | { type: 'compare'; field: FieldRef; op: Comparator; value: Literal; column: number }
  | { type: 'in'; field: FieldRef; values: Literal[]; negated: boolean; column: number }
  /** SQL's `LIKE` (case-sensitive) or `ILIKE`: `%` any run of characters, `_` one character. */
  | { type: 'like'; field: FieldRef; pattern: string; caseless: boolean; negated: boolean; column: number }
  /** `IS NULL` (negated: `IS NOT NULL`): the run has no value there (a param, tag or metric it never logged). */
  | { type: 'null'; field: FieldRef; negated: boolean; column: number };

export class FilterSyntaxError extends Error {
  /** Where the problem is, counted from 1. */
  readonly column: number;
  constructor(message: string, column: number) {
    super(`${message} (at column ${column})`);
    this.name = 'FilterSyntaxError';
    this.column = column;
  }
}

/** Attributes a filter may name without a group. */
export const FILTER_ATTRIBUTES = [
  'run_id',
  'name',
  'experiment',
  'status',
  'kind',
  'backend',
  'device',
  'sweep',
  'trial',
  'parent',
  'epochs',
  'duration',
  'created',
  'started',
  'ended',
  'user',
  'seed',
  'notes',
  'archived',
] as const;
export const FILTER_GROUPS = ['params', 'metrics', 'best', 'min', 'max', 'tags'] as const;

/** MLflow's names for our attributes (`attributes.start_time` is `started`). */
const MLFLOW_ATTRIBUTES: Record<string, string> = {
  run_name: 'name',
  'run name': 'name',
  start_time: 'started',
  end_time: 'ended',
  user_id: 'user',
};
/** MLflow's prefixes of attributes, and its other spellings of our groups. */
const ATTRIBUTE_PREFIXES = new Set(['attributes', 'attribute', 'attr', 'run']);
const GROUP_SPELLINGS: Record<string, FieldRef['group']> = {
  metric: 'metrics',
  param: 'params',
  parameter: 'params',
  parameters: 'params',
  tag: 'tags',
};

type Token =
  /** A name: a keyword, an attribute, or `prefix.key` (`prefix` and `key` then hold its parts, unquoted). */
  | { kind: 'ident'; text: string; column: number; prefix?: string; key?: string }
  | { kind: 'number'; value: number; column: number }
  | { kind: 'string'; value: string; column: number }
  | { kind: 'op'; text: Comparator; column: number }
  | { kind: 'punct'; text: '(' | ')' | ','; column: number }
  | { kind: 'end'; column: number };

/** Reads a quoted text starting at `start` (its quote): the text, and the index past its closing quote. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  const quote = text[start] as string;
  let value = '';
  let j = start + 1;
  for (; j < text.length && text[j] !== quote; j++) {
    if (text[j] === '\\' && j + 1 < text.length) j++;
    value += text[j];
  }
  if (j >= text.length) throw new FilterSyntaxError(quote === '`' ? 'unclosed backtick' : 'unclosed string', start + 1);
  return { value, end: j + 1 };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    const column = i + 1;
    if (/\s/.test(char)) {
      i++;
    } else if (char === '(' || char === ')' || char === ',') {
      tokens.push({ kind: 'punct', text: char, column });
      i++;
    } else if (char === '"' || char === "'") {
      const quoted = readQuoted(text, i);
      tokens.push({ kind: 'string', value: quoted.value, column });
      i = quoted.end;
    } else if (/[<>=!~]/.test(char)) {
      const two = text.slice(i, i + 2);
      const op = ['<=', '>=', '!=', '==', '!~'].includes(two) ? two : char;
      if (op === '!') throw new FilterSyntaxError('"!" must be followed by "=" or "~"', column);
      tokens.push({ kind: 'op', text: (op === '==' ? '=' : op) as Comparator, column });
      i += op.length;
    } else if (/[0-9.+-]/.test(char)) {
      const match = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!match) throw new FilterSyntaxError(`unexpected "${char}"`, column);
      // A number past a double's range would compare as an infinity: refused rather than silently meaning something else.
      if (!Number.isFinite(Number(match[0]))) throw new FilterSyntaxError(`the number ${match[0]} is too large`, column);
      tokens.push({ kind: 'number', value: Number(match[0]), column });
      i += match[0].length;
    } else if (/[A-Za-z_`]/.test(char)) {
      i = readName(text, i, tokens);
    } else {
      throw new FilterSyntaxError(`unexpected "${char}"`, column);
    }
  }
  tokens.push({ kind: 'end', column: text.length + 1 });
  return tokens;
}

/** A bare word, or `prefix.key` where the prefix may be in backticks and the key in `"`, `'` or backticks. */
function readName(text: string, start: number, tokens: Token[]): number {
  const column = start + 1;
  let prefix: string;
  let i: number;
  if (text[start] === '`') {
    const quoted = readQuoted(text, start);
    prefix = quoted.value;
    i = quoted.end;
  } else {
    prefix = (/^[A-Za-z_]\w*/.exec(text.slice(start)) as RegExpExecArray)[0];
    i = start + prefix.length;
  }
  if (text[i] !== '.') {
    tokens.push({ kind: 'ident', text: text.slice(start, i), column, ...(text[start] === '`' ? { prefix: '', key: prefix } : {}) });
    return i;
  }
  const keyStart = i + 1;
  let key: string;
  let end: number;
  if (text[keyStart] === '"' || text[keyStart] === "'" || text[keyStart] === '`') {
    const quoted = readQuoted(text, keyStart);
    key = quoted.value;
    end = quoted.end;
  } else {
    key = /^[\w./:-]*/.exec(text.slice(keyStart))?.[0] ?? '';
    end = keyStart + key.length;
  }
  tokens.push({ kind: 'ident', text: text.slice(start, end), column, prefix, key });
  return end;
}

/**
 * How deep parentheses and `not` may nest. The parser recurses once per level, so without a bound a filter of a few
 * thousand "(" would overflow the stack instead of getting an answer; no filter a person writes comes near it.
 */
export const MAX_FILTER_NESTING = 100;

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'like', 'ilike', 'is', 'null']);

class Parser {
  private at = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.or();
    const next = this.peek();
    if (next.kind !== 'end') throw new FilterSyntaxError(`unexpected ${describe(next)}; expected "and", "or" or the end`, next.column);
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)] as Token;
  }

  private isKeyword(token: Token, word: string): boolean {
    return token.kind === 'ident' && token.prefix === undefined && token.text.toLowerCase() === word;
  }

  private keyword(word: string): boolean {
    if (!this.isKeyword(this.peek(), word)) return false;
    this.at++;
    return true;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.keyword('or')) left = { type: 'or', left, right: this.and() };
    return left;
  }

  private and(): FilterNode {
    let left = this.not();
    while (this.keyword('and')) left = { type: 'and', left, right: this.not() };
    return left;
  }

  private not(): FilterNode {
    const token = this.peek();
    if (!this.keyword('not')) return this.primary();
    return { type: 'not', expr: this.nested(token.column, () => this.not()) };
  }

  /** Parses one level deeper, refusing past `MAX_FILTER_NESTING`. */
  private nested(column: number, parse: () => FilterNode): FilterNode {
    if (++this.depth > MAX_FILTER_NESTING) throw new FilterSyntaxError(`parentheses and "not" nest more than ${MAX_FILTER_NESTING} deep`, column);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private primary(): FilterNode {
    const token = this.peek();
    if (token.kind === 'punct' && token.text === '(') {
      this.at++;
      const inner = this.nested(token.column, () => this.or());
      const close = this.peek();
      if (close.kind !== 'punct' || close.text !== ')') throw new FilterSyntaxError(`expected ")" but found ${describe(close)}`, close.column);
      this.at++;
      return inner;
    }
    return this.comparison();
  }

  private comparison(): FilterNode {
    const field = this.field();
    const column = field.column;
    if (this.keyword('is')) {
      const negated = this.keyword('not');
      if (!this.keyword('null')) throw new FilterSyntaxError(`expected "null" after "is${negated ? ' not' : ''}" but found ${describe(this.peek())}`, this.peek().column);
      return { type: 'null', field, negated, column };
    }
    const negated = this.keyword('not');
    const like = this.peek();
    if (this.isKeyword(like, 'like') || this.isKeyword(like, 'ilike')) {
      this.at++;
      const pattern = this.peek();
      if (pattern.kind !== 'string') throw new FilterSyntaxError(`${like.kind === 'ident' ? like.text.toUpperCase() : 'LIKE'} needs a quoted pattern, like '%base%', but found ${describe(pattern)}`, pattern.column);
      this.at++;
      return { type: 'like', field, pattern: pattern.value, caseless: like.kind === 'ident' && like.text.toLowerCase() === 'ilike', negated, column };
    }
    if (this.keyword('in')) {
      const open = this.peek();
      if (open.kind !== 'punct' || open.text !== '(') throw new FilterSyntaxError(`expected "(" after "in" but found ${describe(open)}`, open.column);
      this.at++;
      const values: Literal[] = [this.literal()];
      for (;;) {
        const next = this.peek();
        if (next.kind === 'punct' && next.text === ',') {
          this.at++;
          values.push(this.literal());
        } else if (next.kind === 'punct' && next.text === ')') {
          this.at++;
          break;
        } else {
          throw new FilterSyntaxError(`expected "," or ")" but found ${describe(next)}`, next.column);
        }
      }
      return { type: 'in', field, values, negated, column };
    }
    if (negated) throw new FilterSyntaxError('expected "in", "like" or "ilike" after "not"', this.peek().column);
    const op = this.peek();
    if (op.kind !== 'op') {
      throw new FilterSyntaxError(
        `expected a comparison (=, !=, <, <=, >, >=, ~, !~, in, like, ilike, is null) after ${field.group === 'attr' ? field.key : `${field.group}.${field.key}`} but found ${describe(op)}`,
        op.column,
      );
    }
    this.at++;
    const value = this.literal();
    if ((op.text === '~' || op.text === '!~') && typeof value !== 'string') throw new FilterSyntaxError(`"${op.text}" needs a quoted string`, op.column);
    return { type: 'compare', field, op: op.text, value, column };
  }

  private field(): FieldRef {
    const token = this.peek();
    if (token.kind !== 'ident' || (token.prefix === undefined && KEYWORDS.has(token.text.toLowerCase()))) {
      throw new FilterSyntaxError(`expected a column (status, params.lr, metrics.val_accuracy...) but found ${describe(token)}`, token.column);
    }
    this.at++;
    if (token.prefix === undefined || token.prefix === '') return attribute(token.key ?? token.text, token.text, token.column);
    const prefix = token.prefix.toLowerCase();
    const key = token.key as string;
    if (ATTRIBUTE_PREFIXES.has(prefix)) return attribute(key, token.text, token.column);
    if (prefix === 'dataset' || prefix === 'datasets') {
      throw new FilterSyntaxError(`"${token.text}": Runboard records no dataset inputs of runs; compare params or tags instead`, token.column);
    }
    const group = Object.hasOwn(GROUP_SPELLINGS, prefix) ? (GROUP_SPELLINGS[prefix] as string) : prefix;
    if (!(FILTER_GROUPS as readonly string[]).includes(group)) {
      throw new FilterSyntaxError(`unknown column group "${token.prefix}"; one of ${FILTER_GROUPS.join(', ')} (or MLflow's attributes, metric, param, tag)`, token.column);
    }
    if (key === '') throw new FilterSyntaxError(`"${token.prefix}." needs a name`, token.column);
    return { group: group as FieldRef['group'], key, column: token.column };
  }

  private literal(): Literal {
    const token = this.peek();
    this.at++;
    if (token.kind === 'number') return token.value;
    if (token.kind === 'string') return token.value;
    if (this.isKeyword(token, 'true') || this.isKeyword(token, 'false')) return (token as { text: string }).text.toLowerCase() === 'true';
    throw new FilterSyntaxError(`expected a value (a number, a "quoted string", true or false) but found ${describe(token)}`, token.column);
  }
}

/** An attribute by our name or MLflow's (`start_time`, `run_name`...), in any case. */
function attribute(name: string, written: string, column: number): FieldRef {
  const lower = name.toLowerCase();
  // Own keys only: `constructor` and `__proto__` are not attributes, whatever a plain object inherits.
  const key = (FILTER_ATTRIBUTES as readonly string[]).includes(lower) ? lower : Object.hasOwn(MLFLOW_ATTRIBUTES, lower) ? MLFLOW_ATTRIBUTES[lower] : undefined;
  if (key) return { group: 'attr', key, column };
  if (lower === 'artifact_uri') throw new FilterSyntaxError(`"${written}": Runboard keeps no artifacts, so there is no artifact_uri to compare`, column);
  throw new FilterSyntaxError(
    `unknown column "${written}"; use ${FILTER_ATTRIBUTES.join(', ')} (or MLflow's run_name, start_time, end_time, user_id) or ${FILTER_GROUPS.map((g) => `${g}.NAME`).join(', ')}`,
    column,
  );
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the filter';
    case 'number':
      return `${token.value}`;
    case 'string':
      return `"${token.value}"`;
    default:
      return `"${token.text}"`;
  }
}

/** Parses a filter; an empty filter matches every run (null). @throws FilterSyntaxError with the column. */
export function parseFilter(text: string): FilterNode | null {
  if (text.trim() === '') return null;
  return new Parser(tokenize(text)).parse();
}

/**
 * Every field whose value a filter compares, for checking them against the known columns. Fields tested only for
 * having a value (`IS NULL`, `IS NOT NULL`) are left out: a name no run logged is simply absent everywhere.
 */
export function filterFields(node: FilterNode | null): FieldRef[] {
  if (!node) return [];
  switch (node.type) {
    case 'and':
    case 'or':
      return [...filterFields(node.left), ...filterFields(node.right)];
    case 'not':
      return filterFields(node.expr);
    case 'null':
      return [];
    default:
      return [node.field];
  }
}
