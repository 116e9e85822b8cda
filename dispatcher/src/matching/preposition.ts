import type { MatchingContext } from './context.js';
import type { MatchingSnapshot } from './types.js';

/** An idle courier sent to wait at a store (the MDRP variant with prepositioning moves). */
export interface Preposition {
  courierId: string;
  storeId: string;
  /** Estimated arrival, seconds. */
  arriveAt: number;
}

/** Stores looked at (the busiest) and how many of the nearest ones measure a place. */
const STORES = 32;
const NEAREST = 10;
/** A store with a courier within this ride (waiting there or on its way) needs no other one, seconds. */
const COVERED_SECONDS = 180;
/** Longer moves keep a courier away from jobs too long (a move is not interrupted), seconds. */
const MAX_RIDE_SECONDS = 600;
/** Couriers whose shift ends sooner than this stay where they are, seconds. */
const MIN_SHIFT_LEFT_SECONDS = 20 * 60;

/**
 * Where idle couriers should wait: a courier waits at its last drop-off, often far from where orders
 * come from. Each idle courier the cycle left unused (free now, no job, not wanted by any row of the
 * solution) moves to the busy store that is best placed (mean ride to the `NEAREST` nearest of the
 * `STORES` busiest stores, plus the ride there × `prepositionRideWeight`) when that gains more than
 * `prepositionGainSeconds` over where it is, and no other courier is near that store. Worst placed
 * couriers first. Empty when `prepositionGainSeconds` is 0 (the default: live riders get no such moves).
 */
export function prepositionMoves<P>(
  snapshot: MatchingSnapshot<P>,
  ctx: MatchingContext<P>,
  used: Uint8Array,
): Preposition[] {
  const { policy, travelTime, now } = ctx;
  if (!(policy.prepositionGainSeconds > 0) || !snapshot.demand || snapshot.demand.length === 0) return [];
  const stores = [...snapshot.demand]
    .sort((a, b) => b.weight - a.weight || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, STORES);
  // Too few stores with orders yet (early in the day) say little about where the next ones come from.
  if (stores.length < NEAREST) return [];
  const nearest = NEAREST;
  const farOf = (at: P, vehicle: Parameters<typeof travelTime.seconds>[2]) => {
    const rides = stores.map((s) => travelTime.seconds(at, s.at, vehicle)).sort((a, b) => a - b);
    let sum = 0;
    for (let q = 0; q < nearest; q++) sum += rides[q]!;
    return sum / nearest;
  };
  const storeFar = stores.map((s) => farOf(s.at, undefined));
  const covered = new Uint8Array(stores.length);
  const idle: { c: number; far: number }[] = [];
  for (let c = 0; c < ctx.couriers.length; c++) {
    const courier = ctx.couriers[c]!;
    const movable =
      !used[c] &&
      ctx.heldStore[c] === undefined &&
      courier.load === 0 &&
      courier.freeAt <= now &&
      courier.shiftEndsAt - now >= MIN_SHIFT_LEFT_SECONDS;
    if (movable) {
      idle.push({ c, far: farOf(courier.position, courier.vehicle) });
      continue;
    }
    if (courier.freeAt - now > policy.lookaheadSeconds) continue;
    stores.forEach((s, k) => {
      if (travelTime.seconds(courier.position, s.at, courier.vehicle) <= COVERED_SECONDS) covered[k] = 1;
    });
  }
  // An idle courier near a store covers it too (it stays).
  for (const { c } of idle)
    stores.forEach((s, k) => {
      const courier = ctx.couriers[c]!;
      if (travelTime.seconds(courier.position, s.at, courier.vehicle) <= COVERED_SECONDS) covered[k] = 1;
    });
  idle.sort((a, b) => b.far - a.far || a.c - b.c);
  const moves: Preposition[] = [];
  for (const { c, far } of idle) {
    const courier = ctx.couriers[c]!;
    let best = -1;
    let bestScore = Number.POSITIVE_INFINITY;
    let bestRide = 0;
    stores.forEach((s, k) => {
      if (covered[k]) return;
      const ride = travelTime.seconds(courier.position, s.at, courier.vehicle);
      if (ride > MAX_RIDE_SECONDS) return; // on its way it could not take a job
      const score = storeFar[k]! + policy.prepositionRideWeight * ride;
      if (score < bestScore) {
        bestScore = score;
        best = k;
        bestRide = ride;
      }
    });
    if (best < 0 || far - bestScore < policy.prepositionGainSeconds) continue;
    covered[best] = 1;
    moves.push({ courierId: courier.id, storeId: stores[best]!.id, arriveAt: now + bestRide });
  }
  return moves;
}
