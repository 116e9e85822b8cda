import { queuedOrderIds } from '@o2o/dispatcher';
import { type CreateOrder, noSurcharge } from '@o2o/domain';
import { describe, expect, it } from 'vitest';
import { createOrderGroupCommit } from '../src/orders/order-group-commit.js';
import { type CreateOrderResult, prepareOrder } from '../src/orders/prepare-order.js';
import { idempotencyKey, orderBody, useTestApi } from './helper.js';

const api = useTestApi();

/** A long window so every order submitted in one tick lands in the same batch statement. */
const oneBatch = () => createOrderGroupCommit(api.pool, { windowMs: 50, maxBatch: 64 });

async function prepare(store: { id: string }, body: Record<string, unknown>, key = idempotencyKey()) {
  return prepareOrder({
    pool: api.pool,
    store: { id: store.id, regionId: 'city' },
    idempotencyKey: key,
    body: body as CreateOrder,
    trackingUrl: (id) => `${api.config.PUBLIC_BASE_URL}/track/${api.secrets.trackingToken(id)}`,
    handoffPin: api.secrets.handoffPin,
    surcharge: noSurcharge,
  });
}

/** Each outcome as 201 or the error's code, in submission order. */
async function outcomes(results: Promise<CreateOrderResult>[]): Promise<(number | string)[]> {
  const settled = await Promise.allSettled(results);
  return settled.map((s) =>
    s.status === 'fulfilled' ? s.value.statusCode : (s.reason as { code: string }).code,
  );
}

/** Distinct writing transactions of a store's orders: one per commit. */
async function commitsOf(storeId: string): Promise<number> {
  const rows = await api.pool.query<{ n: string }>(
    'SELECT count(DISTINCT xmin::text) AS n FROM orders WHERE store_id = $1',
    [storeId],
  );
  return Number(rows.rows[0]?.n);
}

describe('order group commit', () => {
  it('writes orders submitted together in one commit', async () => {
    const store = await api.newStore();
    const batch = oneBatch();
    const prepared = await Promise.all(Array.from({ length: 5 }, () => prepare(store, orderBody())));
    const results = await Promise.all(prepared.map((p) => batch.submit(p)));
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
    expect(results.every((r) => r.created?.outboxIds.length === 1)).toBe(true);
    expect(await commitsOf(store.id)).toBe(1);
  });

  it('refuses only the order whose external_id is taken and creates the rest of its batch', async () => {
    const store = await api.newStore();
    const batch = oneBatch();
    const taken = orderBody();
    await batch.submit(await prepare(store, taken));
    const bodies = [
      orderBody(),
      orderBody(),
      { ...orderBody(), external_id: taken.external_id },
      orderBody(),
    ];
    const prepared = await Promise.all(bodies.map((b) => prepare(store, b)));
    expect(await outcomes(prepared.map((p) => batch.submit(p)))).toEqual([
      201,
      201,
      'external_id_taken',
      201,
    ]);
    const rows = await api.pool.query('SELECT id FROM orders WHERE store_id = $1', [store.id]);
    expect(rows.rowCount).toBe(4);
    // The batch is not rolled back for the refused order: the first order's commit and the batch's.
    expect(await commitsOf(store.id)).toBe(2);
    const keys = await api.pool.query('SELECT idempotency_key FROM orders WHERE store_id = $1', [store.id]);
    expect(keys.rows.map((r) => r.idempotency_key)).not.toContain(prepared[2]!.ctx.idempotencyKey);
  });

  it('creates one of two orders with the same external_id under different keys in one batch', async () => {
    const store = await api.newStore();
    const batch = oneBatch();
    const body = orderBody();
    const prepared = await Promise.all([prepare(store, body), prepare(store, body)]);
    const results = await outcomes(prepared.map((p) => batch.submit(p)));
    expect(results.sort()).toEqual([201, 'external_id_taken']);
    const rows = await api.pool.query('SELECT id FROM orders WHERE store_id = $1', [store.id]);
    expect(rows.rowCount).toBe(1);
  });

  it('replays the same key and body in one batch, and refuses the same key with another body', async () => {
    const store = await api.newStore();
    const batch = oneBatch();
    const key = idempotencyKey();
    const body = orderBody();
    const prepared = await Promise.all([
      prepare(store, body, key),
      prepare(store, body, key),
      prepare(store, { ...body, notes: 'ring twice' }, key),
    ]);
    const submitted = prepared.map((p) => batch.submit(p));
    expect(await outcomes(submitted)).toEqual([201, 201, 'idempotency_key_reused']);
    const [first, again] = await Promise.all(submitted.slice(0, 2));
    expect(again?.body).toEqual(first?.body);
    expect(first?.created).toBeDefined();
    expect(again?.created).toBeUndefined();
    const rows = await api.pool.query('SELECT id FROM orders WHERE store_id = $1', [store.id]);
    expect(rows.rowCount).toBe(1);
  });

  it('answers a key stored earlier with the order it created and creates the rest of the batch', async () => {
    const store = await api.newStore();
    const batch = oneBatch();
    const key = idempotencyKey();
    const body = orderBody();
    const first = await batch.submit(await prepare(store, body, key));
    const retry = await Promise.all([prepare(store, body, key), prepare(store, orderBody())]);
    const [replayed, fresh] = await Promise.all(retry.map((p) => batch.submit(p)));
    expect(replayed?.body).toEqual(first.body);
    expect(replayed?.created).toBeUndefined();
    expect(fresh?.created).toBeDefined();
    const reused = await Promise.all([
      prepare(store, { ...body, notes: 'other' }, key),
      prepare(store, orderBody()),
    ]);
    expect(await outcomes(reused.map((p) => batch.submit(p)))).toEqual(['idempotency_key_reused', 201]);
    const rows = await api.pool.query('SELECT id FROM orders WHERE store_id = $1', [store.id]);
    expect(rows.rowCount).toBe(3);
  });
});

describe('POST /v1/orders under concurrency', () => {
  it('creates many concurrent distinct orders, each with its first event and outbox row, and queues them', async () => {
    const store = await api.newStore();
    const n = 150;
    const responses = await Promise.all(
      Array.from({ length: n }, () =>
        api.call('POST', '/v1/orders', {
          apiKey: store.apiKey,
          body: orderBody(),
          headers: { 'idempotency-key': idempotencyKey() },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(n).fill(201));
    const ids = responses.map((r) => r.body.id as string);
    expect(new Set(ids).size).toBe(n);
    const rows = await api.pool.query<{ id: string; events: string; outbox: string; seq: number[] }>(
      `SELECT o.id,
              (SELECT count(*) FROM order_events e WHERE e.order_id = o.id) AS events,
              (SELECT count(*) FROM outbox b WHERE b.order_id = o.id) AS outbox,
              (SELECT array_agg(e.seq) FROM order_events e WHERE e.order_id = o.id) AS seq
         FROM orders o WHERE o.store_id = $1`,
      [store.id],
    );
    expect(rows.rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    for (const row of rows.rows) {
      expect([Number(row.events), Number(row.outbox), row.seq]).toEqual([1, 1, [1]]);
    }
    const payloads = await api.pool.query<{ seq: number }>(
      `SELECT (payload->'order'->>'seq')::int AS seq FROM outbox WHERE store_id = $1`,
      [store.id],
    );
    expect(new Set(payloads.rows.map((r) => r.seq))).toEqual(new Set([1]));
    // Fewer commits than orders: concurrent creates shared statements.
    expect(await commitsOf(store.id)).toBeLessThan(n);
    const queued = await queuedOrderIds(api.redis, api.config.REDIS_PREFIX, 'city');
    expect(ids.every((id) => queued.includes(id))).toBe(true);
  });
});
