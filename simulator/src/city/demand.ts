import { seededRandom } from '@o2o/domain';

/**
 * The city's daily demand: a curve over the hour of the day with a lunch and a dinner peak, and
 * the orders it produces, hour by hour, from a seed. Pure: the same seed and rate give the same
 * orders, so two runs of one city see the same demand.
 */

const DAY_SECONDS = 24 * 3600;

/** Unnormalised demand at `hour` (0–24): a night floor, a daytime base, lunch and dinner peaks. */
function rawShape(hour: number): number {
  const bump = (centre: number, width: number, height: number) =>
    height * Math.exp(-0.5 * ((hour - centre) / width) ** 2);
  const daytime = 1 / (1 + Math.exp(-(hour - 8) * 2)) - 1 / (1 + Math.exp(-(hour - 23) * 2));
  return 0.04 + 0.2 * daytime + bump(12.75, 1.1, 1.0) + bump(19.25, 1.3, 1.25);
}

const SHAPE_MEAN = (() => {
  let sum = 0;
  const steps = 24 * 60;
  for (let i = 0; i < steps; i++) sum += rawShape((i + 0.5) / 60);
  return sum / steps;
})();

/** Demand at `hour` of the day relative to the daily average (the average over 24 h is 1). */
export function demandShape(hour: number): number {
  const h = ((hour % 24) + 24) % 24;
  return rawShape(h) / SHAPE_MEAN;
}

/** The highest value of `demandShape` over the day. */
export const DEMAND_SHAPE_MAX = (() => {
  let max = 0;
  for (let i = 0; i < 24 * 60; i++) max = Math.max(max, demandShape(i / 60));
  return max;
})();

/** Orders per hour at simulated second `t` (seconds since midnight of day 0). */
export function ordersPerHourAt(t: number, averageOrdersPerHour: number): number {
  return averageOrdersPerHour * demandShape((t % DAY_SECONDS) / 3600);
}

export interface DemandOrder {
  /** Simulated seconds since midnight of day 0. */
  at_s: number;
  /** Index into the plan's stores. */
  store: number;
  /** Index into that store's customer nodes. */
  customer: number;
  /** Preparation time: the order is ready this long after it is placed, seconds. */
  prep_s: number;
}

export interface DemandSource {
  storeWeights: readonly number[];
  customersPerStore: readonly number[];
}

/**
 * The orders of simulated hour `hourIndex` (0 = the first hour of day 0), by thinning a Poisson
 * process at the curve's peak rate. Each hour draws from its own seed, so hours can be produced
 * lazily (a run that never ends) and still reproduce.
 */
export function demandForHour(
  seed: number,
  hourIndex: number,
  averageOrdersPerHour: number,
  source: DemandSource,
): DemandOrder[] {
  const random = seededRandom(mixSeed(seed, hourIndex));
  const peakPerSecond = (averageOrdersPerHour * DEMAND_SHAPE_MAX) / 3600;
  const orders: DemandOrder[] = [];
  if (!(peakPerSecond > 0)) return orders;
  const totalWeight = source.storeWeights.reduce((a, b) => a + b, 0);
  const start = hourIndex * 3600;
  let t = start;
  for (;;) {
    t += -Math.log(1 - random()) / peakPerSecond;
    if (t >= start + 3600) break;
    const keep =
      random() < ordersPerHourAt(t, averageOrdersPerHour) / (averageOrdersPerHour * DEMAND_SHAPE_MAX);
    // Draw the rest even for rejected arrivals, so the sequence does not depend on the rate's shape.
    let pick = random() * totalWeight;
    let store = 0;
    while (store < source.storeWeights.length - 1 && pick >= source.storeWeights[store]!) {
      pick -= source.storeWeights[store]!;
      store++;
    }
    const customer = Math.floor(random() * (source.customersPerStore[store] ?? 1));
    const prep = triangular(random(), 240, 480, 1080);
    if (keep) orders.push({ at_s: Math.round(t * 10) / 10, store, customer, prep_s: Math.round(prep) });
  }
  return orders;
}

/** The orders placed in [fromS, toS), hour by hour. */
export function demandBetween(
  seed: number,
  fromS: number,
  toS: number,
  averageOrdersPerHour: number,
  source: DemandSource,
): DemandOrder[] {
  const out: DemandOrder[] = [];
  for (let h = Math.floor(fromS / 3600); h * 3600 < toS; h++) {
    for (const o of demandForHour(seed, h, averageOrdersPerHour, source))
      if (o.at_s >= fromS && o.at_s < toS) out.push(o);
  }
  return out;
}

/** A sample of the triangular distribution (min, mode, max) from a uniform `u`. */
export function triangular(u: number, min: number, mode: number, max: number): number {
  const f = (mode - min) / (max - min);
  return u < f
    ? min + Math.sqrt(u * (max - min) * (mode - min))
    : max - Math.sqrt((1 - u) * (max - min) * (max - mode));
}

/** A 32-bit seed from a seed and a stream number (so streams do not overlap). */
export function mixSeed(seed: number, stream: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (stream + 0x7f4a7c15), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}
