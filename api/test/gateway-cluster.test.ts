import type { AddressInfo } from 'node:net';
import { assignJob } from '@o2o/dispatcher';
import type { AccessClaims } from '@o2o/domain';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { App } from '../src/app-types.js';
import { createOperator } from '../src/cli/accounts.js';
import { attachGateway } from '../src/gateway/gateway.js';
import { idempotencyKey, orderBody, useTestApi } from './helper.js';
import { connected, next, useSocketClients } from './socket-clients.js';

// Two api processes on one Redis and one Postgres: `api` (A) and a second app (B) built from the
// same configuration, each with its own Socket.IO server and streams adapter.
const api = useTestApi();
let second: { app: App; url: string; close: () => Promise<void> };
const clients = useSocketClients();

beforeAll(async () => {
  const app = await buildApp(
    {
      config: api.config,
      pool: api.pool,
      redis: api.redis,
      effects: { afterCommit: async () => undefined },
      secrets: api.secrets,
      live: api.live,
    },
    { logger: false },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const subscriber = new Redis(api.config.REDIS_URL);
  const gateway = await attachGateway(app.server, {
    live: api.live,
    secrets: api.secrets,
    subscriber,
    verifyToken: (token) => app.jwt.verify<AccessClaims>(token),
    log: { error: () => undefined, warn: () => undefined },
    linkTtlAfterEndMs: api.config.TRACKING_LINK_TTL_MS,
    opsDeltaIntervalMs: 200,
    trackIntervalMs: 200,
  });
  second = {
    app,
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: async () => {
      await gateway.close();
      subscriber.disconnect();
      await app.close().catch(() => undefined);
    },
  };
});

afterAll(async () => second?.close());

const connect = (baseUrl: string, namespace: string, token: string, reconnection = false) =>
  clients.connect(baseUrl, namespace, token, reconnection);

async function onlineCourier(kind: 'crowd' | 'in_house' = 'crowd') {
  const c = await api.newCourier(kind);
  await api.call('POST', '/v1/courier/online', { headers: c.auth, body: { lat: 52.52, lng: 13.4 } });
  return c;
}

/** An order assigned to an in-house rider, and its customer's tracking socket on process B. */
async function assignedOrderWatchedOnB() {
  const store = await api.newStore();
  const order = (
    await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: orderBody(),
      headers: { 'idempotency-key': idempotencyKey() },
    })
  ).body as { id: string; tracking_url: string };
  const rider = await onlineCourier('in_house');
  await assignJob(api.live, { region: 'city', orderIds: [order.id], courierId: rider.id, actor: 'operator' });
  const viewer = connect(second.url, '/track', order.tracking_url.split('/track/')[1]!);
  await connected(viewer);
  return { order, rider, viewer };
}

describe('two api processes sharing rooms through the Redis streams adapter', () => {
  it("delivers a courier's position sent to process A to the customer watching on process B", async () => {
    const { rider, viewer } = await assignedOrderWatchedOnB();
    const courierSocket = connect(api.baseUrl, '/courier', rider.token);
    await connected(courierSocket);
    const seen = next<{ courier: { lat: number } | null }>(
      viewer,
      'status',
      (u) => u.courier?.lat === 52.5233,
    );
    await courierSocket.emitWithAck('location', { lat: 52.5233, lng: 13.4033 });
    expect((await seen).courier).toEqual({ lat: 52.5233, lng: 13.4033 });
  });

  it('pushes a status change made over HTTP on process A to the customer watching on process B', async () => {
    const { order, rider, viewer } = await assignedOrderWatchedOnB();
    const pickedUp = next<{ status: string }>(viewer, 'status', (u) => u.status === 'picked_up');
    const step = await api.call('POST', `/v1/courier/jobs/${order.id}/status`, {
      headers: rider.auth,
      body: { status: 'picked_up' },
    });
    expect(step.status).toBe(200);
    expect((await pickedUp).status).toBe('picked_up');
  });

  it('gives an operator on process B the deltas of couriers connected to process A', async () => {
    await createOperator(api.pool, {
      name: 'Cluster ops',
      email: 'cluster-ops@example.com',
      password: 'pw',
      regions: ['city'],
    });
    const login = await api.call('POST', '/v1/auth/operator/login', {
      body: { email: 'cluster-ops@example.com', password: 'pw' },
    });
    const ops = connect(second.url, '/ops', login.body.token);
    await connected(ops);
    const rider = await onlineCourier();
    const courierSocket = connect(api.baseUrl, '/courier', rider.token);
    await connected(courierSocket);
    const delta = next<{ couriers: { id: string }[] }>(ops, 'positions', (d) =>
      d.couriers.some((c) => c.id === rider.id),
    );
    await courierSocket.emitWithAck('location', { lat: 52.5244, lng: 13.4044 });
    expect((await delta).couriers.find((c) => c.id === rider.id)).toMatchObject({
      lat: 52.5244,
      lng: 13.4044,
    });
  });

  it('sends a courier the offer made while its connection was down, once it reconnects by itself', async () => {
    const rider = await onlineCourier();
    const socket = connect(api.baseUrl, '/courier', rider.token, true);
    await connected(socket);
    const reconnected = new Promise<void>((resolve) => socket.io.once('reconnect', () => resolve()));
    socket.io.engine.close(); // the network drops; the client reconnects by itself
    const store = await api.newStore();
    const order = (
      await api.call('POST', '/v1/orders', {
        apiKey: store.apiKey,
        body: orderBody(),
        headers: { 'idempotency-key': idempotencyKey() },
      })
    ).body;
    const offer = next<{ offer_id: string }>(socket, 'offer', () => true);
    const [opened] = await api.offerJob([rider.id], [order.id]);
    await reconnected;
    expect((await offer).offer_id).toBe(opened!.offerId);
  });

  it('recovers an operator’s session after a short drop, with the deltas broadcast meanwhile', async () => {
    await createOperator(api.pool, {
      name: 'Recovering ops',
      email: 'recover-ops@example.com',
      password: 'pw',
      regions: ['city'],
    });
    const login = await api.call('POST', '/v1/auth/operator/login', {
      body: { email: 'recover-ops@example.com', password: 'pw' },
    });
    const ops = connect(second.url, '/ops', login.body.token, true);
    await connected(ops);
    const rider = await onlineCourier();
    const courierSocket = connect(api.baseUrl, '/courier', rider.token);
    await connected(courierSocket);
    // A first delta gives the client its offset in the stream to recover from.
    await Promise.all([
      next<{ couriers: { id: string }[] }>(ops, 'positions', (d) =>
        d.couriers.some((c) => c.id === rider.id),
      ),
      courierSocket.emitWithAck('location', { lat: 52.5251, lng: 13.4051 }),
    ]);
    const reconnected = new Promise<void>((resolve) => ops.once('connect', () => resolve()));
    const missed = next<{ couriers: { id: string; lat: number }[] }>(ops, 'positions', (d) =>
      d.couriers.some((c) => c.id === rider.id && c.lat === 52.5262),
    );
    ops.io.engine.close(); // the network drops; the client reconnects by itself
    await courierSocket.emitWithAck('location', { lat: 52.5262, lng: 13.4062 });
    await reconnected;
    expect(ops.recovered).toBe(true);
    await missed;
  });
});
