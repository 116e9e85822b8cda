import { describe, expect, it } from 'vitest';
import {
  type Actor,
  canTransition,
  FINAL_STATUSES,
  isTransition,
  ORDER_STATUSES,
  type OrderStatus,
} from './order-state.js';

/** The allowed moves of DESIGN.md, written out independently of the table under test. */
const EXPECTED: ReadonlyArray<[OrderStatus, OrderStatus]> = [
  ['created', 'dispatching'],
  ['created', 'assigned'],
  ['created', 'canceled'],
  ['created', 'failed'],
  ['dispatching', 'assigned'],
  ['dispatching', 'canceled'],
  ['dispatching', 'failed'],
  ['assigned', 'dispatching'],
  ['assigned', 'at_pickup'],
  ['assigned', 'picked_up'],
  ['assigned', 'canceled'],
  ['assigned', 'failed'],
  ['at_pickup', 'dispatching'],
  ['at_pickup', 'picked_up'],
  ['at_pickup', 'canceled'],
  ['at_pickup', 'failed'],
  ['picked_up', 'at_dropoff'],
  ['picked_up', 'delivered'],
  ['picked_up', 'canceled'],
  ['picked_up', 'failed'],
  ['at_dropoff', 'delivered'],
  ['at_dropoff', 'canceled'],
  ['at_dropoff', 'failed'],
];
const ACTORS: readonly Actor[] = ['store', 'courier', 'dispatcher', 'operator', 'system'];

describe('order state machine', () => {
  it('allows exactly the moves of the design, for every pair of states', () => {
    const allowed = new Set(EXPECTED.map(([a, b]) => `${a}>${b}`));
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        expect(isTransition(from, to), `${from} → ${to}`).toBe(allowed.has(`${from}>${to}`));
        if (!allowed.has(`${from}>${to}`)) {
          for (const actor of ACTORS)
            expect(canTransition(from, to, actor), `${from} → ${to} by ${actor}`).toBe(false);
        }
      }
    }
  });

  it('lets a store cancel only before pickup, and an operator any time before delivery', () => {
    for (const from of ORDER_STATUSES) {
      const beforePickup = ['created', 'dispatching', 'assigned', 'at_pickup'].includes(from);
      expect(canTransition(from, 'canceled', 'store'), from).toBe(beforePickup);
      expect(canTransition(from, 'canceled', 'operator'), from).toBe(!FINAL_STATUSES.has(from));
    }
  });

  it('never leaves a final state', () => {
    for (const from of FINAL_STATUSES) {
      for (const to of ORDER_STATUSES) expect(isTransition(from, to)).toBe(false);
    }
  });

  it('lets only couriers and operators record job steps', () => {
    for (const [from, to] of [
      ['assigned', 'at_pickup'],
      ['at_pickup', 'picked_up'],
      ['picked_up', 'at_dropoff'],
      ['at_dropoff', 'delivered'],
    ] as const) {
      expect(ACTORS.filter((a) => canTransition(from, to, a))).toEqual(['courier', 'operator']);
    }
  });
});
