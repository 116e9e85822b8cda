import { describe, expect, it } from 'vitest';
import { createOperator } from '../src/cli/accounts.js';
import { idempotencyKey, orderBody, useTestApi } from './helper.js';

const api = useTestApi();
const courierLogin = (kind: 'crowd' | 'in_house' = 'crowd') => api.newCourier(kind);

async function newOrder(store: { apiKey: string }) {
  const res = await api.call('POST', '/v1/orders', {
    apiKey: store.apiKey,
    body: orderBody(),
    headers: { 'idempotency-key': idempotencyKey() },
  });
  return res.body as { id: string; handoff_pin: string };
}

const offerTo = (courierIds: string[], orderIds: string[]) => api.offerJob(courierIds, orderIds);

describe('courier job flow over HTTP', () => {
  it('goes online, reports positions, and goes offline', async () => {
    const rider = await courierLogin();
    const online = await api.call('POST', '/v1/courier/online', {
      headers: rider.auth,
      body: { lat: 52.52, lng: 13.4 },
    });
    expect(online.body).toEqual({ state: 'idle', load: 0, capacity: 2 });
    const pings = await api.call('POST', '/v1/courier/positions', {
      headers: rider.auth,
      // A position taken before going online is stale and ignored; the current one is applied.
      body: {
        positions: [
          { lat: 52.521, lng: 13.401, at: Date.now() - 60_000 },
          { lat: 52.522, lng: 13.402 },
        ],
      },
    });
    expect(pings.body).toEqual({ accepted: 1, stale: 1, go_online_again: false });
    const offline = await api.call('POST', '/v1/courier/offline', { headers: rider.auth });
    expect(offline.body.state).toBe('offline');
    const bad = await api.call('POST', '/v1/courier/positions', {
      headers: rider.auth,
      body: { positions: [{ lat: 95, lng: 0 }] },
    });
    expect(bad.status).toBe(400);
  });

  it('lists an offer, accepts it, walks the job to delivery with the PIN, and every step reaches the outbox', async () => {
    const store = await api.newStore();
    const rider = await courierLogin();
    await api.call('POST', '/v1/courier/online', { headers: rider.auth, body: { lat: 52.52, lng: 13.4 } });
    const order = await newOrder(store);
    const [offer] = await offerTo([rider.id], [order.id]);
    const offers = await api.call('GET', '/v1/courier/offers', { headers: rider.auth });
    expect(offers.body.data).toEqual([
      expect.objectContaining({
        offer_id: offer!.offerId,
        order_ids: [order.id],
        pay_cents: 420,
        pickup: expect.objectContaining({ lat: 52.52 }),
      }),
    ]);
    const accepted = await api.call('POST', `/v1/courier/offers/${offer!.offerId}/accept`, {
      headers: rider.auth,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.order_ids).toEqual([order.id]);
    const jobs = await api.call('GET', '/v1/courier/jobs', { headers: rider.auth });
    expect(jobs.body.data).toEqual([expect.objectContaining({ order_id: order.id, status: 'assigned' })]);

    // Steps out of order are refused by the state machine.
    const early = await api.call('POST', `/v1/courier/jobs/${order.id}/status`, {
      headers: rider.auth,
      body: { status: 'at_dropoff' },
    });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('invalid_transition');
    for (const status of ['at_pickup', 'picked_up', 'at_dropoff']) {
      const step = await api.call('POST', `/v1/courier/jobs/${order.id}/status`, {
        headers: rider.auth,
        body: { status },
      });
      expect(step.body).toEqual({ order_id: order.id, status });
    }
    const wrongPin = order.handoff_pin === '0000' ? '1111' : '0000';
    const refused = await api.call('POST', `/v1/courier/jobs/${order.id}/status`, {
      headers: rider.auth,
      body: { status: 'delivered', pin: wrongPin },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('wrong_pin');
    const counted = await api.pool.query('SELECT wrong_pin_count FROM couriers WHERE id = $1', [rider.id]);
    expect(counted.rows[0].wrong_pin_count).toBe(1);
    const delivered = await api.call('POST', `/v1/courier/jobs/${order.id}/status`, {
      headers: rider.auth,
      body: { status: 'delivered', pin: order.handoff_pin },
    });
    expect(delivered.body.status).toBe('delivered');

    const outbox = await api.pool.query<{ type: string; seq: number }>(
      `SELECT type, (payload->'order'->>'seq')::int AS seq FROM outbox WHERE order_id = $1 ORDER BY id`,
      [order.id],
    );
    expect(outbox.rows.map((r) => r.type)).toEqual([
      'order.created',
      'order.dispatching',
      'order.assigned',
      'order.at_pickup',
      'order.picked_up',
      'order.at_dropoff',
      'order.delivered',
    ]);
    expect(outbox.rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const status = await api.call('GET', `/v1/orders/${order.id}`, { apiKey: store.apiKey });
    expect(status.body).toMatchObject({ status: 'delivered', courier_id: rider.id });
  });

  it("refuses another courier's job steps and offers as not found", async () => {
    const store = await api.newStore();
    const [owner, other] = [await courierLogin(), await courierLogin()];
    const order = await newOrder(store);
    const [offer] = await offerTo([owner.id], [order.id]);
    expect(
      (await api.call('POST', `/v1/courier/offers/${offer!.offerId}/accept`, { headers: other.auth })).status,
    ).toBe(404);
    expect(
      (await api.call('POST', `/v1/courier/offers/${offer!.offerId}/decline`, { headers: other.auth }))
        .status,
    ).toBe(404);
    await api.call('POST', `/v1/courier/offers/${offer!.offerId}/accept`, { headers: owner.auth });
    const step = await api.call('POST', `/v1/courier/jobs/${order.id}/status`, {
      headers: other.auth,
      body: { status: 'at_pickup' },
    });
    expect(step.status).toBe(404);
    const pin = await api.call('POST', `/v1/courier/jobs/${order.id}/status`, {
      headers: other.auth,
      body: { status: 'delivered', pin: '1234' },
    });
    expect(pin.status).toBe(404);
    const store2 = await api.call('GET', '/v1/courier/jobs', {
      headers: { authorization: `Bearer ${store.apiKey}` },
    });
    expect(store2.status).toBe(401);
  });

  it('drops a job back to the queue, and declines an offer', async () => {
    const store = await api.newStore();
    const rider = await courierLogin();
    const [a, b] = [await newOrder(store), await newOrder(store)];
    const [offerA] = await offerTo([rider.id], [a.id]);
    await api.call('POST', `/v1/courier/offers/${offerA!.offerId}/accept`, { headers: rider.auth });
    const dropped = await api.call('POST', `/v1/courier/jobs/${a.id}/drop`, { headers: rider.auth });
    expect(dropped.body).toEqual({ order_id: a.id, status: 'dispatching' });
    const [offerB] = await offerTo([rider.id], [b.id]);
    const declined = await api.call('POST', `/v1/courier/offers/${offerB!.offerId}/decline`, {
      headers: rider.auth,
    });
    expect(declined.body).toEqual({ declined: true });
    const declines = await api.pool.query(
      'SELECT order_id, reason FROM order_declines WHERE courier_id = $1 ORDER BY reason',
      [rider.id],
    );
    expect(declines.rows).toEqual([
      { order_id: b.id, reason: 'declined' },
      { order_id: a.id, reason: 'dropped' },
    ]);
  });
});

describe('operators stepping in', () => {
  it('assigns, reassigns and cancels an order through the dispatcher’s path, within their regions only', async () => {
    await createOperator(api.pool, {
      name: 'Olga',
      email: 'olga-flow@example.com',
      password: 'pw',
      regions: ['city'],
    });
    await createOperator(api.pool, {
      name: 'Nils',
      email: 'nils-flow@example.com',
      password: 'pw',
      regions: ['north'],
    });
    const olga = {
      authorization: `Bearer ${(await api.call('POST', '/v1/auth/operator/login', { body: { email: 'olga-flow@example.com', password: 'pw' } })).body.token}`,
    };
    const nils = {
      authorization: `Bearer ${(await api.call('POST', '/v1/auth/operator/login', { body: { email: 'nils-flow@example.com', password: 'pw' } })).body.token}`,
    };
    const store = await api.newStore();
    const [first, second] = [await courierLogin('in_house'), await courierLogin('in_house')];
    const order = await newOrder(store);
    expect(
      (
        await api.call('POST', `/v1/ops/orders/${order.id}/assign`, {
          headers: nils,
          body: { courier_id: first.id },
        })
      ).status,
    ).toBe(404);
    const assigned = await api.call('POST', `/v1/ops/orders/${order.id}/assign`, {
      headers: olga,
      body: { courier_id: first.id },
    });
    expect(assigned.body).toEqual({ order_id: order.id, status: 'assigned', courier_id: first.id });
    const reassigned = await api.call('POST', `/v1/ops/orders/${order.id}/assign`, {
      headers: olga,
      body: { courier_id: second.id },
    });
    expect(reassigned.body.courier_id).toBe(second.id);
    expect((await api.call('GET', '/v1/courier/jobs', { headers: first.auth })).body.data).toEqual([]);
    const live = await api.pool.query(
      'SELECT courier_id FROM assignments WHERE order_id = $1 AND ended_at IS NULL',
      [order.id],
    );
    expect(live.rows).toEqual([{ courier_id: second.id }]);
    const canceled = await api.call('POST', `/v1/ops/orders/${order.id}/cancel`, { headers: olga });
    expect(canceled.body.status).toBe('canceled');
    expect((await api.call('GET', '/v1/ops/alerts', { headers: olga })).status).toBe(200);
    expect((await api.call('GET', '/v1/ops/alerts', { headers: first.auth })).status).toBe(403);
  });
});
