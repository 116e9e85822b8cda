import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../test/support/env.js';
import { createTestDatabase } from '../../test/support/postgres.js';
import { runCity } from '../src/city/city-run.js';
import { defaultCityOptions } from '../src/city/options.js';
import { CITY_RUN_FILE, CityRunRecordSchema } from '../src/run-record.js';

/**
 * The simulated city against the real system: the api and the dispatcher as the processes
 * `npm start` runs (their own `main.ts`), on this file's own database and Redis prefix.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FINAL = ['delivered', 'canceled', 'failed'];

interface System {
  apiUrl: string;
  metricsUrl: string;
  databaseUrl: string;
  prefix: string;
}

const system = {} as System;
const children: ChildProcess[] = [];
let dropDatabase: () => Promise<void> = async () => undefined;
let outDir = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function startProcess(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDatabase = db.drop;
  const [apiPort, metricsPort] = [await freePort(), await freePort()];
  Object.assign(system, {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    databaseUrl: db.url,
    prefix: `t${randomBytes(5).toString('hex')}`,
  } satisfies System);
  const shared = { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), REDIS_PREFIX: system.prefix };
  startProcess('api/src/main.ts', {
    ...shared,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    PUBLIC_BASE_URL: system.apiUrl,
  });
  startProcess('dispatcher/src/main.ts', {
    ...shared,
    DISPATCHER_REGIONS: 'city',
    DISPATCHER_HOST: '127.0.0.1',
    DISPATCHER_METRICS_PORT: String(metricsPort),
  });
  await until(async () => (await fetch(`${system.apiUrl}/health/ready`)).ok, 60_000, 'api');
  await until(
    async () => {
      const live = await fetch(`http://127.0.0.1:${metricsPort}/health/live`);
      return ((await live.json()) as { regions: string[] }).regions.includes('city');
    },
    60_000,
    'dispatcher',
  );
  outDir = mkdtempSync(path.join(tmpdir(), 'city-run-'));
}, 120_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  if (system.prefix) {
    const redis = new Redis(testRedisUrl());
    const keys = await redis.keys(`${system.prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  await dropDatabase();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('a short seeded city against the running api and dispatcher', () => {
  it('brings every order it placed to a final state, none assigned twice, and leaves a valid run.json', async () => {
    let log = '';
    const result = await runCity(
      {
        ...defaultCityOptions(system.databaseUrl),
        api: system.apiUrl,
        dispatcherMetrics: system.metricsUrl,
        seed: 11,
        stores: 6,
        couriers: 14,
        crowdShare: 0.5,
        acceptRate: 0.7,
        ordersPerHour: 50,
        timeScale: 90,
        durationMinutes: 15,
        // Stores are patient here: a loaded CI machine slows the dispatcher's wall-clock cycles.
        cancelAfterMinutes: 60,
        out: outDir,
      },
      { stderr: { write: (s: string) => (log += s) } },
    );
    process.stderr.write(`${log.split('\n').slice(-6).join('\n')}\n`);
    const { record } = result;
    expect(record.orders.length).toBeGreaterThanOrEqual(5);
    expect(result.unfinished).toBe(0);

    const db = new pg.Client({ connectionString: system.databaseUrl });
    await db.connect();
    try {
      const ids = record.orders.map((o) => o.id);
      // Postgres has exactly the orders the city placed, every one final, as run.json says.
      const rows = await db.query<{ id: string; status: string }>('SELECT id, status FROM orders');
      expect(rows.rows.map((r) => r.id).sort()).toEqual([...ids].sort());
      const recorded = new Map(record.orders.map((o) => [o.id, o.final_status]));
      for (const row of rows.rows) {
        expect(FINAL).toContain(row.status);
        expect(recorded.get(row.id)).toBe(row.status);
      }
      const twice = await db.query(
        `SELECT order_id FROM order_events WHERE type = 'order.assigned' GROUP BY order_id HAVING count(*) > 1`,
      );
      expect(twice.rows).toEqual([]);
      const delivered = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM order_events WHERE type = 'order.delivered' AND order_id = ANY($1)`,
        [ids],
      );
      expect(Number(delivered.rows[0]!.n)).toBe(
        record.orders.filter((o) => o.final_status === 'delivered').length,
      );
    } finally {
      await db.end();
    }

    // The riders did the work: most orders delivered, in order of their steps.
    const delivered = record.orders.filter((o) => o.final_status === 'delivered');
    expect(delivered.length).toBeGreaterThanOrEqual(record.orders.length * 0.5);
    for (const o of delivered) {
      expect(o.assigned_s).not.toBeNull();
      expect(o.picked_up_s!).toBeGreaterThanOrEqual(o.assigned_s!);
      expect(o.picked_up_s!).toBeGreaterThanOrEqual(o.ready_s - 1);
      expect(o.delivered_s!).toBeGreaterThan(o.picked_up_s!);
      expect(o.delivered_s! - o.placed_s).toBeGreaterThanOrEqual(o.lower_bound_s * 0.99);
    }
    const crowd = record.couriers.filter((c) => c.kind === 'crowd');
    const inHouse = record.couriers.filter((c) => c.kind === 'in_house');
    expect(crowd.reduce((n, c) => n + c.offers_received, 0)).toBeGreaterThan(0);
    expect(inHouse.reduce((n, c) => n + c.deliveries, 0)).toBeGreaterThan(0);
    expect(record.couriers.reduce((n, c) => n + c.deliveries, 0)).toBe(delivered.length);
    expect(record.samples.length).toBeGreaterThanOrEqual(20);
    expect(record.cycle_ms.count).toBeGreaterThan(0);

    // run.json on disk is the record, and it is what the report reads.
    const onDisk = JSON.parse(readFileSync(path.join(outDir, CITY_RUN_FILE), 'utf8'));
    expect(Value.Check(CityRunRecordSchema, onDisk)).toBe(true);
    expect(onDisk).toEqual(record);
  }, 150_000);
});
