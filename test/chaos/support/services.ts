import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort, until } from './ports.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAINS = {
  api: 'api/src/main.ts',
  dispatcher: 'dispatcher/src/main.ts',
  'webhook-worker': 'api/src/webhook-worker-main.ts',
} as const;
export type ServiceKind = keyof typeof MAINS;

/** One pino line of a child, parsed (or its raw text when it is not JSON). */
export interface LogLine {
  level: number;
  msg: string;
  raw: string;
  atMs: number;
}

/** A real service process (`node --import tsx <main>.ts`) with its logs. */
export interface ServiceProcess {
  name: string;
  kind: ServiceKind;
  pid: number;
  /** The api's HTTP port, or the dispatcher's metrics port. */
  port: number;
  url: string;
  /** Lines logged at error level or above (pino level ≥ 50), and non-JSON stderr text. */
  errorLines(): LogLine[];
  /** The last `n` lines logged, for a failing test's message. */
  tail(n: number): string[];
  /** Resolves with the time of the first line from now on (or already logged) that matches. */
  waitForLine(match: (line: LogLine) => boolean, timeoutMs: number, since?: number): Promise<number>;
  /** Resident memory in bytes, from /proc (0 once the process is gone). */
  rssBytes(): Promise<number>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  alive(): boolean;
}

/** Settings every process of one deployment shares. */
export interface Deployment {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** Extra environment for every process (e.g. LEASE_TTL_MS, WEBHOOK_BACKOFF_BASE_MS). */
  env?: Record<string, string>;
}

export const JWT_SECRET = 'chaos-test-jwt-secret-0123456789';
export const TOKEN_SECRET = 'chaos-test-token-secret-0123456789';

/**
 * Starts and tracks the real processes of one test file; `killAll()` (in afterAll) SIGKILLs every
 * one still running, and so does the test process's exit.
 */
export function serviceGroup(deployment: Deployment) {
  const children = new Set<ChildProcess>();
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  let n = 0;

  async function start(
    kind: ServiceKind,
    options: { name?: string; env?: Record<string, string>; port?: number } = {},
  ): Promise<ServiceProcess> {
    const name = options.name ?? `${kind}-${++n}`;
    const port = options.port ?? (await freePort());
    const env: Record<string, string | undefined> = {
      ...process.env,
      DATABASE_URL: deployment.databaseUrl,
      REDIS_URL: deployment.redisUrl,
      REDIS_PREFIX: deployment.redisPrefix,
      JWT_SECRET,
      TOKEN_SECRET,
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '1000000',
      // The tests' webhook receivers listen on this machine.
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8,::1/128',
      ...(kind === 'dispatcher'
        ? { DISPATCHER_METRICS_PORT: String(port), DISPATCHER_ID: name, DISPATCHER_REGIONS: 'city' }
        : { PORT: String(port), HOST: '127.0.0.1', PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }),
      ...deployment.env,
      ...options.env,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', MAINS[kind]], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const lines: LogLine[] = [];
    const errors: LogLine[] = [];
    const waiters = new Set<(line: LogLine) => void>();
    const onLine = (raw: string, fromStderr: boolean) => {
      let line: LogLine;
      try {
        const parsed = JSON.parse(raw) as { level?: number; msg?: string };
        line = { level: parsed.level ?? 30, msg: parsed.msg ?? '', raw, atMs: Date.now() };
      } catch {
        line = { level: fromStderr ? 50 : 30, msg: raw, raw, atMs: Date.now() };
      }
      // Keep the last few thousand lines for waitForLine and for a failing test's message.
      lines.push(line);
      if (lines.length > 5000) lines.splice(0, 1000);
      if (line.level >= 50) errors.push(line);
      for (const waiter of waiters) waiter(line);
    };
    createInterface({ input: child.stdout! }).on('line', (l) => onLine(l, false));
    createInterface({ input: child.stderr! }).on('line', (l) => onLine(l, true));
    const url = `http://127.0.0.1:${port}`;
    const service: ServiceProcess = {
      name,
      kind,
      pid: child.pid!,
      port,
      url,
      errorLines: () => [...errors],
      tail: (count) => lines.slice(-count).map((l) => l.raw.slice(0, 400)),
      waitForLine(match, timeoutMs, since = 0) {
        const seen = lines.find((l) => l.atMs >= since && match(l));
        if (seen) return Promise.resolve(seen.atMs);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            waiters.delete(waiter);
            const tail = lines.slice(-15).map((l) => l.raw.slice(0, 300));
            reject(
              new Error(`${name}: no matching log line in ${timeoutMs} ms; last lines:\n${tail.join('\n')}`),
            );
          }, timeoutMs);
          const waiter = (line: LogLine) => {
            if (!match(line)) return;
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(line.atMs);
          };
          waiters.add(waiter);
        });
      },
      async rssBytes() {
        try {
          const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
          const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
          return kb ? Number(kb) * 1024 : 0;
        } catch {
          return 0;
        }
      },
      async kill(signal = 'SIGKILL') {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        await exited;
      },
      alive: () => child.exitCode === null && child.signalCode === null,
    };
    try {
      if (kind === 'api') {
        await until(`${name} ready`, () => ready(url), 30_000, 100);
      } else {
        await service.waitForLine((l) => l.msg.includes('started'), 30_000);
      }
    } catch (err) {
      const tail = lines
        .slice(-20)
        .map((l) => l.raw)
        .join('\n');
      await service.kill();
      throw new Error(`${name} did not start:\n${tail}`, { cause: err });
    }
    return service;
  }

  return {
    start,
    async killAll() {
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}

async function ready(url: string): Promise<boolean> {
  const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) });
  return response.status === 200;
}
