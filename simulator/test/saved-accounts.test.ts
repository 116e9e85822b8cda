import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/postgres.js';
import { planCity } from '../src/city/city-plan.js';
import { seedCityAccounts } from '../src/city/seed-accounts.js';
import { SimClock } from '../src/city/sim-clock.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'city-accounts-'));
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const plan = planCity({ seed: 7, stores: 2, couriers: 6, crowdShare: 0.5 });
const seed = (accountsFile: string, cityPlan = plan) =>
  seedCityAccounts({
    databaseUrl: db.url,
    plan: cityPlan,
    region: 'city',
    runTag: `t-${Math.random().toString(36).slice(2)}`,
    clock: new SimClock(11 * 3600, 5),
    horizonS: 4 * 3600,
    accountsFile,
  });
const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]!.n);

describe('the city keeps its accounts in a file between runs', () => {
  it('reuses the same stores and riders, replacing the shifts still ahead instead of adding to them', async () => {
    const file = path.join(dir, 'accounts.json');
    const first = await seed(file);
    expect(first.reused).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600); // API keys and a password: owner only
    const futureShifts = await count('SELECT count(*) AS n FROM shifts WHERE ends_at > now()');
    expect(futureShifts).toBeGreaterThan(0);

    const second = await seed(file);
    expect(second.reused).toBe(true);
    expect(second.stores).toEqual(first.stores);
    expect(second.couriers).toEqual(first.couriers);
    expect(await count('SELECT count(*) AS n FROM stores')).toBe(2);
    expect(await count('SELECT count(*) AS n FROM couriers')).toBe(6);
    expect(await count('SELECT count(*) AS n FROM shifts WHERE ends_at > now()')).toBe(futureShifts);
  });

  it('makes new accounts when the planned city changed or an account is gone', async () => {
    const file = path.join(dir, 'changing.json');
    await seed(file);
    const bigger = await seed(file, planCity({ seed: 7, stores: 2, couriers: 8, crowdShare: 0.5 }));
    expect(bigger.reused).toBe(false);
    expect(bigger.couriers).toHaveLength(8);

    const again = await seed(file, planCity({ seed: 7, stores: 2, couriers: 8, crowdShare: 0.5 }));
    expect(again.reused).toBe(true);
    await client.query('DELETE FROM stores WHERE id = $1', [again.stores[0]!.id]);
    const afterDelete = await seed(file, planCity({ seed: 7, stores: 2, couriers: 8, crowdShare: 0.5 }));
    expect(afterDelete.reused).toBe(false);
    expect(afterDelete.stores.map((s) => s.id)).not.toContain(again.stores[0]!.id);
  });
});
