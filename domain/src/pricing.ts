import type { Vehicle } from './schemas/common.js';

/** Price list for delivery fees, in minor currency units (cents). */
export interface PricingRules {
  currency: string;
  baseCents: Readonly<Record<Vehicle, number>>;
  perKmCents: Readonly<Record<Vehicle, number>>;
  minimumCents: number;
  /** The surcharge never raises a fee by more than this factor. */
  maxSurchargeMultiplier: number;
}

export const DEFAULT_PRICING: PricingRules = {
  currency: 'EUR',
  baseCents: { bike: 250, scooter: 300, car: 450 },
  perKmCents: { bike: 90, scooter: 80, car: 110 },
  minimumCents: 300,
  maxSurchargeMultiplier: 2,
};

/**
 * Demand surcharge hook: a multiplier ≥ 1 for a pickup area at a time. The dispatcher will feed it
 * from the index's per-cell counts of waiting orders and idle couriers; until then the api uses
 * `noSurcharge`, so today every quote has multiplier 1.
 */
export interface SupplyDemand {
  waitingOrders: number;
  idleCouriers: number;
}

/** No surcharge at all: what quotes use until live supply/demand figures are wired in. */
export const noSurcharge = (): number => 1;

/**
 * The surcharge rule the hook will apply to live figures: nothing while idle couriers cover the
 * waiting orders, then +10 % per waiting order beyond supply, capped.
 */
export function surchargeFromSupplyDemand(sd: SupplyDemand, rules: PricingRules = DEFAULT_PRICING): number {
  const shortfall = sd.waitingOrders - sd.idleCouriers;
  if (shortfall <= 0) return 1;
  return Math.min(rules.maxSurchargeMultiplier, 1 + 0.1 * shortfall);
}

/** Delivery fee in cents for a trip of `distanceMeters` by `vehicle`, with the surcharge applied. */
export function deliveryFeeCents(
  distanceMeters: number,
  vehicle: Vehicle,
  surchargeMultiplier: number,
  rules: PricingRules = DEFAULT_PRICING,
): number {
  const km = Math.max(0, distanceMeters) / 1000;
  const raw = rules.baseCents[vehicle] + rules.perKmCents[vehicle] * km;
  const multiplier = Math.min(Math.max(1, surchargeMultiplier), rules.maxSurchargeMultiplier);
  return Math.max(rules.minimumCents, Math.round(raw * multiplier));
}

/** Times that make up a quote's ETAs, all in seconds. */
export interface EtaInputs {
  nowMs: number;
  /** When the store says the goods are ready; defaults to now. */
  readyAtMs: number;
  /** Typical time for a courier to reach the store from where couriers wait. */
  approachSeconds: number;
  /** Store to customer by the quoted vehicle. */
  travelSeconds: number;
  pickupServiceSeconds: number;
  dropoffServiceSeconds: number;
}

/** Pickup and drop-off ETAs (unix ms) of a quote: the courier arrives, waits for ready, serves, rides. */
export function quoteEtasMs(input: EtaInputs): { pickupMs: number; dropoffMs: number } {
  const arrivalMs = input.nowMs + input.approachSeconds * 1000;
  const pickupMs = Math.max(arrivalMs, input.readyAtMs) + (input.pickupServiceSeconds * 1000) / 2;
  const dropoffMs =
    pickupMs +
    (input.pickupServiceSeconds * 1000) / 2 +
    input.travelSeconds * 1000 +
    (input.dropoffServiceSeconds * 1000) / 2;
  return { pickupMs: Math.round(pickupMs), dropoffMs: Math.round(dropoffMs) };
}
