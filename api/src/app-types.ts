import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { LiveDeps, Pool } from '@o2o/dispatcher';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { OrderSecrets } from './auth/order-secrets.js';
import type { ApiConfig } from './config.js';
import type { OrderEffects } from './orders/order-effects.js';
import type { AuthenticatedStore } from './stores/store-auth.js';

/** What the app is built from; main.ts makes the real ones, tests make their own. */
export interface AppDeps {
  config: ApiConfig;
  pool: Pool;
  redis: Redis;
  effects: OrderEffects;
  secrets: OrderSecrets;
  /** The dispatcher's live state (courier index, offers) the courier and operator routes act on. */
  live: LiveDeps;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the store authentication hook on store routes. */
    store: AuthenticatedStore | null;
  }
}
