import { dispatchQueueKey, queuedOrderIds } from '@o2o/dispatcher';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../src/reconcile/reconciler.js';
import { outboxJobId } from '../src/webhooks/outbox-queue.js';
import { idempotencyKey, orderBody, useTestApi } from './helper.js';

const api = useTestApi();

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('reconciler', () => {
  it('puts back pending orders that Redis lost, and only those', async () => {
    const store = await api.newStore();
    const create = () =>
      api.call('POST', '/v1/orders', {
        apiKey: store.apiKey,
        body: orderBody(),
        headers: { 'idempotency-key': idempotencyKey() },
      });
    const [kept, lost, canceled] = await Promise.all([create(), create(), create()]);
    await api.call('POST', `/v1/orders/${canceled.body.id}/cancel`, { apiKey: store.apiKey, body: {} });
    // The 201 does not wait for the enqueue; it follows within a few ms.
    await until(async () =>
      (await queuedOrderIds(api.redis, api.config.REDIS_PREFIX, 'city')).includes(lost.body.id),
    );
    // A crash between commit and enqueue, or a Redis restart: the queue no longer has the order.
    await api.redis.zrem(dispatchQueueKey(api.config.REDIS_PREFIX, 'city'), lost.body.id);
    expect(await queuedOrderIds(api.redis, api.config.REDIS_PREFIX, 'city')).toEqual([kept.body.id]);

    const report = await reconcile(api.pool, api.redis, api.config.REDIS_PREFIX, api.outboxQueue);
    expect(report.ordersRequeued).toBe(1);
    const queued = await queuedOrderIds(api.redis, api.config.REDIS_PREFIX, 'city');
    expect(queued.sort()).toEqual([kept.body.id, lost.body.id].sort());
    // Running it again changes nothing.
    expect(
      (await reconcile(api.pool, api.redis, api.config.REDIS_PREFIX, api.outboxQueue)).ordersRequeued,
    ).toBe(0);
  });

  it('keeps queue order by age after a rebuild from scratch', async () => {
    const store = await api.newStore();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api.call('POST', '/v1/orders', {
        apiKey: store.apiKey,
        body: orderBody(),
        headers: { 'idempotency-key': idempotencyKey() },
      });
      ids.push(res.body.id);
    }
    await api.redis.del(dispatchQueueKey(api.config.REDIS_PREFIX, 'city'));
    await reconcile(api.pool, api.redis, api.config.REDIS_PREFIX, api.outboxQueue);
    const queued = await queuedOrderIds(api.redis, api.config.REDIS_PREFIX, 'city');
    expect(queued.filter((id) => ids.includes(id))).toEqual(ids);
  });

  it('hands pending outbox rows whose job was lost back to the webhook queue', async () => {
    const store = await api.newStore();
    const order = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: orderBody(),
      headers: { 'idempotency-key': idempotencyKey() },
    });
    const { rows } = await api.pool.query<{ id: string }>('SELECT id FROM outbox WHERE order_id = $1', [
      order.body.id,
    ]);
    const outboxId = rows[0]!.id;
    // The 201 does not wait for the handoff; it follows within a few ms.
    await until(async () => (await api.outboxQueue.getJob(outboxJobId(outboxId))) !== undefined);
    await api.outboxQueue.remove(outboxJobId(outboxId));
    expect(await api.outboxQueue.getJob(outboxJobId(outboxId))).toBeUndefined();
    await reconcile(api.pool, api.redis, api.config.REDIS_PREFIX, api.outboxQueue);
    const job = await api.outboxQueue.getJob(outboxJobId(outboxId));
    expect(job?.data).toEqual({ outboxId });
  });
});
