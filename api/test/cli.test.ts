import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestApi } from './helper.js';

const api = useTestApi();
const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run cli -- …` as a user runs it: a real process against the database. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'api/src/cli/main.ts', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: api.config.DATABASE_URL },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('accounts CLI', () => {
  it('creates a store and prints its API key once, as JSON, which then works on the API', async () => {
    const out = await cli('create-store', '--name', 'Corner Deli');
    expect(out.code).toBe(0);
    const store = JSON.parse(out.stdout);
    expect(store).toMatchObject({
      name: 'Corner Deli',
      region: 'city',
      api_key: expect.stringMatching(/^o2o_sk_/),
    });
    const row = await api.pool.query('SELECT key_hash FROM api_keys WHERE store_id = $1', [store.id]);
    expect(row.rows[0].key_hash.toString('utf8')).not.toContain(store.api_key.slice(20));
    expect((await api.call('GET', '/v1/orders', { apiKey: store.api_key })).status).toBe(200);
  });

  it('creates a courier and an operator who can log in', async () => {
    const courier = await cli(
      'create-courier',
      '--name',
      'Sam',
      '--email',
      'sam@example.com',
      '--password',
      'ride-on',
      '--kind',
      'in_house',
      '--vehicle',
      'scooter',
    );
    expect(courier.code).toBe(0);
    expect(JSON.parse(courier.stdout)).toMatchObject({ kind: 'in_house', vehicle: 'scooter', capacity: 3 });
    const login = await api.call('POST', '/v1/auth/courier/login', {
      body: { email: 'sam@example.com', password: 'ride-on' },
    });
    expect(login.status).toBe(200);
    const operator = await cli(
      'create-operator',
      '--name',
      'Ola',
      '--email',
      'ola@example.com',
      '--password',
      'pw',
      '--regions',
      'city,north',
    );
    expect(JSON.parse(operator.stdout)).toMatchObject({ regions: ['city', 'north'] });
  });

  it('explains a wrong option instead of crashing', async () => {
    const out = await cli(
      'create-courier',
      '--name',
      'X',
      '--email',
      'x@example.com',
      '--password',
      'p',
      '--kind',
      'robot',
      '--vehicle',
      'bike',
    );
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--kind must be one of in_house, crowd');
    expect(out.stderr).toContain('usage: npm run cli');
  });
});
