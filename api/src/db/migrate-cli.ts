import pg from 'pg';
import { loadApiConfig } from '../config.js';
import { sealWebhookSecrets, secretBoxFrom } from '../webhooks/secret-box.js';
import { migrate } from './migrate.js';

/** `npm run migrate`: creates the database if it is missing, then applies pending migrations. */
async function main(): Promise<void> {
  const config = loadApiConfig(process.env);
  await ensureDatabase(config.DATABASE_URL);
  const client = new pg.Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  try {
    const applied = await migrate(client);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    // 006's data step needs the key, which SQL does not have.
    const sealed = await sealWebhookSecrets(client, secretBoxFrom(config.SECRETS_KEY));
    if (sealed > 0) process.stdout.write(`webhook secrets sealed: ${sealed}\n`);
  } finally {
    await client.end();
  }
}

export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

/** Drops the database of `url` (throwaway ones: benchmarks), ending its connections first. */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
