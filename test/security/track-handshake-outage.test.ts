import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPool } from '@o2o/dispatcher';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrderSecrets } from '../../api/src/auth/order-secrets.js';
import { attachGateway } from '../../api/src/gateway/gateway.js';
import { apiLiveDeps } from '../../api/src/live-deps.js';
import { testRedisUrl } from '../support/env.js';

/**
 * A customer opening the tracking page while Postgres is unreachable: the `/track` handshake looks
 * the order up, and a failing lookup must refuse that one connection, not reject a promise no one
 * handles (which ends a Node process). The gateway here runs on a pool to a port where nothing listens.
 */
describe('/track handshake while Postgres is unreachable', () => {
  const prefix = `t${Math.random().toString(16).slice(2, 10)}`;
  const pool = createPool('postgres://postgres@127.0.0.1:1/none', 1);
  const redis = new Redis(testRedisUrl());
  const subscriber = new Redis(testRedisUrl());
  const server = createServer();
  const secrets = createOrderSecrets('track-outage-test-secret-0123');
  let gateway: Awaited<ReturnType<typeof attachGateway>> | undefined;

  afterAll(async () => {
    await gateway?.close();
    server.close();
    subscriber.disconnect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await pool.end();
  });

  it('refuses the connection as unavailable and keeps serving', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const errors: unknown[] = [];
    gateway = await attachGateway(server, {
      live: apiLiveDeps(pool, redis, prefix),
      secrets,
      subscriber,
      verifyToken: () => {
        throw new Error('no tokens here');
      },
      log: { error: (o) => errors.push(o), warn: () => undefined },
      linkTtlAfterEndMs: 60_000,
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const token = secrets.trackingToken('6f1c2a9e-0b7d-4c1e-9a5b-3d2f1e0c9b8a');
    for (let i = 0; i < 3; i++) {
      const viewer = io(`${url}/track`, {
        auth: { token },
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
      });
      const refusal = await new Promise<string>((resolve) => {
        viewer.once('connect', () => resolve('connected'));
        viewer.once('connect_error', (err) => resolve(err.message));
      });
      viewer.disconnect();
      expect(refusal).toBe('unavailable');
    }
  });
});
