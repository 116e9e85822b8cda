import type { LatLng, RegionConfig } from '@o2o/domain';
import { latLngToCell } from 'h3-js';
import { ringsCoveringRadius } from '../index/rings.js';
import type { Candidate } from '../index/types.js';
import { loopKeys } from '../keys.js';
import type { LiveDeps } from '../live-deps.js';
import type { CourierToMatch, MatchingSnapshot, OrderToMatch, Vehicle } from '../matching/types.js';
import { removeQueuedOrders } from '../queue/dispatch-queue.js';

/** A pending order as the cycle reads it from Postgres. */
export interface PendingOrder {
  id: string;
  store_id: string;
  pickup_lat: number;
  pickup_lng: number;
  dropoff_lat: number;
  dropoff_lng: number;
  ready_at: Date;
  created_at: Date;
  vehicle: Vehicle;
  fee_cents: number;
}

export interface CycleSnapshot {
  snapshot: MatchingSnapshot<LatLng>;
  orders: Map<string, PendingOrder>;
  couriers: Map<string, Candidate>;
  /** Queue entries that were no longer pending (assigned, canceled, on offer), now removed. */
  dropped: number;
}

/**
 * Read step of a cycle: the oldest queued orders still pending in Postgres (the source of truth),
 * who declined them, and the idle couriers around each store from the index (one ring search per
 * store cell, all in flight at once). Couriers holding an open offer are left out.
 */
export async function readCycleSnapshot(
  deps: LiveDeps,
  region: string,
  config: RegionConfig,
  nowMs: number,
  maxOrders = 2000,
): Promise<CycleSnapshot> {
  const keys = loopKeys(deps.prefix, region);
  const queued = await deps.redis.zrange(keys.queue, 0, maxOrders - 1);
  if (queued.length === 0)
    return { snapshot: { orders: [], couriers: [] }, orders: new Map(), couriers: new Map(), dropped: 0 };
  const rows = await deps.pool.query<PendingOrder>(
    `SELECT o.id, o.store_id, o.pickup_lat, o.pickup_lng, o.dropoff_lat, o.dropoff_lng, o.ready_at, o.created_at,
            o.vehicle, o.fee_cents
       FROM orders o
      WHERE o.id = ANY($1) AND o.status IN ('created', 'dispatching')
        AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.order_ids @> ARRAY[o.id] AND f.status = 'open')`,
    [queued],
  );
  const orders = new Map(rows.rows.map((r) => [r.id, r]));
  const stale = queued.filter((id) => !orders.has(id));
  if (stale.length > 0) await removeQueuedOrders(deps.redis, deps.prefix, region, stale);
  const [declines, offered] = await Promise.all([
    deps.pool.query<{ order_id: string; courier_id: string }>(
      'SELECT order_id, courier_id FROM order_declines WHERE order_id = ANY($1)',
      [[...orders.keys()]],
    ),
    deps.redis.smembers(keys.offered),
  ]);
  const declinedBy = new Map<string, string[]>();
  for (const d of declines.rows)
    declinedBy.set(d.order_id, [...(declinedBy.get(d.order_id) ?? []), d.courier_id]);
  const busyWithOffer = new Set(offered);

  // One candidate search per store cell: orders of one store share it.
  const byCell = new Map<string, PendingOrder[]>();
  for (const order of orders.values()) {
    const cell = latLngToCell(order.pickup_lat, order.pickup_lng, deps.index.resolution);
    byCell.set(cell, [...(byCell.get(cell) ?? []), order]);
  }
  const first = orders.values().next().value;
  const maxRings = first
    ? ringsCoveringRadius(
        { lat: first.pickup_lat, lng: first.pickup_lng },
        config.maxRadiusMeters,
        deps.index.resolution,
      )
    : 0;
  const couriers = new Map<string, Candidate>();
  const matchOrders: OrderToMatch<LatLng>[] = [];
  await Promise.all(
    [...byCell.entries()].map(async ([cell, cellOrders]) => {
      const search = await deps.index.findCandidates(region, cell, {
        minCount: config.candidatesPerOrder,
        maxRings,
        states: ['idle'],
      });
      const usable = search.candidates.filter(
        (c) =>
          c.load < c.capacity && !busyWithOffer.has(c.id) && c.distanceMeters <= config.maxRadiusMeters * 1.2,
      );
      for (const c of usable) couriers.set(c.id, c);
      for (const order of cellOrders) {
        matchOrders.push(orderToMatch(order, usable, declinedBy.get(order.id) ?? []));
      }
    }),
  );
  const nowSeconds = nowMs / 1000;
  const matchCouriers: CourierToMatch<LatLng>[] = [...couriers.values()].map((c) => ({
    id: c.id,
    kind: c.kind,
    vehicle: c.vehicle as Vehicle,
    position: { lat: c.lat, lng: c.lng },
    freeAt: nowSeconds,
    shiftEndsAt: c.shiftEndMs !== undefined ? c.shiftEndMs / 1000 : Number.POSITIVE_INFINITY,
    load: c.load,
    capacity: c.capacity,
  }));
  return {
    snapshot: { orders: matchOrders, couriers: matchCouriers },
    orders,
    couriers,
    dropped: stale.length,
  };
}

function orderToMatch(
  order: PendingOrder,
  candidates: readonly Candidate[],
  declinedBy: string[],
): OrderToMatch<LatLng> {
  return {
    id: order.id,
    storeId: order.store_id,
    pickup: { lat: order.pickup_lat, lng: order.pickup_lng },
    dropoff: { lat: order.dropoff_lat, lng: order.dropoff_lng },
    placedAt: order.created_at.getTime() / 1000,
    readyAt: order.ready_at.getTime() / 1000,
    declinedBy,
    // A car-sized order needs a car; smaller ones go by any vehicle.
    ...(order.vehicle === 'car' ? { allowedVehicles: ['car'] as Vehicle[] } : {}),
    candidateCourierIds: candidates.map((c) => c.id),
  };
}
