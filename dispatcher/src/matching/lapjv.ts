/**
 * A sparse rectangular assignment problem: rows (jobs) to columns (couriers), each row either to
 * one of its columns or left unassigned at its own cost. Row `r`'s edges are
 * `col[rowStart[r]] … col[rowStart[r + 1] − 1]` with `cost` alongside.
 */
export interface SparseAssignmentProblem {
  rows: number;
  cols: number;
  rowStart: Int32Array;
  col: Int32Array;
  cost: Float64Array;
  /** Cost of leaving each row unassigned; must be finite (use a large number for "must assign"). */
  unassignedCost: Float64Array;
}

export interface AssignmentSolution {
  /** Column of each row, or −1 when the row is left unassigned. */
  rowToCol: Int32Array;
  /** Sum of chosen edge costs plus unassigned costs. */
  totalCost: number;
}

/**
 * Exact minimum-cost assignment by Jonker–Volgenant shortest augmenting paths on the sparse
 * graph (the augmentation phase of LAPJV, as in LAPJVsp): one Dijkstra per row over reduced costs,
 * column and row duals kept so every reduced cost stays ≥ 0. The "unassigned" option is a private
 * column per row, so the problem is always feasible. Paths longer than the best one found to a
 * free column are never explored, so a row whose cheapest column is free costs one scan of its
 * edges. O(rows × (E + cols) log E) at worst.
 */
export function solveSparseAssignment(problem: SparseAssignmentProblem): AssignmentSolution {
  const { rows: n, cols: m, rowStart, col, cost, unassignedCost } = problem;
  const total = m + n; // real columns, then one private "unassigned" column per row
  const u = new Float64Array(n);
  const v = new Float64Array(total);
  const rowToCol = new Int32Array(n).fill(-1);
  const colToRow = new Int32Array(total).fill(-1);
  const dist = new Float64Array(total).fill(Number.POSITIVE_INFINITY);
  const pred = new Int32Array(total);
  const settled = new Uint8Array(total);
  const touched = new Int32Array(total);
  const heap = new MinHeap(Math.min(col.length, 4096) + total);

  for (let r = 0; r < n; r++) {
    // Dijkstra from row r over reduced costs. The root's own edges may be negative (u[r] = 0 is
    // fixed by the dual update below); every later edge has a reduced cost ≥ 0.
    u[r] = 0;
    let nTouched = 0;
    heap.clear();
    // The shortest path found so far to a free column: nothing at or beyond it needs exploring.
    let bound = Number.POSITIVE_INFINITY;
    let boundCol = -1;
    let sink = -1;
    let sinkDist = 0;
    let i = r;
    let base = 0;
    for (;;) {
      // Relax the edges of row i (reached at distance `base`), then its "unassigned" column.
      // Most edges fail the bound test, so it comes first (the hot path of dense rows).
      const offset = base - u[i]!;
      const end = rowStart[i + 1]!;
      for (let e = rowStart[i]!; e < end; e++) {
        const k = col[e]!;
        const d = cost[e]! + offset - v[k]!;
        if (d >= bound || settled[k]) continue;
        if (colToRow[k] === -1) {
          bound = d;
          boundCol = k;
        }
        if (d < dist[k]!) {
          if (dist[k] === Number.POSITIVE_INFINITY) touched[nTouched++] = k;
          dist[k] = d;
          pred[k] = i;
          heap.push(d, k);
        }
      }
      const own = m + i;
      const dOwn = unassignedCost[i]! + offset - v[own]!;
      if (dOwn < bound && !settled[own]) {
        if (colToRow[own] === -1) {
          bound = dOwn;
          boundCol = own;
        }
        if (dOwn < dist[own]!) {
          if (dist[own] === Number.POSITIVE_INFINITY) touched[nTouched++] = own;
          dist[own] = dOwn;
          pred[own] = i;
          heap.push(dOwn, own);
        }
      }
      // Next closest column; stop at the first free one.
      let next = -1;
      while (heap.size > 0) {
        const d = heap.topKey();
        if (d >= bound) break;
        const j = heap.pop();
        if (settled[j] || d > dist[j]!) continue;
        settled[j] = 1;
        next = j;
        break;
      }
      if (next < 0 || colToRow[next] === -1) {
        // Every column closer than the best free one is settled: that free column ends the path.
        sink = next < 0 ? boundCol : next;
        sinkDist = next < 0 ? bound : dist[next]!;
        if (sink >= 0) settled[sink] = 1;
        break;
      }
      i = colToRow[next]!;
      base = dist[next]!;
    }
    if (sink < 0) throw new Error('assignment: no augmenting path (an unassigned cost is not finite?)');

    // Dual update on settled columns keeps reduced costs ≥ 0 and makes the path tight.
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t]!;
      if (settled[j] && j !== sink) {
        const delta = sinkDist - dist[j]!;
        v[j] = v[j]! - delta;
        const i = colToRow[j]!;
        u[i] = u[i]! + delta;
      }
    }
    u[r] = u[r]! + sinkDist;
    // Augment along the path back to r.
    let j = sink;
    for (;;) {
      const i = pred[j]!;
      const previous = rowToCol[i]!;
      rowToCol[i] = j;
      colToRow[j] = i;
      if (i === r) break;
      j = previous;
    }
    for (let t = 0; t < nTouched; t++) {
      const k = touched[t]!;
      dist[k] = Number.POSITIVE_INFINITY;
      settled[k] = 0;
    }
  }

  let totalCost = 0;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const j = rowToCol[r]!;
    if (j >= m) {
      out[r] = -1;
      totalCost += unassignedCost[r]!;
    } else {
      out[r] = j;
      totalCost += edgeCost(problem, r, j);
    }
  }
  return { rowToCol: out, totalCost };
}

/** Cost of edge (r, j); Infinity when there is none. */
export function edgeCost(problem: SparseAssignmentProblem, r: number, j: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let e = problem.rowStart[r]!; e < problem.rowStart[r + 1]!; e++) {
    if (problem.col[e] === j) best = Math.min(best, problem.cost[e]!);
  }
  return best;
}

/** Binary min-heap of (key, column) on typed arrays; stale entries are skipped by the caller. */
class MinHeap {
  private keys: Float64Array;
  private ids: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(Math.max(16, capacity));
    this.ids = new Int32Array(Math.max(16, capacity));
  }

  clear(): void {
    this.size = 0;
  }

  topKey(): number {
    return this.keys[0]!;
  }

  push(key: number, id: number): void {
    if (this.size === this.keys.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent]! <= key) break;
      this.keys[i] = this.keys[parent]!;
      this.ids[i] = this.ids[parent]!;
      i = parent;
    }
    this.keys[i] = key;
    this.ids[i] = id;
  }

  pop(): number {
    const top = this.ids[0]!;
    const last = --this.size;
    const key = this.keys[last]!;
    const id = this.ids[last]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      const small = r < last && this.keys[r]! < this.keys[l]! ? r : l;
      if (this.keys[small]! >= key) break;
      this.keys[i] = this.keys[small]!;
      this.ids[i] = this.ids[small]!;
      i = small;
    }
    this.keys[i] = key;
    this.ids[i] = id;
    return top;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    const ids = new Int32Array(this.ids.length * 2);
    ids.set(this.ids);
    this.keys = keys;
    this.ids = ids;
  }
}
