import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSolution } from '../src/mdrp/check-solution.js';
import { readMdrpInstance } from '../src/mdrp/instance.js';
import { replayMdrp } from '../src/mdrp/replay.js';
import { runMdrpInstance } from '../src/mdrp/run.js';
import { type MdrpSolution, readSolution } from '../src/mdrp/solution.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mdrpDir = path.resolve(repoRoot, '../shared/mdrp');
const at = (name: string) => path.join(mdrpDir, name);

// The instances are not in the repository (no licence to copy them): the tests read them in place.
describe.runIf(existsSync(mdrpDir))('MDRP replay (instances in ../shared/mdrp)', () => {
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
});
