import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_VEHICLE_SPEEDS_MPS, type Vehicle } from '@o2o/domain';
import { CITY_RUN_FILE, type CityRunRecord } from '../run-record.js';
import { ApiClient } from './api-client.js';
import { demandSourceOf, planCity } from './city-plan.js';
import { type CityWorld, CourierAgent } from './courier-agent.js';
import { cyclePercentilesMs, histogramDelta, readCycleHistogram } from './cycle-metrics.js';
import { demandBetween } from './demand.js';
import type { CityOptions } from './options.js';
import { ProgressPrinter, progressLine } from './progress.js';
import { CityRecorder } from './recorder.js';
import { seedCityAccounts } from './seed-accounts.js';
import { clockText, SimClock, wallSleep } from './sim-clock.js';
import { CityStores } from './stores.js';

/**
 * One run of the simulated city against a running system: plan the city, seed its accounts,
 * let the stores order on the demand curve and the riders work, then (at the end of the
 * duration) wait, bounded, for every order to end, and leave `run.json` behind.
 */

export interface CityRunIo {
  /** Progress and warnings. */
  stderr: { write(s: string): unknown; isTTY?: boolean };
  /** Aborted on Ctrl-C: stop now, write what there is. */
  stop?: AbortSignal;
}

export interface CityRunResult {
  record: CityRunRecord;
  outDir: string;
  /** Orders still not final at the end (0 in a healthy run). */
  unfinished: number;
}

/** Riders still carrying food after the drain get this much longer (simulated seconds). */
const LAST_DELIVERIES_S = 30 * 60;

export function defaultOutDir(now = new Date()): string {
  return path.join('sim-runs', `city-${now.toISOString().replace(/[:.]/g, '-')}`);
}

/** Thrown when the system to drive is not there; the message says what to start. */
export class CityPreflightError extends Error {}

export async function runCity(options: CityOptions, io: CityRunIo): Promise<CityRunResult> {
  try {
    const ready = await fetch(`${options.api}/health/ready`, { signal: AbortSignal.timeout(5000) });
    if (!ready.ok) throw new Error(`health/ready answered ${ready.status}`);
  } catch (err) {
    throw new CityPreflightError(
      `the api at ${options.api} is not ready (${err instanceof Error ? err.message : String(err)}); start it with npm start, or pass --api`,
    );
  }
  const stop = io.stop ?? new AbortController().signal;
  const outDir = options.out ?? defaultOutDir();
  mkdirSync(outDir, { recursive: true });
  const startedAt = new Date().toISOString();
  const runTag = `city-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const startS = options.startMinuteOfDay * 60;
  const endS = options.durationMinutes > 0 ? startS + options.durationMinutes * 60 : Number.POSITIVE_INFINITY;

  const plan = planCity({
    seed: options.seed,
    stores: options.stores,
    couriers: options.couriers,
    crowdShare: options.crowdShare,
  });
  const horizonS = Number.isFinite(endS) ? endS - startS + (options.drainMinutes + 60) * 60 : 14 * 86_400;
  // Seeding takes a moment of wall time; shifts are hours long, so a provisional clock maps them.
  const accounts = await seedCityAccounts({
    databaseUrl: options.databaseUrl,
    plan,
    region: options.region,
    runTag,
    clock: new SimClock(startS, options.timeScale),
    horizonS,
    accountsFile: options.accountsFile,
  }).catch((err: unknown) => {
    throw new CityPreflightError(
      `could not seed the city's accounts in ${redactUrl(options.databaseUrl)} (${err instanceof Error ? err.message : String(err)}); pass --database-url`,
    );
  });
  writeCityFile(outDir, plan, accounts);
  if (options.accountsFile)
    io.stderr.write(
      `[city] ${accounts.reused ? 'reusing' : 'created'} ${accounts.stores.length} stores and ${accounts.couriers.length} riders (${options.accountsFile})\n`,
    );

  const cyclesBefore = await readCycleHistogram(options.dispatcherMetrics, options.region);
  const clock = new SimClock(startS, options.timeScale);
  const recorder = new CityRecorder(startS, Math.round(options.inHouseWagePerHour * 100));
  const api = new ApiClient(options.api);
  const ridersStop = new AbortController();
  // Every rider waits on it at once (rides, service times, idle spells): many listeners are normal.
  setMaxListeners(0, ridersStop.signal);
  let warnings = 0;
  const progress = new ProgressPrinter(io.stderr);
  const warn = (message: string, err?: unknown) => {
    // A few are worth seeing; a flood would bury the progress line.
    if (++warnings <= 20)
      io.stderr.write(
        `\n[city] ${message}${err ? `: ${err instanceof Error ? err.message : String(err)}` : ''}\n`,
      );
  };
  const world: CityWorld = {
    clock,
    plan,
    api,
    apiUrl: options.api,
    recorder,
    acceptRate: options.acceptRate,
    thinkSeconds: options.thinkSeconds,
    signal: ridersStop.signal,
    warn,
  };
  const fastest = plan.couriers.reduce<Vehicle>(
    (best, c) =>
      DEFAULT_VEHICLE_SPEEDS_MPS[c.vehicle] > DEFAULT_VEHICLE_SPEEDS_MPS[best] ? c.vehicle : best,
    'bike',
  );
  const stores = new CityStores({
    clock,
    plan,
    api,
    recorder,
    accounts: accounts.stores,
    runTag,
    fastestVehicle: fastest,
    warn,
  });
  const riders = plan.couriers.map((_, i) => new CourierAgent(world, i, accounts.couriers[i]!));
  const lives = riders.map((r) => r.live());

  const recordNow = (cycles: CityRunRecord['cycle_ms']) =>
    recorder.toRecord({
      startedAt,
      seed: options.seed,
      timeScale: options.timeScale,
      nowS: clock.now(),
      options: recordOptions(options),
      cycleMs: cycles,
    });
  // The latest cycle percentiles, refreshed with every periodic write (a stopped run keeps them).
  let cycles: CityRunRecord['cycle_ms'] = { p50: null, p90: null, p99: null, count: 0 };
  const readCycles = async () => {
    const after = await readCycleHistogram(options.dispatcherMetrics, options.region);
    if (after) cycles = cyclePercentilesMs(histogramDelta(after, cyclesBefore));
  };
  let phase = 'ordering';
  let lastCancelCheck = 0;
  let lastWrite = Date.now();
  let finished = false;
  let nextSampleS = startS;
  const housekeeping = setInterval(() => {
    const now = clock.now();
    while (nextSampleS <= now) {
      recorder.sample(nextSampleS);
      nextSampleS += 60;
    }
    progress.update(progressLine(recorder, now, phase));
    if (Date.now() - lastWrite > 30_000) {
      lastWrite = Date.now();
      void readCycles().then(() => {
        if (!finished) writeRecord(outDir, recordNow(cycles));
      });
    }
  }, 250);

  // The stores: demand hour by hour, each order placed at its simulated time.
  const cancelAfterS = options.cancelAfterMinutes * 60;
  const cancelStale = async () => {
    if (Date.now() - lastCancelCheck < 2000) return;
    lastCancelCheck = Date.now();
    await stores
      .cancelStale(cancelAfterS)
      .catch((err: unknown) => warn('canceling stale orders failed', err));
  };
  const source = demandSourceOf(plan);
  for (let hourS = startS; hourS < endS && !stop.aborted; hourS += 3600) {
    for (const order of demandBetween(
      options.seed,
      hourS,
      Math.min(hourS + 3600, endS),
      options.ordersPerHour,
      source,
    )) {
      await clock.sleepUntil(order.at_s, stop);
      if (stop.aborted) break;
      stores.place(order);
      void cancelStale();
    }
    // Keep canceling while an hour without orders passes.
    while (!stop.aborted && clock.now() < Math.min(hourS + 3600, endS)) {
      await clock.sleepUntil(Math.min(hourS + 3600, endS, clock.now() + 60), stop);
      await cancelStale();
    }
  }
  await stores.settle();

  // The end: no more orders; wait for the last ones, bounded, then close the stores' doors.
  let unfinished = countUnfinished(recorder);
  if (!stop.aborted) {
    phase = 'draining';
    const drainUntilS = clock.now() + options.drainMinutes * 60;
    let lastRefresh = 0;
    while (!stop.aborted && unfinished > 0 && clock.now() < drainUntilS) {
      await wallSleep(500, stop);
      await cancelStale();
      if (Date.now() - lastRefresh > 3000) {
        lastRefresh = Date.now();
        await stores.refreshStatuses().catch((err: unknown) => warn('reading order statuses failed', err));
      }
      unfinished = countUnfinished(recorder);
    }
    if (unfinished > 0 && !stop.aborted) {
      phase = 'closing';
      await stores.cancelStale(0, true).catch((err: unknown) => warn('closing the stores failed', err));
      const lastUntilS = clock.now() + LAST_DELIVERIES_S;
      while (!stop.aborted && countUnfinished(recorder) > 0 && clock.now() < lastUntilS) {
        await wallSleep(500, stop);
        await stores.refreshStatuses().catch(() => undefined);
      }
    }
  }
  // Stopped by a signal: the api may be stopping too, so write what is known, now.
  if (!stop.aborted) await stores.refreshStatuses().catch(() => undefined);
  unfinished = countUnfinished(recorder);
  clearInterval(housekeeping);
  recorder.sample(clock.now());

  if (!stop.aborted) await readCycles();
  finished = true;
  const record = recordNow(cycles);
  writeRecord(outDir, record);
  progress.done(progressLine(recorder, clock.now(), 'done'));

  ridersStop.abort();
  await Promise.race([Promise.all(lives), wallSleep(stop.aborted ? 1000 : 10_000)]);
  io.stderr.write(`${summaryText(record, outDir, clockText(clock.now()))}\n`);
  return { record, outDir, unfinished };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function countUnfinished(recorder: CityRecorder): number {
  return recorder.orders.size - recorder.counts().final;
}

function recordOptions(o: CityOptions): CityRunRecord['options'] {
  return {
    api: o.api,
    region: o.region,
    couriers: o.couriers,
    stores: o.stores,
    orders_per_hour: o.ordersPerHour,
    crowd_share: o.crowdShare,
    accept_rate: o.acceptRate,
    think_s: o.thinkSeconds,
    in_house_wage_per_hour: o.inHouseWagePerHour,
    time_scale: o.timeScale,
    seed: o.seed,
    duration_min: o.durationMinutes,
    start: clockText(o.startMinuteOfDay * 60),
    cancel_after_min: o.cancelAfterMinutes,
    drain_min: o.drainMinutes,
  };
}

/** run.json, written whole and renamed into place so a reader never sees half a file. */
function writeRecord(outDir: string, record: CityRunRecord): void {
  const file = path.join(outDir, CITY_RUN_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** city.json: where the stores, neighbourhoods and riders are (for plots and for people). */
function writeCityFile(
  outDir: string,
  plan: ReturnType<typeof planCity>,
  accounts: Awaited<ReturnType<typeof seedCityAccounts>>,
): void {
  const node = (id: number) => ({ lat: plan.graph.nodes[id]!.lat, lng: plan.graph.nodes[id]!.lng });
  const city = {
    seed: plan.seed,
    stores: plan.stores.map((s, i) => ({
      id: accounts.stores[i]!.id,
      name: s.name,
      lat: s.lat,
      lng: s.lng,
      weight: s.weight,
    })),
    customer_areas: plan.areas.map((a) => ({
      name: a.name,
      ...node(a.centre),
      radius_m: a.radiusMeters,
      weight: a.weight,
    })),
    couriers: plan.couriers.map((c, i) => ({
      id: accounts.couriers[i]!.id,
      name: c.name,
      kind: c.kind,
      vehicle: c.vehicle,
      home: node(c.home),
      shift: c.shift ? { from: clockText(c.shift.from_s), to: clockText(c.shift.to_s) } : null,
    })),
  };
  writeFileSync(path.join(outDir, 'city.json'), `${JSON.stringify(city, null, 2)}\n`);
}

function summaryText(record: CityRunRecord, outDir: string, clock: string): string {
  const delivered = record.orders.filter((o) => o.delivered_s !== null);
  const minutes = delivered.map((o) => (o.delivered_s! - o.placed_s) / 60).sort((a, b) => a - b);
  const at = (q: number) =>
    minutes.length > 0
      ? minutes[Math.min(minutes.length - 1, Math.floor(q * minutes.length))]!.toFixed(1)
      : '–';
  const byStatus = new Map<string, number>();
  for (const o of record.orders) byStatus.set(o.final_status, (byStatus.get(o.final_status) ?? 0) + 1);
  const onTime = delivered.filter((o) => o.delivered_s! - o.placed_s <= 40 * 60).length;
  return [
    `city run ended at ${clock} (simulated ${(record.duration_s / 60).toFixed(0)} min at ${record.time_scale}x)`,
    `  orders       ${record.orders.length}: ${[...byStatus].map(([s, n]) => `${n} ${s}`).join(', ') || 'none'}`,
    `  click-to-door p50 ${at(0.5)} min, p90 ${at(0.9)} min; on time (≤40 min) ${delivered.length > 0 ? Math.round((100 * onTime) / delivered.length) : 0}%`,
    `  dispatcher cycles ${record.cycle_ms.count} (p50 ${record.cycle_ms.p50 ?? '–'} ms, p99 ${record.cycle_ms.p99 ?? '–'} ms)`,
    `  record       ${path.join(outDir, CITY_RUN_FILE)}`,
  ].join('\n');
}
