import { atArrivalRate, isFailure, p95, passes, type TwinResult, timedFetch } from './measure.js';
import { ORDERS_THRESHOLDS } from './thresholds.js';
import { orderBody, uniqueSeed } from './traffic.js';

export interface OrdersTwinOptions {
  baseUrl: string;
  apiKey: string;
  ratePerSecond: number;
  seconds: number;
}

export interface OrdersTwinResult extends TwinResult {
  /** Ids of the orders the api answered 201 for. */
  orderIds: string[];
  /** Their `tracking_url`s, in the same order. */
  trackingUrls: string[];
}

/**
 * The Node twin of `k6/orders.ts`: `POST /v1/orders` at a constant arrival rate for a short time
 * (CI), measured like k6 measures it.
 */
export async function runOrdersTwin(options: OrdersTwinOptions): Promise<OrdersTwinResult> {
  const run = uniqueSeed('twin');
  const results = await atArrivalRate(options.ratePerSecond, options.seconds, (i) =>
    timedFetch(`${options.baseUrl}/v1/orders`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': `${run}-${i}`,
      },
      body: JSON.stringify(orderBody(`${run}-${i}`)),
    }),
  );
  const created = results
    .filter((r) => r.status === 201)
    .map((r) => r.body as { id: string; tracking_url: string });
  return {
    sent: results.length,
    failed: results.filter((r) => isFailure(r.status)).length,
    p95Ms: p95(results.map((r) => r.ms)),
    orderIds: created.map((o) => o.id),
    trackingUrls: created.map((o) => o.tracking_url),
  };
}

/** Whether a run meets `ORDERS_THRESHOLDS`, the numbers `k6/orders.ts` checks. */
export function thresholdsPassed(result: TwinResult): boolean {
  return passes(result, ORDERS_THRESHOLDS);
}
