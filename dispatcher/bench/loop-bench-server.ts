/**
 * The api under the loop benchmark, in a process of its own so the load generator does not share
 * its event loop. The benchmark has already created and migrated the database (DATABASE_URL) and
 * picked the Redis prefix (REDIS_PREFIX); this builds the app like `api/src/main.ts` without the
 * webhook worker and the reconciler, prints one JSON line `{"apiUrl": …}`, and serves until its
 * stdin closes or it gets SIGTERM. The benchmark removes the data.
 */
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { buildApp } from '../../api/src/app.js';
import { createOrderSecrets } from '../../api/src/auth/order-secrets.js';
import { loadApiConfig } from '../../api/src/config.js';
import { apiLiveDeps } from '../../api/src/live-deps.js';
import { redisOrderEffects } from '../../api/src/reconcile/order-effects-redis.js';
import { createOutboxQueue } from '../../api/src/webhooks/outbox-queue.js';
import { createPool } from '../src/pg/pool.js';

const config = loadApiConfig(process.env, { LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: 100_000_000 });
const pool = createPool(config.DATABASE_URL, 20);
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
const bull = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
const outboxQueue = createOutboxQueue(bull, config.REDIS_PREFIX);
const app = await buildApp(
  {
    config,
    pool,
    redis,
    effects: redisOrderEffects(redis, config.REDIS_PREFIX, outboxQueue),
    secrets: createOrderSecrets(config.TOKEN_SECRET),
    live: apiLiveDeps(pool, redis, config.REDIS_PREFIX),
  },
  { logger: false },
);
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as AddressInfo;
process.stdout.write(`${JSON.stringify({ apiUrl: `http://127.0.0.1:${port}` })}\n`);

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await app.close();
  await outboxQueue.close();
  redis.disconnect();
  bull.disconnect();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.stdin.on('end', () => void shutdown());
process.stdin.resume();
