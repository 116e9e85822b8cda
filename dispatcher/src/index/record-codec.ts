import { haversineMeters, type LatLng } from '../../../domain/src/geo/lat-lng.js';
import { type Candidate, COURIER_KINDS, COURIER_STATES, type CourierRecord } from './types.js';

/** Fields of a courier hash. */
const HASH_FIELDS = [
  'lat',
  'lng',
  'cell',
  'state',
  'kind',
  'vehicle',
  'load',
  'capacity',
  'lastSeenMs',
  'shiftEndMs',
] as const;

type RawFields = Partial<Record<(typeof HASH_FIELDS)[number], string | null>>;

/** A courier hash (HGETALL or the script's fields) as a record. */
export function fieldsToCourierRecord(id: string, f: RawFields): CourierRecord {
  const record: CourierRecord = {
    id,
    lat: Number(f.lat),
    lng: Number(f.lng),
    cell: f.cell ?? '',
    state: oneOf(COURIER_STATES, f.state, 'offline'),
    kind: oneOf(COURIER_KINDS, f.kind, 'crowd'),
    vehicle: f.vehicle ?? '',
    load: Number(f.load ?? 0),
    capacity: Number(f.capacity ?? 0),
    lastSeenMs: Number(f.lastSeenMs ?? 0),
  };
  if (f.shiftEndMs != null && f.shiftEndMs !== '') record.shiftEndMs = Number(f.shiftEndMs);
  return record;
}

function oneOf<T extends string>(allowed: readonly T[], value: string | null | undefined, fallback: T): T {
  return allowed.find((a) => a === value) ?? fallback;
}

/**
 * A card read from a cell's hash, as a candidate: the card is
 * `state|lat|lng|lastSeenMs|load|capacity|kind|vehicle|shiftEndMs` (lua/includes/card.lua). This
 * runs once per courier a search returns, so it parses by hand.
 */
export function cardToCandidate(
  id: string,
  cell: string,
  card: string,
  ring: number,
  center: LatLng,
): Candidate {
  const v = card.split('|');
  const lat = Number(v[1]);
  const lng = Number(v[2]);
  const candidate: Candidate = {
    id,
    lat,
    lng,
    cell,
    state: v[0] === 'busy' ? 'busy' : v[0] === 'idle' ? 'idle' : 'offline',
    kind: v[6] === 'in_house' ? 'in_house' : 'crowd',
    vehicle: v[7] ?? '',
    load: Number(v[4]),
    capacity: Number(v[5]),
    lastSeenMs: Number(v[3]),
    ring,
    distanceMeters: haversineMeters(center, { lat, lng }),
  };
  const shiftEnd = v[8];
  if (shiftEnd !== undefined && shiftEnd !== '') candidate.shiftEndMs = Number(shiftEnd);
  return candidate;
}
