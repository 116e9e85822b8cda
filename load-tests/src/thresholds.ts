/**
 * The pass/fail numbers of the load tests, in one place: the k6 scripts (`k6/*.ts`) and their
 * Node twins (`src/*-twin.ts`) both import this file, so CI and a real run judge by the same bar.
 * No imports here: k6 loads it as it is.
 */
export interface Thresholds {
  /** 95th percentile of request duration, in milliseconds, must stay under this. */
  p95Ms: number;
  /** Share of failed requests (network error or status outside 200–399) must stay under this. */
  maxFailedRate: number;
}

export const ORDERS_THRESHOLDS: Thresholds = { p95Ms: 500, maxFailedRate: 0.01 };
export const TRACKING_THRESHOLDS: Thresholds = { p95Ms: 300, maxFailedRate: 0.01 };
/** Courier `location` events over Socket.IO: time to the ack, and share of acks that are not `ok`. */
export const COURIER_PINGS_THRESHOLDS: Thresholds = { p95Ms: 200, maxFailedRate: 0.01 };

/** The same numbers as k6 `thresholds` on its built-in metrics. */
export function k6Thresholds(t: Thresholds): Record<string, string[]> {
  return {
    http_req_duration: [`p(95)<${t.p95Ms}`],
    http_req_failed: [`rate<${t.maxFailedRate}`],
  };
}
