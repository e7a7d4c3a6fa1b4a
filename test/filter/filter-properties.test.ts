import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FILTER_ATTRIBUTES, FILTER_GROUPS, filterFields, FilterSyntaxError, MAX_FILTER_NESTING, parseFilter, type FilterNode, type Literal } from '../../src-shared/filter/parse';

/**
 * Property tests of the filter language (issue 15 item 3): whatever the text, parsing answers a tree or a
 * FilterSyntaxError, never anything else; and any tree written in the language's syntax parses back to itself.
 * The seeds are fixed, so a failure found once is found again.
 */
const SEED = 15;

/** A tree without the columns (where each part was written): what the text means. */
type Meaning = unknown;
function meaning(node: unknown): Meaning {
  if (Array.isArray(node)) return node.map(meaning);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(Object.entries(node).filter(([key]) => key !== 'column').map(([key, value]) => [key, meaning(value)]));
}

const quote = (text: string) => `"${text.replace(/[\\"]/g, '\\$&')}"`;
const literalText = (value: Literal) => (typeof value === 'string' ? quote(value) : String(value));
const fieldText = (field: { group: string; key: string }) => (field.group === 'attr' ? field.key : `${field.group}.${quote(field.key)}`);

/** A filter tree written as the language's syntax, every operand in parentheses. */
function write(node: FilterNode): string {
  switch (node.type) {
    case 'and':
    case 'or':
      return `(${write(node.left)}) ${node.type} (${write(node.right)})`;
    case 'not':
      return `not (${write(node.expr)})`;
    case 'compare':
      return `${fieldText(node.field)} ${node.op} ${literalText(node.value)}`;
    case 'in':
      return `${fieldText(node.field)} ${node.negated ? 'not ' : ''}in (${node.values.map(literalText).join(', ')})`;
    case 'like':
      return `${fieldText(node.field)} ${node.negated ? 'not ' : ''}${node.caseless ? 'ilike' : 'like'} ${quote(node.pattern)}`;
    case 'null':
      return `${fieldText(node.field)} is ${node.negated ? 'not ' : ''}null`;
  }
}

const field = fc.oneof(
  fc.constantFrom(...FILTER_ATTRIBUTES).map((key) => ({ group: 'attr' as const, key, column: 0 })),
  fc.record({ group: fc.constantFrom(...FILTER_GROUPS), key: fc.string({ minLength: 1, maxLength: 12 }), column: fc.constant(0) }),
);
// -0 is written "0", which is the same number to every comparison.
const number = fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n));
const literal: fc.Arbitrary<Literal> = fc.oneof(number, fc.string({ maxLength: 12 }), fc.boolean());
const comparison: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.record({ type: fc.constant('compare' as const), field, op: fc.constantFrom('=', '!=', '<', '<=', '>', '>=' as const), value: literal, column: fc.constant(0) }),
  fc.record({ type: fc.constant('compare' as const), field, op: fc.constantFrom('~', '!~' as const), value: fc.string({ maxLength: 12 }), column: fc.constant(0) }),
  fc.record({ type: fc.constant('in' as const), field, values: fc.array(literal, { minLength: 1, maxLength: 4 }), negated: fc.boolean(), column: fc.constant(0) }),
  fc.record({ type: fc.constant('like' as const), field, pattern: fc.string({ maxLength: 12 }), caseless: fc.boolean(), negated: fc.boolean(), column: fc.constant(0) }),
  fc.record({ type: fc.constant('null' as const), field, negated: fc.boolean(), column: fc.constant(0) }),
);
const tree = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.record({ type: fc.constantFrom('and' as const, 'or' as const), left: tie('node'), right: tie('node') }),
    fc.record({ type: fc.constant('not' as const), expr: tie('node') }),
  ),
})).node;

/** Text that looks like filters: the language's words, operators and values in any order, and plain noise. */
const WORDS = ['status', 'params.lr', 'metrics."val acc"', 'tags.`x`', 'and', 'or', 'not', 'in', 'like', 'ilike', 'is', 'null', 'true', '(', ')', ',', '=', '!=', '<=', '~', '!~', '!', '"a\\"b"', "'x'", '1e999', '-.5', '.', '`', '"', 'attributes.run_id', 'dataset.x', 'constructor', '__proto__'];
const filterish = fc.oneof(fc.string({ maxLength: 60 }), fc.array(fc.constantFrom(...WORDS), { maxLength: 20 }).map((words) => words.join(' ')), fc.array(fc.constantFrom(...WORDS)).map((words) => words.join('')));

describe('the filter language, by properties', () => {
  it('parses any text to a tree or refuses it with a FilterSyntaxError naming a column inside the text', () => {
    fc.assert(
      fc.property(filterish, (text) => {
        try {
          // Every column of an accepted filter is a name (a string) of a known group.
          for (const field of filterFields(parseFilter(text))) {
            expect(typeof field.key).toBe('string');
            expect(['attr', ...FILTER_GROUPS]).toContain(field.group);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(FilterSyntaxError);
          const column = (error as FilterSyntaxError).column;
          expect(column).toBeGreaterThanOrEqual(1);
          expect(column).toBeLessThanOrEqual(text.length + 1);
        }
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('reads back any filter tree written in its syntax as the same tree', () => {
    fc.assert(
      fc.property(tree, (node) => {
        expect(meaning(parseFilter(write(node)))).toEqual(meaning(node));
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('refuses parentheses nested thousands deep with a FilterSyntaxError, not a stack overflow (found probing the recursion of the parser)', () => {
    const deep = `${'('.repeat(5000)}status = 1${')'.repeat(5000)}`;
    expect(() => parseFilter(deep)).toThrow(FilterSyntaxError);
    expect(() => parseFilter(`${'not '.repeat(5000)}status = 1`)).toThrow(FilterSyntaxError);
    expect(() => parseFilter(deep)).toThrow(`nest more than ${MAX_FILTER_NESTING} deep`);
    // As deep as the limit is still read.
    expect(parseFilter(`${'('.repeat(MAX_FILTER_NESTING)}status = 1${')'.repeat(MAX_FILTER_NESTING)}`)).toMatchObject({ type: 'compare' });
  });

  it('refuses a number too large for a double instead of comparing with an infinity (found reading the tokenizer for what the round trip cannot write)', () => {
    expect(() => parseFilter('metrics.loss < 1e999')).toThrow(/the number 1e999 is too large \(at column 16\)/);
    expect(() => parseFilter('params.x in (1, -2e400)')).toThrow(FilterSyntaxError);
    expect(parseFilter('metrics.loss < 1e308')).toMatchObject({ value: 1e308 });
  });

  it('refuses constructor and __proto__ as columns instead of reading what a plain object inherits (found after the layer list property found the same names there)', () => {
    for (const text of ['constructor = 1', '__proto__ = 1', 'attributes.constructor = 1', 'constructor.x = 1']) expect(() => parseFilter(text), text).toThrow(FilterSyntaxError);
  });
});
