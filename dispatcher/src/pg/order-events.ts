import { randomUUID } from 'node:crypto';
import { type Actor, eventTypeForStatus, type OrderStatus, type WebhookPayload } from '@o2o/domain';
import type { OrderRow } from './order-row.js';
import type { Queryable } from './pool.js';

export interface OrderEventChange {
  from: OrderStatus | null;
  actor: Actor;
  data?: Record<string, unknown>;
  type?: string;
}

/** An event of an order as it will be written to `order_events` and `outbox`. */
export interface BuiltOrderEvent {
  eventId: string;
  type: string;
  seq: number;
  data: Record<string, unknown>;
  createdAt: Date;
  payload: WebhookPayload;
}

/** The event of a change already applied to `order`; its sequence number is the order's version. */
export function buildOrderEvent(
  order: OrderRow,
  change: OrderEventChange,
  now = new Date(),
): BuiltOrderEvent {
  const type = change.type ?? eventTypeForStatus(order.status);
  const data = change.data ?? {};
  const eventId = `evt_${randomUUID()}`;
  return {
    eventId,
    type,
    seq: order.version,
    data,
    createdAt: now,
    payload: {
      id: eventId,
      type: type as WebhookPayload['type'],
      created_at: now.toISOString(),
      order: {
        id: order.id,
        external_id: order.external_id,
        status: order.status,
        seq: order.version,
        courier_id: order.courier_id,
      },
      data,
    },
  };
}

export interface RecordedEvent {
  outboxId: string;
  seq: number;
}

/**
 * Appends the event of a change the caller has just written to `orders`, and the outbox row that
 * will carry it to the store's webhook. Must run in the same transaction as the order update.
 */
export async function recordOrderEvent(
  client: Queryable,
  order: OrderRow,
  change: OrderEventChange,
): Promise<RecordedEvent> {
  const event = buildOrderEvent(order, change);
  const result = await client.query<{ id: string }>(
    `WITH ev AS (
       INSERT INTO order_events (order_id, seq, type, from_status, to_status, actor, data, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     )
     INSERT INTO outbox (store_id, order_id, event_id, type, payload, created_at)
     VALUES ($9, $1, $10, $3, $11, $8) RETURNING id`,
    [
      order.id,
      event.seq,
      event.type,
      change.from,
      order.status,
      change.actor,
      event.data,
      event.createdAt,
      order.store_id,
      event.eventId,
      event.payload,
    ],
  );
  const outboxId = result.rows[0]?.id;
  if (outboxId === undefined) throw new Error('outbox insert returned no id');
  return { outboxId, seq: event.seq };
}
