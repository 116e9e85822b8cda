import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, WEBHOOK_QUEUE } from '../api/src/webhooks/outbox-queue.js';
import { defaultCityOptions, parseCityOptions } from '../simulator/src/city/options.js';
import { createTestDatabase } from './support/postgres.js';
import { connectTestRedis } from './support/redis.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const hasDockerCompose = spawnSync('docker-compose', ['--version']).status === 0;

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  ports?: unknown[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

/** The file as docker-compose resolves it (anchors merged, variables filled), as JSON. */
function resolvedCompose(): { services: Record<string, ComposeService> } {
  // `config` prints YAML only; docker-compose 1.x has no --format, so go through Python's yaml,
  // which ships with docker-compose (it is written in Python).
  const yaml = execFileSync('docker-compose', ['config'], { cwd: root, encoding: 'utf8' });
  const json = execFileSync(
    'python3',
    ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'],
    { input: yaml, encoding: 'utf8' },
  );
  return JSON.parse(json);
}

const LONG_RUNNING = [
  'postgres',
  'redis',
  'api-1',
  'api-2',
  'lb',
  'dispatcher-1',
  'dispatcher-2',
  'webhook-worker',
  'simulator',
];

// .ci/run installs docker-compose (Debian's package) so this runs in CI; a developer machine
// without it skips it with the reason in the name.
describe.runIf(hasDockerCompose)('docker-compose.yml (runs where docker-compose is installed)', () => {
  const compose = hasDockerCompose ? resolvedCompose() : { services: {} };
  const services = compose.services;

  it('passes `docker-compose config` with every service of the system', () => {
    expect(Object.keys(services).sort()).toEqual([...LONG_RUNNING, 'migrate'].sort());
  });

  it('runs two api processes behind one public port, the load balancer’s', () => {
    const published = Object.entries(services).filter(([, s]) => (s.ports ?? []).length > 0);
    expect(published.map(([name]) => name)).toEqual(['lb']);
    for (const name of ['api-1', 'api-2']) {
      expect(services[name]?.command).toEqual([
        'node',
        '--max-semi-space-size=32',
        '--import',
        'tsx',
        'api/src/main.ts',
      ]);
      // The webhook worker is its own service, not a part of every api process.
      expect(services[name]?.environment?.RUN_WEBHOOK_WORKER).toBe('false');
    }
    const nginx = readFileSync(`${root}deploy/nginx.conf`, 'utf8');
    expect(nginx).toMatch(/server api-1:3000/);
    expect(nginx).toMatch(/server api-2:3000/);
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade/);
  });

  it('runs two dispatcher processes with distinct ids on the same Redis (they share regions by lease)', () => {
    const d1 = services['dispatcher-1']!;
    const d2 = services['dispatcher-2']!;
    expect(d1.command).toEqual(['node', '--import', 'tsx', 'dispatcher/src/main.ts']);
    expect(d2.command).toEqual(d1.command);
    expect(d1.environment?.DISPATCHER_ID).not.toBe(d2.environment?.DISPATCHER_ID);
    expect(d1.environment?.REDIS_URL).toBe(d2.environment?.REDIS_URL);
  });

  it('migrates once before anything that uses Postgres starts', () => {
    for (const name of ['api-1', 'api-2', 'dispatcher-1', 'dispatcher-2', 'webhook-worker']) {
      expect(services[name]?.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
    }
  });

  it('has a healthcheck on every long-running service', () => {
    for (const name of LONG_RUNNING) expect(services[name]?.healthcheck?.test, name).toBeDefined();
  });

  it('keeps the simulator under the sim profile, driving the system through the load balancer', () => {
    const sim = services.simulator!;
    expect(sim.profiles).toEqual(['sim']);
    const command = (sim.command ?? []).join(' ');
    expect(command).toContain('simulator/src/main.ts city --api http://lb:8080');
    expect(command).toContain('--database-url postgres://');
    expect(command).toContain('simulator/src/main.ts report /app/sim-runs/compose');
    // The options are the city's own: its parser accepts them (a renamed flag fails here).
    const cityArgs = command.split('simulator/src/main.ts city ')[1]!.split(' && ')[0]!.trim().split(/\s+/);
    const options = parseCityOptions(cityArgs, defaultCityOptions('postgres://unused'));
    expect(options).toMatchObject({ api: 'http://lb:8080', out: '/app/sim-runs/compose', couriers: 40 });
  });

  it('builds every Node service from the Dockerfile at the root', () => {
    for (const [name, s] of Object.entries(services)) {
      if (['postgres', 'redis', 'lb'].includes(name)) continue;
      expect(s.build, name).toBeDefined();
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');

  it('installs every workspace from the lockfile (a missing package.json breaks npm ci)', () => {
    const { workspaces } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      workspaces: string[];
    };
    for (const ws of workspaces) expect(dockerfile, ws).toContain(`COPY ${ws}/package.json ${ws}/`);
    expect(dockerfile).toContain('RUN npm ci');
  });

  it('builds the web apps and runs as a non-root user', () => {
    expect(dockerfile).toContain('RUN npm run build:web');
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe('node');
  });
});

describe('webhook worker healthcheck (deploy/healthcheck-webhook-worker.ts)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let redis: Awaited<ReturnType<typeof connectTestRedis>>;
  let worker: ChildProcess | undefined;
  const env = () => ({
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: redis.prefix,
    LOG_LEVEL: 'silent',
  });
  const healthcheck = () =>
    spawnSync('node', ['--import', 'tsx', 'deploy/healthcheck-webhook-worker.ts'], {
      cwd: root,
      env: env(),
      encoding: 'utf8',
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await connectTestRedis();
  });
  afterAll(async () => {
    worker?.kill('SIGTERM');
    await db.drop();
    await redis.cleanup();
  });

  it('is unhealthy while no worker consumes the webhook queue, healthy once one does', async () => {
    expect(healthcheck().status).toBe(1);
    worker = spawn('node', ['--import', 'tsx', 'api/src/webhook-worker-main.ts'], {
      cwd: root,
      env: env(),
      stdio: 'ignore',
    });
    // Wait in-process (cheap) until the worker is connected, then ask the healthcheck once.
    const queue = new Queue(WEBHOOK_QUEUE, { connection: redis.redis, prefix: bullPrefix(redis.prefix) });
    const deadline = Date.now() + 30_000;
    while ((await queue.getWorkersCount()) === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    await queue.close();
    const result = healthcheck();
    expect(result.stdout).toContain('webhook workers connected: 1');
    expect(result.status).toBe(0);
  }, 40_000);
});
