import type { CandidateLists } from './candidates.js';
import type { MatchingContext } from './context.js';
import { type Job, jobCost, jobFromOrders } from './job.js';

/** The two cheapest couriers of a job and their costs (Infinity when missing). */
interface BestTwo {
  best: number;
  bestCourier: number;
  second: number;
}

/**
 * Turns the waiting orders into jobs. Orders of one store whose ready times lie within
 * `bundleReadyWindowSeconds` are merged, pair of jobs by pair of jobs, while a merge lowers the
 * estimated total cost: one courier doing both against two distinct couriers doing one each,
 * plus the value of the courier it keeps free (`courierValueSeconds × scarcity`).
 * @param scarcity 0 when couriers are plentiful, up to 1 when orders outnumber them
 */
export function ordersToBundles<P>(
  ctx: MatchingContext<P>,
  candidates: CandidateLists,
  scarcity: number,
): Job[] {
  const byStore = new Map<string, number[]>();
  for (let i = 0; i < ctx.orders.length; i++) {
    if (candidates.start[i + 1]! === candidates.start[i]!) continue; // nobody can take it now
    const storeId = ctx.orders[i]!.storeId;
    const list = byStore.get(storeId);
    if (list) list.push(i);
    else byStore.set(storeId, [i]);
  }
  const jobs: Job[] = [];
  const courierValue = ctx.policy.courierValueSeconds * Math.min(1, Math.max(0, scarcity));
  for (const orderIndices of byStore.values()) {
    const singles = orderIndices.map((i) => {
      const from = candidates.start[i]!;
      const to = candidates.start[i + 1]!;
      return jobFromOrders(
        ctx,
        [i],
        candidates.courier.subarray(from, to),
        candidates.arriveStore.subarray(from, to),
      );
    });
    if (singles.length === 1 || ctx.policy.maxBundleSize < 2) jobs.push(...singles);
    else jobs.push(...mergeStoreJobs(ctx, singles, courierValue));
  }
  return jobs;
}

/** Greedy pairwise merging within one store, best gain first, gains cached per pair. */
function mergeStoreJobs<P>(ctx: MatchingContext<P>, singles: Job[], courierValue: number): Job[] {
  const alive: (Job | undefined)[] = [...singles];
  const best: BestTwo[] = singles.map((job) => bestTwoOf(ctx, job));
  const pairs = new Map<number, { a: number; b: number; merged: Job; gain: number }>();
  const width = singles.length * ctx.policy.maxBundleSize;
  const consider = (a: number, b: number) => {
    const ja = alive[a]!;
    const jb = alive[b]!;
    const merged = mergeJobs(ctx, ja, jb);
    if (!merged) return;
    const m = bestTwoOf(ctx, merged);
    const gain = separateCost(best[a]!, best[b]!) + courierValue - m.best;
    if (gain > 1e-9 && Number.isFinite(m.best)) pairs.set(a * width + b, { a, b, merged, gain });
  };
  for (let a = 0; a < alive.length; a++) for (let b = a + 1; b < alive.length; b++) consider(a, b);
  while (pairs.size > 0) {
    let top: { a: number; b: number; merged: Job; gain: number } | undefined;
    for (const p of pairs.values()) if (!top || p.gain > top.gain) top = p;
    if (!top) break;
    const { a, b, merged } = top;
    alive[a] = undefined;
    alive[b] = undefined;
    for (const [key, p] of pairs) if (p.a === a || p.b === a || p.a === b || p.b === b) pairs.delete(key);
    const fresh = alive.length;
    alive.push(merged);
    best.push(bestTwoOf(ctx, merged));
    for (let o = 0; o < fresh; o++) if (alive[o]) consider(o, fresh);
  }
  return alive.filter((j): j is Job => j !== undefined);
}

/** Cost of two jobs done by two different couriers, each as cheap as possible. */
function separateCost(a: BestTwo, b: BestTwo): number {
  if (a.bestCourier !== b.bestCourier) return a.best + b.best;
  return Math.min(a.best + b.second, a.second + b.best);
}

function bestTwoOf<P>(ctx: MatchingContext<P>, job: Job): BestTwo {
  let best = Number.POSITIVE_INFINITY;
  let second = Number.POSITIVE_INFINITY;
  let bestCourier = -1;
  for (let j = 0; j < job.couriers.length; j++) {
    const c = job.couriers[j]!;
    const cost = jobCost(ctx, job, c, job.arriveStore[j]!);
    if (cost < best) {
      second = best;
      best = cost;
      bestCourier = c;
    } else if (cost < second) {
      second = cost;
    }
  }
  return { best, bestCourier, second };
}

/**
 * One job from two of the same store, or undefined when it would be too big, its ready times too
 * far apart, or no courier could take both. Delivery order: the cheapest for the earliest candidate.
 */
export function mergeJobs<P>(ctx: MatchingContext<P>, a: Job, b: Job): Job | undefined {
  return cheapestMerge(ctx, a, b)?.job;
}

/**
 * The merge of `mergeJobs` with its cost, the delivery order chosen for `costFor` (a courier and
 * its arrival at the store) or, without it, for the first candidate of both. The job's candidates
 * are the couriers of both with room for all its orders.
 */
export function cheapestMerge<P>(
  ctx: MatchingContext<P>,
  a: Job,
  b: Job,
  costFor?: { courier: number; arriveStore: number },
): { job: Job; cost: number } | undefined {
  const size = a.orders.length + b.orders.length;
  if (size > ctx.policy.maxBundleSize) return undefined;
  const orders = [...a.orders, ...b.orders];
  let minReady = Number.POSITIVE_INFINITY;
  let maxReady = Number.NEGATIVE_INFINITY;
  for (const i of orders) {
    const r = ctx.orders[i]!.readyAt;
    minReady = Math.min(minReady, r);
    maxReady = Math.max(maxReady, r);
  }
  if (maxReady - minReady > ctx.policy.bundleReadyWindowSeconds) return undefined;
  // Couriers that are candidates of both, with enough room (arrival is the same: same store).
  const inB = new Set<number>(b.couriers);
  const couriers: number[] = [];
  const arrive: number[] = [];
  for (let j = 0; j < a.couriers.length; j++) {
    const c = a.couriers[j]!;
    if (inB.has(c) && ctx.spareCapacity[c]! >= size) {
      couriers.push(c);
      arrive.push(a.arriveStore[j]!);
    }
  }
  if (couriers.length === 0) return undefined;
  const cs = Int32Array.from(couriers);
  const as = Float64Array.from(arrive);
  const courier = costFor?.courier ?? cs[0]!;
  const arriveStore = costFor?.arriveStore ?? as[0]!;
  const costOf = (sequence: number[]) => {
    const job = jobFromOrders(ctx, sequence, cs, as);
    return { job, cost: jobCost(ctx, job, courier, arriveStore) };
  };
  // Every delivery order for small bundles; cheapest insertion of b's orders into a's beyond that.
  const sequences =
    size <= EXACT_SEQUENCE_SIZE ? permutations(orders) : [insertionSequence(a.orders, b.orders, costOf)];
  let best: { job: Job; cost: number } | undefined;
  for (const sequence of sequences) {
    const candidate = costOf(sequence);
    if (!best || candidate.cost < best.cost) best = candidate;
  }
  return best;
}

/** Bundles up to this size try every delivery order (4! = 24); larger ones use cheapest insertion. */
const EXACT_SEQUENCE_SIZE = 4;

function insertionSequence(
  base: readonly number[],
  extra: readonly number[],
  costOf: (sequence: number[]) => { cost: number },
): number[] {
  let sequence = [...base];
  for (const order of extra) {
    let bestSequence: number[] | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let at = 0; at <= sequence.length; at++) {
      const trial = [...sequence.slice(0, at), order, ...sequence.slice(at)];
      const { cost } = costOf(trial);
      if (!bestSequence || cost < bestCost) {
        bestCost = cost;
        bestSequence = trial;
      }
    }
    sequence = bestSequence ?? [...sequence, order];
  }
  return sequence;
}

/** All orderings of a short list (bundles hold a handful of orders). */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  const out: T[][] = [];
  items.forEach((head, i) => {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) out.push([head, ...tail]);
  });
  return out;
}
