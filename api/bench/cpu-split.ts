/**
 * Where the CPU of a create goes:
 *   node --import tsx api/bench/cpu-split.ts [seconds=10] [connections=50] [orders|hello] [rate]
 * starts the bench servers, loads POST /v1/orders like `npm run bench -- api` (or the hello-world
 * route, for its cost per request; `rate` fixes the request rate), and divides each process's CPU
 * time (utime + stime from /proc/<pid>/stat) by the requests answered: the api process, this
 * process (the load generator), the bench database's Postgres backends, Postgres's own background
 * processes (WAL writer, checkpointer…), and Redis (the whole process, shared with whatever else
 * runs on the machine, so also its per-command time from INFO commandstats).
 * BENCH_SERVER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the api process.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createOrdersLoad, createOrdersOptions, helloLoad, run, startServers } from './api-bench.js';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 50);
/** `orders` (POST /v1/orders) or `hello` (the baseline route, for its cost per request). */
const target = process.argv[4] ?? 'orders';
/** A fixed rate (req/s) instead of as fast as it goes: CPU per order compares better between runs. */
const rate = process.argv[5] ? Number(process.argv[5]) : undefined;
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return 0;
  }
}

function processes(): { pid: number; cmd: string }[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => {
      try {
        return { pid: Number(d), cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ') };
      } catch {
        return { pid: Number(d), cmd: '' };
      }
    });
}

async function redisCommandUsec(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const info = await redis.info('commandstats');
  const out = new Map<string, { calls: number; usec: number }>();
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return out;
}

const { servers, child } = await startServers();
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const admin = new pg.Client({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
});
await admin.connect();
try {
  await run(createOrdersOptions(servers, 3, connections));
  const backends = (
    await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
      servers.database,
    ])
  ).rows.map((r) => r.pid);
  const all = processes();
  const pgAux = all
    .filter((p) =>
      /^postgres: \S+: (walwriter|checkpointer|background writer|autovacuum|logical|stats|walsender)/.test(
        p.cmd,
      ),
    )
    .map((p) => p.pid);
  const redisPid = all.find((p) => p.cmd.startsWith('redis-server') && p.cmd.includes(':6379'))?.pid ?? 0;
  const groups: Record<string, number[]> = {
    api: servers.apiPids,
    loadgen: [process.pid],
    postgres_backends: backends,
    postgres_aux: pgAux,
    redis_process: [redisPid],
  };
  const sum = (pids: number[]) => pids.reduce((s, p) => s + cpuMs(p), 0);
  const before = Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, sum(v)]));
  const machineBefore = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const cmdBefore = await redisCommandUsec(redis);
  const xacts = async () =>
    (
      await admin.query<{ n: string; t: string }>(
        'SELECT xact_commit + xact_rollback AS n, tup_inserted AS t FROM pg_stat_database WHERE datname = $1',
        [servers.database],
      )
    ).rows[0] ?? { n: '0', t: '0' };
  const xactBefore = await xacts();
  const wallStart = performance.now();
  // The closed-loop client of the bench's capacity runs, or autocannon (BENCH_CLIENT=autocannon,
  // and always when a rate is set: it paces the requests).
  const useAutocannon = process.env.BENCH_CLIENT === 'autocannon' || rate !== undefined;
  const answered = useAutocannon
    ? await run(
        target === 'hello'
          ? {
              url: `${servers.helloUrl}/hello`,
              connections,
              duration: seconds,
              ...(rate ? { overallRate: rate } : {}),
            }
          : createOrdersOptions(servers, seconds, connections, rate),
      ).then((r) => ({ ok: r['2xx'], refused: r.non2xx, errors: r.errors }))
    : await (target === 'hello' ? helloLoad : createOrdersLoad)(servers, seconds, connections).then((r) => {
        const ok = Object.entries(r.statuses)
          .filter(([code]) => Number(code) < 300)
          .reduce((n, [, count]) => n + count, 0);
        return { ok, refused: r.completed - ok, errors: r.errors };
      });
  const wallMs = performance.now() - wallStart;
  const cmdAfter = await redisCommandUsec(redis);
  const xactAfter = await xacts();
  const machineAfter = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const orders = answered.ok;
  const lines: string[] = [];
  lines.push(
    `${orders} orders in ${(wallMs / 1000).toFixed(1)} s = ${(orders / (wallMs / 1000)).toFixed(0)}/s, non-2xx ${answered.refused}, errors ${answered.errors}, client ${useAutocannon ? 'autocannon' : 'closed loop'}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  );
  lines.push(
    `postgres: ${((Number(xactAfter.n) - Number(xactBefore.n)) / orders).toFixed(3)} transactions/order, ${((Number(xactAfter.t) - Number(xactBefore.t)) / orders).toFixed(2)} rows inserted/order`,
  );
  let total = 0;
  for (const [name, pids] of Object.entries(groups)) {
    const ms = sum(pids) - (before[name] ?? 0);
    total += ms;
    lines.push(
      `${name.padEnd(18)} ${(ms / orders).toFixed(3)} ms/order  (${((ms / wallMs) * 100).toFixed(0)} % of a core, ${pids.length} pids)`,
    );
  }
  lines.push(`${'sum'.padEnd(18)} ${(total / orders).toFixed(3)} ms/order`);
  const busy = (a: number[]) => a.reduce((s, x, i) => (i === 3 || i === 4 ? s : s + x), 0);
  const machineMs = ((busy(machineAfter) - busy(machineBefore)) * 1000) / ticksPerSecond;
  lines.push(`machine busy       ${(machineMs / orders).toFixed(3)} ms/order (includes other sessions)`);
  let redisUsec = 0;
  const perCmd: string[] = [];
  for (const [cmd, after] of cmdAfter) {
    const b = cmdBefore.get(cmd) ?? { calls: 0, usec: 0 };
    const du = after.usec - b.usec;
    const dc = after.calls - b.calls;
    redisUsec += du;
    if (du / orders >= 1)
      perCmd.push(`${cmd} ${(dc / orders).toFixed(2)}/order ${(du / orders).toFixed(1)}µs/order`);
  }
  lines.push(
    `redis command time ${(redisUsec / orders / 1000).toFixed(3)} ms/order: ${perCmd.sort().join('; ')}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await admin.end();
  redis.disconnect();
  child.stdin?.end();
  await new Promise((resolve) => child.once('exit', resolve));
}
