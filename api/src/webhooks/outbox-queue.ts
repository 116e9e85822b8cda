import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const WEBHOOK_QUEUE = 'webhooks';

/** BullMQ keys live under the deployment's prefix, hash-tagged so the queue fits one cluster slot. */
export function bullPrefix(redisPrefix: string): string {
  return `${redisPrefix}:{bull}`;
}

/** The job id of an outbox row: one job per row, so publishing twice never delivers twice. */
export function outboxJobId(outboxId: string): string {
  return `outbox-${outboxId}`;
}

/**
 * A webhook queue job: `deliver` one outbox row (job id `outbox-<id>`, retried on its own), or
 * `fan-out` the rows that committed together into one `deliver` job each for the rows that have a
 * webhook to go to (see `fanOutOutbox` in outbox-worker.ts).
 */
export type OutboxJob = { outboxId: string } | { outboxIds: string[] };

const DELIVERY_OPTIONS = {
  attempts: 100_000,
  backoff: { type: 'capped-exponential' },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export function createOutboxQueue(connection: Redis, redisPrefix: string): Queue<OutboxJob> {
  return new Queue<OutboxJob>(WEBHOOK_QUEUE, { connection, prefix: bullPrefix(redisPrefix) });
}

/** Hands outbox rows to the webhook worker. Retries are unbounded in count and bounded in time. */
export async function publishOutbox(queue: Queue<OutboxJob>, outboxIds: readonly string[]): Promise<void> {
  if (outboxIds.length === 0) return;
  await queue.addBulk(
    outboxIds.map((outboxId) => ({
      name: 'deliver',
      data: { outboxId },
      opts: { jobId: outboxJobId(outboxId), ...DELIVERY_OPTIONS },
    })),
  );
}

/**
 * Hands the outbox rows of one after-commit flush to the webhook worker as ONE job, which the
 * worker fans out into a `deliver` job per row that has somewhere to go (and marks the rest
 * skipped, as a `deliver` job would). Each event is still delivered, retried and dead-lettered on
 * its own; the request path pays one BullMQ job per flush instead of one per row (each job is a
 * Lua script of ~35 µs of Redis time). A fan-out job that is lost changes nothing: its rows stay
 * pending in Postgres and the reconciler hands each one over with `publishOutbox`.
 */
export async function publishOutboxBatch(
  queue: Queue<OutboxJob>,
  outboxIds: readonly string[],
): Promise<void> {
  if (outboxIds.length <= 1) return publishOutbox(queue, outboxIds);
  await queue.add('fan-out', { outboxIds: [...outboxIds] }, DELIVERY_OPTIONS);
}
