import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/postgres.js';
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
import { type PrivateRedis, startPrivateRedis } from './support/private-redis.js';
import { serviceGroup } from './support/services.js';

// Fault 2: Redis loses everything during a city, by FLUSHALL and by a real restart of a
// redis-server of this file's own (it keeps nothing on disk, like ours in production).
const LONG = process.env.O2O_CHAOS === 'long';
const FAULTS: ('flushall' | 'restart')[] = LONG
  ? ['flushall', 'restart', 'flushall', 'restart', 'flushall']
  : ['flushall', 'restart'];
const TEST = 'redis loses its data';

let redis: PrivateRedis;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let group: ReturnType<typeof serviceGroup>;
let traffic: CityTraffic | undefined;

beforeAll(async () => {
  redis = await startPrivateRedis();
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  group = serviceGroup({
    databaseUrl: db.url,
    redisUrl: redis.url,
    redisPrefix: `t${randomBytes(5).toString('hex')}`,
    env: { LEASE_TTL_MS: '1000', RECONCILE_INTERVAL_MS: '1000' },
  });
});

afterAll(async () => {
  await traffic?.close();
  await group?.killAll();
  await pool?.end();
  await redis?.stop();
  await db?.drop();
});

/** ms from `sinceMs` until an order created after it is assigned: dispatch works again. */
async function untilDispatchingAgain(sinceMs: number): Promise<number> {
  await until(
    'an order created after the fault is assigned',
    async () => {
      const r = await pool.query(
        `SELECT 1 FROM order_events e JOIN orders o ON o.id = e.order_id
          WHERE e.type = 'order.assigned' AND o.created_at > to_timestamp($1 / 1000.0) LIMIT 1`,
        [sinceMs],
      );
      return r.rowCount === 1;
    },
    30_000,
    100,
  );
  return Date.now() - sinceMs;
}

describe('Redis losing all its data during a city', () => {
  it(
    `rebuilds the queue, offers and courier index from Postgres and loses no order (${FAULTS.join(', ')})`,
    async () => {
      const api = await group.start('api');
      const city = await seedCity(db.url, api.url, { stores: 3, crowd: 10, inHouse: 6 });
      await group.start('dispatcher');
      traffic = new CityTraffic({ apiUrl: () => api.url, ...city, ordersPerSecond: 4, seed: 2 });
      await traffic.start();
      progress(TEST, 'traffic started');

      const recoveryMs: number[] = [];
      for (const fault of FAULTS) {
        await sleep(LONG ? 3000 : 2000);
        const faultAt = Date.now();
        if (fault === 'flushall') await redis.flushAll();
        else await redis.restart(1000);
        recoveryMs.push(await untilDispatchingAgain(faultAt));
        progress(TEST, `${fault}: dispatching again after ${recoveryMs.at(-1)} ms`);
      }
      await sleep(1000);
      await traffic.stopOrders();
      const drainMs = await waitAllFinal(pool, 60_000);
      const check = await checkOrders(pool, traffic.acknowledged.keys());
      const totals = traffic.storeTotals();
      printFigure(TEST, 'faults', FAULTS.join(', '));
      printFigure(TEST, 'recovery (fault → a new order assigned)', describeMs(recoveryMs));
      printFigure(TEST, 'orders', describeCheck(check));
      printFigure(TEST, 'drain after the last order', `${drainMs} ms`);
      printFigure(TEST, 'store answers', JSON.stringify(Object.fromEntries(totals.byStatus)));

      for (const line of api
        .errorLines()
        .filter((l) => l.raw.startsWith('{'))
        .slice(0, 3))
        progress(TEST, `api error: ${line.raw.slice(0, 1500)}`);
      expect(check.acknowledged).toBe(traffic.ordersSent);
      expect(check.lost).toEqual([]);
      expect(check.assignedTwice).toEqual([]);
      expect(check.notFinal).toEqual([]);
      expect(check.brokenSequence).toEqual([]);
      expect(totals.byStatus.get('500') ?? 0).toBe(0);
      expect(totals.unavailableWithoutRetryAfter).toBe(0);
    },
    LONG ? 600_000 : 150_000,
  );
});
