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
  const arrivalsByStore = new Map<string, Float64Array>();

  // Bounded max-heap of the k best (smallest arrival) candidates of the current order.
  const heapCourier = new Int32Array(k);
  const heapArrive = new Float64Array(k);
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const order = orders[i]!;
    start[i] = edges;
    let pool: readonly number[] = usable;
    let arrivals: Float64Array | undefined;
    if (order.candidateCourierIds && indexById) {
      pool = order.candidateCourierIds.flatMap((id) => {
        const c = indexById.get(id);
        return c !== undefined && ctx.spareCapacity[c]! > 0 ? [c] : [];
      });
    } else {
      arrivals = arrivalsByStore.get(order.storeId);
      if (!arrivals) {
        arrivals = arrivalsToStore(ctx, order.pickup, usable);
        arrivalsByStore.set(order.storeId, arrivals);
      }
    }
    const declined = order.declinedBy && order.declinedBy.length > 0 ? new Set(order.declinedBy) : undefined;
    let size = 0;
    for (const c of pool) {
      const cour = couriers[c]!;
      if (declined?.has(cour.id)) continue;
      if (order.allowedVehicles && !(cour.vehicle && order.allowedVehicles.includes(cour.vehicle))) continue;
      const arrive = arrivals
        ? arrivals[c]!
        : ctx.departAt[c]! + ctx.travelTime.seconds(cour.position, order.pickup, cour.vehicle);
      if (Math.max(order.readyAt, arrive + halfPickup) > cour.shiftEndsAt) continue;
      if (size < k) {
        heapPush(heapCourier, heapArrive, size++, c, arrive);
      } else if (arrive < heapArrive[0]!) {
        heapReplaceTop(heapCourier, heapArrive, size, c, arrive);
      }
    }
    // Heap → ascending arrival.
    const idx = Array.from({ length: size }, (_, j) => j).sort((a, b) => heapArrive[a]! - heapArrive[b]!);
    for (const j of idx) {
      courier[edges] = heapCourier[j]!;
      arriveStore[edges] = heapArrive[j]!;
      edges++;
    }
  }
  start[n] = edges;
  return { start, courier: courier.subarray(0, edges), arriveStore: arriveStore.subarray(0, edges) };
}

function needsIdIndex<P>(orders: readonly OrderToMatch<P>[]): boolean {
  return orders.some((o) => o.candidateCourierIds !== undefined);
}

/** Arrival time at `store` of every usable courier (NaN for the others), seconds. */
function arrivalsToStore<P>(ctx: MatchingContext<P>, store: P, usable: readonly number[]): Float64Array {
  const out = new Float64Array(ctx.couriers.length).fill(Number.NaN);
  for (const c of usable) {
    const cour = ctx.couriers[c]!;
    out[c] = ctx.departAt[c]! + ctx.travelTime.seconds(cour.position, store, cour.vehicle);
  }
  return out;
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
