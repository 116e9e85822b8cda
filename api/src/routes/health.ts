import { DomainError } from '@o2o/domain';
import { Type } from 'typebox';
import type { App, AppDeps } from '../app-types.js';
import { problemResponses } from './problems.js';

const HealthSchema = Type.Object({
  status: Type.String(),
  checks: Type.Record(Type.String(), Type.String()),
});

/** Liveness (the process answers) and readiness (Postgres and Redis answer too). */
export async function healthRoutes(app: App, deps: Pick<AppDeps, 'pool' | 'redis'>): Promise<void> {
  const opts = {
    config: { rateLimit: false },
    schema: { tags: ['health'], response: { 200: HealthSchema } },
  };
  app.get('/health/live', opts, async () => ({ status: 'ok', checks: {} }));
  app.get(
    '/health/ready',
    { ...opts, schema: { ...opts.schema, response: { 200: HealthSchema, ...problemResponses(503) } } },
    async (request) => {
      const [pg, redis] = await Promise.allSettled([
        withTimeout(deps.pool.query('SELECT 1'), 2000),
        withTimeout(deps.redis.ping(), 2000),
      ]);
      const checks = { postgres: state(pg), redis: state(redis) };
      if (pg.status === 'rejected' || redis.status === 'rejected') {
        request.log.warn({ checks }, 'not ready');
        const down = Object.entries(checks)
          .filter(([, v]) => v !== 'ok')
          .map(([k]) => k);
        throw new DomainError('dependency_unavailable', {
          detail: `down: ${down.join(', ')}`,
          retryAfterSeconds: 5,
        });
      }
      return { status: 'ok', checks };
    },
  );
}

function state(result: PromiseSettledResult<unknown>): string {
  return result.status === 'fulfilled' ? 'ok' : 'down';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
