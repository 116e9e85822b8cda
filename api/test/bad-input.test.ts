import { describe, expect, it } from 'vitest';
import { idempotencyKey, orderBody, useTestApi } from './helper.js';

const api = useTestApi({ BODY_LIMIT_BYTES: 4096 });

/** Every refused request must answer 4xx problem+json with a stable code and write nothing. */
async function expectRefused(
  request: Parameters<typeof api.call>,
  status: number,
  code: string,
): Promise<{ errors?: { field: string; message: string }[] }> {
  const before = await api.rowCounts();
  const res = await api.call(...request);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    status,
    code,
    type: expect.stringContaining(code),
    title: expect.any(String),
  });
  expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
  expect(await api.rowCounts()).toEqual(before);
  return res.body;
}

describe('bad input on POST /v1/orders', () => {
  const post = (
    apiKey: string,
    body: unknown,
    headers: Record<string, string> = { 'idempotency-key': idempotencyKey() },
  ) => ['POST', '/v1/orders', { apiKey, body, headers }] as Parameters<typeof api.call>;

  it('lists each missing field', async () => {
    const { apiKey } = await api.newStore();
    const body = await expectRefused(post(apiKey, { external_id: 'x' }), 400, 'validation_failed');
    expect(body.errors?.map((e) => e.field).sort()).toEqual([
      '/body/customer',
      '/body/dropoff',
      '/body/pickup',
    ]);
    expect(body.errors?.[0]?.message).toBe('is required');
  });

  it('refuses wrong types without coercing them', async () => {
    const { apiKey } = await api.newStore();
    const body = await expectRefused(
      post(apiKey, orderBody({ pickup: { lat: '52.5', lng: 13.4 } })),
      400,
      'validation_failed',
    );
    expect(body.errors).toContainEqual({ field: '/body/pickup/lat', message: 'must be number' });
  });

  it('refuses out-of-range coordinates', async () => {
    const { apiKey } = await api.newStore();
    const body = await expectRefused(
      post(apiKey, orderBody({ dropoff: { lat: 91, lng: -181 } })),
      400,
      'validation_failed',
    );
    expect(body.errors?.map((e) => e.field)).toEqual(['/body/dropoff/lat', '/body/dropoff/lng']);
  });

  it('refuses unknown fields instead of dropping them', async () => {
    const { apiKey } = await api.newStore();
    const body = await expectRefused(post(apiKey, orderBody({ tip: 5 })), 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: '/body/tip', message: 'is not an allowed field' }]);
  });

  it('refuses a missing Idempotency-Key', async () => {
    const { apiKey } = await api.newStore();
    const body = await expectRefused(post(apiKey, orderBody(), {}), 400, 'validation_failed');
    expect(body.errors?.[0]?.field).toBe('/headers/idempotency-key');
  });

  it('refuses a body over the size limit with 413', async () => {
    const { apiKey } = await api.newStore();
    await expectRefused(post(apiKey, orderBody({ notes: 'x'.repeat(5000) })), 413, 'payload_too_large');
  });

  it('refuses malformed JSON and a non-JSON content type', async () => {
    const { apiKey } = await api.newStore();
    const headers = { 'idempotency-key': idempotencyKey() };
    await expectRefused(
      ['POST', '/v1/orders', { apiKey, rawBody: '{"external_id": ', headers }],
      400,
      'invalid_json',
    );
    await expectRefused(
      [
        'POST',
        '/v1/orders',
        { apiKey, rawBody: 'external_id=1', headers: { ...headers, 'content-type': 'text/plain' } },
      ],
      415,
      'unsupported_media_type',
    );
  });

  it('refuses a wrong, malformed or missing API key with 401', async () => {
    const valid = orderBody();
    await expectRefused(
      post('o2o_sk_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', valid),
      401,
      'unauthorized',
    );
    await expectRefused(post('not-a-key', valid), 401, 'unauthorized');
    await expectRefused(
      ['POST', '/v1/orders', { body: valid, headers: { 'idempotency-key': 'k' } }],
      401,
      'unauthorized',
    );
    const { apiKey } = await api.newStore();
    // One character of the secret changed (never to itself: a key ending in A stays valid with A).
    const last = apiKey.at(-1) === 'A' ? 'B' : 'A';
    await expectRefused(post(`${apiKey.slice(0, -1)}${last}`, valid), 401, 'unauthorized');
  });

  it('refuses a bad quote_id format, a bad cursor and a bad order id', async () => {
    const { apiKey } = await api.newStore();
    await expectRefused(post(apiKey, orderBody({ quote_id: 'nope' })), 400, 'validation_failed');
    await expectRefused(['GET', '/v1/orders?cursor=garbage', { apiKey }], 400, 'validation_failed');
    await expectRefused(['GET', '/v1/orders?limit=1000', { apiKey }], 400, 'validation_failed');
    await expectRefused(['GET', '/v1/orders/not-a-uuid', { apiKey }], 400, 'validation_failed');
    await expectRefused(
      ['GET', '/v1/orders/00000000-0000-4000-8000-000000000000', { apiKey }],
      404,
      'not_found',
    );
  });

  it('answers unknown routes with a 404 problem', async () => {
    await expectRefused(['GET', '/v1/nothing-here', {}], 404, 'route_not_found');
  });
});

describe('bad input elsewhere', () => {
  it('refuses a webhook URL that is not http(s) and an unknown event type', async () => {
    const { apiKey } = await api.newStore();
    await expectRefused(
      ['PUT', '/v1/webhook', { apiKey, body: { url: 'ftp://x.test/hook' } }],
      400,
      'validation_failed',
    );
    await expectRefused(
      ['PUT', '/v1/webhook', { apiKey, body: { url: 'https://x.test/hook', events: ['order.eaten'] } }],
      400,
      'validation_failed',
    );
  });

  it('refuses a login with a malformed email and a wrong password alike, without saying which', async () => {
    await expectRefused(
      ['POST', '/v1/auth/courier/login', { body: { email: 'nope', password: 'x' } }],
      400,
      'validation_failed',
    );
    await expectRefused(
      ['POST', '/v1/auth/operator/login', { body: { email: 'who@example.com', password: 'x' } }],
      401,
      'unauthorized',
    );
  });
});
