import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { testRedisUrl } from './env.js';

/**
 * A connection to the shared test Redis plus a random key prefix for this test file.
 * `cleanup()` deletes every key under the prefix and closes the connection.
 */
export async function connectTestRedis(): Promise<{
  redis: Redis;
  prefix: string;
  cleanup: () => Promise<void>;
}> {
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 3 });
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const cleanup = async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  };
  return { redis, prefix, cleanup };
}
