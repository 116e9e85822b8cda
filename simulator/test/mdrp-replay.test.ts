import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSolution } from '../src/mdrp/check-solution.js';
import { readMdrpInstance } from '../src/mdrp/instance.js';
import { replayMdrp } from '../src/mdrp/replay.js';
import { runMdrpInstance } from '../src/mdrp/run.js';
import { type MdrpSolution, readSolution } from '../src/mdrp/solution.js';
import { unavoidableLosses } from '../src/mdrp/unavoidable.js';
import { describeWithInstances, mdrpInstance } from './mdrp-instances.js';

const at = mdrpInstance;

// The instances are not in the repository (no licence to copy them): the tests read them in place.
describeWithInstances('MDRP replay (instances in ../shared/mdrp)', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'mdrp-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('replays a half-size instance with both policies into solutions the checker accepts', () => {
    const instance = readMdrpInstance(at('0o50t75s1p100'));
    for (const policy of ['ours', 'greedy'] as const) {
      const { solution, undelivered } = replayMdrp(instance, { policy });
      expect(undelivered).toEqual([]);
      const check = checkSolution(instance, solution);
      expect(check.errors).toEqual([]);
      expect(check.delivered).toBe(instance.orders.length);
    }
  });

  it('beats greedy on a courier-starved instance, delivering every order', () => {
    const ours = runMdrpInstance(at('4r50t100s2p100'), { policy: 'ours' });
    const greedy = runMdrpInstance(at('4r50t100s2p100'), { policy: 'greedy' });
    expect(ours.check.errors).toEqual([]);
    expect(ours.summary.undelivered).toBe(0);
    expect(ours.summary.clickToDoor.mean).toBeLessThan(0.85 * greedy.summary.clickToDoor.mean);
    expect(ours.summary.clickToDoor.overTarget).toBeLessThan(greedy.summary.clickToDoor.overTarget);
    expect(ours.summary.ratioToLowerBound).toBeGreaterThanOrEqual(1);
  });

  it('writes the evaluator files and summary.json, and reads them back unchanged', () => {
    const dir = path.join(out, '0o50t100s1p100');
    const { summary } = runMdrpInstance(at('0o50t100s1p100'), { policy: 'ours', outDir: dir });
    for (const f of [
      'solution_info_assignments.txt',
      'solution_info_orders.txt',
      'solution_info_couriers.txt',
      'summary.json',
    ]) {
      expect(existsSync(path.join(dir, f)), f).toBe(true);
    }
    const instance = readMdrpInstance(at('0o50t100s1p100'));
    const back = readSolution(dir);
    expect(back.orders).toHaveLength(summary.delivered);
    expect(checkSolution(instance, back).errors).toEqual([]);
  });

  describe('checkSolution catches', () => {
    const instance = readMdrpInstance(at('0o50t75s1p100'));
    const good = replayMdrp(instance, { policy: 'ours' }).solution;
    const tampered = (change: (s: MdrpSolution) => void): string[] => {
      const copy = structuredClone(good);
      change(copy);
      return checkSolution(instance, copy).errors;
    };

    it('an order delivered twice or not at all', () => {
      expect(tampered((s) => s.orders.push({ ...s.orders[0]! })).join()).toMatch(/delivered twice/);
      expect(tampered((s) => s.orders.pop()).join()).toMatch(/not delivered/);
    });
    it('an assignment before placement', () => {
      expect(tampered((s) => (s.assignments[0]!.assignedAt = -1)).join()).toMatch(/before placement/);
    });
    it('a pickup before ready time', () => {
      const first = good.orders[0]!;
      expect(
        tampered((s) => {
          s.orders[0]!.pickupAt = first.readyAt - 1;
          s.assignments.find((a) => a.orderIds.includes(first.orderId))!.pickupAt = first.readyAt - 1;
        }).join(),
      ).toMatch(/before ready/);
    });
    it('a courier that teleports or travels faster than the model', () => {
      expect(tampered((s) => (s.moves[1]!.from = 'nowhere')).join()).toMatch(/departs from nowhere/);
      expect(tampered((s) => (s.orders[0]!.dropoffAt -= 1)).join()).toMatch(/no stay .* at the customer/);
    });
    it('a courier diverted between its pickup and its last drop-off', () => {
      const job = good.assignments.find((a) =>
        good.moves.some((m) => m.courierId === a.courierId && m.from === a.orderIds.at(-1)),
      )!;
      const errors = tampered((s) => {
        // Between the restaurant and the customer, a detour to the courier's start and back.
        const i = s.moves.findIndex((m) => m.courierId === job.courierId && m.to === job.orderIds[0]);
        const leg = s.moves[i]!;
        s.moves.splice(i, 1, { ...leg, to: '0' }, { ...leg, from: '0' });
      });
      expect(errors.join()).toMatch(/diverted to 0/);
    });
    it('a courier leaving before its drop-off service ends', () => {
      const errors = tampered((s) => {
        const courier = s.orders[0]!.courierId;
        const leaving = s.moves.find((m) => m.courierId === courier && m.from === s.orders[0]!.orderId);
        if (leaving) leaving.departAt = s.orders[0]!.dropoffAt;
        else s.orders[0]!.dropoffAt += 0; // last stop of the day: nothing to tamper with
      });
      if (good.moves.some((m) => m.from === good.orders[0]!.orderId))
        expect(errors.join()).toMatch(/drop-off/);
    });
  });

  describe('undelivered orders', () => {
    // 4o50t100s1p125: after minute 1020 only c91 (off at 1050) is on shift. o461 (r19, ready 1023)
    // and o550 (r20, ready 1032) are 21 minutes apart: c91 can pick up one of them, never both.
    const instance = readMdrpInstance(at('4o50t100s1p125'));

    it('finds the orders no solution can all deliver, with the courier that limits them', () => {
      expect(unavoidableLosses(instance)).toEqual([
        { courierId: 'c91', orderIds: ['o461', 'o550'], atMost: 1 },
      ]);
    });

    it('accepts losing one of them, fails losing both or any other order', () => {
      const full = replayMdrp(instance, { policy: 'ours' }).solution;
      const delivered = new Set(full.orders.map((o) => o.orderId));
      expect(['o461', 'o550'].filter((id) => !delivered.has(id))).toEqual(['o550']);
      const check = checkSolution(instance, full);
      expect(check.errors).toEqual([]);
      expect(check.unavoidable).toBe(1);
      expect(check.warnings.join()).toMatch(/o550 cannot be delivered with the others: only c91/);
      const without = (id: string): string[] =>
        checkSolution(instance, {
          assignments: full.assignments.filter((a) => !a.orderIds.includes(id)),
          orders: full.orders.filter((o) => o.orderId !== id),
          moves: full.moves, // a courier riding a job it was not given breaks no rule of the checker
        }).errors;
      expect(without('o461')).toEqual(['order o550 is not delivered']);
      expect(without('o1')).toEqual(['order o1 is not delivered']);
    });
  });
});
