import { orderGroupCommitFor } from './order-group-commit.js';
import { type CreateOrderContext, type CreateOrderResult, prepareOrder } from './prepare-order.js';

export type { CreateOrderContext, CreateOrderResult } from './prepare-order.js';

/**
 * Creates an order exactly once per Idempotency-Key: the key row, the order, its first event and
 * its outbox row, all in one statement. The whole response is known before the insert (ids,
 * times and price are made in `prepareOrder`, which also refuses a bad quote before anything is
 * written), so it is stored with the key for replays; the PIN is not stored but derived again.
 *
 * Concurrent creates share one statement and one commit (see order-group-commit.ts); each caller
 * is answered with its own outcome only after that commit: 201 (created or replayed), 409
 * `external_id_taken` or 422 `idempotency_key_reused`.
 */
export async function createOrder(ctx: CreateOrderContext): Promise<CreateOrderResult> {
  const prepared = await prepareOrder(ctx);
  return orderGroupCommitFor(ctx.pool).submit(prepared);
}
