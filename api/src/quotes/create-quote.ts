import { randomUUID } from 'node:crypto';
import type { Queryable } from '@o2o/dispatcher';
import {
  type Address,
  cityTravelTime,
  DEFAULT_PRICING,
  deliveryFeeCents,
  type PricingRules,
  type Quote,
  quoteEtasMs,
  roadDistanceMeters,
  type Vehicle,
} from '@o2o/domain';

export interface QuoteSettings {
  ttlSeconds: number;
  pricing?: PricingRules;
  /** Demand surcharge hook (multiplier ≥ 1) for a pickup point; today always 1. */
  surcharge: (pickup: Address) => number;
  /** Typical approach of a courier to the store, before live supply feeds it. */
  approachSeconds?: number;
}

const travelTime = cityTravelTime();
const PICKUP_SERVICE_SECONDS = 240;
const DROPOFF_SERVICE_SECONDS = 240;

export interface QuoteInput {
  pickup: Address;
  dropoff: Address;
  vehicle: Vehicle;
  readyAtMs: number;
}

/** Prices a trip and stores the quote so an order can refer to it until it expires. */
export async function createQuote(
  db: Queryable,
  storeId: string,
  input: QuoteInput,
  settings: QuoteSettings,
  nowMs = Date.now(),
): Promise<Quote> {
  const pricing = settings.pricing ?? DEFAULT_PRICING;
  const distanceMeters = Math.round(roadDistanceMeters(input.pickup, input.dropoff));
  const surcharge = settings.surcharge(input.pickup);
  const fee = deliveryFeeCents(distanceMeters, input.vehicle, surcharge, pricing);
  const etas = quoteEtasMs({
    nowMs,
    readyAtMs: Math.max(nowMs, input.readyAtMs),
    approachSeconds: settings.approachSeconds ?? 480,
    travelSeconds: travelTime.seconds(input.pickup, input.dropoff, input.vehicle),
    pickupServiceSeconds: PICKUP_SERVICE_SECONDS,
    dropoffServiceSeconds: DROPOFF_SERVICE_SECONDS,
  });
  const quote: Quote = {
    id: randomUUID(),
    fee_cents: fee,
    currency: pricing.currency,
    distance_meters: distanceMeters,
    surcharge_multiplier: surcharge,
    pickup_eta: new Date(etas.pickupMs).toISOString(),
    dropoff_eta: new Date(etas.dropoffMs).toISOString(),
    expires_at: new Date(nowMs + settings.ttlSeconds * 1000).toISOString(),
    vehicle: input.vehicle,
  };
  await db.query(
    `INSERT INTO quotes (id, store_id, pickup_lat, pickup_lng, dropoff_lat, dropoff_lng, vehicle, distance_meters,
                         fee_cents, currency, surcharge, pickup_eta, dropoff_eta, expires_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
    [
      quote.id,
      storeId,
      input.pickup.lat,
      input.pickup.lng,
      input.dropoff.lat,
      input.dropoff.lng,
      input.vehicle,
      distanceMeters,
      fee,
      quote.currency,
      surcharge,
      quote.pickup_eta,
      quote.dropoff_eta,
      quote.expires_at,
    ],
  );
  return quote;
}

export interface QuoteRow {
  id: string;
  store_id: string;
  pickup_lat: number;
  pickup_lng: number;
  dropoff_lat: number;
  dropoff_lng: number;
  vehicle: Vehicle;
  fee_cents: number;
  currency: string;
  expires_at: Date;
}

export async function findQuote(
  db: Queryable,
  storeId: string,
  quoteId: string,
): Promise<QuoteRow | undefined> {
  const result = await db.query<QuoteRow>('SELECT * FROM quotes WHERE id = $1 AND store_id = $2', [
    quoteId,
    storeId,
  ]);
  return result.rows[0];
}
