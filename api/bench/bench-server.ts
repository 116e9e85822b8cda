/**
 * The servers under test, in processes of their own so the load generator does not share their
 * event loop: a fastify hello-world (the baseline) and the full api on a fresh database. Prints
 * one JSON line with their URLs and a store's API key, then serves until killed.
 *
 * `BENCH_API_PROCESSES` (default 2, one per core of the 2-core machines we measure on): how many
 * processes serve both, as node:cluster workers sharing each port (the primary hands each new
 * connection to a worker in turn). Both sides get the same count, as a deployment runs several api
 * processes behind one port (docker-compose: two). With one, the single event loop of each side
 * is its limit (the api process at ~92 % of a core) while the other core idles.
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createPool } from '@o2o/dispatcher';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { createOrderSecrets } from '../src/auth/order-secrets.js';
import { createStore } from '../src/cli/accounts.js';
import { type ApiConfig, loadApiConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { dropDatabase, ensureDatabase } from '../src/db/migrate-cli.js';
import { apiLiveDeps } from '../src/live-deps.js';
import { redisOrderEffects } from '../src/reconcile/order-effects-redis.js';
import { createOutboxQueue } from '../src/webhooks/outbox-queue.js';

interface Ports {
  hello: number;
  api: number;
}

const DEFAULT_PROCESSES = 2;

/** Set by the primary for its workers. */
const SHARED_ENV = 'O2O_BENCH_SHARED';

if (cluster.isPrimary) await primary();
else await worker(JSON.parse(process.env[SHARED_ENV] ?? '{}') as { databaseUrl: string; prefix: string });

function benchConfig(databaseUrl: string, prefix: string): ApiConfig {
  return loadApiConfig(process.env, {
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: 100_000_000,
  });
}

async function primary(): Promise<void> {
  const processes = Math.max(1, Number(process.env.BENCH_API_PROCESSES ?? DEFAULT_PROCESSES));
  const base = loadApiConfig(process.env);
  const dbUrl = new URL(base.DATABASE_URL);
  dbUrl.pathname = `/o2o_bench_${randomBytes(4).toString('hex')}`;
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const config = benchConfig(dbUrl.toString(), prefix);

  await ensureDatabase(config.DATABASE_URL);
  const client = new pg.Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  await migrate(client);
  const store = await createStore(client, { name: 'Bench store', region: 'city' });
  await client.end();

  const workers = Array.from({ length: processes }, () =>
    cluster.fork({ [SHARED_ENV]: JSON.stringify({ databaseUrl: config.DATABASE_URL, prefix }) }),
  );
  const ports = await Promise.all(
    workers.map(
      (w) =>
        new Promise<Ports>((resolve, reject) => {
          w.once('message', (m: Ports) => resolve(m));
          w.once('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
        }),
    ),
  );
  const url = (port: number) => `http://127.0.0.1:${port}`;
  process.stdout.write(
    `${JSON.stringify({
      helloUrl: url(ports[0]!.hello),
      apiUrl: url(ports[0]!.api),
      apiKey: store.api_key,
      database: dbUrl.pathname.slice(1),
      apiPids: workers.map((w) => w.process.pid),
    })}\n`,
  );

  const shutdown = async () => {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) => {
            w.once('exit', resolve);
            w.send('shutdown');
          }),
      ),
    );
    const redis = new Redis(config.REDIS_URL);
    const bull = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    const outboxQueue = createOutboxQueue(bull, prefix);
    await outboxQueue.obliterate({ force: true }).catch(() => undefined);
    await outboxQueue.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    bull.disconnect();
    await dropDatabase(config.DATABASE_URL);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.stdin.on('end', () => void shutdown());
  process.stdin.resume();
}

async function worker(shared: { databaseUrl: string; prefix: string }): Promise<void> {
  const config = benchConfig(shared.databaseUrl, shared.prefix);
  const hello = Fastify({ logger: false });
  hello.get('/hello', async () => ({ hello: 'world' }));
  await hello.listen({ host: '127.0.0.1', port: 0 });

  const pool = createPool(config.DATABASE_URL, 20);
  const redis = new Redis(config.REDIS_URL);
  const bull = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const outboxQueue = createOutboxQueue(bull, shared.prefix);
  const app = await buildApp(
    {
      config,
      pool,
      redis,
      effects: redisOrderEffects(redis, shared.prefix, outboxQueue),
      secrets: createOrderSecrets(config.TOKEN_SECRET),
      live: apiLiveDeps(pool, redis, shared.prefix),
    },
    { logger: false },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (server: { address(): unknown }) => (server.address() as AddressInfo).port;
  process.send?.({ hello: port(hello.server), api: port(app.server) } satisfies Ports);
  process.on('message', async (m) => {
    if (m !== 'shutdown') return;
    await app.close();
    await hello.close();
    await outboxQueue.close();
    redis.disconnect();
    bull.disconnect();
    await pool.end();
    process.exit(0);
  });
}
