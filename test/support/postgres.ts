import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../api/src/db/migrate.js';
import { testDatabaseUrl } from './env.js';

/** Migrated once per run by the global setup; every test file clones it (CREATE DATABASE … TEMPLATE). */
export const TEMPLATE_DATABASE = 'o2o_test_template';

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function prepareTemplateDatabase(): Promise<void> {
  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  });
  const client = new pg.Client({ connectionString: testDatabaseUrl(TEMPLATE_DATABASE) });
  await client.connect();
  try {
    await migrate(client);
  } finally {
    await client.end();
  }
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
      await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`));
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
