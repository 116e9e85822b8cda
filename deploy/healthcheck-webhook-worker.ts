/**
 * Healthcheck of the webhook worker container (it serves no HTTP): healthy while at least one
 * BullMQ worker is connected to the webhook queue. The api processes run with
 * RUN_WEBHOOK_WORKER=false in compose, so the workers counted are the webhook-worker service's.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadApiConfig } from '../api/src/config.js';
import { bullPrefix, WEBHOOK_QUEUE } from '../api/src/webhooks/outbox-queue.js';

const config = loadApiConfig(process.env);
const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
const queue = new Queue(WEBHOOK_QUEUE, { connection, prefix: bullPrefix(config.REDIS_PREFIX) });
let workers = 0;
try {
  workers = await queue.getWorkersCount();
} finally {
  await queue.close();
  connection.disconnect();
}
process.stdout.write(`webhook workers connected: ${workers}\n`);
process.exit(workers > 0 ? 0 : 1);
