import { type Actor, canTransition, DomainError, type OrderStatus } from '@o2o/domain';
import { recordOrderEvent } from './order-events.js';
import type { OrderRow } from './order-row.js';
import type { Queryable } from './pool.js';

export interface TransitionRequest {
  orderId: string;
  to: OrderStatus;
  actor: Actor;
  /** Only this store's order may change (store routes); a foreign order reads as not found. */
  storeId?: string;
  /** Refuse when the order has moved on since the caller read it. */
  expectedVersion?: number;
  /** The dispatcher's fencing token: a write with a token lower than the order's last is stale. */
  fence?: number;
  /** Set (or, with null, clear) the assigned courier. */
  courierId?: string | null;
  cancelReason?: string;
  data?: Record<string, unknown>;
}

export interface TransitionResult {
  order: OrderRow;
  from: OrderStatus;
  outboxId: string;
}

/**
 * One status change as one piece of a transaction: lock the row, check the state machine, update
 * with a version check (and a fence check for the dispatcher), append the event and the outbox
 * row. The caller owns the transaction.
 */
export async function transitionOrder(client: Queryable, req: TransitionRequest): Promise<TransitionResult> {
  const found = await client.query<OrderRow>(
    `SELECT * FROM orders WHERE id = $1 ${req.storeId ? 'AND store_id = $2' : ''} FOR UPDATE`,
    req.storeId ? [req.orderId, req.storeId] : [req.orderId],
  );
  const current = found.rows[0];
  if (!current) throw new DomainError('not_found', { detail: 'No such order' });
  if (req.expectedVersion !== undefined && current.version !== req.expectedVersion) {
    throw new DomainError('conflict', { detail: `order is at version ${current.version}` });
  }
  if (req.fence !== undefined && Number(current.fence) > req.fence) {
    throw new DomainError('conflict', { detail: 'stale dispatcher fencing token' });
  }
  if (!canTransition(current.status, req.to, req.actor)) {
    throw new DomainError(req.to === 'canceled' ? 'order_not_cancelable' : 'invalid_transition', {
      detail: `${current.status} → ${req.to} is not allowed for ${req.actor}`,
    });
  }
  const courierId = req.courierId === undefined ? current.courier_id : req.courierId;
  const updated = await client.query<OrderRow>(
    `UPDATE orders
        SET status = $2, version = version + 1, courier_id = $4, updated_at = now(),
            fence = GREATEST(fence, $5), cancel_reason = COALESCE($6, cancel_reason)
      WHERE id = $1 AND version = $3
      RETURNING *`,
    [current.id, req.to, current.version, courierId, req.fence ?? 0, req.cancelReason ?? null],
  );
  const order = updated.rows[0];
  if (!order) throw new DomainError('conflict', { detail: 'the order changed concurrently' });
  const event = await recordOrderEvent(client, order, {
    from: current.status,
    actor: req.actor,
    data: { ...(req.data ?? {}), ...(req.cancelReason ? { reason: req.cancelReason } : {}) },
  });
  return { order, from: current.status, outboxId: event.outboxId };
}
