import { histogram } from '../stats.js';
import { escapeXml } from './escape.js';
import { CHART, chartFrame, emptyChart, num, type Series, svgElement } from './frame.js';

export interface HistogramChartOptions {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: ReadonlyArray<Series & { values: readonly number[] }>;
  binWidth: number;
  /** Range of the bins; values beyond fall into the edge bins. Defaults to the data's. */
  from?: number;
  to?: number;
  /** Vertical reference lines, e.g. the 40-minute target. */
  markers?: ReadonlyArray<{ value: number; label: string }>;
}

/**
 * Counts per bin, one bar per series side by side inside each bin (no bar hides another), as an
 * SVG string.
 */
export function histogramChart(options: HistogramChartOptions): string {
  const all = options.series.flatMap((s) => s.values).filter(Number.isFinite);
  if (all.length === 0) return emptyChart(options.id, options.title, 'no values to draw');
  const from = options.from ?? Math.floor(Math.min(...all) / options.binWidth) * options.binWidth;
  const to = Math.max(
    from + options.binWidth,
    options.to ?? Math.ceil((Math.max(...all) + 1e-9) / options.binWidth) * options.binWidth,
  );
  const binned = options.series.map((s) => histogram(s.values, from, to, options.binWidth));
  const top = Math.max(1, ...binned.flat().map((b) => b.count));
  const frame = chartFrame({
    title: options.title,
    xLabel: options.xLabel,
    yLabel: options.yLabel,
    xDomain: [from, to],
    yDomain: [0, top],
    legend: options.series,
    yIntegers: true,
  });
  const { x, y } = frame;
  const k = options.series.length;
  const bars: string[] = [];
  binned.forEach((bins, si) => {
    const s = options.series[si]!;
    for (const b of bins) {
      if (b.count === 0) continue;
      const x0 = x(b.from);
      const w = (x(b.to) - x0) / k;
      const h = y(0) - y(b.count);
      bars.push(
        `<rect x="${num(x0 + si * w)}" y="${num(y(b.count))}" width="${num(Math.max(0.5, w - 0.4))}" height="${num(h)}" fill="${s.color}"${s.dashed ? ' fill-opacity="0.55"' : ''}>` +
          `<title>${escapeXml(`${s.name}: ${b.count} in [${b.from}, ${b.to})`)}</title></rect>`,
      );
    }
  });
  const markers = (options.markers ?? [])
    .filter((m) => m.value >= x.domain[0] && m.value <= x.domain[1])
    .map(
      (m) =>
        `<line class="marker" x1="${num(x(m.value))}" x2="${num(x(m.value))}" y1="${CHART.top}" y2="${CHART.height - CHART.bottom}"/>` +
        // Near the right edge the label goes left of its line, so it is not cut off.
        (x(m.value) > CHART.width - CHART.right - 90
          ? `<text class="marker-label" x="${num(x(m.value) - 4)}" y="${CHART.top + 12}" text-anchor="end">`
          : `<text class="marker-label" x="${num(x(m.value) + 4)}" y="${CHART.top + 12}">`) +
        `${escapeXml(m.label)}</text>`,
    );
  return svgElement(options.title, frame.chrome + bars.join('') + markers.join(''), options.id);
}
