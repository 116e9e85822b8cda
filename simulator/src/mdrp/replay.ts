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
import type { MdrpAssignmentRecord, MdrpMove, MdrpOrderRecord, MdrpSolution } from './solution.js';

export type MdrpPolicyName = 'ours' | 'greedy';

export interface ReplayOptions {
  policy: MdrpPolicyName;
  /** Overrides of the matching policy (ours only). */
  matching?: Partial<MatchingPolicy>;
  /** Orders a courier may carry at once (the instances set no limit). */
  courierCapacity?: number;
  /**
   * The instance variant that lets a courier's bundle change when it arrives at the restaurant:
   * until it starts picking up, its job may grow with other orders of that restaurant (ours only;
   * default false, the base variant).
   */
  bundleChange?: boolean;
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
  /** Its job while the bundle may still change (not picked up yet); undefined once executed. */
  trip?: Trip;
}

/** One job of one courier: from its departure to its last drop-off. Minutes. */
interface Trip {
  courierId: string;
  departAt: number;
  fromPlaceId: string;
  from: PlanePoint;
  restaurantId: string;
  restaurant: PlanePoint;
  arriveAt: number;
  /** In delivery order. */
  orders: MdrpOrder[];
  /** Its lines in the assignments file (one more each time the bundle grows). */
  lines: MdrpAssignmentRecord[];
}

/** A trip executed by the instance's rules: pickup, moves, drop-offs, where and when it ends. */
interface TripPlan {
  pickupAt: number;
  moves: MdrpMove[];
  records: MdrpOrderRecord[];
  end: PlanePoint;
  endPlaceId: string;
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
  const lookaheadMinutes = (options.matching?.lookaheadSeconds ?? DEFAULT_POLICY.lookaheadSeconds) / 60;

  const orderById = new Map(instance.orders.map((o) => [o.id, o]));
  const byPlacement = [...instance.orders].sort((a, b) => a.placedAt - b.placedAt);
  const states = new Map<string, CourierState>(
    instance.couriers.map((c) => [c.id, { position: c.start, placeId: '0', freeAt: c.onAt }]),
  );
  const solution: MdrpSolution = { assignments: [], orders: [], moves: [] };
  const bundleChange = options.bundleChange === true && options.policy === 'ours';
  /** The trip by the instance's rules: pickup = max(latest ready, arrival + service/2), and so on. */
  const plan = (trip: Trip): TripPlan => {
    const pickupAt = Math.max(Math.max(...trip.orders.map((o) => o.readyAt)), trip.arriveAt + halfPickup);
    const moves: MdrpMove[] = [
      { courierId: trip.courierId, departAt: trip.departAt, from: trip.fromPlaceId, to: trip.restaurantId },
    ];
    const records: MdrpOrderRecord[] = [];
    let at = pickupAt + halfPickup;
    let from = trip.restaurant;
    let fromId = trip.restaurantId;
    for (const o of trip.orders) {
      moves.push({ courierId: trip.courierId, departAt: at, from: fromId, to: o.id });
      const dropoffAt = at + travel.minutes(from, o.dropoff) + halfDropoff;
      records.push({
        orderId: o.id,
        placedAt: o.placedAt,
        readyAt: o.readyAt,
        pickupAt,
        dropoffAt,
        courierId: trip.courierId,
      });
      at = dropoffAt + halfDropoff;
      from = o.dropoff;
      fromId = o.id;
    }
    return { pickupAt, moves, records, end: from, endPlaceId: fromId, freeAt: at };
  };
  /** Executes the courier's trip: its bundle can no longer change. */
  const finish = (s: CourierState): void => {
    const p = plan(s.trip!);
    solution.moves.push(...p.moves);
    solution.orders.push(...p.records);
    s.position = p.end;
    s.placeId = p.endPlaceId;
    s.freeAt = p.freeAt;
    s.trip = undefined;
  };
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
    const held: OrderToMatch<PlanePoint>[] = [];
    // A job may only grow with orders of its restaurant: elsewhere its courier competes as busy.
    const waitingAt = new Set([...pending.values()].map((o) => o.storeId));
    for (const c of instance.couriers) {
      const s = states.get(c.id)!;
      if (s.trip && t > plan(s.trip).pickupAt - halfPickup) finish(s);
      if (s.trip && waitingAt.has(s.trip.restaurantId)) {
        // Not picked up yet: at its restaurant from its arrival, holding orders that may be joined by others.
        couriers.push({
          id: c.id,
          kind: 'in_house',
          position: s.trip.restaurant,
          freeAt: s.trip.arriveAt * 60,
          shiftEndsAt: c.offAt * 60,
          load: 0,
          capacity,
        });
        for (const o of s.trip.orders) held.push({ ...toOrderToMatch(instance, o), committedTo: c.id });
        continue;
      }
      const freeAt = Math.max(s.trip ? plan(s.trip).freeAt : s.freeAt, c.onAt);
      if (c.offAt < t || freeAt > t + lookaheadMinutes || freeAt > c.offAt) continue;
      couriers.push({
        id: c.id,
        kind: 'in_house',
        position: s.trip ? plan(s.trip).end : s.position,
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
    const snapshot = { orders: [...pending.values(), ...held], couriers, demand };
    const decisions = decide(snapshot, { now: t * 60, travelTime: travel, policy, service });
    decideMs += performance.now() - started;
    cycles++;
    options.onCycle?.(t, decisions, snapshot);

    for (const a of decisions.assignments) {
      const s = states.get(a.courierId)!;
      const orders = a.orderIds.map((id) => orderById.get(id)!);
      if (a.revises) {
        // The bundle grows at the restaurant: one more line for the orders added now.
        const trip = s.trip;
        if (!trip) throw new Error(`${a.courierId} revises a job it does not hold at minute ${t}`);
        const before = new Set(trip.orders.map((o) => o.id));
        const added = a.orderIds.filter((id) => !before.has(id));
        trip.orders = orders;
        const line = { assignedAt: t, pickupAt: 0, courierId: a.courierId, orderIds: added };
        trip.lines.push(line);
        solution.assignments.push(line);
        for (const id of added) pending.delete(id);
      } else {
        if (s.trip) throw new Error(`${a.courierId} gets a second job at minute ${t}`);
        const restaurantId = orders[0]!.restaurantId;
        const line = { assignedAt: t, pickupAt: 0, courierId: a.courierId, orderIds: a.orderIds };
        solution.assignments.push(line);
        s.trip = {
          courierId: a.courierId,
          departAt: t,
          fromPlaceId: s.placeId,
          from: s.position,
          restaurantId,
          restaurant: restaurantOf(instance, orders[0]!),
          arriveAt: t + travel.minutes(s.position, restaurantOf(instance, orders[0]!)),
          orders,
          lines: [line],
        };
        for (const id of a.orderIds) pending.delete(id);
      }
      const trip = s.trip!;
      const p = plan(trip);
      for (const line of trip.lines) line.pickupAt = p.pickupAt;
      if (!bundleChange) finish(s);
    }
    for (const m of decisions.prepositions ?? []) {
      // Prepositioning variant: an idle courier rides to a restaurant and waits there.
      const s = states.get(m.courierId)!;
      if (s.trip || s.freeAt > t) throw new Error(`${m.courierId} is not idle at minute ${t}`);
      const at = instance.restaurants.get(m.storeId)!;
      solution.moves.push({ courierId: m.courierId, departAt: t, from: s.placeId, to: m.storeId });
      s.freeAt = t + travel.minutes(s.position, at);
      s.position = at;
      s.placeId = m.storeId;
    }
    t += 1;
  }
  for (const s of states.values()) if (s.trip) finish(s);
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
