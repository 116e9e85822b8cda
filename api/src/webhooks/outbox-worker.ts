import type { Pool } from '@o2o/dispatcher';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { bullPrefix, type OutboxJob, publishOutbox, WEBHOOK_QUEUE } from './outbox-queue.js';
import { postWebhook } from './post-webhook.js';
import { type SecretBox, secretBoxFrom, webhookSecretOf } from './secret-box.js';
import { PUBLIC_ONLY, type WebhookUrlPolicy, webhookUrlPolicyFrom } from './url-policy.js';

export interface WebhookWorkerSettings {
  redisPrefix: string;
  /** After this long since the event, stop retrying and dead-letter it. */
  retryForMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
  /** Where deliveries may connect (public addresses only unless the config opens more). */
  urlPolicy: WebhookUrlPolicy;
  /** Opens the stores' sealed signing secrets. */
  secretBox: SecretBox;
  concurrency?: number;
}

interface OutboxDelivery {
  id: string;
  event_id: string;
  type: string;
  payload: unknown;
  status: string;
  created_at: Date;
  webhook_url: string | null;
  webhook_events: string[];
  store_id: string;
  webhook_secret: string | null;
  webhook_secret_sealed: string | null;
}

export type DeliveryOutcome = 'delivered' | 'skipped' | 'dead' | 'done-before';

/** The worker's settings from the api configuration. */
export function webhookWorkerSettings(config: {
  REDIS_PREFIX: string;
  WEBHOOK_RETRY_FOR_MS: number;
  WEBHOOK_BACKOFF_BASE_MS: number;
  WEBHOOK_BACKOFF_MAX_MS: number;
  WEBHOOK_TIMEOUT_MS: number;
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: string;
  SECRETS_KEY: string;
}): WebhookWorkerSettings {
  return {
    redisPrefix: config.REDIS_PREFIX,
    retryForMs: config.WEBHOOK_RETRY_FOR_MS,
    backoffBaseMs: config.WEBHOOK_BACKOFF_BASE_MS,
    backoffMaxMs: config.WEBHOOK_BACKOFF_MAX_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    urlPolicy: webhookUrlPolicyFrom(config.WEBHOOK_ALLOW_PRIVATE_NETWORKS),
    secretBox: secretBoxFrom(config.SECRETS_KEY),
  };
}

/** Exponential backoff with full jitter, capped: base · 2^(n−1), at most max. */
export function backoffDelayMs(
  attemptsMade: number,
  baseMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/**
 * Delivers one outbox row. Rows already delivered are left alone (a job may run twice after a
 * crash); a failed POST records the attempt and throws so BullMQ retries it later. So does a URL
 * whose address the policy refuses (nothing is sent): the store can fix its URL, and the row is
 * dead-lettered like any other once `retryForMs` is over. Without a policy, public addresses only.
 */
export async function deliverOutboxRow(
  pool: Pool,
  outboxId: string,
  settings: Pick<WebhookWorkerSettings, 'retryForMs' | 'timeoutMs'> & {
    urlPolicy?: WebhookUrlPolicy;
    secretBox?: SecretBox;
  },
  nowMs = Date.now(),
): Promise<DeliveryOutcome> {
  const found = await pool.query<OutboxDelivery>(
    `SELECT o.id, o.event_id, o.type, o.payload, o.status, o.created_at,
            s.id AS store_id, s.webhook_url, s.webhook_events, s.webhook_secret, s.webhook_secret_sealed
       FROM outbox o JOIN stores s ON s.id = o.store_id WHERE o.id = $1`,
    [outboxId],
  );
  const row = found.rows[0];
  if (row?.status !== 'pending') return 'done-before';
  const secret = webhookSecretOf(settings.secretBox, row);
  if (!row.webhook_url || !secret || !subscribedTo(row)) {
    await pool.query(`UPDATE outbox SET status = 'skipped' WHERE id = $1 AND status = 'pending'`, [row.id]);
    return 'skipped';
  }
  if (nowMs - row.created_at.getTime() > settings.retryForMs) {
    await pool.query(`UPDATE outbox SET status = 'dead' WHERE id = $1 AND status = 'pending'`, [row.id]);
    return 'dead';
  }
  const result = await postWebhook(
    row.webhook_url,
    secret,
    row.event_id,
    row.payload,
    settings.timeoutMs,
    settings.urlPolicy ?? PUBLIC_ONLY,
  );
  if (result.delivered) {
    await pool.query(
      `UPDATE outbox SET status = 'delivered', delivered_at = now(), attempts = attempts + 1, last_error = NULL
        WHERE id = $1 AND status = 'pending'`,
      [row.id],
    );
    return 'delivered';
  }
  await pool.query('UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [
    row.id,
    result.error ?? 'failed',
  ]);
  throw new Error(`webhook delivery failed: ${result.error ?? 'unknown'}`);
}

function subscribedTo(row: { webhook_events: string[]; type: string }): boolean {
  return row.webhook_events.length === 0 || row.webhook_events.includes(row.type);
}

/**
 * The worker's side of `publishOutboxBatch`: of the rows still pending, those whose store has a
 * webhook URL, a secret and a subscription to the event type get a `deliver` job each (the same
 * job id the reconciler uses, so a row is never queued twice); the others are marked skipped in one
 * statement, which is what their `deliver` job would have done.
 */
export async function fanOutOutbox(
  pool: Pool,
  queue: Queue<OutboxJob>,
  outboxIds: readonly string[],
): Promise<{ queued: number; skipped: number }> {
  const found = await pool.query<{
    id: string;
    type: string;
    webhook_url: string | null;
    webhook_events: string[];
    has_secret: boolean;
  }>(
    `SELECT o.id, o.type, s.webhook_url, s.webhook_events,
            (s.webhook_secret IS NOT NULL OR s.webhook_secret_sealed IS NOT NULL) AS has_secret
       FROM outbox o JOIN stores s ON s.id = o.store_id
      WHERE o.id = ANY($1::bigint[]) AND o.status = 'pending'`,
    [outboxIds],
  );
  const deliver: string[] = [];
  const skip: string[] = [];
  for (const row of found.rows) {
    if (row.webhook_url && row.has_secret && subscribedTo(row)) deliver.push(row.id);
    else skip.push(row.id);
  }
  if (skip.length > 0)
    await pool.query(
      `UPDATE outbox SET status = 'skipped' WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
      [skip],
    );
  await publishOutbox(queue, deliver);
  return { queued: deliver.length, skipped: skip.length };
}

/** The BullMQ worker that drains the outbox to stores' webhooks. */
export function startWebhookWorker(
  connection: Redis,
  pool: Pool,
  settings: WebhookWorkerSettings,
  log: Logger,
): Worker<OutboxJob> {
  const prefix = bullPrefix(settings.redisPrefix);
  // Where fan-out jobs put their rows' delivery jobs: the same queue.
  const queue = new Queue<OutboxJob>(WEBHOOK_QUEUE, { connection, prefix });
  const worker = new Worker<OutboxJob>(
    WEBHOOK_QUEUE,
    async (job: Job<OutboxJob>) =>
      'outboxIds' in job.data
        ? fanOutOutbox(pool, queue, job.data.outboxIds)
        : deliverOutboxRow(pool, job.data.outboxId, settings),
    {
      connection,
      prefix,
      concurrency: settings.concurrency ?? 20,
      settings: {
        backoffStrategy: (attemptsMade: number) =>
          backoffDelayMs(attemptsMade, settings.backoffBaseMs, settings.backoffMaxMs),
      },
    },
  );
  worker.on('closed', () => void queue.close());
  worker.on('failed', (job, err) => {
    log.warn(
      {
        outboxId: job && 'outboxId' in job.data ? job.data.outboxId : undefined,
        attempts: job?.attemptsMade,
        err,
      },
      'webhook delivery attempt failed',
    );
  });
  worker.on('error', (err) => log.error({ err }, 'webhook worker error'));
  return worker;
}
