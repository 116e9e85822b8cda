import type { Queryable } from '@o2o/dispatcher';
import { DomainError } from '@o2o/domain';
import { apiKeyMatches, apiKeyPrefix } from '../auth/api-keys.js';

export interface AuthenticatedStore {
  id: string;
  regionId: string;
  name: string;
}

/** The API key from `Authorization: Bearer <key>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && value ? value : undefined;
}

/**
 * Resolves API keys to stores. Verified keys are cached for a short time (default 30 s) so the hot
 * path does one hash and no query; a revoked key stops working within that time.
 */
export function createStoreAuthenticator(db: Queryable, cacheMs = 30_000, maxCached = 10_000) {
  const cache = new Map<string, { store: AuthenticatedStore; untilMs: number }>();

  return async function authenticateStore(authorization: string | undefined): Promise<AuthenticatedStore> {
    const key = bearerToken(authorization);
    const prefix = key ? apiKeyPrefix(key) : null;
    if (!key || !prefix)
      throw new DomainError('unauthorized', { detail: 'Send Authorization: Bearer <API key>' });
    const hit = cache.get(key);
    if (hit && hit.untilMs > Date.now()) return hit.store;
    const found = await db.query<{ key_hash: Buffer; store_id: string; region_id: string; name: string }>(
      `SELECT k.key_hash, s.id AS store_id, s.region_id, s.name
         FROM api_keys k JOIN stores s ON s.id = k.store_id
        WHERE k.key_prefix = $1 AND k.revoked_at IS NULL`,
      [prefix],
    );
    const row = found.rows[0];
    if (!row || !apiKeyMatches(key, row.key_hash))
      throw new DomainError('unauthorized', { detail: 'Unknown API key' });
    const store = { id: row.store_id, regionId: row.region_id, name: row.name };
    if (cache.size >= maxCached) cache.clear();
    cache.set(key, { store, untilMs: Date.now() + cacheMs });
    return store;
  };
}

export type StoreAuthenticator = ReturnType<typeof createStoreAuthenticator>;
