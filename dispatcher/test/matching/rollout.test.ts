import { describe, expect, it } from 'vitest';
import type { PlanePoint } from '../../../domain/src/geo/travel-time.js';
import { DEFAULT_POLICY, decideAssignments, type MatchingSnapshot } from '../../src/matching/index.js';
import { courier, MIN, NOW, order, travelTime } from './plane-fixtures.js';

describe('last chances of several orders', () => {
  // One courier, off in 12 minutes, halfway between two stores 5 minutes away on either side: it
  // can pick up at one of them only. Store A has three orders, store B one; none can wait.
  const a = { x: 0, y: 1600 };
  const b = { x: 0, y: -1600 };
  const orders = [
    order('b1', 'B', b, { x: 0, y: -2400 }, NOW + 6 * MIN),
    order('a1', 'A', a, { x: 800, y: 3200 }, NOW + 6 * MIN),
    order('a2', 'A', a, { x: 1000, y: 3200 }, NOW + 6 * MIN),
    order('a3', 'A', a, { x: 1200, y: 3200 }, NOW + 6 * MIN),
  ];
  const snapshot: MatchingSnapshot<PlanePoint> = {
    orders,
    couriers: [courier('last', { x: 0, y: 0 }, NOW + 12 * MIN)],
  };

  it('serves the bundle of three rather than the single order', () => {
    for (const rolloutHorizonSeconds of [0, DEFAULT_POLICY.rolloutHorizonSeconds]) {
      const { assignments } = decideAssignments(snapshot, {
        now: NOW,
        travelTime,
        policy: { rolloutHorizonSeconds },
      });
      expect(assignments.map((x) => [x.courierId, [...x.orderIds].sort()])).toEqual([
        ['last', ['a1', 'a2', 'a3']],
      ]);
    }
  });
});

describe('the rollout', () => {
  // Four stores on a line, couriers scattered, a short shift among them: enough choices that the
  // rollout has alternatives to simulate.
  const stores = [0, 1, 2, 3].map((k) => ({ x: k * 2000, y: 0 }));
  const orders = Array.from({ length: 12 }, (_, i) =>
    order(
      `o${i}`,
      `s${i % 4}`,
      stores[i % 4]!,
      { x: (i % 4) * 2000 + 900, y: 1200 + 200 * i },
      NOW + (i % 5) * MIN,
    ),
  );
  const couriers = [
    courier('c0', { x: 500, y: 800 }, NOW + 20 * MIN),
    courier('c1', { x: 3500, y: -900 }, NOW + 4 * 3600),
    courier('c2', { x: 6500, y: 400 }, NOW + 4 * 3600, NOW + 6 * MIN),
    courier('c3', { x: 2500, y: 2500 }, NOW + 4 * 3600, NOW + 15 * MIN),
  ];
  const snapshot: MatchingSnapshot<PlanePoint> = { orders, couriers };

  it('decides the same on the same input, and keeps the rules of the base policy', () => {
    const first = decideAssignments(snapshot, { now: NOW, travelTime });
    const second = decideAssignments(snapshot, { now: NOW, travelTime });
    expect(second).toEqual(first);
    const used = first.assignments.map((x) => x.courierId);
    expect(new Set(used).size).toBe(used.length);
    for (const x of first.assignments) {
      // Only couriers free now get jobs; every job picks up before its courier's shift ends.
      const c = couriers.find((k) => k.id === x.courierId)!;
      expect(c.freeAt).toBeLessThanOrEqual(NOW);
      expect(x.pickupAt).toBeLessThanOrEqual(c.shiftEndsAt);
    }
    const decided = [...first.assignments.flatMap((x) => x.orderIds), ...first.waiting.map((w) => w.orderId)];
    expect(decided.sort()).toEqual(orders.map((o) => o.id).sort());
  });

  it('is not run on snapshots above its size limits', () => {
    const base = decideAssignments(snapshot, { now: NOW, travelTime, policy: { rolloutHorizonSeconds: 0 } });
    const limited = decideAssignments(snapshot, {
      now: NOW,
      travelTime,
      policy: { rolloutMaxOrders: orders.length - 1 },
    });
    expect(limited).toEqual(base);
  });
});
