/**
 * `npm run sim -- city` options: parsed and checked in one place; a bad one is a `UsageError`
 * (the command prints it with the usage and exits 2).
 */

export interface CityOptions {
  api: string;
  databaseUrl: string;
  dispatcherMetrics: string;
  region: string;
  couriers: number;
  stores: number;
  /** Average over the simulated day; the lunch and dinner peaks are about 3× this. */
  ordersPerHour: number;
  crowdShare: number;
  acceptRate: number;
  /** Crowd riders' mean time to answer an offer, simulated seconds (each rider has their own around it). */
  thinkSeconds: number;
  /**
   * In-house riders' hourly wage while online, in currency units: they are paid for their shift,
   * not per job (crowd riders earn each offer's pay), so the report can set both side by side.
   */
  inHouseWagePerHour: number;
  /** Simulated seconds per wall second. */
  timeScale: number;
  seed: number;
  /** Simulated minutes of ordering; 0 runs until stopped. */
  durationMinutes: number;
  /** Simulated clock time the run starts at, minutes after midnight. */
  startMinuteOfDay: number;
  /** A store cancels an order nobody took after this many simulated minutes. */
  cancelAfterMinutes: number;
  /** At the end, wait at most this many simulated minutes for the last orders. */
  drainMinutes: number;
  out: string | undefined;
  /** Keep the city's accounts in this file and reuse them next time (undefined: new ones every run). */
  accountsFile: string | undefined;
}

export class UsageError extends Error {}

export const CITY_USAGE = `usage: npm run sim -- city [options]
  --api <url>                 api base URL (default http://127.0.0.1:3000)
  --database-url <url>        Postgres, for seeding the city's accounts (default: the api's DATABASE_URL)
  --dispatcher-metrics <url>  dispatcher /metrics, for cycle times (default http://127.0.0.1:9464/metrics)
  --region <id>               region of the city's stores and couriers (default city)
  --couriers <n>              riders (default 20)
  --stores <n>                stores (default 5)
  --orders-per-hour <n>       daily average; lunch and dinner peaks are ~3x (default 40)
  --crowd-share <0..1>        share of crowdsourced riders (default 0.5)
  --accept-rate <0..1>        chance a crowd rider accepts an offer (default 0.8)
  --think-seconds <s>         crowd riders' mean time to answer an offer, simulated (default 20)
  --in-house-wage <x>         in-house riders' pay per online hour, currency units (default 14)
  --time-scale <x>            simulated seconds per wall second (default 10)
  --seed <int>                same seed, same city and demand (default 1)
  --duration <minutes>        simulated minutes of ordering, 0 = until Ctrl-C (default 120)
  --forever                   same as --duration 0
  --start <HH:MM>             simulated clock at the start (default 11:30)
  --cancel-after <minutes>    a store cancels an order nobody took after this (default 45)
  --drain <minutes>           at the end, wait at most this long for the last orders (default 90)
  --out <dir>                 where run.json goes (default sim-runs/city-<timestamp>)
  --accounts <file>           keep the city's stores and riders in this file and reuse them while
                              region, seed, --stores, --couriers and --crowd-share stay the same
                              (default: new accounts every run; npm start uses .city-accounts.json)`;

export function defaultCityOptions(databaseUrl: string): CityOptions {
  return {
    api: 'http://127.0.0.1:3000',
    databaseUrl,
    dispatcherMetrics: 'http://127.0.0.1:9464/metrics',
    region: 'city',
    couriers: 20,
    stores: 5,
    ordersPerHour: 40,
    crowdShare: 0.5,
    acceptRate: 0.8,
    thinkSeconds: 20,
    inHouseWagePerHour: 14,
    timeScale: 10,
    seed: 1,
    durationMinutes: 120,
    startMinuteOfDay: 11 * 60 + 30,
    cancelAfterMinutes: 45,
    drainMinutes: 90,
    out: undefined,
    accountsFile: undefined,
  };
}

function number(
  flag: string,
  raw: string,
  check: { min?: number; max?: number; integer?: boolean; above?: number },
) {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag} must be a number, got "${raw}"`);
  if (check.integer && !Number.isInteger(n))
    throw new UsageError(`${flag} must be a whole number, got ${raw}`);
  if (check.min !== undefined && n < check.min)
    throw new UsageError(`${flag} must be at least ${check.min}, got ${raw}`);
  if (check.max !== undefined && n > check.max)
    throw new UsageError(`${flag} must be at most ${check.max}, got ${raw}`);
  if (check.above !== undefined && !(n > check.above))
    throw new UsageError(`${flag} must be more than ${check.above}, got ${raw}`);
  return n;
}

function url(flag: string, raw: string): string {
  try {
    const parsed = new URL(raw);
    if (!/^(https?|postgres(ql)?):$/.test(parsed.protocol)) throw new Error('protocol');
  } catch {
    throw new UsageError(`${flag} must be a URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

/** Parses `argv` (the words after `city`) over `defaults`. */
export function parseCityOptions(argv: readonly string[], defaults: CityOptions): CityOptions {
  const o: CityOptions = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--forever') {
      o.durationMinutes = 0;
      continue;
    }
    if (!flag.startsWith('--')) throw new UsageError(`unexpected argument "${flag}"`);
    const raw = argv[++i];
    if (raw === undefined) throw new UsageError(`${flag} needs a value`);
    switch (flag) {
      case '--api':
        o.api = url(flag, raw);
        break;
      case '--database-url':
        o.databaseUrl = url(flag, raw);
        break;
      case '--dispatcher-metrics':
        o.dispatcherMetrics = url(flag, raw);
        break;
      case '--region':
        if (!/^[a-z0-9_-]{1,40}$/.test(raw))
          throw new UsageError(`--region must be a region id, got "${raw}"`);
        o.region = raw;
        break;
      case '--couriers':
        o.couriers = number(flag, raw, { min: 1, max: 2000, integer: true });
        break;
      case '--stores':
        o.stores = number(flag, raw, { min: 1, max: 200, integer: true });
        break;
      case '--orders-per-hour':
        o.ordersPerHour = number(flag, raw, { min: 0, max: 20_000 });
        break;
      case '--crowd-share':
        o.crowdShare = number(flag, raw, { min: 0, max: 1 });
        break;
      case '--accept-rate':
        o.acceptRate = number(flag, raw, { min: 0, max: 1 });
        break;
      case '--think-seconds':
        o.thinkSeconds = number(flag, raw, { min: 0, max: 3600 });
        break;
      case '--in-house-wage':
        o.inHouseWagePerHour = number(flag, raw, { min: 0, max: 10_000 });
        break;
      case '--time-scale':
        o.timeScale = number(flag, raw, { above: 0, max: 1000 });
        break;
      case '--seed':
        o.seed = number(flag, raw, { min: 0, max: 2 ** 31 - 1, integer: true });
        break;
      case '--duration':
        o.durationMinutes = number(flag, raw, { min: 0, max: 60 * 24 * 365 });
        break;
      case '--start': {
        const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(raw);
        if (!m) throw new UsageError(`--start must be HH:MM, got "${raw}"`);
        o.startMinuteOfDay = Number(m[1]) * 60 + Number(m[2]);
        break;
      }
      case '--cancel-after':
        o.cancelAfterMinutes = number(flag, raw, { above: 0, max: 24 * 60 });
        break;
      case '--drain':
        o.drainMinutes = number(flag, raw, { min: 0, max: 24 * 60 });
        break;
      case '--out':
        o.out = raw;
        break;
      case '--accounts':
        o.accountsFile = raw;
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return o;
}
