import type { ReplayRecord } from '../mdrp/report-data.js';
import { COLORS, type ReportModel, type ReportView } from './model.js';
import { quantile } from './stats.js';

function replayView(record: ReplayRecord): ReportView {
  const delivered = record.orders.filter((o) => o.dropoff_min !== null);
  const ms = record.cycles.map((c) => c.ms);
  return {
    name: record.policy === 'greedy' ? 'greedy' : `${record.policy} (our core)`,
    color: record.policy === 'greedy' ? COLORS.greedy : COLORS.ours,
    orders: record.orders.length,
    delivered: delivered.length,
    clickToDoorMin: delivered.map((o) => o.dropoff_min! - o.placed_min),
    // As in summary.json: the bound of every order of the instance, delivered or not.
    lowerBoundMin: record.orders.map((o) => o.lower_bound_min),
    timeline: record.minutes.map((m) => ({
      tMin: m.t_min,
      waitingOrders: m.waiting_orders,
      idleCouriers: m.idle_couriers,
    })),
    acceptance: null,
    acceptanceRate: 1,
    couriers: record.couriers
      .filter((c) => c.off_min > c.on_min)
      .map((c) => {
        const shift = c.off_min - c.on_min;
        return {
          utilisation: Math.min(1, c.busy_min / shift),
          earningsPerHour: c.pay / (shift / 60),
          deliveries: c.deliveries,
          onlineHours: shift / 60,
        };
      }),
    cycles: { p50: quantile(ms, 0.5), p90: quantile(ms, 0.9), p99: quantile(ms, 0.99), count: ms.length },
    cycleSeries: record.cycles.map((c) => [c.t_min, c.ms] as const),
  };
}

/** One or more replays of the same instance (ours first, then greedy) as one report. */
export function replayRecordsToModel(records: readonly ReplayRecord[]): ReportModel {
  const first = records[0];
  if (!first) throw new Error('no replay record');
  const ordered = [...records].sort((a, b) => Number(a.policy === 'greedy') - Number(b.policy === 'greedy'));
  const p = first.parameters;
  return {
    kind: 'mdrp-replay',
    title: `Benchmark replay: ${first.instance}`,
    facts: [
      ['instance', first.instance],
      ['policies', ordered.map((r) => r.policy).join(', ')],
      ['orders', String(first.orders.length)],
      ['couriers', String(first.couriers.length)],
      ['pay', `${p.payPerOrder} per order, at least ${p.guaranteedPayPerHour} per hour on shift`],
    ],
    targetMinutes: p.targetClickToDoorMinutes,
    maxMinutes: p.maxClickToDoorMinutes,
    moneyUnit: 'instance pay units',
    timeAxisLabel: 'minute of the instance’s day',
    notes: [
      'Acceptance is 100% by the instance rules: couriers accept every job and are never diverted, so there is no acceptance plot.',
      'Click-to-door = drop-off − placement, for delivered orders; the lower bound covers every order of the instance, as in summary.json.',
      'Utilisation = time holding a job (assignment to the end of the last drop-off service) ÷ shift length; pay per courier = max(per-order pay, guaranteed hourly pay), per shift hour.',
      'Cycle time = wall time of one simulated decision cycle (snapshot, decide, execute), measured on this machine during the replay.',
    ],
    lowerBoundNote:
      'lower bound per order: (ready − placement) + pickup service/2 + direct ride + drop-off service/2',
    views: ordered.map(replayView),
  };
}
