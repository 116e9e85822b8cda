/**
 * The servers under test, in a process of their own so the load generator does not share its
 * event loop: a fastify hello-world (the baseline) and the full api on a fresh database. Prints
 * one JSON line with their URLs and a store's API key, then serves until killed.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createPool } from '@o2o/dispatcher';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { createOrderSecrets } from '../src/auth/order-secrets.js';
import { createStore } from '../src/cli/accounts.js';
import { loadApiConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { dropDatabase, ensureDatabase } from '../src/db/migrate-cli.js';
import { apiLiveDeps } from '../src/live-deps.js';
import { redisOrderEffects } from '../src/reconcile/order-effects-redis.js';
import { createOutboxQueue } from '../src/webhooks/outbox-queue.js';

const base = loadApiConfig(process.env);
const dbUrl = new URL(base.DATABASE_URL);
dbUrl.pathname = `/o2o_bench_${randomBytes(4).toString('hex')}`;
const prefix = `bench${randomBytes(4).toString('hex')}`;
const config = loadApiConfig(process.env, {
  DATABASE_URL: dbUrl.toString(),
  REDIS_PREFIX: prefix,
  LOG_LEVEL: 'silent',
  RATE_LIMIT_PER_MINUTE: 100_000_000,
});

await ensureDatabase(config.DATABASE_URL);
const client = new pg.Client({ connectionString: config.DATABASE_URL });
await client.connect();
await migrate(client);
await client.end();

const hello = Fastify({ logger: false });
hello.get('/hello', async () => ({ hello: 'world' }));
await hello.listen({ host: '127.0.0.1', port: 0 });

const pool = createPool(config.DATABASE_URL, 20);
const redis = new Redis(config.REDIS_URL);
const bull = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
const outboxQueue = createOutboxQueue(bull, prefix);
const app = await buildApp(
  {
    config,
    pool,
    redis,
    effects: redisOrderEffects(redis, prefix, outboxQueue),
    secrets: createOrderSecrets(config.TOKEN_SECRET),
    live: apiLiveDeps(pool, redis, prefix),
  },
  { logger: false },
);
await app.listen({ host: '127.0.0.1', port: 0 });
const store = await createStore(pool, { name: 'Bench store', region: 'city' });

const url = (server: { address(): unknown }) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
process.stdout.write(
  `${JSON.stringify({ helloUrl: url(hello.server), apiUrl: url(app.server), apiKey: store.api_key, database: dbUrl.pathname.slice(1) })}\n`,
);

const shutdown = async () => {
  await app.close();
  await hello.close();
  await outboxQueue.obliterate({ force: true }).catch(() => undefined);
  await outboxQueue.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  bull.disconnect();
  await pool.end();
  await dropDatabase(config.DATABASE_URL);
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.stdin.on('end', () => void shutdown());
process.stdin.resume();
