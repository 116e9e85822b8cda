import { randomBytes } from 'node:crypto';
import { createDispatcherRedis, createPool, withTransaction } from '@o2o/dispatcher';
import { JobStatusSchema } from '@o2o/domain';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { guarded, RateLimiter } from '../../api/src/gateway/guard.js';
import { toDomainError } from '../../api/src/http/problem.js';
import { useTestApi } from '../../api/test/helper.js';
import { connected, useSocketClients } from '../../api/test/socket-clients.js';
import { runLoopScript } from '../../dispatcher/src/lua/scripts.js';
import { testRedisUrl } from '../support/env.js';
import { until } from './support/ports.js';

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
