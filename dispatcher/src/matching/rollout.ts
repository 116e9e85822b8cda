import type { CycleOutcome } from './decide.js';
import type { MatchingPolicy } from './policy.js';
import type {
  Assignment,
  CourierToMatch,
  DecideOptions,
  MatchingDecisions,
  MatchingSnapshot,
  OrderToMatch,
} from './types.js';

/** One cycle of the base policy (no rollout). */
export type BaseDecide = <P>(
  snapshot: MatchingSnapshot<P>,
  options: DecideOptions<P>,
  policy: MatchingPolicy,
) => CycleOutcome;

/** Simulated cycles are this far apart, seconds (the live loop and the replay decide every minute or faster). */
const ROLLOUT_STEP_SECONDS = 60;
/** An order of the snapshot that the simulation leaves with nobody on shift to pick it up, seconds. */
const LOST_ORDER_SECONDS = 1e6;

/**
 * The cycle's decision chosen by simulating it forward (a rollout of the base policy). Candidates:
 * the base policy's decisions, and for each of its first `rolloutMaxAlternatives` jobs given to a
 * courier (committed now, or waiting for a busy courier) the decisions with that courier barred
 * from that job. Each is committed in a copy of the snapshot, the base policy then decides every
 * minute on the known orders and couriers for `rolloutHorizonSeconds`, and the lowest simulated
 * total click-to-door of the snapshot's orders wins (an order nobody can pick up any more costs
 * `LOST_ORDER_SECONDS`, so the rollout mostly guards against losing orders at the end of shifts).
 * No order appears in the simulation that is not in the snapshot.
 *
 * Bounded work: only for snapshots of at most `rolloutMaxOrders` orders and `rolloutMaxCouriers`
 * couriers free within the horizon, at most `rolloutMaxSimulatedCycles` base cycles per decision
 * (alternatives past the budget are not considered). Pure and deterministic like the base policy.
 */
export function decideWithRollout<P>(
  snapshot: MatchingSnapshot<P>,
  options: DecideOptions<P>,
  policy: MatchingPolicy,
  base: BaseDecide,
): MatchingDecisions {
  const first = base(snapshot, options, policy);
  if (!rolloutApplies(snapshot, options.now, policy, first)) return first.decisions;
  const budget = { cycles: policy.rolloutMaxSimulatedCycles };
  const baseCost = simulatedClickToDoor(snapshot, options, policy, base, first.decisions, budget);
  if (baseCost === undefined) return first.decisions;
  let best = first.decisions;
  let bestCost = baseCost;
  const seen = new Set<string>([decisionsKey(first.decisions)]);
  const jobs = [...first.decisions.assignments, ...first.planned].slice(0, policy.rolloutMaxAlternatives);
  for (const job of jobs) {
    if (budget.cycles <= 0) break;
    budget.cycles--;
    const barred = new Set(job.orderIds);
    const orders = snapshot.orders.map((o) =>
      barred.has(o.id) ? { ...o, declinedBy: [...(o.declinedBy ?? []), job.courierId] } : o,
    );
    const alt = base({ ...snapshot, orders }, options, policy).decisions;
    const key = decisionsKey(alt);
    if (seen.has(key)) continue;
    seen.add(key);
    const cost = simulatedClickToDoor(snapshot, options, policy, base, alt, budget);
    if (cost !== undefined && cost + policy.rolloutMarginSeconds < bestCost) {
      best = alt;
      bestCost = cost;
    }
  }
  return best;
}

function rolloutApplies<P>(
  snapshot: MatchingSnapshot<P>,
  now: number,
  policy: MatchingPolicy,
  first: CycleOutcome,
): boolean {
  if (policy.rolloutHorizonSeconds <= 0 || first.scarcity < policy.rolloutMinScarcity) return false;
  if (first.decisions.assignments.length === 0 && first.planned.length === 0) return false;
  if (snapshot.orders.length > policy.rolloutMaxOrders) return false;
  // Only a courier free now can be committed: without one, every alternative is "wait".
  let freeNow = false;
  let couriers = 0;
  for (const c of snapshot.couriers) {
    if (c.freeAt <= now + policy.rolloutHorizonSeconds) couriers++;
    if (c.freeAt <= now && c.shiftEndsAt >= now) freeNow = true;
  }
  return freeNow && couriers <= policy.rolloutMaxCouriers;
}

function decisionsKey(d: MatchingDecisions): string {
  return d.assignments
    .map((a) => `${a.courierId}:${a.orderIds.join(',')}`)
    .sort()
    .join(' ');
}

/**
 * Total click-to-door (seconds) of the snapshot's orders when `decisions` are committed now and the
 * base policy decides every `ROLLOUT_STEP_SECONDS` after, up to the horizon. An order still waiting
 * at the end counts as picked up at the horizon at the earliest (its lower bound from there), plus
 * `LOST_ORDER_SECONDS` when no courier's shift lasts that long. Undefined when the budget of base
 * cycles runs out first (a partial simulation would compare unlike things).
 */
function simulatedClickToDoor<P>(
  snapshot: MatchingSnapshot<P>,
  options: DecideOptions<P>,
  policy: MatchingPolicy,
  base: BaseDecide,
  decisions: MatchingDecisions,
  budget: { cycles: number },
): number | undefined {
  const couriers = new Map<string, CourierToMatch<P>>(snapshot.couriers.map((c) => [c.id, c]));
  const pending = new Map<string, OrderToMatch<P>>(snapshot.orders.map((o) => [o.id, o]));
  const halfPickup = policy.service.pickupSeconds / 2;
  const halfDropoff = policy.service.dropoffSeconds / 2;
  let total = 0;
  const commit = (list: readonly Assignment[]) => {
    for (const a of list) {
      const courier = couriers.get(a.courierId);
      if (!courier) continue;
      let last: OrderToMatch<P> | undefined;
      a.orderIds.forEach((id, k) => {
        const order = pending.get(id);
        if (!order) return;
        total += a.dropoffAt[k]! - order.placedAt;
        pending.delete(id);
        last = order;
      });
      // Couriers wait at their last drop-off, free once its service is done.
      const freeAt = a.dropoffAt[a.dropoffAt.length - 1]! + halfDropoff;
      if (last) couriers.set(a.courierId, { ...courier, position: last.dropoff, freeAt, idleSince: freeAt });
    }
  };
  commit(decisions.assignments);
  const end = options.now + policy.rolloutHorizonSeconds;
  let t = options.now + ROLLOUT_STEP_SECONDS;
  while (t <= end && pending.size > 0) {
    // Nothing can be committed while nobody is free: skip to the cycle when the next one is.
    let nextFree = Number.POSITIVE_INFINITY;
    for (const c of couriers.values())
      if (c.shiftEndsAt >= Math.max(t, c.freeAt)) nextFree = Math.min(nextFree, c.freeAt);
    if (nextFree > t)
      t = options.now + Math.ceil((nextFree - options.now) / ROLLOUT_STEP_SECONDS) * ROLLOUT_STEP_SECONDS;
    if (t > end) break;
    if (budget.cycles <= 0) return undefined;
    budget.cycles--;
    const usable: CourierToMatch<P>[] = [];
    for (const c of couriers.values())
      if (c.freeAt - t <= policy.lookaheadSeconds && c.shiftEndsAt >= Math.max(t, c.freeAt)) usable.push(c);
    const step = base(
      { orders: [...pending.values()], couriers: usable, demand: snapshot.demand },
      { ...options, now: t },
      policy,
    );
    commit(step.decisions.assignments);
    t += ROLLOUT_STEP_SECONDS;
  }
  let lastShiftEnd = Number.NEGATIVE_INFINITY;
  for (const c of couriers.values()) lastShiftEnd = Math.max(lastShiftEnd, c.shiftEndsAt);
  for (const order of pending.values()) {
    const pickupAt = Math.max(order.readyAt, end + halfPickup);
    const ride = options.travelTime.seconds(order.pickup, order.dropoff);
    total += pickupAt + halfPickup + ride + halfDropoff - order.placedAt;
    if (pickupAt > lastShiftEnd) total += LOST_ORDER_SECONDS;
  }
  return total;
}
