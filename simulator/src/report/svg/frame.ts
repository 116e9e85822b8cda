import { escapeXml } from './escape.js';
import { formatTick, type LinearScale, linearScale, niceTicks } from './scale.js';

/** Size of every chart, px; the page lays them out two per row on wide screens. */
export const CHART = { width: 620, height: 300, left: 64, right: 16, top: 36, bottom: 64 } as const;

export interface Series {
  name: string;
  color: string;
  /** Dashed line (a reference such as the lower bound). */
  dashed?: boolean;
}

export interface Frame {
  x: LinearScale;
  y: LinearScale;
  /** Axes, grid, labels, title and legend: everything but the data. */
  chrome: string;
}

export interface FrameOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  xDomain: readonly [number, number];
  yDomain: readonly [number, number];
  legend: readonly Series[];
  /** Tick label of the x axis (e.g. minutes as hh:mm); defaults to plain numbers. */
  formatX?: (value: number, step: number) => string;
  formatY?: (value: number, step: number) => string;
  /** Draw x ticks and their labels (a bar chart labels its categories itself). */
  showXTicks?: boolean;
  /** Counts: whole-number y ticks only. */
  yIntegers?: boolean;
}

export function num(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : '0';
}

/** Scales that end on round ticks, plus the SVG of the axes around the plot area. */
export function chartFrame(options: FrameOptions): Frame {
  const { width, height, left, right, top, bottom } = CHART;
  const xTicks = niceTicks(options.xDomain[0], options.xDomain[1], 8);
  const yTicks = niceTicks(
    options.yDomain[0],
    options.yDomain[1],
    options.yIntegers ? Math.min(5, Math.ceil(options.yDomain[1] - options.yDomain[0])) : 5,
  );
  const x = linearScale([xTicks[0]!, xTicks.at(-1)!], [left, width - right]);
  const y = linearScale([yTicks[0]!, yTicks.at(-1)!], [height - bottom, top]);
  const xStep = (xTicks[1] ?? 1) - (xTicks[0] ?? 0);
  const yStep = (yTicks[1] ?? 1) - (yTicks[0] ?? 0);
  const fx = options.formatX ?? formatTick;
  const fy = options.formatY ?? formatTick;
  const parts: string[] = [];
  for (const t of yTicks) {
    parts.push(
      `<line class="grid" x1="${left}" x2="${width - right}" y1="${num(y(t))}" y2="${num(y(t))}"/>`,
      `<text class="tick" x="${left - 6}" y="${num(y(t) + 4)}" text-anchor="end">${escapeXml(fy(t, yStep))}</text>`,
    );
  }
  for (const t of options.showXTicks === false ? [] : xTicks) {
    parts.push(
      `<line class="axis" x1="${num(x(t))}" x2="${num(x(t))}" y1="${height - bottom}" y2="${height - bottom + 4}"/>`,
      `<text class="tick" x="${num(x(t))}" y="${height - bottom + 17}" text-anchor="middle">${escapeXml(fx(t, xStep))}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}"/>`,
    `<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}"/>`,
    `<text class="title" x="${left}" y="20">${escapeXml(options.title)}</text>`,
    `<text class="label" x="${(left + width - right) / 2}" y="${height - bottom + 34}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text class="label" transform="translate(14 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
    legend(options.legend, height - 14),
  );
  return { x, y, chrome: parts.join('') };
}

/** One row of colour keys under the x label. */
function legend(series: readonly Series[], baseline: number): string {
  let cursor = CHART.left;
  return series
    .map((s) => {
      const key = s.dashed
        ? `<line x1="${cursor}" x2="${cursor + 18}" y1="${baseline - 4}" y2="${baseline - 4}" stroke="${s.color}" stroke-width="2" stroke-dasharray="4 3"/>`
        : `<rect x="${cursor}" y="${baseline - 10}" width="18" height="10" fill="${s.color}"/>`;
      const text = `<text class="legend" x="${cursor + 24}" y="${baseline}">${escapeXml(s.name)}</text>`;
      cursor += 24 + s.name.length * 7 + 20;
      return key + text;
    })
    .join('');
}

/** Wraps chart parts in an accessible standalone SVG element. */
export function svgElement(title: string, body: string, id: string): string {
  const { width, height } = CHART;
  return (
    `<svg id="${escapeXml(id)}" class="chart" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" role="img" aria-labelledby="${escapeXml(id)}-title">` +
    `<title id="${escapeXml(id)}-title">${escapeXml(title)}</title>${body}</svg>`
  );
}

/** A chart with nothing to draw says so instead of drawing empty axes. */
export function emptyChart(id: string, title: string, reason: string): string {
  return svgElement(
    title,
    `<text class="title" x="${CHART.left}" y="20">${escapeXml(title)}</text>` +
      `<text class="empty" x="${CHART.width / 2}" y="${CHART.height / 2}" text-anchor="middle">${escapeXml(reason)}</text>`,
    id,
  );
}
