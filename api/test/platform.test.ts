import { describe, expect, it } from 'vitest';
import { createCourier, createOperator } from '../src/cli/accounts.js';
import { idempotencyKey, orderBody, useTestApi } from './helper.js';

const api = useTestApi({ RATE_LIMIT_PER_MINUTE: 30 });

describe('health, metrics and docs', () => {
  it('answers liveness and readiness with both dependencies up', async () => {
    expect((await api.call('GET', '/health/live')).status).toBe(200);
    const ready = await api.call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ postgres: 'ok', redis: 'ok' });
  });

  it('exposes Prometheus metrics including request durations', async () => {
    await api.call('GET', '/health/live');
    const res = await fetch(`${api.baseUrl}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{.*route="\/health\/live"/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('serves the OpenAPI document generated from the schemas, and Swagger UI', async () => {
    const doc = await api.call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/quotes',
        '/v1/orders',
        '/v1/orders/{id}',
        '/v1/orders/{id}/events',
        '/v1/orders/{id}/cancel',
      ]),
    );
    const create = doc.body.paths['/v1/orders'].post;
    expect(create.parameters).toContainEqual(
      expect.objectContaining({ name: 'idempotency-key', in: 'header', required: true }),
    );
    expect(create.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['external_id', 'pickup', 'dropoff', 'customer']),
    );
    const ui = await fetch(`${api.baseUrl}/docs/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});

describe('logins', () => {
  it('gives a courier a JWT and refuses a wrong password', async () => {
    await createCourier(api.pool, {
      name: 'Rita',
      email: 'Rita@Example.com',
      password: 'pedal-fast',
      kind: 'crowd',
      vehicle: 'bike',
      region: 'city',
    });
    const ok = await api.call('POST', '/v1/auth/courier/login', {
      body: { email: 'rita@example.com', password: 'pedal-fast' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.courier).toMatchObject({
      name: 'Rita',
      kind: 'crowd',
      vehicle: 'bike',
      capacity: 2,
      region: 'city',
    });
    const claims = api.app.jwt.verify<{ role: string; sub: string }>(ok.body.token);
    expect(claims).toMatchObject({ role: 'courier', sub: ok.body.courier.id });
    const wrong = await api.call('POST', '/v1/auth/courier/login', {
      body: { email: 'rita@example.com', password: 'nope' },
    });
    expect(wrong.status).toBe(401);
  });

  it("lets an operator list dead-lettered webhooks of their regions only, and refuses a courier's token", async () => {
    await createOperator(api.pool, {
      name: 'Olga',
      email: 'olga@example.com',
      password: 'watch-the-map',
      regions: ['city'],
    });
    await createOperator(api.pool, {
      name: 'Nils',
      email: 'nils@example.com',
      password: 'elsewhere',
      regions: ['north'],
    });
    const store = await api.newStore();
    const order = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: orderBody(),
      headers: { 'idempotency-key': idempotencyKey() },
    });
    await api.pool.query(
      `UPDATE outbox SET status = 'dead', attempts = 9, last_error = 'HTTP 500' WHERE order_id = $1`,
      [order.body.id],
    );
    const olga = await api.call('POST', '/v1/auth/operator/login', {
      body: { email: 'olga@example.com', password: 'watch-the-map' },
    });
    const list = await api.call('GET', '/v1/ops/webhooks/dead', {
      headers: { authorization: `Bearer ${olga.body.token}` },
    });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      expect.objectContaining({
        order_id: order.body.id,
        type: 'order.created',
        attempts: 9,
        last_error: 'HTTP 500',
      }),
    ]);
    const nils = await api.call('POST', '/v1/auth/operator/login', {
      body: { email: 'nils@example.com', password: 'elsewhere' },
    });
    const none = await api.call('GET', '/v1/ops/webhooks/dead', {
      headers: { authorization: `Bearer ${nils.body.token}` },
    });
    expect(none.body.data).toEqual([]);
    const courier = await api.call('POST', '/v1/auth/courier/login', {
      body: { email: 'rita@example.com', password: 'pedal-fast' },
    });
    const refused = await api.call('GET', '/v1/ops/webhooks/dead', {
      headers: { authorization: `Bearer ${courier.body.token}` },
    });
    expect(refused.status).toBe(403);
    expect((await api.call('GET', '/v1/ops/webhooks/dead')).status).toBe(401);
  });
});

describe('rate limit', () => {
  it('answers 429 problem+json with Retry-After once a key exceeds its limit, without affecting another key', async () => {
    const busy = await api.newStore('busy');
    const calm = await api.newStore('calm');
    const results = await Promise.all(
      Array.from({ length: 40 }, () => api.call('GET', '/v1/orders?limit=1', { apiKey: busy.apiKey })),
    );
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(limited[0]?.body.code).toBe('rate_limited');
    expect(limited[0]?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(limited[0]?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await api.call('GET', '/v1/orders?limit=1', { apiKey: calm.apiKey })).status).toBe(200);
  });
});
