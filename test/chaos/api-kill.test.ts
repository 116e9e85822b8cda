import { seededRandom } from '@o2o/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCity } from './support/accounts.js';
import { CityTraffic } from './support/city-traffic.js';
import { sharedServicesDeployment } from './support/deployment.js';
import {
  checkOrders,
  describeCheck,
  describeMs,
  printFigure,
  progress,
  waitAllFinal,
} from './support/invariants.js';
import { sleep } from './support/ports.js';
import type { ServiceProcess } from './support/services.js';

// Fault 4: an api process is killed with SIGKILL while couriers and customers are connected to
// it; the clients (which know both api addresses, as a load balancer would) reconnect to the
// other one. In the long run the killed one comes back and the other is killed in turn.
const LONG = process.env.O2O_CHAOS === 'long';
const KILLS = LONG ? 4 : 1;
const STEPS = ['order.at_pickup', 'order.picked_up', 'order.at_dropoff', 'order.delivered'];
const TEST = 'api kill -9';

let env: Awaited<ReturnType<typeof sharedServicesDeployment>>;
let traffic: CityTraffic | undefined;

beforeAll(async () => {
  env = await sharedServicesDeployment({ LEASE_TTL_MS: '1000', RECONCILE_INTERVAL_MS: '1000' });
});

afterAll(async () => {
  await traffic?.close();
  await env?.close();
});

describe('an api process killed with sockets connected', () => {
  it(
    'moves its couriers and viewers to the other api; no offer, job step or status is lost',
    async () => {
      const apis: ServiceProcess[] = await Promise.all([
        env.group.start('api', { name: 'api-a' }),
        env.group.start('api', { name: 'api-b' }),
      ]);
      const city = await seedCity(env.deployment.databaseUrl, apis[0]!.url, {
        stores: 3,
        crowd: 10,
        inHouse: 6,
      });
      await env.group.start('dispatcher');
      // Every request and every reconnection attempt picks one of the two apis (seeded coin), so
      // clients are spread over both and a refused attempt is soon followed by one to the other.
      const coin = seededRandom(4);
      const nextApi = () => apis[coin() < 0.5 ? 0 : 1]!.url;
      traffic = new CityTraffic({ apiUrl: nextApi, ...city, ordersPerSecond: 4, seed: 4, viewers: true });
      await traffic.start();
      progress(TEST, 'traffic started');

      const killedAt: number[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(3000);
        const victim = apis[kill % 2]!;
        killedAt.push(Date.now());
        await victim.kill('SIGKILL');
        progress(TEST, `killed ${victim.name}`);
        if (kill < KILLS - 1) {
          await sleep(3000);
          apis[kill % 2] = await env.group.start('api', {
            name: `${victim.name}-${kill + 2}`,
            port: victim.port,
          });
          progress(TEST, `${victim.name} back`);
        }
      }
      await sleep(2500);
      await traffic.stopOrders();
      const drainMs = await waitAllFinal(env.pool, 60_000);
      await Promise.all(traffic.couriers.map((c) => c.idle()));
      await sleep(1500); // the last `delivered` status reaches the viewers

      const check = await checkOrders(env.pool, traffic.acknowledged.keys());
      const offers = await env.pool.query<{ id: string; courier_id: string; status: string }>(
        'SELECT id, courier_id, status FROM offers',
      );
      const seenBy = new Map(traffic.couriers.map((c) => [c.account.id, c.stats.offersSeen]));
      const unseenOffers = offers.rows.filter((o) => !seenBy.get(o.courier_id)?.has(o.id));
      const steps = await env.pool.query<{ order_id: string; steps: string[] }>(
        `SELECT order_id, array_agg(type ORDER BY seq) FILTER (WHERE type = ANY($1)) AS steps
         FROM order_events GROUP BY order_id`,
        [STEPS],
      );
      const missingSteps = steps.rows.filter((r) => (r.steps ?? []).join() !== STEPS.join());
      const viewers = traffic.viewers;
      const viewersNotDelivered = viewers.filter((v) => v.last !== 'delivered');
      const viewersBackwards = viewers.filter((v) => !v.movedOnlyForward());
      const courierReconnects = traffic.couriers.flatMap((c) => c.stats.reconnectMs);
      const viewerReconnects = viewers.flatMap((v) => v.reconnectMs);
      const totals = traffic.storeTotals();
      printFigure(TEST, 'kills', `${KILLS} api process(es), 2 running`);
      printFigure(TEST, 'courier reconnect to the other api', describeMs(courierReconnects));
      printFigure(TEST, 'viewer reconnect to the other api', describeMs(viewerReconnects));
      printFigure(
        TEST,
        'offers',
        `${offers.rowCount} made, ${unseenOffers.length} never seen by their courier, ${offers.rows.filter((o) => o.status === 'expired').length} expired`,
      );
      printFigure(TEST, 'job steps', `${missingSteps.length} orders missing a step or with one twice`);
      printFigure(
        TEST,
        'viewers',
        `${viewers.length} watching, ${viewersNotDelivered.length} not ending on delivered, ${viewersBackwards.length} ever going backwards`,
      );
      printFigure(TEST, 'orders', describeCheck(check));
      printFigure(TEST, 'drain after the last order', `${drainMs} ms`);
      printFigure(TEST, 'store answers', JSON.stringify(Object.fromEntries(totals.byStatus)));

      expect(apis[KILLS % 2]!.alive()).toBe(true); // the api that was not killed last
      expect(courierReconnects.length).toBeGreaterThan(0);
      expect(viewerReconnects.length).toBeGreaterThan(0);
      expect(unseenOffers).toEqual([]);
      expect(missingSteps).toEqual([]);
      expect(viewersNotDelivered.map((v) => v.statuses)).toEqual([]);
      // Updates carry the order's version, and a viewer drops older ones, as the page does.
      expect(viewersBackwards.map((v) => v.statuses)).toEqual([]);
      expect(check.acknowledged).toBe(traffic.ordersSent);
      expect(check.lost).toEqual([]);
      expect(check.assignedTwice).toEqual([]);
      expect(check.notFinal).toEqual([]);
      expect(totals.byStatus.get('500') ?? 0).toBe(0);
    },
    LONG ? 300_000 : 150_000,
  );
});
