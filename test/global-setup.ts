/**
 * Runs once before the suite: checks that the shared Postgres and Redis answer, so a missing
 * service fails fast with a clear message instead of as timeouts in every file.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { testDatabaseUrl, testRedisUrl } from './support/env.js';
import { prepareTemplateDatabase } from './support/postgres.js';

export default async function setup(): Promise<() => Promise<void>> {
  const redis = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(
      `Redis is not reachable at ${testRedisUrl()}: start it (see README, "Running the tests")`,
      {
        cause: err,
      },
    );
  } finally {
    redis.disconnect();
  }
  const client = new pg.Client({ connectionString: testDatabaseUrl('postgres') });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`Postgres is not reachable at ${testDatabaseUrl('postgres')}: start it (see README)`, {
      cause: err,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
  // Dropped again when the run ends.
  return prepareTemplateDatabase();
}
