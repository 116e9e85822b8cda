import { randomUUID } from 'node:crypto';
import { type Actor, eventTypeForStatus, type OrderStatus, type WebhookPayload } from '@o2o/domain';
import type { Queryable } from '../db/pool.js';
import type { OrderRow } from './order-row.js';

export interface RecordedEvent {
  outboxId: string;
  seq: number;
}

/**
 * Appends the event of a change the caller has just written to `orders`, and the outbox row that
 * will carry it to the store's webhook. Must run in the same transaction as the order update; the
 * event's per-order sequence number is the order's new version.
 */
export async function recordOrderEvent(
  client: Queryable,
  order: OrderRow,
  change: { from: OrderStatus | null; actor: Actor; data?: Record<string, unknown>; type?: string },
): Promise<RecordedEvent> {
  const type = change.type ?? eventTypeForStatus(order.status);
  const data = change.data ?? {};
  const seq = order.version;
  const eventId = `evt_${randomUUID()}`;
  const now = new Date();
  await client.query(
    `INSERT INTO order_events (order_id, seq, type, from_status, to_status, actor, data, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [order.id, seq, type, change.from, order.status, change.actor, data, now],
  );
  const payload: WebhookPayload = {
    id: eventId,
    type: type as WebhookPayload['type'],
    created_at: now.toISOString(),
    order: {
      id: order.id,
      external_id: order.external_id,
      status: order.status,
      seq,
      courier_id: order.courier_id,
    },
    data,
  };
  const outbox = await client.query<{ id: string }>(
    `INSERT INTO outbox (store_id, order_id, event_id, type, payload, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [order.store_id, order.id, eventId, type, payload, now],
  );
  const outboxId = outbox.rows[0]?.id;
  if (outboxId === undefined) throw new Error('outbox insert returned no id');
  return { outboxId, seq };
}
