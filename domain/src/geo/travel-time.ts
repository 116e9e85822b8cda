import { haversineMeters, type LatLng } from './lat-lng.js';

/** How a courier moves. Speeds differ; some orders allow only some vehicles. */
export type Vehicle = 'bike' | 'scooter' | 'car';

/** A point on a plane, in metres (the benchmark instances use UTM metres with the zone dropped). */
export interface PlanePoint {
  x: number;
  y: number;
}

/**
 * Travel time between two points. The matching core only ever asks this interface, so the live
 * city and the benchmark replay run the same code with different models.
 * @typeParam P the point type (`LatLng` in the city, `PlanePoint` in the benchmark)
 */
export interface TravelTime<P> {
  /** Travel time from `from` to `to`, in seconds (≥ 0). */
  seconds(from: P, to: P, vehicle?: Vehicle): number;
}

/** Average urban speeds in metres per second, door to door (stops and lights included). */
export const DEFAULT_VEHICLE_SPEEDS_MPS: Readonly<Record<Vehicle, number>> = {
  bike: 4.2,
  scooter: 6.5,
  car: 7.5,
};

export interface CityTravelTimeOptions {
  /** Street distance ÷ straight-line distance; ~1.3 in a grid-like city. */
  roadFactor?: number;
  /** Speeds in metres per second, per vehicle. */
  speedsMps?: Partial<Record<Vehicle, number>>;
  /** Vehicle assumed when the caller gives none. */
  defaultVehicle?: Vehicle;
}

/** City model: haversine metres × road factor ÷ vehicle speed. */
export function cityTravelTime(options: CityTravelTimeOptions = {}): TravelTime<LatLng> {
  const roadFactor = options.roadFactor ?? 1.3;
  const speeds = { ...DEFAULT_VEHICLE_SPEEDS_MPS, ...options.speedsMps };
  const defaultVehicle = options.defaultVehicle ?? 'bike';
  for (const [vehicle, speed] of Object.entries(speeds)) {
    if (!(speed > 0)) throw new RangeError(`speed of ${vehicle} must be > 0 m/s, got ${speed}`);
  }
  if (!(roadFactor >= 1)) throw new RangeError(`roadFactor must be ≥ 1, got ${roadFactor}`);
  return {
    seconds(from, to, vehicle = defaultVehicle) {
      return (haversineMeters(from, to) * roadFactor) / speeds[vehicle];
    },
  };
}

/** Euclidean distance between two plane points, in metres. */
export function euclideanMeters(a: PlanePoint, b: PlanePoint): number {
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  return Math.sqrt(dx * dx + dy * dy);
}

/**
 * Benchmark model (Grubhub MDRP instances): `ceil(euclidean_metres / meters_per_minute)` whole
 * minutes, whatever the vehicle, returned in seconds so the core keeps one time unit.
 */
export function benchmarkTravelTime(metersPerMinute: number): TravelTime<PlanePoint> & {
  /** The same travel time in the instance's unit, whole minutes. */
  minutes(from: PlanePoint, to: PlanePoint): number;
} {
  if (!(metersPerMinute > 0)) throw new RangeError(`metersPerMinute must be > 0, got ${metersPerMinute}`);
  const minutes = (from: PlanePoint, to: PlanePoint): number =>
    Math.ceil(euclideanMeters(from, to) / metersPerMinute);
  return {
    minutes,
    seconds: (from, to) => minutes(from, to) * 60,
  };
}
