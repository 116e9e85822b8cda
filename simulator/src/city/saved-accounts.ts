import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type pg from 'pg';
import type { CityPlan } from './city-plan.js';
import type { CourierAccount } from './courier-agent.js';
import type { StoreAccount } from './stores.js';

/**
 * The city's accounts kept in a file between runs (`--accounts <file>`; `npm start` uses
 * `.city-accounts.json`), so restarting the demo does not add a new set of stores and riders to
 * the database each time. The file holds API keys and the riders' password in clear (like
 * `.demo-accounts.json`), so it is written readable by its owner only.
 */
export interface SavedCityAccounts {
  /** What the accounts were made for: reused only for the same region and planned city. */
  fingerprint: string;
  stores: StoreAccount[];
  couriers: CourierAccount[];
}

/** Same region, stores (name, place) and riders (name, kind, vehicle): the same accounts fit. */
export function planFingerprint(plan: CityPlan, region: string): string {
  const shape = {
    region,
    stores: plan.stores.map((s) => [s.name, s.lat, s.lng]),
    couriers: plan.couriers.map((c) => [c.name, c.kind, c.vehicle]),
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

/**
 * The saved accounts when the file is there, was made for this fingerprint and every account in
 * it still exists in Postgres; otherwise null (the caller seeds new ones). A file that cannot be
 * read as accounts counts as absent: it is replaced.
 */
export async function loadSavedAccounts(
  client: pg.Client,
  file: string,
  fingerprint: string,
): Promise<SavedCityAccounts | null> {
  if (!existsSync(file)) return null;
  let saved: SavedCityAccounts;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as SavedCityAccounts;
  } catch {
    return null;
  }
  if (saved.fingerprint !== fingerprint || !Array.isArray(saved.stores) || !Array.isArray(saved.couriers))
    return null;
  const stores = await client.query('SELECT 1 FROM stores WHERE id = ANY($1::uuid[])', [
    saved.stores.map((s) => s.id),
  ]);
  const couriers = await client.query('SELECT 1 FROM couriers WHERE id = ANY($1::uuid[])', [
    saved.couriers.map((c) => c.id),
  ]);
  if (stores.rowCount !== saved.stores.length || couriers.rowCount !== saved.couriers.length) return null;
  return saved;
}

export function saveAccounts(file: string, accounts: SavedCityAccounts): void {
  writeFileSync(file, `${JSON.stringify(accounts, null, 2)}\n`, { mode: 0o600 });
}
