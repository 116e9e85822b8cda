import { escapeXml } from './escape.js';
import { CHART, chartFrame, emptyChart, num, type Series, svgElement } from './frame.js';

export interface BarChartOptions {
  id: string;
  title: string;
  yLabel: string;
  /** Category labels along the x axis (e.g. p50, p90, p99). */
  categories: readonly string[];
  /** One value per category per series; null = not measured. */
  series: ReadonlyArray<Series & { values: ReadonlyArray<number | null> }>;
  formatValue?: (value: number) => string;
}

/** Grouped bars with their values written on top, as an SVG string. */
export function barChart(options: BarChartOptions): string {
  const values = options.series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  if (values.length === 0) return emptyChart(options.id, options.title, 'not measured in this run');
  const n = options.categories.length;
  const frame = chartFrame({
    title: options.title,
    xLabel: '',
    yLabel: options.yLabel,
    xDomain: [0, n],
    yDomain: [0, Math.max(...values, 1e-9)],
    legend: options.series,
    showXTicks: false,
  });
  const { x, y } = frame;
  const fmt = options.formatValue ?? ((v: number) => String(Math.round(v * 10) / 10));
  const k = options.series.length;
  const parts: string[] = [];
  options.categories.forEach((category, ci) => {
    const start = x(ci);
    const width = x(ci + 1) - x(ci);
    const barWidth = (width * 0.7) / k;
    parts.push(
      `<text class="tick" x="${num(start + width / 2)}" y="${CHART.height - CHART.bottom + 17}" text-anchor="middle">${escapeXml(category)}</text>`,
    );
    options.series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === null || v === undefined) return;
      const bx = start + width * 0.15 + si * barWidth;
      parts.push(
        `<rect x="${num(bx)}" y="${num(y(v))}" width="${num(barWidth - 2)}" height="${num(y(0) - y(v))}" fill="${s.color}"><title>${escapeXml(`${s.name} ${category}: ${fmt(v)}`)}</title></rect>`,
        `<text class="value" x="${num(bx + (barWidth - 2) / 2)}" y="${num(y(v) - 4)}" text-anchor="middle">${escapeXml(fmt(v))}</text>`,
      );
    });
  });
  return svgElement(options.title, frame.chrome + parts.join(''), options.id);
}
