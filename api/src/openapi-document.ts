import { createPool } from '@o2o/dispatcher';
import { Redis } from 'ioredis';
import { buildApp } from './app.js';
import { createOrderSecrets } from './auth/order-secrets.js';
import { loadApiConfig } from './config.js';
import { apiLiveDeps } from './live-deps.js';

/**
 * The OpenAPI document as the app generates it from its schemas, without touching any service:
 * the pool and Redis client are created but never connect.
 */
export async function generateOpenApiDocument(): Promise<unknown> {
  const config = loadApiConfig({}, { LOG_LEVEL: 'silent' });
  const pool = createPool(config.DATABASE_URL, 1);
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true });
  const app = await buildApp(
    {
      config,
      pool,
      redis,
      effects: { afterCommit: async () => undefined },
      secrets: createOrderSecrets(config.TOKEN_SECRET),
      live: apiLiveDeps(pool, redis, config.REDIS_PREFIX),
    },
    { logger: false },
  );
  await app.ready();
  const doc = app.swagger();
  await app.close();
  await pool.end();
  redis.disconnect();
  return doc;
}
