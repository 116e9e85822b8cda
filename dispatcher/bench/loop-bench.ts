import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createStore } from '../../api/src/cli/accounts.js';
import { loadApiConfig } from '../../api/src/config.js';
import { migrate } from '../../api/src/db/migrate.js';
import { ensureDatabase } from '../../api/src/db/migrate-cli.js';
import type { LatLng } from '../../domain/src/geo/lat-lng.js';
import { regionConfigFrom } from '../../domain/src/regions.js';
import { seededRandom } from '../../domain/src/seeded-random.js';
import { type BenchSuite, benchResult } from '../../scripts/bench/report.js';
import { RedisCourierIndex } from '../src/index/redis-courier-index.js';
import type { CourierPing } from '../src/index/types.js';
import { loopKeys } from '../src/keys.js';
import { type CourierEvent, courierEventsChannel } from '../src/notify.js';

const REGION = 'city';
const CENTER: LatLng = { lat: 52.52, lng: 13.405 };
/** Couriers stand anywhere in a 15 km square around the center; stores within 12 km. */
const CITY_HALF_METERS = 7500;
const STORE_HALF_METERS = 6000;
const STORE_LOCATIONS = 50;
const DROPOFF_RADIUS_METERS = 3000;
const PING_INTERVAL_MS = 4000;
/** The region's batch window W, written to `regions.config`. */
const WINDOW_SECONDS = 2;
const WARMUP_SECONDS = 2;
/** How long after the last order the benchmark waits for offers still to come. */
const DRAIN_MS = WINDOW_SECONDS * 1000 + 8000;

interface Plan {
  seconds: number;
  ordersPerSecond: number;
  couriers: number;
}

interface Courier extends LatLng {
  id: string;
}

interface BenchEnv {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
}

/**
 * `npm run bench -- loop`: order accepted by the api → offer published to the courier, with the
 * api and the dispatcher as their own processes on the real Postgres and Redis, orders posted over
 * HTTP at a fixed rate while every courier pings every 4 s (straight into the index, in batches).
 * Latency is measured in this process: from just before the POST to the `offer` (or `job`) event
 * on the region's courier-events channel. A fresh database and Redis prefix, removed at the end.
 */
export const loopBench: BenchSuite = async function* ({ quick, log }) {
  const plan: Plan = quick
    ? { seconds: 5, ordersPerSecond: 50, couriers: 2_000 }
    : { seconds: 20, ordersPerSecond: 200, couriers: 10_000 };
  const base = loadApiConfig(process.env);
  const dbUrl = new URL(base.DATABASE_URL);
  dbUrl.pathname = `/o2o_loopbench_${randomBytes(4).toString('hex')}`;
  const env: BenchEnv = {
    databaseUrl: dbUrl.toString(),
    redisUrl: base.REDIS_URL,
    prefix: `loopbench${randomBytes(4).toString('hex')}`,
  };
  const random = seededRandom(42);
  const redis = new Redis(env.redisUrl, { enableAutoPipelining: true });
  const subscriber = new Redis(env.redisUrl);
  const children: ChildProcess[] = [];
  let pool: pg.Pool | undefined;
  let pings: Pings | undefined;
  try {
    log(`database ${dbUrl.pathname.slice(1)}, redis prefix ${env.prefix}`);
    await ensureDatabase(env.databaseUrl);
    pool = new pg.Pool({ connectionString: env.databaseUrl, max: 4 });
    const migrator = await pool.connect();
    await migrate(migrator).finally(() => migrator.release());
    // One store per pickup point: the matcher bundles by store and takes a store's orders to share
    // one pickup, so one store with many pickups would bundle orders kilometres apart.
    const stores = await seedStores(pool, random);
    await pool.query('UPDATE regions SET config = $1 WHERE id = $2', [
      JSON.stringify({ windowSeconds: WINDOW_SECONDS }),
      REGION,
    ]);
    const stored = await pool.query<{ config: unknown }>('SELECT config FROM regions WHERE id = $1', [
      REGION,
    ]);
    const region = regionConfigFrom(stored.rows[0]?.config);

    log(`seeding ${plan.couriers} crowd couriers (Postgres, then the index)`);
    const index = new RedisCourierIndex(redis, { prefix: `${env.prefix}:idx` });
    const couriers = await seedCouriers(pool, index, plan.couriers, random);

    pings = startPings(index, couriers, random);
    const api = await startApi(env);
    children.push(api.child);
    const metricsPort = await freePort();
    const dispatcher = spawnDispatcher(env, metricsPort);
    children.push(dispatcher);
    await waitForLease(redis, env.prefix, dispatcher);
    log(`api at ${api.apiUrl}, dispatcher holds '${REGION}' (W = ${region.windowSeconds} s)`);

    const offeredAt = new Map<string, number>();
    await subscriber.subscribe(courierEventsChannel(env.prefix, REGION));
    subscriber.on('message', (_channel: string, message: string) => {
      const at = performance.now();
      const event = parseEvent(message);
      if (!event || event.type === 'offer:revoked') return;
      for (const id of event.orderIds) if (!offeredAt.has(id)) offeredAt.set(id, at);
    });

    log(`warming up: pings for ${PING_INTERVAL_MS / 1000} s, then orders for ${WARMUP_SECONDS} s`);
    await sleep(PING_INTERVAL_MS);
    const orders = await postOrders(
      api.apiUrl,
      stores,
      plan,
      random,
      () => log(`orders at ${plan.ordersPerSecond}/s for ${plan.seconds} s`),
      pings,
    );
    const measured = orders.created.filter((o) => o.measured);
    log(
      `posted ${orders.created.length} orders (${measured.length} measured, ${orders.failed} failed); waiting for their offers`,
    );
    const drainUntil = performance.now() + DRAIN_MS;
    while (performance.now() < drainUntil && measured.some((o) => !offeredAt.has(o.id))) {
      assertRunning(children);
      await sleep(50);
    }
    assertRunning(children);
    const drainedAt = performance.now();
    await pings.stop();

    // An order never offered counts with the time it waited (a lower bound), so missing offers
    // raise the percentiles instead of dropping out of them.
    const latencies = measured.map((o) => (offeredAt.get(o.id) ?? drainedAt) - o.sentAt);
    const offered = measured.filter((o) => offeredAt.has(o.id)).length;
    if (offered < measured.length)
      log(`${measured.length - offered} orders got no offer within ${DRAIN_MS / 1000} s of the last order`);
    const apiLatencies = measured.map((o) => o.apiMs);
    log(await cycleSummary(metricsPort));
    log(
      `POST /v1/orders p50 ${percentile(apiLatencies, 0.5).toFixed(1)} ms, p99 ${percentile(apiLatencies, 0.99).toFixed(1)} ms; ` +
        `pings ${orders.pingsPerSecond.toFixed(0)}/s via RedisCourierIndex.ingestPings (not HTTP)`,
    );
    if (offered === 0) throw new Error('no offer arrived for any measured order');
    const goalMs = region.windowSeconds * 1000 + 250;
    yield benchResult(
      'loop.order_to_offer.p50',
      percentile(latencies, 0.5),
      'ms',
      'POST /v1/orders p50, same run',
      percentile(apiLatencies, 0.5),
    );
    yield benchResult(
      'loop.order_to_offer.p99',
      percentile(latencies, 0.99),
      'ms',
      `goal: W + 250 ms (W = ${region.windowSeconds} s)`,
      goalMs,
    );
    yield benchResult('loop.orders_offered', offered, 'orders', 'orders created', measured.length);
    yield benchResult(
      'loop.orders_per_second',
      orders.ordersPerSecond,
      'orders/s',
      'target rate',
      plan.ordersPerSecond,
    );
    yield benchResult(
      'loop.pings_per_second',
      orders.pingsPerSecond,
      'pings/s',
      `target: ${plan.couriers} couriers every ${PING_INTERVAL_MS / 1000} s`,
      plan.couriers / (PING_INTERVAL_MS / 1000),
    );
  } finally {
    await pings?.stop().catch(() => undefined);
    await Promise.all(children.map(stopChild));
    subscriber.disconnect();
    await deleteKeys(redis, env.prefix).catch((err: unknown) => log(`could not delete keys: ${String(err)}`));
    redis.disconnect();
    await pool?.end();
    await dropDatabase(env.databaseUrl).catch((err: unknown) =>
      log(`could not drop database: ${String(err)}`),
    );
  }
};

interface Store extends LatLng {
  apiKey: string;
}

/** STORE_LOCATIONS stores spread over the inner city, each with its API key. */
async function seedStores(pool: pg.Pool, random: () => number): Promise<Store[]> {
  const stores: Store[] = [];
  for (let i = 0; i < STORE_LOCATIONS; i++) {
    const at = offsetMeters(
      CENTER,
      (random() * 2 - 1) * STORE_HALF_METERS,
      (random() * 2 - 1) * STORE_HALF_METERS,
    );
    const store = await createStore(pool, { name: `Loop store ${i + 1}`, region: REGION, ...at });
    stores.push({ ...at, apiKey: store.api_key });
  }
  return stores;
}

/** Couriers in Postgres (one statement) and in the index (parallel batches), spread over the city. */
async function seedCouriers(
  pool: pg.Pool,
  index: RedisCourierIndex,
  count: number,
  random: () => number,
): Promise<Courier[]> {
  const couriers: Courier[] = Array.from({ length: count }, () => ({
    id: randomUUID(),
    ...offsetMeters(CENTER, (random() * 2 - 1) * CITY_HALF_METERS, (random() * 2 - 1) * CITY_HALF_METERS),
  }));
  await pool.query(
    `INSERT INTO couriers (id, name, email, password_hash, kind, vehicle, capacity, region_id)
     SELECT id, 'Loop courier ' || n, 'loop-courier-' || n || '@bench.invalid', 'not-a-hash', 'crowd', 'bike', 2, $2
       FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
    [couriers.map((c) => c.id), REGION],
  );
  const atMs = Date.now();
  for (let i = 0; i < couriers.length; i += 500) {
    await Promise.all(
      couriers.slice(i, i + 500).map((c) =>
        index.upsertCourier(REGION, {
          id: c.id,
          lat: c.lat,
          lng: c.lng,
          kind: 'crowd',
          vehicle: 'bike',
          capacity: 2,
          atMs,
        }),
      ),
    );
  }
  return couriers;
}

interface Pings {
  /** Pings sent since start. */
  sent(): number;
  stop(): Promise<void>;
}

/**
 * Every courier pings once per PING_INTERVAL_MS, spread evenly: every 50 ms the couriers that are
 * due move a few meters and go to the index in one `ingestPings` call.
 */
function startPings(index: RedisCourierIndex, couriers: Courier[], random: () => number): Pings {
  const perMs = couriers.length / PING_INTERVAL_MS;
  const started = performance.now();
  let sent = 0;
  let next = 0;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const due = Math.floor((performance.now() - started) * perMs) - sent;
      if (due > 0) {
        const batch: CourierPing[] = [];
        const atMs = Date.now();
        for (let i = 0; i < due; i++) {
          const c = couriers[next] as Courier;
          next = (next + 1) % couriers.length;
          Object.assign(c, offsetMeters(c, (random() * 2 - 1) * 5, (random() * 2 - 1) * 5));
          batch.push({ region: REGION, courierId: c.id, lat: c.lat, lng: c.lng, atMs });
        }
        const summary = await index.ingestPings(batch);
        if (summary.unknown > 0) throw new Error(`${summary.unknown} pings of unknown couriers`);
        sent += due;
      }
      await sleep(50);
    }
  };
  let failure: unknown;
  const done = loop().catch((err: unknown) => {
    failure = err;
  });
  return {
    sent: () => sent,
    stop: async () => {
      stopped = true;
      await done;
      if (failure) throw failure;
    },
  };
}

interface PostedOrder {
  id: string;
  /** performance.now() just before the request was sent. */
  sentAt: number;
  apiMs: number;
  /** Sent after the warm-up. */
  measured: boolean;
}

/**
 * POSTs orders at `plan.ordersPerSecond` (warm-up, then the measured seconds), each from a random
 * store to a drop-off within DROPOFF_RADIUS_METERS of it; requests are not awaited before the next
 * is due, so a slow answer does not slow the rate.
 */
async function postOrders(
  apiUrl: string,
  stores: readonly Store[],
  plan: Plan,
  random: () => number,
  onMeasureStart: () => void,
  pings: Pings,
) {
  const created: PostedOrder[] = [];
  const inFlight = new Set<Promise<void>>();
  let failed = 0;
  const post = async (measured: boolean) => {
    const store = stores[Math.floor(random() * stores.length)] as Store;
    const pickup = { lat: store.lat, lng: store.lng };
    const r = DROPOFF_RADIUS_METERS * Math.sqrt(random());
    const angle = random() * 2 * Math.PI;
    const dropoff = offsetMeters(store, r * Math.cos(angle), r * Math.sin(angle));
    const body = JSON.stringify({ external_id: randomUUID(), pickup, dropoff, customer: { name: 'Bench' } });
    const sentAt = performance.now();
    try {
      const res = await fetch(`${apiUrl}/v1/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${store.apiKey}`,
          'idempotency-key': randomUUID(),
        },
        body,
      });
      const answer = (await res.json()) as { id?: string };
      if (res.status !== 201 || !answer.id) throw new Error(`status ${res.status}`);
      created.push({ id: answer.id, sentAt, apiMs: performance.now() - sentAt, measured });
    } catch {
      failed++;
    }
  };

  const total = WARMUP_SECONDS + plan.seconds;
  const started = performance.now();
  let sent = 0;
  let measureStart = Number.POSITIVE_INFINITY;
  let pingsAtStart = 0;
  while (sent < total * plan.ordersPerSecond) {
    const elapsed = (performance.now() - started) / 1000;
    const due = Math.min(Math.floor(elapsed * plan.ordersPerSecond), total * plan.ordersPerSecond) - sent;
    for (let i = 0; i < due; i++) {
      const measured = sent >= WARMUP_SECONDS * plan.ordersPerSecond;
      if (measured && measureStart === Number.POSITIVE_INFINITY) {
        measureStart = performance.now();
        pingsAtStart = pings.sent();
        onMeasureStart();
      }
      const p = post(measured).finally(() => inFlight.delete(p));
      inFlight.add(p);
      sent++;
    }
    await sleep(5);
  }
  const measureSeconds = (performance.now() - measureStart) / 1000;
  const pingsSent = pings.sent() - pingsAtStart;
  await Promise.all(inFlight);
  const measuredCount = created.filter((o) => o.measured).length;
  return {
    created,
    failed,
    ordersPerSecond: measuredCount / measureSeconds,
    pingsPerSecond: pingsSent / measureSeconds,
  };
}

async function startApi(env: BenchEnv): Promise<{ apiUrl: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./loop-bench-server.ts', import.meta.url))],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        ...process.env,
        DATABASE_URL: env.databaseUrl,
        REDIS_URL: env.redisUrl,
        REDIS_PREFIX: env.prefix,
      },
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`loop bench api exited with ${code}`)));
  });
  return { apiUrl: (JSON.parse(first) as { apiUrl: string }).apiUrl, child };
}

function spawnDispatcher(env: BenchEnv, metricsPort: number): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../src/main.ts', import.meta.url))],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        DATABASE_URL: env.databaseUrl,
        REDIS_URL: env.redisUrl,
        REDIS_PREFIX: env.prefix,
        DISPATCHER_REGIONS: REGION,
        DISPATCHER_METRICS_PORT: String(metricsPort),
        LEASE_TTL_MS: '5000',
        LOG_LEVEL: process.env.LOOP_BENCH_LOG_LEVEL ?? 'warn',
      },
    },
  );
  // Its log lines go to our stderr: stdout carries the results.
  child.stdout?.pipe(process.stderr);
  return child;
}

async function waitForLease(redis: Redis, prefix: string, dispatcher: ChildProcess): Promise<void> {
  const key = loopKeys(prefix, REGION).lease;
  const deadline = performance.now() + 30_000;
  while ((await redis.exists(key)) === 0) {
    if (dispatcher.exitCode !== null) throw new Error(`dispatcher exited with ${dispatcher.exitCode}`);
    if (performance.now() > deadline) throw new Error('the dispatcher did not take the region within 30 s');
    await sleep(100);
  }
}

/** Cycles, their mean duration and batch size, from the dispatcher's /metrics. */
async function cycleSummary(metricsPort: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  // Sum over the series of a metric (label sets), from the text format.
  const value = (name: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const cycles = value('dispatch_cycle_duration_seconds_count');
  const meanMs = (value('dispatch_cycle_duration_seconds_sum') / cycles) * 1000;
  const meanOrders = value('dispatch_batch_orders_sum') / value('dispatch_batch_orders_count');
  const meanCouriers = value('dispatch_batch_couriers_sum') / value('dispatch_batch_couriers_count');
  const offers = value('dispatch_decisions_total');
  const errors = value('dispatch_cycle_errors_total');
  return (
    `dispatcher: ${cycles} cycles, mean ${meanMs.toFixed(0)} ms, mean batch ${meanOrders.toFixed(1)} orders × ` +
    `${meanCouriers.toFixed(0)} couriers, ${offers} jobs offered, ${errors} not committed`
  );
}

function assertRunning(children: readonly ChildProcess[]): void {
  const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
  if (dead)
    throw new Error(`${dead.spawnargs.at(-1)} exited (${dead.exitCode ?? dead.signalCode}) during the run`);
}

function parseEvent(message: string): CourierEvent | undefined {
  try {
    return JSON.parse(message) as CourierEvent;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL if the process has not exited within 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

async function dropDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  const name = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Nearest-rank percentile of unsorted values, q in [0, 1]. */
function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

/** A point moved east and north by the given meters (equirectangular: fine at city scale). */
function offsetMeters(from: LatLng, eastMeters: number, northMeters: number): LatLng {
  const metersPerDegree = 111_320;
  return {
    lat: from.lat + northMeters / metersPerDegree,
    lng: from.lng + eastMeters / (metersPerDegree * Math.cos((from.lat * Math.PI) / 180)),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
