import { benchmarkTravelTime, type PlanePoint } from '../../../domain/src/geo/travel-time.js';
import type { MdrpCourier, MdrpInstance } from './instance.js';
import type { MdrpMove, MdrpSolution } from './solution.js';
import { classifyUndelivered } from './unavoidable.js';

/** What the checker found. `ok` when there is no error; warnings do not fail a solution. */
export interface SolutionCheck {
  ok: boolean;
  errors: string[];
  /** Errors beyond the first ones listed. */
  moreErrors: number;
  warnings: string[];
  delivered: number;
  /** Orders nobody could deliver: ready after every courier's off time (the instance's, not ours). */
  impossible: number;
  /**
   * Undelivered orders that every solution loses: a group of orders only one courier can pick up,
   * more than it can deliver (`unavoidable.ts` proves the bound). Warnings, not errors.
   */
  unavoidable: number;
  /** Orders over the maximum click-to-door (90 min), and the largest click-to-door, minutes. */
  overMaxClickToDoor: number;
  maxClickToDoor: number;
}

/** A stay of a courier at a place: from its arrival to its next departure (Infinity when last). */
interface Visit {
  place: string;
  arriveAt: number;
  leaveAt: number;
  /** Departure of the move that led here. */
  departedAt: number;
}

const MAX_LISTED = 50;

/**
 * Validates a solution against its instance: the original evaluator's checks (each order in at
 * most one assignment, none before placement, no pickup before ready or after the courier's off
 * time, continuous courier moves) plus what it leaves out: every order delivered (unless nobody
 * can pick it up, or `unavoidable.ts` proves no solution delivers it with the others), travel
 * times and service times respected at both ends, drop-offs after pickups, one restaurant per job,
 * no diversion (from a pickup to the last drop-off of its job, only that job's customers).
 * The 90-minute maximum is reported, not failed.
 */
export function checkSolution(instance: MdrpInstance, solution: MdrpSolution): SolutionCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const fail = (message: string) => errors.push(message);
  const { parameters: p } = instance;
  const travel = benchmarkTravelTime(p.metersPerMinute);
  const halfPickup = p.pickupServiceMinutes / 2;
  const halfDropoff = p.dropoffServiceMinutes / 2;
  const orders = new Map(instance.orders.map((o) => [o.id, o]));
  const couriers = new Map(instance.couriers.map((c) => [c.id, c]));
  const customers = new Map(instance.orders.map((o) => [o.id, o.dropoff]));

  // Assignments.
  type Assignment = MdrpSolution['assignments'][number];
  const assignmentOf = new Map<string, Assignment>();
  for (const a of solution.assignments) {
    const courier = couriers.get(a.courierId);
    if (!courier) fail(`assignment at ${a.assignedAt} names unknown courier ${a.courierId}`);
    const restaurants = new Set<string>();
    for (const id of a.orderIds) {
      const order = orders.get(id);
      if (!order) {
        fail(`assignment at ${a.assignedAt} names unknown order ${id}`);
        continue;
      }
      if (assignmentOf.has(id)) fail(`order ${id} is in more than one assignment`);
      assignmentOf.set(id, a);
      restaurants.add(order.restaurantId);
      if (a.assignedAt < order.placedAt)
        fail(`order ${id} assigned at ${a.assignedAt}, before placement ${order.placedAt}`);
      if (a.pickupAt < order.readyAt)
        fail(`order ${id} picked up at ${a.pickupAt}, before ready ${order.readyAt}`);
    }
    if (restaurants.size > 1)
      fail(`assignment at ${a.assignedAt} to ${a.courierId} spans restaurants ${[...restaurants]}`);
    if (courier && a.pickupAt > courier.offAt)
      fail(`courier ${a.courierId} picks up at ${a.pickupAt}, after its off time ${courier.offAt}`);
    if (courier && a.assignedAt < courier.onAt)
      fail(`courier ${a.courierId} assigned at ${a.assignedAt}, before its on time`);
  }

  // Moves: continuous in place and time, travel times respected, services respected.
  const visitsOf = new Map<string, Visit[]>();
  const movesOf = new Map<string, MdrpMove[]>();
  for (const m of solution.moves) {
    const list = movesOf.get(m.courierId);
    if (list) list.push(m);
    else movesOf.set(m.courierId, [m]);
  }
  for (const [courierId, moves] of movesOf) {
    const courier = couriers.get(courierId);
    if (!courier) {
      fail(`moves of unknown courier ${courierId}`);
      continue;
    }
    const visits: Visit[] = [
      { place: '0', arriveAt: courier.onAt, leaveAt: Number.POSITIVE_INFINITY, departedAt: courier.onAt },
    ];
    for (const m of moves) {
      const here = visits[visits.length - 1]!;
      if (m.from !== here.place)
        fail(`courier ${courierId} departs from ${m.from} at ${m.departAt} but is at ${here.place}`);
      if (m.departAt < here.arriveAt)
        fail(`courier ${courierId} departs ${m.from} at ${m.departAt}, before arriving at ${here.arriveAt}`);
      here.leaveAt = m.departAt;
      const from = placeOf(instance, customers, courier, m.from);
      const to = placeOf(instance, customers, courier, m.to);
      if (!from || !to) {
        fail(`courier ${courierId} moves between unknown places ${m.from} → ${m.to}`);
        continue;
      }
      visits.push({
        place: m.to,
        arriveAt: m.departAt + travel.minutes(from, to),
        leaveAt: Number.POSITIVE_INFINITY,
        departedAt: m.departAt,
      });
    }
    visitsOf.set(courierId, visits);
  }

  // Orders: every one delivered once, picked up and dropped off during the courier's visits.
  const seen = new Set<string>();
  const pickupStaysOf = new Map<Assignment, number[]>();
  let overMax = 0;
  let maxClickToDoor = 0;
  for (const r of solution.orders) {
    const order = orders.get(r.orderId);
    if (!order) {
      fail(`delivered order ${r.orderId} is not in the instance`);
      continue;
    }
    if (seen.has(r.orderId)) fail(`order ${r.orderId} delivered twice`);
    seen.add(r.orderId);
    const a = assignmentOf.get(r.orderId);
    if (!a) fail(`order ${r.orderId} delivered without an assignment`);
    else if (a.courierId !== r.courierId || a.pickupAt !== r.pickupAt)
      fail(`order ${r.orderId}: orders file and assignment disagree`);
    if (r.placedAt !== order.placedAt || r.readyAt !== order.readyAt)
      fail(`order ${r.orderId}: placement/ready differ from the instance`);
    if (r.pickupAt < order.readyAt)
      fail(`order ${r.orderId} picked up at ${r.pickupAt}, before ready ${order.readyAt}`);
    const courier = couriers.get(r.courierId);
    if (courier && r.pickupAt > courier.offAt)
      fail(`order ${r.orderId} picked up after ${r.courierId}'s off time`);
    const clickToDoor = r.dropoffAt - order.placedAt;
    maxClickToDoor = Math.max(maxClickToDoor, clickToDoor);
    if (clickToDoor > p.maxClickToDoorMinutes) overMax++;
    const visits = visitsOf.get(r.courierId) ?? [];
    const pickupVisit = visits.findIndex(
      (v) =>
        v.place === order.restaurantId &&
        v.arriveAt + halfPickup <= r.pickupAt &&
        r.pickupAt + halfPickup <= v.leaveAt &&
        (!a || v.departedAt >= a.assignedAt),
    );
    if (pickupVisit < 0) {
      fail(
        `order ${r.orderId}: no stay of ${r.courierId} at ${order.restaurantId} covering pickup at ${r.pickupAt} with its service`,
      );
      continue;
    }
    if (a) pickupStaysOf.set(a, [...(pickupStaysOf.get(a) ?? []), pickupVisit]);
    const dropVisit = visits.findIndex(
      (v, i) =>
        i > pickupVisit &&
        v.place === r.orderId &&
        v.arriveAt + halfDropoff <= r.dropoffAt &&
        r.dropoffAt + halfDropoff <= v.leaveAt,
    );
    if (dropVisit < 0)
      fail(
        `order ${r.orderId}: no stay of ${r.courierId} at the customer covering drop-off at ${r.dropoffAt} with its service`,
      );
    else if (visits[dropVisit]!.arriveAt + halfDropoff !== r.dropoffAt)
      warnings.push(`order ${r.orderId}: drop-off later than arrival + service/2`);
  }
  // Not diverted: from an assignment's pickup to its last drop-off, the courier only visits the
  // assignment's customers (all its orders picked up in that one stay).
  for (const [a, pickups] of pickupStaysOf) {
    if (new Set(pickups).size > 1) {
      fail(`assignment at ${a.assignedAt} to ${a.courierId}: its orders are picked up in different stays`);
      continue;
    }
    const visits = visitsOf.get(a.courierId) ?? [];
    const from = pickups[0]!;
    const customers = new Set(a.orderIds);
    let to = from;
    for (const id of a.orderIds)
      to = Math.max(
        to,
        visits.findIndex((v, i) => i > from && v.place === id),
      );
    for (let i = from + 1; i <= to; i++)
      if (!customers.has(visits[i]!.place))
        fail(
          `courier ${a.courierId} is diverted to ${visits[i]!.place} at ${visits[i]!.departedAt} while carrying the assignment made at ${a.assignedAt}`,
        );
  }
  const classes = classifyUndelivered(instance, seen);
  for (const id of classes.impossible) {
    const o = orders.get(id)!;
    warnings.push(`order ${id} cannot be delivered: ready at ${o.readyAt}, after every courier's off time`);
  }
  for (const u of classes.unavoidable)
    warnings.push(`order ${u.orderId} cannot be delivered with the others: ${u.proof}`);
  for (const id of classes.lost) fail(`order ${id} is not delivered`);
  if (overMax > 0)
    warnings.push(`${overMax} orders over the ${p.maxClickToDoorMinutes}-minute maximum click-to-door`);

  return {
    ok: errors.length === 0,
    errors: errors.slice(0, MAX_LISTED),
    moreErrors: Math.max(0, errors.length - MAX_LISTED),
    warnings: warnings.slice(0, MAX_LISTED),
    delivered: seen.size,
    impossible: classes.impossible.length,
    unavoidable: classes.unavoidable.length,
    overMaxClickToDoor: overMax,
    maxClickToDoor,
  };
}

/** The point of a place id: `0` is the courier's start, else a restaurant or an order's customer. */
function placeOf(
  instance: MdrpInstance,
  customers: ReadonlyMap<string, PlanePoint>,
  courier: MdrpCourier,
  id: string,
): PlanePoint | undefined {
  if (id === '0') return courier.start;
  return instance.restaurants.get(id) ?? customers.get(id);
}
