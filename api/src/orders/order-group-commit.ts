import type { Pool } from '@o2o/dispatcher';
import { answerNotInserted, insertOrderAlone } from './insert-order.js';
import { insertOrdersBatch } from './insert-orders-batch.js';
import { type CreateOrderResult, createdResult, type PreparedOrder } from './prepare-order.js';

export interface OrderGroupCommitOptions {
  /** How long (ms) the first queued order waits for others to share its commit. */
  windowMs?: number;
  /** Most orders in one statement. */
  maxBatch?: number;
  /** Most batch statements running at once; more orders wait and make the next batch bigger. */
  maxInFlight?: number;
}

export interface OrderGroupCommit {
  /** Resolves with this order's own outcome once the statement that wrote it has committed. */
  submit(prepared: PreparedOrder): Promise<CreateOrderResult>;
}

interface Waiter {
  prepared: PreparedOrder;
  resolve: (result: CreateOrderResult) => void;
  reject: (err: unknown) => void;
}

const perPool = new WeakMap<Pool, OrderGroupCommit>();

/**
 * The group commit of a pool, made on first use. One per pool because the pool is what the
 * commits are shared over: every app built on it (and every test's own pool) gets its own.
 */
export function orderGroupCommitFor(pool: Pool): OrderGroupCommit {
  let found = perPool.get(pool);
  if (!found) {
    found = createOrderGroupCommit(pool);
    perPool.set(pool, found);
  }
  return found;
}

/**
 * Group commit for order creation. Every create is its own transaction otherwise, and Postgres
 * pays one WAL flush (fsync) per commit, which caps a single disk at a few thousand creates a
 * second. Orders arriving within `windowMs` are written by one multi-row statement, so one flush
 * covers them all; `synchronous_commit` stays on and nobody is answered before that commit.
 *
 * - In this process, two requests with the same (store, key) never share a batch or run in two
 *   batches at once: the later one waits for the first to settle, then takes the single-row
 *   path, which replays the first answer (or 422s another body). So 100 identical retries
 *   still make one order; across processes the key's unique index makes them wait instead.
 * - An order the batch could not insert (its key or external_id taken) is answered on its own
 *   (`answerNotInserted`); the rest of the batch commits. When the whole statement fails (a
 *   deadlock, a lost connection), each of its orders is retried on the single-row path. Retrying
 *   is safe even if the batch did commit and only its answer was lost: the keys then replay
 *   (and the reconciler queues those orders, as it does for any lost after-commit effect).
 */
export function createOrderGroupCommit(pool: Pool, options: OrderGroupCommitOptions = {}): OrderGroupCommit {
  // 2 ms rather than 1: since the rate limit no longer holds requests for a Redis round trip they
  // reach this queue one by one, and at 1 ms batches were ~16 orders instead of ~27 (more
  // commits, more CPU per order in Postgres and here; README, api bench).
  const windowMs = options.windowMs ?? 2;
  const maxBatch = options.maxBatch ?? 64;
  const maxInFlight = options.maxInFlight ?? 4;
  let queue: Waiter[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  /** The pending outcome of each (store, key) queued or being written, for duplicates to wait on. */
  const claims = new Map<string, Promise<unknown>>();

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (queue.length > 0 && inFlight < maxInFlight) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      inFlight++;
      void writeBatch(pool, batch).finally(() => {
        inFlight--;
        // Orders that queued while every slot was busy have waited long enough.
        if (queue.length > 0) flush();
      });
    }
  };

  const enqueue = (prepared: PreparedOrder) =>
    new Promise<CreateOrderResult>((resolve, reject) => {
      queue.push({ prepared, resolve, reject });
      if (queue.length >= maxBatch) flush();
      else if (!timer && inFlight < maxInFlight) timer = setTimeout(flush, windowMs);
    });

  return {
    submit(prepared) {
      const claim = `${prepared.ctx.store.id}\u0000${prepared.ctx.idempotencyKey}`;
      const first = claims.get(claim);
      // Duplicates wait for the first only (not for each other), then replay side by side.
      if (first) return first.then(noop, noop).then(() => insertOrderAlone(prepared));
      const outcome = enqueue(prepared);
      claims.set(claim, outcome);
      const release = () => claims.delete(claim);
      outcome.then(release, release);
      return outcome;
    },
  };
}

/** Writes one batch and settles each waiter with its own outcome. */
async function writeBatch(pool: Pool, batch: readonly Waiter[]): Promise<void> {
  if (batch.length === 1) return settle(batch[0]!, insertOrderAlone(batch[0]!.prepared));
  let outboxIds: Map<string, string>;
  try {
    outboxIds = await insertOrdersBatch(
      pool,
      batch.map((w) => w.prepared),
    );
  } catch {
    // A failed batch (a deadlock, a lost connection) wrote nothing: ask each order on its own.
    await Promise.all(batch.map((w) => settle(w, insertOrderAlone(w.prepared))));
    return;
  }
  await Promise.all(
    batch.map((w) => settle(w, batchRowResult(w.prepared, outboxIds.get(w.prepared.order.id)))),
  );
}

/** One order's answer from the batch: created, or why not (a replay, 422 or 409). */
function batchRowResult(prepared: PreparedOrder, outboxId: string | undefined): Promise<CreateOrderResult> {
  if (!outboxId) return answerNotInserted(prepared);
  return Promise.resolve(createdResult(prepared, outboxId));
}

/** Never rejects: a waiter's failure is its own and must not stop the rest of its batch. */
async function settle(waiter: Waiter, result: Promise<CreateOrderResult>): Promise<void> {
  try {
    waiter.resolve(await result);
  } catch (err) {
    waiter.reject(err);
  }
}

function noop(): void {}
