import type { MatchingContext } from './context.js';
import type { OrderToMatch } from './types.js';

/**
 * The sparse candidate graph: for order `i`, its candidate couriers are
 * `courier[start[i]] … courier[start[i + 1] − 1]`, earliest arrival at the store first.
 */
export interface CandidateLists {
  start: Int32Array;
  /** Courier index into `snapshot.couriers`. */
  courier: Int32Array;
  /** When that courier would reach the order's store, seconds. */
  arriveStore: Float64Array;
}

/**
 * Filters and ranks couriers per order. A courier is dropped when it declined the order, has no
 * spare capacity, is off shift or busy beyond the lookahead, rides a vehicle the order does not
 * allow, or could not pick up before its shift ends. At most `maxCandidatesPerOrder` remain, the
 * earliest at the store first.
 */
export function candidatesFromContext<P>(ctx: MatchingContext<P>): CandidateLists {
  const { orders, couriers, policy } = ctx;
  const n = orders.length;
  const k = Math.max(1, policy.maxCandidatesPerOrder);
  const start = new Int32Array(n + 1);
  const courier = new Int32Array(n * k);
  const arriveStore = new Float64Array(n * k);
  const halfPickup = policy.service.pickupSeconds / 2;

  const usable: number[] = [];
  for (let c = 0; c < couriers.length; c++) if (ctx.spareCapacity[c]! > 0) usable.push(c);
  const indexById = needsIdIndex(orders) ? new Map(couriers.map((c, i) => [c.id, i])) : undefined;
  // Per store, the couriers earliest at its door: most orders take their k from this short list.
  const shortlists = new Map<string, Shortlist>();
  const everyone = new Map<string, Shortlist>();

  let edges = 0;
  for (let i = 0; i < n; i++) {
    const order = orders[i]!;
    start[i] = edges;
    const declined = order.declinedBy && order.declinedBy.length > 0 ? new Set(order.declinedBy) : undefined;
    const accepts = (c: number, arrive: number): boolean => {
      const cour = couriers[c]!;
      if (declined?.has(cour.id)) return false;
      if (order.allowedVehicles && !(cour.vehicle && order.allowedVehicles.includes(cour.vehicle)))
        return false;
      return Math.max(order.readyAt, arrive + halfPickup) <= cour.shiftEndsAt;
    };
    let list: Shortlist;
    if (order.candidateCourierIds && indexById) {
      const pool = order.candidateCourierIds.flatMap((id) => {
        const c = indexById.get(id);
        return c !== undefined && ctx.spareCapacity[c]! > 0 ? [c] : [];
      });
      list = shortlistToStore(ctx, order.pickup, pool, pool.length);
    } else {
      list = cached(shortlists, order.storeId, () =>
        shortlistToStore(ctx, order.pickup, usable, SHORTLIST_FACTOR * k),
      );
    }
    let taken = takeFirst(list, k, accepts, courier, arriveStore, edges);
    if (taken < k && !list.complete) {
      // Filters removed too many: rank every usable courier for this order.
      const full = cached(everyone, order.storeId, () =>
        shortlistToStore(ctx, order.pickup, usable, usable.length),
      );
      taken = takeFirst(full, k, accepts, courier, arriveStore, edges);
    }
    edges += taken;
  }
  start[n] = edges;
  return { start, courier: courier.subarray(0, edges), arriveStore: arriveStore.subarray(0, edges) };
}

/** A store's couriers in order of arrival; `complete` when none was left out. */
interface Shortlist {
  couriers: Int32Array;
  arrive: Float64Array;
  complete: boolean;
}

/** Short lists hold this many times `maxCandidatesPerOrder`, room for orders' own filters. */
const SHORTLIST_FACTOR = 3;

function cached(map: Map<string, Shortlist>, key: string, make: () => Shortlist): Shortlist {
  let value = map.get(key);
  if (!value) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** Copies the first `k` couriers of `list` that `accepts` into the output at `at`; returns how many. */
function takeFirst(
  list: Shortlist,
  k: number,
  accepts: (c: number, arrive: number) => boolean,
  outCourier: Int32Array,
  outArrive: Float64Array,
  at: number,
): number {
  let taken = 0;
  for (let j = 0; j < list.couriers.length && taken < k; j++) {
    const c = list.couriers[j]!;
    const arrive = list.arrive[j]!;
    if (!accepts(c, arrive)) continue;
    outCourier[at + taken] = c;
    outArrive[at + taken] = arrive;
    taken++;
  }
  return taken;
}

/** The `size` couriers of `pool` earliest at `store` (arrival in seconds), earliest first. */
function shortlistToStore<P>(
  ctx: MatchingContext<P>,
  store: P,
  pool: readonly number[],
  size: number,
): Shortlist {
  const cap = Math.max(0, Math.min(size, pool.length));
  const heapCourier = new Int32Array(cap);
  const heapArrive = new Float64Array(cap);
  let filled = 0;
  for (const c of pool) {
    const cour = ctx.couriers[c]!;
    const arrive = ctx.departAt[c]! + ctx.travelTime.seconds(cour.position, store, cour.vehicle);
    if (filled < cap) heapPush(heapCourier, heapArrive, filled++, c, arrive);
    else if (cap > 0 && arrive < heapArrive[0]!) heapReplaceTop(heapCourier, heapArrive, filled, c, arrive);
  }
  const order = Array.from({ length: filled }, (_, j) => j).sort(
    (a, b) => heapArrive[a]! - heapArrive[b]! || heapCourier[a]! - heapCourier[b]!,
  );
  return {
    couriers: Int32Array.from(order, (j) => heapCourier[j]!),
    arrive: Float64Array.from(order, (j) => heapArrive[j]!),
    complete: filled === pool.length,
  };
}

function needsIdIndex<P>(orders: readonly OrderToMatch<P>[]): boolean {
  return orders.some((o) => o.candidateCourierIds !== undefined);
}

function heapPush(ids: Int32Array, keys: Float64Array, size: number, id: number, key: number): void {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (keys[parent]! >= key) break;
    ids[i] = ids[parent]!;
    keys[i] = keys[parent]!;
    i = parent;
  }
  ids[i] = id;
  keys[i] = key;
}

function heapReplaceTop(ids: Int32Array, keys: Float64Array, size: number, id: number, key: number): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) break;
    const r = l + 1;
    const big = r < size && keys[r]! > keys[l]! ? r : l;
    if (keys[big]! <= key) break;
    ids[i] = ids[big]!;
    keys[i] = keys[big]!;
    i = big;
  }
  ids[i] = id;
  keys[i] = key;
}
