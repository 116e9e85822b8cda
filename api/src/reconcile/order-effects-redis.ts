import type { OrderRow } from '@o2o/dispatcher';
import { dispatchQueueKey, orderEventsChannel, queueScore } from '@o2o/dispatcher';
import { PENDING_STATUSES } from '@o2o/domain';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { OrderEffects } from '../orders/order-effects.js';
import { type OutboxJob, publishOutbox } from '../webhooks/outbox-queue.js';

interface Pending {
  order: OrderRow;
  outboxIds: readonly string[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * After-commit effects on the real Redis: the dispatch queue and the webhook queue. Calls that
 * arrive together are flushed together (one pipeline for the queues, one bulk add for the
 * webhook jobs) after at most `maxDelayMs`, so a burst of orders costs a few round trips, not
 * a few per order. Each caller's promise settles when its batch is written.
 */
export function redisOrderEffects(
  redis: Redis,
  redisPrefix: string,
  outboxQueue: Queue<OutboxJob>,
  options: { maxDelayMs?: number; maxBatch?: number } = {},
): OrderEffects {
  const maxDelayMs = options.maxDelayMs ?? 2;
  const maxBatch = options.maxBatch ?? 500;
  let batch: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = async () => {
    timer = undefined;
    const current = batch;
    batch = [];
    if (current.length === 0) return;
    try {
      const pipeline = redis.pipeline();
      for (const { order } of current) {
        const key = dispatchQueueKey(redisPrefix, order.region_id);
        if (PENDING_STATUSES.has(order.status)) {
          pipeline.zadd(
            key,
            'NX',
            queueScore({ createdAtMs: order.created_at.getTime(), priority: order.priority }),
            order.id,
          );
        } else {
          pipeline.zrem(key, order.id);
        }
        // Customers watching the order hear of the change (a cancel, for instance).
        pipeline.publish(
          orderEventsChannel(redisPrefix, order.region_id),
          JSON.stringify({ orderIds: [order.id] }),
        );
      }
      const results = await Promise.all([
        pipeline.exec(),
        publishOutbox(
          outboxQueue,
          current.flatMap((p) => p.outboxIds),
        ),
      ]);
      const failed = results[0]?.find(([err]) => err !== null);
      if (failed) throw failed[0];
      for (const p of current) p.resolve();
    } catch (err) {
      for (const p of current) p.reject(err);
    }
  };

  return {
    afterCommit(order, outboxIds) {
      return new Promise<void>((resolve, reject) => {
        batch.push({ order, outboxIds, resolve, reject });
        if (batch.length >= maxBatch) {
          if (timer) clearTimeout(timer);
          void flush();
        } else if (!timer) {
          timer = setTimeout(() => void flush(), maxDelayMs);
        }
      });
    },
  };
}
