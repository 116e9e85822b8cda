import { parseEnvConfig, StringUnion } from '@o2o/domain';
import { type Static, Type } from 'typebox';

/**
 * The api's configuration: one schema over environment variables, parsed once at start, frozen and
 * passed down. Nothing else reads process.env. `.env.example` lists every variable.
 */
const ApiConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  DATABASE_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/o2o' }),
  REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379' }),
  /** Prefix of every Redis key this deployment writes (tests use a random one). */
  REDIS_PREFIX: Type.String({ default: 'o2o', pattern: '^[A-Za-z0-9_-]+$' }),
  PUBLIC_BASE_URL: Type.String({ default: 'http://127.0.0.1:3000' }),
  JWT_SECRET: Type.String({ minLength: 16, default: 'dev-only-jwt-secret-change-me' }),
  /** Derives handoff PINs and tracking tokens, so neither is stored in clear. */
  TOKEN_SECRET: Type.String({ minLength: 16, default: 'dev-only-token-secret-change-me' }),
  /**
   * Seals webhook signing secrets at rest (AES-256-GCM): `<key id>:<32 bytes base64>`, more than
   * one comma-separated during a rotation (the first seals, all open). See webhooks/secret-box.ts.
   */
  SECRETS_KEY: Type.String({ minLength: 8, default: 'dev:ZGV2LW9ubHktc2VjcmV0cy1rZXktY2hhbmdlLW1lISE=' }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 64 * 1024 }),
  /** A request (headers and body) must arrive within this time, or it is answered 408 and closed. */
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 600 }),
  QUOTE_TTL_SECONDS: Type.Integer({ minimum: 10, default: 300 }),
  WEBHOOK_RETRY_FOR_MS: Type.Integer({ minimum: 1000, default: 24 * 3600 * 1000 }),
  WEBHOOK_BACKOFF_BASE_MS: Type.Integer({ minimum: 10, default: 1000 }),
  WEBHOOK_BACKOFF_MAX_MS: Type.Integer({ minimum: 100, default: 3600 * 1000 }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5000 }),
  /**
   * Webhooks go to public addresses only unless this opens more: `true` (every loopback, private
   * and link-local address but cloud metadata), or CIDR networks, comma-separated (local
   * development and tests: `127.0.0.0/8,::1/128`). Empty in production. See webhooks/url-policy.ts.
   */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: Type.String({ default: '' }),
  /** A tracking link stops working this long after delivery or cancellation. */
  TRACKING_LINK_TTL_MS: Type.Integer({ minimum: 0, default: 2 * 3600 * 1000 }),
  /** Most sockets one courier or operator account may hold at once (over all api processes). */
  MAX_SOCKETS_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 10 }),
  /** Most customers' sockets open on one order's tracking link at once. */
  MAX_SOCKETS_PER_TRACKING_LINK: Type.Integer({ minimum: 1, default: 20 }),
  RECONCILE_INTERVAL_MS: Type.Integer({ minimum: 100, default: 5000 }),
  /** Run the outbox → webhook worker inside the api process (docker-compose runs it apart). */
  RUN_WEBHOOK_WORKER: Type.Boolean({ default: true }),
  LOG_LEVEL: StringUnion(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
});

export type ApiConfig = Readonly<Static<typeof ApiConfigSchema>>;

/** Parses the api's config from env; throws one readable error listing every bad variable. */
export function loadApiConfig(
  env: Record<string, string | undefined>,
  overrides: Partial<ApiConfig> = {},
): ApiConfig {
  return parseEnvConfig(ApiConfigSchema, env, overrides);
}
