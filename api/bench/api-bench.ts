import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { type BenchSuite, benchResult } from '../../scripts/bench/report.js';
import { type ClosedLoopResult, closedLoop, fixedRequest } from './closed-loop-client.js';

export interface Servers {
  helloUrl: string;
  apiUrl: string;
  apiKey: string;
  /** The bench's own database, so a profiler can find its Postgres backends. */
  database: string;
  /** The processes serving both routes (BENCH_API_PROCESSES, bench-server.ts), each both routes. */
  apiPids: number[];
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

/** Each POST /v1/orders with a new Idempotency-Key and external_id, for {@link closedLoop}. */
export function orderRequests(servers: Servers): () => string {
  const { host } = new URL(servers.apiUrl);
  const head =
    `POST /v1/orders HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n` +
    `Content-Type: application/json\r\nAuthorization: Bearer ${servers.apiKey}\r\nIdempotency-Key: `;
  return () => {
    const body = orderBody(); // ASCII: its length is its byte count
    return `${head}${randomUUID()}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  };
}

/** Creates at full speed over `connections` connections for `seconds`. */
export function createOrdersLoad(servers: Servers, seconds: number, connections: number) {
  return closedLoop({ url: servers.apiUrl, connections, seconds, nextRequest: orderRequests(servers) });
}

/** The hello-world route at full speed. */
export function helloLoad(servers: Servers, seconds: number, connections: number) {
  return closedLoop({
    url: servers.helloUrl,
    connections,
    seconds,
    nextRequest: fixedRequest(servers.helloUrl, '/hello'),
  });
}

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

/** Throws unless every answer of a closed-loop run was `expected`. */
function checkLoad(name: string, result: ClosedLoopResult, expected: number): void {
  const other = Object.entries(result.statuses).filter(([code]) => Number(code) !== expected);
  if (result.errors > 0 || other.length > 0 || result.completed === 0) {
    throw new Error(
      `${name}: ${result.completed} answers, statuses ${JSON.stringify(result.statuses)}, ${result.errors} connection errors`,
    );
  }
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
const SWEEP_CONNECTIONS = [50, 100, 200, 400, 800] as const;
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
  const hello = (connections: number, duration: number) => helloLoad(servers, duration, connections);
  const orders = (connections: number, duration: number) => createOrdersLoad(servers, duration, connections);
  try {
    log(`warming up (${servers.apiUrl})`);
    await orders(10, 2);
    await hello(10, 1);

    let bestHello = { connections: 50, rate: 0 };
    let bestOrders = { connections: 50, rate: 0 };
    for (const connections of levels) {
      log(`sweep: ${connections} connections, ${sweepSeconds}s each side`);
      const h = await hello(connections, sweepSeconds);
      checkLoad(`hello at ${connections} connections`, h, 200);
      const o = await orders(connections, sweepSeconds);
      checkLoad(`orders at ${connections} connections`, o, 201);
      if (h.rate > bestHello.rate) bestHello = { connections, rate: h.rate };
      if (o.rate > bestOrders.rate) bestOrders = { connections, rate: o.rate };
      yield benchResult(
        `api.orders.create.throughput.c${connections}`,
        o.rate,
        'req/s',
        `fastify hello-world, ${connections} connections`,
        h.rate,
      );
    }

    // The measured run in alternating blocks (2 s each, `seconds` per side in all), so a burst of
    // load from elsewhere on the machine lands on both sides rather than on one.
    const blocks = Math.max(1, Math.round(seconds / 2));
    const blockSeconds = seconds / blocks;
    log(
      `measuring: ${blocks} alternating blocks of ${blockSeconds}s, hello-world at ${bestHello.connections} connections, orders at ${bestOrders.connections}`,
    );
    const helloBlocks: ClosedLoopResult[] = [];
    const orderBlocks: ClosedLoopResult[] = [];
    for (let b = 0; b < blocks; b++) {
      const h = await hello(bestHello.connections, blockSeconds);
      checkLoad('hello', h, 200);
      helloBlocks.push(h);
      const o = await orders(bestOrders.connections, blockSeconds);
      checkLoad('orders', o, 201);
      orderBlocks.push(o);
    }
    const ordersRate = meanOf(orderBlocks.map((r) => r.rate));
    yield benchResult(
      'api.orders.create.throughput',
      ordersRate,
      'req/s',
      `fastify hello-world (${servers.apiPids.length} processes each; each side at its best of ${levels.join('/')} connections: ${bestOrders.connections} / ${bestHello.connections})`,
      meanOf(helloBlocks.map((r) => r.rate)),
    );
    yield benchResult(
      'api.orders.create.p99_at_peak',
      Math.max(...orderBlocks.map((r) => r.p99Ms)),
      'ms',
      'hello-world p99 at its peak',
      Math.max(...helloBlocks.map((r) => r.p99Ms)),
    );

    // Cross-check with autocannon at the same levels (its client costs ~2× as much CPU per create as
    // per hello-world, so this ratio reads lower; see closed-loop-client.ts).
    log(`cross-check with autocannon: ${blockSeconds * 2}s each side`);
    const helloCannon = await run({
      url: `${servers.helloUrl}/hello`,
      connections: bestHello.connections,
      duration: blockSeconds * 2,
    });
    checkErrors('hello (autocannon)', helloCannon, '2xx');
    const ordersCannon = await run(createOrdersOptions(servers, blockSeconds * 2, bestOrders.connections));
    checkErrors('orders (autocannon)', ordersCannon, '2xx');
    yield benchResult(
      'api.orders.create.throughput.autocannon',
      ordersCannon.requests.average,
      'req/s',
      'fastify hello-world, both loaded by autocannon',
      helloCannon.requests.average,
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
