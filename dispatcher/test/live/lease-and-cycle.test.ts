import { regionConfigFrom } from '@o2o/domain';
import { describe, expect, it } from 'vitest';
import { assignJob } from '../../src/jobs/assign-job.js';
import { tryAcquireLease } from '../../src/lease/region-lease.js';
import { Dispatcher } from '../../src/loop/dispatcher.js';
import { runCycle } from '../../src/loop/run-cycle.js';
import { queuedOrderIds } from '../../src/queue/dispatch-queue.js';
import { rebuildRegion } from '../../src/recovery/rebuild-region.js';
import { REGION, useLiveEnv } from './live-helper.js';

const env = useLiveEnv();
const leaseKey = () => `${env.deps.prefix}:{${REGION}}:lease`;

async function freshLease(holder: string) {
  await env.deps.redis.del(leaseKey());
  const lease = await tryAcquireLease(env.deps.redis, env.deps.pool, env.deps.prefix, REGION, holder, 60_000);
  if (!lease) throw new Error('lease not acquired');
  return lease;
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('leases and fencing', () => {
  it('grows the fencing token on every takeover and refuses a stale holder’s writes', async () => {
    const old = await freshLease('old');
    const takeover = await freshLease('new');
    expect(takeover.fence).toBe(old.fence + 1);
    const courier = await env.newCourier('in_house');
    const orderId = await env.newOrder();
    const before = await env.orderRow(orderId);
    await expect(
      assignJob(env.deps, {
        region: REGION,
        orderIds: [orderId],
        courierId: courier,
        actor: 'dispatcher',
        lease: old,
      }),
    ).rejects.toMatchObject({ code: 'stale_fence' });
    expect(await env.orderRow(orderId)).toEqual(before);
    const assigned = await assignJob(env.deps, {
      region: REGION,
      orderIds: [orderId],
      courierId: courier,
      actor: 'dispatcher',
      lease: takeover,
    });
    expect(assigned.orders[0]).toMatchObject({
      status: 'assigned',
      courier_id: courier,
      fence: String(takeover.fence),
    });
  });

  it('lets only one of two dispatchers hold a region, and only its fence is written', async () => {
    await env.deps.redis.del(leaseKey());
    const a = new Dispatcher(env.deps, { regions: [REGION], leaseTtlMs: 1000, holderId: 'a' });
    const b = new Dispatcher(env.deps, { regions: [REGION], leaseTtlMs: 1000, holderId: 'b' });
    await Promise.all([a.start(), b.start()]);
    try {
      const holders = [a, b].filter((d) => d.heldRegions().includes(REGION));
      expect(holders).toHaveLength(1);
      const fence = Number(
        (await env.deps.pool.query('SELECT fence FROM regions WHERE id = $1', [REGION])).rows[0].fence,
      );
      const couriers = await Promise.all(Array.from({ length: 3 }, () => env.newCourier('in_house')));
      const orders = await Promise.all(Array.from({ length: 3 }, () => env.newOrder()));
      await until(async () =>
        (await Promise.all(orders.map((o) => env.orderRow(o)))).every((r) => r.status === 'assigned'),
      );
      const fences = await env.deps.pool.query<{ fence: string }>(
        'SELECT DISTINCT fence FROM orders WHERE id = ANY($1)',
        [orders],
      );
      expect(fences.rows).toEqual([{ fence: String(fence) }]);
      expect(
        new Set((await Promise.all(orders.map((o) => env.orderRow(o)))).map((r) => r.courier_id)).size,
      ).toBeLessThanOrEqual(couriers.length);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('the cycle', () => {
  it('gives in-house riders jobs and crowd riders offers, and takes the orders off the queue', async () => {
    const lease = await freshLease('cycle');
    const far = { lat: 40.4168, lng: -3.7038 }; // Madrid: no courier of other tests around
    const near = { lat: far.lat + 0.002, lng: far.lng };
    const inHouse = await env.newCourier('in_house', { at: near, capacity: 1 });
    const crowd = await env.newCourier('crowd', { at: { lat: far.lat - 0.002, lng: far.lng }, capacity: 1 });
    const orders = [await env.newOrder({ at: far }), await env.newOrder({ at: far })];
    const config = regionConfigFrom({});
    const report = await runCycle(env.deps, lease, config);
    expect(report).toMatchObject({ jobs: 1, offers: 1, failed: 0 });
    const rows = await Promise.all(orders.map((o) => env.orderRow(o)));
    expect(rows.map((r) => r.status).sort()).toEqual(['assigned', 'dispatching']);
    expect(rows.find((r) => r.status === 'assigned')?.courier_id).toBe(inHouse);
    const offer = await env.deps.pool.query(
      'SELECT courier_id, status FROM offers WHERE order_ids && $1::uuid[]',
      [orders],
    );
    expect(offer.rows).toEqual([{ courier_id: crowd, status: 'open' }]);
    const queued = await queuedOrderIds(env.deps.redis, env.deps.prefix, REGION);
    expect(queued.filter((id) => orders.includes(id))).toEqual([]);
  });

  it('offers one job to the best k crowd riders at once under the top-k policy', async () => {
    const lease = await freshLease('topk');
    const here = { lat: 41.3874, lng: 2.1686 }; // Barcelona
    const riders = await Promise.all(
      [1, 2, 3, 4].map((i) => env.newCourier('crowd', { at: { lat: here.lat + 0.001 * i, lng: here.lng } })),
    );
    const orderId = await env.newOrder({ at: here });
    await runCycle(env.deps, lease, regionConfigFrom({ offerPolicy: 'top_k', topK: 3 }));
    const offers = await env.deps.pool.query<{ courier_id: string; job_id: string }>(
      'SELECT courier_id, job_id FROM offers WHERE order_ids @> ARRAY[$1::uuid]',
      [orderId],
    );
    expect(offers.rows).toHaveLength(3);
    expect(new Set(offers.rows.map((r) => r.job_id)).size).toBe(1);
    expect(offers.rows.every((r) => riders.includes(r.courier_id))).toBe(true);
  });

  it('rebuilds the queue and open offers after Redis loses the region', async () => {
    const lease = await freshLease('rebuild');
    const here = { lat: 45.4642, lng: 9.19 }; // Milan
    const rider = await env.newCourier('crowd', { at: { lat: here.lat + 0.001, lng: here.lng } });
    const offered = await env.newOrder({ at: here });
    await runCycle(env.deps, lease, regionConfigFrom({}));
    const waiting = await env.newOrder({ at: { lat: 59.33, lng: 18.06 } }); // nobody near
    const keys = await env.deps.redis.keys(`${env.deps.prefix}:{${REGION}}:*`);
    await env.deps.redis.del(...keys);
    const report = await rebuildRegion(env.deps, REGION);
    expect(report.offersRestored).toBeGreaterThanOrEqual(1);
    expect(await queuedOrderIds(env.deps.redis, env.deps.prefix, REGION)).toContain(waiting);
    expect(await queuedOrderIds(env.deps.redis, env.deps.prefix, REGION)).not.toContain(offered);
    const offer = await env.deps.pool.query<{ id: string }>('SELECT id FROM offers WHERE courier_id = $1', [
      rider,
    ]);
    expect(
      await env.deps.redis.hget(`${env.deps.prefix}:{${REGION}}:offer:${offer.rows[0]!.id}`, 'status'),
    ).toBe('open');
    expect(await env.deps.redis.sismember(`${env.deps.prefix}:{${REGION}}:offered`, rider)).toBe(1);
  });
});
