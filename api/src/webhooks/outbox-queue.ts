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

export interface OutboxJob {
  outboxId: string;
}

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
      opts: {
        jobId: outboxJobId(outboxId),
        attempts: 100_000,
        backoff: { type: 'capped-exponential' },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    })),
  );
}
