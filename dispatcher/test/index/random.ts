import type { LatLng } from '../../../domain/src/geo/lat-lng.js';

/** A small seeded generator, so failures reproduce. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const METERS_PER_DEGREE = 111_195;

/** A uniform random point in the square of half-side `halfSideMeters` around `center`. */
export function randomPointNear(rand: () => number, center: LatLng, halfSideMeters: number): LatLng {
  const dLat = ((rand() * 2 - 1) * halfSideMeters) / METERS_PER_DEGREE;
  const dLng =
    ((rand() * 2 - 1) * halfSideMeters) / (METERS_PER_DEGREE * Math.cos((center.lat * Math.PI) / 180));
  return { lat: center.lat + dLat, lng: center.lng + dLng };
}
