import { type MatchingContext, orderCost } from './context.js';
import type { Vehicle } from './types.js';

/**
 * One job: orders of one store, picked up together and delivered in `orders` order, with the
 * couriers that may take it (every one is a candidate of every order of the job).
 */
export interface Job {
  storeId: string;
  /** Order indices into `snapshot.orders`, in delivery order. */
  orders: number[];
  /** The latest ready time of its orders, seconds: nobody picks up before. */
  readyAt: number;
  /** Candidate courier indices and their arrival at the store, seconds. */
  couriers: Int32Array;
  arriveStore: Float64Array;
  /** Seconds from leaving the store to each drop-off instant, per vehicle ('' = none given). */
  offsets: Map<Vehicle | '', Float64Array>;
}

/** Estimated times of one job done by one courier, seconds. */
export interface JobTimes {
  pickupAt: number;
  leaveStoreAt: number;
  dropoffAt: number[];
}

/** A job of the given orders (delivery order as given) and candidates. */
export function jobFromOrders<P>(
  ctx: MatchingContext<P>,
  orders: number[],
  couriers: Int32Array,
  arriveStore: Float64Array,
): Job {
  const first = ctx.orders[orders[0]!]!;
  let readyAt = first.readyAt;
  for (const i of orders) readyAt = Math.max(readyAt, ctx.orders[i]!.readyAt);
  return { storeId: first.storeId, orders, readyAt, couriers, arriveStore, offsets: new Map() };
}

/** Seconds from leaving the store to each drop-off instant (travel legs and drop-off services). */
export function dropoffOffsets<P>(
  ctx: MatchingContext<P>,
  job: Job,
  vehicle: Vehicle | undefined,
): Float64Array {
  const key = vehicle ?? '';
  const cached = job.offsets.get(key);
  if (cached) return cached;
  const out = new Float64Array(job.orders.length);
  const dropService = ctx.policy.service.dropoffSeconds;
  let at = 0;
  let from = ctx.orders[job.orders[0]!]!.pickup;
  for (let k = 0; k < job.orders.length; k++) {
    const order = ctx.orders[job.orders[k]!]!;
    at += ctx.travelTime.seconds(from, order.dropoff, vehicle) + dropService / 2;
    out[k] = at;
    at += dropService / 2;
    from = order.dropoff;
  }
  job.offsets.set(key, out);
  return out;
}

/** When courier `c`, reaching the store at `arriveStore`, picks up, leaves and drops off each order. */
export function jobTimes<P>(ctx: MatchingContext<P>, job: Job, c: number, arriveStore: number): JobTimes {
  const halfPickup = ctx.policy.service.pickupSeconds / 2;
  const pickupAt = Math.max(job.readyAt, arriveStore + halfPickup);
  const leaveStoreAt = pickupAt + halfPickup;
  const offsets = dropoffOffsets(ctx, job, ctx.couriers[c]!.vehicle);
  return { pickupAt, leaveStoreAt, dropoffAt: Array.from(offsets, (o) => leaveStoreAt + o) };
}

/**
 * Cost of courier `c` doing `job`, in seconds-equivalent: the orders' click-to-door costs, the
 * courier's wait at the store and travel, and the courier-only policy terms. Infinity when the
 * courier cannot carry that many orders or would pick up after its shift ends.
 */
export function jobCost<P>(ctx: MatchingContext<P>, job: Job, c: number, arriveStore: number): number {
  const { policy } = ctx;
  const courier = ctx.couriers[c]!;
  if (job.orders.length > ctx.spareCapacity[c]!) return Number.POSITIVE_INFINITY;
  const halfPickup = policy.service.pickupSeconds / 2;
  const atCounter = arriveStore + halfPickup;
  const pickupAt = Math.max(job.readyAt, atCounter);
  if (pickupAt > courier.shiftEndsAt) return Number.POSITIVE_INFINITY;
  const leave = pickupAt + halfPickup;
  const offsets = dropoffOffsets(ctx, job, courier.vehicle);
  let cost = ctx.courierTerm[c]!;
  cost += policy.courierWaitWeight * (pickupAt - atCounter);
  cost += policy.travelWeight * (arriveStore - ctx.departAt[c]!);
  const n = job.orders.length;
  for (let k = 0; k < n; k++) {
    const order = ctx.orders[job.orders[k]!]!;
    cost += orderCost(leave + offsets[k]! - order.placedAt, policy);
  }
  if (ctx.scarcity > 0) {
    // Busy time past the shift's end costs nothing: that courier could not pick up again anyway.
    const end = Math.min(leave + offsets[n - 1]! + policy.service.dropoffSeconds / 2, courier.shiftEndsAt);
    const busy = Math.max(0, end - ctx.departAt[c]!);
    cost += policy.busyWeight * ctx.scarcity * busy;
  }
  return cost;
}

/**
 * Cost of leaving the job for a later cycle: as if its cheapest candidate served it
 * `holdDelaySeconds` later, plus aging (`agingWeight` × seconds its orders have waited since
 * ready). A courier costing more than this is worse than waiting. Infinity when no candidate could
 * still take it after that delay (end of shifts): then it must be served now if anyone can.
 */
export function holdCost<P>(ctx: MatchingContext<P>, job: Job): number {
  const delay = ctx.policy.holdDelaySeconds;
  let later = Number.POSITIVE_INFINITY;
  for (let j = 0; j < job.couriers.length; j++) {
    later = Math.min(later, jobCost(ctx, job, job.couriers[j]!, job.arriveStore[j]! + delay));
  }
  let waited = 0;
  for (const i of job.orders) waited += Math.max(0, ctx.now - ctx.orders[i]!.readyAt);
  return later + ctx.policy.agingWeight * waited;
}
