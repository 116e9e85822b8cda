import { describe, expect, it } from 'vitest';
import { useTestApi } from '../../api/test/helper.js';
import { isFailure, p95, passes } from '../src/measure.js';
import { runOrdersTwin, thresholdsPassed } from '../src/orders-twin.js';
import { ORDERS_THRESHOLDS, TRACKING_THRESHOLDS } from '../src/thresholds.js';
import { runTrackingTwin, trackingThresholdsPassed } from '../src/tracking-twin.js';
import { trackingToken } from '../src/traffic.js';

const api = useTestApi();

describe('measuring', () => {
  it('takes the nearest-rank p95 and counts failures like k6', () => {
    expect(p95([])).toBe(0);
    expect(p95(Array.from({ length: 100 }, (_, i) => 100 - i))).toBe(95);
    expect(p95([7])).toBe(7);
    expect([200, 201, 302, 399].map(isFailure)).toEqual([false, false, false, false]);
    expect([undefined, 400, 429, 500, 101].map(isFailure)).toEqual([true, true, true, true, true]);
  });

  it('passes only under both numbers, and never on an empty run', () => {
    const t = { p95Ms: 100, maxFailedRate: 0.01 };
    expect(passes({ sent: 200, failed: 1, p95Ms: 99 }, t)).toBe(true);
    expect(passes({ sent: 200, failed: 2, p95Ms: 99 }, t)).toBe(false);
    expect(passes({ sent: 200, failed: 0, p95Ms: 100 }, t)).toBe(false);
    expect(passes({ sent: 0, failed: 0, p95Ms: 0 }, t)).toBe(false);
    expect(ORDERS_THRESHOLDS.maxFailedRate).toBeGreaterThan(0);
    expect(TRACKING_THRESHOLDS.p95Ms).toBeGreaterThan(0);
  });
});

describe('the twins against a real api', () => {
  it('creates orders at 20/s for 3 s within the thresholds, every one in Postgres, then tracks them', async () => {
    const store = await api.newStore('Load store');
    const orders = await runOrdersTwin({
      baseUrl: api.baseUrl,
      apiKey: store.apiKey,
      ratePerSecond: 20,
      seconds: 3,
    });
    expect(orders.sent).toBe(60);
    expect(orders.failed).toBe(0);
    expect(thresholdsPassed(orders)).toBe(true);
    expect(orders.orderIds).toHaveLength(60);
    const rows = await api.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM orders WHERE store_id = $1 AND id = ANY($2::uuid[])',
      [store.id, orders.orderIds],
    );
    expect(Number(rows.rows[0]?.n)).toBe(60);

    const tokens = orders.trackingUrls.slice(0, 5).map(trackingToken);
    const tracking = await runTrackingTwin({ baseUrl: api.baseUrl, tokens, ratePerSecond: 20, seconds: 2 });
    expect(tracking.sent).toBe(40);
    expect(tracking.failed).toBe(0);
    expect(trackingThresholdsPassed(tracking)).toBe(true);
  });

  it('counts refused requests as failures', async () => {
    const refused = await runOrdersTwin({
      baseUrl: api.baseUrl,
      apiKey: 'o2o_sk_wrong',
      ratePerSecond: 10,
      seconds: 0.5,
    });
    expect(refused.failed).toBe(refused.sent);
    expect(thresholdsPassed(refused)).toBe(false);
    const unknown = await runTrackingTwin({
      baseUrl: api.baseUrl,
      tokens: ['nope'],
      ratePerSecond: 10,
      seconds: 0.5,
    });
    expect(unknown.failed).toBe(unknown.sent);
    expect(trackingThresholdsPassed(unknown)).toBe(false);
  });
});
