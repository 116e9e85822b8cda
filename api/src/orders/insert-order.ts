import type { OrderRow } from '@o2o/dispatcher';
import type { CreatedOrder } from '@o2o/domain';
import { DomainError } from '@o2o/domain';
import { type CreateOrderResult, createdResult, creationView, type PreparedOrder } from './prepare-order.js';

/**
 * Writes one prepared order in ONE statement (one round trip, one implicit transaction): the key
 * row, the order, its first event and its outbox row. This is the path for a batch of one and
 * the fallback when a batch statement fails, because it tells each request its own outcome.
 *
 * - A concurrent request with the same key blocks on the key's unique index until the first
 *   commits, inserts nothing, then reads the stored response (same body) or gets 422.
 * - The key row references the order; when the order is not inserted (its external_id is taken)
 *   that reference fails at the end of the statement and everything rolls back, so a refused
 *   request writes nothing.
 */
export async function insertOrderAlone(prepared: PreparedOrder): Promise<CreateOrderResult> {
  const { ctx, hash, order, event } = prepared;
  const b = ctx.body;
  let inserted: { claimed: boolean; outbox_id: string | null } | undefined;
  try {
    const result = await ctx.pool.query<{ claimed: boolean; outbox_id: string | null }>({
      // Named: each connection parses and plans this statement once.
      name: 'insert-order',
      text: `WITH idem AS (
         INSERT INTO idempotency_keys (store_id, key, request_hash, status_code, order_id)
         VALUES ($2, $21, $22, 201, $1)
         ON CONFLICT DO NOTHING RETURNING order_id
       ), ord AS (
         INSERT INTO orders (id, store_id, region_id, external_id, status, quote_id,
                             pickup_lat, pickup_lng, pickup_address, dropoff_lat, dropoff_lng, dropoff_address,
                             customer_name, customer_phone, items, notes, vehicle, fee_cents, currency, ready_at,
                             created_at, updated_at)
         SELECT $1, $2, $3, $4, 'created', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20
           FROM idem
         ON CONFLICT (store_id, external_id) DO NOTHING
         RETURNING id
       ), ev AS (
         INSERT INTO order_events (order_id, seq, type, from_status, to_status, actor, data, created_at)
         SELECT id, 1, $23, NULL, 'created', 'store', '{}'::jsonb, $20 FROM ord
       ), ob AS (
         INSERT INTO outbox (store_id, order_id, event_id, type, payload, created_at)
         SELECT $2, id, $24, $23, $25, $20 FROM ord
         RETURNING id
       )
       SELECT EXISTS (SELECT 1 FROM idem) AS claimed, (SELECT id FROM ob) AS outbox_id`,
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
    inserted = result.rows[0];
  } catch (err) {
    if (
      (err as { code?: string }).code === '23503' &&
      String((err as { constraint?: string }).constraint).startsWith('idempotency_keys')
    ) {
      throw new DomainError('external_id_taken', { detail: `external_id ${b.external_id} is taken` });
    }
    throw err;
  }
  if (!inserted?.claimed) return replayOrder(prepared);
  if (!inserted.outbox_id) throw new Error('order insert wrote no outbox row');
  return createdResult(prepared, inserted.outbox_id);
}

/**
 * The answer for a key another request claimed: the same 201 (rebuilt from the order as it was
 * created, see `creationView`), or 422 for another body.
 */
export async function replayOrder({ ctx, hash }: PreparedOrder): Promise<CreateOrderResult> {
  const stored = await ctx.pool.query<
    OrderRow & {
      request_hash: Buffer;
      /** Only on keys written before migration 007. */
      response: Omit<CreatedOrder, 'handoff_pin' | 'tracking_url'> | null;
    }
  >(
    `SELECT o.*, k.request_hash, k.response
       FROM idempotency_keys k JOIN orders o ON o.id = k.order_id
      WHERE k.store_id = $1 AND k.key = $2`,
    [ctx.store.id, ctx.idempotencyKey],
  );
  const row = stored.rows[0];
  if (!row) throw new DomainError('conflict', { detail: 'retry the request' });
  if (!row.request_hash.equals(hash)) throw new DomainError('idempotency_key_reused');
  const trackingUrl = ctx.trackingUrl(row.id);
  return {
    statusCode: 201,
    body: {
      ...(row.response ? { ...row.response, tracking_url: trackingUrl } : creationView(row, trackingUrl)),
      handoff_pin: ctx.handoffPin(row.id),
    },
  };
}
