import { randomUUID } from 'node:crypto';
import type { Queryable } from '@o2o/dispatcher';
import type { CourierKind, Vehicle } from '@o2o/domain';
import { generateApiKey } from '../auth/api-keys.js';
import { hashPassword } from '../auth/passwords.js';

/** Account creation shared by the CLI, `npm start`'s demo seed and the tests. */
export async function ensureRegion(db: Queryable, regionId: string): Promise<void> {
  await db.query('INSERT INTO regions (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [regionId]);
}

export async function createStore(
  db: Queryable,
  input: { name: string; region: string; lat?: number; lng?: number },
): Promise<{ id: string; name: string; region: string; api_key: string }> {
  await ensureRegion(db, input.region);
  const id = randomUUID();
  await db.query('INSERT INTO stores (id, name, region_id, lat, lng) VALUES ($1, $2, $3, $4, $5)', [
    id,
    input.name,
    input.region,
    input.lat ?? null,
    input.lng ?? null,
  ]);
  const key = generateApiKey();
  await db.query('INSERT INTO api_keys (id, store_id, key_prefix, key_hash) VALUES ($1, $2, $3, $4)', [
    randomUUID(),
    id,
    key.prefix,
    key.hash,
  ]);
  return { id, name: input.name, region: input.region, api_key: key.key };
}

export const DEFAULT_CAPACITY: Readonly<Record<Vehicle, number>> = { bike: 2, scooter: 3, car: 4 };

export async function createCourier(
  db: Queryable,
  input: {
    name: string;
    email: string;
    password: string;
    kind: CourierKind;
    vehicle: Vehicle;
    capacity?: number;
    region: string;
  },
): Promise<{
  id: string;
  email: string;
  kind: CourierKind;
  vehicle: Vehicle;
  capacity: number;
  region: string;
}> {
  await ensureRegion(db, input.region);
  const id = randomUUID();
  const capacity = input.capacity ?? DEFAULT_CAPACITY[input.vehicle];
  await db.query(
    `INSERT INTO couriers (id, name, email, password_hash, kind, vehicle, capacity, region_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      id,
      input.name,
      input.email.toLowerCase(),
      await hashPassword(input.password),
      input.kind,
      input.vehicle,
      capacity,
      input.region,
    ],
  );
  return {
    id,
    email: input.email.toLowerCase(),
    kind: input.kind,
    vehicle: input.vehicle,
    capacity,
    region: input.region,
  };
}

export async function createOperator(
  db: Queryable,
  input: { name: string; email: string; password: string; regions: string[] },
): Promise<{ id: string; email: string; regions: string[] }> {
  for (const region of input.regions) await ensureRegion(db, region);
  const id = randomUUID();
  await db.query(
    'INSERT INTO operators (id, name, email, password_hash, regions) VALUES ($1, $2, $3, $4, $5)',
    [id, input.name, input.email.toLowerCase(), await hashPassword(input.password), input.regions],
  );
  return { id, email: input.email.toLowerCase(), regions: input.regions };
}
