import { cheapestMerge, ordersToBundles } from './bundles.js';
import { type CandidateLists, candidatesFromContext } from './candidates.js';
import { solveByComponents } from './components.js';
import { contextFromSnapshot, type MatchingContext, orderCost } from './context.js';
import { holdCost, type Job, jobCost, jobTimes } from './job.js';
import type { SparseAssignmentProblem } from './lapjv.js';
import { type MatchingPolicy, resolvePolicy } from './policy.js';
import { decideWithRollout } from './rollout.js';
import type { Assignment, DecideOptions, MatchingDecisions, MatchingSnapshot, WaitReason } from './types.js';

/** Leaving a job unassigned when waiting would make it infeasible costs this much more, seconds. */
const MUST_ASSIGN_PENALTY = 1e6;

/**
 * One decision cycle, the single entry point of the matching core: the live loop and the
 * benchmark replay both call it with a snapshot and a clock value, and commit what it returns.
 * Pure and synchronous.
 *
 * candidates → bundles → costs → exact min-cost assignment (per connected component) → decisions.
 * Jobs whose chosen courier is still busy, or need not leave yet, wait for a later cycle.
 * @param options.now the cycle's clock, seconds; every time in the snapshot is on the same clock
 */
export function decideAssignments<P>(
  snapshot: MatchingSnapshot<P>,
  options: DecideOptions<P>,
): MatchingDecisions {
  const policy = resolvePolicy(options.policy, options.service);
  if (policy.rolloutHorizonSeconds > 0) return decideWithRollout(snapshot, options, policy, decideOnce);
  return decideOnce(snapshot, options, policy).decisions;
}

/** One cycle of the base policy, without the rollout; also returns the cycle's scarcity. */
export function decideOnce<P>(
  snapshot: MatchingSnapshot<P>,
  options: DecideOptions<P>,
  policy: MatchingPolicy,
): CycleOutcome {
  const ctx = contextFromSnapshot(snapshot, options.now, options.travelTime, policy);
  const candidates = candidatesFromContext(ctx);
  ctx.scarcity = scarcityOf(ctx, candidates);
  addCoverage(ctx);
  let jobs = ordersToBundles(ctx, candidates, ctx.scarcity);
  let problem = problemFromJobs(ctx, jobs);
  let { rowToCol } = solveByComponents(problem);
  keepLastChances(ctx, jobs, problem, rowToCol);
  if (policy.growCommittedJobs && growCommittedJobs(ctx, jobs, problem, rowToCol)) {
    // The grown jobs and the couriers they freed: solve again, so those couriers serve this cycle.
    jobs = jobs.filter((job) => job.orders.length > 0);
    problem = problemFromJobs(ctx, jobs);
    rowToCol = solveByComponents(problem).rowToCol;
    keepLastChances(ctx, jobs, problem, rowToCol);
  }
  const fillers = policy.fillIdleGaps ? fillIdleGaps(ctx, jobs, problem, rowToCol) : undefined;
  const planned: CycleOutcome['planned'] = [];
  const decisions = decisionsFromSolution(ctx, jobs, problem, rowToCol, planned, fillers);
  return { decisions, scarcity: ctx.scarcity, planned };
}

/**
 * Adds the coverage term to the courier-only costs, scaled by 1 − scarcity: keeping a courier
 * where it alone is near pays while couriers are plentiful; when orders outnumber them, every
 * courier is needed now (on the MDRP replays, unscaled coverage cost seeds 1 and 4).
 */
function addCoverage<P>(ctx: MatchingContext<P>): void {
  const scale = Math.max(0, 1 - ctx.scarcity);
  if (scale <= 0) return;
  for (let c = 0; c < ctx.couriers.length; c++)
    if (ctx.coverageTerm[c]! !== 0) ctx.courierTerm[c] = ctx.courierTerm[c]! + scale * ctx.coverageTerm[c]!;
}

/** What one base cycle decided, its scarcity, and the jobs given to a courier but not committed yet. */
export interface CycleOutcome {
  decisions: MatchingDecisions;
  scarcity: number;
  planned: { courierId: string; orderIds: string[] }[];
}

/**
 * How short of couriers this cycle is: 0 up to `scarcityFrom` waiting orders per usable courier,
 * 1 at `scarcityFull`, at most `scarcityMax`. A courier whose shift ends within
 * `shiftHorizonSeconds` counts as that share of a courier. Scales the busy-time cost and the value
 * of a courier kept free by bundling.
 */
export function scarcityOf<P>(ctx: MatchingContext<P>, candidates: CandidateLists): number {
  let demand = 0;
  for (let i = 0; i < ctx.orders.length; i++) if (candidates.start[i + 1]! > candidates.start[i]!) demand++;
  // A courier whose shift ends soon is only part of a courier: it has few pickups left.
  const { scarcityFrom, scarcityFull, scarcityMax, shiftHorizonSeconds } = ctx.policy;
  let supply = 0;
  for (let c = 0; c < ctx.couriers.length; c++) {
    if (ctx.spareCapacity[c]! <= 0) continue;
    const left = ctx.couriers[c]!.shiftEndsAt - ctx.departAt[c]!;
    supply += shiftHorizonSeconds > 0 ? Math.min(1, Math.max(0.05, left / shiftHorizonSeconds)) : 1;
  }
  const ratio = demand / Math.max(1, supply);
  return Math.min(
    scarcityMax,
    Math.max(0, (ratio - scarcityFrom) / Math.max(1e-9, scarcityFull - scarcityFrom)),
  );
}

/** The assignment problem of this cycle: rows are jobs, columns are couriers (snapshot indices). */
export function problemFromJobs<P>(ctx: MatchingContext<P>, jobs: readonly Job[]): CycleProblem {
  let edges = 0;
  for (const job of jobs) edges += job.couriers.length;
  const rowStart = new Int32Array(jobs.length + 1);
  const col = new Int32Array(edges);
  const cost = new Float64Array(edges);
  const unassignedCost = new Float64Array(jobs.length);
  const mustAssign = new Uint8Array(jobs.length);
  let e = 0;
  jobs.forEach((job, r) => {
    rowStart[r] = e;
    let best = Number.POSITIVE_INFINITY;
    for (let j = 0; j < job.couriers.length; j++) {
      const c = job.couriers[j]!;
      const value = jobCost(ctx, job, c, job.arriveStore[j]!);
      if (!Number.isFinite(value)) continue;
      col[e] = c;
      cost[e] = value;
      e++;
      best = Math.min(best, value);
    }
    if (!Number.isFinite(best)) {
      unassignedCost[r] = 0; // nobody can take it: the row has no edge, it simply waits
      return;
    }
    const hold = holdCost(ctx, job);
    if (Number.isFinite(hold)) unassignedCost[r] = hold;
    else {
      // Per order: when not every last chance can be served, a bundle outweighs a single order.
      unassignedCost[r] = best + MUST_ASSIGN_PENALTY * job.orders.length;
      mustAssign[r] = 1;
    }
  });
  rowStart[jobs.length] = e;
  return {
    rows: jobs.length,
    cols: ctx.couriers.length,
    rowStart,
    col: col.subarray(0, e),
    cost: cost.subarray(0, e),
    unassignedCost,
    mustAssign,
  };
}

/** The assignment problem of one cycle, and which rows must be served now or never (1). */
export interface CycleProblem extends SparseAssignmentProblem {
  mustAssign: Uint8Array;
}

/**
 * A job that must be served now or never (no candidate could still take it after the hold delay)
 * can lose its courier to another such job, because the solver gives each courier one job per
 * cycle. When that courier could do the lost job first and the other one after it, but not the
 * other way round, the two swap: both get delivered, where the solver's choice would lose one.
 * Mutates `rowToCol`; deterministic (rows in order, candidates earliest first).
 */
export function keepLastChances<P>(
  ctx: MatchingContext<P>,
  jobs: readonly Job[],
  problem: CycleProblem,
  rowToCol: Int32Array,
): void {
  const colToRow = new Map<number, number>();
  rowToCol.forEach((c, r) => {
    if (c >= 0) colToRow.set(c, r);
  });
  const mustRow = (r: number) => problem.mustAssign[r] === 1;
  for (let r = 0; r < jobs.length; r++) {
    if (rowToCol[r]! >= 0 || !mustRow(r)) continue;
    const lost = jobs[r]!;
    for (let j = 0; j < lost.couriers.length; j++) {
      const c = lost.couriers[j]!;
      const other = colToRow.get(c);
      if (other === undefined || !mustRow(other)) continue;
      const kept = jobs[other]!;
      const keptArrive = kept.arriveStore[kept.couriers.indexOf(c)]!;
      if (!Number.isFinite(jobCost(ctx, lost, c, lost.arriveStore[j]!))) continue;
      if (canFollow(ctx, kept, keptArrive, lost, c)) continue; // it gets its turn after the other
      if (!canFollow(ctx, lost, lost.arriveStore[j]!, kept, c)) continue; // one of them is lost
      rowToCol[r] = c;
      rowToCol[other] = -1;
      colToRow.set(c, r);
      break;
    }
  }
}

/** Whether courier `c`, doing `first` (reaching its store at `arrive`), can still pick up `second` after it. */
function canFollow<P>(ctx: MatchingContext<P>, first: Job, arrive: number, second: Job, c: number): boolean {
  const courier = ctx.couriers[c]!;
  const times = jobTimes(ctx, first, c, arrive);
  const halfDropoff = ctx.policy.service.dropoffSeconds / 2;
  const freeAt = times.dropoffAt[times.dropoffAt.length - 1]! + halfDropoff;
  const from = ctx.orders[first.orders[first.orders.length - 1]!]!.dropoff;
  const to = ctx.orders[second.orders[0]!]!.pickup;
  const pickupAt = Math.max(
    second.readyAt,
    freeAt + ctx.travelTime.seconds(from, to, courier.vehicle) + ctx.policy.service.pickupSeconds / 2,
  );
  return pickupAt <= courier.shiftEndsAt;
}

/** Cost of row `r` in the solution: its courier's edge, or leaving it unassigned. */
function solutionCost(problem: CycleProblem, r: number, c: number): number {
  if (c < 0) return problem.unassignedCost[r]!;
  for (let e = problem.rowStart[r]!; e < problem.rowStart[r + 1]!; e++)
    if (problem.col[e] === c) return problem.cost[e]!;
  return Number.POSITIVE_INFINITY;
}

/** Whether row `r`'s courier `c` is free and must leave now (the job is committed this cycle). */
function commitsNow<P>(ctx: MatchingContext<P>, job: Job, c: number, arriveStore: number): boolean {
  const courier = ctx.couriers[c]!;
  if (courier.freeAt > ctx.now) return false;
  const halfPickup = ctx.policy.service.pickupSeconds / 2;
  const mustLeaveAt = job.readyAt - halfPickup - (arriveStore - ctx.departAt[c]!);
  const horizon =
    courier.kind === 'in_house' ? ctx.policy.inHouseCommitHorizonSeconds : ctx.policy.commitHorizonSeconds;
  return mustLeaveAt - ctx.now <= horizon;
}

/**
 * Bundles built against the assignment: a job committed now takes another job of its store when
 * its courier doing both costs less than the two as the solver left them (the other job's own
 * courier, or waiting). Bundling before the assignment compares against the two best couriers,
 * who may be taken by other jobs; here the other job's real alternative is known. Only jobs that
 * are not themselves committed now are taken, and the grown job must still be committed now.
 * Mutates `jobs` (a taken job gets no orders) and `rowToCol`; true when a job grew (the caller
 * then solves again, so couriers the taken jobs had are free for others in this cycle).
 */
export function growCommittedJobs<P>(
  ctx: MatchingContext<P>,
  jobs: Job[],
  problem: CycleProblem,
  rowToCol: Int32Array,
): boolean {
  let changed = false;
  const { maxBundleSize } = ctx.policy;
  const byStore = new Map<string, number[]>();
  jobs.forEach((job, r) => {
    const list = byStore.get(job.storeId);
    if (list) list.push(r);
    else byStore.set(job.storeId, [r]);
  });
  const committed = new Uint8Array(jobs.length);
  const arriveOf = (r: number, c: number) => jobs[r]!.arriveStore[jobs[r]!.couriers.indexOf(c)]!;
  for (let r = 0; r < jobs.length; r++) {
    const c = rowToCol[r]!;
    if (c >= 0 && commitsNow(ctx, jobs[r]!, c, arriveOf(r, c))) committed[r] = 1;
  }
  for (let r = 0; r < jobs.length; r++) {
    if (!committed[r]) continue;
    const rows = byStore.get(jobs[r]!.storeId)!;
    if (rows.length < 2) continue;
    const c = rowToCol[r]!;
    const arrive = arriveOf(r, c);
    for (;;) {
      const job = jobs[r]!;
      const own = jobCost(ctx, job, c, arrive);
      let best: { s: number; job: Job; gain: number } | undefined;
      for (const s of rows) {
        const other = jobs[s]!;
        if (s === r || committed[s] || other.orders.length === 0) continue;
        if (job.orders.length + other.orders.length > Math.min(maxBundleSize, ctx.spareCapacity[c]!))
          continue;
        if (!other.couriers.includes(c)) continue;
        const sc = rowToCol[s]!;
        const otherCost = solutionCost(problem, s, sc);
        if (!Number.isFinite(otherCost)) continue;
        const grown = grownJob(ctx, job, other, c, arrive);
        if (!grown || !commitsNow(ctx, grown.job, c, arrive)) continue;
        const gain = own + otherCost - grown.cost;
        if (gain > 1e-9 && (!best || gain > best.gain)) best = { s, job: grown.job, gain };
      }
      if (!best) break;
      jobs[r] = best.job;
      jobs[best.s] = { ...jobs[best.s]!, orders: [] };
      rowToCol[best.s] = -1;
      changed = true;
    }
  }
  return changed;
}

/** Courier `c`'s job of `a`'s and `b`'s orders, in its cheapest delivery order, and its cost. */
function grownJob<P>(
  ctx: MatchingContext<P>,
  a: Job,
  b: Job,
  c: number,
  arrive: number,
): { job: Job; cost: number } | undefined {
  const merged = cheapestMerge(ctx, a, b, { courier: c, arriveStore: arrive });
  return merged && Number.isFinite(merged.cost) ? merged : undefined;
}

/**
 * A courier free now whose job need not start yet (the food is not ready: `not_yet`) would wait
 * idle. When it can do another job first and still pick up its own at most `fillerDelaySeconds`
 * later than planned (and before its shift ends), it does: that job costs its orders'
 * click-to-door, its travel and the delay of the courier's own orders only (the courier's time was
 * idle), against what the solver left it (another courier, or waiting). Returns the rows committed
 * that way; their courier's own job waits (`not_yet`) and is decided again next cycle. Mutates
 * `rowToCol`.
 */
export function fillIdleGaps<P>(
  ctx: MatchingContext<P>,
  jobs: readonly Job[],
  problem: CycleProblem,
  rowToCol: Int32Array,
): Set<number> {
  const fillers = new Set<number>();
  const { policy } = ctx;
  const halfPickup = policy.service.pickupSeconds / 2;
  const halfDropoff = policy.service.dropoffSeconds / 2;
  const taken = new Uint8Array(jobs.length);
  const arriveOf = (r: number, c: number) => jobs[r]!.arriveStore[jobs[r]!.couriers.indexOf(c)]!;
  for (let r = 0; r < jobs.length; r++) {
    const c = rowToCol[r]!;
    if (c < 0 || jobs[r]!.orders.length === 0) continue;
    if (commitsNow(ctx, jobs[r]!, c, arriveOf(r, c))) taken[r] = 1;
  }
  // Per courier, the jobs it is a candidate of (rows ascending) and where in their lists; built once.
  let byCourier: Map<number, [number, number][]> | undefined;
  const jobsOf = (c: number): [number, number][] => {
    if (!byCourier) {
      byCourier = new Map();
      jobs.forEach((job, s) => {
        job.couriers.forEach((d, at) => {
          const list = byCourier!.get(d);
          if (list) list.push([s, at]);
          else byCourier!.set(d, [[s, at]]);
        });
      });
    }
    return byCourier.get(c) ?? [];
  };
  for (let r = 0; r < jobs.length; r++) {
    const c = rowToCol[r]!;
    const own = jobs[r]!;
    if (c < 0 || taken[r] || own.orders.length === 0) continue;
    const courier = ctx.couriers[c]!;
    if (courier.freeAt > ctx.now) continue;
    const plannedPickup = Math.max(own.readyAt, arriveOf(r, c) + halfPickup);
    const ownStore = ctx.orders[own.orders[0]!]!.pickup;
    let best: { s: number; gain: number } | undefined;
    // Only jobs it is a candidate of (not declined, the right vehicle, in time for its shift).
    for (const [s, at] of jobsOf(c)) {
      const job = jobs[s]!;
      if (s === r || taken[s] || job.orders.length === 0 || job.orders.length > ctx.spareCapacity[c]!)
        continue;
      const other = solutionCost(problem, s, rowToCol[s]!);
      if (!Number.isFinite(other)) continue;
      const arrive = job.arriveStore[at]!;
      const pickupAt = Math.max(job.readyAt, arrive + halfPickup);
      if (pickupAt > courier.shiftEndsAt) continue;
      const times = jobTimes(ctx, job, c, arrive);
      const last = times.dropoffAt[times.dropoffAt.length - 1]!;
      const lastAt = ctx.orders[job.orders[job.orders.length - 1]!]!.dropoff;
      const back = last + halfDropoff + ctx.travelTime.seconds(lastAt, ownStore, courier.vehicle);
      const ownPickup = Math.max(own.readyAt, back + halfPickup);
      const delay = Math.max(0, ownPickup - plannedPickup);
      if (delay > policy.fillerDelaySeconds || ownPickup > courier.shiftEndsAt) continue;
      // Its own job's orders arrive that much later.
      let cost = policy.travelWeight * (arrive - ctx.departAt[c]!) + delay * own.orders.length;
      job.orders.forEach((i, k) => {
        cost += orderCost(times.dropoffAt[k]! - ctx.orders[i]!.placedAt, policy);
      });
      const gain = other - cost;
      if (gain > 1e-9 && (!best || gain > best.gain)) best = { s, gain };
    }
    if (!best) continue;
    taken[best.s] = 1;
    rowToCol[best.s] = c;
    fillers.add(best.s);
  }
  return fillers;
}

/** Commits jobs whose courier is free and must leave soon; everything else waits, with a reason. */
function decisionsFromSolution<P>(
  ctx: MatchingContext<P>,
  jobs: readonly Job[],
  problem: SparseAssignmentProblem,
  rowToCol: Int32Array,
  planned: CycleOutcome['planned'],
  fillers?: ReadonlySet<number>,
): MatchingDecisions {
  const assignments: Assignment[] = [];
  const waiting: MatchingDecisions['waiting'] = [];
  const inJob = new Uint8Array(ctx.orders.length);
  const halfPickup = ctx.policy.service.pickupSeconds / 2;
  const wait = (job: Job, reason: WaitReason) => {
    for (const i of job.orders) waiting.push({ orderId: ctx.orders[i]!.id, reason });
  };
  jobs.forEach((job, r) => {
    if (job.orders.length === 0) return; // taken into another job (`growCommittedJobs`)
    for (const i of job.orders) inJob[i] = 1;
    const c = rowToCol[r]!;
    if (c < 0) {
      if (problem.rowStart[r + 1] === problem.rowStart[r]) wait(job, 'no_candidate');
      // Candidates are sorted by arrival: if even the first would wait for the food, it is early.
      else if (job.arriveStore[0]! + halfPickup + ctx.policy.commitHorizonSeconds < job.readyAt)
        wait(job, 'not_yet');
      else wait(job, 'too_costly');
      return;
    }
    const courier = ctx.couriers[c]!;
    if (courier.freeAt > ctx.now) {
      planned.push({ courierId: courier.id, orderIds: job.orders.map((i) => ctx.orders[i]!.id) });
      wait(job, 'better_courier_soon');
      return;
    }
    const filler = fillers?.has(r) === true;
    if (!filler && fillers) {
      // This courier's own job waits while it does a filler first.
      let fills = false;
      for (const f of fillers) if (rowToCol[f] === c) fills = true;
      if (fills) {
        wait(job, 'not_yet');
        return;
      }
    }
    const arriveStore = job.arriveStore[job.couriers.indexOf(c)]!;
    const travel = arriveStore - ctx.departAt[c]!;
    const mustLeaveAt = job.readyAt - halfPickup - travel;
    const horizon =
      courier.kind === 'in_house' ? ctx.policy.inHouseCommitHorizonSeconds : ctx.policy.commitHorizonSeconds;
    if (!filler && mustLeaveAt - ctx.now > horizon) {
      wait(job, 'not_yet');
      return;
    }
    const times = jobTimes(ctx, job, c, arriveStore);
    assignments.push({
      courierId: courier.id,
      storeId: job.storeId,
      orderIds: job.orders.map((i) => ctx.orders[i]!.id),
      departAt: ctx.departAt[c]!,
      arriveStoreAt: arriveStore,
      pickupAt: times.pickupAt,
      dropoffAt: times.dropoffAt,
      cost: jobCost(ctx, job, c, arriveStore),
    });
  });
  ctx.orders.forEach((order, i) => {
    if (!inJob[i]) waiting.push({ orderId: order.id, reason: 'no_candidate' });
  });
  return { assignments, waiting };
}
