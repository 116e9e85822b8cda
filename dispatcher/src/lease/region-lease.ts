import type { Redis } from 'ioredis';
import { loopKeys } from '../keys.js';
import { runLoopScript } from '../lua/scripts.js';
import type { Pool } from '../pg/pool.js';

/** A region held by one dispatcher: the fencing token goes with every Postgres write it makes. */
export interface RegionLease {
  region: string;
  holderId: string;
  fence: number;
  /** The lease key's value, `${holderId}:${fence}`. */
  value: string;
}

/**
 * Takes a region's lease if nobody holds it: SET NX PX in Redis decides who runs the loop, then
 * the region's fencing token grows by one in Postgres (the durable counter, which survives a Redis
 * that keeps nothing on disk). Returns null when another dispatcher holds the region.
 */
export async function tryAcquireLease(
  redis: Redis,
  pool: Pool,
  prefix: string,
  region: string,
  holderId: string,
  ttlMs: number,
): Promise<RegionLease | null> {
  const key = loopKeys(prefix, region).lease;
  const claimed = await redis.set(key, `${holderId}:pending`, 'PX', ttlMs, 'NX');
  if (claimed !== 'OK') return null;
  try {
    const bumped = await pool.query<{ fence: string }>(
      `UPDATE regions SET fence = fence + 1, lease_holder = $2, lease_taken_at = now() WHERE id = $1 RETURNING fence`,
      [region, holderId],
    );
    const fence = Number(bumped.rows[0]?.fence);
    if (!Number.isFinite(fence)) throw new Error(`region ${region} does not exist`);
    const value = `${holderId}:${fence}`;
    await redis.set(key, value, 'PX', ttlMs, 'XX');
    return { region, holderId, fence, value };
  } catch (err) {
    await runLoopScript(redis, 'releaseLease', [key], [`${holderId}:pending`]);
    throw err;
  }
}

/** Extends the lease; false when it was lost (expired, or Redis lost it and someone took it). */
export async function renewLease(
  redis: Redis,
  prefix: string,
  lease: RegionLease,
  ttlMs: number,
): Promise<boolean> {
  return (
    (await runLoopScript(
      redis,
      'renewLease',
      [loopKeys(prefix, lease.region).lease],
      [lease.value, ttlMs],
    )) === 1
  );
}

export async function releaseLease(redis: Redis, prefix: string, lease: RegionLease): Promise<void> {
  await runLoopScript(redis, 'releaseLease', [loopKeys(prefix, lease.region).lease], [lease.value]);
}
