import type { Pool } from '@o2o/dispatcher';
import { enqueueOrders, type QueuedOrder } from '@o2o/dispatcher';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type OutboxJob, publishOutbox } from '../webhooks/outbox-queue.js';

export interface ReconcileReport {
  ordersRequeued: number;
  outboxRepublished: number;
}

/**
 * Puts back what Redis should hold and may have lost (a crash between commit and enqueue, a Redis
 * restart): every pending order without an open offer goes into its region's dispatch queue
 * (ZADD NX keeps queued ones in place), and every pending outbox row is handed to the webhook
 * queue again (the job id makes that a no-op for rows already queued).
 */
export async function reconcile(
  pool: Pool,
  redis: Redis,
  redisPrefix: string,
  outboxQueue: Queue<OutboxJob>,
  batch = 5000,
): Promise<ReconcileReport> {
  const pending = await pool.query<{ id: string; region_id: string; created_at: Date; priority: number }>(
    `SELECT o.id, o.region_id, o.created_at, o.priority
       FROM orders o
      WHERE o.status IN ('created', 'dispatching')
        AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.order_ids @> ARRAY[o.id] AND f.status = 'open')
      ORDER BY o.created_at
      LIMIT $1`,
    [batch],
  );
  const byRegion = new Map<string, QueuedOrder[]>();
  for (const row of pending.rows) {
    const list = byRegion.get(row.region_id) ?? [];
    list.push({ orderId: row.id, createdAtMs: row.created_at.getTime(), priority: row.priority });
    byRegion.set(row.region_id, list);
  }
  let ordersRequeued = 0;
  for (const [region, orders] of byRegion)
    ordersRequeued += await enqueueOrders(redis, redisPrefix, region, orders);

  const outbox = await pool.query<{ id: string }>(
    `SELECT id FROM outbox WHERE status = 'pending' ORDER BY id LIMIT $1`,
    [batch],
  );
  await publishOutbox(
    outboxQueue,
    outbox.rows.map((r) => r.id),
  );
  return { ordersRequeued, outboxRepublished: outbox.rowCount ?? 0 };
}

/** Runs `reconcile` now and then every `intervalMs`; returns a stop function. */
export function startReconciler(
  run: () => Promise<ReconcileReport>,
  intervalMs: number,
  onError: (err: unknown) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      await run();
    } catch (err) {
      onError(err);
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
