import { syncCouriersAvailability } from '../courier-availability.js';
import { loopKeys } from '../keys.js';
import type { LiveDeps } from '../live-deps.js';
import { runLoopScript } from '../lua/scripts.js';
import { publishCourierEvents, publishOrdersChanged } from '../notify.js';

/** What an accept committed in Postgres still has to tell Redis. */
export interface AcceptEffects {
  region: string;
  /** The courier who won the job. */
  courierId: string;
  orderIds: readonly string[];
  /** Other couriers' offers of the job, revoked in the same transaction. */
  revoked: readonly { offerId: string; courierId: string }[];
  atMs: number;
}

/**
 * Brings Redis in line with a committed accept: the revoked offers closed (their couriers free
 * for new offers), the revoked couriers told, the orders' watchers told, and every courier
 * involved given its index state from Postgres. Each step is idempotent (closing a closed offer
 * does nothing, a sync reads Postgres), so a repair may run it again.
 */
export async function applyAcceptEffects(deps: LiveDeps, effects: AcceptEffects): Promise<void> {
  const keys = loopKeys(deps.prefix, effects.region);
  for (const r of effects.revoked) {
    await runLoopScript(deps.redis, 'closeOffer', [keys.offer(r.offerId), keys.offered], ['revoked', '']);
  }
  await publishCourierEvents(
    deps.redis,
    deps.prefix,
    effects.region,
    effects.revoked.map((r) => ({
      type: 'offer:revoked',
      courierId: r.courierId,
      offerId: r.offerId,
      atMs: effects.atMs,
    })),
  );
  await publishOrdersChanged(deps.redis, deps.prefix, effects.region, effects.orderIds);
  await syncCouriersAvailability(deps, effects.region, [
    effects.courierId,
    ...effects.revoked.map((r) => r.courierId),
  ]);
}

/** First retry after this many ms, doubling up to `REPAIR_MAX_DELAY_MS`. */
export const REPAIR_FIRST_DELAY_MS = 200;
const REPAIR_MAX_DELAY_MS = 30_000;
/** About ten minutes of retries; past that, the offers' expiries and `rebuildRegion` repair. */
const REPAIR_ATTEMPTS = 25;

/**
 * Retries `applyAcceptEffects` in the background until Redis takes it (it failed right after the
 * commit). Lost if this process dies; then what is left stale heals without it: a revoked offer
 * still open in Redis is closed by its expiry job (the accept script already refuses it, the job
 * has a winner), and `rebuildRegion` re-syncs every courier with work after Redis lost its data
 * or when a dispatcher takes the region over.
 */
export function repairAcceptEffectsLater(deps: LiveDeps, effects: AcceptEffects): void {
  let attempt = 0;
  const run = () => {
    applyAcceptEffects(deps, effects).catch(() => {
      attempt += 1;
      if (attempt < REPAIR_ATTEMPTS) schedule();
    });
  };
  const schedule = () => {
    const delayMs = Math.min(REPAIR_MAX_DELAY_MS, REPAIR_FIRST_DELAY_MS * 2 ** attempt);
    setTimeout(run, delayMs).unref();
  };
  schedule();
}
