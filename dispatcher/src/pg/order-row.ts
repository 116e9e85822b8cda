import type { Order, OrderStatus, Vehicle } from '@o2o/domain';

/** An `orders` row as pg returns it. */
export interface OrderRow {
  id: string;
  store_id: string;
  region_id: string;
  external_id: string;
  status: OrderStatus;
  version: number;
  fence: string;
  priority: number;
  quote_id: string | null;
  pickup_lat: number;
  pickup_lng: number;
  pickup_address: string | null;
  dropoff_lat: number;
  dropoff_lng: number;
  dropoff_address: string | null;
  customer_name: string;
  customer_phone: string | null;
  vehicle: Vehicle;
  fee_cents: number;
  currency: string;
  ready_at: Date;
  courier_id: string | null;
  cancel_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * The store-facing view of an order: no phone number, no PIN. A new order's three times are
 * one Date (prepare-order.ts), so its ISO text is made once (toISOString is ~0.4 µs a call).
 */
export function orderFromRow(row: OrderRow, trackingUrl: string): Order {
  const created = row.created_at.toISOString();
  return {
    id: row.id,
    external_id: row.external_id,
    status: row.status,
    version: row.version,
    pickup: withAddress(row.pickup_lat, row.pickup_lng, row.pickup_address),
    dropoff: withAddress(row.dropoff_lat, row.dropoff_lng, row.dropoff_address),
    customer_name: row.customer_name,
    vehicle: row.vehicle,
    fee_cents: row.fee_cents,
    currency: row.currency,
    ready_at: row.ready_at === row.created_at ? created : row.ready_at.toISOString(),
    courier_id: row.courier_id,
    tracking_url: trackingUrl,
    created_at: created,
    updated_at: row.updated_at === row.created_at ? created : row.updated_at.toISOString(),
  };
}

function withAddress(lat: number, lng: number, address: string | null) {
  return address === null ? { lat, lng } : { lat, lng, address };
}
