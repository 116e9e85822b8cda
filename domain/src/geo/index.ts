export * from './h3-resolutions.js';
export * from './lat-lng.js';
export {
  benchmarkTravelTime,
  type CityTravelTimeOptions,
  cityTravelTime,
  DEFAULT_VEHICLE_SPEEDS_MPS,
  euclideanMeters,
  type PlanePoint,
  type TravelTime,
} from './travel-time.js';
