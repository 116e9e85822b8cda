import { assignJob } from '@o2o/dispatcher';
import { type TrackUpdate, TrackUpdateSchema } from '@o2o/domain';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { createOperator } from '../src/cli/accounts.js';
import { idempotencyKey, orderBody, useTestApi } from './helper.js';
import { connected, next, refused, useSocketClients } from './socket-clients.js';

const api = useTestApi();
const clients = useSocketClients();
const connect = (namespace: string, token?: string) => clients.connect(api.baseUrl, namespace, token);

async function courier(kind: 'crowd' | 'in_house' = 'crowd') {
  const c = await api.newCourier(kind);
  await api.call('POST', '/v1/courier/online', { headers: c.auth, body: { lat: 52.52, lng: 13.4 } });
  return c;
}

async function order() {
  const store = await api.newStore();
  const res = await api.call('POST', '/v1/orders', {
    apiKey: store.apiKey,
    body: orderBody(),
    headers: { 'idempotency-key': idempotencyKey() },
  });
  return res.body as { id: string; tracking_url: string; handoff_pin: string };
}

async function offer(courierId: string, orderId: string) {
  const [opened] = await api.offerJob([courierId], [orderId], 350);
  return opened!;
}

describe('/courier', () => {
  it('refuses a connection without a token, with a wrong one, or with another role’s', async () => {
    expect(await refused(connect('/courier'))).toBe('unauthorized');
    expect(await refused(connect('/courier', 'not-a-jwt'))).toBe('unauthorized');
    await createOperator(api.pool, {
      name: 'O',
      email: 'gw-op@example.com',
      password: 'pw',
      regions: ['city'],
    });
    const op = await api.call('POST', '/v1/auth/operator/login', {
      body: { email: 'gw-op@example.com', password: 'pw' },
    });
    expect(await refused(connect('/courier', op.body.token))).toBe('unauthorized');
  });

  it('acks bad payloads as errors and keeps the socket', async () => {
    const c = await courier();
    const socket = connect('/courier', c.token);
    await connected(socket);
    expect(await socket.emitWithAck('location', { lat: 200, lng: 13 })).toMatchObject({
      ok: false,
      code: 'validation_failed',
    });
    expect(await socket.emitWithAck('location', 'garbage')).toMatchObject({
      ok: false,
      code: 'validation_failed',
    });
    expect(await socket.emitWithAck('offer:accept', { offer_id: 'nope' })).toMatchObject({
      ok: false,
      code: 'validation_failed',
    });
    expect(
      await socket.emitWithAck('offer:accept', { offer_id: '00000000-0000-4000-8000-000000000000' }),
    ).toEqual({
      ok: false,
      code: 'not_found',
      detail: 'No such offer',
    });
    expect(await socket.emitWithAck('location', { lat: 52.5201, lng: 13.4001 })).toEqual({ ok: true });
    expect(socket.connected).toBe(true);
  });

  it('rate-limits a flood of events from one socket', async () => {
    const c = await courier();
    const socket = connect('/courier', c.token);
    await connected(socket);
    const acks = await Promise.all(
      Array.from({ length: 40 }, () => socket.emitWithAck('location', { lat: 52.52, lng: 13.4 })),
    );
    expect(acks.filter((a) => a.ok === false && a.code === 'rate_limited').length).toBeGreaterThan(10);
  });

  it('pushes a new offer live, takes the accept over the socket, and sends the open offer again after a reconnect', async () => {
    const c = await courier();
    const socket = connect('/courier', c.token);
    await connected(socket);
    const o = await order();
    const pushed = next<{ offer_id: string; pay_cents: number }>(socket, 'offer');
    const opened = await offer(c.id, o.id);
    expect(await pushed).toMatchObject({ offer_id: opened.offerId, pay_cents: 350 });

    socket.disconnect();
    const again = connect('/courier', c.token);
    const resent = next<{ offer_id: string }>(again, 'offer');
    await connected(again);
    expect((await resent).offer_id).toBe(opened.offerId);

    const ack = await again.emitWithAck('offer:accept', { offer_id: opened.offerId });
    expect(ack).toMatchObject({ ok: true, order_ids: [o.id] });
    const step = await again.emitWithAck('job:status', { order_id: o.id, status: 'at_pickup' });
    expect(step).toEqual({ ok: true, order_id: o.id, status: 'at_pickup' });

    // A fresh connection now gets the job in progress.
    const third = connect('/courier', c.token);
    const job = next<{ orders: { order_id: string; status: string }[] }>(third, 'job');
    await connected(third);
    expect((await job).orders).toEqual([expect.objectContaining({ order_id: o.id, status: 'at_pickup' })]);
  });
});

describe('/courier after the gateway lost its Redis subscription', () => {
  it('sends each connected courier its jobs again once subscribed again, so a job published in the gap still arrives', async () => {
    const c = await courier('in_house');
    const socket = connect('/courier', c.token);
    await connected(socket);
    const o = await order();
    // The job's event goes where no api listens (another key prefix), as one published while
    // the gateway's subscriber is reconnecting is lost: Postgres has the job, the courier nothing.
    const elsewhere = `${api.live.prefix}-elsewhere`;
    await assignJob(
      { ...api.live, prefix: elsewhere },
      { region: 'city', orderIds: [o.id], courierId: c.id, actor: 'operator' },
    );
    const job = next<{ orders: { order_id: string; status: string }[] }>(socket, 'job');
    // Drop the subscriber's connection (only that client, not the server): ioredis reconnects.
    const clients = String(await api.redis.client('LIST'));
    const line = clients.split('\n').find((l) => l.includes(`name=${api.subscriberName} `));
    expect(line).toBeDefined();
    await api.redis.client('KILL', 'ID', /\bid=(\d+)/.exec(line!)![1]!);
    expect((await job).orders).toEqual([expect.objectContaining({ order_id: o.id, status: 'assigned' })]);
    const leftovers = await api.redis.keys(`${elsewhere}:*`);
    if (leftovers.length > 0) await api.redis.del(...leftovers);
  });
});

describe('/track', () => {
  it('shows the customer only their order, the courier only between assignment and delivery', async () => {
    const o = await order();
    const token = o.tracking_url.split('/track/')[1]!;
    expect(await refused(connect('/track', `${token.slice(0, -2)}AA`))).toBe('unauthorized');

    const viewer = connect('/track', token);
    const first = next<TrackUpdate>(viewer, 'status');
    await connected(viewer);
    expect(await first).toMatchObject({ order_id: o.id, status: 'created', version: 1, courier: null });
    expect(Value.Check(TrackUpdateSchema, await first)).toBe(true);
    expect(await viewer.emitWithAck('join', { order_id: '00000000-0000-4000-8000-000000000000' })).toEqual({
      ok: false,
      code: 'forbidden',
    });

    const c = await courier('in_house');
    await assignJob(api.live, { region: 'city', orderIds: [o.id], courierId: c.id, actor: 'operator' });
    const rider = connect('/courier', c.token);
    await connected(rider);
    const moving = next<TrackUpdate>(viewer, 'status', (u) => u.courier?.lat === 52.5211);
    await rider.emitWithAck('location', { lat: 52.5211, lng: 13.4011 });
    const seen = await moving;
    expect(seen).toMatchObject({ status: 'assigned', courier: { lat: 52.5211, lng: 13.4011 } });
    expect(seen.eta_ms).toBeGreaterThan(Date.now());
    expect(Value.Check(TrackUpdateSchema, seen)).toBe(true);

    const pickedUp = next<TrackUpdate>(viewer, 'status', (u) => u.status === 'picked_up');
    await rider.emitWithAck('job:status', { order_id: o.id, status: 'picked_up' });
    // A step pushes the new status to the customer at once, not at the next position; its version
    // is higher than any earlier update's, so a view can drop one that arrives late.
    expect((await pickedUp).status).toBe('picked_up');
    expect((await pickedUp).version).toBeGreaterThan(seen.version);
    await rider.emitWithAck('job:status', { order_id: o.id, status: 'delivered', pin: o.handoff_pin });
    const after = connect('/track', token);
    const final = next<{ status: string; courier: unknown }>(after, 'status');
    await connected(after);
    expect(await final).toMatchObject({ status: 'delivered', courier: null });
  });

  it('refuses a link once its order ended longer ago than the link lives', async () => {
    const o = await order();
    await api.pool.query(
      `UPDATE orders SET status = 'canceled', updated_at = now() - interval '3 hours' WHERE id = $1`,
      [o.id],
    );
    expect(await refused(connect('/track', o.tracking_url.split('/track/')[1]!))).toBe('link_expired');
  });
});

describe('/ops', () => {
  it('sends operators batched position deltas of their regions, and refuses couriers', async () => {
    await createOperator(api.pool, {
      name: 'Ops',
      email: 'gw-ops2@example.com',
      password: 'pw',
      regions: ['city'],
    });
    const login = await api.call('POST', '/v1/auth/operator/login', {
      body: { email: 'gw-ops2@example.com', password: 'pw' },
    });
    const c = await courier();
    expect(await refused(connect('/ops', c.token))).toBe('unauthorized');
    const ops = connect('/ops', login.body.token);
    await connected(ops);
    const rider = connect('/courier', c.token);
    await connected(rider);
    const delta = next<{ region: string; couriers: { id: string; lat: number }[] }>(ops, 'positions', (d) =>
      d.couriers.some((x) => x.id === c.id),
    );
    await rider.emitWithAck('location', { lat: 52.523, lng: 13.403 });
    expect((await delta).couriers.find((x) => x.id === c.id)).toMatchObject({ lat: 52.523, lng: 13.403 });
    const bad = await ops.emitWithAck('assign', { order_id: 'x' });
    expect(bad).toMatchObject({ ok: false, code: 'validation_failed' });
  });
});
