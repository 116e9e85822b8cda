import { createPool } from '@o2o/dispatcher';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadApiConfig } from './config.js';
import { startWebhookWorker, webhookWorkerSettings } from './webhooks/outbox-worker.js';

/** The webhook worker as a process of its own (docker-compose runs it apart from the api). */
async function main(): Promise<void> {
  const config = loadApiConfig(process.env);
  const log = pino({ level: config.LOG_LEVEL, base: { service: 'webhook-worker' } });
  const pool = createPool(config.DATABASE_URL, 10);
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const worker = startWebhookWorker(connection, pool, webhookWorkerSettings(config), log);
  log.info('webhook worker started');
  const close = async () => {
    await worker.close();
    await pool.end();
    connection.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void close());
  process.on('SIGINT', () => void close());
}

main().catch((err: unknown) => {
  process.stderr.write(
    `webhook worker failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
