import { syncCouriersAvailability } from '../courier-availability.js';
import { loopKeys } from '../keys.js';
import type { LiveDeps } from '../live-deps.js';
import { type OpenedOffer, recordOpenOffersInRedis } from '../offers/open-offers.js';
import { enqueueOrders } from '../queue/dispatch-queue.js';

export interface RebuildReport {
  ordersQueued: number;
  offersRestored: number;
}

/**
 * Puts a region's live state back into Redis from Postgres: every pending order without an open
 * offer into the queue (ZADD NX: queued ones keep their place), every open offer with its expiry.
 * Run when a dispatcher takes a region over and whenever Redis has lost the region's data (its
 * `alive` marker is gone). Positions come back with the couriers' next pings.
 */
export async function rebuildRegion(deps: LiveDeps, region: string): Promise<RebuildReport> {
  const pending = await deps.pool.query<{ id: string; created_at: Date; priority: number }>(
    `SELECT o.id, o.created_at, o.priority FROM orders o
      WHERE o.region_id = $1 AND o.status IN ('created', 'dispatching')
        AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.order_ids @> ARRAY[o.id] AND f.status = 'open')`,
    [region],
  );
  const ordersQueued = await enqueueOrders(
    deps.redis,
    deps.prefix,
    region,
    pending.rows.map((r) => ({ orderId: r.id, createdAtMs: r.created_at.getTime(), priority: r.priority })),
  );
  const open = await deps.pool.query<{
    id: string;
    job_id: string;
    courier_id: string;
    order_ids: string[];
    expires_at: Date;
  }>(
    `SELECT id, job_id, courier_id, order_ids, expires_at FROM offers WHERE region_id = $1 AND status = 'open'`,
    [region],
  );
  const keys = loopKeys(deps.prefix, region);
  const missing: OpenedOffer[] = [];
  for (const row of open.rows) {
    if ((await deps.redis.exists(keys.offer(row.id))) === 1) continue;
    missing.push({
      offerId: row.id,
      jobId: row.job_id,
      courierId: row.courier_id,
      orderIds: row.order_ids,
      expiresAtMs: row.expires_at.getTime(),
    });
  }
  await recordOpenOffersInRedis(deps, region, missing);
  // A crash between a commit and its index update leaves a courier's state behind: every courier
  // with work or an open offer is brought in line with Postgres.
  const engaged = await deps.pool.query<{ courier_id: string }>(
    `SELECT DISTINCT courier_id FROM orders
      WHERE region_id = $1 AND status IN ('assigned', 'at_pickup', 'picked_up', 'at_dropoff')
     UNION SELECT courier_id FROM offers WHERE region_id = $1 AND status = 'open'`,
    [region],
  );
  await syncCouriersAvailability(
    deps,
    region,
    engaged.rows.map((r) => r.courier_id),
  );
  await deps.redis.set(keys.alive, String(Date.now()));
  return { ordersQueued, offersRestored: missing.length };
}

/** True when Redis still holds the region's live state (false after a flush or restart). */
export async function regionStateIsAlive(deps: LiveDeps, region: string): Promise<boolean> {
  return (await deps.redis.exists(loopKeys(deps.prefix, region).alive)) === 1;
}
