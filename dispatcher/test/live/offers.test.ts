import { DomainError, regionConfigFrom } from '@o2o/domain';
import { describe, expect, it } from 'vitest';
import { tryAcquireLease } from '../../src/lease/region-lease.js';
import { runCycle } from '../../src/loop/run-cycle.js';
import { acceptOffer, closeOffer } from '../../src/offers/answer-offer.js';
import { startOfferExpiryWorker } from '../../src/offers/expiry-worker.js';
import { openJobOffer } from '../../src/offers/open-offers.js';
import { queuedOrderIds } from '../../src/queue/dispatch-queue.js';
import { REGION, useLiveEnv } from './live-helper.js';

const env = useLiveEnv();

async function lease() {
  await env.deps.redis.del(`${env.deps.prefix}:{${REGION}}:lease`);
  const l = await tryAcquireLease(env.deps.redis, env.deps.pool, env.deps.prefix, REGION, 'test', 60_000);
  if (!l) throw new Error('no lease');
  return l;
}

async function openOffer(courierIds: string[], ttlSeconds = 30, at?: { lat: number; lng: number }) {
  const orderId = await env.newOrder(at ? { at } : {});
  const offers = await openJobOffer(env.deps, await lease(), {
    orderIds: [orderId],
    courierIds,
    payCents: 400,
    ttlSeconds,
  });
  return { orderId, offers };
}

describe('accepting offers', () => {
  it('answers 1,000 concurrent accepts of one offer by its courier alike, with exactly one assignment', async () => {
    // Duplicates of one courier's accept (an app resending on a flaky network) used to get
    // offer_closed/offer_taken for all but one, so a courier whose first answer was lost was told
    // they had lost a job that was theirs. Now every duplicate gets the same job; the invariant
    // that matters, one assignment, is what the rest of the test checks.
    const courier = await env.newCourier('crowd');
    const { orderId, offers } = await openOffer([courier]);
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, () => acceptOffer(env.deps, courier, offers[0]!.offerId)),
    );
    const answers = new Set(
      results.map((r) =>
        r.status === 'fulfilled'
          ? JSON.stringify({ job: r.value.jobId, orders: r.value.orders.map((o) => o.id) })
          : `rejected ${(r.reason as DomainError).code}`,
      ),
    );
    expect([...answers]).toEqual([JSON.stringify({ job: offers[0]!.jobId, orders: [orderId] })]);
    expect(await env.orderRow(orderId)).toMatchObject({ status: 'assigned', courier_id: courier });
    const assignments = await env.deps.pool.query('SELECT courier_id FROM assignments WHERE order_id = $1', [
      orderId,
    ]);
    expect(assignments.rows).toEqual([{ courier_id: courier }]);
    const events = await env.deps.pool.query(
      `SELECT 1 FROM order_events WHERE order_id = $1 AND to_status = 'assigned'`,
      [orderId],
    );
    expect(events.rowCount).toBe(1);
    const index = await env.deps.index.getCourier(REGION, courier);
    expect(index).toMatchObject({ state: 'busy', load: 1 });
    // Sent again later, the accept still answers the job.
    const again = await acceptOffer(env.deps, courier, offers[0]!.offerId);
    expect(again.orders.map((o) => o.id)).toEqual([orderId]);
    // Duplicates that reach different processes at once (each its own deps here) go through
    // Postgres: still one assignment, and every one answers the job.
    const second = await openOffer([courier]);
    const apart = await Promise.allSettled(
      Array.from({ length: 5 }, () => acceptOffer({ ...env.deps }, courier, second.offers[0]!.offerId)),
    );
    expect(apart.map((r) => (r.status === 'fulfilled' ? r.value.orders.map((o) => o.id) : r.reason))).toEqual(
      Array.from({ length: 5 }, () => [second.orderId]),
    );
    expect(
      (await env.deps.pool.query('SELECT 1 FROM assignments WHERE order_id = $1', [second.orderId])).rowCount,
    ).toBe(1);
    // Once the job is someone else's (an operator moved it), a re-sent accept is refused.
    const other = await env.newCourier('crowd', { online: false });
    await env.deps.pool.query('UPDATE orders SET courier_id = $2 WHERE id = $1', [orderId, other]);
    await expect(acceptOffer(env.deps, courier, offers[0]!.offerId)).rejects.toMatchObject({
      code: 'offer_closed',
    });
  });

  it('gives a job offered to k couriers who all accept at once to one of them, and revokes the other k−1', async () => {
    const couriers = await Promise.all(Array.from({ length: 5 }, () => env.newCourier('crowd')));
    const { orderId, offers } = await openOffer(couriers);
    expect(offers).toHaveLength(5);
    const results = await Promise.allSettled(
      offers.map((o) => acceptOffer(env.deps, o.courierId, o.offerId)),
    );
    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const winner = (winners[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acceptOffer>>>).value;
    const statuses = await env.deps.pool.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM offers WHERE order_ids @> ARRAY[$1::uuid] GROUP BY status ORDER BY status`,
      [orderId],
    );
    expect(statuses.rows).toEqual([
      { status: 'accepted', n: '1' },
      { status: 'revoked', n: '4' },
    ]);
    expect((await env.orderRow(orderId)).courier_id).toBe(
      couriers[offers.findIndex((o) => o.offerId === winner.offerId)],
    );
  });

  it("refuses another courier's offer as not found, and an accept after expiry", async () => {
    const [a, b] = [await env.newCourier('crowd'), await env.newCourier('crowd')];
    const { offers } = await openOffer([a]);
    await expect(acceptOffer(env.deps, b, offers[0]!.offerId)).rejects.toMatchObject({ code: 'not_found' });
    const late = await openOffer([b], 5);
    const future = Date.now() + 10_000;
    await expect(
      acceptOffer({ ...env.deps, nowMs: () => future }, b, late.offers[0]!.offerId),
    ).rejects.toMatchObject({
      code: 'offer_expired',
    });
  });

  it('still admits exactly one winner when Redis has lost the offers', async () => {
    const couriers = await Promise.all(Array.from({ length: 3 }, () => env.newCourier('crowd')));
    const { orderId, offers } = await openOffer(couriers);
    for (const o of offers) await env.deps.redis.del(`${env.deps.prefix}:{${REGION}}:offer:${o.offerId}`);
    const results = await Promise.allSettled(
      offers.map((o) => acceptOffer(env.deps, o.courierId, o.offerId)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await env.orderRow(orderId)).status).toBe('assigned');
  });
});

describe('declining and expiry', () => {
  it('returns a declined order to the queue with higher priority and never offers it to the decliner again', async () => {
    // Far from the other tests' couriers: the decliner is the only courier around.
    const paris = { lat: 48.8566, lng: 2.3522 };
    const near = { lat: paris.lat + 0.002, lng: paris.lng + 0.002 };
    const decliner = await env.newCourier('crowd', { at: near });
    const { orderId, offers } = await openOffer([decliner], 30, paris);
    expect(await queuedOrderIds(env.deps.redis, env.deps.prefix, REGION)).not.toContain(orderId);
    const result = await closeOffer(env.deps, offers[0]!.offerId, 'declined', decliner);
    expect(result).toEqual({ closed: true, requeued: [orderId] });
    expect(await queuedOrderIds(env.deps.redis, env.deps.prefix, REGION)).toContain(orderId);
    expect((await env.orderRow(orderId)).priority).toBe(1);
    await expect(closeOffer(env.deps, offers[0]!.offerId, 'declined', decliner)).rejects.toMatchObject({
      code: 'offer_closed',
    });

    // The next cycles must leave the order waiting rather than offer it to the decliner again.
    const config = regionConfigFrom({ offerPolicy: 'single' });
    const l = await lease();
    for (let i = 0; i < 3; i++) await runCycle(env.deps, l, config);
    const reoffered = await env.deps.pool.query(
      `SELECT 1 FROM offers WHERE order_ids @> ARRAY[$1::uuid] AND courier_id = $2 AND status = 'open'`,
      [orderId, decliner],
    );
    expect(reoffered.rowCount).toBe(0);
    // A new courier nearby gets it.
    const other = await env.newCourier('crowd', { at: near });
    await runCycle(env.deps, l, config);
    const offered = await env.deps.pool.query<{ courier_id: string }>(
      `SELECT courier_id FROM offers WHERE order_ids @> ARRAY[$1::uuid] AND status = 'open'`,
      [orderId],
    );
    expect(offered.rows).toEqual([{ courier_id: other }]);
    await closeOffer(
      env.deps,
      (
        await env.deps.pool.query<{ id: string }>(
          `SELECT id FROM offers WHERE courier_id = $1 AND status = 'open'`,
          [other],
        )
      ).rows[0]!.id,
      'declined',
      other,
    );
  });

  it('expires an unanswered offer through its delayed job and puts the order back', async () => {
    const worker = startOfferExpiryWorker(env.bullConnection.duplicate(), env.deps);
    try {
      const courier = await env.newCourier('crowd');
      const { orderId, offers } = await openOffer([courier], 1);
      const deadline = Date.now() + 15_000;
      let status = 'open';
      while (status === 'open' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        status = (
          await env.deps.pool.query<{ status: string }>('SELECT status FROM offers WHERE id = $1', [
            offers[0]!.offerId,
          ])
        ).rows[0]!.status;
      }
      expect(status).toBe('expired');
      // The order goes back to the queue right after the expiry commits.
      const requeuedBy = Date.now() + 5000;
      while (
        !(await queuedOrderIds(env.deps.redis, env.deps.prefix, REGION)).includes(orderId) &&
        Date.now() < requeuedBy
      ) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await queuedOrderIds(env.deps.redis, env.deps.prefix, REGION)).toContain(orderId);
      const declines = await env.deps.pool.query('SELECT reason FROM order_declines WHERE order_id = $1', [
        orderId,
      ]);
      expect(declines.rows).toEqual([{ reason: 'expired' }]);
      await expect(acceptOffer(env.deps, courier, offers[0]!.offerId)).rejects.toBeInstanceOf(DomainError);
    } finally {
      await worker.close();
    }
  });
});
