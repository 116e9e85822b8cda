// Customers on the tracking page, each polling its order's snapshot.
//   k6 run --compatibility-mode=experimental_enhanced -e BASE_URL=https://api.example \
//     -e TRACKING_TOKENS=tok1,tok2,tok3 load-tests/k6/tracking.ts
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { k6Thresholds, TRACKING_THRESHOLDS } from '../src/thresholds.ts';

const BASE_URL = __ENV.BASE_URL ?? 'http://127.0.0.1:3000';
const TOKENS = (__ENV.TRACKING_TOKENS ?? '')
  .split(',')
  .map((t) => t.trim())
  .filter((t) => t.length > 0);
/** Open tracking pages, and how often each polls. */
const VIEWERS = Number(__ENV.VIEWERS ?? 100);
const POLL_SECONDS = Number(__ENV.POLL_SECONDS ?? 5);

export const options: Options = {
  scenarios: {
    viewers: { executor: 'constant-vus', vus: VIEWERS, duration: __ENV.DURATION ?? '2m' },
  },
  thresholds: k6Thresholds(TRACKING_THRESHOLDS),
};

export function setup(): void {
  if (TOKENS.length === 0) exec.test.abort('set TRACKING_TOKENS to a comma list of tracking tokens');
}

export default function (): void {
  // Each viewer follows one order.
  const token = TOKENS[(exec.vu.idInTest - 1) % TOKENS.length];
  const res = http.get(`${BASE_URL}/v1/track/${token}`, { tags: { name: 'GET /v1/track/:token' } });
  check(res, { 'snapshot (200)': (r) => r.status === 200 });
  sleep(POLL_SECONDS);
}
