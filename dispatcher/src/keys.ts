/**
 * Redis key names of the dispatch loop (queue, lease, offers), all built here. Every key carries
 * the region as a hash tag, so one region's keys share a Redis Cluster slot and one Lua script
 * may touch several of them. The courier index builds its keys in `index/keys.ts` on the same
 * pattern: `${prefix}:{${region}}:…`.
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
  };
}

export type LoopKeys = ReturnType<typeof loopKeys>;
