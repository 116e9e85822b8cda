import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Store API keys look like `o2o_sk_<prefix>_<secret>`. The prefix finds the row; the secret is
 * only ever stored as a SHA-256 hash (it has 192 random bits, so a slow hash buys nothing).
 */
const KEY_PATTERN = /^o2o_sk_([a-z0-9]{12})_([A-Za-z0-9_-]{32})$/;

export interface NewApiKey {
  key: string;
  prefix: string;
  hash: Buffer;
}

export function generateApiKey(): NewApiKey {
  const prefix = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const secret = randomBytes(24).toString('base64url');
  const key = `o2o_sk_${prefix}_${secret}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** The prefix of a well-formed key, or null for anything else. */
export function apiKeyPrefix(key: string): string | null {
  const match = KEY_PATTERN.exec(key);
  return match?.[1] ?? null;
}

export function apiKeyMatches(key: string, storedHash: Buffer): boolean {
  const hash = hashApiKey(key);
  return hash.length === storedHash.length && timingSafeEqual(hash, storedHash);
}
