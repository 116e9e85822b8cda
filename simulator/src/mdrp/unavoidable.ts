import { benchmarkTravelTime, type PlanePoint } from '../../../domain/src/geo/travel-time.js';
import type { MdrpCourier, MdrpInstance, MdrpOrder } from './instance.js';

/**
 * Orders that no solution can all deliver, with a proof the checker can state: every order of the
 * group can be picked up by one courier only, and that courier cannot deliver more than `atMost`
 * of them, whatever it does before or between them.
 */
export interface UnavoidableLoss {
  courierId: string;
  orderIds: string[];
  atMost: number;
}

/** Groups larger than this are not searched (no claim is made about them: their losses fail). */
const MAX_GROUP = 8;

/**
 * Earliest instant courier `c` could pick up order `o` in any solution, minutes: not before the
 * food is ready, not before the courier can reach the restaurant from its start after its on
 * time (travel times obey the triangle inequality, so no detour arrives earlier), and not before
 * half the pickup service after the order is placed (no assignment before placement).
 */
export function earliestPickup(instance: MdrpInstance, o: MdrpOrder, c: MdrpCourier): number {
  const p = instance.parameters;
  const travel = benchmarkTravelTime(p.metersPerMinute);
  const restaurant = instance.restaurants.get(o.restaurantId)!;
  const half = p.pickupServiceMinutes / 2;
  return Math.max(o.readyAt, o.placedAt + half, c.onAt + travel.minutes(c.start, restaurant) + half);
}

/**
 * Finds the unavoidable losses of an instance. For each order, the couriers that could pick it
 * up at all (`earliestPickup` ≤ off time); orders with exactly one such courier are grouped by it,
 * and an exhaustive search over that courier's possible tours of its group (any order of stops,
 * orders of one restaurant picked up together or apart, every delivery order) gives the most it
 * can deliver. The search is optimistic everywhere it must be (the first stop starts wherever
 * suits it best; anything done between two stops only delays the second), so `atMost` is an
 * upper bound: fewer than `orderIds.length` proves some order of the group is lost in every solution.
 * Orders ready after every courier's off time have no courier and are not in any group.
 */
export function unavoidableLosses(instance: MdrpInstance): UnavoidableLoss[] {
  const groups = new Map<string, MdrpOrder[]>();
  const lastOff = Math.max(...instance.couriers.map((c) => c.offAt));
  for (const o of instance.orders) {
    if (o.readyAt > lastOff) continue;
    let only: MdrpCourier | undefined;
    let able = 0;
    for (const c of instance.couriers) {
      if (c.offAt < o.readyAt || earliestPickup(instance, o, c) > c.offAt) continue;
      only = c;
      if (++able > 1) break;
    }
    if (able !== 1 || !only) continue;
    const id = only.id;
    const list = groups.get(id);
    if (list) list.push(o);
    else groups.set(id, [o]);
  }
  const out: UnavoidableLoss[] = [];
  for (const [courierId, orders] of groups) {
    if (orders.length < 2 || orders.length > MAX_GROUP) continue;
    const courier = instance.couriers.find((c) => c.id === courierId)!;
    const atMost = mostDeliverable(instance, courier, orders);
    if (atMost < orders.length) out.push({ courierId, orderIds: orders.map((o) => o.id), atMost });
  }
  return out.sort((a, b) => a.courierId.localeCompare(b.courierId, 'en', { numeric: true }));
}

/** The most orders of `orders` that `courier` alone can deliver (exhaustive search, minutes). */
export function mostDeliverable(
  instance: MdrpInstance,
  courier: MdrpCourier,
  orders: readonly MdrpOrder[],
): number {
  const p = instance.parameters;
  const travel = benchmarkTravelTime(p.metersPerMinute);
  const halfPickup = p.pickupServiceMinutes / 2;
  const halfDropoff = p.dropoffServiceMinutes / 2;
  const restaurantOf = (o: MdrpOrder) => instance.restaurants.get(o.restaurantId)!;
  let best = 0;
  // `at` undefined: the first stop, reached as early as `earliestPickup` allows. Later stops: not
  // before the last drop-off's service ends plus the ride (a job done in between only delays it),
  // nor before the orders are placed (the courier may wait next door before its assignment).
  const search = (left: readonly MdrpOrder[], at: PlanePoint | undefined, freeAt: number, served: number) => {
    best = Math.max(best, served);
    if (served + left.length <= best) return;
    for (const stop of stops(left)) {
      const restaurant = restaurantOf(stop[0]!);
      const placed = Math.max(...stop.map((o) => o.placedAt));
      const ready = Math.max(...stop.map((o) => o.readyAt));
      const pickupAt =
        at === undefined
          ? Math.max(...stop.map((o) => earliestPickup(instance, o, courier)))
          : Math.max(ready, Math.max(freeAt + travel.minutes(at, restaurant), placed) + halfPickup);
      if (pickupAt > courier.offAt) continue;
      const rest = left.filter((o) => !stop.includes(o));
      for (const sequence of permutations(stop)) {
        let time = pickupAt + halfPickup;
        let from = restaurant;
        for (const o of sequence) {
          time += travel.minutes(from, o.dropoff) + halfDropoff + halfDropoff;
          from = o.dropoff;
        }
        search(rest, from, time, served + stop.length);
      }
    }
  };
  search(orders, undefined, courier.onAt, 0);
  return best;
}

/** Every non-empty set of orders of one restaurant among `left` (the orders of one stop). */
function stops(left: readonly MdrpOrder[]): MdrpOrder[][] {
  const byRestaurant = new Map<string, MdrpOrder[]>();
  for (const o of left) {
    const list = byRestaurant.get(o.restaurantId);
    if (list) list.push(o);
    else byRestaurant.set(o.restaurantId, [o]);
  }
  const out: MdrpOrder[][] = [];
  for (const list of byRestaurant.values()) {
    for (let mask = 1; mask < 1 << list.length; mask++) out.push(list.filter((_, i) => mask & (1 << i)));
  }
  return out;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((head, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((tail) => [head, ...tail]),
  );
}

/** Why each undelivered order was not delivered, as far as the checker can prove it. */
export interface UndeliveredClasses {
  /** Ready after every courier's off time: nobody may pick them up. */
  impossible: string[];
  /** Lost in every solution (an `UnavoidableLoss` group with more orders than its courier can do). */
  unavoidable: { orderId: string; proof: string }[];
  /** Every other undelivered order: some solution delivers it (as far as the checker knows). */
  lost: string[];
}

/**
 * Classifies the orders missing from `delivered`. In a group of `n` orders of which its courier can
 * deliver at most `k`, up to `n − k` undelivered orders are unavoidable; any more are lost.
 */
export function classifyUndelivered(
  instance: MdrpInstance,
  delivered: ReadonlySet<string>,
): UndeliveredClasses {
  const out: UndeliveredClasses = { impossible: [], unavoidable: [], lost: [] };
  const lastOff = Math.max(...instance.couriers.map((c) => c.offAt));
  const missing = instance.orders.filter((o) => !delivered.has(o.id));
  if (missing.length === 0) return out;
  const groupOf = new Map<string, { loss: UnavoidableLoss; allowance: { left: number } }>();
  for (const loss of unavoidableLosses(instance)) {
    const allowance = { left: loss.orderIds.length - loss.atMost };
    for (const id of loss.orderIds) groupOf.set(id, { loss, allowance });
  }
  for (const o of missing) {
    if (o.readyAt > lastOff) {
      out.impossible.push(o.id);
      continue;
    }
    const group = groupOf.get(o.id);
    if (group && group.allowance.left > 0) {
      group.allowance.left--;
      const { loss } = group;
      out.unavoidable.push({
        orderId: o.id,
        proof: `only ${loss.courierId} can pick up any of ${loss.orderIds.join(', ')} and it can deliver at most ${loss.atMost} of them`,
      });
    } else out.lost.push(o.id);
  }
  return out;
}
