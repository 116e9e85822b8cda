import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { createOperator } from '../../api/src/cli/accounts.js';
import { SocketCap } from '../../api/src/gateway/socket-cap.js';
import { orderBody, useTestApi } from '../../api/test/helper.js';
import { connected, useSocketClients } from '../../api/test/socket-clients.js';
import { until } from '../chaos/support/ports.js';

// Small caps, set through the config as a deployment would (the defaults are 10 and 20).
const PER_ACCOUNT = 3;
const PER_LINK = 4;
const api = useTestApi({ MAX_SOCKETS_PER_ACCOUNT: PER_ACCOUNT, MAX_SOCKETS_PER_TRACKING_LINK: PER_LINK });
const clients = useSocketClients();

/** The refusal of a connection: its message and data (`connect_error`). */
function refusal(socket: Socket): Promise<{ message: string; data: unknown }> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected')));
    socket.once('connect_error', (err: Error & { data?: unknown }) =>
      resolve({ message: err.message, data: err.data }),
    );
  });
}

async function openAll(namespace: string, token: string, n: number): Promise<Socket[]> {
  const sockets = Array.from({ length: n }, () => clients.connect(api.baseUrl, namespace, token));
  await Promise.all(sockets.map(connected));
  return sockets;
}

/** Caps `namespace` per owner: `max` sockets connect, the next is refused, a freed slot is reused. */
async function expectCapped(namespace: string, token: string, max: number, other: string) {
  const sockets = await openAll(namespace, token, max);
  expect(await refusal(clients.connect(api.baseUrl, namespace, token))).toEqual({
    message: 'too_many_sockets',
    data: { code: 'too_many_sockets', max },
  });
  // Another owner is not affected.
  await connected(clients.connect(api.baseUrl, namespace, other));
  // A socket that closes frees its slot (once the server has seen it go).
  sockets[0]!.disconnect();
  await until(
    'a freed slot is taken',
    async () => {
      const s = clients.connect(api.baseUrl, namespace, token);
      try {
        await connected(s);
        return true;
      } catch {
        s.disconnect();
        return false;
      }
    },
    5000,
  );
  // And the owner is at the cap again.
  expect((await refusal(clients.connect(api.baseUrl, namespace, token))).message).toBe('too_many_sockets');
}

describe('sockets per account and per tracking link', () => {
  it(`lets one courier hold ${PER_ACCOUNT} sockets and refuses the next with too_many_sockets`, async () => {
    const [a, b] = [await api.newCourier('crowd'), await api.newCourier('crowd')];
    await expectCapped('/courier', a.token, PER_ACCOUNT, b.token);
  });

  it(`lets one operator hold ${PER_ACCOUNT} sockets`, async () => {
    const tokens: string[] = [];
    for (const name of ['a', 'b']) {
      const email = `ops-${name}-${randomBytes(4).toString('hex')}@example.com`;
      await createOperator(api.pool, { name, email, password: 'pw', regions: ['city'] });
      const login = await api.call('POST', '/v1/auth/operator/login', { body: { email, password: 'pw' } });
      tokens.push(login.body.token);
    }
    await expectCapped('/ops', tokens[0]!, PER_ACCOUNT, tokens[1]!);
  });

  it(`lets ${PER_LINK} viewers watch one tracking link at once`, async () => {
    const store = await api.newStore();
    const links: string[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await api.call('POST', '/v1/orders', {
        apiKey: store.apiKey,
        body: orderBody(),
        headers: { 'idempotency-key': randomBytes(8).toString('hex') },
      });
      links.push((created.body.tracking_url as string).split('/track/')[1]!);
    }
    await expectCapped('/track', links[0]!, PER_LINK, links[1]!);
  });

  it('counts sockets over every api process, and a dead process’s claims lapse', async () => {
    // Two caps on one Redis stand for two api processes; the second one "dies" (stops renewing).
    const owner = `c-${randomBytes(4).toString('hex')}`;
    const first = new SocketCap(api.redis, api.config.REDIS_PREFIX, { claimTtlMs: 600 });
    const second = new SocketCap(api.redis, api.config.REDIS_PREFIX, { claimTtlMs: 600 });
    try {
      expect(await first.claim('courier', owner, 's1', 2)).toBe(true);
      expect(await second.claim('courier', owner, 's2', 2)).toBe(true);
      expect(await first.claim('courier', owner, 's3', 2)).toBe(false);
      // A socket claiming again (a recovered connection) keeps its slot.
      expect(await first.claim('courier', owner, 's1', 2)).toBe(true);
      await second.close().catch(() => undefined);
      expect(await first.claim('courier', owner, 's3', 2)).toBe(true);
      expect(await second.claim('courier', owner, 's4', 2)).toBe(false);
    } finally {
      await first.close();
      await second.close();
    }
    // Claims of a process that stopped renewing (killed) lapse after their lifetime.
    const dead = new SocketCap(api.redis, api.config.REDIS_PREFIX, { claimTtlMs: 300 });
    const alive = new SocketCap(api.redis, api.config.REDIS_PREFIX, { claimTtlMs: 300 });
    try {
      expect(await dead.claim('courier', owner, 'd1', 1)).toBe(true);
      // What a SIGKILL does: no more renewals, no releases.
      clearInterval((dead as unknown as { timer: NodeJS.Timeout }).timer);
      expect(await alive.claim('courier', owner, 'a1', 1)).toBe(false);
      await new Promise((r) => setTimeout(r, 400));
      expect(await alive.claim('courier', owner, 'a1', 1)).toBe(true);
      // A live process renews: its claim outlives the lifetime.
      await new Promise((r) => setTimeout(r, 500));
      expect(await dead.claim('courier', owner, 'd2', 1)).toBe(false);
    } finally {
      await alive.close();
    }
  });
});
