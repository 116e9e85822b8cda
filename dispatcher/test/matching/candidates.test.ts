import { describe, expect, it } from 'vitest';
import { benchmarkTravelTime, type PlanePoint } from '../../../domain/src/geo/travel-time.js';
import {
  type CourierToMatch,
  candidatesFromContext,
  contextFromSnapshot,
  type MatchingSnapshot,
  resolvePolicy,
} from '../../src/matching/index.js';

const travelTime = benchmarkTravelTime(320);
const NOW = 10_000;

/** Couriers on a line east of the store, 320 m (one minute) apart: c0 nearest. */
function lineOfCouriers(count: number): CourierToMatch<PlanePoint>[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `c${i}`,
    kind: 'in_house' as const,
    position: { x: 320 * (i + 1), y: 0 },
    freeAt: NOW,
    shiftEndsAt: NOW + 3600,
    load: 0,
    capacity: 2,
  }));
}

function candidateIds(snapshot: MatchingSnapshot<PlanePoint>, maxCandidatesPerOrder: number): string[][] {
  const ctx = contextFromSnapshot(snapshot, NOW, travelTime, resolvePolicy({ maxCandidatesPerOrder }));
  const lists = candidatesFromContext(ctx);
  return snapshot.orders.map((_, i) =>
    Array.from(lists.courier.subarray(lists.start[i]!, lists.start[i + 1]!), (c) => snapshot.couriers[c]!.id),
  );
}

const order = {
  id: 'o1',
  storeId: 's1',
  pickup: { x: 0, y: 0 },
  dropoff: { x: 0, y: 1000 },
  placedAt: NOW - 300,
  readyAt: NOW + 300,
};

describe('candidatesFromContext', () => {
  it('ranks couriers by arrival at the store and keeps the first ones', () => {
    expect(candidateIds({ orders: [order], couriers: lineOfCouriers(10) }, 3)).toEqual([['c0', 'c1', 'c2']]);
  });

  it('looks past the store short list when the order declined everyone on it', () => {
    const declinedBy = ['c0', 'c1', 'c2', 'c3', 'c4'];
    expect(candidateIds({ orders: [{ ...order, declinedBy }], couriers: lineOfCouriers(10) }, 1)).toEqual([
      ['c5'],
    ]);
  });

  it('drops couriers who are full, off shift, busy beyond the look-ahead or could not pick up in time', () => {
    const couriers = lineOfCouriers(5);
    couriers[0]!.load = 2; // full
    couriers[1]!.shiftEndsAt = NOW + 60; // ends before the food is ready
    couriers[2]!.freeAt = NOW + 3 * 3600; // busy far beyond the look-ahead
    couriers[3]!.shiftEndsAt = NOW - 1; // already off
    expect(candidateIds({ orders: [order], couriers }, 5)).toEqual([['c4']]);
  });

  it('keeps only the couriers the index proposed, when it proposed some', () => {
    const proposed = { ...order, candidateCourierIds: ['c7', 'c3', 'unknown'] };
    expect(candidateIds({ orders: [proposed], couriers: lineOfCouriers(10) }, 5)).toEqual([['c3', 'c7']]);
  });
});
