import { COURIER_KINDS, COURIER_STATES, type CourierRecord } from './types.js';

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
 * A card read from a cell's hash, with the cell it was listed in. The card is
 * `state|lat|lng|lastSeenMs|load|capacity|kind|vehicle|shiftEndMs` (lua/includes/card.lua); this
 * runs once per candidate, so it parses by hand.
 */
export function cardToCourierRecord(id: string, cell: string, card: string): CourierRecord {
  const v = card.split('|');
  const record: CourierRecord = {
    id,
    lat: Number(v[1]),
    lng: Number(v[2]),
    cell,
    state: v[0] === 'busy' ? 'busy' : v[0] === 'idle' ? 'idle' : 'offline',
    kind: v[6] === 'in_house' ? 'in_house' : 'crowd',
    vehicle: v[7] ?? '',
    load: Number(v[4]),
    capacity: Number(v[5]),
    lastSeenMs: Number(v[3]),
  };
  const shiftEnd = v[8];
  if (shiftEnd !== undefined && shiftEnd !== '') record.shiftEndMs = Number(shiftEnd);
  return record;
}
