/**
 * What the load tests send, shared by the k6 scripts and the Node twins (no imports: k6 loads it
 * as it is).
 */

/** A valid `POST /v1/orders` body around Berlin Mitte; `seed` makes `external_id` unique. */
export function orderBody(seed: string): Record<string, unknown> {
  const jitter = () => (Math.random() - 0.5) * 0.02;
  return {
    external_id: `load-${seed}`,
    pickup: { lat: 52.52 + jitter(), lng: 13.405 + jitter(), address: 'Alexanderplatz 1' },
    dropoff: { lat: 52.53 + jitter(), lng: 13.42 + jitter(), address: 'Kastanienallee 12' },
    customer: { name: 'Load Test', phone: '+49 30 1234567' },
    items: [{ name: 'Pretzel', quantity: 2 }],
  };
}

/** A unique enough seed for ids and idempotency keys. */
export function uniqueSeed(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The token at the end of an order's `tracking_url` (`…/track/<token>`). */
export function trackingToken(trackingUrl: string): string {
  const token = trackingUrl.split('/track/')[1];
  if (!token) throw new Error(`not a tracking url: ${trackingUrl}`);
  return token;
}
