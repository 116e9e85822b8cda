import { isValidLatLng, type LatLng } from '../../../domain/src/geo/lat-lng.js';
import { IndexError } from './errors.js';
import type { CourierUpsert, StateChange } from './types.js';

/** Checks shared by both implementations, so they refuse the same inputs the same way. */
export function assertValidPosition(p: LatLng, context: string): void {
  if (!isValidLatLng(p)) throw new IndexError('invalid_position', `${context} (${p.lat}, ${p.lng})`);
}

export function assertValidUpsert(courier: CourierUpsert): void {
  assertValidPosition(courier, `courier ${courier.id}`);
  // The vehicle is stored inside the `|`-separated card.
  if (courier.vehicle.includes('|')) throw new Error(`vehicle of courier ${courier.id} must not contain '|'`);
  if ((courier.load ?? 0) > courier.capacity) {
    throw new IndexError(
      'load_over_capacity',
      `courier ${courier.id}: ${courier.load} > ${courier.capacity}`,
    );
  }
}

export function assertValidChange(courierId: string, change: StateChange): void {
  if (change.load !== undefined && change.capacity !== undefined && change.load > change.capacity) {
    throw new IndexError('load_over_capacity', `courier ${courierId}: ${change.load} > ${change.capacity}`);
  }
}
