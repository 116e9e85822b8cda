import type { Queryable } from '@o2o/dispatcher';
import type { PreparedOrder } from './prepare-order.js';

/**
 * The single-row statement of insert-order.ts over a set of rows: same CTEs, fed by one jsonb
 * array through `jsonb_to_recordset`, so N orders cost one round trip and ONE commit (one WAL
 * flush) instead of N. The rows are one parameter, so the statement text and its plan are the
 * same for every batch size.
 *
 * Returns the outbox row of each order it inserted, by order id. An order missing from the map
 * was not inserted because its idempotency key or its external_id is taken (the rest of the batch
 * goes on); the caller asks which (`answerNotInserted`). Two orders of one batch with the same
 * external_id: the first in the statement's order is inserted.
 *
 * The keys of one batch must be distinct (the batcher dedupes them). Rows are inserted sorted by
 * store and key, so two concurrent batches that share keys take their locks in the same order and
 * wait rather than deadlock; a deadlock that still happens (a shared external_id under different
 * keys) is only a failed batch, retried row by row like any other.
 */
export async function insertOrdersBatch(
  db: Queryable,
  batch: readonly PreparedOrder[],
): Promise<Map<string, string>> {
  const result = await db.query<{ order_id: string; outbox_id: string }>({
    // Named: each connection parses and plans this statement once, not once per batch.
    name: 'insert-orders-batch',
    text: `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
         id uuid, store_id uuid, region_id text, external_id text, quote_id uuid,
         pickup_lat float8, pickup_lng float8, pickup_address text,
         dropoff_lat float8, dropoff_lng float8, dropoff_address text,
         customer_name text, customer_phone text, items jsonb, notes text, vehicle text,
         fee_cents integer, currency text, ready_at timestamptz, created_at timestamptz,
         key text, request_hash text, event_type text, event_id text, payload jsonb)
     ), ord AS (
       INSERT INTO orders (id, store_id, region_id, external_id, status, quote_id,
                           pickup_lat, pickup_lng, pickup_address, dropoff_lat, dropoff_lng, dropoff_address,
                           customer_name, customer_phone, items, notes, vehicle, fee_cents, currency, ready_at,
                           created_at, updated_at, idempotency_key, request_hash)
       SELECT i.id, i.store_id, i.region_id, i.external_id, 'created', i.quote_id,
              i.pickup_lat, i.pickup_lng, i.pickup_address, i.dropoff_lat, i.dropoff_lng, i.dropoff_address,
              i.customer_name, i.customer_phone, i.items, i.notes, i.vehicle, i.fee_cents, i.currency,
              i.ready_at, i.created_at, i.created_at, i.key, decode(i.request_hash, 'hex')
         FROM input i
        ORDER BY i.store_id, i.key
       ON CONFLICT DO NOTHING
       RETURNING id
     ), ev AS (
       INSERT INTO order_events (order_id, seq, type, from_status, to_status, actor, data, created_at)
       SELECT i.id, 1, i.event_type, NULL, 'created', 'store', '{}'::jsonb, i.created_at
         FROM input i JOIN ord ON ord.id = i.id
     ), ob AS (
       INSERT INTO outbox (store_id, order_id, event_id, type, payload, created_at)
       SELECT i.store_id, i.id, i.event_id, i.event_type, i.payload, i.created_at
         FROM input i JOIN ord ON ord.id = i.id
       RETURNING id, order_id
     )
     SELECT order_id, id AS outbox_id FROM ob`,
    values: [JSON.stringify(batch.map(batchRow))],
  });
  const outboxIds = new Map<string, string>();
  for (const row of result.rows) outboxIds.set(row.order_id, row.outbox_id);
  return outboxIds;
}

/** One element of the jsonb array; names match the recordset columns above. */
function batchRow({ ctx, hash, order, view, event }: PreparedOrder) {
  return {
    id: order.id,
    store_id: order.store_id,
    region_id: order.region_id,
    external_id: order.external_id,
    quote_id: order.quote_id,
    pickup_lat: order.pickup_lat,
    pickup_lng: order.pickup_lng,
    pickup_address: order.pickup_address,
    dropoff_lat: order.dropoff_lat,
    dropoff_lng: order.dropoff_lng,
    dropoff_address: order.dropoff_address,
    customer_name: order.customer_name,
    customer_phone: order.customer_phone,
    items: ctx.body.items ?? [],
    notes: ctx.body.notes ?? null,
    vehicle: order.vehicle,
    fee_cents: order.fee_cents,
    currency: order.currency,
    // The view's ISO text of the same Dates (JSON.stringify would call toISOString again).
    ready_at: view.ready_at,
    created_at: view.created_at,
    key: ctx.idempotencyKey,
    request_hash: hash,
    event_type: event.type,
    event_id: event.eventId,
    payload: event.payload,
  };
}
