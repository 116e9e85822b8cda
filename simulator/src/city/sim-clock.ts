/**
 * The city's simulated clock: simulated seconds since midnight of day 0, running `scale` times
 * faster than the wall clock. The system under test keeps wall time, so anything sent to it
 * (ready times, shifts) goes through `toWallMs`.
 */
export class SimClock {
  private readonly wallStartMs: number;
  private readonly monoStartMs: number;

  constructor(
    /** Simulated second at the start of the run. */
    readonly startS: number,
    /** Simulated seconds per wall second. */
    readonly scale: number,
    wallNowMs: number = Date.now(),
  ) {
    this.wallStartMs = wallNowMs;
    this.monoStartMs = performance.now();
  }

  /** The simulated second now. */
  now(): number {
    return this.startS + ((performance.now() - this.monoStartMs) / 1000) * this.scale;
  }

  /** Simulated seconds since the start of the run. */
  elapsed(): number {
    return this.now() - this.startS;
  }

  /** Wall-clock epoch ms of simulated second `s`. */
  toWallMs(s: number): number {
    return this.wallStartMs + ((s - this.startS) / this.scale) * 1000;
  }

  /** Wall milliseconds that `seconds` simulated seconds take. */
  wallMsFor(seconds: number): number {
    return Math.max(0, (seconds / this.scale) * 1000);
  }

  /** Resolves at simulated second `s` (at once if it has passed), or early when `signal` aborts. */
  sleepUntil(s: number, signal?: AbortSignal): Promise<void> {
    return wallSleep(this.wallMsFor(s - this.now()), signal);
  }
}

/** Resolves after `ms` wall milliseconds, or as soon as `signal` aborts. */
export function wallSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** "HH:MM" of simulated second `s` (day 2 onwards shows as "d2 HH:MM"). */
export function clockText(s: number): string {
  const day = Math.floor(s / 86_400);
  const inDay = s - day * 86_400;
  const hh = String(Math.floor(inDay / 3600)).padStart(2, '0');
  const mm = String(Math.floor((inDay % 3600) / 60)).padStart(2, '0');
  return `${day > 0 ? `d${day + 1} ` : ''}${hh}:${mm}`;
}
