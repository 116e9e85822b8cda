import { describe, expect, it } from 'vitest';
import { benchmarkTravelTime, type PlanePoint } from '../../../domain/src/geo/travel-time.js';
import { decideAssignments, type MatchingSnapshot, permutations } from '../../src/matching/index.js';

const travelTime = benchmarkTravelTime(320);
const NOW = 10_000;
const store = { x: 0, y: 0 };

/** `count` orders of one store, ready now, delivered along a street going east every 400 m. */
function streetSnapshot(count: number, couriers: number): MatchingSnapshot<PlanePoint> {
  return {
    orders: Array.from({ length: count }, (_, i) => ({
      id: `o${i}`,
      storeId: 's1',
      pickup: store,
      // Shuffled, so the delivery order has to be found.
      dropoff: { x: 400 * (1 + ((i * 7) % count)), y: 0 },
      placedAt: NOW - 600,
      readyAt: NOW + 120,
    })),
    couriers: Array.from({ length: couriers }, (_, i) => ({
      id: `c${i}`,
      kind: 'in_house' as const,
      position: { x: 0, y: 320 * (i + 1) },
      freeAt: NOW,
      shiftEndsAt: NOW + 4 * 3600,
      load: 0,
      capacity: 6,
    })),
  };
}

describe('bundling', () => {
  it('puts six orders going the same way on the only courier, delivered nearest first', () => {
    const snapshot = streetSnapshot(6, 1);
    const { assignments, waiting } = decideAssignments(snapshot, { now: NOW, travelTime });
    expect(waiting).toEqual([]);
    expect(assignments).toHaveLength(1);
    const [job] = assignments;
    const xs = job!.orderIds.map((id) => snapshot.orders.find((o) => o.id === id)!.dropoff.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
  });

  it('keeps bundles within maxBundleSize', () => {
    const { assignments } = decideAssignments(streetSnapshot(6, 1), {
      now: NOW,
      travelTime,
      policy: { maxBundleSize: 4 },
    });
    for (const a of assignments) expect(a.orderIds.length).toBeLessThanOrEqual(4);
  });

  it('does not bundle when every order has its own courier at the store', () => {
    const snapshot = streetSnapshot(3, 3);
    snapshot.orders.forEach((o, i) => {
      o.dropoff = { x: [3000, -3000, 0][i]!, y: [0, 0, 3000][i]! }; // three directions
    });
    const { assignments } = decideAssignments(snapshot, { now: NOW, travelTime });
    expect(assignments.map((a) => a.orderIds.length)).toEqual([1, 1, 1]);
  });

  it('lists every delivery order of a small bundle', () => {
    expect(permutations([1, 2, 3])).toHaveLength(6);
    expect(new Set(permutations([1, 2, 3, 4]).map((p) => p.join()))).toHaveProperty('size', 24);
  });
});
