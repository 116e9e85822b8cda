import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../../test/support/env.js';
import { REGION, useLiveEnv } from './live-helper.js';

const env = useLiveEnv();
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const LEASE_TTL_MS = 1000;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A real dispatcher process (`dispatcher/src/main.ts`) on this file's database and Redis prefix. */
function startDispatcher(name: string): { child: ChildProcess; acquired: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: env.deps.prefix,
      DISPATCHER_REGIONS: REGION,
      LEASE_TTL_MS: String(LEASE_TTL_MS),
      DISPATCHER_METRICS_PORT: '0',
      DISPATCHER_ID: name,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const acquired = new Promise<number>((resolve) => {
    lines.on('line', (line) => {
      if (line.includes('"region acquired"')) resolve(Date.now());
    });
  });
  return { child, acquired };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a dispatcher killed with SIGKILL', () => {
  it('loses no order and assigns none twice: a second process takes over within two lease periods', async () => {
    const couriers = await Promise.all(
      Array.from({ length: 40 }, () => env.newCourier('in_house', { capacity: 2 })),
    );
    const orders: string[] = [];
    for (let i = 0; i < 60; i++) orders.push(await env.newOrder());
    const assignedCount = async () =>
      Number(
        (
          await env.deps.pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM orders WHERE id = ANY($1) AND status = 'assigned'`,
            [orders],
          )
        ).rows[0]!.n,
      );

    const first = startDispatcher('first');
    const standby = startDispatcher('standby');
    await Promise.race([first.acquired, standby.acquired]);
    // Kill whichever holds the region as soon as it has committed part of its first cycle.
    await until(async () => (await assignedCount()) > 0, 20_000);
    const holder = (
      await env.deps.pool.query<{ lease_holder: string }>('SELECT lease_holder FROM regions WHERE id = $1', [
        REGION,
      ])
    ).rows[0]!.lease_holder;
    const [victim, survivor] = holder === 'first' ? [first, standby] : [standby, first];
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const takenOverAt = await survivor.acquired;
    const takeoverMs = takenOverAt - killedAt;
    process.stderr.write(`dispatcher takeover after SIGKILL: ${takeoverMs} ms (lease ${LEASE_TTL_MS} ms)\n`);
    expect(takeoverMs).toBeLessThanOrEqual(2 * LEASE_TTL_MS + 500);

    await until(async () => (await assignedCount()) === orders.length, 30_000);
    const live = await env.deps.pool.query<{ order_id: string; n: string }>(
      `SELECT order_id, count(*) AS n FROM assignments WHERE order_id = ANY($1) GROUP BY order_id`,
      [orders],
    );
    expect(live.rows).toHaveLength(orders.length);
    expect(live.rows.every((r) => r.n === '1')).toBe(true);
    const load = await env.deps.pool.query<{ courier_id: string; n: string }>(
      `SELECT courier_id, count(*) AS n FROM orders WHERE id = ANY($1) GROUP BY courier_id`,
      [orders],
    );
    expect(load.rows.every((r) => Number(r.n) <= 2 && couriers.includes(r.courier_id))).toBe(true);
    const events = await env.deps.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM order_events WHERE order_id = ANY($1) AND type = 'order.assigned'`,
      [orders],
    );
    expect(Number(events.rows[0]!.n)).toBe(orders.length);
  }, 60_000);
});
