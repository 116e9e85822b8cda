import { randomUUID } from 'node:crypto';
import { syncCouriersAvailability } from '../courier-availability.js';
import { loopKeys } from '../keys.js';
import { assertFence } from '../lease/fence.js';
import type { RegionLease } from '../lease/region-lease.js';
import { type LiveDeps, nowMsOf } from '../live-deps.js';
import { runLoopScript } from '../lua/scripts.js';
import { publishCourierEvents } from '../notify.js';
import { withTransaction } from '../pg/pool.js';
import { transitionOrder } from '../pg/transition-order.js';
import { removeQueuedOrders } from '../queue/dispatch-queue.js';
import { scheduleOfferExpiries } from './offer-expiry.js';

export interface JobOffer {
  orderIds: readonly string[];
  /** One courier (policy `single`) or the best k (policy `top_k`); first accept wins. */
  courierIds: readonly string[];
  payCents: number;
  ttlSeconds: number;
}

export interface OpenedOffer {
  offerId: string;
  jobId: string;
  courierId: string;
  orderIds: string[];
  expiresAtMs: number;
}

/**
 * Offers a job to crowd couriers: one transaction (fence checked) moves its orders to
 * `dispatching` and writes the offers; then Redis records them (one open offer per courier), the
 * orders leave the queue, and each offer's expiry is scheduled. A crash after the commit loses
 * nothing: recovery rebuilds open offers and their expiries from Postgres.
 */
export async function openJobOffer(
  deps: LiveDeps,
  lease: RegionLease,
  job: JobOffer,
): Promise<OpenedOffer[]> {
  const jobId = randomUUID();
  const nowMs = nowMsOf(deps);
  const expiresAtMs = nowMs + job.ttlSeconds * 1000;
  const offers: OpenedOffer[] = job.courierIds.map((courierId) => ({
    offerId: randomUUID(),
    jobId,
    courierId,
    orderIds: [...job.orderIds],
    expiresAtMs,
  }));
  await withTransaction(deps.pool, async (client) => {
    await assertFence(client, lease.region, lease.fence);
    for (const orderId of job.orderIds) {
      const current = await client.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [
        orderId,
      ]);
      if (current.rows[0]?.status === 'created') {
        await transitionOrder(client, {
          orderId,
          to: 'dispatching',
          actor: 'dispatcher',
          fence: lease.fence,
        });
      }
    }
    for (const offer of offers) {
      await client.query(
        `INSERT INTO offers (id, region_id, job_id, order_ids, courier_id, status, fence, pay_cents, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8)`,
        [
          offer.offerId,
          lease.region,
          jobId,
          offer.orderIds,
          offer.courierId,
          lease.fence,
          job.payCents,
          new Date(expiresAtMs),
        ],
      );
    }
  });
  await recordOpenOffersInRedis(deps, lease.region, offers);
  await removeQueuedOrders(deps.redis, deps.prefix, lease.region, job.orderIds);
  // A courier holding an offer is busy for the index: searches skip it and reach free couriers.
  await syncCouriersAvailability(deps, lease.region, job.courierIds);
  const atMs = nowMsOf(deps);
  await publishCourierEvents(
    deps.redis,
    deps.prefix,
    lease.region,
    offers.map((o) => ({
      type: 'offer',
      courierId: o.courierId,
      offerId: o.offerId,
      orderIds: o.orderIds,
      expiresAtMs: o.expiresAtMs,
      atMs,
    })),
  );
  return offers;
}

/** Redis side of open offers: the offer hashes and the couriers' one-offer-at-a-time marks, and expiries. */
export async function recordOpenOffersInRedis(
  deps: LiveDeps,
  region: string,
  offers: readonly OpenedOffer[],
): Promise<void> {
  const keys = loopKeys(deps.prefix, region);
  const nowMs = nowMsOf(deps);
  for (const offer of offers) {
    // Kept an hour past expiry, so a late answer still finds the offer and gets a clear error.
    const ttlMs = Math.max(1000, offer.expiresAtMs - nowMs) + 3_600_000;
    await runLoopScript(
      deps.redis,
      'openOffer',
      [keys.offer(offer.offerId), keys.offered],
      [offer.courierId, offer.jobId, offer.orderIds.join(','), offer.expiresAtMs, ttlMs],
    );
  }
  if (deps.expiryQueue) {
    await scheduleOfferExpiries(
      deps.expiryQueue,
      offers.map((o) => ({ offerId: o.offerId, region, delayMs: o.expiresAtMs - nowMs })),
    );
  }
}
