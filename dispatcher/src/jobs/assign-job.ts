import { randomUUID } from 'node:crypto';
import { DomainError } from '@o2o/domain';
import { syncCouriersAvailability } from '../courier-availability.js';
import { loopKeys } from '../keys.js';
import { assertFence } from '../lease/fence.js';
import type { RegionLease } from '../lease/region-lease.js';
import type { LiveDeps } from '../live-deps.js';
import { runLoopScript } from '../lua/scripts.js';
import { publishCourierEvents, publishOrdersChanged } from '../notify.js';
import type { OrderRow } from '../pg/order-row.js';
import { type PoolClient, withTransaction } from '../pg/pool.js';
import { transitionOrder } from '../pg/transition-order.js';
import { removeQueuedOrders } from '../queue/dispatch-queue.js';

export interface AssignRequest {
  region: string;
  orderIds: readonly string[];
  courierId: string;
  /** `dispatcher`: the loop gives an in-house rider a job; `operator`: manual assign or reassign. */
  actor: 'dispatcher' | 'operator';
  /** The loop's lease: its fence is checked and written. Operators act without one. */
  lease?: RegionLease;
}

export interface AssignedJob {
  jobId: string;
  orders: OrderRow[];
  /** Couriers who lost the orders (operator reassign). */
  previousCouriers: string[];
  revokedOffers: { offerId: string; courierId: string }[];
}

/**
 * Gives a job straight to a courier: in-house riders from the loop, or any courier by an operator.
 * One transaction: fence check (loop), the courier's capacity (row-locked, so two jobs cannot
 * overfill it), each order moved to `assigned` (an assigned order is first taken back from its
 * courier when an operator reassigns it), the assignment rows, and any open offer of these orders
 * revoked. Then Redis: the orders leave the queue, courier states follow.
 */
export async function assignJob(deps: LiveDeps, req: AssignRequest): Promise<AssignedJob> {
  const jobId = randomUUID();
  const result = await withTransaction(deps.pool, async (client) => {
    if (req.lease) await assertFence(client, req.region, req.lease.fence);
    await assertCapacity(client, req.courierId, req.orderIds.length);
    const orders: OrderRow[] = [];
    const previousCouriers: string[] = [];
    for (const orderId of req.orderIds) {
      const current = await client.query<OrderRow>('SELECT * FROM orders WHERE id = $1 FOR UPDATE', [
        orderId,
      ]);
      const row = current.rows[0];
      if (!row || row.region_id !== req.region)
        throw new DomainError('not_found', { detail: `no order ${orderId}` });
      if ((row.status === 'assigned' || row.status === 'at_pickup') && req.actor === 'operator') {
        if (row.courier_id === req.courierId)
          throw new DomainError('conflict', { detail: 'already assigned to that courier' });
        await transitionOrder(client, {
          orderId,
          to: 'dispatching',
          actor: 'operator',
          courierId: null,
          data: { reason: 'reassigned' },
        });
        await client.query(
          `UPDATE assignments SET ended_at = now(), end_reason = 'reassigned' WHERE order_id = $1 AND ended_at IS NULL`,
          [orderId],
        );
        if (row.courier_id) previousCouriers.push(row.courier_id);
      }
      const moved = await transitionOrder(client, {
        orderId,
        to: 'assigned',
        actor: req.actor,
        courierId: req.courierId,
        ...(req.lease ? { fence: req.lease.fence } : {}),
        data: { courier_id: req.courierId, by: req.actor },
      });
      orders.push(moved.order);
      await client.query(
        'INSERT INTO assignments (id, order_id, courier_id, fence, job_id) VALUES ($1, $2, $3, $4, $5)',
        [randomUUID(), orderId, req.courierId, req.lease?.fence ?? 0, jobId],
      );
    }
    const revoked = await client.query<{ id: string; courier_id: string }>(
      `UPDATE offers SET status = 'revoked', decided_at = now()
        WHERE order_ids && $1::uuid[] AND status = 'open' RETURNING id, courier_id`,
      [req.orderIds],
    );
    return {
      jobId,
      orders,
      previousCouriers,
      revokedOffers: revoked.rows.map((r) => ({ offerId: r.id, courierId: r.courier_id })),
    };
  });
  const keys = loopKeys(deps.prefix, req.region);
  await removeQueuedOrders(deps.redis, deps.prefix, req.region, req.orderIds);
  for (const r of result.revokedOffers) {
    await runLoopScript(deps.redis, 'closeOffer', [keys.offer(r.offerId), keys.offered], ['revoked', '']);
  }
  const atMs = Date.now();
  await publishCourierEvents(deps.redis, deps.prefix, req.region, [
    { type: 'job', courierId: req.courierId, jobId, orderIds: [...req.orderIds], atMs },
    ...result.revokedOffers.map((r) => ({
      type: 'offer:revoked' as const,
      courierId: r.courierId,
      offerId: r.offerId,
      atMs,
    })),
  ]);
  await publishOrdersChanged(deps.redis, deps.prefix, req.region, req.orderIds);
  await syncCouriersAvailability(deps, req.region, [
    req.courierId,
    ...result.previousCouriers,
    ...result.revokedOffers.map((r) => r.courierId),
  ]);
  return result;
}

/** Locks the courier row and refuses a job that would exceed its capacity. */
async function assertCapacity(client: PoolClient, courierId: string, extra: number): Promise<void> {
  const courier = await client.query<{ capacity: number }>(
    'SELECT capacity FROM couriers WHERE id = $1 FOR UPDATE',
    [courierId],
  );
  const capacity = courier.rows[0]?.capacity;
  if (capacity === undefined) throw new DomainError('not_found', { detail: 'No such courier' });
  const active = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM orders WHERE courier_id = $1 AND status IN ('assigned', 'at_pickup', 'picked_up', 'at_dropoff')`,
    [courierId],
  );
  if (Number(active.rows[0]?.n ?? 0) + extra > capacity) {
    throw new DomainError('courier_unavailable', { detail: `capacity ${capacity} would be exceeded` });
  }
}
