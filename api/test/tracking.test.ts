import { assignJob } from '@o2o/dispatcher';
import { describe, expect, it } from 'vitest';
import { createCourier } from '../src/cli/accounts.js';
import { idempotencyKey, orderBody, useTestApi } from './helper.js';

const api = useTestApi();
let n = 0;

async function newOrder() {
  const store = await api.newStore('Pizza Roma');
  const res = await api.call('POST', '/v1/orders', {
    apiKey: store.apiKey,
    body: orderBody(),
    headers: { 'idempotency-key': idempotencyKey() },
  });
  const body = res.body as { id: string; tracking_url: string; handoff_pin: string };
  return { ...body, token: body.tracking_url.split('/track/')[1]!, storeId: store.id };
}

/** An in-house courier takes the order and delivers it over the courier routes. */
async function deliver(order: { id: string; handoff_pin: string }) {
  const email = `track${++n}@example.com`;
  const courier = await createCourier(api.pool, {
    name: 'Tom',
    email,
    password: 'pw',
    kind: 'in_house',
    vehicle: 'bike',
    region: 'city',
  });
  const login = await api.call('POST', '/v1/auth/courier/login', { body: { email, password: 'pw' } });
  const headers = { authorization: `Bearer ${login.body.token}` };
  await api.call('POST', '/v1/courier/online', { headers, body: { lat: 52.52, lng: 13.4 } });
  await assignJob(api.live, {
    region: 'city',
    orderIds: [order.id],
    courierId: courier.id,
    actor: 'operator',
  });
  for (const status of ['at_pickup', 'picked_up', 'at_dropoff'])
    expect(
      (await api.call('POST', `/v1/courier/jobs/${order.id}/status`, { headers, body: { status } })).status,
    ).toBe(200);
  const done = await api.call('POST', `/v1/courier/jobs/${order.id}/status`, {
    headers,
    body: { status: 'delivered', pin: order.handoff_pin },
  });
  expect(done.status).toBe(200);
  return courier;
}

describe('GET /v1/track/:token', () => {
  it('shows the order’s status, store, drop-off and timeline, without a courier before assignment', async () => {
    const order = await newOrder();
    const res = await api.call('GET', `/v1/track/${order.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({
      order_id: order.id,
      status: 'created',
      version: 1,
      store: { name: 'Pizza Roma', lat: 52.52, lng: 13.405, address: 'Alexanderplatz 1' },
      dropoff: { lat: 52.53, lng: 13.42, address: 'Kastanienallee 12' },
      timeline: [{ status: 'created', at: expect.any(String) }],
      courier: null,
      eta_ms: null,
      rating: null,
      can_rate: false,
    });
  });

  it('reads a token that is not ours, or a malformed one, as not found', async () => {
    const order = await newOrder();
    expect((await api.call('GET', `/v1/track/${order.token.slice(0, -2)}AA`)).body).toMatchObject({
      status: 404,
      code: 'not_found',
    });
    expect((await api.call('GET', '/v1/track/not.a.token')).status).toBe(400);
  });

  it('stops answering once the order ended longer ago than the link lives', async () => {
    const order = await newOrder();
    await api.pool.query(
      `UPDATE orders SET status = 'canceled', updated_at = now() - interval '3 hours' WHERE id = $1`,
      [order.id],
    );
    const res = await api.call('GET', `/v1/track/${order.token}`);
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe('This tracking link has expired');
  });
});

describe('POST /v1/track/:token/rating', () => {
  it('refuses a rating before delivery', async () => {
    const order = await newOrder();
    const res = await api.call('POST', `/v1/track/${order.token}/rating`, { body: { stars: 5 } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('invalid_transition');
    expect((await api.pool.query('SELECT 1 FROM ratings')).rowCount).toBe(0);
  });

  it('takes one rating after delivery, records the courier and sends order.rated to the store’s webhook', async () => {
    const order = await newOrder();
    const courier = await deliver(order);
    const before = await api.call('GET', `/v1/track/${order.token}`);
    expect(before.body).toMatchObject({ status: 'delivered', courier: null, can_rate: true, rating: null });
    expect(before.body.timeline.map((e: { status: string }) => e.status)).toEqual([
      'created',
      'assigned',
      'at_pickup',
      'picked_up',
      'at_dropoff',
      'delivered',
    ]);

    const rated = await api.call('POST', `/v1/track/${order.token}/rating`, {
      body: { stars: 4, comment: '  Quick and polite  ' },
    });
    expect(rated.status).toBe(201);
    expect(rated.body).toEqual({ stars: 4, comment: 'Quick and polite', created_at: expect.any(String) });

    const again = await api.call('POST', `/v1/track/${order.token}/rating`, { body: { stars: 1 } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');

    const after = await api.call('GET', `/v1/track/${order.token}`);
    expect(after.body).toMatchObject({ can_rate: false, rating: { stars: 4, comment: 'Quick and polite' } });
    const row = await api.pool.query('SELECT courier_id, store_id, stars FROM ratings WHERE order_id = $1', [
      order.id,
    ]);
    expect(row.rows).toEqual([{ courier_id: courier.id, store_id: order.storeId, stars: 4 }]);
    const outbox = await api.pool.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM outbox WHERE order_id = $1 AND type = 'order.rated'`,
      [order.id],
    );
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0]!.payload).toMatchObject({
      type: 'order.rated',
      order: { id: order.id, status: 'delivered', courier_id: courier.id },
      data: { stars: 4, comment: 'Quick and polite' },
    });
  });

  it('validates the stars and the comment', async () => {
    const order = await newOrder();
    for (const body of [
      { stars: 0 },
      { stars: 6 },
      { stars: 3.5 },
      { stars: 5, comment: 'x'.repeat(501) },
      {},
    ]) {
      const res = await api.call('POST', `/v1/track/${order.token}/rating`, { body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
  });
});
