import { execFile, spawnSync } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { migrate } from '../../../api/src/db/migrate.js';
import { freePort, until } from './ports.js';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  /** Connection string of the migrated `o2o` database. */
  url: string;
  port: number;
  /** Stops the server (`immediate`: like a crash, `fast`: clean), waits `downMs`, starts it again. */
  restart(options?: { downMs?: number; mode?: 'fast' | 'immediate' }): Promise<void>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

/**
 * A Postgres cluster of this test's own (initdb + pg_ctl on a free port in a temp dir), so the test
 * may stop and restart it. initdb refuses to run as root: when we are root, the cluster belongs to
 * the `postgres` OS user and every command runs as that user.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'o2o-chaos-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pgCommand = (bin: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(BIN, bin), ...args])
      : run(path.join(BIN, bin), args);
  const data = path.join(dir, 'data');
  await pgCommand('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    // fsync off is safe here: a killed postmaster leaves its writes in the OS page cache. Commits
    // stay synchronous (the default): with synchronous_commit off an immediate stop, like a
    // crash, loses the last commits the api had already acknowledged.
    '-c fsync=off',
    '-c max_connections=200',
  ].join(' ');
  const started = { running: false };
  const start = async () => {
    await pgCommand('pg_ctl', [
      '-D',
      data,
      '-o',
      options,
      '-l',
      path.join(dir, 'log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
    started.running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!started.running) return;
    started.running = false;
    await pgCommand('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']).catch(() => undefined);
  };
  await start();
  // Also when the test process dies before its afterAll: no cluster is left running.
  process.once('exit', () => {
    if (!started.running) return;
    const args = [path.join(BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'];
    if (asRoot) spawnSync('runuser', ['-u', 'postgres', '--', ...args]);
    else spawnSync(args[0]!, args.slice(1));
  });
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE o2o');
  await admin.end();
  const url = `${base}/o2o`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await migrate(client);
  await client.end();
  const destroy = async () => {
    await stop('immediate');
    await rm(dir, { recursive: true, force: true });
  };
  return {
    url,
    port,
    async restart({ downMs = 0, mode = 'fast' } = {}) {
      await stop(mode);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
      await until('private postgres answers', () => answers(url), 30_000);
    },
    stop,
    start,
    destroy,
  };
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
