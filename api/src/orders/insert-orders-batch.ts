import type { Queryable } from '@o2o/dispatcher';
import type { PreparedOrder } from './prepare-order.js';

/** What the batch statement did for one prepared order. */
export interface BatchRowOutcome {
  /** This request's key row was inserted (false: the key was already taken, so replay it). */
  claimed: boolean;
  /** The outbox row written for the new order; null when the key was not claimed. */
  outboxId: string | null;
}

/**
 * The single-row statement of insert-order.ts over a set of rows: same CTEs, fed by one jsonb
 * array through `jsonb_to_recordset`, so N orders cost one round trip and ONE commit (one WAL
 * flush) instead of N. The rows are one parameter, so the statement text and its plan are the
 * same for every batch size.
 *
 * All or nothing: when any order's external_id is taken, its key row's reference to the order
 * fails at the end of the statement and the whole batch rolls back. The caller then retries the
 * batch one row at a time, which tells each request its own outcome.
 *
 * The keys of one batch must be distinct (the batcher dedupes them). Rows are inserted sorted by
 * key and by external_id, so two concurrent batches that share one take their locks in the same
 * order and wait rather than deadlock; a deadlock that still happens is only a failed batch,
 * retried row by row like any other.
 */
export async function insertOrdersBatch(
  db: Queryable,
  batch: readonly PreparedOrder[],
): Promise<Map<string, BatchRowOutcome>> {
  const result = await db.query<{ order_id: string; claimed: boolean; outbox_id: string | null }>({
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
     ), idem AS (
       INSERT INTO idempotency_keys (store_id, key, request_hash, status_code, order_id)
       SELECT store_id, key, decode(request_hash, 'hex'), 201, id FROM input ORDER BY store_id, key
       ON CONFLICT DO NOTHING RETURNING order_id
     ), ord AS (
       INSERT INTO orders (id, store_id, region_id, external_id, status, quote_id,
                           pickup_lat, pickup_lng, pickup_address, dropoff_lat, dropoff_lng, dropoff_address,
                           customer_name, customer_phone, items, notes, vehicle, fee_cents, currency, ready_at,
                           created_at, updated_at)
       SELECT i.id, i.store_id, i.region_id, i.external_id, 'created', i.quote_id,
              i.pickup_lat, i.pickup_lng, i.pickup_address, i.dropoff_lat, i.dropoff_lng, i.dropoff_address,
              i.customer_name, i.customer_phone, i.items, i.notes, i.vehicle, i.fee_cents, i.currency,
              i.ready_at, i.created_at, i.created_at
         FROM input i JOIN idem ON idem.order_id = i.id
        ORDER BY i.store_id, i.external_id
       ON CONFLICT (store_id, external_id) DO NOTHING
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
     SELECT i.id AS order_id, (idem.order_id IS NOT NULL) AS claimed, ob.id AS outbox_id
       FROM input i
       LEFT JOIN idem ON idem.order_id = i.id
       LEFT JOIN ob ON ob.order_id = i.id`,
    values: [JSON.stringify(batch.map(batchRow))],
  });
  const outcomes = new Map<string, BatchRowOutcome>();
  for (const row of result.rows) {
    outcomes.set(row.order_id, { claimed: row.claimed, outboxId: row.outbox_id });
  }
  return outcomes;
}

/** One element of the jsonb array; names match the recordset columns above. */
function batchRow({ ctx, hash, order, event }: PreparedOrder) {
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
    ready_at: order.ready_at,
    created_at: order.created_at,
    key: ctx.idempotencyKey,
    request_hash: hash.toString('hex'),
    event_type: event.type,
    event_id: event.eventId,
    payload: event.payload,
  };
}
