import { describe, expect, it } from 'vitest';
import type { PlanePoint } from '../../../domain/src/geo/travel-time.js';
import { candidatesFromContext } from '../../src/matching/candidates.js';
import { contextFromSnapshot } from '../../src/matching/context.js';
import { fillIdleGaps, growCommittedJobs, problemFromJobs } from '../../src/matching/decide.js';
import { jobFromOrders } from '../../src/matching/job.js';
import { type MatchingPolicy, resolvePolicy } from '../../src/matching/policy.js';
import type { MatchingSnapshot } from '../../src/matching/types.js';
import { courier, MIN, NOW, order, travelTime } from './plane-fixtures.js';

/** The cycle's state up to the solver, one single-order job per order, and a hand-made solution. */
function cycle(snapshot: MatchingSnapshot<PlanePoint>, overrides: Partial<MatchingPolicy> = {}) {
  const policy = resolvePolicy({ positionWeight: 0, coverageWeight: 0, ...overrides });
  const ctx = contextFromSnapshot(snapshot, NOW, travelTime, policy);
  const candidates = candidatesFromContext(ctx);
  const jobs = snapshot.orders.map((_, i) =>
    jobFromOrders(
      ctx,
      [i],
      candidates.courier.subarray(candidates.start[i]!, candidates.start[i + 1]!),
      candidates.arriveStore.subarray(candidates.start[i]!, candidates.start[i + 1]!),
    ),
  );
  return { ctx, jobs, problem: problemFromJobs(ctx, jobs) };
}

describe('bundles grown against the assignment', () => {
  // One courier at the store, two orders of it going the same way: `now` is ready, `soon` one
  // minute later. The solver (given here) commits `now` and leaves `soon` waiting for a courier
  // in half an hour; the courier can take both, `soon` a minute later than alone.
  const store = { x: 0, y: 0 };
  const now = order('now', 'store', store, { x: 0, y: 3200 }, NOW + 2 * MIN);
  const soon = order('soon', 'store', store, { x: 0, y: 3520 }, NOW + 2 * MIN);
  const snapshot = { orders: [now, soon], couriers: [courier('c', store, NOW + 8 * 3600)] };

  it('takes the waiting order of the same store into the committed job', () => {
    const { ctx, jobs, problem } = cycle(snapshot);
    const rowToCol = Int32Array.of(0, -1);
    expect(growCommittedJobs(ctx, jobs, problem, rowToCol)).toBe(true);
    expect(jobs[0]!.orders.map((i) => ctx.orders[i]!.id)).toEqual(['now', 'soon']);
    expect(jobs[1]!.orders).toEqual([]);
  });

  it('leaves a job alone that is not committed now (its food is not ready yet)', () => {
    const late = { ...now, readyAt: NOW + 20 * MIN };
    const { ctx, jobs, problem } = cycle({ ...snapshot, orders: [late, soon] });
    const rowToCol = Int32Array.of(0, -1);
    expect(growCommittedJobs(ctx, jobs, problem, rowToCol)).toBe(false);
    expect(jobs.map((j) => j.orders.length)).toEqual([1, 1]);
  });
});

describe('idle gaps filled', () => {
  // Courier `c` at store B; its planned job is `own` at store A (5 min away), ready in 25 min.
  // `gap` at B is ready now, its customer 5 min on the way to A: done first, the courier is back at
  // A's counter by NOW + 20 min. The solver (given here) left `gap` waiting.
  const b = { x: 0, y: 0 };
  const own = order('own', 'a', { x: 0, y: 3200 }, { x: 3200, y: 3200 }, NOW + 25 * MIN);
  const gap = order('gap', 'b', b, { x: 0, y: 1600 }, NOW);
  const snapshot = { orders: [own, gap], couriers: [courier('c', b, NOW + 8 * 3600)] };

  it('commits the other job first when the courier still picks up its own in time', () => {
    const { ctx, jobs, problem } = cycle(snapshot);
    const rowToCol = Int32Array.of(0, -1);
    expect([...fillIdleGaps(ctx, jobs, problem, rowToCol)]).toEqual([1]);
    expect([...rowToCol]).toEqual([0, 0]);
  });

  it('does not when its own pickup would be more than the allowed delay later', () => {
    const tight = { ...own, readyAt: NOW + 12 * MIN };
    const { ctx, jobs, problem } = cycle({ ...snapshot, orders: [tight, gap] }, { fillerDelaySeconds: 60 });
    const rowToCol = Int32Array.of(0, -1);
    expect(fillIdleGaps(ctx, jobs, problem, rowToCol).size).toBe(0);
    expect([...rowToCol]).toEqual([0, -1]);
  });
});
