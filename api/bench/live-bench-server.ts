/**
 * The servers under test for `npm run bench -- live`, in a process of their own so the load
 * generator does not share their event loop:
 *
 * - the real api (`buildApp` + `attachGateway`, as in main.ts) on a fresh database and a random
 *   Redis prefix: couriers send `location` on `/courier`, operators get `positions` on `/ops`;
 * - a plain `ws` server doing the same work per message (the baseline): the token is verified once
 *   on connection with the api's own JWT verifier, each message `{ id, p }` is parsed, checked by
 *   the same `guarded` wrapper (rate limit + compiled `CourierLocationSchema`), batched by the same
 *   `PingBatcher` into the same `RedisCourierIndex.ingestPings` every 50 ms and acked `{ id, ok }`;
 *   once a second the batched deltas go to every connected ops socket.
 *
 * Usage: `live-bench-server.ts <couriers>`. Seeds that many couriers (bulk SQL), registers them in
 * the index, prints one JSON line (URLs, courier JWTs, an operator JWT), then answers `stats` lines
 * on stdin with one JSON line (CPU time, pings written to the index per server). Cleans up (Redis
 * keys, database) when stdin ends or on SIGTERM.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { type CourierIndex, type CourierPing, createPool, RedisCourierIndex } from '@o2o/dispatcher';
import { type AccessClaims, CourierLocationSchema } from '@o2o/domain';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type WebSocket, WebSocketServer } from 'ws';
import { buildApp } from '../src/app.js';
import { createOrderSecrets } from '../src/auth/order-secrets.js';
import { hashPassword } from '../src/auth/passwords.js';
import { ensureRegion } from '../src/cli/accounts.js';
import { loadApiConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { ensureDatabase } from '../src/db/migrate-cli.js';
import { attachGateway } from '../src/gateway/gateway.js';
import { guarded, RateLimiter } from '../src/gateway/guard.js';
import { PingBatcher } from '../src/gateway/ping-batcher.js';
import { apiLiveDeps } from '../src/live-deps.js';
import { redisOrderEffects } from '../src/reconcile/order-effects-redis.js';
import { createOutboxQueue } from '../src/webhooks/outbox-queue.js';

const REGION = 'city';
const courierCount = Number(process.argv[2] ?? 1000);

const base = loadApiConfig(process.env);
const dbUrl = new URL(base.DATABASE_URL);
const dbName = `o2o_livebench_${randomBytes(4).toString('hex')}`;
dbUrl.pathname = `/${dbName}`;
const prefix = `livebench${randomBytes(4).toString('hex')}`;
const config = loadApiConfig(process.env, {
  DATABASE_URL: dbUrl.toString(),
  REDIS_PREFIX: prefix,
  LOG_LEVEL: 'silent',
  RATE_LIMIT_PER_MINUTE: 100_000_000,
});

const cleanups: (() => Promise<unknown>)[] = [];
let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const clean of cleanups.reverse()) {
    await Promise.race([clean(), new Promise((r) => setTimeout(r, 10_000))]).catch((err: unknown) =>
      process.stderr.write(`live-bench-server cleanup: ${String(err)}\n`),
    );
  }
  process.exit(code);
}
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));

/** Per server: pings written to the index (moved or same cell), batches, failures, time in Redis. */
const written = {
  gateway: { pings: 0, batches: 0, failed: 0, ms: 0, maxMs: 0 },
  baseline: { pings: 0, batches: 0, failed: 0, ms: 0, maxMs: 0 },
};
function counting(index: CourierIndex, server: keyof typeof written): CourierIndex {
  const ingest = index.ingestPings.bind(index);
  const counts = written[server];
  index.ingestPings = async (pings) => {
    const started = performance.now();
    try {
      const summary = await ingest(pings);
      counts.pings += summary.moved + summary.sameCell;
      return summary;
    } catch (err) {
      if (counts.failed++ < 3)
        process.stderr.write(`live-bench-server ${server} ingest failed: ${String(err)}\n`);
      throw err;
    } finally {
      const ms = performance.now() - started;
      counts.batches += 1;
      counts.ms += ms;
      counts.maxMs = Math.max(counts.maxMs, ms);
    }
  };
  return index;
}

async function main(): Promise<void> {
  await ensureDatabase(config.DATABASE_URL);
  cleanups.push(async () => {
    const admin = new URL(config.DATABASE_URL);
    admin.pathname = '/postgres';
    const c = new pg.Client({ connectionString: admin.toString() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await c.end();
  });
  const client = new pg.Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  await migrate(client);
  await client.end();

  const pool = createPool(config.DATABASE_URL, 20);
  const redis = new Redis(config.REDIS_URL);
  const bull = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const subscriber = new Redis(config.REDIS_URL);
  const baselineRedis = new Redis(config.REDIS_URL);
  cleanups.push(async () => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    for (const r of [redis, bull, subscriber, baselineRedis]) r.disconnect();
    await pool.end();
  });
  const outboxQueue = createOutboxQueue(bull, prefix);
  cleanups.push(async () => {
    await outboxQueue.obliterate({ force: true }).catch(() => undefined);
    await outboxQueue.close();
  });

  // Couriers: one bulk insert, then registered (online, idle) in the index around Berlin.
  await ensureRegion(pool, REGION);
  const passwordHash = await hashPassword('bench-password');
  const seeded = await pool.query<{ id: string }>(
    `INSERT INTO couriers (id, name, email, password_hash, kind, vehicle, capacity, region_id)
     SELECT gen_random_uuid(), 'Bench courier ' || g, 'bench-' || g || '@example.com', $1, 'crowd', 'bike', 2, $2
       FROM generate_series(1, $3) AS g
     RETURNING id`,
    [passwordHash, REGION, courierCount],
  );
  const courierIds = seeded.rows.map((r) => r.id);
  const live = apiLiveDeps(pool, redis, prefix);
  counting(live.index, 'gateway');
  const now = Date.now();
  for (let i = 0; i < courierIds.length; i += 500) {
    await Promise.all(
      courierIds.slice(i, i + 500).map((id) =>
        live.index.upsertCourier(REGION, {
          id,
          lat: 52.45 + Math.random() * 0.15,
          lng: 13.3 + Math.random() * 0.2,
          kind: 'crowd',
          vehicle: 'bike',
          capacity: 2,
          atMs: now,
        }),
      ),
    );
  }

  // The real api and gateway.
  const secrets = createOrderSecrets(config.TOKEN_SECRET);
  const app = await buildApp(
    { config, pool, redis, effects: redisOrderEffects(redis, prefix, outboxQueue), secrets, live },
    { logger: false },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const verifyToken = (token: string) => app.jwt.verify<AccessClaims>(token);
  // The gateway's own warnings (a failed batch or fan-out): counted, the first few printed.
  let warnings = 0;
  const report = (obj: object, msg: string) => {
    if (warnings++ < 3)
      process.stderr.write(`live-bench-server gateway: ${msg}: ${String((obj as { err?: unknown }).err)}\n`);
  };
  const quiet = { error: report, warn: report };
  const gateway = await attachGateway(app.server, {
    live,
    secrets,
    subscriber,
    verifyToken,
    log: quiet,
    linkTtlAfterEndMs: config.TRACKING_LINK_TTL_MS,
  });
  cleanups.push(async () => {
    await gateway.close();
    await app.close();
  });

  // The baseline: plain ws, same checks, same batcher, same index writes, its own Redis connection.
  const baselineIndex = counting(
    new RedisCourierIndex(baselineRedis, { prefix: `${prefix}:idx` }),
    'baseline',
  );
  const baseline = await startBaseline(verifyToken, baselineIndex);
  cleanups.push(() => baseline.close());

  const courierTokens = courierIds.map((id) =>
    app.jwt.sign({ role: 'courier', sub: id, region: REGION, kind: 'crowd' } satisfies AccessClaims, {
      expiresIn: '12h',
    }),
  );
  const opsToken = app.jwt.sign(
    { role: 'operator', sub: randomUUID(), regions: [REGION] } satisfies AccessClaims,
    { expiresIn: '12h' },
  );
  const port = (server: { address(): unknown }) => (server.address() as AddressInfo).port;
  process.stdout.write(
    `${JSON.stringify({
      gatewayUrl: `http://127.0.0.1:${port(app.server)}`,
      wsUrl: `ws://127.0.0.1:${baseline.port}`,
      courierTokens,
      opsToken,
    })}\n`,
  );

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === 'stats') {
      const cpu = process.cpuUsage();
      setImmediate(() => lag.reset());
      process.stdout.write(
        `${JSON.stringify({ cpuUs: cpu.user + cpu.system, written, loopP99Ms: lag.percentile(99) / 1e6, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) })}\n`,
      );
    }
  });
  lines.on('close', () => void shutdown(0));
}

/** The plain-ws baseline server: `/courier?token=` and `/ops?token=` on one port. */
async function startBaseline(verifyToken: (token: string) => AccessClaims, index: CourierIndex) {
  const opsSockets = new Set<WebSocket>();
  let changed = new Map<string, Map<string, { lat: number; lng: number; at: number }>>();
  const pings = new PingBatcher(
    index,
    (applied: CourierPing[]) => {
      for (const p of applied) {
        const region = changed.get(p.region) ?? new Map();
        region.set(p.courierId, { lat: p.lat, lng: p.lng, at: p.atMs });
        changed.set(p.region, region);
      }
    },
    () => undefined,
  );
  const opsTimer = setInterval(() => {
    const batch = changed;
    changed = new Map();
    for (const [region, couriers] of batch) {
      const frame = JSON.stringify({
        event: 'positions',
        region,
        couriers: [...couriers.entries()].map(([id, p]) => ({ id, ...p })),
      });
      for (const socket of opsSockets) socket.send(frame);
    }
  }, 1000);

  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 16 * 1024 });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    let claims: AccessClaims | null = null;
    try {
      claims = verifyToken(url.searchParams.get('token') ?? '');
    } catch {
      claims = null;
    }
    if (url.pathname === '/ops' && claims?.role === 'operator') {
      opsSockets.add(socket);
      socket.on('close', () => opsSockets.delete(socket));
      return;
    }
    if (url.pathname !== '/courier' || claims?.role !== 'courier') return socket.close(4401, 'unauthorized');
    const { sub: courierId, region } = claims;
    const location = guarded(
      CourierLocationSchema,
      new RateLimiter(5, 20),
      async (p) => {
        const now = Date.now();
        pings.add({ region, courierId, lat: p.lat, lng: p.lng, atMs: Math.min(p.at ?? now, now) });
        return {};
      },
      () => undefined,
    );
    socket.on('message', (data) => {
      let message: { id?: unknown; p?: unknown };
      try {
        message = JSON.parse(String(data)) as { id?: unknown; p?: unknown };
      } catch {
        return socket.send('{"ok":false,"code":"validation_failed"}');
      }
      const id = message.id;
      location(message.p, (ack: object) => socket.send(JSON.stringify({ id, ...ack })));
    });
  });
  return {
    port: (wss.address() as AddressInfo).port,
    async close() {
      clearInterval(opsTimer);
      for (const socket of wss.clients) socket.terminate();
      await new Promise((resolve) => wss.close(resolve));
      await pings.close();
    },
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`live-bench-server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  void shutdown(1);
});
