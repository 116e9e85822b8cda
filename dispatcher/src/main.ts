import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadDispatcherConfig } from './config.js';
import { RedisCourierIndex } from './index/redis-courier-index.js';
import type { LiveDeps } from './live-deps.js';
import { Dispatcher } from './loop/dispatcher.js';
import { createLoopMetrics, recordOfferOutcome } from './metrics.js';
import { startOfferExpiryWorker } from './offers/expiry-worker.js';
import { createOfferExpiryQueue } from './offers/offer-expiry.js';
import { createPool } from './pg/pool.js';
import { createDispatcherRedis } from './redis-client.js';

/** The dispatcher process: leases regions, runs their cycles, expires offers, serves /metrics. */
async function main(): Promise<void> {
  const config = loadDispatcherConfig(process.env);
  const log = pino({ level: config.LOG_LEVEL, base: { service: 'dispatcher' } });
  const pool = createPool(config.DATABASE_URL, 20);
  const redis = createDispatcherRedis(config.REDIS_URL);
  const bull = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const expiryQueue = createOfferExpiryQueue(bull, config.REDIS_PREFIX);
  const index = new RedisCourierIndex(redis, { prefix: `${config.REDIS_PREFIX}:idx` });
  const deps: LiveDeps = { pool, redis, prefix: config.REDIS_PREFIX, index, expiryQueue };
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createLoopMetrics(registry);

  const worker = startOfferExpiryWorker(
    new Redis(config.REDIS_URL, { maxRetriesPerRequest: null }),
    deps,
    (job) => recordOfferOutcome(metrics, job.region, 'expired'),
  );
  const dispatcher = new Dispatcher(deps, {
    ...(config.DISPATCHER_REGIONS ? { regions: config.DISPATCHER_REGIONS.split(',').filter(Boolean) } : {}),
    leaseTtlMs: config.LEASE_TTL_MS,
    ...(config.DISPATCHER_ID ? { holderId: config.DISPATCHER_ID } : {}),
    cycle: { metrics, log },
    events: {
      onLeaseTaken: (region, fence) =>
        log.info({ region, fence }, 'region lease taken, rebuilding its state'),
      onAcquired: (region, fence) => log.info({ region, fence }, 'region acquired'),
      onReleased: (region) => log.info({ region }, 'region released'),
      onLost: () => log.warn('region lost to a newer dispatcher'),
      onError: (err) => log.error({ err }, 'dispatch cycle failed'),
      onCycle: (report) => {
        if (report.jobs + report.offers + report.failed > 0) log.debug(report, 'cycle');
      },
    },
  });
  await dispatcher.start();

  // Silent couriers leave the index; pending-order gauges follow the queues.
  const housekeeping = setInterval(() => {
    for (const region of dispatcher.heldRegions()) {
      void index
        .evictSilent(region, config.COURIER_SILENCE_MS)
        .catch((err: unknown) => log.warn({ err }, 'evict failed'));
      void pendingGauges(region).catch(() => undefined);
    }
  }, 5000);
  const pendingGauges = async (region: string) => {
    // Accepts and declines happen in the api process: Postgres has every outcome.
    const outcomes = await pool.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM offers
        WHERE region_id = $1 AND coalesce(decided_at, created_at) > now() - interval '1 hour' GROUP BY status`,
      [region],
    );
    const byStatus = new Map(outcomes.rows.map((r) => [r.status, Number(r.n)]));
    for (const outcome of ['open', 'accepted', 'declined', 'expired', 'revoked']) {
      metrics.offersLastHour.set({ region, outcome }, byStatus.get(outcome) ?? 0);
    }
    const answered =
      (byStatus.get('accepted') ?? 0) + (byStatus.get('declined') ?? 0) + (byStatus.get('expired') ?? 0);
    if (answered > 0) metrics.acceptanceRate.set({ region }, (byStatus.get('accepted') ?? 0) / answered);
    const oldest = await pool.query<{ n: string; oldest: number | null }>(
      `SELECT count(*) AS n, extract(epoch FROM now() - min(created_at)) AS oldest
         FROM orders WHERE region_id = $1 AND status IN ('created', 'dispatching')`,
      [region],
    );
    metrics.pendingOrders.set({ region }, Number(oldest.rows[0]?.n ?? 0));
    metrics.oldestWaitSeconds.set({ region }, Number(oldest.rows[0]?.oldest ?? 0));
  };

  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    } else if (req.url === '/health/live') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'ok', regions: dispatcher.heldRegions() }));
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(config.DISPATCHER_METRICS_PORT, config.DISPATCHER_HOST);
  log.info({ holder: dispatcher.holderId, port: config.DISPATCHER_METRICS_PORT }, 'dispatcher started');

  const close = async () => {
    clearInterval(housekeeping);
    server.close();
    await dispatcher.stop();
    await worker.close();
    await expiryQueue.close();
    await pool.end();
    redis.disconnect();
    bull.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void close());
  process.on('SIGINT', () => void close());
}

main().catch((err: unknown) => {
  process.stderr.write(`dispatcher failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
