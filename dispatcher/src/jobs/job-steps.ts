import { DomainError, type OrderStatus } from '@o2o/domain';
import { syncCourierAvailability } from '../courier-availability.js';
import { loopKeys } from '../keys.js';
import type { LiveDeps } from '../live-deps.js';
import { publishOrdersChanged } from '../notify.js';
import type { OrderRow } from '../pg/order-row.js';
import { withTransaction } from '../pg/pool.js';
import { transitionOrder } from '../pg/transition-order.js';
import { requeueOrder } from '../queue/dispatch-queue.js';

export type JobStep = 'at_pickup' | 'picked_up' | 'at_dropoff' | 'delivered';

export interface JobStepRequest {
  courierId: string;
  orderId: string;
  step: JobStep;
  /** Required for `delivered`. */
  pin?: string;
  /** Checks a PIN against the order (the api derives PINs from a server secret). */
  pinMatches: (orderId: string, pin: string) => boolean;
}

/**
 * A courier reports a step of its job. The order must be assigned to this courier (anyone else's
 * order reads as not found) and the step must be allowed by the state machine. Delivery needs the
 * customer's PIN: a wrong one is refused and counted on the courier.
 */
export async function recordJobStep(deps: LiveDeps, req: JobStepRequest): Promise<OrderRow> {
  if (req.step === 'delivered') await checkHandoffPin(deps, req);
  const order = await withTransaction(deps.pool, async (client) => {
    const current = await client.query<OrderRow>('SELECT * FROM orders WHERE id = $1 FOR UPDATE', [
      req.orderId,
    ]);
    const row = current.rows[0];
    if (!row || row.courier_id !== req.courierId)
      throw new DomainError('not_found', { detail: 'No such job' });
    if (row.status === req.step) return row; // a replayed step (network loss) is not an error
    const moved = await transitionOrder(client, {
      orderId: req.orderId,
      to: req.step as OrderStatus,
      actor: 'courier',
    });
    if (req.step === 'delivered') {
      await client.query(
        `UPDATE assignments SET ended_at = now(), end_reason = 'delivered' WHERE order_id = $1 AND ended_at IS NULL`,
        [req.orderId],
      );
    }
    return moved.order;
  });
  await publishOrdersChanged(deps.redis, deps.prefix, order.region_id, [order.id]);
  if (req.step === 'delivered') await syncCourierAvailability(deps, order.region_id, req.courierId);
  return order;
}

/** Wrong PINs allowed per order within `PIN_FAILURE_WINDOW_MS`: a 4-digit PIN must not be guessable. */
export const MAX_PIN_FAILURES = 5;
export const PIN_FAILURE_WINDOW_MS = 3600_000;

/**
 * The delivery's PIN check. A wrong PIN is refused, counted on the courier (Postgres) and on the
 * order (Redis, for an hour); after `MAX_PIN_FAILURES` wrong ones the order takes no PIN at all
 * until the hour is over (`rate_limited`), so the 10,000 PINs cannot be tried one after another.
 */
async function checkHandoffPin(deps: LiveDeps, req: JobStepRequest): Promise<void> {
  const owned = await deps.pool.query<{ region_id: string }>(
    'SELECT region_id FROM orders WHERE id = $1 AND courier_id = $2',
    [req.orderId, req.courierId],
  );
  const region = owned.rows[0]?.region_id;
  // Not this courier's job: the transaction below refuses it as not found.
  if (!region) return;
  const failuresKey = loopKeys(deps.prefix, region).pinFailures(req.orderId);
  const failures = Number((await deps.redis.get(failuresKey)) ?? 0);
  if (failures >= MAX_PIN_FAILURES) {
    const ttlMs = await deps.redis.pttl(failuresKey);
    throw new DomainError('rate_limited', {
      detail: 'Too many wrong PINs for this order: ask an operator, or try again later',
      retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)),
    });
  }
  if (req.pin && req.pinMatches(req.orderId, req.pin)) return;
  await deps.pool.query('UPDATE couriers SET wrong_pin_count = wrong_pin_count + 1 WHERE id = $1', [
    req.courierId,
  ]);
  await deps.redis.multi().incr(failuresKey).pexpire(failuresKey, PIN_FAILURE_WINDOW_MS, 'NX').exec();
  throw new DomainError('wrong_pin', { detail: 'Ask the customer for the 4-digit PIN' });
}

/**
 * A courier drops a job before pickup: the order goes back to `dispatching` and to the queue one
 * priority level up, and the courier is never offered it again.
 */
export async function dropJob(deps: LiveDeps, courierId: string, orderId: string): Promise<OrderRow> {
  const order = await withTransaction(deps.pool, async (client) => {
    const current = await client.query<OrderRow>('SELECT * FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
    const row = current.rows[0];
    if (!row || row.courier_id !== courierId) throw new DomainError('not_found', { detail: 'No such job' });
    const moved = await transitionOrder(client, {
      orderId,
      to: 'dispatching',
      actor: 'courier',
      courierId: null,
      data: { reason: 'dropped', courier_id: courierId },
    });
    await client.query(
      `UPDATE assignments SET ended_at = now(), end_reason = 'dropped' WHERE order_id = $1 AND ended_at IS NULL`,
      [orderId],
    );
    await client.query(
      `INSERT INTO order_declines (order_id, courier_id, reason) VALUES ($1, $2, 'dropped') ON CONFLICT DO NOTHING`,
      [orderId, courierId],
    );
    const bumped = await client.query<OrderRow>(
      'UPDATE orders SET priority = priority + 1 WHERE id = $1 RETURNING *',
      [orderId],
    );
    return bumped.rows[0] ?? moved.order;
  });
  await requeueOrder(deps.redis, deps.prefix, order.region_id, {
    orderId,
    createdAtMs: order.created_at.getTime(),
    priority: order.priority,
  });
  await publishOrdersChanged(deps.redis, deps.prefix, order.region_id, [orderId]);
  await syncCourierAvailability(deps, order.region_id, courierId);
  return order;
}
