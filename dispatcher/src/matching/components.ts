import { type AssignmentSolution, type SparseAssignmentProblem, solveSparseAssignment } from './lapjv.js';

/**
 * Connected components of the bipartite candidate graph: `rowComponent[r]` and `colComponent[j]`
 * (−1 for a column no row reaches). Rows share a component when they share a candidate courier,
 * directly or through other rows.
 */
export function componentsOfProblem(problem: SparseAssignmentProblem): {
  count: number;
  rowComponent: Int32Array;
  colComponent: Int32Array;
} {
  const { rows: n, cols: m, rowStart, col } = problem;
  const parent = new Int32Array(n + m);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (x: number): number => {
    let root = x;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[x] !== root) {
      const next = parent[x]!;
      parent[x] = root;
      x = next;
    }
    return root;
  };
  for (let r = 0; r < n; r++) {
    for (let e = rowStart[r]!; e < rowStart[r + 1]!; e++) {
      const a = find(r);
      const b = find(n + col[e]!);
      if (a !== b) parent[a] = b;
    }
  }
  const label = new Int32Array(n + m).fill(-1);
  let count = 0;
  const rowComponent = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const root = find(r);
    if (label[root] === -1) label[root] = count++;
    rowComponent[r] = label[root]!;
  }
  const colComponent = new Int32Array(m);
  for (let j = 0; j < m; j++) colComponent[j] = label[find(n + j)]!;
  return { count, rowComponent, colComponent };
}

/**
 * Exact minimum-cost assignment, solved one connected component at a time (each with
 * {@link solveSparseAssignment} on its own small typed arrays). Same result as solving the whole.
 */
export function solveByComponents(problem: SparseAssignmentProblem): AssignmentSolution {
  const { count, rowComponent, colComponent } = componentsOfProblem(problem);
  const rowToCol = new Int32Array(problem.rows).fill(-1);
  let totalCost = 0;
  if (count === 0) return { rowToCol, totalCost };
  if (count === 1) return solveSparseAssignment(problem); // nothing to split: skip the copies

  // Rows and columns of each component, in order.
  const rowsOf: number[][] = Array.from({ length: count }, () => []);
  const colsOf: number[][] = Array.from({ length: count }, () => []);
  for (let r = 0; r < problem.rows; r++) rowsOf[rowComponent[r]!]!.push(r);
  for (let j = 0; j < problem.cols; j++) if (colComponent[j]! >= 0) colsOf[colComponent[j]!]!.push(j);
  const localCol = new Int32Array(problem.cols);

  for (let k = 0; k < count; k++) {
    const rows = rowsOf[k]!;
    const cols = colsOf[k]!;
    for (let j = 0; j < cols.length; j++) localCol[cols[j]!] = j;
    let edges = 0;
    for (const r of rows) edges += problem.rowStart[r + 1]! - problem.rowStart[r]!;
    const rowStart = new Int32Array(rows.length + 1);
    const col = new Int32Array(edges);
    const cost = new Float64Array(edges);
    const unassignedCost = new Float64Array(rows.length);
    let e = 0;
    rows.forEach((r, i) => {
      rowStart[i] = e;
      unassignedCost[i] = problem.unassignedCost[r]!;
      for (let g = problem.rowStart[r]!; g < problem.rowStart[r + 1]!; g++) {
        col[e] = localCol[problem.col[g]!]!;
        cost[e] = problem.cost[g]!;
        e++;
      }
    });
    rowStart[rows.length] = e;
    const local = solveSparseAssignment({
      rows: rows.length,
      cols: cols.length,
      rowStart,
      col,
      cost,
      unassignedCost,
    });
    totalCost += local.totalCost;
    rows.forEach((r, i) => {
      const j = local.rowToCol[i]!;
      rowToCol[r] = j < 0 ? -1 : cols[j]!;
    });
  }
  return { rowToCol, totalCost };
}
