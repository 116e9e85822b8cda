import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CourierIndex } from './index/courier-index.js';
import type { Pool } from './pg/pool.js';

/** A delayed job per offer that expires it if nobody answered in time. */
export interface OfferExpiryJob {
  offerId: string;
  region: string;
}

/** What the live dispatch functions work on: the real services, or a test's own instances. */
export interface LiveDeps {
  pool: Pool;
  redis: Redis;
  /** Prefix of every Redis key (tests use a random one). */
  prefix: string;
  index: CourierIndex;
  /** Where offer expiries are scheduled; null runs without (tests of other paths). */
  expiryQueue: Queue<OfferExpiryJob> | null;
  /** Epoch ms; tests may pass their own clock. */
  nowMs?: () => number;
}

export function nowMsOf(deps: Pick<LiveDeps, 'nowMs'>): number {
  return deps.nowMs ? deps.nowMs() : Date.now();
}
