import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLAY_RECORD_FILE, type ReplayRecord, ReplayRecordSchema } from '../src/mdrp/report-data.js';
import { type RunResult, runMdrpInstance } from '../src/mdrp/run.js';
import { run as report } from '../src/report/cli.js';
import { CITY_RUN_FILE, CityRunRecordSchema } from '../src/run-record.js';
import { describeWithInstances, mdrpInstance } from './mdrp-instances.js';
import { generateCityRun } from './report-fixtures.js';

const INSTANCE = mdrpInstance('0o50t75s1p100');
const root = mkdtempSync(path.join(tmpdir(), 'o2o-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CITY_CHARTS = [
  'click-to-door',
  'click-to-door-cdf',
  'waiting-orders',
  'idle-couriers',
  'acceptance',
  'utilisation',
  'earnings',
  'cycle-time',
];
const REPLAY_CHARTS = CITY_CHARTS.filter((id) => id !== 'acceptance').concat('cycle-series');

/** Anything that would make the page fetch something: it must open offline, from one file. */
function externalReferences(html: string): string[] {
  return [
    ...html.matchAll(/<(script|link|img|iframe|object|embed|source|video|audio)\b[^>]*>/gi),
    ...html.matchAll(/\b(src|href|xlink:href|action|poster)\s*=\s*["']?[^"'\s>]+/gi),
    ...html.matchAll(/url\(|@import/gi),
  ].map((m) => m[0]);
}

function chartIds(html: string): string[] {
  return [...html.matchAll(/<svg id="([^"]+)"/g)].map((m) => m[1]!);
}

async function reportOf(dir: string): Promise<string> {
  expect(await report([dir])).toBe(0);
  return readFileSync(path.join(dir, 'report.html'), 'utf8');
}

describe('report of a simulated-city run', () => {
  const dir = path.join(root, 'city');
  const record = generateCityRun(42);

  it('reads a run.json that matches the committed contract', async () => {
    expect(Value.Check(CityRunRecordSchema, record)).toBe(true);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, CITY_RUN_FILE), JSON.stringify(record));
    const html = await reportOf(dir);
    expect(chartIds(html)).toEqual(CITY_CHARTS);
    expect(externalReferences(html)).toEqual([]);
    // The api URL among the options is shown as text, never as a link the page would follow.
    expect(html).toContain('http://127.0.0.1:3000');
  });

  it('puts the headline figures of the run in the KPI table', () => {
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    const delivered = record.orders.filter((o) => o.delivered_s !== null);
    expect(html).toContain(`<td>${record.orders.length}</td><td>${delivered.length}</td>`);
    const accepted = record.couriers.reduce((s, c) => s + c.offers_accepted, 0);
    const answered = record.couriers.reduce(
      (s, c) => s + c.offers_accepted + c.offers_declined + c.offers_expired,
      0,
    );
    expect(html).toContain(`<td>${((accepted / answered) * 100).toFixed(1)}%</td>`);
    expect(html).toContain('<td>8.90</td>'); // the dispatcher's cycle p90 from /metrics
    const open = record.orders.length - delivered.length;
    expect(html).toContain(`delivered ${delivered.length}, picked_up ${open}`);
  });

  it('refuses a run.json that breaks the contract, naming the field', async () => {
    const bad = path.join(root, 'bad-city');
    mkdirSync(bad, { recursive: true });
    writeFileSync(path.join(bad, CITY_RUN_FILE), JSON.stringify({ ...record, samples: [{ t_s: -1 }] }));
    expect(await report([bad])).toBe(1);
  });
});

describeWithInstances('report of a benchmark replay', () => {
  const out = path.join(root, 'replay');
  let ours: RunResult;
  beforeAll(() => {
    ours = runMdrpInstance(INSTANCE, { policy: 'ours', outDir: path.join(out, 'ours') });
    runMdrpInstance(INSTANCE, { policy: 'greedy', outDir: path.join(out, 'greedy') });
  });

  it('leaves a replay-record.json that matches its schema and the summary', () => {
    const record: unknown = JSON.parse(readFileSync(path.join(out, 'ours', REPLAY_RECORD_FILE), 'utf8'));
    expect(Value.Check(ReplayRecordSchema, record)).toBe(true);
    const r = record as ReplayRecord;
    expect(r.orders.filter((o) => o.dropoff_min !== null)).toHaveLength(ours.summary.delivered);
    expect(r.cycles).toHaveLength(ours.summary.decide.cycles);
    const busy = r.couriers.reduce((s, c) => s + c.busy_min, 0);
    const shifts = r.couriers.reduce((s, c) => s + c.off_min - c.on_min, 0);
    expect(busy / shifts).toBeCloseTo(ours.summary.courierUtilisation, 6);
  });

  it('draws ours beside greedy when given the instance folder of mdrp-all', async () => {
    const html = await reportOf(out);
    expect(chartIds(html)).toEqual(REPLAY_CHARTS);
    expect(externalReferences(html)).toEqual([]);
    expect(html).toContain('<td>ours (our core)</td>');
    expect(html).toContain('<td>greedy</td>');
    expect(html).toContain(`<td>${ours.summary.ratioToLowerBound.toFixed(3)}</td>`);
    expect(html).toContain('Acceptance is 100% by the instance rules');
  });

  it('finds the sibling policy when given one policy’s folder', async () => {
    const html = await reportOf(path.join(out, 'greedy'));
    expect(html).toContain('<td>ours (our core)</td>');
    expect(html).toContain('<td>greedy</td>');
  });

  it('writes where --out says and refuses unknown options', async () => {
    const file = path.join(root, 'elsewhere.html');
    expect(await report([path.join(out, 'ours'), '--out', file])).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('<h1>Benchmark replay: 0o50t75s1p100</h1>');
    expect(await report([out, '--colour', 'red'])).toBe(2);
  });

  it('explains what to run when the folder holds no record', async () => {
    const empty = mkdtempSync(path.join(root, 'empty-'));
    expect(await report([empty])).toBe(1);
    expect(await report([])).toBe(2);
  });
});
