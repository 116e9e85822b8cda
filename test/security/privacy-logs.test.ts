import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPool, type Pool } from '@o2o/dispatcher';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourier, createOperator, createStore } from '../../api/src/cli/accounts.js';
import { idempotencyKey, orderBody } from '../../api/test/helper.js';
import { testRedisUrl } from '../support/env.js';
import { createTestDatabase } from '../support/postgres.js';
import { type ApiProcess, startApiProcess } from './support/api-process.js';

/**
 * The real api process, logging at `trace` (its most talkative level) through the logger main.ts
 * builds, is driven through every flow that carries a secret: logins, an order with a phone
 * number, its PIN and tracking link, the tracking page and socket, job steps with a wrong and the
 * right PIN, webhooks. None of those strings may appear anywhere in what it logged.
 */
let api: ApiProcess;
let pool: Pool;
let dropDb: () => Promise<void>;
let receiver: Server;
const prefix = `t${randomBytes(5).toString('hex')}`;
const secrets: Record<string, string> = {};

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(`${api.baseUrl}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text; // the tracking page is HTML
  }
  // biome-ignore lint/suspicious/noExplicitAny: the test reads fields of the answers it asserts.
  return { status: res.status, body: parsed as any };
}

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  pool = createPool(db.url, 4);
  receiver = createServer((_req, res) => res.writeHead(500).end('nope'));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  api = await startApiProcess({
    DATABASE_URL: db.url,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'trace',
    JWT_SECRET: 'privacy-test-jwt-secret-0123456789',
    TOKEN_SECRET: 'privacy-test-token-secret-0123456789',
    WEBHOOK_BACKOFF_BASE_MS: '50',
  });
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await new Promise((r) => receiver?.close(r));
  await pool?.end();
  await dropDb?.();
});

describe('logs', () => {
  it('carry no PIN, tracking token, phone number, password, API key, JWT or webhook secret', async () => {
    const store = await createStore(pool, { name: 'Privacy Pizza', region: 'city' });
    const auth = { authorization: `Bearer ${store.api_key}` };
    secrets['API key'] = store.api_key;
    secrets['courier password'] = 'courier-secret-pw-4711';
    secrets['operator password'] = 'operator-secret-pw-0815';
    const courierEmail = `p-${randomBytes(4).toString('hex')}@example.com`;
    const courier = await createCourier(pool, {
      name: 'Rita',
      email: courierEmail,
      password: secrets['courier password']!,
      kind: 'in_house',
      vehicle: 'bike',
      region: 'city',
    });
    const operatorEmail = `op-${randomBytes(4).toString('hex')}@example.com`;
    await createOperator(pool, {
      name: 'Olga',
      email: operatorEmail,
      password: secrets['operator password']!,
      regions: ['city'],
    });

    const courierLogin = await call(
      'POST',
      '/v1/auth/courier/login',
      {},
      { email: courierEmail, password: secrets['courier password'] },
    );
    const operatorLogin = await call(
      'POST',
      '/v1/auth/operator/login',
      {},
      { email: operatorEmail, password: secrets['operator password'] },
    );
    expect(courierLogin.status).toBe(200);
    await call(
      'POST',
      '/v1/auth/courier/login',
      {},
      { email: courierEmail, password: 'wrong-guess-pw-1234' },
    );
    secrets['courier JWT'] = courierLogin.body.token;
    secrets['operator JWT'] = operatorLogin.body.token;
    const courierAuth = { authorization: `Bearer ${courierLogin.body.token}` };
    const operatorAuth = { authorization: `Bearer ${operatorLogin.body.token}` };

    const webhook = await call('PUT', '/v1/webhook', auth, {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    });
    secrets['webhook secret'] = webhook.body.secret;
    await call('POST', '/v1/webhook/test', auth);

    secrets.phone = '+49 30 98765432';
    const key = idempotencyKey();
    const body = orderBody({ customer: { name: 'Grace Hopper', phone: secrets.phone } });
    const created = await call('POST', '/v1/orders', { ...auth, 'idempotency-key': key }, body);
    expect(created.status).toBe(201);
    await call('POST', '/v1/orders', { ...auth, 'idempotency-key': key }, body);
    await call(
      'POST',
      '/v1/orders',
      { ...auth, 'idempotency-key': idempotencyKey() },
      { ...body, customer: { name: 'x', phone: `${secrets.phone} ext` } },
    );
    const order = created.body as { id: string; handoff_pin: string; tracking_url: string };
    secrets.PIN = order.handoff_pin;
    secrets['tracking token'] = order.tracking_url.split('/track/')[1]!;
    await call('GET', `/v1/orders/${order.id}`, auth);
    await call('GET', '/v1/orders?limit=5', auth);

    await call('GET', `/v1/track/${secrets['tracking token']}`);
    await call('GET', `/track/${secrets['tracking token']}`);
    await call('POST', `/v1/track/${secrets['tracking token']}/rating`, {}, { stars: 5 });
    const tracker = io(`${api.baseUrl}/track`, {
      auth: { token: secrets['tracking token'] },
      transports: ['websocket'],
      forceNew: true,
    });
    await new Promise((r) => tracker.once('status', r));

    await call('POST', '/v1/courier/online', courierAuth, { lat: 52.52, lng: 13.405 });
    expect(
      (await call('POST', `/v1/ops/orders/${order.id}/assign`, operatorAuth, { courier_id: courier.id }))
        .status,
    ).toBe(200);
    for (const status of ['at_pickup', 'picked_up', 'at_dropoff'])
      await call('POST', `/v1/courier/jobs/${order.id}/status`, courierAuth, { status });
    const wrongPin = secrets.PIN === '0000' ? '1111' : '0000';
    expect(
      (
        await call('POST', `/v1/courier/jobs/${order.id}/status`, courierAuth, {
          status: 'delivered',
          pin: wrongPin,
        })
      ).status,
    ).toBe(422);
    const rider = io(`${api.baseUrl}/courier`, {
      auth: { token: secrets['courier JWT'] },
      transports: ['websocket'],
      forceNew: true,
    });
    await new Promise<void>((r) => rider.once('connect', () => r()));
    const ack = await rider
      .timeout(5000)
      .emitWithAck('job:status', { order_id: order.id, status: 'delivered', pin: secrets.PIN });
    expect(ack).toMatchObject({ ok: true, status: 'delivered' });
    await call('POST', `/v1/track/${secrets['tracking token']}/rating`, {}, { stars: 4, comment: 'quick' });
    await call('GET', `/v1/track/${randomBytes(32).toString('base64url')}`);
    tracker.disconnect();
    rider.disconnect();
    // Let the webhook worker try (and fail against the receiver) a few times.
    await new Promise((r) => setTimeout(r, 1500));
    await api.stop();

    const log = api.output();
    // Positive controls: the log is there and does record these requests, just not their secrets.
    expect(log).toContain('"msg":"incoming request"');
    expect(log).toContain('/track/[token]');
    const found = Object.entries(secrets).filter(([name, value]) => {
      if (name === 'PIN') return new RegExp(`(?<![0-9A-Za-z.])${value}(?![0-9A-Za-z.])`).test(log);
      return log.includes(value) || (name === 'phone' && log.includes(value.replace(/\D/g, '')));
    });
    console.info(
      `[security] logs: ${log.split('\n').length} lines at trace level checked for ${Object.keys(secrets).length} secrets (${Object.keys(secrets).join(', ')}): ${found.length} found`,
    );
    if (process.env.O2O_SECURITY_LOG_FILE) writeFileSync(process.env.O2O_SECURITY_LOG_FILE, log);
    expect(found.map(([name]) => name)).toEqual([]);
  }, 60_000);
});
