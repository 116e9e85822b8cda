import { parseEnvConfig } from '@o2o/domain';
import { type Static, Type } from 'typebox';

/** The dispatcher's configuration: one schema over environment variables (see .env.example). */
const DispatcherConfigSchema = Type.Object({
  DATABASE_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/o2o' }),
  REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379' }),
  REDIS_PREFIX: Type.String({ default: 'o2o', pattern: '^[A-Za-z0-9_-]+$' }),
  /** Comma-separated regions to run; empty means every region in Postgres. */
  DISPATCHER_REGIONS: Type.String({ default: '' }),
  LEASE_TTL_MS: Type.Integer({ minimum: 200, default: 5000 }),
  /** Silent couriers leave the index after this long. */
  COURIER_SILENCE_MS: Type.Integer({ minimum: 1000, default: 60_000 }),
  /** /metrics and /health/live of the dispatcher process. */
  DISPATCHER_METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9464 }),
  DISPATCHER_HOST: Type.String({ default: '127.0.0.1' }),
  DISPATCHER_ID: Type.String({ default: '' }),
  LOG_LEVEL: Type.String({ default: 'info' }),
});

export type DispatcherConfig = Readonly<Static<typeof DispatcherConfigSchema>>;

export function loadDispatcherConfig(env: Record<string, string | undefined>): DispatcherConfig {
  return parseEnvConfig(DispatcherConfigSchema, env);
}
