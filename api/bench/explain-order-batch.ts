/**
 * Postgres's side of one group commit, statement by statement:
 *   node --import tsx api/bench/explain-order-batch.ts [orders=16]
 * makes a scratch database, writes 500 batches so the tables and indexes are not empty, then
 * prints EXPLAIN (ANALYZE, BUFFERS, WAL) of one more batch statement: time and WAL of each insert
 * and the time of every foreign-key check. Drops the database after.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createPool, type Queryable } from '@o2o/dispatcher';
import { type CreateOrder, noSurcharge } from '@o2o/domain';
import pg from 'pg';
import { createOrderSecrets } from '../src/auth/order-secrets.js';
import { createStore } from '../src/cli/accounts.js';
import { loadApiConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { dropDatabase, ensureDatabase } from '../src/db/migrate-cli.js';
import { insertOrdersBatch } from '../src/orders/insert-orders-batch.js';
import { prepareOrder } from '../src/orders/prepare-order.js';

const size = Number(process.argv[2] ?? 16);
const base = loadApiConfig(process.env);
const url = new URL(base.DATABASE_URL);
url.pathname = `/o2o_explain_${randomBytes(4).toString('hex')}`;
await ensureDatabase(url.toString());
const client = new pg.Client({ connectionString: url.toString() });
await client.connect();
const pool = createPool(url.toString(), 2);
try {
  await migrate(client);
  const store = await createStore(pool, { name: 'Explain store', region: 'city' });
  const secrets = createOrderSecrets(base.TOKEN_SECRET);
  const prepared = () => {
    const lat = 52.5 + Math.random() * 0.05;
    const lng = 13.35 + Math.random() * 0.1;
    const body: CreateOrder = {
      external_id: randomUUID(),
      pickup: { lat, lng },
      dropoff: { lat: lat + 0.01, lng: lng + 0.01 },
      customer: { name: 'Bench' },
    };
    return prepareOrder({
      pool,
      store: { id: store.id, regionId: 'city' },
      idempotencyKey: randomUUID(),
      body,
      trackingUrl: (id) => `${base.PUBLIC_BASE_URL}/track/${secrets.trackingToken(id)}`,
      handoffPin: secrets.handoffPin,
      surcharge: noSurcharge,
    });
  };
  const batch = () => Promise.all(Array.from({ length: size }, prepared));
  for (let i = 0; i < 500; i++) await insertOrdersBatch(client, await batch());
  // The statement and its parameter exactly as the batch would send them, run under EXPLAIN.
  let statement: { text: string; values: unknown[] } | undefined;
  const capture = {
    query: async (config: { text: string; values: unknown[] }) => {
      statement = config;
      return { rows: [] };
    },
  } as unknown as Queryable;
  await insertOrdersBatch(capture, await batch());
  if (!statement) throw new Error('the batch sent no statement');
  const plan = await client.query<{ 'QUERY PLAN': string }>({
    text: `EXPLAIN (ANALYZE, BUFFERS, WAL) ${statement.text}`,
    values: statement.values,
  });
  process.stdout.write(`${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
} finally {
  await client.end();
  await pool.end();
  await dropDatabase(url.toString());
}
