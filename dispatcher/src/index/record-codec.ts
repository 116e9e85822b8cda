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
 * The packed matches of one cell (findCandidates-1: `id|card` lines joined by '\n', the card being
 * `state|lat|lng|lastSeenMs|load|capacity|kind|vehicle|shiftEndMs`, lua/includes/card.lua) appended to
 * `out` as candidates. Hot path of a large search (one call per cell, ~1,300 couriers for a 2 km
 * circle), so it walks the string with indexOf instead of splitting it. Couriers farther than
 * `withinMeters` from the center are skipped before anything else of their card is read.
 */
export function packedCardsToCandidates(
  packed: string,
  cell: string,
  ring: number,
  center: LatLng,
  withinMeters: number,
  out: Candidate[],
): void {
  let at = 0;
  const end = packed.length;
  while (at < end) {
    let lineEnd = packed.indexOf('\n', at);
    if (lineEnd < 0) lineEnd = end;
    const f1 = packed.indexOf('|', at);
    const f2 = packed.indexOf('|', f1 + 1);
    const f3 = packed.indexOf('|', f2 + 1);
    const f4 = packed.indexOf('|', f3 + 1);
    const lat = Number(packed.slice(f2 + 1, f3));
    const lng = Number(packed.slice(f3 + 1, f4));
    const distanceMeters = haversineMeters(center, { lat, lng });
    if (distanceMeters <= withinMeters) {
      const f5 = packed.indexOf('|', f4 + 1);
      const f6 = packed.indexOf('|', f5 + 1);
      const f7 = packed.indexOf('|', f6 + 1);
      const f8 = packed.indexOf('|', f7 + 1);
      const f9 = packed.indexOf('|', f8 + 1);
      const state = packed.slice(f1 + 1, f2);
      const candidate: Candidate = {
        id: packed.slice(at, f1),
        lat,
        lng,
        cell,
        state: state === 'busy' ? 'busy' : state === 'idle' ? 'idle' : 'offline',
        kind: packed.slice(f7 + 1, f8) === 'in_house' ? 'in_house' : 'crowd',
        vehicle: packed.slice(f8 + 1, f9),
        load: Number(packed.slice(f5 + 1, f6)),
        capacity: Number(packed.slice(f6 + 1, f7)),
        lastSeenMs: Number(packed.slice(f4 + 1, f5)),
        ring,
        distanceMeters,
      };
      if (f9 + 1 < lineEnd) candidate.shiftEndMs = Number(packed.slice(f9 + 1, lineEnd));
      out.push(candidate);
    }
    at = lineEnd + 1;
  }
}
