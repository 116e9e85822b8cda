import { type ChildProcess, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { type BenchResult, type BenchSuite, benchResult } from '../../scripts/bench/report.js';

/** What live-bench-server.ts prints first. */
interface ServerInfo {
  gatewayUrl: string;
  wsUrl: string;
  courierTokens: string[];
  opsToken: string;
}

interface IndexWrites {
  pings: number;
  batches: number;
  failed: number;
  ms: number;
  maxMs: number;
}

/** Its answer to `stats`: CPU time so far (µs) and pings each server wrote to the index. */
interface ServerStats {
  cpuUs: number;
  written: Record<'gateway' | 'baseline', IndexWrites>;
  /** Event-loop delay p99 since the previous `stats`, ms. */
  loopP99Ms: number;
  rssMb: number;
}

const OPS_VIEWERS = 5;
/** Offered pings per courier per second at the top step: under the gateway's 5/s per-socket limit. */
const MAX_RATE_PER_COURIER = 4;
/** The ramp starts at this many pings/s in all and multiplies by RAMP_FACTOR each step. */
const RAMP_START_PER_S = 500;
const RAMP_FACTOR = 1.4;
/**
 * A step is sustained when ≥ 95 % of the offered pings could be sent (a courier whose previous ping
 * is still unacked skips its turn), ≥ 99 % of those were acked ok, and the ack p99 is under this.
 */
const MAX_P99_MS = 1000;

/**
 * The server child, spawned through bash to raise its file-descriptor limit to the hard limit
 * (10,000 sockets need 10,000 descriptors). `LIVE_BENCH_CPU_PROF=<dir>` profiles it.
 */
export class ServerChild {
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly buffered: string[] = [];
  private exited = false;

  private constructor(readonly child: ChildProcess) {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const waiter = this.waiting.shift();
      if (waiter) waiter(line);
      else this.buffered.push(line);
    });
    child.once('exit', () => {
      this.exited = true;
    });
  }

  static start(couriers: number): ServerChild {
    const prof = process.env.LIVE_BENCH_CPU_PROF;
    const nodeArgs = [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
      '--import',
      'tsx',
      fileURLToPath(new URL('./live-bench-server.ts', import.meta.url)),
      String(couriers),
    ];
    const child = spawn(
      'bash',
      ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'bash', process.execPath, ...nodeArgs],
      { stdio: ['pipe', 'pipe', 'inherit'], env: process.env },
    );
    return new ServerChild(child);
  }

  nextLine(timeoutMs: number): Promise<string> {
    const line = this.buffered.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error('live bench server has exited'));
      const timer = setTimeout(() => reject(new Error('live bench server did not answer')), timeoutMs);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`live bench server exited with ${code}`));
      };
      this.child.once('exit', onExit);
      this.waiting.push((l) => {
        clearTimeout(timer);
        this.child.off('exit', onExit);
        resolve(l);
      });
    });
  }

  async stats(): Promise<ServerStats> {
    this.child.stdin?.write('stats\n');
    return JSON.parse(await this.nextLine(10_000)) as ServerStats;
  }

  /** Ends stdin (the child cleans up its database and Redis keys), SIGKILL after a minute. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }
}

/** One courier connection, either transport: sends a position and calls back with the ack. */
interface CourierClient {
  send(lat: number, lng: number, onAck: (ok: boolean) => void): void;
  close(): void;
}

interface Transport {
  name: string;
  connectCourier(token: string, onLost: () => void): Promise<CourierClient>;
  /** An ops viewer: `onDeltas` gets the number of courier positions in each `positions` message. */
  connectOps(token: string, onDeltas: (n: number) => void): Promise<{ close(): void }>;
}

function socketIoConnected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
}

function gatewayTransport(url: string): Transport {
  const connect = (namespace: string, token: string) =>
    io(`${url}${namespace}`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 120_000,
    });
  return {
    name: 'socket.io gateway',
    async connectCourier(token, onLost) {
      const socket = connect('/courier', token);
      await socketIoConnected(socket);
      let closing = false;
      socket.on('disconnect', () => {
        if (!closing) onLost();
      });
      return {
        send(lat, lng, onAck) {
          socket.emit('location', { lat, lng }, (ack: { ok?: boolean }) => onAck(ack?.ok === true));
        },
        close() {
          closing = true;
          socket.disconnect();
        },
      };
    },
    async connectOps(token, onDeltas) {
      const socket = connect('/ops', token);
      socket.on('positions', (p: { couriers: unknown[] }) => onDeltas(p.couriers.length));
      await socketIoConnected(socket);
      return { close: () => socket.disconnect() };
    },
  };
}

function wsOpened(socket: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`closed with ${code}`)));
  });
}

function wsTransport(url: string): Transport {
  return {
    name: 'plain ws',
    async connectCourier(token, onLost) {
      const socket = new WebSocket(`${url}/courier?token=${encodeURIComponent(token)}`);
      await wsOpened(socket);
      const pending = new Map<number, (ok: boolean) => void>();
      let nextId = 0;
      let closing = false;
      socket.on('message', (data) => {
        const ack = JSON.parse(String(data)) as { id: number; ok?: boolean };
        const done = pending.get(ack.id);
        pending.delete(ack.id);
        done?.(ack.ok === true);
      });
      socket.on('close', () => {
        if (!closing) onLost();
      });
      return {
        send(lat, lng, onAck) {
          const id = nextId++;
          pending.set(id, onAck);
          socket.send(JSON.stringify({ id, p: { lat, lng } }));
        },
        close() {
          closing = true;
          socket.terminate();
        },
      };
    },
    async connectOps(token, onDeltas) {
      const socket = new WebSocket(`${url}/ops?token=${encodeURIComponent(token)}`);
      socket.on('message', (data) => {
        onDeltas((JSON.parse(String(data)) as { couriers: unknown[] }).couriers.length);
      });
      await wsOpened(socket);
      return { close: () => socket.terminate() };
    },
  };
}

/** Opens `tokens.length` courier connections, `concurrency` handshakes at a time. */
async function connectAll(
  transport: Transport,
  tokens: readonly string[],
  onLost: () => void,
  log: (line: string) => void,
  opened: CourierClient[],
): Promise<void> {
  const concurrency = 250;
  const started = performance.now();
  for (let i = 0; i < tokens.length; i += concurrency) {
    const batch = await Promise.all(
      tokens.slice(i, i + concurrency).map((t) => transport.connectCourier(t, onLost)),
    );
    opened.push(...batch);
    if (opened.length % 2500 === 0 || opened.length === tokens.length)
      log(`  ${transport.name}: ${opened.length}/${tokens.length} couriers connected`);
  }
  log(`  connected in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

interface StepResult {
  offeredPerS: number;
  sentPerS: number;
  /** Pings of the window never acked (within 10 s after it). */
  lost: number;
  ackedPerS: number;
  refused: number;
  p50: number;
  p99: number;
  writtenPerS: number;
  /** Index batches in the window: how many, how many failed, mean ms each. */
  batches: number;
  batchesFailed: number;
  batchMeanMs: number;
  opsDeltasPerS: number;
  serverCpu: number;
  generatorCpu: number;
  machineCpu: number;
  generatorLagP99Ms: number;
  serverLagP99Ms: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function machineBusy(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
    total += t;
    busy += t - c.times.idle;
  }
  return { busy, total };
}

/**
 * Drives every courier at `perCourierRate` pings/s (round robin, so each courier sends evenly
 * spaced pings), at most one ping in flight per courier: a courier whose previous ping is not
 * acked yet skips its turn, so an overloaded server shows as fewer acks, not an unbounded queue.
 * Counts the pings sent in the window after `warmupS` and their acks (waiting for the ones in
 * flight), so the window's edges do not skew the count.
 */
async function drive(
  couriers: readonly CourierClient[],
  perCourierRate: number,
  warmupS: number,
  seconds: number,
  server: ServerChild,
  which: 'gateway' | 'baseline',
  opsDeltas: { n: number },
): Promise<StepResult> {
  const n = couriers.length;
  const totalRate = perCourierRate * n;
  const inFlight = new Uint8Array(n);
  const lat = Float64Array.from({ length: n }, () => 52.45 + Math.random() * 0.15);
  const lng = Float64Array.from({ length: n }, () => 13.3 + Math.random() * 0.2);
  const latencies: number[] = [];
  let measuring = false;
  let sent = 0;
  let acked = 0;
  let refused = 0;
  let outstanding = 0;
  let cursor = 0;
  let issued = 0;
  const start = performance.now();

  const send = (i: number) => {
    inFlight[i] = 1;
    outstanding += 1;
    // A few metres of movement per ping, so some pings change cell.
    lat[i] = (lat[i] ?? 52.5) + (Math.random() - 0.5) * 0.0002;
    lng[i] = (lng[i] ?? 13.4) + (Math.random() - 0.5) * 0.0003;
    const t0 = performance.now();
    const counted = measuring;
    if (counted) sent += 1;
    couriers[i]!.send(lat[i]!, lng[i]!, (ok) => {
      inFlight[i] = 0;
      outstanding -= 1;
      if (!counted) return;
      if (ok) {
        acked += 1;
        latencies.push(performance.now() - t0);
      } else refused += 1;
    });
  };

  const timer = setInterval(() => {
    const due = ((performance.now() - start) / 1000) * totalRate;
    // After a stall, do not burst more than 100 ms worth of turns.
    if (due - issued > totalRate * 0.1) issued = due - totalRate * 0.1;
    while (issued < due) {
      issued += 1;
      const i = cursor;
      cursor = (cursor + 1) % n;
      if (!inFlight[i]) send(i);
    }
  }, 5);

  await new Promise((r) => setTimeout(r, warmupS * 1000));
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const before = { server: await server.stats(), gen: process.cpuUsage(), machine: machineBusy() };
  const ops0 = opsDeltas.n;
  const t0 = performance.now();
  measuring = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsedS = (performance.now() - t0) / 1000;
  const gen = process.cpuUsage(before.gen);
  const machine = machineBusy();
  const ops1 = opsDeltas.n;
  lag.disable();
  clearInterval(timer);
  const after = await server.stats();
  // Let the pings in flight come back before the next step.
  const drainUntil = performance.now() + 10_000;
  while (outstanding > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));

  const sorted = Float64Array.from(latencies).sort();
  return {
    lost: sent - acked - refused,
    offeredPerS: totalRate,
    sentPerS: sent / elapsedS,
    ackedPerS: acked / elapsedS,
    refused,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    writtenPerS: (after.written[which].pings - before.server.written[which].pings) / elapsedS,
    batches: after.written[which].batches - before.server.written[which].batches,
    batchesFailed: after.written[which].failed - before.server.written[which].failed,
    batchMeanMs:
      (after.written[which].ms - before.server.written[which].ms) /
      Math.max(1, after.written[which].batches - before.server.written[which].batches),
    opsDeltasPerS: (ops1 - ops0) / elapsedS,
    serverCpu: (after.cpuUs - before.server.cpuUs) / 1e6 / elapsedS,
    generatorCpu: (gen.user + gen.system) / 1e6 / elapsedS,
    machineCpu:
      ((machine.busy - before.machine.busy) / (machine.total - before.machine.total)) * cpus().length,
    generatorLagP99Ms: lag.percentile(99) / 1e6,
    serverLagP99Ms: after.loopP99Ms,
  };
}

function describe(label: string, r: StepResult): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return (
    `  ${label}: offered ${Math.round(r.offeredPerS)}/s, sent ${Math.round(r.sentPerS)}/s, ` +
    `acked ${Math.round(r.ackedPerS)}/s (refused ${r.refused}, unanswered ${r.lost}), into index ${Math.round(r.writtenPerS)}/s ` +
    `(${r.batches} batches, ${r.batchesFailed} failed, ${r.batchMeanMs.toFixed(0)} ms each), ` +
    `ack p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms, ops deltas ${Math.round(r.opsDeltasPerS)}/s; ` +
    `CPU server ${pct(r.serverCpu)} generator ${pct(r.generatorCpu)} machine ${pct(r.machineCpu)} of ${cpus().length} cores, ` +
    `loop lag p99 server ${r.serverLagP99Ms.toFixed(0)} ms generator ${r.generatorLagP99Ms.toFixed(0)} ms`
  );
}

interface Timing {
  stepWarmupS: number;
  stepS: number;
  warmupS: number;
  seconds: number;
}

interface PhaseResult {
  max: StepResult;
  paced: StepResult;
}

/** Connects the ops viewers and every courier over one transport, runs both steps, disconnects. */
async function phase(
  transport: Transport,
  info: ServerInfo,
  server: ServerChild,
  which: 'gateway' | 'baseline',
  timing: Timing,
  pacedRate: (max: StepResult) => number,
  log: (line: string) => void,
): Promise<PhaseResult> {
  const couriers: CourierClient[] = [];
  const viewers: { close(): void }[] = [];
  let lost = 0;
  const opsDeltas = { n: 0 };
  try {
    log(`${transport.name}: connecting ${OPS_VIEWERS} ops viewers and ${info.courierTokens.length} couriers`);
    for (let i = 0; i < OPS_VIEWERS; i++)
      viewers.push(
        await transport.connectOps(info.opsToken, (k) => {
          opsDeltas.n += k;
        }),
      );
    await connectAll(
      transport,
      info.courierTokens,
      () => {
        lost += 1;
      },
      log,
      couriers,
    );
    const n = couriers.length;
    // Ramp: each step offers RAMP_FACTOR times more; stop at the first step the server does not keep up with.
    const top = MAX_RATE_PER_COURIER * n;
    let sustained: StepResult | undefined;
    let first: StepResult | undefined;
    let retried = false;
    for (let rate = Math.min(RAMP_START_PER_S, top); ; ) {
      const step = await drive(
        couriers,
        rate / n,
        timing.stepWarmupS,
        timing.stepS,
        server,
        which,
        opsDeltas,
      );
      first ??= step;
      const keptUp =
        step.sentPerS >= 0.95 * rate && step.ackedPerS >= 0.99 * step.sentPerS && step.p99 <= MAX_P99_MS;
      log(describe(`${keptUp ? 'kept up' : 'saturated'} at ${Math.round(rate)}/s`, step));
      if (keptUp) {
        sustained = step;
        retried = false;
        if (rate >= top) break;
        rate = Math.min(top, rate * RAMP_FACTOR);
      } else if (!retried) {
        // Other processes on a small machine can steal a step: a step must fail twice in a row.
        retried = true;
      } else break;
    }
    const max = sustained ?? first!;
    log(`${transport.name}: highest sustained ${Math.round(max.ackedPerS)} acked pings/s`);
    const rate = pacedRate(max);
    log(`${transport.name}: ${Math.round(rate)} pings/s offered for ${timing.seconds} s`);
    const paced = await drive(couriers, rate / n, timing.warmupS, timing.seconds, server, which, opsDeltas);
    log(describe('paced', paced));
    if (lost > 0) throw new Error(`${transport.name}: ${lost} courier connections dropped during the run`);
    return { max, paced };
  } finally {
    for (const c of couriers) c.close();
    for (const v of viewers) v.close();
    // Give the server a moment to process the closes before the next phase.
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * `npm run bench -- live`: pings per second through the gateway's `/courier` namespace into the
 * Redis courier index, with 5 `/ops` viewers receiving the batched deltas, beside a plain `ws`
 * server doing the same work in the same run; then ack latency at half the gateway's rate.
 */
export const liveBench: BenchSuite = async function* ({ quick, log }) {
  const couriers = quick ? 1000 : 10_000;
  const timing: Timing = quick
    ? { stepWarmupS: 0.5, stepS: 2, warmupS: 1, seconds: 5 }
    : { stepWarmupS: 1, stepS: 5, warmupS: 3, seconds: 15 };
  log(`starting the servers with ${couriers} seeded couriers`);
  const server = ServerChild.start(couriers);
  const results: BenchResult[] = [];
  try {
    const info = JSON.parse(await server.nextLine(300_000)) as ServerInfo;
    const gateway = await phase(
      gatewayTransport(info.gatewayUrl),
      info,
      server,
      'gateway',
      timing,
      (max) => Math.max(1, Math.round(max.ackedPerS / 2)),
      log,
    );
    const halfRate = gateway.paced.offeredPerS;
    const baseline = await phase(
      wsTransport(info.wsUrl),
      info,
      server,
      'baseline',
      timing,
      () => halfRate,
      log,
    );
    const c = `${couriers}c`;
    results.push(
      benchResult(
        `live.courier.pings_per_s_${c}`,
        gateway.max.ackedPerS,
        'acked/s',
        'plain ws server, same work',
        baseline.max.ackedPerS,
      ),
      benchResult(
        `live.index.pings_written_per_s_${c}`,
        gateway.max.writtenPerS,
        'pings/s',
        'plain ws server, same work',
        baseline.max.writtenPerS,
      ),
      benchResult(
        `live.ops.deltas_per_s_${OPS_VIEWERS}viewers_${c}`,
        gateway.max.opsDeltasPerS,
        'deltas/s',
        'plain ws server, same work',
        baseline.max.opsDeltasPerS,
      ),
      benchResult(
        `live.courier.ack_p50_at_${Math.round(halfRate)}pps_${c}`,
        gateway.paced.p50,
        'ms',
        'plain ws p50 at same rate',
        baseline.paced.p50,
      ),
      benchResult(
        `live.courier.ack_p99_at_${Math.round(halfRate)}pps_${c}`,
        gateway.paced.p99,
        'ms',
        'plain ws p99 at same rate',
        baseline.paced.p99,
      ),
    );
  } finally {
    log('stopping the servers (dropping the database and Redis keys)');
    await server.stop();
  }
  yield* results;
};
