import { randomUUID } from 'node:crypto';
import { DomainError } from '@o2o/domain';
import { syncCourierAvailability } from '../courier-availability.js';
import { loopKeys } from '../keys.js';
import { type LiveDeps, nowMsOf } from '../live-deps.js';
import { runLoopScript } from '../lua/scripts.js';
import type { OrderRow } from '../pg/order-row.js';
import { type Pool, type PoolClient, withTransaction } from '../pg/pool.js';
import { transitionOrder } from '../pg/transition-order.js';
import { requeueOrder } from '../queue/dispatch-queue.js';
import { offerErrorFromLua } from './offer-errors.js';
import { applyAcceptEffects, repairAcceptEffectsLater } from './post-accept-effects.js';

interface OfferRow {
  id: string;
  region_id: string;
  job_id: string;
  order_ids: string[];
  courier_id: string;
  status: string;
  fence: string;
  expires_at: Date;
}

export interface AcceptedJob {
  offerId: string;
  jobId: string;
  region: string;
  orders: OrderRow[];
  /** Other couriers' offers of the same job, now revoked (they should be told). */
  revoked: { offerId: string; courierId: string }[];
}

/**
 * A courier accepts an offer. Race-safe in two layers: a Lua check-and-set in Redis lets exactly
 * one accept of a job through; then one Postgres transaction accepts the offer only while it is
 * open, moves every order to `assigned` with a version check and the offer's fence, writes the
 * assignment (unique per order), and revokes the job's other offers. If Redis lost the offer
 * (restart), Postgres alone still admits one winner.
 *
 * Once Postgres has committed, the job is the courier's: the Redis side (revoked offers closed,
 * couriers' index states, notifications) is applied after the commit, and a failure there is
 * repaired in the background (`post-accept-effects.ts`), never answered as an error or undone.
 * A re-sent accept of an offer this courier already won (an app on a flaky network, or
 * duplicates sent at once) gets the same answer, and still exactly one assignment exists.
 */
export function acceptOffer(deps: LiveDeps, courierId: string, offerId: string): Promise<AcceptedJob> {
  // Duplicates arriving together at one process share the first one's answer (and cost no
  // Postgres connection each); those at other processes take the Postgres path below.
  let inFlight = acceptsInFlight.get(deps);
  if (!inFlight) {
    inFlight = new Map();
    acceptsInFlight.set(deps, inFlight);
  }
  const key = `${courierId}:${offerId}`;
  const running = inFlight.get(key);
  if (running) return running;
  const answer = acceptOnce(deps, courierId, offerId).finally(() => inFlight.delete(key));
  inFlight.set(key, answer);
  return answer;
}

const acceptsInFlight = new WeakMap<LiveDeps, Map<string, Promise<AcceptedJob>>>();

async function acceptOnce(deps: LiveDeps, courierId: string, offerId: string): Promise<AcceptedJob> {
  const offer = await findOffer(deps, offerId);
  if (!offer || offer.courier_id !== courierId)
    throw new DomainError('not_found', { detail: 'No such offer' });
  if (offer.status === 'accepted') return acceptedJobOf(deps.pool, offer);
  const keys = loopKeys(deps.prefix, offer.region_id);
  const nowMs = nowMsOf(deps);
  const verdict = await runLoopScript(
    deps.redis,
    'acceptOffer',
    [keys.offer(offerId), keys.jobWinner(offer.job_id), keys.offered],
    [courierId, nowMs, offerId],
  );
  // -1: Redis no longer has the offer (it lost its data); Postgres decides below.
  // -3 with the offer marked accepted: this offer won the job in Redis, for another request of
  // the same courier (in flight, or one that died before its commit); Postgres decides too, and
  // its row lock makes the duplicates wait for that request's commit.
  const wonEarlier = verdict === -3 && (await deps.redis.hget(keys.offer(offerId), 'status')) === 'accepted';
  if (verdict !== 1 && verdict !== -1 && !wonEarlier) throw offerErrorFromLua(verdict);
  if (verdict !== 1 && offer.expires_at.getTime() < nowMs) throw new DomainError('offer_expired');
  return commitAccept(deps, offer, courierId, nowMs);
}

async function commitAccept(
  deps: LiveDeps,
  offer: OfferRow,
  courierId: string,
  nowMs: number,
): Promise<AcceptedJob> {
  let accepted: AcceptedJob | 'already_accepted';
  try {
    accepted = await withTransaction(deps.pool, (client) => acceptInPostgres(client, offer, courierId));
  } catch (err) {
    // Postgres refused (the order was canceled, or reassigned): release the job in Redis. Best
    // effort: with Redis failing too, the courier gets Postgres's answer, and the winner key only
    // makes other accepts of this job wait for the offer's expiry.
    await releaseJobInRedis(deps, offer).catch(() => undefined);
    throw err;
  }
  if (accepted === 'already_accepted') return acceptedJobOf(deps.pool, offer);
  const effects = {
    region: offer.region_id,
    courierId,
    orderIds: offer.order_ids,
    revoked: accepted.revoked,
    atMs: nowMs,
  };
  await applyAcceptEffects(deps, effects).catch(() => repairAcceptEffectsLater(deps, effects));
  return accepted;
}

async function releaseJobInRedis(deps: LiveDeps, offer: OfferRow): Promise<void> {
  const keys = loopKeys(deps.prefix, offer.region_id);
  await deps.redis.eval(
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1",
    1,
    keys.jobWinner(offer.job_id),
    offer.id,
  );
  await deps.redis.hset(keys.offer(offer.id), 'status', 'revoked');
}

/**
 * The answer to an accept of an offer Postgres already has as accepted (a re-sent accept): the
 * same job, as long as its orders are still this courier's (an operator may have moved them since).
 */
async function acceptedJobOf(pool: Pool, offer: OfferRow): Promise<AcceptedJob> {
  const orders = await pool.query<OrderRow>('SELECT * FROM orders WHERE id = ANY($1)', [offer.order_ids]);
  const byId = new Map(orders.rows.map((o) => [o.id, o]));
  const mine = offer.order_ids.flatMap((id) => byId.get(id) ?? []);
  if (mine.length !== offer.order_ids.length || mine.some((o) => o.courier_id !== offer.courier_id))
    throw new DomainError('offer_closed', { detail: 'The job has been given to someone else since' });
  return { offerId: offer.id, jobId: offer.job_id, region: offer.region_id, orders: mine, revoked: [] };
}

async function acceptInPostgres(
  client: PoolClient,
  offer: OfferRow,
  courierId: string,
): Promise<AcceptedJob | 'already_accepted'> {
  const taken = await client.query(
    `UPDATE offers SET status = 'accepted', decided_at = now() WHERE id = $1 AND status = 'open' RETURNING id`,
    [offer.id],
  );
  if (taken.rowCount === 0) {
    // The UPDATE waited for any transaction holding the row, so this is the committed status.
    const now = await client.query<{ status: string }>('SELECT status FROM offers WHERE id = $1', [offer.id]);
    if (now.rows[0]?.status === 'accepted') return 'already_accepted';
    throw new DomainError('offer_closed');
  }
  const orders: OrderRow[] = [];
  for (const orderId of offer.order_ids) {
    const result = await transitionOrder(client, {
      orderId,
      to: 'assigned',
      actor: 'dispatcher',
      fence: Number(offer.fence),
      courierId,
      data: { offer_id: offer.id, courier_id: courierId },
    });
    orders.push(result.order);
    await client.query(
      `INSERT INTO assignments (id, order_id, courier_id, fence, job_id, offer_id) VALUES ($1, $2, $3, $4, $5, $6)`,
      [randomUUID(), orderId, courierId, offer.fence, offer.job_id, offer.id],
    );
  }
  const revoked = await client.query<{ id: string; courier_id: string }>(
    `UPDATE offers SET status = 'revoked', decided_at = now()
      WHERE job_id = $1 AND status = 'open' RETURNING id, courier_id`,
    [offer.job_id],
  );
  return {
    offerId: offer.id,
    jobId: offer.job_id,
    region: offer.region_id,
    orders,
    revoked: revoked.rows.map((r) => ({ offerId: r.id, courierId: r.courier_id })),
  };
}

export type CloseReason = 'declined' | 'expired';

/**
 * A courier declines, or the offer expires: the offer closes, the courier is remembered as a
 * decliner of its orders (never offered them again), and once no offer of the job is open the
 * orders go back to the queue one priority level up. Closing an offer twice does nothing.
 * @param courierId the courier who declines; null for an expiry
 */
export async function closeOffer(
  deps: LiveDeps,
  offerId: string,
  reason: CloseReason,
  courierId: string | null,
): Promise<{ closed: boolean; requeued: string[] }> {
  const offer = await findOffer(deps, offerId);
  if (!offer || (courierId !== null && offer.courier_id !== courierId)) {
    throw new DomainError('not_found', { detail: 'No such offer' });
  }
  const keys = loopKeys(deps.prefix, offer.region_id);
  const verdict = await runLoopScript(
    deps.redis,
    'closeOffer',
    [keys.offer(offerId), keys.offered],
    [reason, courierId ?? ''],
  );
  if (verdict === -3 && courierId !== null) {
    const status = await deps.redis.hget(keys.offer(offerId), 'status');
    throw status === 'expired' ? new DomainError('offer_expired') : offerErrorFromLua(-3);
  }
  const result = await withTransaction(deps.pool, async (client) => {
    const closed = await client.query(
      `UPDATE offers SET status = $2, decided_at = now() WHERE id = $1 AND status = 'open' RETURNING id`,
      [offerId, reason],
    );
    if (closed.rowCount === 0) return { closed: false, requeue: [] as RequeueRow[] };
    for (const orderId of offer.order_ids) {
      await client.query(
        `INSERT INTO order_declines (order_id, courier_id, reason) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [orderId, offer.courier_id, reason],
      );
    }
    const stillOpen = await client.query(
      `SELECT 1 FROM offers WHERE job_id = $1 AND status IN ('open', 'accepted') LIMIT 1`,
      [offer.job_id],
    );
    if ((stillOpen.rowCount ?? 0) > 0) return { closed: true, requeue: [] };
    const bumped = await client.query<RequeueRow>(
      `UPDATE orders SET priority = priority + 1
        WHERE id = ANY($1) AND status IN ('created', 'dispatching')
        RETURNING id, region_id, created_at, priority`,
      [offer.order_ids],
    );
    return { closed: true, requeue: bumped.rows };
  });
  for (const row of result.requeue) {
    await requeueOrder(deps.redis, deps.prefix, row.region_id, {
      orderId: row.id,
      createdAtMs: row.created_at.getTime(),
      priority: row.priority,
    });
  }
  await syncCourierAvailability(deps, offer.region_id, offer.courier_id);
  return { closed: result.closed, requeued: result.requeue.map((r) => r.id) };
}

interface RequeueRow {
  id: string;
  region_id: string;
  created_at: Date;
  priority: number;
}

async function findOffer(deps: LiveDeps, offerId: string): Promise<OfferRow | undefined> {
  const result = await deps.pool.query<OfferRow>('SELECT * FROM offers WHERE id = $1', [offerId]);
  return result.rows[0];
}
