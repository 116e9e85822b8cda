import { createPool } from '@o2o/dispatcher';
import type { AccessClaims } from '@o2o/domain';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildApp } from './app.js';
import { createOrderSecrets } from './auth/order-secrets.js';
import { loadApiConfig } from './config.js';
import { attachGateway } from './gateway/gateway.js';
import { apiLiveDeps } from './live-deps.js';
import { redisOrderEffects } from './reconcile/order-effects-redis.js';
import { reconcile, startReconciler } from './reconcile/reconciler.js';
import { createOutboxQueue } from './webhooks/outbox-queue.js';
import { startWebhookWorker, webhookWorkerSettings } from './webhooks/outbox-worker.js';
import { sealWebhookSecrets, secretBoxFrom } from './webhooks/secret-box.js';

/** The api process: reads config, builds the parts, listens, and closes them all on SIGTERM. */
async function main(): Promise<void> {
  const config = loadApiConfig(process.env);
  const log = pino({
    level: config.LOG_LEVEL,
    base: { service: 'api' },
    redact: ['req.headers.authorization', '*.password', '*.pin', '*.token', '*.phone', '*.customer_phone'],
    serializers: {
      // Tracking links are bearer tokens: never log them.
      req: (req: { method?: string; url?: string; id?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url?.replace(/\/track\/[^/?#]+/, '/track/[token]'),
      }),
    },
  });
  const pool = createPool(config.DATABASE_URL, 20);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  // BullMQ needs its own connections that retry forever.
  const bullConnection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  // While Redis is down, requests that need it fail with 503; the clients reconnect by themselves.
  for (const client of [redis, bullConnection])
    client.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const outboxQueue = createOutboxQueue(bullConnection, config.REDIS_PREFIX);
  const effects = redisOrderEffects(redis, config.REDIS_PREFIX, outboxQueue);
  const secrets = createOrderSecrets(config.TOKEN_SECRET);
  const live = apiLiveDeps(pool, redis, config.REDIS_PREFIX);
  // Migration 006's data step: webhook secrets written before it are sealed (and re-sealed after a
  // key rotation). Idempotent; a failure here only leaves them for the next start.
  await sealWebhookSecrets(pool, secretBoxFrom(config.SECRETS_KEY)).then(
    (sealed) => sealed > 0 && log.info({ sealed }, 'webhook secrets sealed'),
    (err: unknown) => log.warn({ err }, 'sealing webhook secrets failed'),
  );
  const app = await buildApp(
    {
      config,
      pool,
      redis,
      effects,
      secrets,
      live,
    },
    { loggerInstance: log },
  );
  const worker = config.RUN_WEBHOOK_WORKER
    ? startWebhookWorker(
        new Redis(config.REDIS_URL, { maxRetriesPerRequest: null }),
        pool,
        webhookWorkerSettings(config),
        log,
      )
    : undefined;
  const stopReconciler = startReconciler(
    () => reconcile(pool, redis, config.REDIS_PREFIX, outboxQueue),
    config.RECONCILE_INTERVAL_MS,
    (err) => log.warn({ err }, 'reconcile failed'),
  );
  await app.listen({ host: config.HOST, port: config.PORT });
  const gateway = await attachGateway(app.server, {
    live,
    secrets,
    subscriber: new Redis(config.REDIS_URL),
    verifyToken: (token) => app.jwt.verify<AccessClaims>(token),
    log,
    linkTtlAfterEndMs: config.TRACKING_LINK_TTL_MS,
    maxSocketsPerAccount: config.MAX_SOCKETS_PER_ACCOUNT,
    maxSocketsPerTrackingLink: config.MAX_SOCKETS_PER_TRACKING_LINK,
  });

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    stopReconciler();
    await gateway.close();
    await app.close().catch(() => undefined);
    await worker?.close();
    await outboxQueue.close();
    await pool.end();
    redis.disconnect();
    bullConnection.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void close('SIGTERM'));
  process.on('SIGINT', () => void close('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
