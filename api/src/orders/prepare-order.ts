import { randomUUID } from 'node:crypto';
import type { BuiltOrderEvent, OrderRow, Pool, Queryable } from '@o2o/dispatcher';
import { buildOrderEvent, orderFromRow } from '@o2o/dispatcher';
import {
  type CreatedOrder,
  type CreateOrder,
  DEFAULT_PRICING,
  DomainError,
  deliveryFeeCents,
  haversineMeters,
  type Order,
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

/**
 * Everything one create request will write, made before any write: ids, times, price, the
 * response (stored with the key for replays) and the first event. Writing it is then a pure insert,
 * so the same prepared order can go into a batch statement or, on fallback, a single-row one.
 */
export interface PreparedOrder {
  ctx: CreateOrderContext;
  /** sha256 of the canonical body, hex: a replay with another body is refused. */
  hash: string;
  order: OrderRow;
  view: Order;
  event: BuiltOrderEvent;
}

/** How far (m) an order's pickup or drop-off may be from its quote's and still use its price. */
const QUOTE_MATCH_METERS = 50;

/** Prices and builds the order; a bad quote throws here, before anything is written. */
export async function prepareOrder(ctx: CreateOrderContext): Promise<PreparedOrder> {
  const nowMs = ctx.nowMs ?? Date.now();
  const hash = requestHash(ctx.body);
  const price = await priceOrder(ctx.pool, ctx, nowMs);
  const order = newOrderRow(ctx, price, nowMs);
  // A new row holds its creation values already: this is what `creationView` rebuilds on replay.
  const view = orderFromRow(order, ctx.trackingUrl(order.id));
  const event = buildOrderEvent(order, { from: null, actor: 'store' }, order.created_at);
  return { ctx, hash, order, view, event };
}

/**
 * The store view that the create call answered, rebuilt from the order row at any later time: the
 * fields of the view that change after creation (status, version, courier, updated_at; see
 * transition-order.ts) are set back to their values at creation. So an idempotent replay returns
 * the first 201 exactly and the key row stores no copy of it (a third of a create's WAL).
 * Keys written before migration 007 still hold their `response`, which replays prefer.
 */
export function creationView(row: OrderRow, trackingUrl: string): Order {
  return orderFromRow(
    { ...row, status: 'created', version: 1, courier_id: null, updated_at: row.created_at },
    trackingUrl,
  );
}

/** The 201 answer of the call that created the order, with the effects to run after commit. */
export function createdResult(prepared: PreparedOrder, outboxId: string): CreateOrderResult {
  const { ctx, order, view } = prepared;
  return {
    statusCode: 201,
    body: { ...view, handoff_pin: ctx.handoffPin(order.id) },
    created: { order, outboxIds: [outboxId] },
  };
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
