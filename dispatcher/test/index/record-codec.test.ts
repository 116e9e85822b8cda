import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haversineMeters } from '../../../domain/src/geo/lat-lng.js';
import {
  distanceFrom,
  metersFrom,
  RECORD,
  RecordsDecoder,
  recordsToCandidates,
  sortByDistance,
  surelyOutside,
} from '../../src/index/record-codec.js';
import type { Candidate } from '../../src/index/types.js';
import { AMSTERDAM } from './courier-index-contract.js';
import { mulberry32, randomPointNear } from './random.js';

const point = fc.record({
  lat: fc.double({ min: -85, max: 85, noNaN: true }),
  lng: fc.double({ min: -180, max: 180, noNaN: true }),
});

describe('record decoding helpers', () => {
  it('metersFrom is haversineMeters to the bit', () => {
    fc.assert(
      fc.property(point, point, (a, b) => {
        expect(metersFrom(distanceFrom(a), b.lat, b.lng)).toBe(haversineMeters(a, b));
      }),
      { numRuns: 2_000, seed: 1 },
    );
  });

  it('the flat pre-check never calls a point within the radius outside', () => {
    fc.assert(
      fc.property(
        point,
        fc.double({ min: 1, max: 120_000, noNaN: true }),
        fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
        fc.double({ min: 0, max: 1.2, noNaN: true }),
        (center, radius, bearing, fraction) => {
          const d = radius * fraction;
          const p = {
            lat: center.lat + (Math.cos(bearing) * d) / 111_195,
            lng: center.lng + (Math.sin(bearing) * d) / (111_195 * Math.cos((center.lat * Math.PI) / 180)),
          };
          if (Math.abs(p.lat) > 90 || Math.abs(p.lng) > 180) return;
          if (haversineMeters(center, p) <= radius)
            expect(surelyOutside(distanceFrom(center, radius), p.lat, p.lng)).toBe(false);
        },
      ),
      { numRuns: 5_000, seed: 2 },
    );
  });

  it('sortByDistance orders exactly by distance, ties closer than its quantum included', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.double({ min: 0, max: 10_000, noNaN: true }), fc.constantFrom(5, 5 + 1e-9, 5 + 2e-4)),
          {
            maxLength: 300,
          },
        ),
        (distances) => {
          const candidates = distances.map(
            (distanceMeters, i) => ({ id: `c${i}`, distanceMeters }) as Candidate,
          );
          sortByDistance(candidates);
          expect(candidates.map((c) => c.distanceMeters)).toEqual([...distances].sort((a, b) => a - b));
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });

  it('sortByDistance keeps equal distances in their order, and orders a crowd sharing one spot', () => {
    const rand = mulberry32(5);
    // 300 couriers within a meter of each other (one bucket), ties among them, and a few far ones.
    const distances = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? 120 : 120 + rand()));
    distances.push(1_900, 0, 2_000, 120);
    const candidates = distances.map((distanceMeters, i) => ({ id: `c${i}`, distanceMeters }) as Candidate);
    sortByDistance(candidates);
    const expected = distances
      .map((d, i) => ({ d, i }))
      .sort((a, b) => a.d - b.d || a.i - b.i)
      .map(({ i }) => `c${i}`);
    expect(candidates.map((c) => c.id)).toEqual(expected);
  });

  it('RecordsDecoder reads cells lying anywhere in shared chunks as it reads each cell alone', () => {
    const rand = mulberry32(9);
    const center = distanceFrom(AMSTERDAM, 1_500);
    const cells = Array.from({ length: 6 }, (_, c) =>
      recordsOfCell(
        Array.from({ length: 3 + c * 4 }, (_, r) => ({
          id: r % 5 === 4 ? `kurier-ß-${c}-${r}` : `c${c}-${r}-${'x'.repeat(r % 20)}`,
          vehicle: ['bike', 'car', 'vélo', 'cargo-b'][r % 4]!,
          state: r % 3 === 0 ? 2 : 1,
          at: randomPointNear(rand, AMSTERDAM, 2_000),
          shiftEndMs: r % 2 === 0 ? 1_000 + r : undefined,
        })),
      ),
    );
    const alone: Candidate[] = [];
    cells.forEach((cell, c) => {
      recordsToCandidates(Buffer.from(cell), `cell${c}`, c, center, 1_500, 3, alone);
    });
    // Two chunks, the cells at odd offsets with other bytes between them, as in a socket chunk.
    const chunks = [Buffer.alloc(4_000, 0xee), Buffer.alloc(4_000, 0xee)];
    let offsets = [3, 1];
    const slices = cells.map((cell, c) => {
      const chunk = c % 2;
      const start = offsets[chunk]!;
      cell.copy(chunks[chunk]!, start);
      offsets = offsets.map((o, k) => (k === chunk ? o + cell.length + 5 : o));
      return chunks[chunk]!.subarray(start, start + cell.length);
    });
    const decoder = new RecordsDecoder(center, 1_500, 3, slices);
    const shared: Candidate[] = [];
    slices.forEach((slice, c) => {
      decoder.appendCandidates(slice, `cell${c}`, c, shared);
    });
    expect(alone.length).toBeGreaterThan(20);
    expect(alone.some((c) => c.id.includes('ß'))).toBe(true);
    expect(shared).toEqual(alone);
  });
});

interface TestRecord {
  id: string;
  vehicle: string;
  state: number;
  at: { lat: number; lng: number };
  shiftEndMs: number | undefined;
}

/** A cell string in the layout record.lua writes (RECORD). */
function recordsOfCell(records: readonly TestRecord[]): Buffer {
  const buf = Buffer.alloc(records.length * RECORD.bytes);
  records.forEach((r, i) => {
    const at = i * RECORD.bytes;
    const id = Buffer.from(r.id);
    const vehicle = Buffer.from(r.vehicle);
    const utf8 = id.length !== r.id.length || vehicle.length !== r.vehicle.length;
    buf[at + RECORD.state] = r.state;
    buf[at + RECORD.flags] = (i % 2) + (r.shiftEndMs !== undefined ? 2 : 0) + (utf8 ? 4 : 0);
    buf.writeUInt16LE(i % 3, at + RECORD.load);
    buf.writeUInt16LE(3, at + RECORD.capacity);
    buf[at + RECORD.vehicleBytes] = vehicle.length;
    buf[at + RECORD.idBytes] = id.length;
    buf.writeDoubleLE(r.at.lat, at + RECORD.lat);
    buf.writeDoubleLE(r.at.lng, at + RECORD.lng);
    buf.writeDoubleLE(5_000 + i, at + RECORD.lastSeenMs);
    buf.writeDoubleLE(r.shiftEndMs ?? 0, at + RECORD.shiftEndMs);
    vehicle.copy(buf, at + RECORD.vehicle);
    id.copy(buf, at + RECORD.id);
  });
  return buf;
}
