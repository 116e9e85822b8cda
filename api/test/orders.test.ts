import { queuedOrderIds } from '@o2o/dispatcher';
import { describe, expect, it } from 'vitest';
import { idempotencyKey, orderBody, useTestApi } from './helper.js';

const api = useTestApi();

describe('POST /v1/orders', () => {
  it('creates an order with a tracking URL and the handoff PIN, and queues it for dispatch', async () => {
    const store = await api.newStore();
    const res = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: orderBody(),
      headers: { 'idempotency-key': idempotencyKey() },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'created', version: 1, courier_id: null, currency: 'EUR' });
    expect(res.body.handoff_pin).toMatch(/^[0-9]{4}$/);
    expect(res.body.tracking_url).toMatch(
      new RegExp(`^${api.config.PUBLIC_BASE_URL}/track/[A-Za-z0-9_-]{43}$`),
    );
    expect(res.body.fee_cents).toBeGreaterThan(0);
    expect(await queuedOrderIds(api.redis, api.config.REDIS_PREFIX, 'city')).toContain(res.body.id);
    const events = await api.call('GET', `/v1/orders/${res.body.id}/events`, { apiKey: store.apiKey });
    expect(events.body.data).toEqual([
      expect.objectContaining({
        seq: 1,
        type: 'order.created',
        from_status: null,
        to_status: 'created',
        actor: 'store',
      }),
    ]);
  });

  it('returns the same order for the same key and body, and 422 for the same key with another body', async () => {
    const store = await api.newStore();
    const key = idempotencyKey();
    const body = orderBody();
    const first = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body,
      headers: { 'idempotency-key': key },
    });
    const again = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const other = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: { ...body, notes: 'ring twice' },
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
  });

  it('replays the first 201 after the order moved on, rebuilt from the order row, with no copy stored', async () => {
    const store = await api.newStore();
    const key = idempotencyKey();
    const body = orderBody();
    const create = () =>
      api.call('POST', '/v1/orders', { apiKey: store.apiKey, body, headers: { 'idempotency-key': key } });
    const first = await create();
    await new Promise((r) => setTimeout(r, 5));
    const canceled = await api.call('POST', `/v1/orders/${first.body.id}/cancel`, { apiKey: store.apiKey });
    expect(canceled.body).toMatchObject({ status: 'canceled', version: 2 });
    expect(canceled.body.updated_at).not.toBe(first.body.updated_at);

    const again = await create();
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    // The order row holds the key and the body's hash, no copy of the answer.
    const stored = await api.pool.query(
      'SELECT idempotency_key, length(request_hash) AS hash_bytes FROM orders WHERE id = $1',
      [first.body.id],
    );
    expect(stored.rows).toEqual([{ idempotency_key: key, hash_bytes: 32 }]);
  });

  it('creates exactly one order from 100 concurrent identical requests', async () => {
    const store = await api.newStore();
    const key = idempotencyKey();
    const body = orderBody();
    const responses = await Promise.all(
      Array.from({ length: 100 }, () =>
        api.call('POST', '/v1/orders', { apiKey: store.apiKey, body, headers: { 'idempotency-key': key } }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const rows = await api.pool.query('SELECT id FROM orders WHERE store_id = $1', [store.id]);
    expect(rows.rowCount).toBe(1);
    const outbox = await api.pool.query('SELECT id FROM outbox WHERE store_id = $1', [store.id]);
    expect(outbox.rowCount).toBe(1);
  });

  it('refuses a second order with the same external_id under another key', async () => {
    const store = await api.newStore();
    const body = orderBody();
    await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body,
      headers: { 'idempotency-key': idempotencyKey() },
    });
    const dup = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body,
      headers: { 'idempotency-key': idempotencyKey() },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('external_id_taken');
  });

  it('uses the price of an unexpired quote and refuses an expired one', async () => {
    const store = await api.newStore();
    const body = orderBody();
    const quote = await api.call('POST', '/v1/quotes', {
      apiKey: store.apiKey,
      body: { pickup: body.pickup, dropoff: body.dropoff, vehicle: 'scooter' },
    });
    expect(quote.status).toBe(201);
    expect(quote.body).toMatchObject({ currency: 'EUR', vehicle: 'scooter', surcharge_multiplier: 1 });
    expect(Date.parse(quote.body.dropoff_eta)).toBeGreaterThan(Date.parse(quote.body.pickup_eta));
    const order = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: { ...body, quote_id: quote.body.id },
      headers: { 'idempotency-key': idempotencyKey() },
    });
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ fee_cents: quote.body.fee_cents, vehicle: 'scooter' });

    await api.pool.query(`UPDATE quotes SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      quote.body.id,
    ]);
    const late = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: { ...orderBody(), pickup: body.pickup, dropoff: body.dropoff, quote_id: quote.body.id },
      headers: { 'idempotency-key': idempotencyKey() },
    });
    expect(late.status).toBe(422);
    expect(late.body.code).toBe('quote_expired');
  });

  it("refuses another store's quote as not matching", async () => {
    const a = await api.newStore('A');
    const b = await api.newStore('B');
    const body = orderBody();
    const quote = await api.call('POST', '/v1/quotes', {
      apiKey: a.apiKey,
      body: { pickup: body.pickup, dropoff: body.dropoff },
    });
    const res = await api.call('POST', '/v1/orders', {
      apiKey: b.apiKey,
      body: { ...body, quote_id: quote.body.id },
      headers: { 'idempotency-key': idempotencyKey() },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('quote_mismatch');
  });
});

describe('reading orders', () => {
  it("shows a store its own orders and answers 404 for another store's", async () => {
    const a = await api.newStore('A');
    const b = await api.newStore('B');
    const created = await api.call('POST', '/v1/orders', {
      apiKey: a.apiKey,
      body: orderBody(),
      headers: { 'idempotency-key': idempotencyKey() },
    });
    const mine = await api.call('GET', `/v1/orders/${created.body.id}`, { apiKey: a.apiKey });
    expect(mine.status).toBe(200);
    expect(mine.body.id).toBe(created.body.id);
    expect(mine.body).not.toHaveProperty('handoff_pin');
    for (const path of [`/v1/orders/${created.body.id}`, `/v1/orders/${created.body.id}/events`]) {
      const theirs = await api.call('GET', path, { apiKey: b.apiKey });
      expect(theirs.status).toBe(404);
      expect(theirs.body.code).toBe('not_found');
    }
    const cancel = await api.call('POST', `/v1/orders/${created.body.id}/cancel`, {
      apiKey: b.apiKey,
      body: {},
    });
    expect(cancel.status).toBe(404);
    const listB = await api.call('GET', '/v1/orders', { apiKey: b.apiKey });
    expect(listB.body.data).toEqual([]);
  });

  it('pages through orders newest first with a cursor and filters by status', async () => {
    const store = await api.newStore();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api.call('POST', '/v1/orders', {
        apiKey: store.apiKey,
        body: orderBody({ external_id: `page-${i}` }),
        headers: { 'idempotency-key': idempotencyKey() },
      });
      ids.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await api.call('GET', `/v1/orders${query}`, { apiKey: store.apiKey });
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((o: { id: string }) => o.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    await api.call('POST', `/v1/orders/${ids[0]}/cancel`, {
      apiKey: store.apiKey,
      body: { reason: 'customer left' },
    });
    const canceled = await api.call('GET', '/v1/orders?status=canceled', { apiKey: store.apiKey });
    expect(canceled.body.data.map((o: { id: string }) => o.id)).toEqual([ids[0]]);
    const byExternal = await api.call('GET', '/v1/orders?external_id=page-3', { apiKey: store.apiKey });
    expect(byExternal.body.data.map((o: { id: string }) => o.id)).toEqual([ids[3]]);
  });
});

describe('POST /v1/orders/:id/cancel', () => {
  it('cancels before pickup, records the event, leaves the dispatch queue, and is idempotent', async () => {
    const store = await api.newStore();
    const created = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: orderBody(),
      headers: { 'idempotency-key': idempotencyKey() },
    });
    const res = await api.call('POST', `/v1/orders/${created.body.id}/cancel`, {
      apiKey: store.apiKey,
      body: { reason: 'out of stock' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'canceled', version: 2 });
    expect(await queuedOrderIds(api.redis, api.config.REDIS_PREFIX, 'city')).not.toContain(created.body.id);
    const again = await api.call('POST', `/v1/orders/${created.body.id}/cancel`, { apiKey: store.apiKey });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(2);
    const events = await api.call('GET', `/v1/orders/${created.body.id}/events`, { apiKey: store.apiKey });
    expect(events.body.data.map((e: { seq: number; type: string }) => [e.seq, e.type])).toEqual([
      [1, 'order.created'],
      [2, 'order.canceled'],
    ]);
    expect(events.body.data[1].data).toEqual({ reason: 'out of stock' });
  });

  it('answers 409 once the order is picked up', async () => {
    const store = await api.newStore();
    const created = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: orderBody(),
      headers: { 'idempotency-key': idempotencyKey() },
    });
    await api.pool.query(`UPDATE orders SET status = 'picked_up' WHERE id = $1`, [created.body.id]);
    const res = await api.call('POST', `/v1/orders/${created.body.id}/cancel`, {
      apiKey: store.apiKey,
      body: {},
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('order_not_cancelable');
    const row = await api.pool.query('SELECT status FROM orders WHERE id = $1', [created.body.id]);
    expect(row.rows[0].status).toBe('picked_up');
  });
});
