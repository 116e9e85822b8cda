import { createPool } from '@o2o/dispatcher';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createOrderSecrets } from '../src/auth/order-secrets.js';
import { loadApiConfig } from '../src/config.js';
import { apiLiveDeps } from '../src/live-deps.js';

describe('readiness with dependencies down', () => {
  it('answers 503 problem+json with Retry-After when Postgres and Redis do not answer, and stays live', async () => {
    // Nothing listens on port 1: both clients fail to connect.
    const config = loadApiConfig(
      {},
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' },
    );
    const pool = createPool(config.DATABASE_URL, 1);
    const redis = new Redis(config.REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
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
    try {
      const ready = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(ready.headers['retry-after']).toBe('5');
      // 5xx bodies carry no internal detail; the log says which dependency is down.
      expect(ready.json()).toMatchObject({ code: 'dependency_unavailable', status: 503 });
      expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await pool.end();
      redis.disconnect();
    }
  });
});
