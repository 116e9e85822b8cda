import { randomBytes } from 'node:crypto';
import {
  acceptOffer,
  createDispatcherRedis,
  createPool,
  loopKeys,
  type OpenedOffer,
  openJobOffer,
  tryAcquireLease,
  withTransaction,
} from '@o2o/dispatcher';
import { JobStatusSchema } from '@o2o/domain';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guarded, RateLimiter } from '../../api/src/gateway/guard.js';
import { toDomainError } from '../../api/src/http/problem.js';
import { apiLiveDeps } from '../../api/src/live-deps.js';
import { orderBody, useTestApi } from '../../api/test/helper.js';
import { connected, useSocketClients } from '../../api/test/socket-clients.js';
import { runLoopScript } from '../../dispatcher/src/lua/scripts.js';
import { testRedisUrl } from '../support/env.js';
import { until } from './support/ports.js';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis.js';

// Bugs the chaos tests found, each pinned by a small test of its own.
const prefix = `t${randomBytes(5).toString('hex')}`;
const redis = createDispatcherRedis(testRedisUrl());
const api = useTestApi();
const clients = useSocketClients();

afterAll(async () => {
  await redis.del(`${prefix}:lease`);
  redis.disconnect();
});

describe('the dispatcher’s auto-pipelined Redis connection (found by dispatcher-kill)', () => {
  it('runs a loop script for the first time in the same tick as another command without crashing', async () => {
    // Before the fix the script was defined on first use, after the GET had opened an
    // auto-pipeline: the call was rejected and the process died on an uncaught TypeError.
    const [value, renewed] = await Promise.all([
      redis.get(`${prefix}:lease`),
      runLoopScript(redis, 'renewLease', [`${prefix}:lease`], ['holder:1', 1000]),
    ]);
    expect(value).toBeNull();
    expect(renewed).toBe(0);
  });
});

describe('an api whose Redis is unreachable (found by redis-loss)', () => {
  it('answers 503 with Retry-After, not 500, when ioredis gives up on a command', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
      lazyConnect: false,
    });
    unreachable.on('error', () => undefined);
    const err = await unreachable.get('x').catch((e: unknown) => e);
    unreachable.disconnect();
    expect((err as Error).name).toBe('MaxRetriesPerRequestError');
    const mapped = toDomainError(err);
    expect(mapped.status).toBe(503);
    expect(mapped.code).toBe('dependency_unavailable');
    expect(mapped.retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe('a connected courier the index has lost (found by redis-loss)', () => {
  it('is put back in the index from Postgres by its next ping over the socket', async () => {
    const courier = await api.newCourier('in_house');
    await api.call('POST', '/v1/courier/online', { headers: courier.auth, body: { lat: 52.52, lng: 13.4 } });
    const socket = clients.connect(api.baseUrl, '/courier', courier.token);
    await connected(socket);
    // What a FLUSHALL or a restart of Redis does to this courier.
    await api.live.index.removeCourier('city', courier.id);
    expect(await api.live.index.getCourier('city', courier.id)).toBeNull();
    await socket.emitWithAck('location', { lat: 52.521, lng: 13.401 });
    await until(
      'courier back in the index',
      async () => (await api.live.index.getCourier('city', courier.id)) !== null,
      5000,
    );
    expect(await api.live.index.getCourier('city', courier.id)).toMatchObject({
      state: 'idle',
      kind: 'in_house',
      lat: 52.521,
    });
  });
});

describe('a socket event whose handler finds Postgres down (found by postgres-restart)', () => {
  it('is acked dependency_unavailable, like the 503 over HTTP, and not logged as a crash', async () => {
    const unexpected: unknown[] = [];
    const handler = guarded(
      JobStatusSchema,
      new RateLimiter(5, 10),
      async () => {
        throw new Error('Connection terminated unexpectedly');
      },
      (err) => unexpected.push(err),
    );
    const ack = await new Promise((resolve) =>
      handler({ order_id: '00000000-0000-4000-8000-000000000000', status: 'at_pickup' }, resolve),
    );
    expect(ack).toEqual({ ok: false, code: 'dependency_unavailable' });
    expect(unexpected).toEqual([]);
  });
});

describe('a transaction whose connection is lost between two queries (found by postgres-restart)', () => {
  it('fails with a dependency error instead of crashing the process', async () => {
    const pool = createPool(api.config.DATABASE_URL, 2);
    try {
      const failure = await withTransaction(pool, async (client) => {
        const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        // Postgres ends this backend while the transaction waits on something else.
        await api.pool.query('SELECT pg_terminate_backend($1)', [pid]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await client.query('SELECT 1');
      }).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(Error);
      expect(toDomainError(failure).code).toBe('dependency_unavailable');
      // The pool still works: the broken client was destroyed, not reused.
      expect((await pool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
    } finally {
      await pool.end();
    }
  });
});

describe('a Postgres at its connection limit (found by the security suites on a busy shared server)', () => {
  it('answers 503 with Retry-After, not 500, when Postgres refuses a connection as too many', async () => {
    // A role allowed no connections gets the same refusal (53300 too_many_connections) as a
    // server at max_connections, without filling the shared server.
    const role = `o2o_full_${randomBytes(4).toString('hex')}`;
    await api.pool.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 0`);
    const full = new URL(api.config.DATABASE_URL);
    full.username = role;
    const pool = createPool(full.toString(), 1);
    try {
      const failure = await pool.query('SELECT 1').catch((err: unknown) => err);
      expect((failure as { code?: string }).code).toBe('53300');
      const mapped = toDomainError(failure);
      expect(mapped.status).toBe(503);
      expect(mapped.code).toBe('dependency_unavailable');
      expect(mapped.retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      await pool.end();
      await api.pool.query(`DROP ROLE ${role}`);
    }
  });
});

describe('an accept whose Redis fails right after its Postgres commit (found by redis-loss)', () => {
  // The dispatcher state lives on a redis-server of this test's own, which it kills or locks out;
  // Postgres is the test api's database.
  let privateRedis: PrivateRedis;
  let liveRedis: Redis;
  let admin: Redis;
  const livePrefix = `t${randomBytes(5).toString('hex')}`;
  const live = () => apiLiveDeps(api.pool, liveRedis, livePrefix);

  beforeAll(async () => {
    privateRedis = await startPrivateRedis();
    liveRedis = createDispatcherRedis(privateRedis.url);
    liveRedis.on('error', () => undefined);
    admin = new Redis(privateRedis.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
  });
  afterAll(async () => {
    liveRedis?.disconnect();
    admin?.disconnect();
    await privateRedis?.stop();
  });

  /** A crowd courier online next to the store, in the private index. */
  async function onlineCourier(): Promise<string> {
    const courier = await api.newCourier('crowd');
    await live().index.upsertCourier('city', {
      id: courier.id,
      lat: 52.523,
      lng: 13.408,
      kind: 'crowd',
      vehicle: 'bike',
      capacity: 2,
      atMs: Date.now(),
    });
    return courier.id;
  }

  async function offeredJob(courierIds: string[]): Promise<{ orderId: string; offers: OpenedOffer[] }> {
    const store = await api.newStore();
    const created = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: orderBody(),
      headers: { 'idempotency-key': randomBytes(8).toString('hex') },
    });
    expect(created.status).toBe(201);
    await liveRedis.del(loopKeys(livePrefix, 'city').lease);
    const lease = await tryAcquireLease(liveRedis, api.pool, livePrefix, 'city', 'test', 60_000);
    if (!lease) throw new Error('no lease');
    const offers = await openJobOffer(live(), lease, {
      orderIds: [created.body.id],
      courierIds,
      payCents: 400,
      ttlSeconds: 60,
    });
    return { orderId: created.body.id, offers };
  }

  /**
   * Starts the accept with the offer's row locked, so it passes Redis and then waits in its
   * Postgres transaction; `fault` runs while it waits, and the commit follows right after.
   */
  async function acceptAcrossFault(courierId: string, offerId: string, fault: () => Promise<void>) {
    const lock = await api.pool.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM offers WHERE id = $1 FOR UPDATE', [offerId]);
      const answer = acceptOffer(live(), courierId, offerId).then(
        (job) => ({ ok: true as const, job }),
        (err: unknown) => ({ ok: false as const, err }),
      );
      await until(
        'the accept waits on the offer row',
        async () =>
          (
            await api.pool.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            )
          ).rowCount === 1,
        10_000,
      );
      await fault();
      await lock.query('COMMIT');
      return await answer;
    } finally {
      lock.release();
    }
  }

  async function assignmentsOf(orderId: string): Promise<string[]> {
    const rows = await api.pool.query<{ courier_id: string }>(
      'SELECT courier_id FROM assignments WHERE order_id = $1',
      [orderId],
    );
    return rows.rows.map((r) => r.courier_id);
  }

  it('answers the job when Redis dies after the commit, and a re-sent accept alike while it is down', async () => {
    const [winner, other] = [await onlineCourier(), await onlineCourier()];
    const { orderId, offers } = await offeredJob([winner, other]);
    const mine = offers.find((o) => o.courierId === winner)!;
    // Before the fix: the commit stood but the courier was answered with the Redis error.
    const answer = await acceptAcrossFault(winner, mine.offerId, () => privateRedis.stop());
    expect(answer.ok ? answer.job.orders.map((o) => o.id) : answer.err).toEqual([orderId]);
    expect(await assignmentsOf(orderId)).toEqual([winner]);
    // The app resends (it never heard the first answer): same job, Redis still down.
    const again = await acceptOffer(live(), winner, mine.offerId);
    expect({ job: again.jobId, orders: again.orders.map((o) => o.id) }).toEqual({
      job: mine.jobId,
      orders: [orderId],
    });
    // The other courier's offer was revoked in the same commit: Redis back (empty), it is refused.
    await privateRedis.restart();
    const theirs = offers.find((o) => o.courierId === other)!;
    await expect(acceptOffer(live(), other, theirs.offerId)).rejects.toMatchObject({ code: 'offer_closed' });
    expect(await assignmentsOf(orderId)).toEqual([winner]);
    const order = await api.pool.query('SELECT status, courier_id FROM orders WHERE id = $1', [orderId]);
    expect(order.rows[0]).toEqual({ status: 'assigned', courier_id: winner });
  });

  it('repairs the Redis side in the background once Redis answers again', async () => {
    const [winner, other] = [await onlineCourier(), await onlineCourier()];
    const { orderId, offers } = await offeredJob([winner, other]);
    const mine = offers.find((o) => o.courierId === winner)!;
    const theirs = offers.find((o) => o.courierId === other)!;
    const keys = loopKeys(livePrefix, 'city');
    // Redis keeps its data but refuses every command (what a failing or failed-over Redis answers).
    const answer = await acceptAcrossFault(winner, mine.offerId, async () => {
      await admin.call('ACL', 'SETUSER', 'default', '-@all', '+acl', '+ping', '+hello', '+auth', '+client');
    });
    expect(answer.ok ? answer.job.orders.map((o) => o.id) : answer.err).toEqual([orderId]);
    try {
      // Still stale: the revoked offer is open in Redis and its courier held as offered.
      await new Promise((r) => setTimeout(r, 300));
      await admin.call('ACL', 'SETUSER', 'default', '+@all');
      expect(await admin.hget(keys.offer(theirs.offerId), 'status')).toBe('open');
    } finally {
      await admin.call('ACL', 'SETUSER', 'default', '+@all');
    }
    await until(
      'the revoked offer is closed in Redis',
      async () => (await admin.hget(keys.offer(theirs.offerId), 'status')) === 'revoked',
      10_000,
    );
    await until(
      'both couriers have their index state from Postgres',
      async () => {
        const [w, o] = [
          await live().index.getCourier('city', winner),
          await live().index.getCourier('city', other),
        ];
        return w?.state === 'busy' && w.load === 1 && o?.state === 'idle';
      },
      10_000,
    );
    expect(await admin.sismember(keys.offered, other)).toBe(0);
    expect(await assignmentsOf(orderId)).toEqual([winner]);
  });
});
