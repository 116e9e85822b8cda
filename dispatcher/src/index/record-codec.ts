import type { LatLng } from '../../../domain/src/geo/lat-lng.js';
import {
  type Candidate,
  COURIER_KINDS,
  COURIER_STATES,
  type CourierRecord,
  type SearchableState,
} from './types.js';

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
 * Byte layout of a listed courier's record in its cell string (lua/includes/record.lua, which
 * builds them; little-endian). Cell strings are these records back to back.
 */
export const RECORD = {
  bytes: 84,
  state: 0,
  flags: 1,
  load: 2,
  capacity: 4,
  vehicleBytes: 6,
  idBytes: 7,
  lat: 8,
  lng: 16,
  lastSeenMs: 24,
  shiftEndMs: 32,
  vehicle: 40,
  id: 48,
  maxVehicleBytes: 8,
  maxIdBytes: 36,
} as const;

/** Record state byte of each listed state; a search's wanted states are a bit mask of them. */
const STATE_CODE: Record<SearchableState, number> = { idle: 1, busy: 2 };
const FLAG_IN_HOUSE = 1;
const FLAG_SHIFT_END = 2;
/** The id or the vehicle has bytes >= 0x80: decode them as UTF-8, not latin1. */
const FLAG_UTF8 = 4;

export function statesMask(states: readonly SearchableState[]): number {
  let mask = 0;
  for (const s of states) mask |= STATE_CODE[s];
  return mask;
}

/** Same constants and operation order as domain haversineMeters, so distances are identical. */
const EARTH_RADIUS_METERS = 6_371_008.8;
const DEG_TO_RAD = Math.PI / 180;

const METERS_PER_DEGREE = EARTH_RADIUS_METERS * DEG_TO_RAD;
/** Radii up to this get the flat pre-check below (its error stays far inside the margin). */
const MAX_PRECHECK_METERS = 100_000;

/**
 * A search center with what every distance from it needs precomputed: its cosine, and a flat
 * (equirectangular) bound that can only underestimate a distance within the radius (longitude
 * scaled at the latitude farthest from the equator the circle reaches), so a record whose flat
 * distance exceeds the radius by 1 % + 10 m is outside without any trigonometry.
 */
export interface DistanceFrom {
  lat: number;
  lng: number;
  cosLat: number;
  metersPerLng: number;
  /** Squared flat distance beyond which a record is surely outside; Infinity: no pre-check. */
  outsideSquared: number;
}

export function distanceFrom(center: LatLng, withinMeters = Number.POSITIVE_INFINITY): DistanceFrom {
  const reachDegrees = Math.abs(center.lat) + withinMeters / METERS_PER_DEGREE + 0.01;
  const metersPerLng = METERS_PER_DEGREE * Math.cos(reachDegrees * DEG_TO_RAD);
  // Not near a pole, and not across the antimeridian (longitudes there do not subtract).
  const precheck =
    withinMeters <= MAX_PRECHECK_METERS &&
    reachDegrees < 89 &&
    Math.abs(center.lng) + (withinMeters * 1.01 + 10) / metersPerLng < 179;
  const outside = withinMeters * 1.01 + 10;
  return {
    lat: center.lat,
    lng: center.lng,
    cosLat: Math.cos(center.lat * DEG_TO_RAD),
    metersPerLng: precheck ? metersPerLng : 0,
    outsideSquared: precheck ? outside * outside : Number.POSITIVE_INFINITY,
  };
}

/** The flat pre-check: true only for points farther than the radius (see DistanceFrom). */
export function surelyOutside(center: DistanceFrom, lat: number, lng: number): boolean {
  const dy = (lat - center.lat) * METERS_PER_DEGREE;
  const dx = (lng - center.lng) * center.metersPerLng;
  return dx * dx + dy * dy > center.outsideSquared;
}

/** haversineMeters(center, point), same operations in the same order (so the same bits). */
export function metersFrom(center: DistanceFrom, lat: number, lng: number): number {
  const sinLat = Math.sin(((lat - center.lat) * DEG_TO_RAD) / 2);
  const sinLng = Math.sin(((lng - center.lng) * DEG_TO_RAD) / 2);
  const h = sinLat * sinLat + center.cosLat * Math.cos(lat * DEG_TO_RAD) * sinLng * sinLng;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The records of one cell string (a GET/MGET reply) appended to `out` as candidates: those in a
 * wanted state (`statesMask`) within `withinMeters` of the center. Hot path of a large search
 * (~1,000 records for a 2 km circle): numbers are read with one DataView, and the ids and
 * vehicles are slices of the whole cell decoded once as latin1 (one native call per cell instead
 * of two per courier); a record whose writer flagged a non-ASCII id or vehicle decodes it as UTF-8.
 */
export function recordsToCandidates(
  buf: Buffer,
  cell: string,
  ring: number,
  center: DistanceFrom,
  withinMeters: number,
  mask: number,
  out: Candidate[],
): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const end = buf.length - RECORD.bytes;
  let text = '';
  for (let at = 0; at <= end; at += RECORD.bytes) {
    const code = buf[at]!;
    if ((code & mask) === 0) continue;
    const lat = view.getFloat64(at + RECORD.lat, true);
    const lng = view.getFloat64(at + RECORD.lng, true);
    if (surelyOutside(center, lat, lng)) continue;
    const distanceMeters = metersFrom(center, lat, lng);
    if (distanceMeters > withinMeters) continue;
    if (text === '') text = buf.toString('latin1');
    const flags = buf[at + RECORD.flags]!;
    const idStart = at + RECORD.id;
    const idEnd = idStart + buf[at + RECORD.idBytes]!;
    const vehicleStart = at + RECORD.vehicle;
    const vehicleEnd = vehicleStart + buf[at + RECORD.vehicleBytes]!;
    const candidate: Candidate = {
      id: (flags & FLAG_UTF8) === 0 ? text.slice(idStart, idEnd) : buf.toString('utf8', idStart, idEnd),
      lat,
      lng,
      cell,
      state: code === STATE_CODE.idle ? 'idle' : 'busy',
      kind: (flags & FLAG_IN_HOUSE) !== 0 ? 'in_house' : 'crowd',
      vehicle:
        (flags & FLAG_UTF8) === 0
          ? text.slice(vehicleStart, vehicleEnd)
          : buf.toString('utf8', vehicleStart, vehicleEnd),
      load: view.getUint16(at + RECORD.load, true),
      capacity: view.getUint16(at + RECORD.capacity, true),
      lastSeenMs: view.getFloat64(at + RECORD.lastSeenMs, true),
      ring,
      distanceMeters,
    };
    if ((flags & FLAG_SHIFT_END) !== 0) candidate.shiftEndMs = view.getFloat64(at + RECORD.shiftEndMs, true);
    out.push(candidate);
  }
}

const INDEX_BITS = 2 ** 21;
const MAX_PACKED_CANDIDATES = INDEX_BITS;
/** Distances below this fit the packed key (quantized to 1/1024 m, times INDEX_BITS, < 2^53). */
const MAX_PACKED_METERS = 2 ** 32 / 1024;

/**
 * Sorts candidates by distance, nearest first, in place. A comparator sort of ~700 objects took
 * longer than decoding them; here each candidate becomes one float key (distance quantized to
 * ~1 mm, times 2^21, plus its position), the keys are sorted natively as a Float64Array, and one
 * insertion pass puts candidates closer than the quantum in exact order.
 */
export function sortByDistance(candidates: Candidate[]): void {
  const n = candidates.length;
  if (n < 2) return;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = candidates[i]!.distanceMeters;
    if (!(d < MAX_PACKED_METERS) || n > MAX_PACKED_CANDIDATES) {
      candidates.sort((a, b) => a.distanceMeters - b.distanceMeters);
      return;
    }
    keys[i] = Math.floor(d * 1024) * INDEX_BITS + i;
  }
  keys.sort();
  const copy = candidates.slice();
  for (let i = 0; i < n; i++) candidates[i] = copy[keys[i]! % INDEX_BITS]!;
  for (let i = 1; i < n; i++) {
    const c = candidates[i]!;
    let j = i;
    while (j > 0 && candidates[j - 1]!.distanceMeters > c.distanceMeters) {
      candidates[j] = candidates[j - 1]!;
      j--;
    }
    candidates[j] = c;
  }
}
