import { COURIER_KINDS, COURIER_STATES, type CourierRecord } from './types.js';

/** Field order of a courier in findCandidates' reply (after id and ring); keep in step with the script. */
export const CANDIDATE_FIELDS = [
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

type RawFields = Partial<Record<(typeof CANDIDATE_FIELDS)[number], string | null>>;

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
