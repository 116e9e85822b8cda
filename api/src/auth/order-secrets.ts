import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The customer's handoff PIN and the tracking token are derived from the order id with a server
 * secret (HMAC-SHA256), so neither is stored anywhere: a database dump reveals no PIN and no link,
 * and an idempotent replay of the creation returns the same values.
 */
export interface OrderSecrets {
  handoffPin(orderId: string): string;
  pinMatches(orderId: string, pin: string): boolean;
  trackingToken(orderId: string): string;
  /** The order id a token was made for, or null when the token is not one of ours. */
  orderIdFromTrackingToken(token: string): string | null;
}

export function createOrderSecrets(secret: string): OrderSecrets {
  const mac = (purpose: string, orderId: string) =>
    createHmac('sha256', secret).update(`${purpose}:${orderId}`).digest();

  const handoffPin = (orderId: string) =>
    String(mac('pin', orderId).readUInt32BE(0) % 10_000).padStart(4, '0');

  // Token = base64url(16 bytes of the uuid ‖ first 16 bytes of the MAC): 256 bits, unguessable.
  const trackingToken = (orderId: string) => {
    const idBytes = Buffer.from(orderId.replaceAll('-', ''), 'hex');
    return Buffer.concat([idBytes, mac('track', orderId).subarray(0, 16)]).toString('base64url');
  };

  return {
    handoffPin,
    pinMatches: (orderId, pin) => {
      const expected = Buffer.from(handoffPin(orderId));
      const given = Buffer.from(pin);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
    trackingToken,
    orderIdFromTrackingToken: (token) => {
      const bytes = Buffer.from(token, 'base64url');
      if (bytes.length !== 32) return null;
      const hex = bytes.subarray(0, 16).toString('hex');
      const orderId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      const expected = Buffer.from(trackingToken(orderId), 'base64url');
      return timingSafeEqual(expected, bytes) ? orderId : null;
    },
  };
}
