import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverOutboxRow } from '../../api/src/webhooks/outbox-worker.js';
import { PUBLIC_ONLY, refusedAddress, webhookUrlPolicyFrom } from '../../api/src/webhooks/url-policy.js';
import { orderBody, useTestApi } from '../../api/test/helper.js';

// The production policy: webhooks to public addresses only (the test helper opens loopback for
// the other suites' receivers; this file closes it again).
const api = useTestApi({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '' });

let receiver: Server;
let receiverPort = 0;
let received = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    received += 1;
    req.resume();
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverPort = (receiver.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => receiver.close(r));
});

async function storeWebhookUrl(storeId: string): Promise<string | null> {
  const row = await api.pool.query<{ webhook_url: string | null }>(
    'SELECT webhook_url FROM stores WHERE id = $1',
    [storeId],
  );
  return row.rows[0]!.webhook_url;
}

describe('setting a webhook URL', () => {
  const refused = [
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://2130706433/hook',
    'http://0x7f.0.0.1/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[64:ff9b::a00:1]/hook',
    'http://10.1.2.3/hook',
    'http://172.20.0.1/hook',
    'http://192.168.1.10/hook',
    'http://100.64.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://[fe80::1]/hook',
    'http://[fc00::1]/hook',
    'http://0.0.0.0:3000/hook',
    'http://[::]/hook',
    'http://224.0.0.1/hook',
    'https://user:secret@93.184.215.14/hook',
    'https://:secret@93.184.215.14/hook',
  ];
  it.each(refused)('refuses %s with 422 and the field, writing nothing', async (url) => {
    const store = await api.newStore();
    const answer = await api.call('PUT', '/v1/webhook', { apiKey: store.apiKey, body: { url } });
    expect(answer.status).toBe(422);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ code: 'webhook_url_not_allowed', status: 422 });
    expect(answer.body.errors).toEqual([{ field: '/body/url', message: expect.any(String) }]);
    expect(await storeWebhookUrl(store.id)).toBeNull();
    const secret = await api.pool.query('SELECT webhook_secret FROM stores WHERE id = $1', [store.id]);
    expect(secret.rows[0]).toEqual({ webhook_secret: null });
  });

  it('refuses a scheme other than http(s) at validation (400, the field)', async () => {
    const store = await api.newStore();
    for (const url of ['ftp://93.184.215.14/hook', 'file:///etc/passwd', 'gopher://93.184.215.14/']) {
      const answer = await api.call('PUT', '/v1/webhook', { apiKey: store.apiKey, body: { url } });
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].field).toBe('/body/url');
    }
    expect(await storeWebhookUrl(store.id)).toBeNull();
  });

  it('accepts a public address, and a name that does not resolve yet (checked at delivery)', async () => {
    const store = await api.newStore();
    for (const url of [
      'https://93.184.215.14/hook',
      `https://hooks-${randomBytes(4).toString('hex')}.invalid/h`,
    ]) {
      const answer = await api.call('PUT', '/v1/webhook', { apiKey: store.apiKey, body: { url } });
      expect(answer.status).toBe(200);
      expect(await storeWebhookUrl(store.id)).toBe(url);
    }
  });
});

describe('delivering to a URL the policy refuses (set before the policy, or its DNS changed)', () => {
  async function storeWithUrl(url: string) {
    const store = await api.newStore();
    await api.pool.query(`UPDATE stores SET webhook_url = $2, webhook_secret = 'whsec_test' WHERE id = $1`, [
      store.id,
      url,
    ]);
    return store;
  }

  it('sends nothing from /v1/webhook/test, by address or by a name that resolves to loopback', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const store = await storeWithUrl(`http://${host}:${receiverPort}/hook`);
      const before = received;
      const answer = await api.call('POST', '/v1/webhook/test', { apiKey: store.apiKey });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ delivered: false, status_code: null });
      expect(answer.body.error).toMatch(/not allowed/);
      expect(received).toBe(before);
    }
  });

  it('keeps the outbox row pending with the reason, and sends nothing', async () => {
    const store = await storeWithUrl(`http://localhost:${receiverPort}/hook`);
    const order = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: orderBody(),
      headers: { 'idempotency-key': randomBytes(8).toString('hex') },
    });
    expect(order.status).toBe(201);
    const rows = await api.pool.query<{ id: string }>('SELECT id FROM outbox WHERE order_id = $1', [
      order.body.id,
    ]);
    expect(rows.rows.length).toBeGreaterThan(0);
    const before = received;
    for (const { id } of rows.rows) {
      await expect(
        deliverOutboxRow(api.pool, id, { retryForMs: 60_000, timeoutMs: 1000, urlPolicy: PUBLIC_ONLY }),
      ).rejects.toThrow(/not allowed/);
    }
    expect(received).toBe(before);
    const after = await api.pool.query<{ status: string; last_error: string }>(
      'SELECT status, last_error FROM outbox WHERE order_id = $1',
      [order.body.id],
    );
    for (const row of after.rows) {
      expect(row.status).toBe('pending');
      expect(row.last_error).toMatch(/localhost resolves to 127\.0\.0\.1 is a loopback/);
    }
    // The same row goes out once the deployment allows this network (a local setup).
    const local = webhookUrlPolicyFrom('127.0.0.0/8,::1/128');
    for (const { id } of rows.rows) {
      expect(
        await deliverOutboxRow(api.pool, id, { retryForMs: 60_000, timeoutMs: 1000, urlPolicy: local }),
      ).toBe('delivered');
    }
    expect(received).toBe(before + rows.rows.length);
  });
});

describe('WEBHOOK_ALLOW_PRIVATE_NETWORKS', () => {
  it('opens private networks with true but never metadata or unspecified addresses', () => {
    const all = webhookUrlPolicyFrom('true');
    expect(refusedAddress('10.0.0.1', all)).toBeNull();
    expect(refusedAddress('127.0.0.1', all)).toBeNull();
    expect(refusedAddress('::1', all)).toBeNull();
    expect(refusedAddress('169.254.169.254', all)).toMatch(/metadata/);
    expect(refusedAddress('0.0.0.0', all)).toMatch(/unspecified/);
    expect(refusedAddress('93.184.215.14', all)).toBeNull();
  });

  it('opens exactly the CIDR networks listed', () => {
    const listed = webhookUrlPolicyFrom('127.0.0.0/8, 10.8.0.0/16,169.254.169.254/32');
    expect(refusedAddress('127.0.0.2', listed)).toBeNull();
    expect(refusedAddress('10.8.3.4', listed)).toBeNull();
    expect(refusedAddress('10.9.0.1', listed)).toMatch(/private/);
    expect(refusedAddress('169.254.169.254', listed)).toBeNull();
    expect(refusedAddress('::1', listed)).toMatch(/loopback/);
    expect(refusedAddress('0.0.0.0', webhookUrlPolicyFrom('0.0.0.0/0'))).toMatch(/unspecified/);
  });

  it('refuses everything non-public by default and fails at start on a bad value', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '::ffff:10.0.0.1', '169.254.169.254', 'fe80::1'])
      expect(refusedAddress(a, PUBLIC_ONLY)).not.toBeNull();
    for (const a of ['93.184.215.14', '2606:2800:220:1:248:1893:25c8:1946'])
      expect(refusedAddress(a, PUBLIC_ONLY)).toBeNull();
    expect(() => webhookUrlPolicyFrom('10.0.0.0/33')).toThrow(/CIDR/);
    expect(() => webhookUrlPolicyFrom('yes')).toThrow(/CIDR/);
  });
});
