import { describe, expect, it } from 'vitest';
import type { PlanePoint } from '../../../domain/src/geo/travel-time.js';
import { decideAssignments, type MatchingSnapshot } from '../../src/matching/index.js';
import { courier, MIN, NOW, order, travelTime } from './plane-fixtures.js';

describe('the last courier of the day', () => {
  // One courier left, off at NOW + 25 min, on a line: store A 5 min away, A's customer 5 min
  // further, store B 5 min beyond that. A first then B fits (B picked up at the last minute);
  // B first then A does not. Neither can wait 30 minutes, so both must be served now or never,
  // and the solver gives one courier one job: without the repair pass, a tie it may break for B.
  const c = courier('last', { x: 0, y: 0 }, NOW + 25 * MIN);
  const a = order('a', 'store-a', { x: 0, y: 1600 }, { x: 0, y: 3200 }, NOW + 7 * MIN);
  const b = order('b', 'store-b', { x: 0, y: 4800 }, { x: 0, y: 6400 }, NOW + 25 * MIN);

  it('takes the order it can do first, so it can still do the other one after it', () => {
    for (const orders of [
      [a, b],
      [b, a],
    ]) {
      const { assignments, waiting } = decideAssignments({ orders, couriers: [c] }, { now: NOW, travelTime });
      expect(assignments.map((x) => [x.courierId, x.orderIds])).toEqual([['last', ['a']]]);
      expect(waiting.map((w) => w.orderId)).toEqual(['b']);
      // A is dropped off at NOW + 16 min and the courier leaves at NOW + 18 min: the next cycle
      // then gives B to the same courier, picked up at its shift's last minute.
      expect(assignments[0]!.dropoffAt).toEqual([NOW + 16 * MIN]);
      const later: MatchingSnapshot<PlanePoint> = {
        orders: [b],
        couriers: [courier('last', a.dropoff, NOW + 25 * MIN, NOW + 18 * MIN)],
      };
      const next = decideAssignments(later, { now: NOW + 18 * MIN, travelTime });
      expect(next.assignments.map((x) => [x.courierId, x.orderIds, x.pickupAt])).toEqual([
        ['last', ['b'], NOW + 25 * MIN],
      ]);
    }
  });
});

describe('where couriers wait', () => {
  // Two couriers 5 minutes from the store of the only waiting order, one on each side. The busy
  // stores of the last hours are beyond `near`; `far` waits where few orders come from.
  const store = { x: 0, y: 0 };
  const near = courier('near', { x: 0, y: 1600 }, NOW + 8 * 3600);
  const far = courier('far', { x: 0, y: -1600 }, NOW + 8 * 3600);
  const snapshot: MatchingSnapshot<PlanePoint> = {
    orders: [order('o', 'store', store, { x: 1600, y: 0 }, NOW + 7 * MIN)],
    couriers: [near, far],
    demand: [
      { id: 'store', at: store, weight: 1 },
      { id: 'busy-1', at: { x: 0, y: 3200 }, weight: 12 },
      { id: 'busy-2', at: { x: 400, y: 3600 }, weight: 9 },
    ],
  };

  it('sends the courier waiting far from the busy stores, and keeps the well-placed one', () => {
    const { assignments } = decideAssignments(snapshot, { now: NOW, travelTime });
    expect(assignments.map((x) => x.courierId)).toEqual(['far']);
  });

  it('without the position and coverage terms the two are a tie', () => {
    const one = decideAssignments(snapshot, {
      now: NOW,
      travelTime,
      policy: { positionWeight: 0, coverageWeight: 0 },
    });
    const swapped = decideAssignments(
      { ...snapshot, couriers: [far, near] },
      { now: NOW, travelTime, policy: { positionWeight: 0, coverageWeight: 0 } },
    );
    expect([one.assignments[0]!.cost]).toEqual([swapped.assignments[0]!.cost]);
  });
});

describe('which courier covers the busy stores', () => {
  // One order at `store`, three couriers 5 minutes from it: `paired` and its `twin` side by side
  // north of it, `lone` south. Two equally busy stores, one 5 minutes beyond each side, so the
  // position term sees the three alike. Only `lone` reaches the southern one quickly: sending it
  // would leave that store 10 more minutes from its next courier; sending one of the pair costs
  // the northern store nothing.
  const store = { x: 0, y: 0 };
  const paired = courier('paired', { x: 0, y: 1600 }, NOW + 8 * 3600);
  const twin = courier('twin', { x: 0, y: 1600 }, NOW + 8 * 3600);
  const lone = courier('lone', { x: 0, y: -1600 }, NOW + 8 * 3600);
  const orders = [order('o', 'store', store, { x: 1600, y: 0 }, NOW + 7 * MIN)];
  const demand = [
    { id: 'north', at: { x: 0, y: 3200 }, weight: 10 },
    { id: 'south', at: { x: 0, y: -3200 }, weight: 10 },
  ];

  it('sends one of the pair and keeps the lone courier where only it is near', () => {
    for (const couriers of [
      [lone, paired, twin],
      [paired, twin, lone],
      [twin, lone, paired],
    ]) {
      const { assignments } = decideAssignments({ orders, couriers, demand }, { now: NOW, travelTime });
      expect(assignments).toHaveLength(1);
      expect(assignments[0]!.courierId).not.toBe('lone');
    }
  });

  it('without the coverage term the three cost the same', () => {
    const policy = { coverageWeight: 0 };
    const costs = [lone, paired].map(
      (only) =>
        decideAssignments({ orders, couriers: [only], demand }, { now: NOW, travelTime, policy })
          .assignments[0]!.cost,
    );
    expect(costs[0]).toBe(costs[1]);
  });
});
