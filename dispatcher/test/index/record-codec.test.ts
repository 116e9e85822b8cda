import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haversineMeters } from '../../../domain/src/geo/lat-lng.js';
import { distanceFrom, metersFrom, sortByDistance, surelyOutside } from '../../src/index/record-codec.js';
import type { Candidate } from '../../src/index/types.js';

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
});
