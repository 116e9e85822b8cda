import type { OrderRow } from '@o2o/dispatcher';

/**
 * What must happen outside Postgres after an order change commits: queue or unqueue it for
 * dispatch, hand its outbox rows to the webhook worker. Failures here lose nothing: the
 * reconciler re-queues pending orders and re-publishes pending outbox rows from Postgres.
 */
export interface OrderEffects {
  afterCommit(order: OrderRow, outboxIds: readonly string[]): Promise<void>;
}
