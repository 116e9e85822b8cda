import { escapeXml } from './escape.js';
import { chartFrame, emptyChart, type FrameOptions, num, type Series, svgElement } from './frame.js';

export interface LineChartOptions {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: ReadonlyArray<Series & { points: ReadonlyArray<readonly [number, number]> }>;
  /** Start the y axis at zero (counts, rates). */
  yFromZero?: boolean;
  yMax?: number;
  formatX?: FrameOptions['formatX'];
  formatY?: FrameOptions['formatY'];
}

/** One polyline per series over a shared x axis, as an SVG string. */
export function lineChart(options: LineChartOptions): string {
  const points = options.series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a + b));
  if (points.length === 0) return emptyChart(options.id, options.title, 'no values to draw');
  const xs = points.map(([a]) => a);
  const ys = points.map(([, b]) => b);
  const yMin = options.yFromZero ? 0 : Math.min(...ys);
  const yMax = options.yMax ?? Math.max(...ys);
  const frame = chartFrame({
    title: options.title,
    xLabel: options.xLabel,
    yLabel: options.yLabel,
    xDomain: [Math.min(...xs), Math.max(...xs)],
    yDomain: [yMin, Math.max(yMax, yMin + (options.yFromZero ? 1 : 0))],
    legend: options.series,
    formatX: options.formatX,
    formatY: options.formatY,
  });
  const lines = options.series.map((s) => {
    const d = s.points
      .filter(([a, b]) => Number.isFinite(a + b))
      .map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${num(frame.x(a))} ${num(frame.y(b))}`)
      .join('');
    return (
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 3"' : ''}>` +
      `<title>${escapeXml(s.name)}</title></path>`
    );
  });
  return svgElement(options.title, frame.chrome + lines.join(''), options.id);
}
