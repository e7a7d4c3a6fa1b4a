/**
 * The runs filter language, shared by the UI's filter box and the CLI's `--filter`:
 *
 *   params.lr > 0.001 and metrics.val_accuracy >= 0.9
 *   status = "finished" or (best.val_loss < 0.1 and not name ~ "baseline")
 *   tags.stage in ("final", "paper") and sweep = 3
 *
 * Comparisons `= != < <= > >=`, `~` (contains, ignoring case) and `!~`, `in (...)` and `not in (...)`, combined with
 * `and`, `or`, `not` and parentheses. Values are numbers, quoted strings and `true`/`false`. A syntax error names the
 * column (counted from 1) where it is; MLflow's and SQL's ways (`attributes.status`, `metric.x`, `LIKE`) are refused
 * with our equivalent named. This module only parses; the store compiles the tree to parameterised SQL.
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
  | { type: 'in'; field: FieldRef; values: Literal[]; negated: boolean; column: number };

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
export const FILTER_ATTRIBUTES = ['run_id', 'name', 'experiment', 'status', 'kind', 'backend', 'device', 'sweep', 'trial', 'parent', 'epochs', 'duration', 'created', 'seed', 'notes', 'archived'] as const;
export const FILTER_GROUPS = ['params', 'metrics', 'best', 'min', 'max', 'tags'] as const;

type Token =
  | { kind: 'ident'; text: string; column: number }
  | { kind: 'number'; value: number; column: number }
  | { kind: 'string'; value: string; column: number }
  | { kind: 'op'; text: Comparator; column: number }
  | { kind: 'punct'; text: '(' | ')' | ','; column: number }
  | { kind: 'end'; column: number };

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
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== char; j++) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j];
      }
      if (j >= text.length) throw new FilterSyntaxError('unclosed string', column);
      tokens.push({ kind: 'string', value, column });
      i = j + 1;
    } else if (/[<>=!~]/.test(char)) {
      const two = text.slice(i, i + 2);
      const op = ['<=', '>=', '!=', '==', '!~'].includes(two) ? two : char;
      if (op === '!') throw new FilterSyntaxError('"!" must be followed by "=" or "~"', column);
      tokens.push({ kind: 'op', text: (op === '==' ? '=' : op) as Comparator, column });
      i += op.length;
    } else if (/[0-9.+-]/.test(char)) {
      const match = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!match) throw new FilterSyntaxError(`unexpected "${char}"`, column);
      tokens.push({ kind: 'number', value: Number(match[0]), column });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][\w]*(\.[\w./-]+)?/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'ident', text: match[0], column });
      i += match[0].length;
    } else {
      throw new FilterSyntaxError(`unexpected "${char}"`, column);
    }
  }
  tokens.push({ kind: 'end', column: text.length + 1 });
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false']);

/**
 * MLflow's search syntax, which many users write first: its entity prefixes and attribute names, mapped to ours, so
 * that an error can name the equivalent (until MLflow's syntax is accepted as such).
 */
const MLFLOW_PREFIXES: Record<string, string> = { metric: 'metrics', param: 'params', parameter: 'params', parameters: 'params', tag: 'tags' };
const MLFLOW_ATTRIBUTE_PREFIXES = new Set(['attributes', 'attribute', 'attr', 'run']);
const MLFLOW_ATTRIBUTES: Record<string, string> = { run_name: 'name', start_time: 'created', run_id: 'run_id', status: 'status', experiment_id: 'experiment' };

/** Our name for an MLflow attribute (`attributes.start_time` -> `created`), or null when we have none. */
function ourAttribute(name: string): string | null {
  const key = name.toLowerCase();
  if ((FILTER_ATTRIBUTES as readonly string[]).includes(key)) return key;
  return MLFLOW_ATTRIBUTES[key] ?? null;
}

/** A `LIKE` pattern as our `~` takes it: a substring, without SQL's `%` wildcards around it. */
function likeToContains(pattern: string): string {
  return pattern.replace(/^%+|%+$/g, '');
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.or();
    const next = this.peek();
    if (next.kind !== 'end') throw new FilterSyntaxError(`unexpected ${describe(next)}; expected "and", "or" or the end`, next.column);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.at] as Token;
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    if (token.kind === 'ident' && token.text.toLowerCase() === word) {
      this.at++;
      return true;
    }
    return false;
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
    if (this.keyword('not')) return { type: 'not', expr: this.not() };
    return this.primary();
  }

  private primary(): FilterNode {
    const token = this.peek();
    if (token.kind === 'punct' && token.text === '(') {
      this.at++;
      const inner = this.or();
      const close = this.peek();
      if (close.kind !== 'punct' || close.text !== ')') throw new FilterSyntaxError(`expected ")" but found ${describe(close)}`, close.column);
      this.at++;
      return inner;
    }
    return this.comparison();
  }

  private comparison(): FilterNode {
    const field = this.field();
    const token = this.peek();
    const negated = token.kind === 'ident' && token.text.toLowerCase() === 'not';
    if (negated) this.at++;
    this.refuseLike(field, negated);
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
      return { type: 'in', field, values, negated, column: field.column };
    }
    if (negated) throw new FilterSyntaxError('expected "in" after "not"', this.peek().column);
    const op = this.peek();
    if (op.kind !== 'op') throw new FilterSyntaxError(`expected a comparison (=, !=, <, <=, >, >=, ~, !~, in) after ${field.group === 'attr' ? field.key : `${field.group}.${field.key}`} but found ${describe(op)}`, op.column);
    this.at++;
    const value = this.literal();
    if ((op.text === '~' || op.text === '!~') && typeof value !== 'string') throw new FilterSyntaxError(`"${op.text}" needs a quoted string`, op.column);
    return { type: 'compare', field, op: op.text, value, column: field.column };
  }

  /** SQL's and MLflow's `LIKE` / `ILIKE`: named, with our `~` (contains, ignoring case) written out for this field. */
  private refuseLike(field: FieldRef, negated: boolean): void {
    const token = this.peek();
    if (token.kind !== 'ident' || !['like', 'ilike'].includes(token.text.toLowerCase())) return;
    const name = field.group === 'attr' ? field.key : `${field.group}.${field.key}`;
    const value = this.tokens[this.at + 1];
    const example = value?.kind === 'string' ? `${name} ${negated ? '!~' : '~'} "${likeToContains(value.value)}"` : `${name} ${negated ? '!~' : '~'} "text"`;
    throw new FilterSyntaxError(
      `${negated ? 'NOT ' : ''}${token.text.toUpperCase()} is written "${negated ? '!~' : '~'}" here (contains, ignoring case; no % needed): ${example}`,
      token.column,
    );
  }

  private field(): FieldRef {
    const token = this.peek();
    if (token.kind !== 'ident' || KEYWORDS.has(token.text.toLowerCase())) {
      throw new FilterSyntaxError(`expected a column (status, params.lr, metrics.val_accuracy...) but found ${describe(token)}`, token.column);
    }
    this.at++;
    const dot = token.text.indexOf('.');
    if (dot < 0) {
      const key = token.text.toLowerCase();
      if (!(FILTER_ATTRIBUTES as readonly string[]).includes(key)) {
        const ours = ourAttribute(key);
        if (ours) throw new FilterSyntaxError(`unknown column "${token.text}"; MLflow's ${key} is written "${ours}" here`, token.column);
        throw new FilterSyntaxError(`unknown column "${token.text}"; use ${FILTER_ATTRIBUTES.join(', ')} or ${FILTER_GROUPS.map((g) => `${g}.NAME`).join(', ')}`, token.column);
      }
      return { group: 'attr', key, column: token.column };
    }
    const group = token.text.slice(0, dot).toLowerCase();
    const key = token.text.slice(dot + 1);
    if (MLFLOW_ATTRIBUTE_PREFIXES.has(group)) {
      const ours = ourAttribute(key);
      throw new FilterSyntaxError(
        ours
          ? `"${token.text}" is written "${ours}" here: attributes take no prefix`
          : `"${token.text}": attributes take no prefix here, and "${key}" is not one of them; use ${FILTER_ATTRIBUTES.join(', ')}`,
        token.column,
      );
    }
    if (MLFLOW_PREFIXES[group]) {
      throw new FilterSyntaxError(`"${token.text}" is written "${MLFLOW_PREFIXES[group]}.${key}" here`, token.column);
    }
    if (!(FILTER_GROUPS as readonly string[]).includes(group)) {
      throw new FilterSyntaxError(`unknown column group "${token.text.slice(0, dot)}"; one of ${FILTER_GROUPS.join(', ')}`, token.column);
    }
    if (key === '') throw new FilterSyntaxError(`"${group}." needs a name`, token.column);
    return { group: group as FieldRef['group'], key, column: token.column };
  }

  private literal(): Literal {
    const token = this.peek();
    this.at++;
    if (token.kind === 'number') return token.value;
    if (token.kind === 'string') return token.value;
    if (token.kind === 'ident' && (token.text.toLowerCase() === 'true' || token.text.toLowerCase() === 'false')) return token.text.toLowerCase() === 'true';
    throw new FilterSyntaxError(`expected a value (a number, a "quoted string", true or false) but found ${describe(token)}`, token.column);
  }
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

/** Every field a filter names, for checking them against the known columns. */
export function filterFields(node: FilterNode | null): FieldRef[] {
  if (!node) return [];
  switch (node.type) {
    case 'and':
    case 'or':
      return [...filterFields(node.left), ...filterFields(node.right)];
    case 'not':
      return filterFields(node.expr);
    default:
      return [node.field];
  }
}
