// Small numeric helpers shared by outputs and statistics.

/** x rounded to `d` decimals for output; null when x is missing or not finite (JSON has no NaN). */
export function roundTo(x: number | null | undefined, d: number): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d;
}

/** The q-quantile of ascending `sorted` values (the element at ⌊q·n⌋, the last for q = 1). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
