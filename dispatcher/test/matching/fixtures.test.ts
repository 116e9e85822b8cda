import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { benchmarkTravelTime, type PlanePoint } from '../../../domain/src/geo/travel-time.js';
import { decideAssignments, type MatchingSnapshot, type WaitReason } from '../../src/matching/index.js';

/**
 * Fixture tests of costs and bundling: `fixtures/in/<case>.json` holds a snapshot, a clock and
 * the expected outcome in words; `fixtures/out/<case>.json` the full decisions. Regenerate the
 * out files on purpose with `UPDATE_FIXTURES=1 npx vitest run dispatcher/test/matching/fixtures.test.ts`.
 */
interface Fixture {
  about: string;
  now: number;
  snapshot: MatchingSnapshot<PlanePoint>;
  expect: { jobs: string[][]; couriers?: string[]; waiting?: Record<string, WaitReason> };
}

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const travelTime = benchmarkTravelTime(320);
const cases = readdirSync(path.join(dir, 'in')).filter((f) => f.endsWith('.json'));

describe('matching fixtures', () => {
  it.each(cases)('%s', (file) => {
    const fixture = JSON.parse(readFileSync(path.join(dir, 'in', file), 'utf8')) as Fixture;
    const decisions = decideAssignments(fixture.snapshot, { now: fixture.now, travelTime });
    expect(decisions.assignments.map((a) => [...a.orderIds].sort()).sort(), fixture.about).toEqual(
      fixture.expect.jobs.map((j) => [...j].sort()).sort(),
    );
    if (fixture.expect.couriers)
      expect(decisions.assignments.map((a) => a.courierId)).toEqual(fixture.expect.couriers);
    for (const [orderId, reason] of Object.entries(fixture.expect.waiting ?? {})) {
      expect(decisions.waiting).toContainEqual({ orderId, reason });
    }
    const outFile = path.join(dir, 'out', file);
    if (process.env.UPDATE_FIXTURES) writeFileSync(outFile, `${JSON.stringify(decisions, null, 2)}\n`);
    expect(decisions).toEqual(JSON.parse(readFileSync(outFile, 'utf8')));
  });
});
