import fastifyJwt from '@fastify/jwt';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type AccessClaims, DomainError } from '@o2o/domain';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { App, AppDeps } from './app-types.js';
import { rateLimitKeyGenerator, requestStoreResolver } from './auth/rate-limit-key.js';
import { rateLimitLeaseStore } from './auth/rate-limit-lease-store.js';
import { problemServerOptions, registerProblemHandlers } from './http/problem.js';
import { validatorCompiler } from './http/validation.js';
import { registerDocs } from './plugins/docs.js';
import { registerMetrics } from './plugins/metrics.js';
import { registerWebApps } from './plugins/web-apps.js';
import { healthRoutes } from './routes/health.js';
import { authRoutes } from './routes/v1/auth.js';
import { courierRoutes } from './routes/v1/courier.js';
import { opsOrderRoutes } from './routes/v1/ops-orders.js';
import { opsWebhookRoutes } from './routes/v1/ops-webhooks.js';
import { orderRoutes } from './routes/v1/orders.js';
import { quoteRoutes } from './routes/v1/quotes.js';
import { trackingRoutes } from './routes/v1/tracking.js';
import { webhookSettingsRoutes } from './routes/v1/webhook-settings.js';
import { createStoreAuthenticator } from './stores/store-auth.js';

/**
 * The api as a fastify instance, built from its dependencies: external plugins, then ours, then
 * routes. Tests build it; only main.ts listens.
 */
export async function buildApp(deps: AppDeps, options: FastifyServerOptions = {}): Promise<App> {
  const app = Fastify({
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    // Slow clients (headers or body trickling in) are cut off, so they cannot hold connections for
    // ever; Node checks the deadlines every `connectionsCheckingInterval`.
    requestTimeout: deps.config.REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: deps.config.REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(
        30_000,
        Math.max(100, Math.floor(deps.config.REQUEST_TIMEOUT_MS / 4)),
      ),
    },
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
    ...problemServerOptions(),
    ...options,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // The API speaks JSON only: any other body is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  registerProblemHandlers(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(fastifyJwt, { secret: deps.config.JWT_SECRET });
  const storeOf = requestStoreResolver(createStoreAuthenticator(deps.pool));
  await app.register(rateLimit, {
    max: deps.config.RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    // Budgets are leased from Redis rather than spent one script per request (see the store).
    store: rateLimitLeaseStore(deps.redis, `${deps.config.REDIS_PREFIX}:rl:`),
    // Per store for an API key that verifies, per account for a courier or operator JWT that
    // verifies (riders behind one carrier NAT do not share a budget), else per client address:
    // credentials that do not verify cannot spend anyone else's budget.
    keyGenerator: rateLimitKeyGenerator(storeOf, (token) => app.jwt.verify<AccessClaims>(token)),
    errorResponseBuilder: (_request, context) =>
      new DomainError('rate_limited', {
        detail: `Limit of ${context.max} requests per minute reached; retry in ${context.after}`,
        retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
      }),
  });
  await registerDocs(app);
  registerMetrics(app);
  await healthRoutes(app, deps);

  app.decorateRequest('store', null);
  await app.register(async (storeScope) => {
    const scoped = storeScope.withTypeProvider<TypeBoxTypeProvider>();
    // The budget is taken before the key is checked (route-level hooks run after this scope's),
    // so a request with a key that does not verify is counted, on its address, before its 401.
    scoped.addHook('onRequest', app.rateLimit());
    scoped.addHook('onRequest', async (request) => {
      request.store = await storeOf(request);
    });
    await quoteRoutes(scoped, deps);
    await orderRoutes(scoped, deps);
    await webhookSettingsRoutes(scoped, deps);
  });
  await authRoutes(app, deps);
  await opsWebhookRoutes(app, deps);
  await courierRoutes(app, deps);
  await opsOrderRoutes(app, deps);
  await trackingRoutes(app, deps);
  await registerWebApps(app, deps);
  return app;
}
