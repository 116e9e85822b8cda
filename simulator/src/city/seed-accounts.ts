import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createCourier, createStore } from '../../../api/src/cli/accounts.js';
import { type CityPlan, onlineWindows } from './city-plan.js';
import type { CourierAccount } from './courier-agent.js';
import { loadSavedAccounts, planFingerprint, saveAccounts } from './saved-accounts.js';
import type { SimClock } from './sim-clock.js';
import type { StoreAccount } from './stores.js';

/** Wall time the dispatcher may need, at real speed, to reach a pickup (see below). */
export const SHIFT_END_SLACK_MS = 30 * 60 * 1000;

/**
 * Accounts have no public API, so the city creates its own stores (with API keys), riders and
 * in-house shifts through the api's accounts module and Postgres, as `npm start` seeds its demo
 * accounts. Everything after this goes through the public HTTP and Socket.IO interfaces.
 */
export async function seedCityAccounts(input: {
  databaseUrl: string;
  plan: CityPlan;
  region: string;
  runTag: string;
  clock: SimClock;
  /** Shifts are written for this simulated span from the start (wall times through the clock). */
  horizonS: number;
  /** Reuse the accounts saved in this file when they fit the plan, else seed and save them. */
  accountsFile?: string | undefined;
}): Promise<{ stores: StoreAccount[]; couriers: CourierAccount[]; reused: boolean }> {
  const { plan, region, runTag } = input;
  const client = new pg.Client({ connectionString: input.databaseUrl });
  await client.connect();
  try {
    const fingerprint = planFingerprint(plan, region);
    const saved = input.accountsFile
      ? await loadSavedAccounts(client, input.accountsFile, fingerprint)
      : null;
    if (saved) {
      // The last run's shifts still ahead (up to two weeks for a run until Ctrl-C) would overlap
      // this run's: they go, the ones already over stay as history.
      await client.query('DELETE FROM shifts WHERE courier_id = ANY($1::uuid[]) AND ends_at > now()', [
        saved.couriers.map((c) => c.id),
      ]);
      for (const [i, courier] of saved.couriers.entries())
        if (plan.couriers[i]!.kind === 'in_house') await writeShifts(client, input, i, courier.id);
      return { stores: saved.stores, couriers: saved.couriers, reused: true };
    }
    const stores: StoreAccount[] = [];
    for (const store of plan.stores) {
      const created = await createStore(client, { name: store.name, region, lat: store.lat, lng: store.lng });
      stores.push({ id: created.id, apiKey: created.api_key });
    }
    const couriers: CourierAccount[] = [];
    const password = randomBytes(12).toString('base64url');
    for (const [i, courier] of plan.couriers.entries()) {
      const email = `${runTag}-rider-${i + 1}@city.sim`;
      const created = await createCourier(client, {
        name: courier.name,
        email,
        password,
        kind: courier.kind,
        vehicle: courier.vehicle,
        region,
      });
      couriers.push({ id: created.id, email, password });
      if (courier.kind === 'in_house') await writeShifts(client, input, i, created.id);
    }
    if (input.accountsFile) saveAccounts(input.accountsFile, { fingerprint, stores, couriers });
    return { stores, couriers, reused: false };
  } finally {
    await client.end();
  }
}

/** The in-house rider's shifts of this run (`plan.couriers[index]`), in wall time. */
async function writeShifts(
  client: pg.Client,
  input: { plan: CityPlan; clock: SimClock; horizonS: number },
  index: number,
  courierId: string,
): Promise<void> {
  const { plan, clock } = input;
  // The dispatcher reads shifts in wall time (no pickup after the end) but estimates rides at
  // real speed, while the city rides `scale` times faster: an end mapped as is would leave no
  // time for any pickup at high scales. So the end gets the slack of a real ride; the rider
  // still goes offline at the simulated end (after finishing what it carries).
  const endSlackMs = SHIFT_END_SLACK_MS * (1 - 1 / clock.scale);
  for (const w of onlineWindows(plan, index, clock.startS, clock.startS + input.horizonS)) {
    await client.query('INSERT INTO shifts (id, courier_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)', [
      randomUUID(),
      courierId,
      new Date(clock.toWallMs(w.from_s)),
      new Date(clock.toWallMs(w.to_s) + endSlackMs),
    ]);
  }
}
