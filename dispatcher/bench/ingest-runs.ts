/**
 * The index benchmark's ingest comparison alone (the same couriers and pings as `index.ingest`),
 * repeated, with what Redis spent per ping, for comparing ingest changes on the loaded machine:
 *
 *   node --import tsx dispatcher/bench/ingest-runs.ts [runs]
 *
 * - TEST_REDIS_URL: the Redis (a private `redis-server` keeps INFO commandstats to this run);
 *   REDIS_PID: its pid, to report its CPU time per ping (from /proc);
 * - CONFIGS: comma-separated `pingsPerCall:callsPerPipeline` of the index (`default`: its
 *   defaults), run in turn and in reverse order every other run, so load drifts hit them alike;
 * - OLD_INDEX: path of another `redis-courier-index.ts` (e.g. a previous commit's `src/index/`
 *   copied beside it) whose `RedisCourierIndex` runs as config `old` in the same rotation;
 * - CG_PID: pid of a `redis-server` run under `valgrind --tool=callgrind`: counters are zeroed
 *   before each side and dumped after it (`geo<run>`, `<config><run>`), for instruction counts.
 */
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import type { CourierIndex } from '../src/index/courier-index.js';
import { RedisCourierIndex, type RedisCourierIndexOptions } from '../src/index/redis-courier-index.js';
import { cityPoints, geoaddRate, ingestPingsOf, REGION, registerAll } from './index-bench.js';

type IndexClass = new (redis: Redis, options: RedisCourierIndexOptions) => CourierIndex;

const runs = Number(process.argv[2] ?? 5);
const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const configs = (process.env.CONFIGS ?? 'default').split(',');
const classes: Record<string, IndexClass> = {};
for (const config of configs) classes[config] = RedisCourierIndex;
if (process.env.OLD_INDEX) {
  const old = (await import(pathToFileURL(process.env.OLD_INDEX).href)) as { RedisCourierIndex: IndexClass };
  configs.unshift('old');
  classes.old = old.RedisCourierIndex;
}
// One client per config: each defines its scripts under the same command names.
const clients = Object.fromEntries(configs.map((c) => [c, new Redis(url)]));
const cg = process.env.CG_PID;

function commandStats(info: string): Map<string, number> {
  const usec = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([\w|]+):calls=\d+,usec=(\d+)/gm)) usec.set(m[1]!, Number(m[2]));
  return usec;
}

function redisCpuMicros(): number {
  if (!process.env.REDIS_PID) return Number.NaN;
  const fields = readFileSync(`/proc/${process.env.REDIS_PID}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime + stime, in clock ticks
}

const points = cityPoints(Number(process.env.COURIERS ?? 50_000), 1);
const pings = ingestPingsOf(points, 3);
const ratios: Record<string, number[]> = Object.fromEntries(configs.map((c) => [c, []]));
for (let run = 0; run < runs; run++) {
  for (const config of run % 2 ? [...configs].reverse() : configs) {
    const redis = clients[config]!;
    const prefix = `ingestruns${randomBytes(4).toString('hex')}`;
    const [pingsPerCall, callsPerPipeline] =
      config === 'old' || config === 'default' ? [] : config.split(':');
    const index = new classes[config]!(redis, {
      prefix,
      ...(pingsPerCall ? { pingsPerCall: Number(pingsPerCall) } : {}),
      ...(callsPerPipeline ? { callsPerPipeline: Number(callsPerPipeline) } : {}),
    });
    await registerAll(index, points);
    const geoKey = `${prefix}:{${REGION}}:geo`;
    if (cg) execSync(`callgrind_control -z ${cg}`);
    const geoRate = await geoaddRate(redis, geoKey, pings);
    if (cg) execSync(`callgrind_control --dump=geo${run} ${cg}`);
    const before = commandStats(await redis.info('commandstats'));
    const redisCpu = redisCpuMicros();
    const nodeCpu = process.cpuUsage();
    if (cg) execSync(`callgrind_control -z ${cg}`);
    const start = performance.now();
    let moved = 0;
    for (let i = 0; i < pings.length; i += 1_000) {
      const summary = await index.ingestPings(pings.slice(i, i + 1_000));
      if (summary.unknown + summary.stale > 0) throw new Error(`unexpected ${JSON.stringify(summary)}`);
      moved += summary.moved;
    }
    const wallMicros = (performance.now() - start) * 1_000;
    if (cg) execSync(`callgrind_control --dump=${config.replace(/\W/g, '_')}${run} ${cg}`);
    const node = process.cpuUsage(nodeCpu);
    const redisPerPing = (redisCpuMicros() - redisCpu) / pings.length;
    const after = commandStats(await redis.info('commandstats'));
    const perPing = (name: string) => ((after.get(name) ?? 0) - (before.get(name) ?? 0)) / pings.length;
    const commands = [...after.keys()]
      .filter((name) => !['evalsha', 'eval', 'info'].includes(name) && perPing(name) >= 0.005)
      .map((name) => `${name} ${perPing(name).toFixed(2)}`)
      .join(', ');
    const rate = pings.length / (wallMicros / 1e6);
    ratios[config]!.push(rate / geoRate);
    console.log(
      `${config} run ${run + 1}: ${rate.toFixed(0)} / GEOADD ${geoRate.toFixed(0)} pings/s = ${(rate / geoRate).toFixed(3)}; ` +
        `${moved} of ${pings.length} changed cells; µs per ping: script ${perPing('evalsha').toFixed(2)} ` +
        `(${commands}), redis cpu ${redisPerPing.toFixed(2)}, node cpu ${((node.user + node.system) / pings.length).toFixed(2)}, ` +
        `wall ${(wallMicros / pings.length).toFixed(2)}`,
    );
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }
}
for (const config of configs) {
  const r = ratios[config]!.sort((a, b) => a - b);
  console.log(
    `${config}: ratio median ${r[Math.floor(r.length / 2)]!.toFixed(3)}, range ${r[0]!.toFixed(3)}-${r.at(-1)!.toFixed(3)}`,
  );
}
for (const client of Object.values(clients)) client.disconnect();
