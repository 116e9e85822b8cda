import { isValidLatLng, type LatLng } from '../../../domain/src/geo/lat-lng.js';
import { IndexError } from './errors.js';
import { RECORD } from './record-codec.js';
import type { CourierUpsert, StateChange } from './types.js';

/** Checks shared by both implementations, so they refuse the same inputs the same way. */
export function assertValidPosition(p: LatLng, context: string): void {
  if (!isValidLatLng(p)) throw new IndexError('invalid_position', `${context} (${p.lat}, ${p.lng})`);
}

export function assertValidUpsert(courier: CourierUpsert): void {
  assertValidPosition(courier, `courier ${courier.id}`);
  // The id and the vehicle are stored in fixed-width fields of the courier's record (a UUID fits).
  const idBytes = Buffer.byteLength(courier.id);
  if (idBytes === 0 || idBytes > RECORD.maxIdBytes)
    throw new Error(`courier id must be 1 to ${RECORD.maxIdBytes} bytes, got ${JSON.stringify(courier.id)}`);
  if (Buffer.byteLength(courier.vehicle) > RECORD.maxVehicleBytes)
    throw new Error(`vehicle of courier ${courier.id} must be at most ${RECORD.maxVehicleBytes} bytes`);
  assertCount(courier.capacity, `capacity of courier ${courier.id}`);
  assertCount(courier.load ?? 0, `load of courier ${courier.id}`);
  if ((courier.load ?? 0) > courier.capacity) {
    throw new IndexError(
      'load_over_capacity',
      `courier ${courier.id}: ${courier.load} > ${courier.capacity}`,
    );
  }
}

/** Load and capacity are stored as 16-bit counts in the record. */
function assertCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff)
    throw new Error(`${what} must be an integer 0..65535, got ${n}`);
}

export function assertValidChange(courierId: string, change: StateChange): void {
  if (change.load !== undefined) assertCount(change.load, `load of courier ${courierId}`);
  if (change.capacity !== undefined) assertCount(change.capacity, `capacity of courier ${courierId}`);
  if (change.load !== undefined && change.capacity !== undefined && change.load > change.capacity) {
    throw new IndexError('load_over_capacity', `courier ${courierId}: ${change.load} > ${change.capacity}`);
  }
}
