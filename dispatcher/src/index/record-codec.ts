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
 * Decodes the cell strings of one search into candidates: those in a wanted state (`statesMask`)
 * within `withinMeters` of the center. Hot path of a large search (~1,000 records for a 2 km
 * circle). Numbers are read with a DataView, ids and vehicles are slices of the bytes decoded as
 * latin1 (UTF-8 only for records whose writer flagged a non-ASCII id or vehicle). The cell
 * strings of one MGET reply are slices of a few socket chunks (31 cells of a 2 km search in 3
 * ArrayBuffers), so the DataView, and the latin1 copy of the span of the chunk the search's cells
 * occupy, are made once per chunk, not once per cell: each is a native call, and per cell they
 * cost about as much as the arithmetic of the records. One decoder per search, given every
 * buffer it will decode; the bytes must not change while it is in use.
 */
export class RecordsDecoder {
  private readonly center: DistanceFrom;
  private readonly withinMeters: number;
  private readonly mask: number;
  /** Per chunk (ArrayBuffer) the search's cells lie in: the span they occupy, its view and text. */
  private readonly chunks: ArrayBufferLike[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly views: DataView[] = [];
  /** latin1 of the chunk's span, '' until a record of it is kept. */
  private readonly texts: string[] = [];
  /** The last vehicle decoded, by length and its 8 zero-padded bytes (most couriers share a few). */
  private vehicleBytes = -1;
  private vehicleLow = 0;
  private vehicleHigh = 0;
  private vehicle = '';

  constructor(
    center: DistanceFrom,
    withinMeters: number,
    mask: number,
    buffers: readonly (Buffer | null | undefined)[],
  ) {
    this.center = center;
    this.withinMeters = withinMeters;
    this.mask = mask;
    for (const buf of buffers) {
      if (!buf || buf.length === 0) continue;
      const c = this.chunks.indexOf(buf.buffer);
      if (c < 0) {
        this.chunks.push(buf.buffer);
        this.starts.push(buf.byteOffset);
        this.ends.push(buf.byteOffset + buf.length);
        this.views.push(new DataView(buf.buffer));
        this.texts.push('');
      } else {
        this.starts[c] = Math.min(this.starts[c]!, buf.byteOffset);
        this.ends[c] = Math.max(this.ends[c]!, buf.byteOffset + buf.length);
      }
    }
  }

  /** Appends the candidates of one cell string (one of the decoder's buffers) to `out`. */
  appendCandidates(buf: Buffer, cell: string, ring: number, out: Candidate[]): void {
    const c = this.chunks.indexOf(buf.buffer);
    if (c < 0) throw new Error('RecordsDecoder: a buffer it was not given');
    const view = this.views[c]!;
    const { center, withinMeters, mask } = this;
    const end = buf.byteOffset + buf.length - RECORD.bytes;
    // Offsets into the chunk (`view`); `t` is the same offset into `text` (the chunk's span).
    const textStart = this.starts[c]!;
    let text = '';
    for (let at = buf.byteOffset; at <= end; at += RECORD.bytes) {
      const code = view.getUint8(at);
      if ((code & mask) === 0) continue;
      const lat = view.getFloat64(at + RECORD.lat, true);
      const lng = view.getFloat64(at + RECORD.lng, true);
      if (surelyOutside(center, lat, lng)) continue;
      const distanceMeters = metersFrom(center, lat, lng);
      if (distanceMeters > withinMeters) continue;
      if (text === '') text = this.textOf(c);
      const flags = view.getUint8(at + RECORD.flags);
      const utf8 = (flags & FLAG_UTF8) !== 0;
      const t = at - textStart;
      const idBytes = view.getUint8(at + RECORD.idBytes);
      const vehicleBytes = view.getUint8(at + RECORD.vehicleBytes);
      const candidate: Candidate = {
        id: utf8 ? utf8At(view, at + RECORD.id, idBytes) : text.slice(t + RECORD.id, t + RECORD.id + idBytes),
        lat,
        lng,
        cell,
        state: code === STATE_CODE.idle ? 'idle' : 'busy',
        kind: (flags & FLAG_IN_HOUSE) !== 0 ? 'in_house' : 'crowd',
        vehicle: utf8
          ? utf8At(view, at + RECORD.vehicle, vehicleBytes)
          : this.latin1Vehicle(vehicleBytes, view, at, text, t),
        load: view.getUint16(at + RECORD.load, true),
        capacity: view.getUint16(at + RECORD.capacity, true),
        lastSeenMs: view.getFloat64(at + RECORD.lastSeenMs, true),
        ring,
        distanceMeters,
      };
      if ((flags & FLAG_SHIFT_END) !== 0)
        candidate.shiftEndMs = view.getFloat64(at + RECORD.shiftEndMs, true);
      out.push(candidate);
    }
  }

  private textOf(c: number): string {
    let text = this.texts[c]!;
    if (text === '') {
      const start = this.starts[c]!;
      text = Buffer.from(this.chunks[c]!, start, this.ends[c]! - start).toString('latin1');
      this.texts[c] = text;
    }
    return text;
  }

  /** The vehicle of the record at `at` in the chunk (`t` in `text`), reused when unchanged. */
  private latin1Vehicle(bytes: number, view: DataView, at: number, text: string, t: number): string {
    const low = view.getUint32(at + RECORD.vehicle, true);
    const high = view.getUint32(at + RECORD.vehicle + 4, true);
    if (bytes !== this.vehicleBytes || low !== this.vehicleLow || high !== this.vehicleHigh) {
      this.vehicleBytes = bytes;
      this.vehicleLow = low;
      this.vehicleHigh = high;
      this.vehicle = text.slice(t + RECORD.vehicle, t + RECORD.vehicle + bytes);
    }
    return this.vehicle;
  }
}

/** `bytes` UTF-8 bytes at `at` in the view's buffer. */
function utf8At(view: DataView, at: number, bytes: number): string {
  return Buffer.from(view.buffer, at, bytes).toString('utf8');
}

/** The records of one cell string appended to `out` as candidates (RecordsDecoder, for one cell). */
export function recordsToCandidates(
  buf: Buffer,
  cell: string,
  ring: number,
  center: DistanceFrom,
  withinMeters: number,
  mask: number,
  out: Candidate[],
): void {
  new RecordsDecoder(center, withinMeters, mask, [buf]).appendCandidates(buf, cell, ring, out);
}

/** Buckets holding more candidates than this are sorted by comparison instead of insertion. */
const MAX_INSERTION_BUCKET = 16;

/**
 * Scratch arrays of sortByDistance, kept between calls and grown as needed (allocating them for
 * every search cost about as much as the sort itself). Single-threaded, and the sort never yields.
 */
let distances = new Float64Array(1_024);
let sortedDistances = new Float64Array(1_024);
let buckets = new Int32Array(1_024);
let bucketEnds = new Int32Array(1_025);

/**
 * Sorts candidates by distance, nearest first, in place, stable (equal distances keep their
 * order). A comparator sort of ~700 objects took longer than decoding them. Here: a bucket sort,
 * n buckets of equal width over [0, farthest]; the candidates of a circle spread over them about
 * one per bucket (density grows with the distance, so at most a few near the rim), placed in
 * bucket order with their distances beside them in a Float64Array, then each bucket is put in
 * exact order: by insertion when small, by comparison when many candidates share a bucket (a
 * crowd at one spot), so no input makes it quadratic.
 */
export function sortByDistance(candidates: Candidate[]): void {
  const n = candidates.length;
  if (n < 2) return;
  if (distances.length < n) {
    distances = new Float64Array(2 * n);
    sortedDistances = new Float64Array(2 * n);
    buckets = new Int32Array(2 * n);
    bucketEnds = new Int32Array(2 * n + 1);
  }
  let farthest = 0;
  for (let i = 0; i < n; i++) {
    const d = candidates[i]!.distanceMeters;
    if (!(d >= 0 && d < Number.POSITIVE_INFINITY)) {
      candidates.sort(byDistance);
      return;
    }
    distances[i] = d;
    if (d > farthest) farthest = d;
  }
  if (farthest === 0) return;
  const perMeter = n / farthest;
  bucketEnds.fill(0, 0, n + 1);
  for (let i = 0; i < n; i++) {
    const b = Math.min(n - 1, Math.floor(distances[i]! * perMeter));
    buckets[i] = b;
    bucketEnds[b + 1]! += 1;
  }
  for (let b = 0; b < n; b++) bucketEnds[b + 1]! += bucketEnds[b]!;
  // Placing moves each bucket's start to its end: bucketEnds[b] is then where bucket b ends.
  const copy = candidates.slice();
  for (let i = 0; i < n; i++) {
    const at = bucketEnds[buckets[i]!]!++;
    sortedDistances[at] = distances[i]!;
    candidates[at] = copy[i]!;
  }
  let start = 0;
  for (let b = 0; b < n; b++) {
    const end = bucketEnds[b]!;
    if (end - start > MAX_INSERTION_BUCKET) {
      const bucket = candidates.slice(start, end).sort(byDistance);
      for (let i = start; i < end; i++) candidates[i] = bucket[i - start]!;
    } else {
      for (let i = start + 1; i < end; i++) {
        const d = sortedDistances[i]!;
        if (sortedDistances[i - 1]! <= d) continue;
        const c = candidates[i]!;
        let j = i;
        while (j > start && sortedDistances[j - 1]! > d) {
          sortedDistances[j] = sortedDistances[j - 1]!;
          candidates[j] = candidates[j - 1]!;
          j--;
        }
        sortedDistances[j] = d;
        candidates[j] = c;
      }
    }
    start = end;
  }
}

function byDistance(a: Candidate, b: Candidate): number {
  return a.distanceMeters - b.distanceMeters;
}
