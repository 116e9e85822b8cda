import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Static, Type } from 'typebox';
import type { MatchingDecisions } from '../../../dispatcher/src/matching/index.js';
import type { MdrpInstance } from './instance.js';
import { lowerBoundMinutes } from './metrics.js';
import type { MdrpSolution } from './solution.js';

/**
 * What a replay leaves for `npm run sim -- report <out>` in `replay-record.json`: per order, per
 * courier, per minute and per decision cycle, so the report draws distributions and time series
 * that summary.json only condenses. Times are whole minutes of the instance's day; pay is in the
 * instance's money unit.
 */

const Minutes = (description: string) => Type.Number({ minimum: 0, description });
const MaybeMinutes = (description: string) => Type.Union([Minutes(description), Type.Null()]);

export const ReplayRecordSchema = Type.Object({
  kind: Type.Literal('mdrp-replay'),
  instance: Type.String(),
  policy: Type.String(),
  parameters: Type.Object({
    targetClickToDoorMinutes: Type.Number(),
    maxClickToDoorMinutes: Type.Number(),
    payPerOrder: Type.Number(),
    guaranteedPayPerHour: Type.Number(),
  }),
  orders: Type.Array(
    Type.Object({
      id: Type.String(),
      placed_min: Minutes('placement'),
      ready_min: Minutes('ready at the restaurant'),
      assigned_min: MaybeMinutes('the cycle that gave it to a courier'),
      pickup_min: MaybeMinutes('picked up'),
      dropoff_min: MaybeMinutes('delivered'),
      lower_bound_min: Minutes('click-to-door no dispatcher can beat'),
      courier_id: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  couriers: Type.Array(
    Type.Object({
      id: Type.String(),
      on_min: Minutes('shift start'),
      off_min: Minutes('shift end'),
      busy_min: Minutes('from each job’s assignment to its last drop-off service end'),
      deliveries: Type.Integer({ minimum: 0 }),
      pay: Type.Number({ minimum: 0, description: 'max(per-order pay, guaranteed hourly pay)' }),
    }),
  ),
  /** The state at every minute of the day, from the first placement to the last drop-off. */
  minutes: Type.Array(
    Type.Object({
      t_min: Minutes('minute of the day'),
      waiting_orders: Type.Integer({ minimum: 0, description: 'placed, not yet assigned' }),
      idle_couriers: Type.Integer({ minimum: 0, description: 'on shift without a job' }),
      busy_couriers: Type.Integer({ minimum: 0, description: 'holding a job' }),
    }),
  ),
  cycles: Type.Array(
    Type.Object({
      t_min: Minutes('minute of the cycle'),
      ms: Type.Number({
        minimum: 0,
        description: 'wall time since the previous cycle: snapshot, decide, commit',
      }),
      waiting_orders: Type.Integer({ minimum: 0 }),
      couriers: Type.Integer({ minimum: 0, description: 'couriers offered to the core' }),
      assigned_orders: Type.Integer({ minimum: 0 }),
    }),
  ),
});

export type ReplayRecord = Static<typeof ReplayRecordSchema>;
export type ReplayCycle = ReplayRecord['cycles'][number];

export const REPLAY_RECORD_FILE = 'replay-record.json';

/**
 * Times every decision cycle through the replay's `onCycle` hook. A cycle's time is the wall time
 * between two hooks (building the snapshot, deciding, executing the previous cycle's jobs), which
 * is what a live dispatcher's cycle spends; the hook itself only pushes a row.
 */
export function recordCycles(): {
  rows: ReplayCycle[];
  onCycle: (
    minute: number,
    decisions: MatchingDecisions,
    snapshot: { orders: readonly unknown[]; couriers: readonly unknown[] },
  ) => void;
} {
  const rows: ReplayCycle[] = [];
  let last = performance.now();
  return {
    rows,
    onCycle(minute, decisions, snapshot) {
      const now = performance.now();
      rows.push({
        t_min: minute,
        ms: Math.round((now - last) * 1000) / 1000,
        waiting_orders: snapshot.orders.length,
        couriers: snapshot.couriers.length,
        assigned_orders: decisions.assignments.reduce((s, a) => s + a.orderIds.length, 0),
      });
      last = now;
    },
  };
}

/** Merges [start, end) intervals and returns their total length. */
function unionLength(intervals: Array<[number, number]>): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [s, e] of sorted) {
    const from = Math.max(s, end);
    if (e > from) total += e - from;
    end = Math.max(end, e);
  }
  return total;
}

/** The record of one replay, from the instance, its solution and the timed cycles. */
export function replayRecordFromSolution(
  instance: MdrpInstance,
  solution: MdrpSolution,
  policy: string,
  cycles: readonly ReplayCycle[],
): ReplayRecord {
  const p = instance.parameters;
  const halfDropoff = p.dropoffServiceMinutes / 2;
  const delivered = new Map(solution.orders.map((o) => [o.orderId, o]));
  const assignedAt = new Map<string, number>();
  for (const a of solution.assignments) for (const id of a.orderIds) assignedAt.set(id, a.assignedAt);

  const jobs = new Map<string, Array<[number, number]>>();
  for (const a of solution.assignments) {
    const end = Math.max(
      a.assignedAt,
      ...a.orderIds.map((id) => (delivered.get(id)?.dropoffAt ?? a.assignedAt) + halfDropoff),
    );
    const list = jobs.get(a.courierId) ?? [];
    list.push([a.assignedAt, end]);
    jobs.set(a.courierId, list);
  }
  const deliveries = new Map<string, number>();
  for (const o of solution.orders) deliveries.set(o.courierId, (deliveries.get(o.courierId) ?? 0) + 1);

  const orders = instance.orders.map((o) => {
    const d = delivered.get(o.id);
    return {
      id: o.id,
      placed_min: o.placedAt,
      ready_min: o.readyAt,
      assigned_min: assignedAt.get(o.id) ?? null,
      pickup_min: d?.pickupAt ?? null,
      dropoff_min: d?.dropoffAt ?? null,
      lower_bound_min: lowerBoundMinutes(instance, o),
      courier_id: d?.courierId ?? null,
    };
  });
  const couriers = instance.couriers.map((c) => {
    const n = deliveries.get(c.id) ?? 0;
    return {
      id: c.id,
      on_min: c.onAt,
      off_min: c.offAt,
      busy_min: unionLength(jobs.get(c.id) ?? []),
      deliveries: n,
      pay: Math.max(p.payPerOrder * n, (p.guaranteedPayPerHour * (c.offAt - c.onAt)) / 60),
    };
  });

  const first = Math.min(...orders.map((o) => o.placed_min));
  const lastDrop = Math.max(first, ...orders.map((o) => o.dropoff_min ?? 0));
  const minutes: ReplayRecord['minutes'] = [];
  for (let t = Math.floor(first); t <= Math.ceil(lastDrop); t++) {
    const waiting = orders.filter(
      (o) => o.placed_min <= t && (o.assigned_min === null || o.assigned_min > t),
    ).length;
    let idle = 0;
    let busy = 0;
    for (const c of instance.couriers) {
      const holding = (jobs.get(c.id) ?? []).some(([s, e]) => s <= t && t < e);
      if (holding) busy++;
      else if (c.onAt <= t && t < c.offAt) idle++;
    }
    minutes.push({ t_min: t, waiting_orders: waiting, idle_couriers: idle, busy_couriers: busy });
  }

  return {
    kind: 'mdrp-replay',
    instance: instance.name,
    policy,
    parameters: {
      targetClickToDoorMinutes: p.targetClickToDoorMinutes,
      maxClickToDoorMinutes: p.maxClickToDoorMinutes,
      payPerOrder: p.payPerOrder,
      guaranteedPayPerHour: p.guaranteedPayPerHour,
    },
    orders,
    couriers,
    minutes,
    cycles: [...cycles],
  };
}

/** Writes `replay-record.json` into a replay's output folder. */
export function writeReplayRecord(outDir: string, record: ReplayRecord): void {
  writeFileSync(path.join(outDir, REPLAY_RECORD_FILE), `${JSON.stringify(record)}\n`);
}
