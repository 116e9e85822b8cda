import { enqueueOrders, removeQueuedOrders } from '@o2o/dispatcher';
import { PENDING_STATUSES } from '@o2o/domain';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { OrderEffects } from '../orders/order-effects.js';
import { type OutboxJob, publishOutbox } from '../webhooks/outbox-queue.js';

/** After-commit effects on the real Redis: the dispatch queue and the webhook queue. */
export function redisOrderEffects(redis: Redis, redisPrefix: string, outboxQueue: Queue<OutboxJob>): OrderEffects {
  return {
    async afterCommit(order, outboxIds) {
      const queueChange = PENDING_STATUSES.has(order.status)
        ? enqueueOrders(redis, redisPrefix, order.region_id, [
            { orderId: order.id, createdAtMs: order.created_at.getTime(), priority: order.priority },
          ])
        : removeQueuedOrders(redis, redisPrefix, order.region_id, [order.id]);
      await Promise.all([queueChange, publishOutbox(outboxQueue, outboxIds)]);
    },
  };
}
