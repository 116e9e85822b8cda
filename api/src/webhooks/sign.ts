import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-o2o-signature';
export const TIMESTAMP_HEADER = 'x-o2o-timestamp';
export const EVENT_ID_HEADER = 'x-o2o-event-id';

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

/** `v1=<hex HMAC-SHA256(secret, "<unix seconds>.<raw body>")>` */
export function signWebhook(secret: string, timestampSeconds: number, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex');
  return `v1=${mac}`;
}

/**
 * What a receiver does (and our tests do): recompute the signature and refuse old timestamps, so
 * a captured delivery cannot be replayed later.
 */
export function verifyWebhook(
  secret: string,
  headers: { signature: string; timestamp: string },
  rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, ts, rawBody));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
