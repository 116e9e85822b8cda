/**
 * Every Redis key name of the dispatcher is built in this file: the courier index's and the
 * loop's (queue, lease, offers). Each carries the region as a hash tag (`${prefix}:{${region}}:…`),
 * so one region's keys share a Redis Cluster slot and one Lua script may touch several of them;
 * scripts build cell and courier keys from the prefixes below, which is safe for the same reason.
 */
export function loopKeys(prefix: string, region: string) {
  if (region.length === 0 || /[{}]/.test(region))
    throw new Error(`invalid region name: ${JSON.stringify(region)}`);
  const base = `${prefix}:{${region}}:`;
  return {
    /** Sorted set of pending order ids by queue score. */
    queue: `${base}dispatch`,
    /** String: `${holderId}:${fence}` of the dispatcher holding the region, with a TTL. */
    lease: `${base}lease`,
    /** Present while Redis still has this region's live state; its absence means "rebuild". */
    alive: `${base}alive`,
    /** Hash of one open or decided offer. */
    offer: (offerId: string) => `${base}offer:${offerId}`,
    /** String: the offer id that won a job (SET NX by the accept script). */
    jobWinner: (jobId: string) => `${base}job:${jobId}:winner`,
    /** Set of courier ids holding an open offer: they get one offer at a time. */
    offered: `${base}offered`,
    /** Counter of wrong handoff PINs tried for one order, expiring (see job-steps.ts). */
    pinFailures: (orderId: string) => `${base}pin-failures:${orderId}`,
  };
}

export type LoopKeys = ReturnType<typeof loopKeys>;

/** Keys of the courier index of one region under `prefix` (e.g. `o2o:idx`; tests use a random prefix). */
export interface RegionKeys {
  /**
   * Prefix of the per-cell strings `${cellPrefix}${h3}`: the fixed-width binary records (state,
   * position, load, capacity, kind, vehicle, shift end, id) of the idle and busy couriers in the
   * cell, back to back (index/lua/includes/record.lua). (Was `cellrec:` while the record numbers
   * lived in the courier hashes: those strings are not read any more.)
   */
  readonly cellPrefix: string;
  /** Prefix of the per-courier hashes: `${courierPrefix}${id}`. */
  readonly courierPrefix: string;
  /**
   * Hash courier id → `${cell}:${at}` of every listed (idle or busy) courier: the cell string its
   * record is in and the byte offset of the record's position there (slot × 84 + 8), so a batch of
   * pings finds all its records with one HMGET and writes each at `at` (index/lua/includes/relocate.lua).
   */
  readonly where: string;
  /** Sorted set courier id → last seen (epoch ms), for evicting silent couriers. */
  readonly seen: string;
  /** Hash index cell → number of idle couriers in it. */
  readonly idle: string;
  /** Hash heat cell → number of waiting orders. */
  readonly heat: string;
  cell(h3: string): string;
  courier(id: string): string;
}

export function regionKeys(prefix: string, region: string): RegionKeys {
  if (region.length === 0 || /[{}]/.test(region))
    throw new Error(`invalid region name: ${JSON.stringify(region)}`);
  const base = `${prefix}:{${region}}:`;
  const cellPrefix = `${base}cells:`;
  const courierPrefix = `${base}courier:`;
  return {
    cellPrefix,
    courierPrefix,
    where: `${base}where`,
    seen: `${base}seen`,
    idle: `${base}idle`,
    heat: `${base}heat`,
    cell: (h3) => cellPrefix + h3,
    courier: (id) => courierPrefix + id,
  };
}
