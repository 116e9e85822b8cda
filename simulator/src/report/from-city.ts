import { DEFAULT_POLICY } from '../../../dispatcher/src/matching/index.js';
import type { CityRunRecord } from '../run-record.js';
import { COLORS, type ReportModel } from './model.js';

const minutes = (seconds: number) => seconds / 60;

/** "delivered 90, canceled 48, picked_up 1": how the run's orders ended, most common first. */
function statusCounts(run: CityRunRecord): string {
  const counts = new Map<string, number>();
  for (const o of run.orders) counts.set(o.final_status, (counts.get(o.final_status) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
}

/** A simulated-city run as one report view. */
export function cityRunToModel(run: CityRunRecord): ReportModel {
  const delivered = run.orders.filter((o) => o.delivered_s !== null);
  const offers = run.couriers.reduce(
    (s, c) => ({
      accepted: s.accepted + c.offers_accepted,
      answered: s.answered + c.offers_accepted + c.offers_declined + c.offers_expired,
    }),
    { accepted: 0, answered: 0 },
  );
  return {
    kind: 'city',
    title: 'Simulated city run',
    facts: [
      ['started', run.started_at],
      ['seed', String(run.seed)],
      ['simulated length', `${Math.round(minutes(run.duration_s))} min`],
      ['time scale', `${run.time_scale}× real time`],
      ['orders at the end', statusCounts(run)],
      ...Object.entries(run.options)
        .filter(([k]) => k !== 'seed' && k !== 'time_scale')
        .map(([k, v]) => [k, String(v)] as const),
    ],
    // The dispatcher's own targets: the city runs the live system with its default policy.
    targetMinutes: DEFAULT_POLICY.targetClickToDoorSeconds / 60,
    maxMinutes: DEFAULT_POLICY.maxClickToDoorSeconds / 60,
    moneyUnit: 'currency units',
    timeAxisLabel: 'simulated minutes since the start',
    notes: [
      'Click-to-door = delivered − placed, for delivered orders. Orders still open when the run ended are counted under "orders" only.',
      'Acceptance = offers accepted ÷ offers that got an answer or expired, cumulative over the run.',
      'Cycle time = the dispatcher’s decision cycle in wall milliseconds, read from its /metrics at the end of the run.',
    ],
    lowerBoundNote:
      'lower bound per delivered order: (ready − placed) + pickup service + direct ride + drop-off service',
    views: [
      {
        name: 'city run',
        color: COLORS.ours,
        orders: run.orders.length,
        delivered: delivered.length,
        clickToDoorMin: delivered.map((o) => minutes(o.delivered_s! - o.placed_s)),
        lowerBoundMin: delivered.map((o) => minutes(o.lower_bound_s)),
        timeline: run.samples.map((s) => ({
          tMin: minutes(s.t_s),
          waitingOrders: s.waiting_orders,
          idleCouriers: s.idle_couriers,
        })),
        acceptance: run.samples.map((s) => {
          const total = s.offers_accepted + s.offers_declined + s.offers_expired;
          const share = (n: number) => (total === 0 ? Number.NaN : n / total);
          return {
            tMin: minutes(s.t_s),
            accepted: share(s.offers_accepted),
            declined: share(s.offers_declined),
            expired: share(s.offers_expired),
          };
        }),
        acceptanceRate: offers.answered === 0 ? null : offers.accepted / offers.answered,
        couriers: run.couriers
          .filter((c) => c.online_s > 0)
          .map((c) => ({
            utilisation: Math.min(1, c.busy_s / c.online_s),
            earningsPerHour: c.earnings_cents / 100 / (c.online_s / 3600),
            deliveries: c.deliveries,
            onlineHours: c.online_s / 3600,
            kind: c.kind,
          })),
        cycles: run.cycle_ms,
        cycleSeries: null,
      },
    ],
  };
}
