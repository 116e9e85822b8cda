import type { LatLng } from '../../../domain/src/geo/lat-lng.js';
import { seededRandom } from '../../../domain/src/seeded-random.js';

/** A small seeded generator, so failures reproduce. */
export const mulberry32 = seededRandom;

const METERS_PER_DEGREE = 111_195;

/** A uniform random point in the square of half-side `halfSideMeters` around `center`. */
export function randomPointNear(rand: () => number, center: LatLng, halfSideMeters: number): LatLng {
  const dLat = ((rand() * 2 - 1) * halfSideMeters) / METERS_PER_DEGREE;
  const dLng =
    ((rand() * 2 - 1) * halfSideMeters) / (METERS_PER_DEGREE * Math.cos((center.lat * Math.PI) / 180));
  return { lat: center.lat + dLat, lng: center.lng + dLng };
}
