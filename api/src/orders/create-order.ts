import { randomUUID } from 'node:crypto';
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
import type { Pool, PoolClient } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { findQuote } from '../quotes/create-quote.js';
import { requestHash } from './canonical-json.js';
import { recordOrderEvent } from './order-events.js';
import { orderFromRow, type OrderRow } from './order-row.js';

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
 * Creates an order exactly once per Idempotency-Key. The key row is inserted first in the same
 * transaction: a concurrent request with the same key blocks on it until this one commits, then
 * reads the stored response (same body) or gets 422 (other body). A failed creation rolls back
 * the key with everything else, so bad input writes nothing.
 */
export async function createOrder(ctx: CreateOrderContext): Promise<CreateOrderResult> {
  const hash = requestHash(ctx.body);
  const result = await withTransaction(ctx.pool, async (client) => {
    const claimed = await client.query(
      `INSERT INTO idempotency_keys (store_id, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING key`,
      [ctx.store.id, ctx.idempotencyKey, hash],
    );
    if (claimed.rowCount === 0) return replay(client, ctx, hash);
    return insertOrder(client, ctx);
  });
  return result;
}

async function replay(client: PoolClient, ctx: CreateOrderContext, hash: Buffer): Promise<CreateOrderResult> {
  const stored = await client.query<{ request_hash: Buffer; status_code: number | null; response: unknown }>(
    'SELECT request_hash, status_code, response FROM idempotency_keys WHERE store_id = $1 AND key = $2',
    [ctx.store.id, ctx.idempotencyKey],
  );
  const row = stored.rows[0];
  if (!row || row.status_code === null) throw new DomainError('conflict', { detail: 'retry the request' });
  if (!row.request_hash.equals(hash)) throw new DomainError('idempotency_key_reused');
  const body = row.response as Omit<CreatedOrder, 'handoff_pin'>;
  // The PIN is never stored; it is derived again from the order id.
  return { statusCode: 201, body: { ...body, handoff_pin: ctx.handoffPin(body.id) } };
}

async function insertOrder(client: PoolClient, ctx: CreateOrderContext): Promise<CreateOrderResult> {
  const { body, store } = ctx;
  const nowMs = ctx.nowMs ?? Date.now();
  const price = await priceOrder(client, ctx, nowMs);
  const id = randomUUID();
  const readyAt = body.ready_at ? new Date(body.ready_at) : new Date(nowMs);
  const inserted = await client.query<OrderRow>(
    `INSERT INTO orders (id, store_id, region_id, external_id, status, quote_id,
                         pickup_lat, pickup_lng, pickup_address, dropoff_lat, dropoff_lng, dropoff_address,
                         customer_name, customer_phone, items, notes, vehicle, fee_cents, currency, ready_at,
                         created_at, updated_at)
     VALUES ($1,$2,$3,$4,'created',$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$20)
     ON CONFLICT (store_id, external_id) DO NOTHING
     RETURNING *`,
    [
      id,
      store.id,
      store.regionId,
      body.external_id,
      body.quote_id ?? null,
      body.pickup.lat,
      body.pickup.lng,
      body.pickup.address ?? null,
      body.dropoff.lat,
      body.dropoff.lng,
      body.dropoff.address ?? null,
      body.customer.name,
      body.customer.phone ?? null,
      JSON.stringify(body.items ?? []),
      body.notes ?? null,
      price.vehicle,
      price.feeCents,
      price.currency,
      readyAt,
      new Date(nowMs),
    ],
  );
  const order = inserted.rows[0];
  if (!order) throw new DomainError('external_id_taken', { detail: `external_id ${body.external_id} is taken` });
  const event = await recordOrderEvent(client, order, { from: null, actor: 'store' });
  const view = orderFromRow(order, ctx.trackingUrl(order.id));
  await client.query(
    'UPDATE idempotency_keys SET status_code = 201, response = $3, order_id = $4 WHERE store_id = $1 AND key = $2',
    [store.id, ctx.idempotencyKey, view, order.id],
  );
  return {
    statusCode: 201,
    body: { ...view, handoff_pin: ctx.handoffPin(order.id) },
    created: { order, outboxIds: [event.outboxId] },
  };
}

interface Price {
  vehicle: Vehicle;
  feeCents: number;
  currency: string;
}

/** The quote's price when a valid one is given, otherwise a fresh price on the same rules. */
async function priceOrder(client: PoolClient, ctx: CreateOrderContext, nowMs: number): Promise<Price> {
  const { body } = ctx;
  if (body.quote_id) {
    const quote = await findQuote(client, ctx.store.id, body.quote_id);
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
  const distanceMeters = roadDistanceMeters(body.pickup, body.dropoff);
  return {
    vehicle,
    feeCents: deliveryFeeCents(distanceMeters, vehicle, ctx.surcharge(), DEFAULT_PRICING),
    currency: DEFAULT_PRICING.currency,
  };
}
