import { randomUUID } from 'node:crypto';
import { DomainError } from '@o2o/domain';
import { loopKeys } from '../keys.js';
import { assertFence } from '../lease/fence.js';
import type { RegionLease } from '../lease/region-lease.js';
import { type LiveDeps, nowMsOf } from '../live-deps.js';
import { runLoopScript } from '../lua/scripts.js';
import { type CourierEvent, publishCourierEvents } from '../notify.js';
import { recordOrderEvents } from '../pg/order-events.js';
import type { OrderRow } from '../pg/order-row.js';
import { type PoolClient, withTransaction } from '../pg/pool.js';
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

/** Offers one job; see `openJobOffers`. Returns [] when its orders are no longer pending. */
export async function openJobOffer(
  deps: LiveDeps,
  lease: RegionLease,
  job: JobOffer,
): Promise<OpenedOffer[]> {
  return (await openJobOffers(deps, lease, [job]))[0] ?? [];
}

/**
 * Offers a cycle's jobs to crowd couriers with one transaction and one Redis round of writes,
 * whatever their number: the fence is checked once, the orders are locked, jobs whose orders are
 * no longer pending (canceled meanwhile) are skipped, `created` orders move to `dispatching` (with
 * their events and outbox rows), and the offers are written. Then Redis records the open offers,
 * the couriers become busy in the index, the orders leave the queue, the expiries are scheduled
 * and the couriers are told. If the batch fails for another reason than a stale fence, each job
 * is tried alone so one bad job cannot hold back the others. A crash after the commit loses
 * nothing: recovery rebuilds open offers and their expiries from Postgres.
 * @returns the offers opened, per job (empty for a skipped job)
 */
export async function openJobOffers(
  deps: LiveDeps,
  lease: RegionLease,
  jobs: readonly JobOffer[],
): Promise<OpenedOffer[][]> {
  if (jobs.length === 0) return [];
  const nowMs = nowMsOf(deps);
  const planned = jobs.map((job) => {
    const jobId = randomUUID();
    const expiresAtMs = nowMs + job.ttlSeconds * 1000;
    return job.courierIds.map((courierId) => ({
      offerId: randomUUID(),
      jobId,
      courierId,
      orderIds: [...job.orderIds],
      expiresAtMs,
    }));
  });
  let opened: OpenedOffer[][];
  try {
    opened = await withTransaction(deps.pool, (client) => writeOffers(client, lease, jobs, planned));
  } catch (err) {
    if (jobs.length === 1 || (err instanceof DomainError && err.code === 'stale_fence')) throw err;
    opened = [];
    for (let i = 0; i < jobs.length; i++) {
      try {
        opened.push(
          await withTransaction(deps.pool, (client) =>
            writeOffers(client, lease, [jobs[i]!], [planned[i]!]),
          ).then((r) => r[0] ?? []),
        );
      } catch (jobErr) {
        if (jobErr instanceof DomainError && jobErr.code === 'stale_fence') throw jobErr;
        opened.push([]);
      }
    }
  }
  await afterOffersCommitted(deps, lease.region, opened.flat(), nowMs);
  return opened;
}

async function writeOffers(
  client: PoolClient,
  lease: RegionLease,
  jobs: readonly JobOffer[],
  planned: readonly OpenedOffer[][],
): Promise<OpenedOffer[][]> {
  await assertFence(client, lease.region, lease.fence);
  const orderIds = jobs.flatMap((j) => j.orderIds);
  const locked = await client.query<{ id: string; status: string }>(
    'SELECT id, status FROM orders WHERE id = ANY($1) ORDER BY id FOR UPDATE',
    [orderIds],
  );
  const pending = new Set(
    locked.rows.filter((r) => r.status === 'created' || r.status === 'dispatching').map((r) => r.id),
  );
  const kept = planned.map((offers, i) => (jobs[i]!.orderIds.every((id) => pending.has(id)) ? offers : []));
  const keptOrderIds = jobs.flatMap((j, i) => (kept[i]!.length > 0 ? j.orderIds : []));
  const moved = await client.query<OrderRow>(
    `UPDATE orders SET status = 'dispatching', version = version + 1, updated_at = now(), fence = GREATEST(fence, $2)
      WHERE id = ANY($1) AND status = 'created' RETURNING *`,
    [keptOrderIds, lease.fence],
  );
  await recordOrderEvents(
    client,
    moved.rows.map((order) => ({
      order,
      change: { from: 'created' as const, actor: 'dispatcher' as const },
    })),
  );
  const offers = kept.flat();
  const payByJob = new Map(jobs.map((j, i) => [planned[i]![0]?.jobId, j.payCents]));
  if (offers.length > 0) {
    await client.query(
      `INSERT INTO offers (id, region_id, job_id, order_ids, courier_id, status, fence, pay_cents, expires_at)
       SELECT id, $1, job_id, string_to_array(order_ids, ',')::uuid[], courier_id, 'open', $2, pay_cents, expires_at
         FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::uuid[], $7::int[], $8::timestamptz[])
           AS t(id, job_id, order_ids, courier_id, pay_cents, expires_at)`,
      [
        lease.region,
        lease.fence,
        offers.map((o) => o.offerId),
        offers.map((o) => o.jobId),
        offers.map((o) => o.orderIds.join(',')),
        offers.map((o) => o.courierId),
        offers.map((o) => payByJob.get(o.jobId) ?? 0),
        offers.map((o) => new Date(o.expiresAtMs)),
      ],
    );
  }
  return kept;
}

/** Redis side after the commit, batched: offer records, busy couriers, queue, expiries, events. */
async function afterOffersCommitted(
  deps: LiveDeps,
  region: string,
  offers: readonly OpenedOffer[],
  nowMs: number,
): Promise<void> {
  if (offers.length === 0) return;
  await recordOpenOffersInRedis(deps, region, offers);
  await Promise.all([
    removeQueuedOrders(deps.redis, deps.prefix, region, [...new Set(offers.flatMap((o) => o.orderIds))]),
    // A courier holding an offer is busy for the index: searches skip it and reach free couriers.
    ...[...new Set(offers.map((o) => o.courierId))].map((courierId) =>
      deps.index
        .getCourier(region, courierId)
        .then((c) =>
          c && c.state === 'idle'
            ? deps.index.setState(region, courierId, { state: 'busy', load: c.load })
            : undefined,
        ),
    ),
  ]);
  const events: CourierEvent[] = offers.map((o) => ({
    type: 'offer',
    courierId: o.courierId,
    offerId: o.offerId,
    orderIds: o.orderIds,
    expiresAtMs: o.expiresAtMs,
    atMs: nowMs,
  }));
  await publishCourierEvents(deps.redis, deps.prefix, region, events);
}

/** Redis side of open offers: the offer hashes and the couriers' one-offer-at-a-time marks, and expiries. */
export async function recordOpenOffersInRedis(
  deps: LiveDeps,
  region: string,
  offers: readonly OpenedOffer[],
): Promise<void> {
  if (offers.length === 0) return;
  const keys = loopKeys(deps.prefix, region);
  const nowMs = nowMsOf(deps);
  await Promise.all(
    offers.map((offer) =>
      // Kept an hour past expiry, so a late answer still finds the offer and gets a clear error.
      runLoopScriptOpen(deps, keys, offer, Math.max(1000, offer.expiresAtMs - nowMs) + 3_600_000),
    ),
  );
  if (deps.expiryQueue) {
    await scheduleOfferExpiries(
      deps.expiryQueue,
      offers.map((o) => ({ offerId: o.offerId, region, delayMs: o.expiresAtMs - nowMs })),
    );
  }
}

function runLoopScriptOpen(
  deps: LiveDeps,
  keys: ReturnType<typeof loopKeys>,
  offer: OpenedOffer,
  ttlMs: number,
) {
  return runLoopScript(
    deps.redis,
    'openOffer',
    [keys.offer(offer.offerId), keys.offered],
    [offer.courierId, offer.jobId, offer.orderIds.join(','), offer.expiresAtMs, ttlMs],
  );
}
