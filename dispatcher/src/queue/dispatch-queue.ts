import type { Redis } from 'ioredis';
import { loopKeys } from '../keys.js';

/**
 * The dispatch queue of a region: a sorted set of pending order ids, lowest score first. The score
 * is the order's creation time (ms) minus a bonus per priority level, so an order put back after a
 * decline or expiry is served before newer ones. The queue is live state only: Postgres has every
 * pending order and the reconciler re-adds any the queue lacks.
 */
export function dispatchQueueKey(prefix: string, region: string): string {
  return loopKeys(prefix, region).queue;
}

/** How much earlier one priority level puts an order, in ms of age. */
export const PRIORITY_STEP_MS = 60_000;

export interface QueuedOrder {
  orderId: string;
  createdAtMs: number;
  priority: number;
}

export function queueScore(order: Pick<QueuedOrder, 'createdAtMs' | 'priority'>): number {
  return order.createdAtMs - order.priority * PRIORITY_STEP_MS;
}

/**
 * Adds orders that are not queued yet (ZADD NX: an order already queued keeps its place).
 * Returns how many were added.
 */
export async function enqueueOrders(
  redis: Redis,
  prefix: string,
  region: string,
  orders: readonly QueuedOrder[],
): Promise<number> {
  if (orders.length === 0) return 0;
  const args: (string | number)[] = [];
  for (const o of orders) args.push(queueScore(o), o.orderId);
  return redis.zadd(dispatchQueueKey(prefix, region), 'NX', ...args);
}

/** Puts an order back with a new priority, replacing its place if it is queued. */
export async function requeueOrder(
  redis: Redis,
  prefix: string,
  region: string,
  order: QueuedOrder,
): Promise<void> {
  await redis.zadd(dispatchQueueKey(prefix, region), queueScore(order), order.orderId);
}

export async function removeQueuedOrders(
  redis: Redis,
  prefix: string,
  region: string,
  orderIds: readonly string[],
): Promise<number> {
  if (orderIds.length === 0) return 0;
  return redis.zrem(dispatchQueueKey(prefix, region), ...orderIds);
}

/** Queued order ids, oldest (highest priority) first. */
export async function queuedOrderIds(
  redis: Redis,
  prefix: string,
  region: string,
  limit = 10_000,
): Promise<string[]> {
  return redis.zrange(dispatchQueueKey(prefix, region), 0, limit - 1);
}
