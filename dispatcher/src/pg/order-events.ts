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
  const [recorded] = await recordOrderEvents(client, [{ order, change }]);
  if (!recorded) throw new Error('outbox insert returned no id');
  return recorded;
}

/**
 * The same for many orders in one statement (a dispatch cycle's batch): events and outbox rows
 * in input order. Must run in the same transaction as the order updates.
 */
export async function recordOrderEvents(
  client: Queryable,
  changes: readonly { order: OrderRow; change: OrderEventChange }[],
): Promise<RecordedEvent[]> {
  if (changes.length === 0) return [];
  const events = changes.map(({ order, change }) => ({
    order,
    change,
    event: buildOrderEvent(order, change),
  }));
  const result = await client.query<{ id: string; ord: number }>(
    `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[],
                            $8::timestamptz[], $9::uuid[], $10::text[], $11::jsonb[])
         WITH ORDINALITY AS t(order_id, seq, type, from_status, to_status, actor, data, created_at, store_id,
                              event_id, payload, ord)
     ), ev AS (
       INSERT INTO order_events (order_id, seq, type, from_status, to_status, actor, data, created_at)
       SELECT order_id, seq, type, from_status, to_status, actor, data, created_at FROM input ORDER BY ord
     ), ob AS (
       INSERT INTO outbox (store_id, order_id, event_id, type, payload, created_at)
       SELECT store_id, order_id, event_id, type, payload, created_at FROM input ORDER BY ord
       RETURNING id, event_id
     )
     SELECT ob.id, input.ord FROM ob JOIN input USING (event_id) ORDER BY input.ord`,
    [
      events.map((e) => e.order.id),
      events.map((e) => e.event.seq),
      events.map((e) => e.event.type),
      events.map((e) => e.change.from),
      events.map((e) => e.order.status),
      events.map((e) => e.change.actor),
      events.map((e) => JSON.stringify(e.event.data)),
      events.map((e) => e.event.createdAt),
      events.map((e) => e.order.store_id),
      events.map((e) => e.event.eventId),
      events.map((e) => JSON.stringify(e.event.payload)),
    ],
  );
  if (result.rows.length !== events.length) throw new Error('outbox insert returned fewer ids than events');
  return result.rows.map((row, i) => ({ outboxId: row.id, seq: events[i]!.event.seq }));
}
