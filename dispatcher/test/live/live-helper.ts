import { randomBytes, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { testRedisUrl } from '../../../test/support/env.js';
import { createTestDatabase } from '../../../test/support/postgres.js';
import { RedisCourierIndex } from '../../src/index/redis-courier-index.js';
import type { LiveDeps, OfferExpiryJob } from '../../src/live-deps.js';
import { createOfferExpiryQueue } from '../../src/offers/offer-expiry.js';
import { createPool } from '../../src/pg/pool.js';
import { enqueueOrders } from '../../src/queue/dispatch-queue.js';

export const REGION = 'city';
export const STORE_AT = { lat: 52.52, lng: 13.405 };

export interface LiveTestEnv {
  deps: LiveDeps;
  databaseUrl: string;
  expiryQueue: Queue<OfferExpiryJob>;
  bullConnection: Redis;
  storeId: string;
  newCourier(
    kind: 'in_house' | 'crowd',
    options?: { capacity?: number; at?: { lat: number; lng: number }; online?: boolean },
  ): Promise<string>;
  newOrder(options?: {
    at?: { lat: number; lng: number };
    readyInSeconds?: number;
    queue?: boolean;
  }): Promise<string>;
  orderRow(
    id: string,
  ): Promise<{ status: string; courier_id: string | null; version: number; priority: number }>;
}

/**
 * A migrated database of this file's own, a random Redis prefix on the shared test Redis, the real
 * courier index and a BullMQ queue for offer expiries. Fixtures are written with plain SQL.
 */
export function useLiveEnv(): LiveTestEnv {
  const env = {} as LiveTestEnv;
  let drop: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    const prefix = `t${randomBytes(5).toString('hex')}`;
    const pool = createPool(db.url, 30);
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 2, enableAutoPipelining: true });
    const bullConnection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    const expiryQueue = createOfferExpiryQueue(bullConnection, prefix);
    const index = new RedisCourierIndex(redis, { prefix: `${prefix}:idx` });
    const storeId = randomUUID();
    await pool.query(`INSERT INTO stores (id, name, region_id) VALUES ($1, 'Test store', $2)`, [
      storeId,
      REGION,
    ]);
    let n = 0;
    Object.assign(env, {
      deps: { pool, redis, prefix, index, expiryQueue },
      databaseUrl: db.url,
      expiryQueue,
      bullConnection,
      storeId,
      async newCourier(kind, options = {}) {
        const id = randomUUID();
        const capacity = options.capacity ?? 2;
        await pool.query(
          `INSERT INTO couriers (id, name, email, password_hash, kind, vehicle, capacity, region_id)
           VALUES ($1, $2, $3, 'x', $4, 'bike', $5, $6)`,
          [id, `Courier ${++n}`, `c${id}@test`, kind, capacity, REGION],
        );
        if (options.online !== false) {
          const at = options.at ?? { lat: STORE_AT.lat + 0.003, lng: STORE_AT.lng + 0.003 };
          await index.upsertCourier(REGION, { id, ...at, kind, vehicle: 'bike', capacity, atMs: Date.now() });
        }
        return id;
      },
      async newOrder(options = {}) {
        const id = randomUUID();
        const at = options.at ?? STORE_AT;
        const now = new Date();
        await pool.query(
          `INSERT INTO orders (id, store_id, region_id, external_id, status, pickup_lat, pickup_lng, dropoff_lat, dropoff_lng,
                               customer_name, vehicle, fee_cents, currency, ready_at, created_at, updated_at)
           VALUES ($1, $2, $3, $10, 'created', $4, $5, $6, $7, 'Ada', 'bike', 500, 'EUR', $8, $9, $9)`,
          [
            id,
            storeId,
            REGION,
            at.lat,
            at.lng,
            at.lat + 0.01,
            at.lng + 0.01,
            new Date(now.getTime() + (options.readyInSeconds ?? 0) * 1000),
            now,
            `ext-${id}`,
          ],
        );
        await pool.query(
          `INSERT INTO order_events (order_id, seq, type, to_status, actor) VALUES ($1, 1, 'order.created', 'created', 'store')`,
          [id],
        );
        if (options.queue !== false) {
          await enqueueOrders(redis, prefix, REGION, [
            { orderId: id, createdAtMs: now.getTime(), priority: 0 },
          ]);
        }
        return id;
      },
      async orderRow(id) {
        const r = await pool.query('SELECT status, courier_id, version, priority FROM orders WHERE id = $1', [
          id,
        ]);
        return r.rows[0];
      },
    } satisfies LiveTestEnv);
  });
  afterAll(async () => {
    await env.expiryQueue?.obliterate({ force: true }).catch(() => undefined);
    await env.expiryQueue?.close();
    env.bullConnection?.disconnect();
    if (env.deps) {
      const keys = await env.deps.redis.keys(`${env.deps.prefix}*`);
      if (keys.length > 0) await env.deps.redis.del(...keys);
      env.deps.redis.disconnect();
      await env.deps.pool.end();
    }
    await drop();
  });
  return env;
}
