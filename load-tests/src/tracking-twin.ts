import { atArrivalRate, isFailure, p95, passes, type TwinResult, timedFetch } from './measure.js';
import { TRACKING_THRESHOLDS } from './thresholds.js';

export interface TrackingTwinOptions {
  baseUrl: string;
  /** Tracking tokens (the end of each order's `tracking_url`); polled round-robin. */
  tokens: string[];
  ratePerSecond: number;
  seconds: number;
}

/**
 * The Node twin of `k6/tracking.ts`: tracking pages polling `GET /v1/track/:token`, at a constant
 * rate of polls for a short time (CI), measured like k6 measures it.
 */
export async function runTrackingTwin(options: TrackingTwinOptions): Promise<TwinResult> {
  if (options.tokens.length === 0) throw new Error('no tracking tokens');
  const results = await atArrivalRate(options.ratePerSecond, options.seconds, (i) =>
    timedFetch(`${options.baseUrl}/v1/track/${options.tokens[i % options.tokens.length]}`, {
      method: 'GET',
    }),
  );
  return {
    sent: results.length,
    failed: results.filter((r) => isFailure(r.status)).length,
    p95Ms: p95(results.map((r) => r.ms)),
  };
}

/** Whether a run meets `TRACKING_THRESHOLDS`, the numbers `k6/tracking.ts` checks. */
export function trackingThresholdsPassed(result: TwinResult): boolean {
  return passes(result, TRACKING_THRESHOLDS);
}
