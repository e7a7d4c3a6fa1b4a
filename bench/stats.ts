export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Runs `a` and `b` alternately `rounds` times (so machine noise hits both alike) and returns each one's results. */
export async function sideBySide<T>(rounds: number, a: () => Promise<T> | T, b: () => Promise<T> | T): Promise<{ a: T[]; b: T[] }> {
  const out = { a: [] as T[], b: [] as T[] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      out.a.push(await a());
      out.b.push(await b());
    } else {
      out.b.push(await b());
      out.a.push(await a());
    }
  }
  return out;
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
