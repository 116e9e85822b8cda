// Store order creation at a ramping arrival rate.
//   k6 run --compatibility-mode=experimental_enhanced \
//     -e BASE_URL=https://api.example -e API_KEY=o2o_sk_... load-tests/k6/orders.ts
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { k6Thresholds, ORDERS_THRESHOLDS } from '../src/thresholds.ts';
import { orderBody } from '../src/traffic.ts';

const BASE_URL = __ENV.BASE_URL ?? 'http://127.0.0.1:3000';
const API_KEY = __ENV.API_KEY ?? '';
/** Orders per second at the top of the ramp. */
const PEAK_RATE = Number(__ENV.PEAK_RATE ?? 50);

export const options: Options = {
  scenarios: {
    orders: {
      executor: 'ramping-arrival-rate',
      startRate: 1,
      timeUnit: '1s',
      preAllocatedVUs: 20,
      maxVUs: 200,
      stages: [
        { target: PEAK_RATE, duration: '1m' },
        { target: PEAK_RATE, duration: '2m' },
        { target: 0, duration: '30s' },
      ],
    },
  },
  thresholds: k6Thresholds(ORDERS_THRESHOLDS),
};

export function setup(): void {
  if (!API_KEY) exec.test.abort('set API_KEY to a store API key (npm run cli -- create-store)');
}

export default function (): void {
  const seed = `k6-${exec.scenario.iterationInTest}-${Date.now().toString(36)}`;
  const res = http.post(`${BASE_URL}/v1/orders`, JSON.stringify(orderBody(seed)), {
    headers: {
      authorization: `Bearer ${API_KEY}`,
      'content-type': 'application/json',
      'idempotency-key': seed,
    },
    tags: { name: 'POST /v1/orders' },
  });
  check(res, { 'order created (201)': (r) => r.status === 201 });
}
