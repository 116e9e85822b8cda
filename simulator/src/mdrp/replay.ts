import {
  type CourierToMatch,
  DEFAULT_POLICY,
  type DecideFunction,
  decideAssignments,
  decideGreedy,
  type MatchingDecisions,
  type MatchingPolicy,
  type MatchingSnapshot,
  type OrderToMatch,
} from '../../../dispatcher/src/matching/index.js';
import { benchmarkTravelTime, type PlanePoint } from '../../../domain/src/geo/travel-time.js';
import { type MdrpInstance, type MdrpOrder, restaurantOf } from './instance.js';
import type { MdrpMove, MdrpSolution } from './solution.js';

export type MdrpPolicyName = 'ours' | 'greedy';

export interface ReplayOptions {
  policy: MdrpPolicyName;
  /** Overrides of the matching policy (ours only). */
  matching?: Partial<MatchingPolicy>;
  /** Orders a courier may carry at once (the instances set no limit). */
  courierCapacity?: number;
  /** Called after every decision cycle (diagnostics): the minute, the snapshot and what the core decided. */
  onCycle?: (minute: number, decisions: MatchingDecisions, snapshot: MatchingSnapshot<PlanePoint>) => void;
}

export interface ReplayResult {
  solution: MdrpSolution;
  /** Orders no courier could deliver. */
  undelivered: string[];
  /** Decision cycles run and their total time, ms. */
  cycles: number;
  decideMs: number;
}

/** Where a courier is and when it is free; `placeId` is `0` (its start), a restaurant or an order id. */
interface CourierState {
  position: PlanePoint;
  placeId: string;
  freeAt: number;
}

const DEFAULT_CAPACITY = 6;
/** The snapshot's `demand`: the restaurants of the orders placed in this many last minutes. */
const DEMAND_WINDOW_MINUTES = 180;

/**
 * Replays an instance with a simulated clock: every minute, the waiting orders and the couriers
 * (free, busy until their last drop-off, or starting soon) go to the matching core, and the jobs it
 * commits are executed by the instance's rules (couriers accept every job, are not diverted,
 * pick up at max(ready, arrival + service/2), leave service/2 later, and so on). Minutes here,
 * seconds inside the core.
 */
export function replayMdrp(instance: MdrpInstance, options: ReplayOptions): ReplayResult {
  const { parameters } = instance;
  const travel = benchmarkTravelTime(parameters.metersPerMinute);
  const halfPickup = parameters.pickupServiceMinutes / 2;
  const halfDropoff = parameters.dropoffServiceMinutes / 2;
  const capacity = options.courierCapacity ?? DEFAULT_CAPACITY;
  const decide: DecideFunction = options.policy === 'greedy' ? decideGreedy : decideAssignments;
  const policy: Partial<MatchingPolicy> = {
    targetClickToDoorSeconds: parameters.targetClickToDoorMinutes * 60,
    maxClickToDoorSeconds: parameters.maxClickToDoorMinutes * 60,
    ...options.matching,
  };
  const service = {
    pickupSeconds: parameters.pickupServiceMinutes * 60,
    dropoffSeconds: parameters.dropoffServiceMinutes * 60,
  };
  // The core only uses couriers free within its look-ahead; a rollout also simulates the ones free
  // within its horizon, so the snapshot carries those too.
  const lookaheadMinutes =
    Math.max(
      options.matching?.lookaheadSeconds ?? DEFAULT_POLICY.lookaheadSeconds,
      options.policy === 'ours'
        ? (options.matching?.rolloutHorizonSeconds ?? DEFAULT_POLICY.rolloutHorizonSeconds)
        : 0,
    ) / 60;

  const orderById = new Map(instance.orders.map((o) => [o.id, o]));
  const byPlacement = [...instance.orders].sort((a, b) => a.placedAt - b.placedAt);
  const states = new Map<string, CourierState>(
    instance.couriers.map((c) => [c.id, { position: c.start, placeId: '0', freeAt: c.onAt }]),
  );
  const solution: MdrpSolution = { assignments: [], orders: [], moves: [] };
  const pending = new Map<string, OrderToMatch<PlanePoint>>();
  const lastOff = Math.max(0, ...instance.couriers.map((c) => c.offAt));
  let next = 0;
  let cycles = 0;
  let decideMs = 0;
  let t = byPlacement[0]?.placedAt ?? 0;

  while (t <= lastOff && (next < byPlacement.length || pending.size > 0)) {
    if (pending.size === 0 && next < byPlacement.length) t = Math.max(t, byPlacement[next]!.placedAt);
    while (next < byPlacement.length && byPlacement[next]!.placedAt <= t) {
      const o = byPlacement[next++]!;
      pending.set(o.id, toOrderToMatch(instance, o));
    }
    const couriers: CourierToMatch<PlanePoint>[] = [];
    for (const c of instance.couriers) {
      const s = states.get(c.id)!;
      const freeAt = Math.max(s.freeAt, c.onAt);
      if (c.offAt < t || freeAt > t + lookaheadMinutes || freeAt > c.offAt) continue;
      couriers.push({
        id: c.id,
        kind: 'in_house',
        position: s.position,
        freeAt: freeAt * 60,
        shiftEndsAt: c.offAt * 60,
        load: 0,
        capacity,
        idleSince: freeAt * 60,
      });
    }
    const started = performance.now();
    // Where orders came from in the last hours (known at minute t: placed orders only).
    const counts = new Map<string, number>();
    for (let k = next - 1; k >= 0 && byPlacement[k]!.placedAt > t - DEMAND_WINDOW_MINUTES; k--) {
      const r = byPlacement[k]!.restaurantId;
      counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    const demand = [...counts].map(([id, weight]) => ({ id, at: instance.restaurants.get(id)!, weight }));
    const snapshot = { orders: [...pending.values()], couriers, demand };
    const decisions = decide(snapshot, { now: t * 60, travelTime: travel, policy, service });
    decideMs += performance.now() - started;
    cycles++;
    options.onCycle?.(t, decisions, snapshot);

    for (const a of decisions.assignments) {
      const s = states.get(a.courierId)!;
      const orders = a.orderIds.map((id) => orderById.get(id)!);
      const restaurantId = orders[0]!.restaurantId;
      const restaurant = restaurantOf(instance, orders[0]!);
      const moves: MdrpMove[] = [{ courierId: a.courierId, departAt: t, from: s.placeId, to: restaurantId }];
      const arrive = t + travel.minutes(s.position, restaurant);
      const pickupAt = Math.max(Math.max(...orders.map((o) => o.readyAt)), arrive + halfPickup);
      let at = pickupAt + halfPickup;
      let from = restaurant;
      let fromId = restaurantId;
      for (const o of orders) {
        moves.push({ courierId: a.courierId, departAt: at, from: fromId, to: o.id });
        const dropoffAt = at + travel.minutes(from, o.dropoff) + halfDropoff;
        solution.orders.push({
          orderId: o.id,
          placedAt: o.placedAt,
          readyAt: o.readyAt,
          pickupAt,
          dropoffAt,
          courierId: a.courierId,
        });
        at = dropoffAt + halfDropoff;
        from = o.dropoff;
        fromId = o.id;
        pending.delete(o.id);
      }
      solution.moves.push(...moves);
      solution.assignments.push({ assignedAt: t, pickupAt, courierId: a.courierId, orderIds: a.orderIds });
      states.set(a.courierId, { position: from, placeId: fromId, freeAt: at });
    }
    t += 1;
  }
  const delivered = new Set(solution.orders.map((o) => o.orderId));
  return {
    solution,
    undelivered: instance.orders.filter((o) => !delivered.has(o.id)).map((o) => o.id),
    cycles,
    decideMs,
  };
}

function toOrderToMatch(instance: MdrpInstance, o: MdrpOrder): OrderToMatch<PlanePoint> {
  return {
    id: o.id,
    storeId: o.restaurantId,
    pickup: restaurantOf(instance, o),
    dropoff: o.dropoff,
    placedAt: o.placedAt * 60,
    readyAt: o.readyAt * 60,
  };
}
