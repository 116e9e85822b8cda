import { type LiveDeps, type Pool, RedisCourierIndex } from '@o2o/dispatcher';
import type { Redis } from 'ioredis';

/**
 * The dispatcher state the api acts on for couriers and operators: the same Redis courier index
 * (keys under `${prefix}:idx`) and offer keys the dispatcher process uses. Offer expiries are
 * scheduled by the dispatcher, so the api needs no expiry queue.
 */
export function apiLiveDeps(pool: Pool, redis: Redis, prefix: string): LiveDeps {
  return {
    pool,
    redis,
    prefix,
    index: new RedisCourierIndex(redis, { prefix: `${prefix}:idx` }),
    expiryQueue: null,
  };
}
