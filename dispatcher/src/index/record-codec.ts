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

/** Field order of a card (lua/includes/card.lua): the courier as one `|`-separated string in its cell's hash. */
const CARD_FIELDS = [
  'state',
  'lat',
  'lng',
  'lastSeenMs',
  'load',
  'capacity',
  'kind',
  'vehicle',
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

/** A card read from a cell's hash, with the cell it was listed in. */
export function cardToCourierRecord(id: string, cell: string, card: string): CourierRecord {
  const values = card.split('|');
  const fields: RawFields = { cell };
  CARD_FIELDS.forEach((name, i) => {
    fields[name] = values[i] ?? null;
  });
  return fieldsToCourierRecord(id, fields);
}
