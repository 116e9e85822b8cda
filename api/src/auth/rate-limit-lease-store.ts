import { readFileSync } from 'node:fs';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];

/** How much of its own recent traffic (ms) a process leases ahead of it. */
const LEASE_AHEAD_MS = 50;
/** A process never leases ahead more than this share of a key's budget. */
const MAX_AHEAD_SHARE = 1 / 20;

const LEASE_SCRIPT = readFileSync(new URL('./lua/leaseBudget-1.lua', import.meta.url), 'utf8');

interface RedisWithLease extends Redis {
  leaseBudget(key: string, n: number, windowMs: number): Promise<[number, number]>;
}

/** One key's fixed window as this process sees it. */
interface KeyState {
  /** When the window of the last lease ends (local clock); 0 before the first lease. */
  windowEndMs: number;
  /** Position in the window's shared count of the last request this process admitted. */
  position: number;
  /** Leased and not yet used. */
  available: number;
  /** The shared count reached the limit: the rest of the window is refused without asking Redis. */
  exhausted: boolean;
  waiting: Callback[];
  leasing: boolean;
  /** Requests taken since the last lease, and when it was asked for: this process's rate. */
  takenSinceLease: number;
  lastLeaseAtMs: number;
}

/**
 * The rate limit's store: the same fixed window per key as @fastify/rate-limit's Redis store
 * (one counter per key in Redis, expiring with the window), but a process takes its budget from
 * that counter in leases instead of one Redis script per request. Requests that find no leased
 * budget wait for one lease call that covers all of them (one round trip per key and event-loop
 * turn), plus up to ~50 ms of this process's recent rate ahead, so under steady traffic most
 * requests are admitted without a round trip.
 *
 * Across several api processes the limit stays global and is never exceeded: every admitted
 * request was counted in the shared counter first. A process may hold leased budget it has not
 * used yet, so near the limit another process can refuse a little early: at most ~50 ms of the
 * holder's traffic and at most 1/20 of the limit per process, and a lease ends with its window.
 * A single process admits exactly `max` per window, as before.
 */
export function rateLimitLeaseStore(redis: Redis, nameSpace: string): FastifyRateLimitStoreCtor {
  const client = redis as RedisWithLease;
  if (typeof Reflect.get(client, 'leaseBudget') !== 'function') {
    client.defineCommand('leaseBudget', { lua: LEASE_SCRIPT, numberOfKeys: 1 });
  }

  const makeStore = (prefix: string): FastifyRateLimitStore => {
    const states = new Map<string, KeyState>();

    /** Hands leased budget to waiting requests; asks for another lease when some are left. */
    const drain = (key: string, s: KeyState, windowMs: number, max: number) => {
      const now = Date.now();
      const ttl = Math.max(0, s.windowEndMs - now);
      while (s.waiting.length > 0 && s.available > 0) {
        s.available--;
        s.waiting.shift()?.(null, { current: ++s.position, ttl });
      }
      if (s.waiting.length > 0 && s.exhausted && s.windowEndMs > now) {
        for (const cb of s.waiting.splice(0)) cb(null, { current: max + 1, ttl });
      }
      if (s.waiting.length > 0 && !s.leasing) {
        s.leasing = true;
        // After this turn of the event loop, so every request parsed in it shares the round trip.
        setImmediate(() => void lease(key, s, windowMs, max));
      }
    };

    const lease = async (key: string, s: KeyState, windowMs: number, max: number) => {
      const waiting = s.waiting;
      s.waiting = [];
      const now = Date.now();
      const elapsed = Math.max(1, now - s.lastLeaseAtMs);
      const ahead = Math.min(
        Math.floor(max * MAX_AHEAD_SHARE),
        Math.floor((s.takenSinceLease * LEASE_AHEAD_MS) / elapsed),
      );
      s.takenSinceLease = 0;
      s.lastLeaseAtMs = now;
      const n = waiting.length + Math.max(0, ahead);
      let count: number;
      let ttl: number;
      try {
        [count, ttl] = await client.leaseBudget(prefix + key, n, windowMs);
      } catch (err) {
        s.leasing = false;
        for (const cb of waiting) cb(err as Error);
        if (s.waiting.length > 0) drain(key, s, windowMs, max);
        return;
      }
      const before = count - n;
      const granted = Math.max(0, Math.min(n, max - before));
      s.windowEndMs = Date.now() + ttl;
      s.exhausted = count >= max;
      // This lease's positions are before+1 … before+granted, the waiting requests first.
      for (let i = 0; i < waiting.length; i++) waiting[i]!(null, { current: before + i + 1, ttl });
      s.position = before + Math.min(granted, waiting.length);
      s.available = Math.max(0, granted - waiting.length);
      s.leasing = false;
      drain(key, s, windowMs, max);
      if (states.size > 10_000) sweep(Date.now());
    };

    const sweep = (now: number) => {
      for (const [key, s] of states)
        if (s.windowEndMs <= now && !s.leasing && s.waiting.length === 0) states.delete(key);
    };

    return {
      incr(key, cb, timeWindow, max) {
        const now = Date.now();
        let s = states.get(key);
        if (!s) {
          s = {
            windowEndMs: 0,
            position: 0,
            available: 0,
            exhausted: false,
            waiting: [],
            leasing: false,
            takenSinceLease: 0,
            lastLeaseAtMs: now,
          };
          states.set(key, s);
        }
        s.takenSinceLease++;
        if (s.windowEndMs <= now) {
          // The window is over: what was leased in it is gone, the next lease starts a new one.
          s.available = 0;
          s.exhausted = false;
        }
        s.waiting.push(cb);
        drain(key, s, timeWindow, max);
      },
      child(routeOptions) {
        return makeStore(`${prefix}${routeOptions.method}${routeOptions.url}-`);
      },
    };
  };

  return class LeaseStore {
    constructor() {
      // biome-ignore lint/correctness/noConstructorReturn: the plugin wants a class; the store is a closure
      return makeStore(nameSpace);
    }
  } as unknown as FastifyRateLimitStoreCtor;
}
