import { COLORS, type CourierFigures, type ReportModel, type ReportView } from './model.js';
import { barChart } from './svg/bar-chart.js';
import { histogramChart } from './svg/histogram-chart.js';
import { lineChart } from './svg/line-chart.js';
import { niceStep } from './svg/scale.js';

export interface ReportChart {
  id: string;
  svg: string;
}

const percent = (v: number, step: number) => `${(v * 100).toFixed(step < 0.01 ? 1 : 0)}%`;

/** Empirical CDF as step points: [value, share of values ≤ value], ascending. */
export function cumulativeShares(values: readonly number[]): Array<readonly [number, number]> {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const points: Array<readonly [number, number]> = [];
  sorted.forEach((v, i) => {
    if (sorted[i + 1] === v) return;
    const previous = points.at(-1);
    if (previous) points.push([v, previous[1]]);
    points.push([v, (i + 1) / sorted.length]);
  });
  return points;
}

/** Every plot of the report, in page order; each is a standalone SVG string. */
export function reportCharts(model: ReportModel): ReportChart[] {
  const { views } = model;
  const charts: ReportChart[] = [];
  const reference = views[0];
  const ctdMax = Math.max(
    model.maxMinutes,
    ...views.flatMap((v) => v.clickToDoorMin).filter(Number.isFinite),
  );
  charts.push({
    id: 'click-to-door',
    svg: histogramChart({
      id: 'click-to-door',
      title: 'Click-to-door distribution against the lower bound',
      xLabel: 'click-to-door, minutes (5-minute bins; the last bin holds everything above)',
      yLabel: 'orders',
      binWidth: 5,
      from: 0,
      to: Math.min(Math.ceil(ctdMax / 5) * 5, model.maxMinutes + 30),
      series: [
        ...views.map((v) => ({ name: v.name, color: v.color, values: v.clickToDoorMin })),
        ...(reference
          ? [{ name: 'lower bound', color: COLORS.lowerBound, dashed: true, values: reference.lowerBoundMin }]
          : []),
      ],
      markers: [
        { value: model.targetMinutes, label: `target ${model.targetMinutes} min` },
        { value: model.maxMinutes, label: `max ${model.maxMinutes} min` },
      ],
    }),
  });
  charts.push({
    id: 'click-to-door-cdf',
    svg: lineChart({
      id: 'click-to-door-cdf',
      title: 'Share of orders delivered within a click-to-door time',
      xLabel: 'click-to-door, minutes',
      yLabel: 'share of delivered orders',
      yFromZero: true,
      yMax: 1,
      formatY: percent,
      series: [
        ...views.map((v) => ({ name: v.name, color: v.color, points: cumulativeShares(v.clickToDoorMin) })),
        ...(reference
          ? [
              {
                name: 'lower bound',
                color: COLORS.lowerBound,
                dashed: true,
                points: cumulativeShares(reference.lowerBoundMin),
              },
            ]
          : []),
      ],
    }),
  });
  charts.push({
    id: 'waiting-orders',
    svg: lineChart({
      id: 'waiting-orders',
      title: 'Waiting orders (placed, not yet assigned)',
      xLabel: model.timeAxisLabel,
      yLabel: 'orders',
      yFromZero: true,
      series: views.map((v) => ({
        name: v.name,
        color: v.color,
        points: v.timeline.map((p) => [p.tMin, p.waitingOrders] as const),
      })),
    }),
  });
  charts.push({
    id: 'idle-couriers',
    svg: lineChart({
      id: 'idle-couriers',
      title: 'Idle couriers (online without a job)',
      xLabel: model.timeAxisLabel,
      yLabel: 'couriers',
      yFromZero: true,
      series: views.map((v) => ({
        name: v.name,
        color: v.color,
        points: v.timeline.map((p) => [p.tMin, p.idleCouriers] as const),
      })),
    }),
  });
  const withAcceptance = views.find((v) => v.acceptance !== null);
  if (withAcceptance?.acceptance) {
    const a = withAcceptance.acceptance;
    charts.push({
      id: 'acceptance',
      svg: lineChart({
        id: 'acceptance',
        title: 'Offer outcomes, cumulative share',
        xLabel: model.timeAxisLabel,
        yLabel: 'share of offers',
        yFromZero: true,
        yMax: 1,
        formatY: percent,
        series: [
          { name: 'accepted', color: COLORS.accepted, points: a.map((p) => [p.tMin, p.accepted] as const) },
          { name: 'declined', color: COLORS.declined, points: a.map((p) => [p.tMin, p.declined] as const) },
          { name: 'expired', color: COLORS.expired, points: a.map((p) => [p.tMin, p.expired] as const) },
        ],
      }),
    });
  }
  charts.push({
    id: 'utilisation',
    svg: histogramChart({
      id: 'utilisation',
      title: 'Courier utilisation (busy ÷ online time)',
      xLabel: 'utilisation, % (5-point bins)',
      yLabel: 'couriers',
      binWidth: 5,
      from: 0,
      to: 100,
      series: views.map((v) => ({
        name: v.name,
        color: v.color,
        values: v.couriers.map((c) => c.utilisation * 100),
      })),
    }),
  });
  const earnings = views.flatMap((v) => v.couriers.map((c) => c.earningsPerHour)).filter(Number.isFinite);
  const earningsMax = Math.max(1, ...earnings);
  const earningsBin = niceStep(earningsMax, 16);
  charts.push({
    id: 'earnings',
    svg: histogramChart({
      id: 'earnings',
      title: 'Courier earnings per online hour',
      xLabel: `earnings per hour, ${model.moneyUnit} (bins of ${earningsBin})`,
      yLabel: 'couriers',
      binWidth: earningsBin,
      from: 0,
      to: Math.ceil((earningsMax + 1e-9) / earningsBin) * earningsBin,
      series: views.flatMap(earningsSeries),
    }),
  });
  charts.push({
    id: 'cycle-time',
    svg: barChart({
      id: 'cycle-time',
      title: 'Decision cycle time percentiles',
      yLabel: 'wall milliseconds',
      categories: ['p50', 'p90', 'p99'],
      formatValue: (v) => (v < 10 ? v.toFixed(2) : v.toFixed(0)),
      series: views.map((v) => ({
        name: `${v.name} (${v.cycles.count} cycles)`,
        color: v.color,
        values: [v.cycles.p50, v.cycles.p90, v.cycles.p99].map((x) =>
          x === null || Number.isNaN(x) ? null : x,
        ),
      })),
    }),
  });
  if (views.some((v) => v.cycleSeries !== null)) {
    charts.push({
      id: 'cycle-series',
      svg: lineChart({
        id: 'cycle-series',
        title: 'Decision cycle time over the day',
        xLabel: model.timeAxisLabel,
        yLabel: 'wall milliseconds',
        yFromZero: true,
        series: views.map((v) => ({ name: v.name, color: v.color, points: v.cycleSeries ?? [] })),
      }),
    });
  }
  return charts;
}

/**
 * One series per view, or two when the view's couriers have kinds (a city run): in-house riders'
 * wage and crowd riders' pay per job are different things and would blur into one hump.
 */
function earningsSeries(view: ReportView): Array<{ name: string; color: string; values: number[] }> {
  const ofKind = (kind: CourierFigures['kind']) =>
    view.couriers.filter((c) => c.kind === kind).map((c) => c.earningsPerHour);
  if (!view.couriers.some((c) => c.kind !== undefined))
    return [{ name: view.name, color: view.color, values: view.couriers.map((c) => c.earningsPerHour) }];
  return [
    { name: `${view.name}: crowd riders (pay per job)`, color: view.color, values: ofKind('crowd') },
    {
      name: `${view.name}: in-house riders (hourly wage)`,
      color: COLORS.inHouse,
      values: ofKind('in_house'),
    },
  ].filter((s) => s.values.length > 0);
}
