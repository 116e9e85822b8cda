import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apiKeyMatches, apiKeyPrefix, generateApiKey } from '../src/auth/api-keys.js';
import { createOrderSecrets, hmacSha256With } from '../src/auth/order-secrets.js';
import { hashPassword, verifyPassword } from '../src/auth/passwords.js';
import { loadApiConfig } from '../src/config.js';

describe('secrets', () => {
  it('makes API keys that are found by prefix and checked by hash', () => {
    const { key, prefix, hash } = generateApiKey();
    expect(apiKeyPrefix(key)).toBe(prefix);
    expect(apiKeyMatches(key, hash)).toBe(true);
    const changedLast = key.at(-1) === 'x' ? 'y' : 'x';
    expect(apiKeyMatches(`${key.slice(0, -1)}${changedLast}`, hash)).toBe(false);
    expect(apiKeyPrefix('o2o_sk_short_x')).toBeNull();
  });

  it('derives a stable 4-digit PIN and an unguessable tracking token from the order id', () => {
    const secrets = createOrderSecrets('a-secret-of-sixteen+');
    const other = createOrderSecrets('another-secret-here');
    const orderId = '4f1c2d3e-aaaa-4bbb-8ccc-0123456789ab';
    expect(secrets.handoffPin(orderId)).toMatch(/^[0-9]{4}$/);
    expect(secrets.handoffPin(orderId)).toBe(secrets.handoffPin(orderId));
    expect(secrets.pinMatches(orderId, secrets.handoffPin(orderId))).toBe(true);
    expect(secrets.pinMatches(orderId, '12345')).toBe(false);
    const token = secrets.trackingToken(orderId);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secrets.orderIdFromTrackingToken(token)).toBe(orderId);
    expect(other.orderIdFromTrackingToken(token)).toBeNull();
    expect(secrets.orderIdFromTrackingToken(`${token.slice(0, -2)}AA`)).toBeNull();
    expect(secrets.orderIdFromTrackingToken('short')).toBeNull();
  });

  it('opens an order only by the exact text of its token, not by another spelling of the same bytes', () => {
    const secrets = createOrderSecrets('a-secret-of-sixteen+');
    const orderId = '4f1c2d3e-aaaa-4bbb-8ccc-0123456789ab';
    const token = secrets.trackingToken(orderId);
    // The last character holds 4 bits of the token and 2 unused ones: its 3 siblings decode alike.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1)!);
    const siblings = [0, 1, 2, 3]
      .map((low) => alphabet[(last & ~3) | low]!)
      .filter((ch) => ch !== token.at(-1))
      .map((ch) => token.slice(0, -1) + ch);
    expect(siblings).toHaveLength(3);
    for (const sibling of siblings) {
      expect(Buffer.from(sibling, 'base64url').equals(Buffer.from(token, 'base64url'))).toBe(true);
      expect(secrets.orderIdFromTrackingToken(sibling)).toBeNull();
    }
    expect(secrets.orderIdFromTrackingToken(`${token}=`)).toBeNull();
  });

  it('refuses to make a tracking token for anything but an order id', () => {
    const secrets = createOrderSecrets('a-secret-of-sixteen+');
    expect(() => secrets.trackingToken('not-a-uuid')).toThrow(/not an order id/);
    // A refusal leaves nothing behind for the next token.
    const orderId = '4f1c2d3e-aaaa-4bbb-8ccc-0123456789ab';
    expect(secrets.orderIdFromTrackingToken(secrets.trackingToken(orderId))).toBe(orderId);
  });

  it('computes the same HMAC-SHA256 as createHmac, so PINs and tracking links of existing orders stay valid', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 100 }),
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        (key, message) => {
          const expected = createHmac('sha256', key).update(message).digest('binary');
          const hmac = hmacSha256With(key);
          expect(hmac(message)).toBe(expected);
          // Twice in a row: the scratch buffers of one call do not leak into the next.
          expect(hmac(message.slice(1))).toBe(
            createHmac('sha256', key).update(message.slice(1)).digest('binary'),
          );
        },
      ),
    );
    // A known pin and token, computed with createHmac before this change.
    const secrets = createOrderSecrets('a-secret-of-sixteen+');
    const orderId = '4f1c2d3e-aaaa-4bbb-8ccc-0123456789ab';
    const mac = (text: string) => createHmac('sha256', 'a-secret-of-sixteen+').update(text).digest();
    expect(secrets.handoffPin(orderId)).toBe(
      String(mac(`pin:${orderId}`).readUInt32BE(0) % 10_000).padStart(4, '0'),
    );
    expect(secrets.trackingToken(orderId)).toBe(
      Buffer.concat([
        Buffer.from(orderId.replaceAll('-', ''), 'hex'),
        mac(`track:${orderId}`).subarray(0, 16),
      ]).toString('base64url'),
    );
  });

  it('hashes passwords with a salt', async () => {
    const a = await hashPassword('correct horse');
    expect(a).not.toBe(await hashPassword('correct horse'));
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('wrong', a)).toBe(false);
  });
});

describe('api config', () => {
  it('reads numbers and booleans from env and fills defaults', () => {
    const config = loadApiConfig({ PORT: '8080', RUN_WEBHOOK_WORKER: 'false' });
    expect(config).toMatchObject({ PORT: 8080, RUN_WEBHOOK_WORKER: false, HOST: '127.0.0.1' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('fails fast listing every bad variable', () => {
    expect(() => loadApiConfig({ PORT: 'eighty', JWT_SECRET: 'short' })).toThrow(/PORT[\s\S]*JWT_SECRET/);
  });
});
