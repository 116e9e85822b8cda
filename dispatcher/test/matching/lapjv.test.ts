import fc from 'fast-check';
import munkres from 'munkres';
import { describe, expect, it } from 'vitest';
import { solveByComponents } from '../../src/matching/components.js';
import { type SparseAssignmentProblem, solveSparseAssignment } from '../../src/matching/lapjv.js';

/** A random sparse problem: each (row, col) pair is an edge with some probability. */
function problemArbitrary(maxRows: number, maxCols: number): fc.Arbitrary<SparseAssignmentProblem> {
  return fc
    .record({
      rows: fc.integer({ min: 1, max: maxRows }),
      cols: fc.integer({ min: 1, max: maxCols }),
      seed: fc.integer(),
      density: fc.double({ min: 0.1, max: 1, noNaN: true }),
      integral: fc.boolean(),
    })
    .map(({ rows, cols, seed, density, integral }) => randomProblem(rows, cols, density, seed, integral));
}

function randomProblem(
  rows: number,
  cols: number,
  density: number,
  seed: number,
  integral = false,
): SparseAssignmentProblem {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const value = (scale: number) => (integral ? Math.floor(rand() * scale) : rand() * scale);
  const rowStart = new Int32Array(rows + 1);
  const col: number[] = [];
  const cost: number[] = [];
  for (let r = 0; r < rows; r++) {
    rowStart[r] = col.length;
    for (let j = 0; j < cols; j++) {
      if (rand() < density) {
        col.push(j);
        cost.push(value(100) - 20); // negative costs happen (fairness bonus)
      }
    }
  }
  rowStart[rows] = col.length;
  const unassignedCost = Float64Array.from({ length: rows }, () => value(150));
  return { rows, cols, rowStart, col: Int32Array.from(col), cost: Float64Array.from(cost), unassignedCost };
}

/** Every way to give each row one of its columns or none, columns used once: the true optimum. */
function bruteForceCost(p: SparseAssignmentProblem): number {
  const used = new Uint8Array(p.cols);
  const go = (r: number): number => {
    if (r === p.rows) return 0;
    let best = p.unassignedCost[r]! + go(r + 1);
    for (let e = p.rowStart[r]!; e < p.rowStart[r + 1]!; e++) {
      const j = p.col[e]!;
      if (used[j]) continue;
      used[j] = 1;
      best = Math.min(best, p.cost[e]! + go(r + 1));
      used[j] = 0;
    }
    return best;
  };
  return go(0);
}

/** The same problem as a dense matrix for `munkres`: real columns, then one "unassigned" column per row. */
function munkresCost(p: SparseAssignmentProblem): number {
  const big = 1e7;
  const matrix = Array.from({ length: p.rows }, (_, r) => {
    const row = new Array<number>(p.cols + p.rows).fill(big);
    for (let e = p.rowStart[r]!; e < p.rowStart[r + 1]!; e++)
      row[p.col[e]!] = Math.min(row[p.col[e]!]!, p.cost[e]!);
    row[p.cols + r] = p.unassignedCost[r]!;
    return row;
  });
  return munkres(matrix).reduce((sum, [r, c]) => sum + matrix[r]![c]!, 0);
}

/** Checks the solution is a valid assignment and returns the cost it claims, recomputed. */
function recomputedCost(p: SparseAssignmentProblem, rowToCol: Int32Array): number {
  const used = new Set<number>();
  let total = 0;
  for (let r = 0; r < p.rows; r++) {
    const j = rowToCol[r]!;
    if (j < 0) {
      total += p.unassignedCost[r]!;
      continue;
    }
    expect(used.has(j), `column ${j} used twice`).toBe(false);
    used.add(j);
    let edge = Number.POSITIVE_INFINITY;
    for (let e = p.rowStart[r]!; e < p.rowStart[r + 1]!; e++)
      if (p.col[e] === j) edge = Math.min(edge, p.cost[e]!);
    expect(Number.isFinite(edge), `row ${r} assigned to a column it has no edge to`).toBe(true);
    total += edge;
  }
  return total;
}

describe('solveSparseAssignment (Jonker–Volgenant shortest augmenting paths)', () => {
  it('assigns each row to a distinct column when that is cheaper than leaving it', () => {
    // row 0: col 0 (1) or col 1 (5); row 1: only col 0 (2). Best: row0→col1, row1→col0 = 7.
    const p: SparseAssignmentProblem = {
      rows: 2,
      cols: 2,
      rowStart: Int32Array.of(0, 2, 3),
      col: Int32Array.of(0, 1, 0),
      cost: Float64Array.of(1, 5, 2),
      unassignedCost: Float64Array.of(100, 100),
    };
    const solution = solveSparseAssignment(p);
    expect([...solution.rowToCol]).toEqual([1, 0]);
    expect(solution.totalCost).toBe(7);
  });

  it('leaves a row unassigned when every column costs more than waiting', () => {
    const p: SparseAssignmentProblem = {
      rows: 1,
      cols: 1,
      rowStart: Int32Array.of(0, 1),
      col: Int32Array.of(0),
      cost: Float64Array.of(50),
      unassignedCost: Float64Array.of(10),
    };
    expect([...solveSparseAssignment(p).rowToCol]).toEqual([-1]);
  });

  it('finds the brute-force optimum on small random problems', () => {
    fc.assert(
      fc.property(problemArbitrary(6, 6), (p) => {
        const solution = solveSparseAssignment(p);
        const cost = recomputedCost(p, solution.rowToCol);
        expect(cost).toBeCloseTo(solution.totalCost, 6);
        expect(cost).toBeCloseTo(bruteForceCost(p), 6);
      }),
      { numRuns: 300 },
    );
  });

  it('matches munkres on larger random problems', () => {
    fc.assert(
      fc.property(problemArbitrary(40, 60), (p) => {
        const solution = solveSparseAssignment(p);
        expect(recomputedCost(p, solution.rowToCol)).toBeCloseTo(munkresCost(p), 4);
      }),
      { numRuns: 40 },
    );
  });

  it('gives the same optimum when solved one connected component at a time', () => {
    fc.assert(
      fc.property(problemArbitrary(30, 30), (p) => {
        const whole = solveSparseAssignment(p);
        const split = solveByComponents(p);
        expect(recomputedCost(p, split.rowToCol)).toBeCloseTo(whole.totalCost, 6);
        expect(split.totalCost).toBeCloseTo(whole.totalCost, 6);
      }),
      { numRuns: 100 },
    );
  });
});
