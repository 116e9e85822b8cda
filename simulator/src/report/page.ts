import { type ReportChart, reportCharts } from './charts.js';
import { type ViewKpis, viewKpis } from './kpis.js';
import type { ReportModel } from './model.js';
import { escapeXml } from './svg/escape.js';

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px; color: #111827; background: #f9fafb; }
h1 { font-size: 22px; margin: 0 0 6px; }
.facts { color: #4b5563; margin: 0 0 16px; }
.facts span { margin-right: 16px; white-space: nowrap; }
table.kpis { border-collapse: collapse; background: #fff; margin-bottom: 12px; }
table.kpis th, table.kpis td { border: 1px solid #e5e7eb; padding: 6px 10px; text-align: right; }
table.kpis th:first-child, table.kpis td:first-child { text-align: left; white-space: nowrap; }
table.kpis thead th { background: #f3f4f6; font-weight: 600; }
ul.notes { color: #374151; max-width: 1300px; padding-left: 20px; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; max-width: 100%; height: auto; }
.chart .grid { stroke: #e5e7eb; stroke-width: 1; }
.chart .axis { stroke: #6b7280; stroke-width: 1; }
.chart .tick, .chart .legend, .chart .value { font-size: 11px; fill: #374151; }
.chart .label { font-size: 12px; fill: #111827; }
.chart .title { font-size: 14px; font-weight: 600; fill: #111827; }
.chart .marker { stroke: #111827; stroke-dasharray: 2 3; }
.chart .marker-label { font-size: 11px; fill: #111827; }
.chart .empty { font-size: 13px; fill: #6b7280; }
footer { color: #6b7280; margin-top: 20px; font-size: 12px; }
`;

const fixed = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const pct = (v: number | null) => (v === null || !Number.isFinite(v) ? 'n/a' : `${(v * 100).toFixed(1)}%`);

function kpiTable(rows: readonly ViewKpis[], targetMinutes: number): string {
  const head = [
    'view',
    'orders',
    'delivered',
    'click-to-door mean / p50 / p90 (min)',
    `over ${targetMinutes} min`,
    'lower bound mean / p50 / p90 (min)',
    'mean ÷ lower bound',
    'acceptance',
    'courier utilisation',
    'cycle p90 (ms)',
  ];
  const body = rows.map((r) =>
    [
      r.name,
      r.orders.toLocaleString('en-US'),
      r.delivered.toLocaleString('en-US'),
      `${fixed(r.clickToDoor.mean)} / ${fixed(r.clickToDoor.p50)} / ${fixed(r.clickToDoor.p90)}`,
      pct(r.shareOverTarget),
      `${fixed(r.lowerBound.mean)} / ${fixed(r.lowerBound.p50)} / ${fixed(r.lowerBound.p90)}`,
      fixed(r.ratioToLowerBound, 3),
      pct(r.acceptanceRate),
      pct(r.meanUtilisation),
      r.cycleP90Ms === null ? 'n/a' : fixed(r.cycleP90Ms, 2),
    ]
      .map((cell) => `<td>${escapeXml(cell)}</td>`)
      .join(''),
  );
  return (
    `<table class="kpis"><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${body.map((b) => `<tr>${b}</tr>`).join('')}</tbody></table>`
  );
}

export interface RenderedReport {
  html: string;
  charts: ReportChart[];
  kpis: ViewKpis[];
}

/**
 * The whole report as one HTML file: inline CSS and SVG only (no script, font, image or other
 * request), so it opens offline and can be mailed or archived as is.
 */
export function renderReport(model: ReportModel, generatedAt: Date, source: string): RenderedReport {
  const kpis = model.views.map((v) => viewKpis(v, model.targetMinutes));
  const charts = reportCharts(model);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(model.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeXml(model.title)}</h1>
<p class="facts">${model.facts.map(([k, v]) => `<span><b>${escapeXml(k)}:</b> ${escapeXml(v)}</span>`).join(' ')}</p>
${kpiTable(kpis, model.targetMinutes)}
<ul class="notes">${[...model.notes, `The ${model.lowerBoundNote}.`].map((n) => `<li>${escapeXml(n)}</li>`).join('')}</ul>
<div class="grid">
${charts.map((c) => c.svg).join('\n')}
</div>
<footer>Generated ${escapeXml(generatedAt.toISOString())} from ${escapeXml(source)} by <code>npm run sim -- report</code>.</footer>
</body>
</html>
`;
  return { html, charts, kpis };
}
