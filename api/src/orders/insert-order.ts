import type { OrderRow } from '@o2o/dispatcher';
import { DomainError } from '@o2o/domain';
import { type CreateOrderResult, createdResult, creationView, type PreparedOrder } from './prepare-order.js';

/**
 * Writes one prepared order in ONE statement (one round trip, one implicit transaction): the
 * order with its idempotency key, its first event and its outbox row. This is the path for a
 * batch of one and the fallback when a batch statement fails, because it tells each request its
 * own outcome.
 *
 * The order row carries the key: its unique (store_id, idempotency_key) index makes a concurrent
 * request with the same key wait until the first commits and then insert nothing, like a taken
 * external_id does. Which of the two it was is read afterwards (`answerNotInserted`), so a refused
 * request writes nothing either way.
 */
export async function insertOrderAlone(prepared: PreparedOrder): Promise<CreateOrderResult> {
  const { ctx, hash, order, event } = prepared;
  const b = ctx.body;
  const result = await ctx.pool.query<{ outbox_id: string | null }>({
    // Named: each connection parses and plans this statement once.
    name: 'insert-order',
    text: `WITH ord AS (
       INSERT INTO orders (id, store_id, region_id, external_id, status, quote_id,
                           pickup_lat, pickup_lng, pickup_address, dropoff_lat, dropoff_lng, dropoff_address,
                           customer_name, customer_phone, items, notes, vehicle, fee_cents, currency, ready_at,
                           created_at, updated_at, idempotency_key, request_hash)
       VALUES ($1, $2, $3, $4, 'created', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20,
               $21, decode($22, 'hex'))
       ON CONFLICT DO NOTHING
       RETURNING id
     ), ev AS (
       INSERT INTO order_events (order_id, seq, type, from_status, to_status, actor, data, created_at)
       SELECT id, 1, $23, NULL, 'created', 'store', '{}'::jsonb, $20 FROM ord
     ), ob AS (
       INSERT INTO outbox (store_id, order_id, event_id, type, payload, created_at)
       SELECT $2, id, $24, $23, $25, $20 FROM ord
       RETURNING id
     )
     SELECT (SELECT id FROM ob) AS outbox_id`,
    values: [
      order.id,
      order.store_id,
      order.region_id,
      order.external_id,
      order.quote_id,
      order.pickup_lat,
      order.pickup_lng,
      order.pickup_address,
      order.dropoff_lat,
      order.dropoff_lng,
      order.dropoff_address,
      order.customer_name,
      order.customer_phone,
      JSON.stringify(b.items ?? []),
      b.notes ?? null,
      order.vehicle,
      order.fee_cents,
      order.currency,
      order.ready_at,
      order.created_at,
      ctx.idempotencyKey,
      hash,
      event.type,
      event.eventId,
      event.payload,
    ],
  });
  const outboxId = result.rows[0]?.outbox_id;
  if (!outboxId) return answerNotInserted(prepared);
  return createdResult(prepared, outboxId);
}

/**
 * The answer for an order that was not inserted. Only the order's unique keys refuse an insert:
 * when its idempotency key belongs to an order, the same 201 (rebuilt from the order as it was
 * created, see `creationView`) or 422 for another body; otherwise its external_id is taken.
 * Both conflicts are with committed rows (an insert waits for a conflicting one in progress).
 */
export async function answerNotInserted({ ctx, hash }: PreparedOrder): Promise<CreateOrderResult> {
  const stored = await ctx.pool.query<OrderRow & { request_hash: Buffer | null }>(
    'SELECT * FROM orders WHERE store_id = $1 AND idempotency_key = $2',
    [ctx.store.id, ctx.idempotencyKey],
  );
  const row = stored.rows[0];
  if (!row) {
    throw new DomainError('external_id_taken', { detail: `external_id ${ctx.body.external_id} is taken` });
  }
  if (row.request_hash?.toString('hex') !== hash) throw new DomainError('idempotency_key_reused');
  return {
    statusCode: 201,
    body: { ...creationView(row, ctx.trackingUrl(row.id)), handoff_pin: ctx.handoffPin(row.id) },
  };
}
