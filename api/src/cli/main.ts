import { parseArgs } from 'node:util';
import { createPool } from '@o2o/dispatcher';
import { COURIER_KINDS, type CourierKind, VEHICLES, type Vehicle } from '@o2o/domain';
import { loadApiConfig } from '../config.js';
import { createCourier, createOperator, createStore } from './accounts.js';

const USAGE = `usage: npm run cli -- <command> [options]

commands:
  create-store    --name NAME [--region city] [--lat LAT --lng LNG]
                  prints the store and its API key (shown once) as JSON
  create-courier  --name NAME --email EMAIL --password PASSWORD
                  --kind in_house|crowd --vehicle bike|scooter|car [--capacity N] [--region city]
  create-operator --name NAME --email EMAIL --password PASSWORD [--regions city,other]

The database comes from DATABASE_URL (run \`npm run migrate\` first).`;

class UsageError extends Error {}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function num(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      region: { type: 'string', default: 'city' },
      regions: { type: 'string', default: 'city' },
      lat: { type: 'string' },
      lng: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      kind: { type: 'string' },
      vehicle: { type: 'string' },
      capacity: { type: 'string' },
    },
    strict: true,
  });
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadApiConfig(process.env);
  const pool = createPool(config.DATABASE_URL, 2);
  try {
    let out: unknown;
    if (command === 'create-store') {
      const lat = num(values.lat, 'lat');
      const lng = num(values.lng, 'lng');
      out = await createStore(pool, {
        name: required(values, 'name'),
        region: values.region ?? 'city',
        ...(lat !== undefined && lng !== undefined ? { lat, lng } : {}),
      });
    } else if (command === 'create-courier') {
      const capacity = num(values.capacity, 'capacity');
      out = await createCourier(pool, {
        name: required(values, 'name'),
        email: required(values, 'email'),
        password: required(values, 'password'),
        kind: oneOf<CourierKind>(required(values, 'kind'), COURIER_KINDS, 'kind'),
        vehicle: oneOf<Vehicle>(required(values, 'vehicle'), VEHICLES, 'vehicle'),
        region: values.region ?? 'city',
        ...(capacity !== undefined ? { capacity } : {}),
      });
    } else if (command === 'create-operator') {
      out = await createOperator(pool, {
        name: required(values, 'name'),
        email: required(values, 'email'),
        password: required(values, 'password'),
        regions: (values.regions ?? 'city').split(',').filter(Boolean),
      });
    } else {
      throw new UsageError(`unknown command: ${command}`);
    }
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (
    err instanceof UsageError ||
    (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
  ) {
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`cli failed: ${message}\n`);
  process.exit(1);
});
