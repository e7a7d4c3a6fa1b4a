import type { RunSummary } from '../../src-shared/entities/run';

/** Pages of the runs table by page number; replaced whole (never mutated) when one changes. */
export type Pages = ReadonlyMap<number, readonly RunSummary[]>;

export const NO_PAGES: Pages = new Map();

/** The pages with one page set (or replaced). */
export function withPage(pages: Pages, page: number, rows: readonly RunSummary[]): Pages {
  return new Map(pages).set(page, rows);
}

/** Pages from their numbers and rows. */
export function pagesFrom(entries: readonly (readonly [number, readonly RunSummary[]])[]): Pages {
  return new Map(entries);
}
