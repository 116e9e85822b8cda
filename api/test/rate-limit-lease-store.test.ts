import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectTestRedis } from '../../test/support/redis.js';
import { rateLimitLeaseStore } from '../src/auth/rate-limit-lease-store.js';

let redis: Redis;
let prefix: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ redis, prefix, cleanup } = await connectTestRedis());
});
afterAll(() => cleanup());

const WINDOW_MS = 60_000;

/** A store as one api process has it (the plugin constructs it with its options). */
function processStore() {
  const Store = rateLimitLeaseStore(redis, `${prefix}:rl:`);
  return new Store({});
}

function take(store: ReturnType<typeof processStore>, key: string, max: number) {
  return new Promise<{ current: number; ttl: number }>((resolve, reject) => {
    store.incr(key, (err, result) => (err || !result ? reject(err) : resolve(result)), WINDOW_MS, max);
  });
}

const admitted = (results: { current: number }[], max: number) => results.filter((r) => r.current <= max);

describe('the rate limit lease store', () => {
  it('admits exactly max requests of a burst in one process, each at its own position in the window', async () => {
    const store = processStore();
    const results = await Promise.all(Array.from({ length: 40 }, () => take(store, 'burst', 30)));
    expect(admitted(results, 30).length).toBe(30);
    expect(new Set(admitted(results, 30).map((r) => r.current)).size).toBe(30);
    expect(results.every((r) => r.ttl > 0 && r.ttl <= WINDOW_MS)).toBe(true);
    // The window's budget is spent: later requests are refused too.
    expect((await take(store, 'burst', 30)).current).toBeGreaterThan(30);
  });

  it('shares one budget between processes and never admits more than max over all of them', async () => {
    const [a, b, c] = [processStore(), processStore(), processStore()];
    const max = 100;
    const results: { current: number }[] = [];
    // Steady traffic from three processes, so each leases ahead of its own rate.
    for (let round = 0; round < 30; round++) {
      results.push(
        ...(await Promise.all(
          [a, b, c].flatMap((s) => Array.from({ length: 3 }, () => take(s, 'shared', max))),
        )),
      );
    }
    const ok = admitted(results, max);
    expect(ok.length).toBeLessThanOrEqual(max);
    // Budget leased ahead and left unused costs at most 1/20 of the limit per process.
    expect(ok.length).toBeGreaterThanOrEqual(max - 3 * (max / 20));
    expect(new Set(ok.map((r) => r.current)).size).toBe(ok.length);
  });

  it('keeps keys apart and spends far fewer Redis calls than requests under steady traffic', async () => {
    const store = processStore();
    // Counts the lease calls and lets each through to Redis unchanged.
    const leases = vi.spyOn(redis as Redis & { leaseBudget: () => unknown }, 'leaseBudget');
    for (let round = 0; round < 50; round++)
      await Promise.all(Array.from({ length: 20 }, () => take(store, 'steady', 1_000_000)));
    expect(leases.mock.calls.length).toBeLessThan(100);
    leases.mockRestore();
    expect((await take(store, 'other', 1)).current).toBe(1);
    expect((await take(store, 'other', 1)).current).toBe(2);
  });
});
