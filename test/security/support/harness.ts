import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  assignJob,
  createPool,
  type LiveDeps,
  openJobOffer,
  type Pool,
  tryAcquireLease,
} from '@o2o/dispatcher';
import type { AccessClaims } from '@o2o/domain';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../../api/src/app.js';
import type { App } from '../../../api/src/app-types.js';
import { createOrderSecrets, type OrderSecrets } from '../../../api/src/auth/order-secrets.js';
import { createStore, ensureRegion } from '../../../api/src/cli/accounts.js';
import { type ApiConfig, loadApiConfig } from '../../../api/src/config.js';
import { attachGateway } from '../../../api/src/gateway/gateway.js';
import { apiLiveDeps } from '../../../api/src/live-deps.js';
import { redisOrderEffects } from '../../../api/src/reconcile/order-effects-redis.js';
import { createOutboxQueue } from '../../../api/src/webhooks/outbox-queue.js';
import { idempotencyKey, orderBody } from '../../../api/test/helper.js';
import { testRedisUrl } from '../../support/env.js';
import { httpCall } from '../../support/http-call.js';
import { createTestDatabase } from '../../support/postgres.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field and assert them.
export type Body = any;

export interface Reply {
  status: number;
  headers: Headers;
  body: Body;
  text: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** JSON-encoded unless `rawBody` is given. */
  body?: unknown;
  rawBody?: string | Uint8Array;
}

export interface SecurityApi {
  app: App;
  baseUrl: string;
  pool: Pool;
  redis: Redis;
  config: ApiConfig;
  secrets: OrderSecrets;
  live: LiveDeps;
  /** What the gateway reported as an unexpected failure (a handler that threw a non-4xx). */
  gatewayErrors: unknown[];
  call(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  /** One sum of row hashes per table: any insert, update or delete changes it. */
  fingerprint(): Promise<Record<string, string>>;
  store(name?: string): Promise<{ id: string; apiKey: string; auth: { authorization: string } }>;
  /** A courier account (no password: the JWT is signed here, as the login would). */
  courier(options?: { kind?: 'crowd' | 'in_house'; region?: string }): Promise<Actor>;
  operator(regions: string[]): Promise<Actor>;
  /** An order of the store, through the api; its tracking token and PIN. */
  order(store: { apiKey: string }, overrides?: Record<string, unknown>): Promise<CreatedOrder>;
  /** Assigns the order to an online courier, as the loop or an operator would. */
  assign(orderId: string, courier: Actor): Promise<void>;
  /** Opens an offer of the order to the courier, as the loop would. */
  offer(orderId: string, courier: Actor): Promise<string>;
  goOnline(courier: Actor, at?: { lat: number; lng: number }): Promise<void>;
}

export interface Actor {
  id: string;
  token: string;
  auth: { authorization: string };
}

export interface CreatedOrder {
  id: string;
  token: string;
  pin: string;
  trackingUrl: string;
}

export interface HarnessOptions {
  config?: Partial<ApiConfig>;
  /** fastify's logger (e.g. a pino instance writing to a buffer); silent by default. */
  loggerInstance?: FastifyBaseLogger;
  /** The gateway's connection-recovery window (and so how long its Redis stream keeps broadcasts). */
  recoveryWindowMs?: number;
}

/**
 * A listening api with its Socket.IO gateway on its own migrated database and Redis key prefix,
 * like api/test/helper.ts, plus what the security tests need: every table's fingerprint, actors
 * of every role, and the gateway's unexpected errors collected instead of dropped.
 */
export function useSecurityApi(options: HarnessOptions = {}): SecurityApi {
  const api = {} as SecurityApi;
  const closers: (() => Promise<unknown> | unknown)[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase();
    closers.push(db.drop);
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
        ...options.config,
      },
    );
    const pool = createPool(config.DATABASE_URL, 20);
    closers.unshift(() => pool.end());
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    const bullConnection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    const outboxQueue = createOutboxQueue(bullConnection, prefix);
    closers.unshift(async () => {
      await outboxQueue.obliterate({ force: true }).catch(() => undefined);
      await outboxQueue.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      bullConnection.disconnect();
    });
    const secrets = createOrderSecrets(config.TOKEN_SECRET);
    const live = apiLiveDeps(pool, redis, prefix);
    const app = await buildApp(
      { config, pool, redis, effects: redisOrderEffects(redis, prefix, outboxQueue), secrets, live },
      options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: false },
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    closers.unshift(() => app.close().catch(() => undefined));
    const subscriber = new Redis(config.REDIS_URL);
    const gatewayErrors: unknown[] = [];
    const gateway = await attachGateway(app.server, {
      live,
      secrets,
      subscriber,
      verifyToken: (token) => app.jwt.verify<AccessClaims>(token),
      log: { error: (obj) => gatewayErrors.push(obj), warn: () => undefined },
      linkTtlAfterEndMs: config.TRACKING_LINK_TTL_MS,
      maxSocketsPerAccount: config.MAX_SOCKETS_PER_ACCOUNT,
      maxSocketsPerTrackingLink: config.MAX_SOCKETS_PER_TRACKING_LINK,
      opsDeltaIntervalMs: 200,
      trackIntervalMs: 200,
      ...(options.recoveryWindowMs ? { recoveryWindowMs: options.recoveryWindowMs } : {}),
    });
    closers.unshift(async () => {
      await gateway.close();
      subscriber.disconnect();
    });
    const { port } = app.server.address() as AddressInfo;
    const tables = (
      await pool.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
      )
    ).rows.map((r) => r.table_name);
    const fingerprintSql = `SELECT ${tables
      .map((t) => `(SELECT count(*) || ':' || coalesce(sum(hashtext(x::text)), 0) FROM ${t} x) AS "${t}"`)
      .join(', ')}`;
    let lease: ReturnType<typeof tryAcquireLease> | undefined;

    const sign = (claims: AccessClaims) => app.jwt.sign(claims, { expiresIn: '1h' });
    Object.assign(api, {
      app,
      baseUrl: `http://127.0.0.1:${port}`,
      pool,
      redis,
      config,
      secrets,
      live,
      gatewayErrors,
      call(method, path, opts = {}) {
        return httpCall(api.baseUrl, method, path, opts);
      },
      async fingerprint() {
        const tables = (await pool.query<Record<string, string>>(fingerprintSql)).rows[0]!;
        // The live state in Redis too: every region-tagged key (courier index, dispatch queue,
        // offers, leases, PIN counters), serialised with DUMP. Rate-limit counters, BullMQ's
        // and Socket.IO's keys are not product state and are left out.
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [nextCursor, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*{*}*`, 'COUNT', 1000);
          cursor = nextCursor;
          keys.push(...found);
        } while (cursor !== '0');
        keys.sort();
        const dumps = keys.length > 0 ? await redis.pipeline(keys.map((k) => ['dumpBuffer', k])).exec() : [];
        const digest = createHash('sha256');
        keys.forEach((key, i) => {
          digest.update(key);
          const value = dumps?.[i]?.[1];
          if (Buffer.isBuffer(value)) digest.update(value);
        });
        return { ...tables, 'redis (region keys)': `${keys.length}:${digest.digest('hex')}` };
      },
      async store(name = 'Store') {
        const store = await createStore(pool, { name, region: 'city' });
        return { id: store.id, apiKey: store.api_key, auth: { authorization: `Bearer ${store.api_key}` } };
      },
      async courier(opts = {}) {
        const id = randomUUID();
        const region = opts.region ?? 'city';
        await ensureRegion(pool, region);
        await pool.query(
          `INSERT INTO couriers (id, name, email, password_hash, kind, vehicle, capacity, region_id)
           VALUES ($1, 'Rider', $2, 'none', $3, 'car', 4, $4)`,
          [id, `rider-${id}@example.com`, opts.kind ?? 'in_house', region],
        );
        const token = sign({ role: 'courier', sub: id, region, kind: opts.kind ?? 'in_house' });
        return { id, token, auth: { authorization: `Bearer ${token}` } };
      },
      async operator(regions) {
        const id = randomUUID();
        for (const r of regions) await ensureRegion(pool, r);
        await pool.query(
          `INSERT INTO operators (id, name, email, password_hash, regions) VALUES ($1, 'Op', $2, 'none', $3)`,
          [id, `op-${id}@example.com`, regions],
        );
        const token = sign({ role: 'operator', sub: id, regions });
        return { id, token, auth: { authorization: `Bearer ${token}` } };
      },
      async order(store, overrides = {}) {
        const res = await api.call('POST', '/v1/orders', {
          headers: { authorization: `Bearer ${store.apiKey}`, 'idempotency-key': idempotencyKey() },
          body: orderBody(overrides),
        });
        if (res.status !== 201) throw new Error(`order not created: ${res.status} ${res.text}`);
        const trackingUrl = res.body.tracking_url as string;
        return {
          id: res.body.id,
          pin: res.body.handoff_pin,
          trackingUrl,
          token: trackingUrl.split('/track/')[1]!,
        };
      },
      async goOnline(courier, at = { lat: 52.52, lng: 13.405 }) {
        const res = await api.call('POST', '/v1/courier/online', { headers: courier.auth, body: at });
        if (res.status !== 200) throw new Error(`courier not online: ${res.status} ${res.text}`);
      },
      async assign(orderId, courier) {
        await api.goOnline(courier);
        await assignJob(live, {
          region: 'city',
          orderIds: [orderId],
          courierId: courier.id,
          actor: 'operator',
        });
      },
      async offer(orderId, courier) {
        await api.goOnline(courier);
        // One lease for the whole file, taken once even when offers are opened concurrently.
        lease ??= redis
          .del(`${prefix}:{city}:lease`)
          .then(() => tryAcquireLease(redis, pool, prefix, 'city', 'security-test', 600_000));
        const held = await lease;
        if (!held) throw new Error('test could not take the region lease');
        const [opened] = await openJobOffer(live, held, {
          orderIds: [orderId],
          courierIds: [courier.id],
          payCents: 400,
          ttlSeconds: 600,
        });
        if (!opened) throw new Error('no offer opened');
        return opened.offerId;
      },
    } satisfies SecurityApi);
  });

  afterAll(async () => {
    for (const close of closers) await close();
  });

  return api;
}
