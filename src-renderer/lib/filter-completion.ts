import { hasBest } from '../../src-shared/entities/run';
import { FILTER_ATTRIBUTES, FILTER_GROUPS } from '../../src-shared/filter/parse';
import type { KnownNames } from './filter-check';

const KEYWORDS = ['and', 'or', 'not', 'in', 'true', 'false'];
/** How many suggestions the list shows at most. */
const MAX_ITEMS = 12;

export interface Completion {
  /** What replaces the word at the cursor. */
  text: string;
  /** A hint shown beside it: `param`, `metric`, `attribute`... */
  detail: string;
}

export interface CompletionResult {
  /** The part of the filter the completion replaces: [from, to) in characters. */
  from: number;
  to: number;
  items: Completion[];
}

/**
 * Suggestions for the word at the cursor: `params.`, `metrics.`, `best.`, `min.`, `max.` and `tags.` followed by the
 * names runs have logged, the attributes (`status`, `duration`...) and the keywords. Nothing inside a quoted string
 * or right after a comparison (where a value goes).
 */
export function completeFilter(text: string, cursor: number, known: KnownNames | null): CompletionResult | null {
  const before = text.slice(0, cursor);
  if ((before.match(/"/g)?.length ?? 0) % 2 === 1 || (before.match(/'/g)?.length ?? 0) % 2 === 1) return null;
  const word = /[A-Za-z_][\w.]*$/.exec(before)?.[0] ?? '';
  const from = cursor - word.length;
  const after = /^[\w.]*/.exec(text.slice(cursor))?.[0] ?? '';
  const previous = before.slice(0, from).trimEnd();
  if (/[<>=~]$/.test(previous)) return null;
  // Right after a value or a name, with no space typed yet, the user is not asking for the next word.
  if (word === '' && before !== '' && !/[\s(,]$/.test(before)) return null;
  const lower = word.toLowerCase();
  const items: Completion[] = [];
  const dot = word.indexOf('.');
  if (dot > 0) {
    const group = lower.slice(0, dot);
    const prefix = word.slice(dot + 1).toLowerCase();
    const names = !known
      ? []
      : group === 'params'
        ? known.params
        : group === 'tags'
          ? known.tags
          : group === 'best'
            ? known.metrics.filter(hasBest)
            : (FILTER_GROUPS as readonly string[]).includes(group)
              ? known.metrics
              : [];
    const detail = group === 'params' ? 'param' : group === 'tags' ? 'tag' : group === 'metrics' ? 'last value' : `${group} value`;
    for (const name of names) if (name.toLowerCase().includes(prefix)) items.push({ text: `${group}.${name}`, detail });
    items.sort((a, b) => Number(!a.text.toLowerCase().startsWith(`${group}.${prefix}`)) - Number(!b.text.toLowerCase().startsWith(`${group}.${prefix}`)));
  } else {
    const afterValue = /(\d|"|'|\)|\btrue|\bfalse)$/i.test(previous);
    const afterField = !afterValue && previous !== '' && !/(\(|,|\band|\bor|\bnot)$/i.test(previous);
    if (afterValue) {
      for (const keyword of ['and', 'or']) if (keyword.startsWith(lower)) items.push({ text: keyword, detail: 'keyword' });
    } else if (afterField) {
      for (const keyword of ['in', 'not in']) if (keyword.startsWith(lower)) items.push({ text: keyword, detail: 'keyword' });
    } else {
      for (const group of FILTER_GROUPS) if (group.startsWith(lower)) items.push({ text: `${group}.`, detail: 'group' });
      for (const attribute of FILTER_ATTRIBUTES) if (attribute.startsWith(lower)) items.push({ text: attribute, detail: 'attribute' });
      if (lower !== '') for (const keyword of KEYWORDS) if (keyword.startsWith(lower) && keyword !== lower) items.push({ text: keyword, detail: 'keyword' });
    }
  }
  const shown = items.filter((item) => item.text !== word).slice(0, MAX_ITEMS);
  return shown.length === 0 ? null : { from, to: cursor + after.length, items: shown };
}

/** The filter with a completion applied, and where the cursor goes (after it, and after a space unless it ends with `.`). */
export function applyCompletion(text: string, result: CompletionResult, item: Completion): { text: string; cursor: number } {
  const insert = item.text.endsWith('.') ? item.text : `${item.text} `;
  const rest = text.slice(result.to).replace(/^ /, '');
  return { text: text.slice(0, result.from) + insert + rest, cursor: result.from + insert.length };
}
