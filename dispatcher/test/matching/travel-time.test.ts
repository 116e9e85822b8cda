import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LatLng } from '../../../domain/src/geo/lat-lng.js';
import {
  benchmarkTravelTime,
  cityTravelTime,
  type PlanePoint,
  type TravelTime,
} from '../../../domain/src/geo/travel-time.js';

/** One contract, run against every implementation: what the matching core relies on. */
function travelTimeContract<P>(
  name: string,
  model: TravelTime<P>,
  point: fc.Arbitrary<P>,
  along: (p: P, k: number) => P,
) {
  describe(`TravelTime contract: ${name}`, () => {
    it('is zero from a point to itself, positive otherwise', () => {
      fc.assert(
        fc.property(point, point, (a, b) => {
          expect(model.seconds(a, a)).toBe(0);
          expect(model.seconds(a, b)).toBeGreaterThanOrEqual(0);
        }),
      );
    });
    it('is symmetric', () => {
      fc.assert(
        fc.property(point, point, (a, b) => {
          expect(model.seconds(a, b)).toBeCloseTo(model.seconds(b, a), 6);
        }),
      );
    });
    it('grows with distance along a line', () => {
      fc.assert(
        fc.property(point, fc.integer({ min: 1, max: 50 }), (a, k) => {
          expect(model.seconds(a, along(a, k + 1))).toBeGreaterThanOrEqual(model.seconds(a, along(a, k)));
        }),
      );
    });
  });
}

const plane = fc.record({ x: fc.integer({ min: 0, max: 20_000 }), y: fc.integer({ min: 0, max: 20_000 }) });
const city = fc.record({
  lat: fc.double({ min: 48.8, max: 48.9, noNaN: true }),
  lng: fc.double({ min: 2.3, max: 2.4, noNaN: true }),
});

travelTimeContract<PlanePoint>('benchmark', benchmarkTravelTime(320), plane, (p, k) => ({
  x: p.x + 100 * k,
  y: p.y,
}));
travelTimeContract<LatLng>('city', cityTravelTime(), city, (p, k) => ({
  lat: p.lat + 0.001 * k,
  lng: p.lng,
}));

describe('benchmarkTravelTime', () => {
  it('rounds up to the whole minute and answers in seconds', () => {
    const model = benchmarkTravelTime(320);
    expect(model.minutes({ x: 0, y: 0 }, { x: 320, y: 0 })).toBe(1);
    expect(model.minutes({ x: 0, y: 0 }, { x: 321, y: 0 })).toBe(2);
    expect(model.seconds({ x: 0, y: 0 }, { x: 300, y: 400 })).toBe(120); // 500 m → 2 min
  });
});

describe('cityTravelTime', () => {
  it('applies the road factor and the vehicle speed', () => {
    const model = cityTravelTime({ roadFactor: 1.5, speedsMps: { bike: 5, car: 10 } });
    const a = { lat: 48.85, lng: 2.35 };
    const b = { lat: 48.86, lng: 2.35 }; // ≈ 1112 m north
    expect(model.seconds(a, b, 'bike')).toBeCloseTo((1111.95 * 1.5) / 5, 0);
    expect(model.seconds(a, b, 'car')).toBeCloseTo(model.seconds(a, b, 'bike') / 2, 6);
  });
  it('refuses a road factor below one', () => {
    expect(() => cityTravelTime({ roadFactor: 0.9 })).toThrow(RangeError);
  });
});
