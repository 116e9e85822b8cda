import type { MatchingPolicy } from './policy.js';
import type { CourierToMatch, MatchingSnapshot, OrderToMatch, TravelTime } from './types.js';

/**
 * What every step of one cycle shares: the snapshot, the clock, the model and per-courier values
 * computed once (typed arrays indexed like `snapshot.couriers`).
 */
export interface MatchingContext<P> {
  now: number;
  policy: MatchingPolicy;
  travelTime: TravelTime<P>;
  orders: readonly OrderToMatch<P>[];
  couriers: readonly CourierToMatch<P>[];
  /** When each courier can leave for a new job, seconds: max(now, freeAt). */
  departAt: Float64Array;
  /** Orders each courier can still take (capacity − load); 0 when it is not a candidate at all. */
  spareCapacity: Int32Array;
  /** Policy terms that depend on the courier only (crowd, acceptance, fairness), seconds. */
  courierTerm: Float64Array;
  /** The coverage term per courier, seconds; added to `courierTerm` once scarcity is known (`decide.ts`). */
  coverageTerm: Float64Array;
  /** How short of couriers this cycle is, 0..`scarcityMax` (set once candidates are known). */
  scarcity: number;
}

/** Builds the shared context: which couriers can work at all, and their courier-only cost terms. */
export function contextFromSnapshot<P>(
  snapshot: MatchingSnapshot<P>,
  now: number,
  travelTime: TravelTime<P>,
  policy: MatchingPolicy,
): MatchingContext<P> {
  const m = snapshot.couriers.length;
  const departAt = new Float64Array(m);
  const spareCapacity = new Int32Array(m);
  const courierTerm = new Float64Array(m);
  const coverageTerm = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    const courier = snapshot.couriers[c]!;
    departAt[c] = Math.max(now, courier.freeAt);
    const usable = courier.freeAt - now <= policy.lookaheadSeconds && courier.shiftEndsAt >= departAt[c]!;
    spareCapacity[c] = usable ? Math.max(0, courier.capacity - courier.load) : 0;
    courierTerm[c] = courierOnlyCost(courier, now, policy);
  }
  if (policy.positionWeight !== 0 || policy.coverageWeight !== 0)
    addPositionTerm(snapshot, travelTime, policy, departAt, spareCapacity, courierTerm, coverageTerm);
  return {
    now,
    policy,
    travelTime,
    orders: snapshot.orders,
    couriers: snapshot.couriers,
    departAt,
    spareCapacity,
    courierTerm,
    coverageTerm,
    scarcity: 0,
  };
}

/** In-house before crowd, expected delay of a decline, and a small bonus for waiting longest. Seconds. */
export function courierOnlyCost<P>(courier: CourierToMatch<P>, now: number, policy: MatchingPolicy): number {
  let cost = 0;
  if (courier.kind === 'crowd') {
    cost += policy.crowdPenaltySeconds;
    const acceptance = Math.min(1, Math.max(0, courier.acceptanceRate ?? 1));
    cost += (1 - acceptance) * policy.declineDelaySeconds;
  }
  if (courier.idleSince !== undefined && courier.freeAt <= now) {
    cost -= policy.idleWeight * Math.min(policy.idleCapSeconds, Math.max(0, now - courier.idleSince));
  }
  return cost;
}

/**
 * Cost of one order delivered `clickToDoorSeconds` after it was placed: the click-to-door itself,
 * plus a steeper slope past the target and another past the maximum (weights may be 0). Convex and
 * increasing, so late orders weigh more than early ones when couriers are scarce.
 */
export function orderCost(clickToDoorSeconds: number, policy: MatchingPolicy): number {
  let cost = policy.clickToDoorWeight * clickToDoorSeconds;
  if (clickToDoorSeconds > policy.targetClickToDoorSeconds) {
    cost += policy.lateWeight * (clickToDoorSeconds - policy.targetClickToDoorSeconds);
  }
  if (clickToDoorSeconds > policy.maxClickToDoorSeconds) {
    cost += policy.overMaxWeight * (clickToDoorSeconds - policy.maxClickToDoorSeconds);
  }
  return cost;
}

/** The position term looks at the busiest stores, and at the nearest of them for each courier. */
const POSITION_STORES = 32;
const POSITION_NEAREST = 10;

/**
 * Where a courier waits matters: couriers wait at their last drop-off, and one far from where the
 * orders come from is slow to whatever comes next. Per usable courier, `far` = mean travel to the
 * `POSITION_NEAREST` nearest of the `POSITION_STORES` busiest stores (`snapshot.demand`, or the
 * waiting orders' stores); a courier costs `positionWeight` × (mean far of all − its far) more, so
 * of two otherwise equal couriers the one in the thinner place goes and the well-placed one stays.
 *
 * Coverage (`coverageWeight`), from the same rides: per busy store, the first usable courier to
 * reach it (departure + ride, only couriers that could still pick up there before their shift ends)
 * and the second; the first gets `coverageWeight` × the store's share of demand × the gap (at most
 * `coverageCapSeconds`) in `coverageTerm`. Nearness alone cannot tell two couriers waiting side by
 * side (either may go, the other still covers the place) from a lone one (its area would wait).
 */
function addPositionTerm<P>(
  snapshot: MatchingSnapshot<P>,
  travelTime: TravelTime<P>,
  policy: MatchingPolicy,
  departAt: Float64Array,
  spareCapacity: Int32Array,
  courierTerm: Float64Array,
  coverageTerm: Float64Array,
): void {
  const weights = new Map<string, { at: P; n: number }>();
  if (snapshot.demand && snapshot.demand.length > 0)
    for (const d of snapshot.demand) weights.set(d.id, { at: d.at, n: d.weight });
  else
    for (const o of snapshot.orders) {
      const w = weights.get(o.storeId);
      if (w) w.n++;
      else weights.set(o.storeId, { at: o.pickup, n: 1 });
    }
  if (weights.size === 0) return;
  const busiest = [...weights.entries()]
    .sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, POSITION_STORES);
  const stores = busiest.map(([, w]) => w.at);
  // Coverage: per store, the first and second usable courier to reach it (departure + ride).
  const coverage = policy.coverageWeight !== 0;
  const first = new Float64Array(stores.length).fill(Number.POSITIVE_INFINITY);
  const second = new Float64Array(stores.length).fill(Number.POSITIVE_INFINITY);
  const firstCourier = new Int32Array(stores.length).fill(-1);
  const m = snapshot.couriers.length;
  const far = new Float64Array(m);
  const rides = new Float64Array(stores.length);
  const nearest = Math.min(POSITION_NEAREST, stores.length);
  let total = 0;
  let counted = 0;
  for (let c = 0; c < m; c++) {
    if (spareCapacity[c]! <= 0) continue;
    const courier = snapshot.couriers[c]!;
    for (let s = 0; s < stores.length; s++) {
      rides[s] = travelTime.seconds(courier.position, stores[s]!, courier.vehicle);
      if (!coverage) continue;
      const at = departAt[c]! + rides[s]!;
      // A courier that could no longer pick up there before its shift ends covers nothing.
      if (at + policy.service.pickupSeconds / 2 > courier.shiftEndsAt) continue;
      if (at < first[s]!) {
        second[s] = first[s]!;
        first[s] = at;
        firstCourier[s] = c;
      } else if (at < second[s]!) second[s] = at;
    }
    rides.sort();
    let sum = 0;
    for (let q = 0; q < nearest; q++) sum += rides[q]!;
    far[c] = sum / nearest;
    total += far[c]!;
    counted++;
  }
  const mean = total / Math.max(1, counted);
  if (policy.positionWeight !== 0)
    for (let c = 0; c < m; c++)
      if (spareCapacity[c]! > 0) courierTerm[c] = courierTerm[c]! + policy.positionWeight * (mean - far[c]!);
  if (!coverage) return;
  let weightSum = 0;
  for (const [, w] of busiest) weightSum += w.n;
  for (let s = 0; s < stores.length; s++) {
    const c = firstCourier[s]!;
    if (c < 0) continue;
    // With nobody second, the store would wait for whoever comes next: the cap stands for that.
    const gap = Math.min(policy.coverageCapSeconds, second[s]! - first[s]!);
    coverageTerm[c] = coverageTerm[c]! + (policy.coverageWeight * busiest[s]![1].n * gap) / weightSum;
  }
}
