/** Where the tests find the shared services; override with TEST_PG_URL / TEST_REDIS_URL. */
export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A connection string for one database on the test Postgres server. */
export function testDatabaseUrl(database: string): string {
  const base = new URL(process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/${database}`;
  return base.toString();
}
