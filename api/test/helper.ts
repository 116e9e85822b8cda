import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  createPool,
  type LiveDeps,
  type OpenedOffer,
  openJobOffer,
  type Pool,
  tryAcquireLease,
} from '@o2o/dispatcher';
import type { AccessClaims } from '@o2o/domain';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { testRedisUrl } from '../../test/support/env.js';
import { httpCall } from '../../test/support/http-call.js';
import { createTestDatabase } from '../../test/support/postgres.js';
import { buildApp } from '../src/app.js';
import type { App } from '../src/app-types.js';
import { createOrderSecrets, type OrderSecrets } from '../src/auth/order-secrets.js';
import { createCourier, createStore } from '../src/cli/accounts.js';
import { type ApiConfig, loadApiConfig } from '../src/config.js';
import { attachGateway } from '../src/gateway/gateway.js';
import { apiLiveDeps } from '../src/live-deps.js';
import { redisOrderEffects } from '../src/reconcile/order-effects-redis.js';
import { createOutboxQueue } from '../src/webhooks/outbox-queue.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field and assert them.
type ResponseBody = any;

export interface TestApi {
  app: App;
  baseUrl: string;
  pool: Pool;
  redis: Redis;
  config: ApiConfig;
  secrets: OrderSecrets;
  outboxQueue: ReturnType<typeof createOutboxQueue>;
  live: LiveDeps;
  gateway: Awaited<ReturnType<typeof attachGateway>>;
  /** The client name of the gateway's subscriber connection (`CLIENT LIST` shows it). */
  subscriberName: string;
  newStore(name?: string): Promise<{ id: string; apiKey: string }>;
  /** A courier account, logged in: its id, JWT and ready-made Authorization header. */
  newCourier(
    kind?: 'crowd' | 'in_house',
  ): Promise<{ id: string; token: string; auth: { authorization: string } }>;
  /** Offers a job to couriers as the dispatch loop would (the loop is tested in the dispatcher). */
  offerJob(courierIds: string[], orderIds: string[], payCents?: number): Promise<OpenedOffer[]>;
  /** fetch against the listening server, JSON in and out. */
  call(
    method: string,
    path: string,
    options?: { apiKey?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; body: ResponseBody }>;
  /** Row counts of the tables a request may write, to prove a refused request wrote nothing. */
  rowCounts(): Promise<Record<string, number>>;
}

/**
 * A listening api on its own migrated database and its own Redis key prefix, closed and dropped
 * after the file. Real Postgres, real Redis, real BullMQ: nothing is mocked.
 */
export function useTestApi(overrides: Partial<ApiConfig> = {}): TestApi {
  const api = {} as TestApi;
  let dropDatabase: () => Promise<void> = async () => undefined;
  let bullConnection: Redis | undefined;
  let subscriber: Redis | undefined;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    const prefix = `t${randomBytes(5).toString('hex')}`;
    const config = loadApiConfig(
      {},
      {
        DATABASE_URL: db.url,
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        LOG_LEVEL: 'silent',
        // The tests' webhook receivers listen on this machine.
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8,::1/128',
        ...overrides,
      },
    );
    const pool = createPool(config.DATABASE_URL, 20);
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    bullConnection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    const outboxQueue = createOutboxQueue(bullConnection, prefix);
    const secrets = createOrderSecrets(config.TOKEN_SECRET);
    const live = apiLiveDeps(pool, redis, prefix);
    const app = await buildApp(
      {
        config,
        pool,
        redis,
        effects: redisOrderEffects(redis, prefix, outboxQueue),
        secrets,
        live,
      },
      { logger: false },
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    subscriber = new Redis(config.REDIS_URL, { connectionName: `${prefix}-gateway-subscriber` });
    const gateway = await attachGateway(app.server, {
      live,
      secrets,
      subscriber,
      verifyToken: (token) => app.jwt.verify<AccessClaims>(token),
      log: { error: () => undefined, warn: () => undefined },
      linkTtlAfterEndMs: config.TRACKING_LINK_TTL_MS,
      maxSocketsPerAccount: config.MAX_SOCKETS_PER_ACCOUNT,
      maxSocketsPerTrackingLink: config.MAX_SOCKETS_PER_TRACKING_LINK,
      opsDeltaIntervalMs: 200,
      trackIntervalMs: 200,
    });
    const { port } = app.server.address() as AddressInfo;
    Object.assign(api, {
      app,
      baseUrl: `http://127.0.0.1:${port}`,
      pool,
      redis,
      config,
      secrets,
      outboxQueue,
      live,
      gateway,
      subscriberName: `${prefix}-gateway-subscriber`,
      async newCourier(kind = 'crowd') {
        const email = `courier-${randomBytes(6).toString('hex')}@example.com`;
        const courier = await createCourier(pool, {
          name: 'Test courier',
          email,
          password: 'pw',
          kind,
          vehicle: 'bike',
          region: 'city',
        });
        const login = await api.call('POST', '/v1/auth/courier/login', { body: { email, password: 'pw' } });
        const token = login.body.token as string;
        return { id: courier.id, token, auth: { authorization: `Bearer ${token}` } };
      },
      async offerJob(courierIds, orderIds, payCents = 420) {
        await redis.del(`${prefix}:{city}:lease`);
        const lease = await tryAcquireLease(redis, pool, prefix, 'city', 'test', 60_000);
        if (!lease) throw new Error('test could not take the region lease');
        return openJobOffer(live, lease, { orderIds, courierIds, payCents, ttlSeconds: 60 });
      },
      async newStore(name = 'Test store') {
        const store = await createStore(pool, { name, region: 'city' });
        return { id: store.id, apiKey: store.api_key };
      },
      async call(method, path, options = {}) {
        const headers: Record<string, string> = { ...options.headers };
        if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
        const {
          status,
          headers: answered,
          body,
        } = await httpCall(api.baseUrl, method, path, {
          ...options,
          headers,
        });
        return { status, headers: answered, body };
      },
      async rowCounts() {
        const tables = ['orders', 'order_events', 'outbox', 'quotes'];
        const out: Record<string, number> = {};
        for (const t of tables) {
          out[t] = Number(
            (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]?.n ?? 0,
          );
        }
        return out;
      },
    } satisfies TestApi);
  });

  afterAll(async () => {
    await api.gateway?.close();
    subscriber?.disconnect();
    await api.app?.close().catch(() => undefined);
    await api.outboxQueue?.obliterate({ force: true }).catch(() => undefined);
    await api.outboxQueue?.close();
    if (api.redis) {
      const keys = await api.redis.keys(`${api.config.REDIS_PREFIX}*`);
      if (keys.length > 0) await api.redis.del(...keys);
      api.redis.disconnect();
    }
    bullConnection?.disconnect();
    await api.pool?.end();
    await dropDatabase();
  });

  return api;
}

export const CITY = { lat: 52.52, lng: 13.405 };

/** A valid order body; override any field. */
export function orderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    external_id: `ext-${randomBytes(6).toString('hex')}`,
    pickup: { lat: 52.52, lng: 13.405, address: 'Alexanderplatz 1' },
    dropoff: { lat: 52.53, lng: 13.42, address: 'Kastanienallee 12' },
    customer: { name: 'Ada', phone: '+49 30 1234567' },
    items: [{ name: 'Pizza', quantity: 2 }],
    ...overrides,
  };
}

export function idempotencyKey(): string {
  return `idem-${randomBytes(8).toString('hex')}`;
}
