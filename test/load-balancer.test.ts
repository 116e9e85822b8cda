import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AccessClaims } from '@o2o/domain';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/src/app.js';
import type { App } from '../api/src/app-types.js';
import { createOperator } from '../api/src/cli/accounts.js';
import { attachGateway } from '../api/src/gateway/gateway.js';
import { useTestApi } from '../api/test/helper.js';
import { connected, next, useSocketClients } from '../api/test/socket-clients.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const hasNginx = spawnSync('nginx', ['-v']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * deploy/nginx.conf as compose runs it, pointed at two local api processes instead of the
 * `api-1`/`api-2` hosts, with its files in `dir`. The only addition is a header naming the process
 * that answered, so the test sees the balancing.
 */
function localNginxConf(dir: string, lbPort: number, apiPorts: readonly [number, number]): string {
  const conf = readFileSync(path.join(root, 'deploy/nginx.conf'), 'utf8')
    .replace(
      'worker_processes auto;',
      `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;`,
    )
    .replace('server api-1:3000', `server 127.0.0.1:${apiPorts[0]}`)
    .replace('server api-2:3000', `server 127.0.0.1:${apiPorts[1]}`)
    .replace('listen 8080;', `listen 127.0.0.1:${lbPort};\n    add_header X-Upstream $upstream_addr always;`)
    .replace(
      'access_log off;',
      ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((t) => `${t}_temp_path ${dir}/${t};`)
        .concat('access_log off;')
        .join('\n  '),
    );
  expect(conf).toContain(`127.0.0.1:${apiPorts[1]}`);
  return conf;
}

// Runs where nginx is installed (`apt-get install nginx`); compose itself uses the nginx image.
describe.runIf(hasNginx)('deploy/nginx.conf in front of two api processes', () => {
  const api = useTestApi();
  const clients = useSocketClients();
  const dir = mkdtempSync(path.join(tmpdir(), 'o2o-nginx-'));
  let second: { app: App; close: () => Promise<void> };
  let nginx: ChildProcess;
  let lb: string;

  beforeAll(async () => {
    // Process B: the same configuration, its own Socket.IO server, rooms shared through Redis.
    const app = await buildApp(
      { ...api, effects: { afterCommit: async () => undefined } },
      { logger: false },
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    const subscriber = new Redis(api.config.REDIS_URL);
    const gateway = await attachGateway(app.server, {
      live: api.live,
      secrets: api.secrets,
      subscriber,
      verifyToken: (token) => app.jwt.verify<AccessClaims>(token),
      log: { error: () => undefined, warn: () => undefined },
      linkTtlAfterEndMs: api.config.TRACKING_LINK_TTL_MS,
      opsDeltaIntervalMs: 200,
    });
    second = {
      app,
      close: async () => {
        await gateway.close();
        subscriber.disconnect();
        await app.close().catch(() => undefined);
      },
    };
    const ports = [Number(new URL(api.baseUrl).port), (app.server.address() as AddressInfo).port] as const;
    const lbPort = await freePort();
    writeFileSync(path.join(dir, 'nginx.conf'), localNginxConf(dir, lbPort, ports));
    nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    lb = `http://127.0.0.1:${lbPort}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await fetch(`${lb}/lb-health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline)
        throw new Error(`nginx did not start: ${readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await second?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spreads requests over both api processes behind its one port', async () => {
    const answered = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${lb}/health/ready`);
      expect(response.status).toBe(200);
      answered.add(response.headers.get('x-upstream') ?? '');
    }
    expect(answered.size).toBe(2);
  });

  it('carries Socket.IO over WebSocket: an operator sees a courier, whichever process each reached', async () => {
    await createOperator(api.pool, {
      name: 'LB ops',
      email: 'lb-ops@example.com',
      password: 'pw',
      regions: ['city'],
    });
    const login = await fetch(`${lb}/v1/auth/operator/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'lb-ops@example.com', password: 'pw' }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const ops = clients.connect(lb, '/ops', token);
    await connected(ops);
    const rider = await api.newCourier('crowd');
    const online = await fetch(`${lb}/v1/courier/online`, {
      method: 'POST',
      headers: { ...rider.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ lat: 52.52, lng: 13.4 }),
    });
    expect(online.status).toBe(200);
    const courier = clients.connect(lb, '/courier', rider.token);
    await connected(courier);
    const delta = next<{ couriers: { id: string; lat: number }[] }>(ops, 'positions', (d) =>
      d.couriers.some((c) => c.id === rider.id),
    );
    expect(await courier.emitWithAck('location', { lat: 52.5255, lng: 13.4055 })).toMatchObject({ ok: true });
    expect((await delta).couriers.find((c) => c.id === rider.id)?.lat).toBe(52.5255);
  });

  it('keeps answering on the one port when an api process stops', async () => {
    await second.close();
    for (let i = 0; i < 6; i++) expect((await fetch(`${lb}/health/ready`)).status).toBe(200);
  });
});
