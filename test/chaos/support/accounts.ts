import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { hashPassword } from '../../../api/src/auth/passwords.js';
import { createStore, ensureRegion } from '../../../api/src/cli/accounts.js';

export const REGION = 'city';
export const CENTER = { lat: 52.52, lng: 13.405 };
const PASSWORD = 'chaos-courier-pw';

export interface StoreAccount {
  id: string;
  apiKey: string;
  at: { lat: number; lng: number };
}

export interface CourierAccount {
  id: string;
  email: string;
  kind: 'crowd' | 'in_house';
  token: string;
}

/**
 * The accounts of a small city, written straight to Postgres (as `npm run cli` would): stores on a
 * ring around the centre and couriers sharing one password hash (scrypt is slow on purpose), then
 * every courier logs in through the api under test for its JWT.
 */
export async function seedCity(
  databaseUrl: string,
  apiUrl: string,
  counts: { stores: number; crowd: number; inHouse: number },
): Promise<{ stores: StoreAccount[]; couriers: CourierAccount[] }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  try {
    await ensureRegion(pool, REGION);
    const stores: StoreAccount[] = [];
    for (let i = 0; i < counts.stores; i++) {
      const angle = (2 * Math.PI * i) / counts.stores;
      const at = { lat: CENTER.lat + 0.006 * Math.sin(angle), lng: CENTER.lng + 0.009 * Math.cos(angle) };
      const store = await createStore(pool, { name: `Chaos store ${i + 1}`, region: REGION, ...at });
      stores.push({ id: store.id, apiKey: store.api_key, at });
    }
    const hash = await hashPassword(PASSWORD);
    const kinds: ('crowd' | 'in_house')[] = [
      ...Array<'crowd'>(counts.crowd).fill('crowd'),
      ...Array<'in_house'>(counts.inHouse).fill('in_house'),
    ];
    const couriers: Omit<CourierAccount, 'token'>[] = [];
    for (const [i, kind] of kinds.entries()) {
      const id = randomUUID();
      const email = `chaos-${i}-${id.slice(0, 8)}@example.com`;
      await pool.query(
        `INSERT INTO couriers (id, name, email, password_hash, kind, vehicle, capacity, region_id)
         VALUES ($1, $2, $3, $4, $5, 'bike', 2, $6)`,
        [id, `Chaos courier ${i + 1}`, email, hash, kind, REGION],
      );
      couriers.push({ id, email, kind });
    }
    const withTokens = await Promise.all(
      couriers.map(async (c) => ({ ...c, token: await login(apiUrl, c.email) })),
    );
    return { stores, couriers: withTokens };
  } finally {
    await pool.end();
  }
}

async function login(apiUrl: string, email: string): Promise<string> {
  const response = await fetch(`${apiUrl}/v1/auth/courier/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`courier login failed: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}
