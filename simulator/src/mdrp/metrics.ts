import { benchmarkTravelTime } from '../../../domain/src/geo/travel-time.js';
import { type MdrpInstance, type MdrpOrder, restaurantOf } from './instance.js';
import type { MdrpSolution } from './solution.js';
import { classifyUndelivered } from './unavoidable.js';

/** Distribution of click-to-door times, minutes. */
export interface ClickToDoorStats {
  mean: number;
  p50: number;
  p90: number;
  max: number;
  /** Share of orders over the target (40 min), 0..1. */
  shareOverTarget: number;
  overTarget: number;
  overMax: number;
}

/** The figures `summary.json` holds for one replay. */
export interface MdrpSummary {
  instance: string;
  policy: string;
  orders: number;
  delivered: number;
  undelivered: number;
  /** Orders no dispatcher can deliver: ready after every courier's off time (included in `undelivered`). */
  impossible: number;
  /** Undelivered orders every solution loses (`unavoidable.ts`; included in `undelivered`). */
  unavoidable: number;
  clickToDoor: ClickToDoorStats;
  readyToPickupMean: number;
  ordersPerCourierHour: number;
  courierUtilisation: number;
  courierPay: number;
  lowerBound: { clickToDoor: ClickToDoorStats };
  /** Mean click-to-door ÷ the lower bound's mean (the score). */
  ratioToLowerBound: number;
  bundles: { assignments: number; ordersInBundles: number; meanSize: number };
  decide: { cycles: number; totalMs: number };
}

/** The click-to-door no dispatcher can beat: a courier already waiting at the restaurant, minutes. */
export function lowerBoundMinutes(instance: MdrpInstance, order: MdrpOrder): number {
  const { parameters: p } = instance;
  const travel = benchmarkTravelTime(p.metersPerMinute);
  return (
    order.readyAt -
    order.placedAt +
    p.pickupServiceMinutes / 2 +
    travel.minutes(restaurantOf(instance, order), order.dropoff) +
    p.dropoffServiceMinutes / 2
  );
}

/** Mean, p50, p90, max and share over target of a list of click-to-door minutes. */
export function clickToDoorStats(
  values: readonly number[],
  targetMinutes: number,
  maxMinutes: number,
): ClickToDoorStats {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const overTarget = sorted.filter((v) => v > targetMinutes).length;
  return {
    mean: n === 0 ? Number.NaN : sorted.reduce((s, v) => s + v, 0) / n,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    max: n === 0 ? Number.NaN : sorted[n - 1]!,
    shareOverTarget: n === 0 ? 0 : overTarget / n,
    overTarget,
    overMax: sorted.filter((v) => v > maxMinutes).length,
  };
}

/** Nearest-rank quantile of an ascending list. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Figures of one replay (undelivered orders are left out of the click-to-door figures). */
export function summarise(
  instance: MdrpInstance,
  solution: MdrpSolution,
  policy: string,
  decide: { cycles: number; totalMs: number },
): MdrpSummary {
  const { parameters: p } = instance;
  const ctd = solution.orders.map((o) => o.dropoffAt - o.placedAt);
  const lb = instance.orders.map((o) => lowerBoundMinutes(instance, o));
  const courierHours = instance.couriers.reduce((s, c) => s + (c.offAt - c.onAt) / 60, 0);
  const deliveredBy = new Map<string, number>();
  for (const o of solution.orders) deliveredBy.set(o.courierId, (deliveredBy.get(o.courierId) ?? 0) + 1);
  const courierPay = instance.couriers.reduce(
    (s, c) =>
      s +
      Math.max(
        p.payPerOrder * (deliveredBy.get(c.id) ?? 0),
        (p.guaranteedPayPerHour * (c.offAt - c.onAt)) / 60,
      ),
    0,
  );
  // Busy time: from each job's departure to its last drop-off's end.
  const orderEnd = new Map(
    solution.orders.map((o) => [o.orderId, o.dropoffAt + p.dropoffServiceMinutes / 2]),
  );
  const busyMinutes = solution.assignments.reduce((s, a) => {
    const end = Math.max(...a.orderIds.map((id) => orderEnd.get(id) ?? a.assignedAt));
    return s + (end - a.assignedAt);
  }, 0);
  const clickToDoor = clickToDoorStats(ctd, p.targetClickToDoorMinutes, p.maxClickToDoorMinutes);
  const lowerBound = clickToDoorStats(lb, p.targetClickToDoorMinutes, p.maxClickToDoorMinutes);
  const bundled = solution.assignments.filter((a) => a.orderIds.length > 1);
  return {
    instance: instance.name,
    policy,
    orders: instance.orders.length,
    delivered: solution.orders.length,
    undelivered: instance.orders.length - solution.orders.length,
    impossible: impossibleOrders(instance),
    unavoidable: classifyUndelivered(instance, new Set(solution.orders.map((o) => o.orderId))).unavoidable
      .length,
    clickToDoor,
    readyToPickupMean: mean(solution.orders.map((o) => o.pickupAt - o.readyAt)),
    ordersPerCourierHour: courierHours > 0 ? solution.orders.length / courierHours : 0,
    courierUtilisation: courierHours > 0 ? busyMinutes / 60 / courierHours : 0,
    courierPay,
    lowerBound: { clickToDoor: lowerBound },
    ratioToLowerBound: clickToDoor.mean / lowerBound.mean,
    bundles: {
      assignments: solution.assignments.length,
      ordersInBundles: bundled.reduce((s, a) => s + a.orderIds.length, 0),
      meanSize: solution.assignments.length > 0 ? solution.orders.length / solution.assignments.length : 0,
    },
    decide,
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

/** Orders ready after every courier's off time: nobody may pick them up (no pickup after off time). */
export function impossibleOrders(instance: MdrpInstance): number {
  const lastOff = Math.max(...instance.couriers.map((c) => c.offAt));
  return instance.orders.filter((o) => o.readyAt > lastOff).length;
}
