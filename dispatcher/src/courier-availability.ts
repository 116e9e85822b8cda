import { DomainError } from '@o2o/domain';
import type { LiveDeps } from './live-deps.js';

/**
 * Brings a courier's index state in line with Postgres: `busy` while it carries orders or holds
 * an open offer (so candidate searches skip it and find free couriers instead), `idle` otherwise,
 * with its load. An offline courier stays offline (only its load follows); a courier who is not
 * in the index comes back with its next go-online.
 */
export async function syncCourierAvailability(
  deps: LiveDeps,
  region: string,
  courierId: string,
): Promise<void> {
  const found = await deps.pool.query<{ load: string; offered: boolean }>(
    `SELECT (SELECT count(*) FROM orders WHERE courier_id = $1
               AND status IN ('assigned', 'at_pickup', 'picked_up', 'at_dropoff')) AS load,
            EXISTS (SELECT 1 FROM offers WHERE courier_id = $1 AND status = 'open') AS offered`,
    [courierId],
  );
  const load = Number(found.rows[0]?.load ?? 0);
  const offered = found.rows[0]?.offered === true;
  try {
    const current = await deps.index.getCourier(region, courierId);
    if (!current) return;
    const state = current.state === 'offline' ? 'offline' : load > 0 || offered ? 'busy' : 'idle';
    if (current.state === state && current.load === load) return;
    await deps.index.setState(region, courierId, { state, load });
  } catch (err) {
    if (!(err instanceof DomainError && err.code === 'not_found')) throw err;
  }
}

/** The same for several couriers (one query each, in parallel). */
export async function syncCouriersAvailability(
  deps: LiveDeps,
  region: string,
  courierIds: Iterable<string>,
): Promise<void> {
  await Promise.all([...new Set(courierIds)].map((id) => syncCourierAvailability(deps, region, id)));
}
