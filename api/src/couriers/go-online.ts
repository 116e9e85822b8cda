import { type LiveDeps, syncCourierAvailability } from '@o2o/dispatcher';
import { DomainError } from '@o2o/domain';

/**
 * Puts a courier in the region's index at a position, with its kind, vehicle, capacity and shift
 * from Postgres, then its load and state from its jobs and offers. Used by `POST
 * /v1/courier/online` and by the gateway for a courier who pings while the index does not know
 * it (Redis lost its data, or evicted a courier who went silent): the index is rebuilt from the
 * next pings, as the design promises.
 */
export async function putCourierOnline(
  live: LiveDeps,
  region: string,
  courierId: string,
  at: { lat: number; lng: number },
): Promise<{ capacity: number }> {
  const courier = await live.pool.query<{
    kind: 'in_house' | 'crowd';
    vehicle: string;
    capacity: number;
    shift_end: Date | null;
  }>(
    `SELECT c.kind, c.vehicle, c.capacity,
            (SELECT max(ends_at) FROM shifts s WHERE s.courier_id = c.id AND now() BETWEEN s.starts_at AND s.ends_at) AS shift_end
       FROM couriers c WHERE c.id = $1`,
    [courierId],
  );
  const row = courier.rows[0];
  if (!row) throw new DomainError('unauthorized', { detail: 'Unknown courier' });
  await live.index.upsertCourier(region, {
    id: courierId,
    lat: at.lat,
    lng: at.lng,
    kind: row.kind,
    vehicle: row.vehicle,
    capacity: row.capacity,
    atMs: Date.now(),
    ...(row.shift_end ? { shiftEndMs: row.shift_end.getTime() } : {}),
  });
  await syncCourierAvailability(live, region, courierId);
  return { capacity: row.capacity };
}
