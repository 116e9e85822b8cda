import { haversineMeters, type LatLng, stepTowards } from './geo.js';

/** One position fix, in the shape of the `/courier` socket's `location` event. */
export interface Fix extends LatLng {
  accuracy_m?: number;
  speed_mps?: number;
  at: number;
}

export interface PositionSource {
  /** Shown to the courier: where positions come from. */
  readonly label: string;
  start(onFix: (fix: Fix) => void, onError: (message: string) => void): void;
  stop(): void;
}

/** The device's GPS through `navigator.geolocation.watchPosition`. */
export function gpsSource(): PositionSource {
  let watchId: number | null = null;
  return {
    label: 'GPS',
    start(onFix, onError) {
      if (!('geolocation' in navigator)) return onError('This browser has no geolocation');
      watchId = navigator.geolocation.watchPosition(
        (p) =>
          onFix({
            lat: p.coords.latitude,
            lng: p.coords.longitude,
            accuracy_m: Math.min(10_000, p.coords.accuracy),
            ...(p.coords.speed !== null && p.coords.speed >= 0
              ? { speed_mps: Math.min(100, p.coords.speed) }
              : {}),
            at: Math.round(p.timestamp),
          }),
        (err) =>
          onError(err.code === err.PERMISSION_DENIED ? 'Location permission denied' : 'No GPS fix yet'),
        { enableHighAccuracy: true, maximumAge: 5_000, timeout: 20_000 },
      );
    },
    stop() {
      if (watchId !== null) navigator.geolocation.clearWatch(watchId);
      watchId = null;
    },
  };
}

/** A loop through central Berlin, around 52.52, 13.405: where a demo courier waits for work. */
const DEMO_LOOP: readonly LatLng[] = [
  { lat: 52.5194, lng: 13.4016 },
  { lat: 52.5212, lng: 13.4068 },
  { lat: 52.5232, lng: 13.4101 },
  { lat: 52.5218, lng: 13.4139 },
  { lat: 52.5189, lng: 13.4094 },
  { lat: 52.5171, lng: 13.4041 },
];

/**
 * `?demo=1`: a simulated ride, one fix a second at `speedMps`. With a job it rides straight to the
 * next stop (`target()`) and waits there; without one it circles the demo loop.
 */
export function demoSource(target: () => LatLng | null, speedMps = 14): PositionSource {
  let timer: ReturnType<typeof setInterval> | null = null;
  let here: LatLng = { ...DEMO_LOOP[0]! };
  let loopIndex = 1;
  return {
    label: 'Demo',
    start(onFix) {
      const tick = () => {
        const goal = target() ?? DEMO_LOOP[loopIndex % DEMO_LOOP.length]!;
        const moved = stepTowards(here, goal, speedMps);
        const speed = haversineMeters(here, moved);
        here = moved;
        if (!target() && haversineMeters(here, goal) < 1) loopIndex += 1;
        onFix({ ...here, accuracy_m: 5, speed_mps: Math.min(100, speed), at: Date.now() });
      };
      tick();
      timer = setInterval(tick, 1000);
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
