import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { type BenchSuite, benchResult } from '../../scripts/bench/report.js';

export interface Servers {
  helloUrl: string;
  apiUrl: string;
  apiKey: string;
  /** The bench's own database, so a profiler can find its Postgres backends. */
  database: string;
}

export async function startServers(): Promise<{ servers: Servers; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      // The api's node flags in production (Dockerfile); the hello-world shares the process and them.
      '--max-semi-space-size=32',
      // e.g. BENCH_SERVER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the servers
      ...(process.env.BENCH_SERVER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      // BENCH_SERVER_SCRIPT: another build's bench-server.ts, to compare two versions in turn
      process.env.BENCH_SERVER_SCRIPT ?? fileURLToPath(new URL('./bench-server.ts', import.meta.url)),
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: process.env,
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { servers: JSON.parse(first) as Servers, child };
}

function orderBody(): string {
  const lat = 52.5 + Math.random() * 0.05;
  const lng = 13.35 + Math.random() * 0.1;
  return JSON.stringify({
    external_id: randomUUID(),
    pickup: { lat, lng },
    dropoff: { lat: lat + 0.01, lng: lng + 0.01 },
    customer: { name: 'Bench' },
  });
}

type Result = autocannon.Result;

export function run(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

export function createOrdersOptions(
  servers: Servers,
  seconds: number,
  connections: number,
  overallRate?: number,
): autocannon.Options {
  return {
    url: servers.apiUrl,
    connections,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: '/v1/orders',
        setupRequest: (request) => ({
          ...request,
          headers: {
            ...request.headers,
            'content-type': 'application/json',
            authorization: `Bearer ${servers.apiKey}`,
            'idempotency-key': randomUUID(),
          },
          body: orderBody(),
        }),
      },
    ],
  };
}

function meanOf(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function checkErrors(name: string, result: Result, expectedStatus: '2xx'): void {
  const bad = result.errors + result.timeouts + result.non2xx;
  if (bad > 0 || result[expectedStatus] === 0) {
    throw new Error(
      `${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
}

/** Client concurrencies tried on each side before the measured run (see {@link apiBench}). */
const SWEEP_CONNECTIONS = [50, 100, 200, 400] as const;
const QUICK_SWEEP_CONNECTIONS = [50, 200] as const;

/**
 * `npm run bench -- api`: sustained POST /v1/orders per second (Postgres transaction with event and
 * outbox rows, then the Redis dispatch queue and the webhook job) beside a fastify hello-world in
 * the same run, then latency percentiles at half the measured rate.
 *
 * "Sustained" is each side's capacity: a closed-loop client with a fixed number of connections
 * measures the server only while it keeps the server busy, and a create spends most of its life
 * waiting for its batch's commit, so at 50 connections the api idles while hello-world does not.
 * Both sides therefore get the same sweep of client concurrencies (short runs, interleaved so a
 * change of machine load hits both), each side's best is then measured for the full duration, and
 * the sweep's figures are printed too (`….c50` etc., each against hello-world at the same count).
 */
export const apiBench: BenchSuite = async function* ({ quick, log }) {
  const seconds = quick ? 3 : 10;
  const sweepSeconds = quick ? 1 : 3;
  const levels = quick ? QUICK_SWEEP_CONNECTIONS : SWEEP_CONNECTIONS;
  const { servers, child } = await startServers();
  const hello = (connections: number, duration: number) =>
    run({ url: `${servers.helloUrl}/hello`, connections, duration });
  try {
    log(`warming up (${servers.apiUrl})`);
    await run({ ...createOrdersOptions(servers, 2, 10) });
    await hello(10, 1);

    let bestHello = { connections: 50, rate: 0 };
    let bestOrders = { connections: 50, rate: 0 };
    for (const connections of levels) {
      log(`sweep: ${connections} connections, ${sweepSeconds}s each side`);
      const h = await hello(connections, sweepSeconds);
      checkErrors(`hello at ${connections} connections`, h, '2xx');
      const o = await run(createOrdersOptions(servers, sweepSeconds, connections));
      checkErrors(`orders at ${connections} connections`, o, '2xx');
      if (h.requests.average > bestHello.rate) bestHello = { connections, rate: h.requests.average };
      if (o.requests.average > bestOrders.rate) bestOrders = { connections, rate: o.requests.average };
      yield benchResult(
        `api.orders.create.throughput.c${connections}`,
        o.requests.average,
        'req/s',
        `fastify hello-world, ${connections} connections`,
        h.requests.average,
      );
    }

    // The measured run in alternating blocks (2 s each, `seconds` per side in all), so a burst of
    // load from elsewhere on the machine lands on both sides rather than on one.
    const blocks = Math.max(1, Math.round(seconds / 2));
    const blockSeconds = seconds / blocks;
    log(
      `measuring: ${blocks} alternating blocks of ${blockSeconds}s, hello-world at ${bestHello.connections} connections, orders at ${bestOrders.connections}`,
    );
    const helloBlocks: Result[] = [];
    const orderBlocks: Result[] = [];
    for (let b = 0; b < blocks; b++) {
      const h = await hello(bestHello.connections, blockSeconds);
      checkErrors('hello', h, '2xx');
      helloBlocks.push(h);
      const o = await run(createOrdersOptions(servers, blockSeconds, bestOrders.connections));
      checkErrors('orders', o, '2xx');
      orderBlocks.push(o);
    }
    const ordersRate = meanOf(orderBlocks.map((r) => r.requests.average));
    yield benchResult(
      'api.orders.create.throughput',
      ordersRate,
      'req/s',
      `fastify hello-world (each at its best of ${levels.join('/')} connections: ${bestOrders.connections} / ${bestHello.connections})`,
      meanOf(helloBlocks.map((r) => r.requests.average)),
    );
    yield benchResult(
      'api.orders.create.p99_at_peak',
      Math.max(...orderBlocks.map((r) => r.latency.p99)),
      'ms',
      'hello-world p99 at its peak',
      Math.max(...helloBlocks.map((r) => r.latency.p99)),
    );

    const halfRate = Math.max(1, Math.round(ordersRate / 2));
    log(`POST /v1/orders at ${halfRate} req/s for ${seconds}s`);
    const paced = await run(createOrdersOptions(servers, seconds, 20, halfRate));
    checkErrors('orders at half rate', paced, '2xx');
    const helloPaced = await run({
      url: `${servers.helloUrl}/hello`,
      connections: 20,
      duration: seconds,
      overallRate: halfRate,
    });
    yield benchResult(
      `api.orders.create.p50_at_${halfRate}rps`,
      paced.latency.p50,
      'ms',
      'hello-world p50 at same rate',
      helloPaced.latency.p50,
    );
    yield benchResult(
      `api.orders.create.p99_at_${halfRate}rps`,
      paced.latency.p99,
      'ms',
      'hello-world p99 at same rate',
      helloPaced.latency.p99,
    );
  } finally {
    child.stdin?.end();
    await new Promise((resolve) => child.once('exit', resolve));
  }
};
