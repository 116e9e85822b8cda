import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxJob } from '../src/webhooks/outbox-queue.js';
import { backoffDelayMs, deliverOutboxRow, startWebhookWorker } from '../src/webhooks/outbox-worker.js';
import { secretBoxFrom } from '../src/webhooks/secret-box.js';
import { signWebhook, verifyWebhook } from '../src/webhooks/sign.js';
import { webhookUrlPolicyFrom } from '../src/webhooks/url-policy.js';
import { idempotencyKey, orderBody, useTestApi } from './helper.js';
import { startWebhookReceiver } from './webhook-receiver.js';

const api = useTestApi();
let worker: Worker<OutboxJob>;
let workerConnection: Redis;

beforeAll(async () => {
  workerConnection = new Redis(api.config.REDIS_URL, { maxRetriesPerRequest: null });
  worker = startWebhookWorker(
    workerConnection,
    api.pool,
    {
      redisPrefix: api.config.REDIS_PREFIX,
      retryForMs: 60_000,
      backoffBaseMs: 50,
      backoffMaxMs: 200,
      timeoutMs: 2000,
      urlPolicy: webhookUrlPolicyFrom(api.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS),
      secretBox: secretBoxFrom(api.config.SECRETS_KEY),
    },
    pino({ level: 'silent' }),
  );
});

afterAll(async () => {
  await worker.close();
  workerConnection.disconnect();
});

async function until<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook signatures', () => {
  it('verifies a signature over timestamp and body, and refuses a changed body or an old timestamp', () => {
    const now = 1_700_000_000;
    const signature = signWebhook('whsec_test', now, '{"a":1}');
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhook('whsec_test', { signature, timestamp: String(now) }, '{"a":1}', now)).toBe(true);
    expect(verifyWebhook('whsec_test', { signature, timestamp: String(now) }, '{"a":2}', now)).toBe(false);
    expect(verifyWebhook('whsec_other', { signature, timestamp: String(now) }, '{"a":1}', now)).toBe(false);
    expect(verifyWebhook('whsec_test', { signature, timestamp: String(now) }, '{"a":1}', now + 301)).toBe(
      false,
    );
  });

  it('backs off exponentially with jitter, capped', () => {
    const noJitter = () => 1;
    expect([1, 2, 3, 4, 10].map((n) => backoffDelayMs(n, 1000, 5000, noJitter))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
    expect(backoffDelayMs(3, 1000, 60_000, () => 0)).toBe(2000);
  });
});

describe('webhook delivery', () => {
  it('shows the secret once, signs a test ping, and reports what the receiver answered', async () => {
    const store = await api.newStore();
    let secret = '';
    const receiver = await startWebhookReceiver(() => secret);
    try {
      const set = await api.call('PUT', '/v1/webhook', { apiKey: store.apiKey, body: { url: receiver.url } });
      expect(set.status).toBe(200);
      expect(set.body.secret).toMatch(/^whsec_/);
      secret = set.body.secret;
      const again = await api.call('PUT', '/v1/webhook', {
        apiKey: store.apiKey,
        body: { url: receiver.url, events: ['order.created', 'order.canceled'] },
      });
      expect(again.body).toEqual({ url: receiver.url, events: ['order.created', 'order.canceled'] });
      const read = await api.call('GET', '/v1/webhook', { apiKey: store.apiKey });
      expect(read.body).not.toHaveProperty('secret');

      const ping = await api.call('POST', '/v1/webhook/test', { apiKey: store.apiKey });
      expect(ping.body).toMatchObject({ delivered: true, status_code: 200 });
      expect(receiver.processed).toEqual([expect.objectContaining({ type: 'ping', signatureValid: true })]);

      receiver.setDown(true);
      const failed = await api.call('POST', '/v1/webhook/test', { apiKey: store.apiKey });
      expect(failed.body).toMatchObject({ delivered: false, status_code: 503, error: 'HTTP 503' });
    } finally {
      await receiver.close();
    }
  });

  it('delivers every event of an order, retrying through failures, each event processed once and in sequence', async () => {
    const store = await api.newStore();
    let secret = '';
    const receiver = await startWebhookReceiver(() => secret);
    try {
      secret = (await api.call('PUT', '/v1/webhook', { apiKey: store.apiKey, body: { url: receiver.url } }))
        .body.secret;
      receiver.failNext(3);
      const order = await api.call('POST', '/v1/orders', {
        apiKey: store.apiKey,
        body: orderBody(),
        headers: { 'idempotency-key': idempotencyKey() },
      });
      await api.call('POST', `/v1/orders/${order.body.id}/cancel`, { apiKey: store.apiKey, body: {} });
      await until(() => receiver.processed.length >= 2 || undefined);
      const forOrder = receiver.processed.filter((e) => e.order?.id === order.body.id);
      expect(forOrder.map((e) => [e.type, e.order?.seq])).toEqual(
        expect.arrayContaining([
          ['order.created', 1],
          ['order.canceled', 2],
        ]),
      );
      expect(forOrder.every((e) => e.signatureValid)).toBe(true);
      expect(receiver.deliveries()).toBeGreaterThanOrEqual(5);
      // The receiver has the events; the worker records the delivery right after its POST returns.
      const rows = await until(async () => {
        const r = await api.pool.query<{ status: string; attempts: number }>(
          'SELECT status, attempts FROM outbox WHERE order_id = $1 ORDER BY id',
          [order.body.id],
        );
        return r.rows.every((row) => row.status === 'delivered') ? r : undefined;
      });
      expect(rows.rows.reduce((n, r) => n + r.attempts, 0)).toBe(receiver.deliveries());

      // A job that runs again (a worker crash after the POST) does not deliver twice.
      const ids = await api.pool.query<{ id: string }>('SELECT id FROM outbox WHERE order_id = $1', [
        order.body.id,
      ]);
      for (const { id } of ids.rows)
        expect(await deliverOutboxRow(api.pool, id, { retryForMs: 60_000, timeoutMs: 1000 })).toBe(
          'done-before',
        );
      expect(receiver.processed.filter((e) => e.order?.id === order.body.id)).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it('dead-letters an event the receiver never accepts within the retry window and lists it for operators', async () => {
    const store = await api.newStore();
    const receiver = await startWebhookReceiver(() => 'unused');
    try {
      await api.call('PUT', '/v1/webhook', { apiKey: store.apiKey, body: { url: receiver.url } });
      receiver.setDown(true);
      const order = await api.call('POST', '/v1/orders', {
        apiKey: store.apiKey,
        body: orderBody(),
        headers: { 'idempotency-key': idempotencyKey() },
      });
      const row = await until(async () => {
        const r = await api.pool.query<{ id: string; attempts: number }>(
          'SELECT id, attempts FROM outbox WHERE order_id = $1',
          [order.body.id],
        );
        return r.rows[0] && r.rows[0].attempts >= 2 ? r.rows[0] : undefined;
      });
      // The event is older than the retry window: the next attempt gives up on it.
      await api.pool.query(`UPDATE outbox SET created_at = now() - interval '2 minutes' WHERE id = $1`, [
        row.id,
      ]);
      await until(async () => {
        const r = await api.pool.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1', [
          row.id,
        ]);
        return r.rows[0]?.status === 'dead' || undefined;
      });
    } finally {
      await receiver.close();
    }
  });

  it('fans orders created together out into one delivery per event, and skips the rows with nowhere to go', async () => {
    const [hooked, quiet] = [await api.newStore(), await api.newStore()];
    let secret = '';
    const receiver = await startWebhookReceiver(() => secret);
    try {
      secret = (await api.call('PUT', '/v1/webhook', { apiKey: hooked.apiKey, body: { url: receiver.url } }))
        .body.secret;
      // Concurrent creates share a commit and one after-commit flush, so one fan-out job.
      const created = await Promise.all(
        [hooked, quiet, hooked, quiet, hooked, quiet].map((store) =>
          api.call('POST', '/v1/orders', {
            apiKey: store.apiKey,
            body: orderBody(),
            headers: { 'idempotency-key': idempotencyKey() },
          }),
        ),
      );
      const ids = created.map((c) => c.body.id as string);
      const rows = await until(async () => {
        const r = await api.pool.query<{ order_id: string; status: string; attempts: number }>(
          'SELECT order_id, status, attempts FROM outbox WHERE order_id = ANY($1::uuid[])',
          [ids],
        );
        return r.rows.every((row) => row.status !== 'pending') ? r.rows : undefined;
      });
      const statusOf = new Map(rows.map((r) => [r.order_id, r.status]));
      expect(ids.map((id) => statusOf.get(id))).toEqual([
        'delivered',
        'skipped',
        'delivered',
        'skipped',
        'delivered',
        'skipped',
      ]);
      const received = receiver.processed.filter((e) => e.order && ids.includes(e.order.id));
      expect(received.map((e) => e.order?.id).sort()).toEqual([ids[0], ids[2], ids[4]].sort());
      expect(rows.filter((r) => r.status === 'delivered').every((r) => r.attempts === 1)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('skips events of stores without a webhook or not subscribed to the type', async () => {
    const store = await api.newStore();
    const order = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: orderBody(),
      headers: { 'idempotency-key': idempotencyKey() },
    });
    await until(async () => {
      const r = await api.pool.query<{ status: string }>('SELECT status FROM outbox WHERE order_id = $1', [
        order.body.id,
      ]);
      return r.rows[0]?.status === 'skipped' || undefined;
    });
  });
});
