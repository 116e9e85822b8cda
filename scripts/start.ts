/**
 * `npm start`: migrate, seed demo accounts, run the services as separate processes and print
 * where everything is; then a small simulated city drives them, so the maps have riders moving
 * (`npm start -- --no-city` leaves it out). Ctrl-C stops them all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createCourier, createOperator, createStore } from '../api/src/cli/accounts.js';
import { loadApiConfig } from '../api/src/config.js';
import { migrate } from '../api/src/db/migrate.js';
import { ensureDatabase } from '../api/src/db/migrate-cli.js';
import { buildWebApps } from './build-web.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DEMO_FILE = `${root}.demo-accounts.json`;
const config = loadApiConfig(process.env);

interface DemoAccounts {
  store: { id: string; name: string; api_key: string };
  courier: { email: string; password: string };
  operator: { email: string; password: string };
}

async function checkServices(): Promise<void> {
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
  } catch {
    fail(
      `Redis is not reachable at ${config.REDIS_URL}.\n  Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
    );
  } finally {
    redis.disconnect();
  }
  try {
    await ensureDatabase(config.DATABASE_URL);
  } catch (err) {
    fail(
      `Postgres is not reachable at ${config.DATABASE_URL} (${err instanceof Error ? err.message : err}).\n` +
        '  Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  }
}

function fail(message: string): never {
  process.stderr.write(`\n${message}\n\n`);
  process.exit(1);
}

async function seedDemo(client: pg.Client): Promise<DemoAccounts> {
  if (existsSync(DEMO_FILE)) {
    const saved = JSON.parse(readFileSync(DEMO_FILE, 'utf8')) as DemoAccounts;
    const found = await client.query('SELECT 1 FROM stores WHERE id = $1', [saved.store.id]);
    if (found.rowCount === 1) return saved;
  }
  const suffix = Date.now().toString(36);
  const store = await createStore(client, { name: 'Demo Bakery', region: 'city', lat: 52.52, lng: 13.405 });
  const courier = { email: `courier-${suffix}@demo.o2o`, password: 'demo-courier' };
  const operator = { email: `ops-${suffix}@demo.o2o`, password: 'demo-operator' };
  await createCourier(client, {
    name: 'Demo Courier',
    ...courier,
    kind: 'crowd',
    vehicle: 'bike',
    region: 'city',
  });
  await createOperator(client, { name: 'Demo Operator', ...operator, regions: ['city'] });
  const accounts: DemoAccounts = {
    store: { id: store.id, name: store.name, api_key: store.api_key },
    courier,
    operator,
  };
  // Demo credentials only (gitignored): the API key is shown once, so keep it for the next start.
  writeFileSync(DEMO_FILE, `${JSON.stringify(accounts, null, 2)}\n`, { mode: 0o600 });
  return accounts;
}

function run(name: string, script: string, nodeFlags: readonly string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      // A local demo: webhooks may go to receivers on this machine (production allows public only).
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? '127.0.0.0/8,::1/128',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal ?? code}); stopping everything\n`);
      stop(1);
    }
  });
  return child;
}

/**
 * The simulated city (`npm run sim -- city`): small, running until stopped. It only drives the
 * system through its public interfaces, so if it fails the api and the dispatcher keep running.
 */
function runCity(base: string, metricsPort: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'simulator/src/main.ts',
      'city',
      '--forever',
      ...['--api', base, '--dispatcher-metrics', `http://127.0.0.1:${metricsPort}/metrics`],
      ...['--stores', '3', '--couriers', '12', '--orders-per-hour', '30', '--time-scale', '5'],
      // The same stores and riders on every start, not a new set in the database each time.
      ...['--accounts', `${root}.city-accounts.json`],
    ],
    { cwd: root, env: process.env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  child.on('exit', (code, signal) => {
    if (!stopping)
      process.stderr.write(
        `\nthe simulated city stopped (${signal ?? code}); the api and dispatcher keep running\n`,
      );
  });
  return child;
}

let stopping = false;
const children: ChildProcess[] = [];
function stop(code: number): void {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
}

async function waitForReady(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  fail(`the api did not become ready at ${url}`);
}

async function main(): Promise<void> {
  await checkServices();
  const client = new pg.Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  const applied = await migrate(client);
  if (applied.length > 0) process.stdout.write(`migrations applied: ${applied.join(', ')}\n`);
  const demo = await seedDemo(client);
  await client.end();

  // The api serves the web apps from their dist/; build the missing ones once (later: npm run build:web).
  try {
    buildWebApps({ mode: 'missing' });
  } catch (err) {
    process.stderr.write(
      `web apps not built (${err instanceof Error ? err.message : String(err)}); the api answers 503 for them\n`,
    );
  }

  // The api's young generation as in production (Dockerfile): creates allocate much that dies young.
  children.push(run('api', 'api/src/main.ts', ['--max-semi-space-size=32']));
  children.push(run('dispatcher', 'dispatcher/src/main.ts'));
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  const base = `http://${config.HOST}:${config.PORT}`;
  await waitForReady(`${base}/health/ready`);
  const withCity = !process.argv.includes('--no-city');
  const metricsPort = process.env.DISPATCHER_METRICS_PORT ?? '9464';

  process.stdout.write(`
O2O Dispatch is running.

  API               ${base}
  API docs          ${base}/docs
  OpenAPI           ${base}/openapi.json
  health            ${base}/health/ready
  courier app       ${base}/app/courier/
  ops console       ${base}/app/ops/   (log in as the operator below)
  tracking pages    ${config.PUBLIC_BASE_URL}/track/<token>   (the tracking_url of each new order)
  metrics           ${base}/metrics   (dispatcher: http://127.0.0.1:${metricsPort}/metrics)

Demo accounts (saved in .demo-accounts.json):
  store "${demo.store.name}"  API key ${demo.store.api_key}
  courier           ${demo.courier.email} / ${demo.courier.password}
  operator          ${demo.operator.email} / ${demo.operator.password}

Try it:
  curl -s -X POST ${base}/v1/orders \\
    -H 'authorization: Bearer ${demo.store.api_key}' \\
    -H 'content-type: application/json' -H "idempotency-key: $(date +%s%N)" \\
    -d '{"external_id":"demo-'"$(date +%s)"'","pickup":{"lat":52.52,"lng":13.405},"dropoff":{"lat":52.53,"lng":13.42},"customer":{"name":"Ada"}}'

Couriers log in to the courier app (or use HTTP, see README, "Couriers"); orders created above
show up in the ops console, and their tracking_url opens the tracking page.${
    withCity
      ? `
A simulated city (3 stores, 12 riders, 5x time) is placing orders and riding them: watch it in the
ops console; its progress line follows, its record goes to sim-runs/.`
      : ''
  } Ctrl-C stops everything.
`);
  if (withCity) children.push(runCity(base, metricsPort));
}

main().catch((err: unknown) => fail(`start failed: ${err instanceof Error ? err.message : String(err)}`));
