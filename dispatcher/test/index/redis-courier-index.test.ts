import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { connectTestRedis } from '../../../test/support/redis.js';
import { RedisCourierIndex } from '../../src/index/redis-courier-index.js';
import { courierIndexContract } from './courier-index-contract.js';

let redis: Redis;
let prefix: string;
let cleanup: () => Promise<void>;
let indexes = 0;

beforeAll(async () => {
  ({ redis, prefix, cleanup } = await connectTestRedis());
});
afterAll(async () => {
  await cleanup();
});

courierIndexContract('redis', () => {
  let now = 0;
  // A prefix per index keeps the tests of this file apart; tiny batches exercise the batching.
  const index = new RedisCourierIndex(redis, {
    prefix: `${prefix}:${indexes++}`,
    clock: () => now,
    pingsPerCall: 2,
    callsPerPipeline: 2,
  });
  return { index, setNow: (ms) => (now = ms) };
});
