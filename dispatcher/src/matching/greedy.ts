import { contextFromSnapshot } from './context.js';
import { jobCost, jobFromOrders, jobTimes } from './job.js';
import { resolvePolicy } from './policy.js';
import type { Assignment, DecideOptions, MatchingDecisions, MatchingSnapshot } from './types.js';

/**
 * The baseline policy: each order, in placement order, goes at once to the courier free now who
 * can pick it up earliest; no bundling, no waiting for a better courier. Same inputs and output
 * as {@link decideAssignments}, so the replay and the benchmark can swap one for the other.
 */
export function decideGreedy<P>(snapshot: MatchingSnapshot<P>, options: DecideOptions<P>): MatchingDecisions {
  const policy = resolvePolicy(options.policy, options.service);
  const ctx = contextFromSnapshot(snapshot, options.now, options.travelTime, policy);
  const halfPickup = policy.service.pickupSeconds / 2;
  const taken = new Uint8Array(ctx.couriers.length);
  const byPlacement = ctx.orders
    .map((_, i) => i)
    .sort((a, b) => ctx.orders[a]!.placedAt - ctx.orders[b]!.placedAt);
  const assignments: Assignment[] = [];
  const waiting: MatchingDecisions['waiting'] = [];
  for (const i of byPlacement) {
    const order = ctx.orders[i]!;
    const declined = new Set(order.declinedBy ?? []);
    let best = -1;
    let bestPickup = Number.POSITIVE_INFINITY;
    let bestArrive = 0;
    for (let c = 0; c < ctx.couriers.length; c++) {
      const courier = ctx.couriers[c]!;
      if (taken[c] || ctx.spareCapacity[c]! < 1 || courier.freeAt > ctx.now || declined.has(courier.id))
        continue;
      if (order.allowedVehicles && !(courier.vehicle && order.allowedVehicles.includes(courier.vehicle)))
        continue;
      const arrive =
        ctx.departAt[c]! + ctx.travelTime.seconds(courier.position, order.pickup, courier.vehicle);
      const pickup = Math.max(order.readyAt, arrive + halfPickup);
      if (pickup > courier.shiftEndsAt) continue;
      if (pickup < bestPickup || (pickup === bestPickup && arrive < bestArrive)) {
        best = c;
        bestPickup = pickup;
        bestArrive = arrive;
      }
    }
    if (best < 0) {
      waiting.push({ orderId: order.id, reason: 'no_candidate' });
      continue;
    }
    taken[best] = 1;
    const job = jobFromOrders(ctx, [i], Int32Array.of(best), Float64Array.of(bestArrive));
    const times = jobTimes(ctx, job, best, bestArrive);
    assignments.push({
      courierId: ctx.couriers[best]!.id,
      storeId: order.storeId,
      orderIds: [order.id],
      departAt: ctx.departAt[best]!,
      arriveStoreAt: bestArrive,
      pickupAt: times.pickupAt,
      dropoffAt: times.dropoffAt,
      cost: jobCost(ctx, job, best, bestArrive),
    });
  }
  return { assignments, waiting };
}
