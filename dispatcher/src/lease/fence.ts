import { DomainError } from '@o2o/domain';
import type { Queryable } from '../pg/pool.js';

/**
 * Checks, inside the caller's transaction, that `fence` is still the region's current fencing
 * token, and holds a share lock on the region row until the transaction ends. A takeover bumps
 * the token with an UPDATE of that row, which waits for this transaction; so once a takeover has
 * committed, every write of the old holder is refused here.
 */
export async function assertFence(client: Queryable, region: string, fence: number): Promise<void> {
  const result = await client.query<{ fence: string }>('SELECT fence FROM regions WHERE id = $1 FOR SHARE', [
    region,
  ]);
  const current = result.rows[0]?.fence;
  if (current === undefined) throw new DomainError('not_found', { detail: `no region ${region}` });
  if (Number(current) !== fence) {
    throw new DomainError('stale_fence', {
      detail: `fence ${fence} is stale; region ${region} is at ${current}`,
    });
  }
}
