import { hash, timingSafeEqual } from 'node:crypto';

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

const SHA256_BLOCK_BYTES = 64;
const SHA256_BYTES = 32;

/**
 * HMAC-SHA256 under one key (RFC 2104), with the key's pads made once: two one-shot `hash` calls
 * per message instead of a `createHmac` object (which derives the pads again on every call). The
 * MAC comes back as a binary string (one char per byte, latin1): a one-shot `hash` that returns a
 * string costs ~0.2 µs, one that returns a Buffer ~0.75 µs (allocating the Buffer is the cost), and
 * a create computes two MACs. Same bytes as createHmac('sha256', key); secrets.test.ts checks it
 * for random keys and texts.
 */
export function hmacSha256With(key: string): (message: string) => string {
  let k = Buffer.from(key, 'utf8');
  if (k.length > SHA256_BLOCK_BYTES) k = hash('sha256', k, 'buffer');
  const inner = Buffer.alloc(SHA256_BLOCK_BYTES + 256, 0x36);
  const outer = Buffer.alloc(SHA256_BLOCK_BYTES + SHA256_BYTES, 0x5c);
  for (let i = 0; i < k.length; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  const innerPad = Buffer.from(inner.subarray(0, SHA256_BLOCK_BYTES));
  return (message) => {
    // Calls run one at a time (synchronous), so one scratch buffer serves them all.
    let input: Buffer;
    if (Buffer.byteLength(message) <= inner.length - SHA256_BLOCK_BYTES) {
      const n = inner.write(message, SHA256_BLOCK_BYTES, 'utf8');
      input = inner.subarray(0, SHA256_BLOCK_BYTES + n);
    } else {
      input = Buffer.concat([innerPad, Buffer.from(message, 'utf8')]);
    }
    outer.write(hash('sha256', input, 'binary'), SHA256_BLOCK_BYTES, 'latin1');
    return hash('sha256', outer, 'binary');
  };
}

/** The first four bytes of a binary string as a big-endian unsigned integer. */
function uint32At0(bytes: string): number {
  return (
    ((bytes.charCodeAt(0) << 24) |
      (bytes.charCodeAt(1) << 16) |
      (bytes.charCodeAt(2) << 8) |
      bytes.charCodeAt(3)) >>>
    0
  );
}

export function createOrderSecrets(secret: string): OrderSecrets {
  const hmac = hmacSha256With(secret);
  const mac = (purpose: string, orderId: string) => hmac(`${purpose}:${orderId}`);

  const handoffPin = (orderId: string) => String(uint32At0(mac('pin', orderId)) % 10_000).padStart(4, '0');

  // Token = base64url(16 bytes of the uuid ‖ first 16 bytes of the MAC): 256 bits, unguessable.
  // Built in one scratch buffer (calls are synchronous): the id's hex, then the MAC's bytes.
  const tokenBytes = Buffer.alloc(32);
  const trackingToken = (orderId: string) => {
    if (tokenBytes.write(orderId.replaceAll('-', ''), 0, 16, 'hex') !== 16) {
      throw new Error(`not an order id: ${orderId}`);
    }
    tokenBytes.write(mac('track', orderId), 16, 16, 'latin1');
    return tokenBytes.toString('base64url');
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
      // Compare the text, not the decoded bytes: the last of 43 base64url characters carries two
      // unused bits, so up to four spellings decode to the same bytes. Only ours opens the order.
      const expected = Buffer.from(trackingToken(orderId), 'latin1');
      const given = Buffer.from(token, 'latin1');
      return expected.length === given.length && timingSafeEqual(expected, given) ? orderId : null;
    },
  };
}
