import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cityMapGeoJson, ProblemSchema } from '@o2o/domain';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { createCourier, createOperator } from '../src/cli/accounts.js';
import { registerProblemHandlers } from '../src/http/problem.js';
import { registerWebApps } from '../src/plugins/web-apps.js';
import { idempotencyKey, orderBody, useTestApi } from './helper.js';

const api = useTestApi();
let n = 0;

async function operator(regions = ['city']): Promise<string> {
  const email = `ops${++n}-${Date.now()}@example.com`;
  await createOperator(api.pool, { name: `Op ${n}`, email, password: 'pw', regions });
  const login = await api.call('POST', '/v1/auth/operator/login', { body: { email, password: 'pw' } });
  return login.body.token as string;
}

async function onlineCourier(kind: 'crowd' | 'in_house', at = { lat: 52.52, lng: 13.4 }) {
  const email = `wc${++n}-${Date.now()}@example.com`;
  const c = await createCourier(api.pool, {
    name: `Courier ${n}`,
    email,
    password: 'pw',
    kind,
    vehicle: 'bike',
    region: 'city',
  });
  const login = await api.call('POST', '/v1/auth/courier/login', { body: { email, password: 'pw' } });
  const token = login.body.token as string;
  await api.call('POST', '/v1/courier/online', { headers: { authorization: `Bearer ${token}` }, body: at });
  return { id: c.id, token };
}

async function createOrder(): Promise<string> {
  const store = await api.newStore('Web Apps Bakery');
  const res = await api.call('POST', '/v1/orders', {
    apiKey: store.apiKey,
    body: orderBody(),
    headers: { 'idempotency-key': idempotencyKey() },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('GET /v1/city/map', () => {
  it('serves the simulated city as cacheable GeoJSON without a token', async () => {
    const res = await api.call('GET', '/v1/city/map');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(res.body).toEqual(JSON.parse(JSON.stringify(cityMapGeoJson())));
    expect(res.body.service_area.geometry.type).toBe('Polygon');
    expect(res.body.streets.features.length).toBeGreaterThan(40);
  });

  it('builds the same city for the same seed and another one for another seed', () => {
    expect(cityMapGeoJson(7)).toEqual(cityMapGeoJson(7));
    expect(cityMapGeoJson(7)).not.toEqual(cityMapGeoJson(8));
    const [west, south, east, north] = cityMapGeoJson(7).bbox;
    // About 12 km a side around 52.52, 13.405.
    expect((north - south) * 111_320).toBeCloseTo(12_000, -2);
    expect(west).toBeLessThan(13.405);
    expect(east).toBeGreaterThan(13.405);
  });
});

describe('ops views', () => {
  it('refuses anyone but an operator, and regions that are not theirs', async () => {
    const none = await api.call('GET', '/v1/ops/couriers');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    const courier = await onlineCourier('crowd');
    expect((await api.call('GET', '/v1/ops/orders', bearer(courier.token))).status).toBe(403);
    const token = await operator();
    const other = await api.call('GET', '/v1/ops/heat?region=elsewhere', bearer(token));
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('forbidden');
    const bad = await api.call('GET', '/v1/ops/orders?status=lost', bearer(token));
    expect(bad.status).toBe(400);
  });

  it('lists couriers with kind, state and position from the live index', async () => {
    const token = await operator();
    const crowd = await onlineCourier('crowd', { lat: 52.521, lng: 13.401 });
    const inHouse = await onlineCourier('in_house', { lat: 52.53, lng: 13.42 });
    const res = await api.call('GET', '/v1/ops/couriers', bearer(token));
    expect(res.status).toBe(200);
    const byId = new Map(res.body.data.map((c: { id: string }) => [c.id, c]));
    expect(byId.get(crowd.id)).toMatchObject({
      kind: 'crowd',
      state: 'idle',
      lat: 52.521,
      lng: 13.401,
      region_id: 'city',
      capacity: expect.any(Number),
      name: expect.stringMatching(/^Courier /),
    });
    expect(byId.get(inHouse.id)).toMatchObject({ kind: 'in_house', state: 'idle' });
    const elsewhere = await operator(['north']);
    expect((await api.call('GET', '/v1/ops/couriers', bearer(elsewhere))).body.data).toEqual([]);
  });

  it("shows each courier's customer rating: the average and count of the last 30 days", async () => {
    const token = await operator();
    const courier = await onlineCourier('crowd', { lat: 52.522, lng: 13.402 });
    const store = await api.newStore();
    for (const stars of [5, 3]) {
      const order = await api.call('POST', '/v1/orders', {
        apiKey: store.apiKey,
        body: orderBody(),
        headers: { 'idempotency-key': idempotencyKey() },
      });
      await api.pool.query(`UPDATE orders SET status = 'delivered', courier_id = $2 WHERE id = $1`, [
        order.body.id,
        courier.id,
      ]);
      await api.pool.query(
        'INSERT INTO ratings (order_id, store_id, courier_id, stars) VALUES ($1, $2, $3, $4)',
        [order.body.id, store.id, courier.id, stars],
      );
    }
    const res = await api.call('GET', '/v1/ops/couriers', bearer(token));
    const rated = res.body.data.find((c: { id: string }) => c.id === courier.id);
    expect(rated).toMatchObject({ rating_avg: 4, rating_count: 2 });
  });

  it('lists waiting orders, then the assigned one after a manual assign, with KPIs and heat', async () => {
    const token = await operator();
    const courier = await onlineCourier('in_house');
    const orderId = await createOrder();

    const waiting = await api.call('GET', '/v1/ops/orders?status=waiting', bearer(token));
    expect(waiting.status).toBe(200);
    const listed = waiting.body.data.find((o: { id: string }) => o.id === orderId);
    expect(listed).toMatchObject({
      store_name: 'Web Apps Bakery',
      courier_id: null,
      late: false,
      pickup: { lat: 52.52, lng: 13.405, address: 'Alexanderplatz 1' },
    });
    expect(listed.wait_seconds).toBeGreaterThanOrEqual(0);
    expect((await api.call('GET', '/v1/ops/orders?status=late', bearer(token))).body.data).toEqual([]);

    const kpis = await api.call('GET', '/v1/ops/kpis', bearer(token));
    expect(kpis.status).toBe(200);
    expect(kpis.body.waiting_orders).toBeGreaterThanOrEqual(1);
    expect(kpis.body.oldest_wait_seconds).toBeGreaterThanOrEqual(0);

    const heat = await api.call('GET', '/v1/ops/heat', bearer(token));
    expect(heat.status).toBe(200);
    expect(heat.body.data.some((c: { idle_couriers: number }) => c.idle_couriers > 0)).toBe(true);

    const assigned = await api.call('POST', `/v1/ops/orders/${orderId}/assign`, {
      ...bearer(token),
      body: { courier_id: courier.id },
    });
    expect(assigned.status).toBe(200);
    const after = await api.call('GET', '/v1/ops/orders?status=assigned', bearer(token));
    expect(after.body.data.find((o: { id: string }) => o.id === orderId)).toMatchObject({
      status: 'assigned',
      courier_id: courier.id,
    });
    const kpisAfter = await api.call('GET', '/v1/ops/kpis', bearer(token));
    expect(kpisAfter.body.assigned_orders).toBeGreaterThanOrEqual(1);
    expect(kpisAfter.body.assign_time_seconds).toBeGreaterThanOrEqual(0);
  });
});

describe('serving the web apps', () => {
  const root = mkdtempSync(join(tmpdir(), 'o2o-web-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function webApp() {
    mkdirSync(join(root, 'ops-console/dist/assets'), { recursive: true });
    writeFileSync(join(root, 'ops-console/dist/index.html'), '<!doctype html><title>ops</title>');
    writeFileSync(join(root, 'ops-console/dist/assets/app-abc123.js'), 'console.log(1)');
    mkdirSync(join(root, 'tracking-page/dist'), { recursive: true });
    writeFileSync(join(root, 'tracking-page/dist/index.html'), '<!doctype html><title>track</title>');
    const app = Fastify();
    app.addSchema(ProblemSchema);
    registerProblemHandlers(app);
    // Only the static part is under test here: the api's own deps do for the rest.
    const deps = { pool: api.pool, redis: api.redis, live: api.live, config: api.config };
    await registerWebApps(app as never, deps as never, { root: `${root}/` });
    return app;
  }

  it('serves built apps under their base paths with cache headers', async () => {
    const app = await webApp();
    const page = await app.inject('/app/ops/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject('/app/ops/assets/app-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await app.inject('/app/ops')).statusCode).toBe(301);
    await app.close();
  });

  it('answers a tracking link with the tracking page', async () => {
    const app = await webApp();
    const res = await app.inject('/track/some-token');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>track</title>');
    expect(res.headers['cache-control']).toBe('no-store');
    await app.close();
  });

  it('answers 503 with how to build when an app has no dist', async () => {
    const app = await webApp();
    const res = await app.inject('/app/courier/');
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      status: 503,
      code: 'dependency_unavailable',
      detail: 'courier-app is not built: run `npm run build:web`',
    });
    await app.close();
  });
});
