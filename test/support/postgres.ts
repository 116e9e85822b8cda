import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../api/src/db/migrate.js';
import { testDatabaseUrl } from './env.js';

/**
 * Migrated once per run by the global setup, under a name of its own so that two runs on one
 * machine never share (or drop) each other's template; every test file clones it.
 */
export const TEMPLATE_ENV = 'O2O_TEST_TEMPLATE_DB';

function templateDatabase(): string {
  const name = process.env[TEMPLATE_ENV];
  if (!name)
    throw new Error(`${TEMPLATE_ENV} is not set: run the tests through vitest (test/global-setup.ts)`);
  return name;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function prepareTemplateDatabase(): Promise<() => Promise<void>> {
  const name = `o2o_test_template_${randomBytes(4).toString('hex')}`;
  process.env[TEMPLATE_ENV] = name;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const client = new pg.Client({ connectionString: testDatabaseUrl(name) });
  await client.connect();
  try {
    await migrate(client);
  } finally {
    await client.end();
  }
  return () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined);
}

/**
 * A fresh, migrated database of this test file's own, and a function that drops it. Never the
 * shared `test`, `root` or `postgres` databases.
 */
export async function createTestDatabase(): Promise<{
  url: string;
  name: string;
  drop: () => Promise<void>;
}> {
  const name = `o2o_test_${randomBytes(5).toString('hex')}`;
  // CREATE DATABASE … TEMPLATE fails while another session is connected to the template, which
  // happens when files start at once: retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${templateDatabase()}`));
      break;
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  return {
    url: testDatabaseUrl(name),
    name,
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
