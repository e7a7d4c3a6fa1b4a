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

/** A list of rows cut into pages of `size`. */
export function paginate(rows: readonly RunSummary[], size: number): Pages {
  const pages = new Map<number, readonly RunSummary[]>();
  for (let page = 0; page * size < rows.length; page++) pages.set(page, rows.slice(page * size, (page + 1) * size));
  return pages;
}
