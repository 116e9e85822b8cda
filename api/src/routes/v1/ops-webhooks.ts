import { DeadWebhookListSchema } from '@o2o/domain';
import type { App, AppDeps } from '../../app-types.js';
import { operatorClaims } from '../../http/jwt-auth.js';
import { problemResponses } from '../problems.js';

/** Dead-lettered webhook events, for operators of the stores' regions. */
export async function opsWebhookRoutes(app: App, deps: AppDeps): Promise<void> {
  app.get(
    '/v1/ops/webhooks/dead',
    {
      schema: {
        tags: ['operators'],
        summary: 'Webhook events that could not be delivered in time',
        security: [{ jwt: [] }],
        response: { 200: DeadWebhookListSchema, ...problemResponses(401, 403, 429) },
      },
    },
    async (request) => {
      const claims = await operatorClaims(request);
      const result = await deps.pool.query<{
        id: string;
        store_id: string;
        order_id: string | null;
        type: string;
        attempts: number;
        last_error: string | null;
        created_at: Date;
      }>(
        `SELECT o.id, o.store_id, o.order_id, o.type, o.attempts, o.last_error, o.created_at
           FROM outbox o JOIN stores s ON s.id = o.store_id
          WHERE o.status = 'dead' AND s.region_id = ANY($1)
          ORDER BY o.created_at DESC LIMIT 500`,
        [claims.regions],
      );
      return { data: result.rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() })) };
    },
  );
}
