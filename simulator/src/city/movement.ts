import type { StreetRoute } from './street-graph.js';

/**
 * A ride along a street route at a constant speed: where the rider is at any simulated second.
 * Pure, so the tests can check the rider stays on the street and arrives on time.
 */
export interface Ride {
  route: StreetRoute;
  /** Simulated second the ride started. */
  startS: number;
  speedMps: number;
}

/** Simulated second the ride reaches the end of its route. */
export function rideEndS(ride: Ride): number {
  return ride.startS + ride.route.meters / ride.speedMps;
}

/** The rider's position at simulated second `atS`: on the route, clamped to its ends. */
export function positionOnRide(ride: Ride, atS: number): { lat: number; lng: number; headingDeg: number } {
  const { points, cumulativeMeters, meters } = ride.route;
  const travelled = Math.min(meters, Math.max(0, (atS - ride.startS) * ride.speedMps));
  // The segment holding `travelled`: binary search over the cumulative metres.
  let lo = 0;
  let hi = cumulativeMeters.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cumulativeMeters[mid]! <= travelled) lo = mid;
    else hi = mid;
  }
  const a = points[lo]!;
  const b = points[Math.min(hi, points.length - 1)]!;
  const span = cumulativeMeters[hi]! - cumulativeMeters[lo]!;
  const f = span > 0 ? (travelled - cumulativeMeters[lo]!) / span : 0;
  const lat = a.lat + (b.lat - a.lat) * f;
  const lng = a.lng + (b.lng - a.lng) * f;
  const heading =
    (Math.atan2((b.lng - a.lng) * Math.cos((a.lat * Math.PI) / 180), b.lat - a.lat) * 180) / Math.PI;
  return { lat, lng, headingDeg: (heading + 360) % 360 };
}
