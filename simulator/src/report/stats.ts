/** Small statistics the report needs; pure, so the plots' numbers are testable. */

/** Nearest-rank quantile (the same rule as the replay's summary.json), NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

export interface Bin {
  /** Inclusive lower edge. */
  from: number;
  /** Exclusive upper edge (the last bin also holds values equal to it). */
  to: number;
  count: number;
}

/**
 * Equal-width bins from `from` to `to`; values outside are clamped into the first or last bin,
 * so a long tail shows as a taller last bar instead of vanishing.
 */
export function histogram(values: readonly number[], from: number, to: number, binWidth: number): Bin[] {
  if (!(binWidth > 0) || !(to > from)) throw new Error('histogram needs binWidth > 0 and to > from');
  const n = Math.max(1, Math.ceil((to - from) / binWidth - 1e-9));
  const bins: Bin[] = Array.from({ length: n }, (_, i) => ({
    from: from + i * binWidth,
    to: from + (i + 1) * binWidth,
    count: 0,
  }));
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = Math.min(n - 1, Math.max(0, Math.floor((v - from) / binWidth)));
    bins[i]!.count++;
  }
  return bins;
}
