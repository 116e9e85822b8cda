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
  for (let c = 0; c < m; c++) {
    const courier = snapshot.couriers[c]!;
    departAt[c] = Math.max(now, courier.freeAt);
    const usable = courier.freeAt - now <= policy.lookaheadSeconds && courier.shiftEndsAt >= departAt[c]!;
    spareCapacity[c] = usable ? Math.max(0, courier.capacity - courier.load) : 0;
    courierTerm[c] = courierOnlyCost(courier, now, policy);
  }
  return {
    now,
    policy,
    travelTime,
    orders: snapshot.orders,
    couriers: snapshot.couriers,
    departAt,
    spareCapacity,
    courierTerm,
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
