import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createOrderSecrets } from '../../api/src/auth/order-secrets.js';
import { createCourier, createOperator } from '../../api/src/cli/accounts.js';
import { sealWebhookSecrets, secretBoxFrom } from '../../api/src/webhooks/secret-box.js';
import { orderBody } from '../../api/test/helper.js';
import { connected, next, useSocketClients } from '../../api/test/socket-clients.js';
import { startWebhookReceiver } from '../../api/test/webhook-receiver.js';
import { type Actor, type CreatedOrder, useSecurityApi } from './support/harness.js';

// A short recovery window, so the Socket.IO stream's trimming can be watched in seconds.
const RECOVERY_WINDOW_MS = 1000;
const api = useSecurityApi({
  config: { RATE_LIMIT_PER_MINUTE: 1_000_000 },
  recoveryWindowMs: RECOVERY_WINDOW_MS,
});
const clients = useSocketClients();

/** Every row of every table as text: what a database dump would reveal. */
async function databaseText(): Promise<string> {
  const tables = await api.pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await api.pool.query<{ t: string }>(`SELECT x::text AS t FROM ${table_name} x`);
    parts.push(...rows.rows.map((r) => `${table_name}: ${r.t}`));
  }
  return parts.join('\n');
}

/** Every value under this file's Redis prefix (strings, hashes, sets, sorted sets, streams) as text. */
async function redisText(): Promise<string> {
  const keys = await api.redis.keys(`${api.config.REDIS_PREFIX}*`);
  const parts: string[] = [];
  for (const key of keys) {
    const type = await api.redis.type(key);
    if (type === 'string') parts.push(`${key} ${await api.redis.get(key)}`);
    else if (type === 'hash') parts.push(`${key} ${JSON.stringify(await api.redis.hgetall(key))}`);
    else if (type === 'set') parts.push(`${key} ${(await api.redis.smembers(key)).join(',')}`);
    else if (type === 'zset') parts.push(`${key} ${(await api.redis.zrange(key, 0, -1)).join(',')}`);
    else if (type === 'list') parts.push(`${key} ${(await api.redis.lrange(key, 0, -1)).join(',')}`);
    else if (type === 'stream') {
      const entries = (await api.redis.xrange(key, '-', '+')) as [string, string[]][];
      parts.push(
        `${key} ${entries.map(([, fields]) => Buffer.from(fields.join(' '), 'binary').toString('latin1')).join('\n')}`,
      );
    }
  }
  return parts.join('\n');
}

async function deliver(order: CreatedOrder, courier: Actor) {
  for (const status of ['at_pickup', 'picked_up', 'at_dropoff', 'delivered']) {
    const res = await api.call('POST', `/v1/courier/jobs/${order.id}/status`, {
      headers: courier.auth,
      body: { status, ...(status === 'delivered' ? { pin: order.pin } : {}) },
    });
    expect(res.status).toBe(200);
  }
}

describe("the courier's position", () => {
  it('reaches the customer only between assignment and delivery, on the page and on the socket', async () => {
    const store = await api.store();
    const order = await api.order(store);
    const courier = await api.courier();
    // Online right next to the store, but not yet the order's courier: the customer sees no one.
    await api.goOnline(courier, { lat: 52.5201, lng: 13.4051 });
    const viewer = clients.connect(api.baseUrl, '/track', order.token);
    const firstStatus = next<{ courier: unknown; status: string }>(viewer, 'status');
    await connected(viewer);
    expect(await firstStatus).toMatchObject({ status: 'created', courier: null });
    expect((await api.call('GET', `/v1/track/${order.token}`)).body).toMatchObject({
      courier: null,
      eta_ms: null,
    });

    const shownNext = next<{ courier: { lat: number } | null; status: string }>(
      viewer,
      'status',
      (u) => u.courier !== null,
    );
    await api.assign(order.id, courier);
    const shown = await shownNext;
    expect(shown.status).toBe('assigned');
    expect((await api.call('GET', `/v1/track/${order.token}`)).body.courier).toEqual({
      lat: 52.52,
      lng: 13.405,
    });

    const delivered = next(viewer, 'status', (u: { status: string }) => u.status === 'delivered');
    await deliver(order, courier);
    await delivered;
    // The courier keeps riding and pinging: the customer of a delivered order sees none of it.
    const seen: unknown[] = [];
    viewer.on('status', (u: { courier: unknown }) => seen.push(u.courier));
    await api.call('POST', '/v1/courier/positions', {
      headers: courier.auth,
      body: { positions: [{ lat: 52.53, lng: 13.42 }] },
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(seen.every((c) => c === null)).toBe(true);
    expect((await api.call('GET', `/v1/track/${order.token}`)).body).toMatchObject({
      status: 'delivered',
      courier: null,
    });
  });

  it('is never written to Postgres, and leaves Redis when the courier falls silent', async () => {
    const store = await api.store();
    const order = await api.order(store);
    const courier = await api.courier();
    // A distinctive position, to look for everywhere afterwards.
    const where = { lat: 52.5123457, lng: 13.3987653 };
    await api.goOnline(courier, where);
    await api.assign(order.id, courier);
    const ops = clients.connect(api.baseUrl, '/ops', (await api.operator(['city'])).token);
    await connected(ops);
    const rider = clients.connect(api.baseUrl, '/courier', courier.token);
    await connected(rider);
    expect(await rider.timeout(2000).emitWithAck('location', where)).toEqual({ ok: true });
    await next(ops, 'positions', (b: { couriers: { id: string }[] }) =>
      b.couriers.some((c) => c.id === courier.id),
    );

    expect(await databaseText()).not.toContain('52.5123457');
    expect(await databaseText()).not.toContain('13.3987653');
    expect((await api.live.index.getCourier('city', courier.id))?.lat).toBe(where.lat);

    // The dispatcher's housekeeping evicts couriers silent for COURIER_SILENCE_MS (every 5 s):
    // the same call, with a short silence, leaves no trace of the position in the index.
    await new Promise((r) => setTimeout(r, 300));
    const evicted = await api.live.index.evictSilent('city', 200);
    expect(evicted).toContain(courier.id);
    expect(await api.live.index.getCourier('city', courier.id)).toBeNull();
    // The broadcasts that carried it (ops deltas, tracking updates) sit in the Socket.IO adapter's
    // stream only for the recovery window (+ a quarter of it, the trim interval).
    await new Promise((r) => setTimeout(r, RECOVERY_WINDOW_MS * 1.25 + 300));
    expect(await redisText()).not.toContain('52.5123457');
  });
});

describe('tracking tokens', () => {
  it('are 256 bits bound to one order by the server secret: guesses and edits all read as not found', async () => {
    const store = await api.store();
    const [a, b] = [await api.order(store), await api.order(store)];
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect(a.token).not.toBe(b.token);
    // Another deployment's secret makes other tokens: they open nothing here.
    const foreign = createOrderSecrets('some-other-deployment-secret-123').trackingToken(a.id);
    const guesses = [
      foreign,
      ...Array.from({ length: 100 }, () => randomBytes(32).toString('base64url')),
      // a's order id with b's MAC, and every single-character edit of a's token
      Buffer.concat([
        Buffer.from(a.token, 'base64url').subarray(0, 16),
        Buffer.from(b.token, 'base64url').subarray(16),
      ]).toString('base64url'),
      ...[...a.token].map((ch, i) => a.token.slice(0, i) + (ch === 'A' ? 'B' : 'A') + a.token.slice(i + 1)),
    ];
    const statuses = new Set<number>();
    for (const token of guesses) statuses.add((await api.call('GET', `/v1/track/${token}`)).status);
    expect([...statuses]).toEqual([404]);
    expect((await api.call('GET', `/v1/track/${a.token}`)).status).toBe(200);
  });

  it('stop working TRACKING_LINK_TTL_MS after the order ends', async () => {
    const store = await api.store();
    const order = await api.order(store);
    expect(
      (await api.call('POST', `/v1/orders/${order.id}/cancel`, { headers: store.auth, body: {} })).status,
    ).toBe(200);
    expect((await api.call('GET', `/v1/track/${order.token}`)).status).toBe(200);
    // Two hours and a minute later (the clock is the database's: the order's last change).
    await api.pool.query(
      `UPDATE orders SET updated_at = now() - ($2::bigint * interval '1 millisecond') WHERE id = $1`,
      [order.id, api.config.TRACKING_LINK_TTL_MS + 60_000],
    );
    const expired = await api.call('GET', `/v1/track/${order.token}`);
    expect(expired.status).toBe(404);
    expect(expired.body.detail).toMatch(/expired/);
    const viewer = clients.connect(api.baseUrl, '/track', order.token);
    expect(await new Promise((r) => viewer.once('connect_error', (e) => r(e.message)))).toBe('link_expired');
  });
});

describe('secrets at rest', () => {
  it('keeps API keys as SHA-256, passwords as scrypt, PINs and tracking tokens not at all', async () => {
    const store = await api.store();
    const email = `rest-${randomBytes(4).toString('hex')}@example.com`;
    const password = 'a-courier-password-9137';
    const courier = await createCourier(api.pool, {
      name: 'R',
      email,
      password,
      kind: 'crowd',
      vehicle: 'bike',
      region: 'city',
    });
    await createOperator(api.pool, {
      name: 'O',
      email: `o-${email}`,
      password: `${password}-op`,
      regions: ['city'],
    });
    const order = await api.order(store);
    const dump = await databaseText();

    expect(dump).not.toContain(store.apiKey);
    const secretPart = store.apiKey.slice(-32);
    expect(dump.split('\n').filter((l) => l.includes(secretPart))).toEqual([]);
    const key = await api.pool.query<{ key_hash: Buffer }>(
      'SELECT key_hash FROM api_keys WHERE store_id = $1',
      [store.id],
    );
    expect(key.rows[0]!.key_hash.equals(createHash('sha256').update(store.apiKey).digest())).toBe(true);

    expect(dump).not.toContain(password);
    const hash = await api.pool.query<{ password_hash: string }>(
      'SELECT password_hash FROM couriers WHERE id = $1',
      [courier.id],
    );
    expect(hash.rows[0]!.password_hash).toMatch(/^scrypt\$[^$]+\$[^$]+$/);

    expect(dump).not.toContain(order.token);
    // A replay of the creation still answers the same link and PIN: both are derived again.
    const idem = `idem-${randomBytes(6).toString('hex')}`;
    const body = orderBody();
    const first = await api.call('POST', '/v1/orders', {
      headers: { ...store.auth, 'idempotency-key': idem },
      body,
    });
    const replay = await api.call('POST', '/v1/orders', {
      headers: { ...store.auth, 'idempotency-key': idem },
      body,
    });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(await databaseText()).not.toContain(first.body.tracking_url.split('/track/')[1]);
    const columns = await api.pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name ~ '(pin|token)'`,
    );
    expect(columns.rows.map((c) => c.column_name)).toEqual(['wrong_pin_count']);
  });

  it('keeps the webhook signing secret sealed at rest, shows it only once and never in reads', async () => {
    const store = await api.store();
    let secret = '';
    const receiver = await startWebhookReceiver(() => secret);
    try {
      const set = await api.call('PUT', '/v1/webhook', { headers: store.auth, body: { url: receiver.url } });
      expect(set.body.secret).toEqual(expect.any(String));
      secret = set.body.secret;
      expect(
        (await api.call('PUT', '/v1/webhook', { headers: store.auth, body: { url: receiver.url } })).body
          .secret,
      ).toBeUndefined();
      expect((await api.call('GET', '/v1/webhook', { headers: store.auth })).body).not.toHaveProperty(
        'secret',
      );
      // No table holds it: the row has it sealed under SECRETS_KEY's first key.
      const dump = await databaseText();
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.replace(/^whsec_/, ''));
      const row = await api.pool.query<{ webhook_secret: string | null; webhook_secret_sealed: string }>(
        'SELECT webhook_secret, webhook_secret_sealed FROM stores WHERE id = $1',
        [store.id],
      );
      expect(row.rows[0]!.webhook_secret).toBeNull();
      expect(row.rows[0]!.webhook_secret_sealed).toMatch(/^v1\.dev\.[\w-]+\.[\w-]+$/);
      // The api still signs with it: the receiver checks the signature with the secret it was shown.
      const ping = await api.call('POST', '/v1/webhook/test', { headers: store.auth });
      expect(ping.body).toMatchObject({ delivered: true, status_code: 200 });
      expect(receiver.processed.map((e) => e.signatureValid)).toEqual([true]);
      // Rotated: the new one is sealed too, and signs.
      const rotated = await api.call('POST', '/v1/webhook/rotate-secret', { headers: store.auth });
      secret = rotated.body.secret;
      expect(await databaseText()).not.toContain(secret);
      expect((await api.call('POST', '/v1/webhook/test', { headers: store.auth })).body.delivered).toBe(true);
      expect(receiver.processed.map((e) => e.signatureValid)).toEqual([true, true]);
    } finally {
      await receiver.close();
    }
  });

  it('seals the plain secrets written before migration 006, and re-seals after a key rotation', async () => {
    const box = secretBoxFrom(api.config.SECRETS_KEY);
    const legacy = await api.store();
    const plain = `whsec_${randomBytes(24).toString('base64url')}`;
    await api.pool.query(
      `UPDATE stores SET webhook_url = 'https://example.com/h', webhook_secret = $2 WHERE id = $1`,
      [legacy.id, plain],
    );
    // Until sealed, it still works (deliveries read either column).
    expect(await sealWebhookSecrets(api.pool, box)).toBeGreaterThanOrEqual(1);
    expect(await databaseText()).not.toContain(plain);
    const sealed = await api.pool.query<{ webhook_secret: string | null; webhook_secret_sealed: string }>(
      'SELECT webhook_secret, webhook_secret_sealed FROM stores WHERE id = $1',
      [legacy.id],
    );
    expect(sealed.rows[0]!.webhook_secret).toBeNull();
    expect(box.open(sealed.rows[0]!.webhook_secret_sealed, legacy.id)).toBe(plain);
    // Bound to its store: copied into another store's row, it does not open.
    const other = await api.store();
    expect(() => box.open(sealed.rows[0]!.webhook_secret_sealed, other.id)).toThrow();
    // A second run has nothing to do.
    expect(await sealWebhookSecrets(api.pool, box)).toBe(0);
    // Rotation: a new first key seals, the old one still opens; the data step re-seals old rows.
    const k2 = `k2:${randomBytes(32).toString('base64')}`;
    const rotatedBox = secretBoxFrom(`${k2},${api.config.SECRETS_KEY}`);
    expect(rotatedBox.open(sealed.rows[0]!.webhook_secret_sealed, legacy.id)).toBe(plain);
    await sealWebhookSecrets(api.pool, rotatedBox);
    const resealed = await api.pool.query<{ webhook_secret_sealed: string }>(
      'SELECT webhook_secret_sealed FROM stores WHERE id = $1',
      [legacy.id],
    );
    expect(resealed.rows[0]!.webhook_secret_sealed).toMatch(/^v1\.k2\./);
    expect(rotatedBox.open(resealed.rows[0]!.webhook_secret_sealed, legacy.id)).toBe(plain);
    // Back under the key this file's api has (it opens the rows k2 sealed, then re-seals them).
    await sealWebhookSecrets(api.pool, secretBoxFrom(`${api.config.SECRETS_KEY},${k2}`));
    expect(await sealWebhookSecrets(api.pool, box)).toBe(0);
    expect(() => secretBoxFrom('dev:short')).toThrow(/SECRETS_KEY/);
  });
});
