import fc from 'fast-check';
import { cellToBoundary, getHexagonEdgeLengthAvg, gridDisk, latLngToCell, UNITS } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { haversineMeters } from '../../../domain/src/geo/lat-lng.js';
import { cellsReachingRadius, cellToRings, ringsCoveringRadius } from '../../src/index/rings.js';

describe('ringsCoveringRadius', () => {
  it('gives a disk that contains every point within the radius, and one ring less does not', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 52.2, max: 52.5, noNaN: true }),
        fc.double({ min: 4.7, max: 5.1, noNaN: true }),
        fc.double({ min: 100, max: 3_000, noNaN: true }),
        fc.constantFrom(7, 8, 9),
        fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
        (lat, lng, radiusMeters, res, bearing) => {
          const center = { lat, lng };
          const k = ringsCoveringRadius(center, radiusMeters, res);
          const disk = new Set(gridDisk(latLngToCell(lat, lng, res), k));
          // A point on the circle, in a random direction, is inside the disk.
          const dLat = (Math.cos(bearing) * radiusMeters * 0.999) / 111_195;
          const dLng =
            (Math.sin(bearing) * radiusMeters * 0.999) / (111_195 * Math.cos((lat * Math.PI) / 180));
          const onCircle = { lat: lat + dLat, lng: lng + dLng };
          if (haversineMeters(center, onCircle) <= radiusMeters) {
            expect(disk.has(latLngToCell(onCircle.lat, onCircle.lng, res))).toBe(true);
          }
          // Minimality: with k-1 rings some point of ring k lies within the radius (a vertex is at
          // most half an edge farther than the nearest point of its edge).
          if (k > 0) {
            const ringK = cellToRings(latLngToCell(lat, lng, res), k)[k]!;
            const nearest = Math.min(
              ...ringK.flatMap((c) =>
                cellToBoundary(c).map(([vLat, vLng]) => haversineMeters(center, { lat: vLat!, lng: vLng! })),
              ),
            );
            expect(nearest).toBeLessThanOrEqual(radiusMeters + getHexagonEdgeLengthAvg(res, UNITS.m));
          }
        },
      ),
      { numRuns: 300, seed: 20_240_601 },
    );
  });
});

describe('cellsReachingRadius', () => {
  it('keeps the cell of every point within the radius, and leaves out cells wholly outside', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 52.2, max: 52.5, noNaN: true }),
        fc.double({ min: 4.7, max: 5.1, noNaN: true }),
        fc.double({ min: 100, max: 5_000, noNaN: true }),
        fc.constantFrom(7, 8, 9),
        fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (lat, lng, radiusMeters, res, bearing, fraction) => {
          const center = { lat, lng };
          const rings = cellToRings(
            latLngToCell(lat, lng, res),
            ringsCoveringRadius(center, radiusMeters, res),
          );
          const cells = rings.flat();
          const reaching = cellsReachingRadius(center, rings, radiusMeters);
          expect(reaching).toHaveLength(cells.length);
          const d = radiusMeters * Math.sqrt(fraction);
          const p = {
            lat: lat + (Math.cos(bearing) * d) / 111_195,
            lng: lng + (Math.sin(bearing) * d) / (111_195 * Math.cos((lat * Math.PI) / 180)),
          };
          if (haversineMeters(center, p) <= radiusMeters) {
            expect(reaching[cells.indexOf(latLngToCell(p.lat, p.lng, res))]).toBe(true);
          }
          // A cell left out has every vertex farther than the radius.
          cells.forEach((cell, i) => {
            if (reaching[i]) return;
            for (const [vLat, vLng] of cellToBoundary(cell))
              expect(haversineMeters(center, { lat: vLat!, lng: vLng! })).toBeGreaterThan(radiusMeters);
          });
        },
      ),
      { numRuns: 300, seed: 20_261_201 },
    );
  });
});
