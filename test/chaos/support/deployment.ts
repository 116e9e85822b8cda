import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { testRedisUrl } from '../../support/env.js';
import { createTestDatabase } from '../../support/postgres.js';
import { type Deployment, serviceGroup } from './services.js';

/**
 * A deployment on the shared test Postgres (a database of this file's own) and the shared test
 * Redis (a random key prefix), for chaos tests that kill our processes but never the services.
 * `close()` kills every process, deletes the prefix's keys and drops the database.
 */
export async function sharedServicesDeployment(env: Record<string, string> = {}) {
  const db = await createTestDatabase();
  const deployment: Deployment = {
    databaseUrl: db.url,
    redisUrl: testRedisUrl(),
    redisPrefix: `t${randomBytes(5).toString('hex')}`,
    env,
  };
  const group = serviceGroup(deployment);
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  return {
    deployment,
    group,
    pool,
    async close() {
      await group.killAll();
      await pool.end();
      const redis = new Redis(deployment.redisUrl, { maxRetriesPerRequest: 2 });
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `*${deployment.redisPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
      await db.drop();
    },
  };
}
