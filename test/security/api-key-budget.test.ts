import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiKeyPrefix, generateApiKey } from '../../api/src/auth/api-keys.js';
import { useSecurityApi } from './support/harness.js';

// The rate limit's budget is chosen only after the credentials verify (api/src/auth/rate-limit-key.ts).
const LIMIT = 30;
const api = useSecurityApi({ config: { RATE_LIMIT_PER_MINUTE: LIMIT } });

/** `n` calls, `concurrency` at a time (the shared Postgres has few connections to spare). */
async function calls(n: number, call: () => Promise<{ status: number }>, concurrency = 10) {
  const results: { status: number }[] = [];
  for (let done = 0; done < n; done += concurrency)
    results.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, n - done) }, call))));
  return results;
}

function statuses(results: { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

describe('the rate-limit budget of a store', () => {
  it('is not spent by keys that do not verify, even behind its own key prefix', async () => {
    const store = await api.store('targeted');
    const prefix = apiKeyPrefix(store.apiKey)!;
    // What someone who learnt the prefix (or guesses keys) sends: well-formed keys that do not verify.
    const forged = () => `o2o_sk_${prefix}_${randomBytes(24).toString('base64url')}`;
    const attack = await calls(2 * LIMIT, () =>
      api.call('GET', '/v1/orders?limit=1', { headers: { authorization: `Bearer ${forged()}` } }),
    );
    // They spend the budget of the address they come from: 30 refused as unknown, then 429.
    expect(statuses(attack)).toEqual({ 401: LIMIT, 429: LIMIT });
    // The store still has its whole budget.
    const own = await calls(LIMIT + 1, () => api.call('GET', '/v1/orders?limit=1', { headers: store.auth }));
    expect(statuses(own)).toEqual({ 200: LIMIT, 429: 1 });
  });

  it('is one per store, shared by all its keys', async () => {
    const store = await api.store('two keys');
    const second = generateApiKey();
    await api.pool.query(
      'INSERT INTO api_keys (id, store_id, key_prefix, key_hash) VALUES ($1, $2, $3, $4)',
      [randomUUID(), store.id, second.prefix, second.hash],
    );
    const first = await calls(LIMIT, () => api.call('GET', '/v1/orders?limit=1', { headers: store.auth }));
    expect(statuses(first)).toEqual({ 200: LIMIT });
    const other = await api.call('GET', '/v1/orders?limit=1', {
      headers: { authorization: `Bearer ${second.key}` },
    });
    expect(other.status).toBe(429);
    // Another store is not affected.
    const calm = await api.store('calm');
    expect((await api.call('GET', '/v1/orders?limit=1', { headers: calm.auth })).status).toBe(200);
  });
});
