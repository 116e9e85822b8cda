import { benchmarkTravelTime, type PlanePoint } from '../../../domain/src/geo/travel-time.js';
import type { CourierToMatch, OrderToMatch } from '../../src/matching/index.js';

/** Builders for small hand-made snapshots on the benchmark plane (meters, whole-minute rides). */
export const travelTime = benchmarkTravelTime(320); // 320 m per minute: 1,600 m is 5 minutes
export const NOW = 10_000;
export const MIN = 60;

/** An order placed five minutes before {@link NOW}. */
export function order(id: string, storeId: string, pickup: PlanePoint, dropoff: PlanePoint, readyAt: number) {
  return {
    id,
    storeId,
    pickup,
    dropoff,
    placedAt: NOW - 5 * MIN,
    readyAt,
  } satisfies OrderToMatch<PlanePoint>;
}

/** An in-house courier of capacity 4, idle since it became free. */
export function courier(
  id: string,
  position: PlanePoint,
  shiftEndsAt: number,
  freeAt = NOW,
): CourierToMatch<PlanePoint> {
  return { id, kind: 'in_house', position, freeAt, shiftEndsAt, load: 0, capacity: 4, idleSince: freeAt };
}
