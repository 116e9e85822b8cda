/**
 * Dispatcher cycle durations from its Prometheus `/metrics`: the histogram
 * `dispatch_cycle_duration_seconds` of one region, read at the start and the end of the run, so
 * the percentiles cover this run only (the dispatcher may have run before).
 */

export const CYCLE_HISTOGRAM = 'dispatch_cycle_duration_seconds';

/** Cumulative bucket counts by upper bound (seconds; +Inf last) and the total count. */
export interface HistogramSnapshot {
  buckets: { le: number; count: number }[];
  count: number;
}

/** Parses the region's cycle histogram out of a Prometheus text exposition; null when absent. */
export function cycleHistogramFromText(text: string, region: string): HistogramSnapshot | null {
  const buckets = new Map<number, number>();
  let count: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(CYCLE_HISTOGRAM)) continue;
    const m = /^(\w+)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = new Map(
      [...m[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!] as const),
    );
    if (labels.get('region') !== region) continue;
    const value = Number(m[3]);
    if (m[1] === `${CYCLE_HISTOGRAM}_bucket`) {
      const le = labels.get('le');
      buckets.set(le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), value);
    } else if (m[1] === `${CYCLE_HISTOGRAM}_count`) count = value;
  }
  if (count === null) return null;
  return {
    buckets: [...buckets.entries()].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le),
    count,
  };
}

/** `after − before`, bucket by bucket (`before` null: nothing before). */
export function histogramDelta(
  after: HistogramSnapshot,
  before: HistogramSnapshot | null,
): HistogramSnapshot {
  if (!before) return after;
  const earlier = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: Math.max(0, b.count - (earlier.get(b.le) ?? 0)) })),
    count: Math.max(0, after.count - before.count),
  };
}

/**
 * The q-quantile (0–1) in the bucket where it falls, interpolated linearly inside it, as
 * Prometheus' `histogram_quantile` does; seconds, or null without observations. A quantile in
 * the +Inf bucket answers the highest finite bound.
 */
export function histogramQuantile(h: HistogramSnapshot, q: number): number | null {
  if (h.count <= 0 || h.buckets.length === 0) return null;
  const rank = q * h.count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return lowerBound;
      const inBucket = b.count - lowerCount;
      return inBucket > 0 ? lowerBound + ((b.le - lowerBound) * (rank - lowerCount)) / inBucket : b.le;
    }
    lowerBound = Number.isFinite(b.le) ? b.le : lowerBound;
    lowerCount = b.count;
  }
  return lowerBound;
}

/** Reads the histogram from `url`; null when the dispatcher is unreachable or has no such metric. */
export async function readCycleHistogram(url: string, region: string): Promise<HistogramSnapshot | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) return null;
    return cycleHistogramFromText(await response.text(), region);
  } catch {
    return null;
  }
}

/** p50/p90/p99 in wall milliseconds over the run, for `run.json`. */
export function cyclePercentilesMs(h: HistogramSnapshot | null): {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  count: number;
} {
  const ms = (q: number) => {
    const s = h ? histogramQuantile(h, q) : null;
    return s === null ? null : Math.round(s * 1000 * 100) / 100;
  };
  return { p50: ms(0.5), p90: ms(0.9), p99: ms(0.99), count: h?.count ?? 0 };
}
