import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { benchmarkTravelTime, type PlanePoint, type Vehicle } from '../../../domain/src/geo/travel-time.js';
import {
  type CourierToMatch,
  decideAssignments,
  decideGreedy,
  type MatchingSnapshot,
  type OrderToMatch,
} from '../../src/matching/index.js';

const travelTime = benchmarkTravelTime(320); // 320 m per minute, whole minutes
const NOW = 10_000;
const VEHICLES: Vehicle[] = ['bike', 'scooter', 'car'];

/** Random snapshots on a 6 km square: few stores so bundles happen, every rule exercised. */
const snapshotArbitrary: fc.Arbitrary<MatchingSnapshot<PlanePoint>> = fc
  .record({
    stores: fc.array(
      fc.record({ x: fc.integer({ min: 0, max: 6000 }), y: fc.integer({ min: 0, max: 6000 }) }),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
    orders: fc.array(
      fc.record({
        store: fc.nat(),
        x: fc.integer({ min: 0, max: 6000 }),
        y: fc.integer({ min: 0, max: 6000 }),
        age: fc.integer({ min: 0, max: 3600 }),
        readyIn: fc.integer({ min: -600, max: 1800 }),
        declines: fc.array(fc.nat(), { maxLength: 2 }),
        vehicles: fc.option(fc.subarray(VEHICLES, { minLength: 1 }), { nil: undefined }),
      }),
      { maxLength: 14 },
    ),
    couriers: fc.array(
      fc.record({
        x: fc.integer({ min: 0, max: 6000 }),
        y: fc.integer({ min: 0, max: 6000 }),
        freeIn: fc.integer({ min: -600, max: 1500 }),
        shiftLeft: fc.integer({ min: -60, max: 7200 }),
        load: fc.integer({ min: 0, max: 3 }),
        capacity: fc.integer({ min: 1, max: 6 }),
        crowd: fc.boolean(),
        vehicle: fc.constantFrom(...VEHICLES),
      }),
      { maxLength: 10 },
    ),
  })
  .map(({ stores, orders, couriers }) => {
    const courierIds = couriers.map((_, i) => `c${i}`);
    return {
      orders: orders.map((o, i): OrderToMatch<PlanePoint> => {
        const storeIndex = o.store % stores.length;
        const placedAt = NOW - o.age;
        return {
          id: `o${i}`,
          storeId: `s${storeIndex}`,
          pickup: stores[storeIndex]!,
          dropoff: { x: o.x, y: o.y },
          placedAt,
          readyAt: Math.max(placedAt, NOW + o.readyIn),
          declinedBy: o.declines.filter((d) => d < courierIds.length).map((d) => courierIds[d]!),
          allowedVehicles: o.vehicles,
        };
      }),
      couriers: couriers.map(
        (c, i): CourierToMatch<PlanePoint> => ({
          id: courierIds[i]!,
          kind: c.crowd ? 'crowd' : 'in_house',
          vehicle: c.vehicle,
          position: { x: c.x, y: c.y },
          freeAt: NOW + c.freeIn,
          shiftEndsAt: NOW + c.shiftLeft,
          load: Math.min(c.load, c.capacity),
          capacity: c.capacity,
          idleSince: NOW + Math.min(0, c.freeIn),
          acceptanceRate: c.crowd ? 0.7 : undefined,
        }),
      ),
    };
  });

describe.each([
  ['decideAssignments', decideAssignments],
  ['decideGreedy', decideGreedy],
] as const)('%s on random snapshots', (_name, decide) => {
  it('uses no courier twice and no order twice, and accounts for every order', () => {
    fc.assert(
      fc.property(snapshotArbitrary, (snapshot) => {
        const { assignments, waiting } = decide(snapshot, { now: NOW, travelTime });
        const couriers = assignments.map((a) => a.courierId);
        expect(new Set(couriers).size).toBe(couriers.length);
        const orderIds = [...assignments.flatMap((a) => a.orderIds), ...waiting.map((w) => w.orderId)];
        expect(new Set(orderIds).size).toBe(orderIds.length);
        expect(orderIds.sort()).toEqual(snapshot.orders.map((o) => o.id).sort());
      }),
      { numRuns: 300 },
    );
  });

  it('never chooses an infeasible pair: declined, busy, full, off shift or wrong vehicle', () => {
    fc.assert(
      fc.property(snapshotArbitrary, (snapshot) => {
        const orders = new Map(snapshot.orders.map((o) => [o.id, o]));
        const couriers = new Map(snapshot.couriers.map((c) => [c.id, c]));
        for (const a of decide(snapshot, { now: NOW, travelTime }).assignments) {
          const courier = couriers.get(a.courierId)!;
          expect(courier.freeAt).toBeLessThanOrEqual(NOW);
          expect(a.orderIds.length).toBeLessThanOrEqual(courier.capacity - courier.load);
          expect(a.pickupAt).toBeLessThanOrEqual(courier.shiftEndsAt);
          for (const id of a.orderIds) {
            const order = orders.get(id)!;
            expect(order.declinedBy ?? []).not.toContain(courier.id);
            if (order.allowedVehicles) expect(order.allowedVehicles).toContain(courier.vehicle);
            expect(a.pickupAt).toBeGreaterThanOrEqual(order.readyAt);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('bundles only orders of one store, within capacity and the bundle size limit', () => {
    fc.assert(
      fc.property(snapshotArbitrary, fc.constantFrom(2, 3, 6), (snapshot, maxBundleSize) => {
        const orders = new Map(snapshot.orders.map((o) => [o.id, o]));
        const couriers = new Map(snapshot.couriers.map((c) => [c.id, c]));
        const { assignments } = decide(snapshot, { now: NOW, travelTime, policy: { maxBundleSize } });
        for (const a of assignments) {
          const courier = couriers.get(a.courierId)!;
          expect(a.orderIds.length).toBeLessThanOrEqual(
            Math.min(maxBundleSize, courier.capacity - courier.load),
          );
          expect(new Set(a.orderIds.map((id) => orders.get(id)!.storeId))).toEqual(new Set([a.storeId]));
          expect(a.dropoffAt).toHaveLength(a.orderIds.length);
          for (let k = 1; k < a.dropoffAt.length; k++)
            expect(a.dropoffAt[k]!).toBeGreaterThan(a.dropoffAt[k - 1]!);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('decideAssignments', () => {
  it('gives the greedy baseline no bundles', () => {
    fc.assert(
      fc.property(snapshotArbitrary, (snapshot) => {
        for (const a of decideGreedy(snapshot, { now: NOW, travelTime }).assignments)
          expect(a.orderIds).toHaveLength(1);
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic: the same snapshot and clock give the same decisions', () => {
    fc.assert(
      fc.property(snapshotArbitrary, (snapshot) => {
        expect(decideAssignments(snapshot, { now: NOW, travelTime })).toEqual(
          decideAssignments(snapshot, { now: NOW, travelTime }),
        );
      }),
      { numRuns: 50 },
    );
  });
});
