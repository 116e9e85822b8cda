/**
 * `npm run soak [-- --minutes 60 --rate 8 --couriers 60]`: the city at peak for an hour (on demand,
 * not in CI) against real processes (two apis, a dispatcher and a standby) on the local Postgres
 * (a database of its own, dropped after) and Redis (a key prefix of its own). Samples each
 * process's RSS every 10 s and prints a start/end/max table, the errors counted, and what Postgres
 * says of every order at the end. Exits 1 when an order is lost, assigned twice or left
 * unfinished, or when anything answered 5xx or logged an error.
 */
import { parseArgs } from 'node:util';
import { prepareTemplateDatabase } from '../support/postgres.js';
import { seedCity } from './support/accounts.js';
import { CityTraffic } from './support/city-traffic.js';
import { sharedServicesDeployment } from './support/deployment.js';
import { checkOrders, describeCheck, waitAllFinal } from './support/invariants.js';
import { sleep } from './support/ports.js';
import type { ServiceProcess } from './support/services.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    rate: { type: 'string', default: '8' },
    couriers: { type: 'string', default: '60' },
    'sample-seconds': { type: 'string', default: '10' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const courierCount = Number(values.couriers);
const sampleMs = Number(values['sample-seconds']) * 1000;
const say = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<number> {
  const dropTemplate = await prepareTemplateDatabase();
  const env = await sharedServicesDeployment({ LEASE_TTL_MS: '2000', LOG_LEVEL: 'warn' });
  let traffic: CityTraffic | undefined;
  try {
    const apis = await Promise.all([
      env.group.start('api', { name: 'api-a' }),
      env.group.start('api', { name: 'api-b' }),
    ]);
    const inHouse = Math.round(courierCount / 3);
    const city = await seedCity(env.deployment.databaseUrl, apis[0].url, {
      stores: 8,
      crowd: courierCount - inHouse,
      inHouse,
    });
    const dispatchers = await Promise.all([
      env.group.start('dispatcher', { name: 'dispatcher-a', env: { LOG_LEVEL: 'info' } }),
      env.group.start('dispatcher', { name: 'dispatcher-b', env: { LOG_LEVEL: 'info' } }),
    ]);
    const processes: ServiceProcess[] = [...apis, ...dispatchers];
    let turn = 0;
    traffic = new CityTraffic({
      apiUrl: () => apis[turn++ % 2]!.url,
      ...city,
      ordersPerSecond: rate,
      seed: 10,
      stepDelayMs: 1500,
      pingIntervalMs: 2000,
    });
    await traffic.start();
    say(
      `soak: ${minutes} min at ${rate} orders/s, ${courierCount} couriers, 8 stores, 2 apis, 2 dispatchers`,
    );

    const samples = new Map<string, number[]>(processes.map((p) => [p.name, []]));
    const startedAt = Date.now();
    const endAt = startedAt + minutes * 60_000;
    let lastReport = startedAt;
    while (Date.now() < endAt) {
      for (const p of processes) samples.get(p.name)!.push(await p.rssBytes());
      if (Date.now() - lastReport >= 60_000) {
        lastReport = Date.now();
        const rss = processes.map((p) => `${p.name} ${mb(samples.get(p.name)!.at(-1)!)}`).join(', ');
        say(
          `  ${Math.round((Date.now() - startedAt) / 60_000)} min: ${traffic.acknowledged.size} orders; ${rss}`,
        );
      }
      await sleep(Math.min(sampleMs, Math.max(0, endAt - Date.now())));
    }
    await traffic.stopOrders();
    const drainMs = await waitAllFinal(env.pool, 120_000);
    await Promise.all(traffic.couriers.map((c) => c.idle()));
    const check = await checkOrders(env.pool, traffic.acknowledged.keys());
    const totals = traffic.storeTotals();
    const fivexx = [...totals.byStatus].filter(([s]) => s.startsWith('5')).reduce((n, [, v]) => n + v, 0);
    const ackErrors = [...traffic.courierAckErrors().values()].reduce((n, v) => n + v, 0);
    const logErrors = processes.reduce((n, p) => n + p.errorLines().length, 0);

    say('');
    say('| process | RSS start | RSS end | RSS max | end − start | error log lines |');
    say('|---|---|---|---|---|---|');
    for (const p of processes) {
      const s = samples.get(p.name)!.filter((v) => v > 0);
      // "Start" is the first minute's median, after the JIT and the pools warmed up.
      const warm = s.slice(0, Math.max(1, Math.round(60_000 / sampleMs)));
      const start = [...warm].sort((a, b) => a - b)[Math.floor(warm.length / 2)] ?? 0;
      const end = s.at(-1) ?? 0;
      const max = Math.max(...s);
      say(
        `| ${p.name} | ${mb(start)} | ${mb(end)} | ${mb(max)} | ${mb(end - start)} | ${p.errorLines().length} |`,
      );
    }
    say('');
    say(`orders: ${describeCheck(check)}; drain ${drainMs} ms`);
    say(`store answers: ${JSON.stringify(Object.fromEntries(totals.byStatus))}`);
    say(`courier ack errors: ${ackErrors} ${JSON.stringify(Object.fromEntries(traffic.courierAckErrors()))}`);
    say(`errors: ${fivexx} 5xx answers, ${ackErrors} courier ack errors, ${logErrors} error log lines`);
    for (const p of processes)
      for (const l of p.errorLines().slice(0, 3)) say(`  ${p.name}: ${l.raw.slice(0, 300)}`);
    const failed =
      check.lost.length + check.assignedTwice.length + check.notFinal.length + fivexx + logErrors > 0;
    return failed ? 1 : 0;
  } finally {
    await traffic?.close();
    await env.close();
    await dropTemplate();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
