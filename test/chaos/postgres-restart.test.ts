import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../support/env.js';
import { seedCity } from './support/accounts.js';
import { CityTraffic } from './support/city-traffic.js';
import {
  checkOrders,
  describeCheck,
  describeMs,
  printFigure,
  progress,
  waitAllFinal,
} from './support/invariants.js';
import { sleep, until } from './support/ports.js';
import { type PrivatePostgres, startPrivatePostgres } from './support/private-postgres.js';
import { Prober } from './support/prober.js';
import { serviceGroup } from './support/services.js';

// Fault 3: Postgres, the source of truth, goes away during a city (a clean stop, and in the long
// run a crash-like immediate stop), then comes back. The cluster is this file's own.
const LONG = process.env.O2O_CHAOS === 'long';
const OUTAGES: { mode: 'fast' | 'immediate'; downMs: number }[] = LONG
  ? [
      { mode: 'fast', downMs: 4000 },
      { mode: 'immediate', downMs: 3000 },
      { mode: 'fast', downMs: 8000 },
    ]
  : [{ mode: 'immediate', downMs: 3000 }];
const TEST = 'postgres restart';
const prefix = `t${randomBytes(5).toString('hex')}`;

let postgres: PrivatePostgres;
let pool: pg.Pool;
let group: ReturnType<typeof serviceGroup>;
let traffic: CityTraffic | undefined;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
  pool.on('error', () => undefined);
  group = serviceGroup({
    databaseUrl: postgres.url,
    redisUrl: testRedisUrl(),
    redisPrefix: prefix,
    env: { LEASE_TTL_MS: '1000', RECONCILE_INTERVAL_MS: '1000' },
  });
});

afterAll(async () => {
  await traffic?.close();
  await group?.killAll();
  await pool?.end().catch(() => undefined);
  await postgres?.destroy();
  const redis = new Redis(testRedisUrl());
  const keys = await redis.keys(`*${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('Postgres restarting during a city', () => {
  it(
    'answers 503 with Retry-After while it is down, never 500, loses no acknowledged order and resumes by itself',
    async () => {
      const api = await group.start('api');
      const city = await seedCity(postgres.url, api.url, { stores: 3, crowd: 8, inHouse: 6 });
      const dispatcher = await group.start('dispatcher');
      traffic = new CityTraffic({ apiUrl: () => api.url, ...city, ordersPerSecond: 4, seed: 3 });
      await traffic.start();
      const store = city.stores[0]!;
      const auth = { authorization: `Bearer ${store.apiKey}` };
      const prober = new Prober(
        () => api.url,
        [
          { path: '/v1/orders?limit=5', headers: auth },
          { path: '/health/ready' },
          { path: `/v1/orders/00000000-0000-4000-8000-000000000000`, headers: auth },
        ],
      );
      prober.start();
      progress(TEST, 'traffic started');

      const resumeMs: number[] = [];
      for (const outage of OUTAGES) {
        await sleep(LONG ? 3000 : 2000);
        await postgres.stop(outage.mode);
        await sleep(outage.downMs);
        await postgres.start();
        const backAt = Date.now();
        // Resumed: the api is ready and an order created from now on gets assigned.
        await until(
          'an order created after the restart is assigned',
          async () => {
            const r = await pool.query(
              `SELECT 1 FROM order_events e JOIN orders o ON o.id = e.order_id
              WHERE e.type = 'order.assigned' AND o.created_at > to_timestamp($1 / 1000.0) LIMIT 1`,
              [backAt],
            );
            return r.rowCount === 1;
          },
          30_000,
          100,
        ).catch((err: unknown) => {
          // What the processes said last, for whoever reads a failure.
          for (const line of [...api.tail(10), ...dispatcher.tail(10)]) progress(TEST, line);
          throw err;
        });
        resumeMs.push(Date.now() - backAt);
        progress(
          TEST,
          `${outage.mode} stop for ${outage.downMs} ms: resumed ${resumeMs.at(-1)} ms after the restart`,
        );
      }
      await sleep(1000);
      await prober.stop();
      await traffic.stopOrders();
      progress(TEST, `courier ack errors: ${JSON.stringify(Object.fromEntries(traffic.courierAckErrors()))}`);
      const drainMs = await waitAllFinal(pool, 60_000);
      const check = await checkOrders(pool, traffic.acknowledged.keys());
      const totals = traffic.storeTotals();
      const unavailable = prober.count('503') + (totals.byStatus.get('503') ?? 0);
      printFigure(TEST, 'outages', OUTAGES.map((o) => `${o.mode} stop, ${o.downMs} ms down`).join('; '));
      printFigure(
        TEST,
        '503 answers while down',
        `${unavailable} (${totals.unavailableWithoutRetryAfter + prober.unavailableWithoutRetryAfter} without Retry-After)`,
      );
      printFigure(TEST, '500 answers', String(prober.count('500') + (totals.byStatus.get('500') ?? 0)));
      printFigure(TEST, 'resumed after the restart (→ a new order assigned)', describeMs(resumeMs));
      printFigure(TEST, 'orders', describeCheck(check));
      printFigure(TEST, 'drain after the last order', `${drainMs} ms`);
      printFigure(TEST, 'store answers', JSON.stringify(Object.fromEntries(totals.byStatus)));
      printFigure(TEST, 'probe answers', JSON.stringify(Object.fromEntries(prober.byStatus)));
      for (const line of api
        .errorLines()
        .filter((l) => l.raw.includes('request failed'))
        .slice(0, 3))
        progress(TEST, `api error: ${line.raw.slice(0, 1500)}`);

      // Both processes rode the outage out (before the fix of withTransaction the api could die).
      expect(api.alive() && dispatcher.alive()).toBe(true);
      expect(unavailable).toBeGreaterThan(0);
      expect(prober.count('500')).toBe(0);
      expect(totals.byStatus.get('500') ?? 0).toBe(0);
      expect(prober.unavailableWithoutRetryAfter + totals.unavailableWithoutRetryAfter).toBe(0);
      expect(totals.abandoned).toBe(0);
      expect(check.acknowledged).toBe(traffic.ordersSent);
      expect(check.lost).toEqual([]);
      expect(check.assignedTwice).toEqual([]);
      expect(check.notFinal).toEqual([]);
      expect(check.brokenSequence).toEqual([]);
    },
    LONG ? 600_000 : 150_000,
  );
});
