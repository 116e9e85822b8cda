import { randomBytes } from 'node:crypto';
import { createDispatcherRedis } from '@o2o/dispatcher';
import { afterAll, describe, expect, it } from 'vitest';
import { runLoopScript } from '../../dispatcher/src/lua/scripts.js';
import { testRedisUrl } from '../support/env.js';

// Bugs the chaos tests found, each pinned by a small test of its own.
const prefix = `t${randomBytes(5).toString('hex')}`;
const redis = createDispatcherRedis(testRedisUrl());

afterAll(async () => {
  await redis.del(`${prefix}:lease`);
  redis.disconnect();
});

describe('the dispatcher’s auto-pipelined Redis connection', () => {
  it('runs a loop script for the first time in the same tick as another command without crashing', async () => {
    // Before the fix the script was defined on first use, after the GET had opened an
    // auto-pipeline: the call was rejected and the process died on an uncaught TypeError.
    const [value, renewed] = await Promise.all([
      redis.get(`${prefix}:lease`),
      runLoopScript(redis, 'renewLease', [`${prefix}:lease`], ['holder:1', 1000]),
    ]);
    expect(value).toBeNull();
    expect(renewed).toBe(0);
  });
});
