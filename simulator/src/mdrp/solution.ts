import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One instruction: a courier picks up these orders (one restaurant) and delivers them in order. */
export interface MdrpAssignmentRecord {
  assignedAt: number;
  pickupAt: number;
  courierId: string;
  orderIds: string[];
}

/** One delivered order. Times in whole minutes. */
export interface MdrpOrderRecord {
  orderId: string;
  placedAt: number;
  readyAt: number;
  pickupAt: number;
  dropoffAt: number;
  courierId: string;
}

/** One courier move; `from`/`to` are a restaurant id, an order id (its customer) or `0` (the courier's start). */
export interface MdrpMove {
  courierId: string;
  departAt: number;
  from: string;
  to: string;
}

/** A solution in the original evaluator's three files. */
export interface MdrpSolution {
  assignments: MdrpAssignmentRecord[];
  orders: MdrpOrderRecord[];
  moves: MdrpMove[];
}

export const SOLUTION_FILES = {
  assignments: 'solution_info_assignments.txt',
  orders: 'solution_info_orders.txt',
  moves: 'solution_info_couriers.txt',
} as const;

/** Writes the three files (moves grouped by courier, in time order). */
export function writeSolution(dir: string, solution: MdrpSolution): void {
  mkdirSync(dir, { recursive: true });
  const lines = (header: string, rows: string[]) => `${[header, ...rows].join('\n')}\n`;
  writeFileSync(
    path.join(dir, SOLUTION_FILES.assignments),
    lines(
      'assignment_time pickup_time courier orders',
      solution.assignments.map((a) => [a.assignedAt, a.pickupAt, a.courierId, ...a.orderIds].join(' ')),
    ),
  );
  writeFileSync(
    path.join(dir, SOLUTION_FILES.orders),
    lines(
      'order placement_time ready_time pickup_time dropoff_time courier',
      solution.orders.map((o) =>
        [o.orderId, o.placedAt, o.readyAt, o.pickupAt, o.dropoffAt, o.courierId].join(' '),
      ),
    ),
  );
  writeFileSync(
    path.join(dir, SOLUTION_FILES.moves),
    lines(
      'courier departure_time origin destination',
      sortMoves(solution.moves).map((m) => [m.courierId, m.departAt, m.from, m.to].join(' ')),
    ),
  );
}

/** Moves grouped by courier (first appearance order), each courier's in time order. */
export function sortMoves(moves: readonly MdrpMove[]): MdrpMove[] {
  const byCourier = new Map<string, MdrpMove[]>();
  for (const m of moves) {
    const list = byCourier.get(m.courierId);
    if (list) list.push(m);
    else byCourier.set(m.courierId, [m]);
  }
  return [...byCourier.values()].flatMap((list) =>
    list
      .map((m, i) => ({ m, i }))
      .sort((a, b) => a.m.departAt - b.m.departAt || a.i - b.i)
      .map(({ m }) => m),
  );
}

/** Reads a solution folder written by {@link writeSolution} (or by the original tools). */
export function readSolution(dir: string): MdrpSolution {
  const rows = (file: string) =>
    readFileSync(path.join(dir, file), 'utf8')
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l.trim().length > 0)
      .map((l) => l.trim().split(/\s+/));
  return {
    assignments: rows(SOLUTION_FILES.assignments).map(([at, pickup, courierId, ...orderIds]) => ({
      assignedAt: Number(at),
      pickupAt: Number(pickup),
      courierId: courierId ?? '',
      orderIds,
    })),
    orders: rows(SOLUTION_FILES.orders).map(([orderId, placed, ready, pickup, dropoff, courierId]) => ({
      orderId: orderId ?? '',
      placedAt: Number(placed),
      readyAt: Number(ready),
      pickupAt: Number(pickup),
      dropoffAt: Number(dropoff),
      courierId: courierId ?? '',
    })),
    moves: rows(SOLUTION_FILES.moves).map(([courierId, at, from, to]) => ({
      courierId: courierId ?? '',
      departAt: Number(at),
      from: from ?? '',
      to: to ?? '',
    })),
  };
}
