import { randomUUID } from 'node:crypto';
import type { Pool, Queryable } from '@o2o/dispatcher';
import { buildOrderEvent, type OrderRow, orderFromRow } from '@o2o/dispatcher';
import {
  type CreatedOrder,
  type CreateOrder,
  DEFAULT_PRICING,
  DomainError,
  deliveryFeeCents,
  haversineMeters,
  roadDistanceMeters,
  type Vehicle,
} from '@o2o/domain';
import { findQuote } from '../quotes/create-quote.js';
import { requestHash } from './canonical-json.js';

export interface CreateOrderContext {
  pool: Pool;
  store: { id: string; regionId: string };
  idempotencyKey: string;
  body: CreateOrder;
  trackingUrl: (orderId: string) => string;
  handoffPin: (orderId: string) => string;
  surcharge: () => number;
  nowMs?: number;
}

export interface CreateOrderResult {
  statusCode: 201;
  body: CreatedOrder;
  /** Set when this call created the order (not an idempotent replay): the effects to run. */
  created?: { order: OrderRow; outboxIds: string[] };
}

/** How far (m) an order's pickup or drop-off may be from its quote's and still use its price. */
const QUOTE_MATCH_METERS = 50;

/**
 * Creates an order exactly once per Idempotency-Key, in ONE statement (one round trip, one
 * implicit transaction): the key row, the order, its first event and its outbox row.
 *
 * - A concurrent request with the same key blocks on the key's unique index until the first
 *   commits, inserts nothing, then reads the stored response (same body) or gets 422.
 * - The key row references the order; when the order is not inserted (its external_id is taken)
 *   that reference fails at the end of the statement and everything rolls back, so a refused
 *   request writes nothing.
 * The whole response is known before the insert (ids, times and price are made here), so it is
 * stored with the key for replays; the PIN is not stored but derived again.
 */
export async function createOrder(ctx: CreateOrderContext): Promise<CreateOrderResult> {
  const nowMs = ctx.nowMs ?? Date.now();
  const hash = requestHash(ctx.body);
  const price = await priceOrder(ctx.pool, ctx, nowMs);
  const order = newOrderRow(ctx, price, nowMs);
  const view = orderFromRow(order, ctx.trackingUrl(order.id));
  const event = buildOrderEvent(order, { from: null, actor: 'store' }, order.created_at);
  const b = ctx.body;
  let inserted: { claimed: boolean; outbox_id: string | null } | undefined;
  try {
    const result = await ctx.pool.query<{ claimed: boolean; outbox_id: string | null }>(
      `WITH idem AS (
         INSERT INTO idempotency_keys (store_id, key, request_hash, status_code, response, order_id)
         VALUES ($2, $21, $22, 201, $23, $1)
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
         SELECT id, 1, $24, NULL, 'created', 'store', '{}'::jsonb, $20 FROM ord
       ), ob AS (
         INSERT INTO outbox (store_id, order_id, event_id, type, payload, created_at)
         SELECT $2, id, $25, $24, $26, $20 FROM ord
         RETURNING id
       )
       SELECT EXISTS (SELECT 1 FROM idem) AS claimed, (SELECT id FROM ob) AS outbox_id`,
      [
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
        view,
        event.type,
        event.eventId,
        event.payload,
      ],
    );
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
  if (!inserted?.claimed) return replay(ctx, hash);
  if (!inserted.outbox_id) throw new Error('order insert wrote no outbox row');
  return {
    statusCode: 201,
    body: { ...view, handoff_pin: ctx.handoffPin(order.id) },
    created: { order, outboxIds: [inserted.outbox_id] },
  };
}

async function replay(ctx: CreateOrderContext, hash: Buffer): Promise<CreateOrderResult> {
  const stored = await ctx.pool.query<{ request_hash: Buffer; response: Omit<CreatedOrder, 'handoff_pin'> }>(
    'SELECT request_hash, response FROM idempotency_keys WHERE store_id = $1 AND key = $2',
    [ctx.store.id, ctx.idempotencyKey],
  );
  const row = stored.rows[0];
  if (!row) throw new DomainError('conflict', { detail: 'retry the request' });
  if (!row.request_hash.equals(hash)) throw new DomainError('idempotency_key_reused');
  return { statusCode: 201, body: { ...row.response, handoff_pin: ctx.handoffPin(row.response.id) } };
}

function newOrderRow(ctx: CreateOrderContext, price: Price, nowMs: number): OrderRow {
  const b = ctx.body;
  const now = new Date(nowMs);
  return {
    id: randomUUID(),
    store_id: ctx.store.id,
    region_id: ctx.store.regionId,
    external_id: b.external_id,
    status: 'created',
    version: 1,
    fence: '0',
    priority: 0,
    quote_id: b.quote_id ?? null,
    pickup_lat: b.pickup.lat,
    pickup_lng: b.pickup.lng,
    pickup_address: b.pickup.address ?? null,
    dropoff_lat: b.dropoff.lat,
    dropoff_lng: b.dropoff.lng,
    dropoff_address: b.dropoff.address ?? null,
    customer_name: b.customer.name,
    customer_phone: b.customer.phone ?? null,
    vehicle: price.vehicle,
    fee_cents: price.feeCents,
    currency: price.currency,
    ready_at: b.ready_at ? new Date(b.ready_at) : now,
    courier_id: null,
    cancel_reason: null,
    created_at: now,
    updated_at: now,
  };
}

interface Price {
  vehicle: Vehicle;
  feeCents: number;
  currency: string;
}

/** The quote's price when a valid one is given, otherwise a fresh price on the same rules. */
async function priceOrder(db: Queryable, ctx: CreateOrderContext, nowMs: number): Promise<Price> {
  const { body } = ctx;
  if (body.quote_id) {
    const quote = await findQuote(db, ctx.store.id, body.quote_id);
    if (!quote) throw new DomainError('quote_mismatch', { detail: 'No such quote for this store' });
    if (quote.expires_at.getTime() <= nowMs) throw new DomainError('quote_expired');
    const far =
      haversineMeters(body.pickup, { lat: quote.pickup_lat, lng: quote.pickup_lng }) > QUOTE_MATCH_METERS ||
      haversineMeters(body.dropoff, { lat: quote.dropoff_lat, lng: quote.dropoff_lng }) > QUOTE_MATCH_METERS;
    if (far) throw new DomainError('quote_mismatch', { detail: 'pickup or drop-off differs from the quote' });
    if (body.vehicle && body.vehicle !== quote.vehicle) {
      throw new DomainError('quote_mismatch', { detail: 'vehicle differs from the quote' });
    }
    return { vehicle: quote.vehicle, feeCents: quote.fee_cents, currency: quote.currency };
  }
  const vehicle = body.vehicle ?? 'bike';
  return {
    vehicle,
    feeCents: deliveryFeeCents(
      roadDistanceMeters(body.pickup, body.dropoff),
      vehicle,
      ctx.surcharge(),
      DEFAULT_PRICING,
    ),
    currency: DEFAULT_PRICING.currency,
  };
}
