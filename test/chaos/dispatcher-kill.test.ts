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
import { sleep, until } from './support/ports.js';
import type { ServiceProcess } from './support/services.js';

// Fault 1: the dispatcher holding the region is killed with SIGKILL at a random point of its
// cycle, again and again, while a city runs; a standby takes over each time.
const LONG = process.env.O2O_CHAOS === 'long';
const KILLS = LONG ? 20 : 2;
const LEASE_TTL_MS = 1000;
const TEST = 'dispatcher kill -9';

let env: Awaited<ReturnType<typeof sharedServicesDeployment>>;
let traffic: CityTraffic | undefined;

beforeAll(async () => {
  env = await sharedServicesDeployment({ LEASE_TTL_MS: String(LEASE_TTL_MS), RECONCILE_INTERVAL_MS: '1000' });
});

afterAll(async () => {
  await traffic?.close();
  await env?.close();
});

describe('a dispatcher killed with kill -9 at random points of its cycle during a city', () => {
  it(
    `loses no order and assigns none twice over ${KILLS} kills; a standby takes over each time`,
    async () => {
      const api = await env.group.start('api');
      progress(TEST, 'api up');
      const city = await seedCity(env.deployment.databaseUrl, api.url, { stores: 4, crowd: 16, inHouse: 8 });
      // Debug level: the dispatcher logs each cycle that decided something, the moment we aim at.
      const startDispatcher = (name: string) =>
        env.group.start('dispatcher', { name, env: { LOG_LEVEL: 'debug' } });
      const dispatchers = new Map<string, ServiceProcess>();
      for (const d of await Promise.all([startDispatcher('dispatcher-a'), startDispatcher('dispatcher-b')]))
        dispatchers.set(d.name, d);
      traffic = new CityTraffic({
        apiUrl: () => api.url,
        ...city,
        ordersPerSecond: 4,
        seed: 1,
      });
      progress(TEST, 'dispatchers up');
      await traffic.start();
      progress(TEST, 'traffic started');

      const random = seededRandom(20_261_201);
      const takeoverMs: number[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        let holder: ServiceProcess | undefined;
        await until(
          'a live dispatcher holds the region',
          async () => {
            const r = await env.pool.query<{ lease_holder: string }>(
              `SELECT lease_holder FROM regions WHERE id = 'city'`,
            );
            holder = dispatchers.get(r.rows[0]?.lease_holder ?? '');
            return holder?.alive() === true;
          },
          10_000,
        );
        const victim = holder!;
        // The next cycle that decided something, then a random moment of the following one
        // (the batch window is 2 s): reading, deciding, or half-way through its commits.
        await Promise.race([
          victim.waitForLine((l) => l.msg === 'cycle', 3000, Date.now()).catch(() => undefined),
          sleep(3000),
        ]);
        await sleep(Math.floor(random() * 2000));
        const killedAt = Date.now();
        await victim.kill('SIGKILL');
        dispatchers.delete(victim.name);
        const [survivor] = [...dispatchers.values()];
        // A new standby starts meanwhile, so that there is always one to take over. It may win
        // the lease itself (its first try can come before the survivor's next one): whichever
        // takes the region over first counts.
        const standby = startDispatcher(`dispatcher-${kill + 3}`);
        const acquired = (process: ServiceProcess) =>
          process
            .waitForLine((l) => l.msg === 'region acquired', 10_000, killedAt)
            .then((atMs) => ({ atMs, by: process.name }));
        const takeover = await Promise.any([acquired(survivor!), standby.then(acquired)]).catch(
          (err: AggregateError) => {
            throw new Error(`no dispatcher took the region over: ${err.errors.map(String).join('; ')}`);
          },
        );
        takeoverMs.push(takeover.atMs - killedAt);
        progress(TEST, `killed ${victim.name}, ${takeover.by} took over in ${takeover.atMs - killedAt} ms`);
        const started = await standby;
        dispatchers.set(started.name, started);
      }

      await traffic.stopOrders();
      progress(TEST, `orders stopped: ${traffic.acknowledged.size} acknowledged of ${traffic.ordersSent}`);
      const drainMs = await waitAllFinal(env.pool, 60_000);
      const check = await checkOrders(env.pool, traffic.acknowledged.keys());
      const totals = traffic.storeTotals();
      printFigure(TEST, 'kills', `${KILLS} (lease ${LEASE_TTL_MS} ms)`);
      printFigure(TEST, 'takeover after kill -9', describeMs(takeoverMs));
      printFigure(TEST, 'orders', describeCheck(check));
      printFigure(TEST, 'drain after the last order', `${drainMs} ms`);
      printFigure(TEST, 'store answers', JSON.stringify(Object.fromEntries(totals.byStatus)));

      expect(check.acknowledged).toBe(traffic.ordersSent);
      expect(check.lost).toEqual([]);
      expect(check.assignedTwice).toEqual([]);
      expect(check.notFinal).toEqual([]);
      expect(check.brokenSequence).toEqual([]);
      expect(check.delivered).toBe(check.acknowledged);
      expect(check.unacknowledged).toBe(0);
      expect(Math.max(...takeoverMs)).toBeLessThanOrEqual(2 * LEASE_TTL_MS + 1000);
      expect(totals.byStatus.get('500') ?? 0).toBe(0);
      expect(api.errorLines().map((l) => l.raw)).toEqual([]);
    },
    LONG ? 600_000 : 180_000,
  );
});
