import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCity } from './support/accounts.js';
import { CityTraffic } from './support/city-traffic.js';
import { sharedServicesDeployment } from './support/deployment.js';
import { checkOrders, describeCheck, printFigure, progress, waitAllFinal } from './support/invariants.js';
import { sleep, until } from './support/ports.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

// Fault 5: the stores' webhook endpoint is down for a while during a city, then back; it also
// loses the answer to every 7th delivery, so the worker redelivers events already processed.
const LONG = process.env.O2O_CHAOS === 'long';
const DOWN_MS = LONG ? 20_000 : 4000;
const TEST = 'webhook receiver down';

let env: Awaited<ReturnType<typeof sharedServicesDeployment>>;
let traffic: CityTraffic | undefined;
const secrets: string[] = [];
const receiver = new WebhookReceiver(() => secrets, 7);

beforeAll(async () => {
  env = await sharedServicesDeployment({
    LEASE_TTL_MS: '1000',
    RECONCILE_INTERVAL_MS: '1000',
    // Retries come quickly in a test; the production default starts at 1 s and caps at 1 h.
    WEBHOOK_BACKOFF_BASE_MS: '200',
    WEBHOOK_BACKOFF_MAX_MS: '2000',
    WEBHOOK_TIMEOUT_MS: '2000',
  });
});

afterAll(async () => {
  await traffic?.close();
  await receiver.down();
  await env?.close();
});

describe('a webhook receiver that is down for a while, then back', () => {
  it(
    'gets every event, signed, each processed once, every order’s sequence complete',
    async () => {
      await receiver.up();
      const api = await env.group.start('api');
      const city = await seedCity(env.deployment.databaseUrl, api.url, { stores: 2, crowd: 6, inHouse: 4 });
      for (const store of city.stores) {
        const response = await fetch(`${api.url}/v1/webhook`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${store.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url: receiver.url }),
        });
        expect(response.status).toBe(200);
        secrets.push(((await response.json()) as { secret: string }).secret);
      }
      await env.group.start('dispatcher');
      traffic = new CityTraffic({ apiUrl: () => api.url, ...city, ordersPerSecond: 3, seed: 5 });
      await traffic.start();
      await sleep(2000);
      await receiver.down();
      progress(TEST, 'receiver down');
      await sleep(DOWN_MS);
      const backAt = Date.now();
      await receiver.up();
      progress(TEST, 'receiver back');
      await sleep(2000);
      await traffic.stopOrders();
      await waitAllFinal(env.pool, 60_000);

      const outbox = async () =>
        (
          await env.pool.query<{ event_id: string; status: string; attempts: number }>(
            'SELECT event_id, status, attempts FROM outbox',
          )
        ).rows;
      const caughtUpMs = await until(
        'every outbox row delivered',
        async () => (await outbox()).every((r) => r.status === 'delivered'),
        60_000,
        200,
      );
      const rows = await outbox();
      const events = await env.pool.query<{ order_id: string; n: string }>(
        'SELECT order_id, count(*) AS n FROM order_events GROUP BY order_id',
      );
      const incomplete = events.rows.filter((r) => receiver.applied.get(r.order_id) !== Number(r.n));
      const check = await checkOrders(env.pool, traffic.acknowledged.keys());
      printFigure(TEST, 'outage', `${DOWN_MS} ms down, every 7th answer lost`);
      printFigure(
        TEST,
        'deliveries',
        `${rows.length} events, ${receiver.deliveries} deliveries (${receiver.duplicates} duplicates dropped by event id, ${receiver.badSignatures} bad signatures, ${receiver.arrivedEarly} arrived before an earlier event of their order)`,
      );
      printFigure(
        TEST,
        'caught up after the receiver came back',
        `${Date.now() - backAt} ms (outbox all delivered ${caughtUpMs} ms after the drain)`,
      );
      printFigure(TEST, 'most attempts for one event', String(Math.max(...rows.map((r) => r.attempts))));
      printFigure(TEST, 'orders', describeCheck(check));

      expect(rows.length).toBeGreaterThan(traffic.acknowledged.size);
      expect(receiver.badSignatures).toBe(0);
      expect(new Set(receiver.processed.keys())).toEqual(new Set(rows.map((r) => r.event_id)));
      expect(receiver.duplicates).toBeGreaterThan(0);
      expect(incomplete).toEqual([]);
      expect(check.lost).toEqual([]);
      expect(check.notFinal).toEqual([]);
    },
    LONG ? 300_000 : 150_000,
  );
});
