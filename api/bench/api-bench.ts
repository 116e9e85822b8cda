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

function checkErrors(name: string, result: Result, expectedStatus: '2xx'): void {
  const bad = result.errors + result.timeouts + result.non2xx;
  if (bad > 0 || result[expectedStatus] === 0) {
    throw new Error(
      `${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
}

/**
 * `npm run bench -- api`: sustained POST /v1/orders per second (Postgres transaction with event and
 * outbox rows, then the Redis dispatch queue and the webhook job) beside a fastify hello-world in
 * the same run, then latency percentiles at half the measured rate.
 */
export const apiBench: BenchSuite = async function* ({ quick, log }) {
  const seconds = quick ? 3 : 10;
  const { servers, child } = await startServers();
  try {
    log(`warming up (${servers.apiUrl})`);
    await run({ ...createOrdersOptions(servers, 2, 10) });
    await run({ url: `${servers.helloUrl}/hello`, connections: 10, duration: 1 });

    log(`hello-world for ${seconds}s`);
    const hello = await run({ url: `${servers.helloUrl}/hello`, connections: 50, duration: seconds });
    checkErrors('hello', hello, '2xx');
    log(`POST /v1/orders for ${seconds}s`);
    const orders = await run(createOrdersOptions(servers, seconds, 50));
    checkErrors('orders', orders, '2xx');
    yield benchResult(
      'api.orders.create.throughput',
      orders.requests.average,
      'req/s',
      'fastify hello-world',
      hello.requests.average,
    );

    const halfRate = Math.max(1, Math.round(orders.requests.average / 2));
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
