import { randomBytes, randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../../test/support/env.js';
import { migrate } from '../src/db/migrate.js';

const MIGRATIONS = fileURLToPath(new URL('../src/db/migrations', import.meta.url));
const name = `o2o_test_mig_${randomBytes(5).toString('hex')}`;
const admin = new pg.Client({ connectionString: testDatabaseUrl('postgres') });
const client = new pg.Client({ connectionString: testDatabaseUrl(name) });
let before008 = '';

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await client.connect();
  before008 = await mkdtemp(path.join(tmpdir(), 'o2o-migrations-'));
  for (const file of await readdir(MIGRATIONS)) {
    if (file.endsWith('.sql') && file < '008')
      await copyFile(path.join(MIGRATIONS, file), path.join(before008, file));
  }
});

afterAll(async () => {
  await client.end();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await rm(before008, { recursive: true, force: true });
});

describe('migration 008: the idempotency key moves onto its order', () => {
  it('keeps the key and body hash of every order created before it, and drops the key table', async () => {
    await migrate(client, before008);
    const storeId = randomUUID();
    await client.query(`INSERT INTO regions (id, name) VALUES ('city', 'City') ON CONFLICT DO NOTHING`);
    await client.query(`INSERT INTO stores (id, name, region_id) VALUES ($1, 'Old store', 'city')`, [
      storeId,
    ]);
    const orders = [randomUUID(), randomUUID()];
    for (const [i, id] of orders.entries()) {
      await client.query(
        `INSERT INTO orders (id, store_id, region_id, external_id, status, pickup_lat, pickup_lng,
                             dropoff_lat, dropoff_lng, customer_name, vehicle, fee_cents, currency, ready_at)
         VALUES ($1, $2, 'city', $3, 'created', 52.5, 13.4, 52.51, 13.41, 'Ada', 'bike', 450, 'EUR', now())`,
        [id, storeId, `ext-${i}`],
      );
      await client.query(
        `INSERT INTO idempotency_keys (store_id, key, request_hash, status_code, order_id)
         VALUES ($1, $2, $3, 201, $4)`,
        [storeId, `key-${i}`, Buffer.alloc(32, i + 1), id],
      );
    }

    expect(await migrate(client)).toEqual(['008_idempotency_key_on_order.sql']);

    const moved = await client.query(
      'SELECT id, idempotency_key, request_hash FROM orders WHERE store_id = $1 ORDER BY idempotency_key',
      [storeId],
    );
    expect(moved.rows).toEqual([
      { id: orders[0], idempotency_key: 'key-0', request_hash: Buffer.alloc(32, 1) },
      { id: orders[1], idempotency_key: 'key-1', request_hash: Buffer.alloc(32, 2) },
    ]);
    const table = await client.query(`SELECT to_regclass('idempotency_keys') AS t`);
    expect(table.rows).toEqual([{ t: null }]);
    // The key stays unique per store on the order row.
    await expect(
      client.query(
        `INSERT INTO orders (id, store_id, region_id, external_id, status, pickup_lat, pickup_lng,
                             dropoff_lat, dropoff_lng, customer_name, vehicle, fee_cents, currency, ready_at,
                             idempotency_key)
         VALUES ($1, $2, 'city', 'ext-new', 'created', 52.5, 13.4, 52.51, 13.41, 'Ada', 'bike', 450, 'EUR', now(),
                 'key-0')`,
        [randomUUID(), storeId],
      ),
    ).rejects.toThrow(/orders_store_idempotency_key/);
  });
});
