/**
 * The one output format of every benchmark: a figure beside its baseline measured in the same run.
 * With --json, one object a line; otherwise a readable table.
 */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baseline_value: number;
  /** value / baseline_value, so the goal reads the same way as the figure ("≥ 0.5", "≤ 0.5"). */
  ratio: number;
}

export function benchResult(
  name: string,
  value: number,
  unit: string,
  baseline: string,
  baselineValue: number,
): BenchResult {
  const ratio = baselineValue === 0 ? Number.NaN : value / baselineValue;
  return {
    name,
    value: round(value),
    unit,
    baseline,
    baseline_value: round(baselineValue),
    ratio: round(ratio, 3),
  };
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function formatJsonLine(r: BenchResult): string {
  return JSON.stringify(r);
}

export function formatTable(results: readonly BenchResult[]): string {
  const header = ['benchmark', 'value', 'unit', 'baseline', 'baseline value', 'ratio'];
  const rows = results.map((r) => [
    r.name,
    String(r.value),
    r.unit,
    r.baseline,
    String(r.baseline_value),
    // A baseline of 0 (e.g. hello-world's p50 in whole milliseconds) has no ratio.
    Number.isFinite(r.ratio) ? String(r.ratio) : '–',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A benchmark suite: yields results as it measures them, so long runs print progress. */
export type BenchSuite = (options: {
  quick: boolean;
  log: (line: string) => void;
}) => AsyncIterable<BenchResult>;
