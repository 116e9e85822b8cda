import { assignJob, type LiveDeps, type OrderRow, transitionOrder, withTransaction } from '@o2o/dispatcher';
import { AlertListSchema, DomainError, ManualAssignBodySchema, OrderIdParamsSchema } from '@o2o/domain';
import { Type } from 'typebox';
import type { App, AppDeps } from '../../app-types.js';
import { operatorClaims } from '../../http/jwt-auth.js';
import { problemResponses } from '../problems.js';

const security = [{ jwt: [] }];
const tags = ['operators'];
const OrderStatusResult = Type.Object({
  order_id: Type.String(),
  status: Type.String(),
  courier_id: Type.Union([Type.String(), Type.Null()]),
});

/** Operators step in: manual assign or reassign (through the dispatcher's path), cancel, alerts. */
export async function opsOrderRoutes(app: App, deps: AppDeps & { live: LiveDeps }): Promise<void> {
  const orderInScope = async (orderId: string, regions: readonly string[]): Promise<OrderRow> => {
    const found = await deps.pool.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [orderId]);
    const order = found.rows[0];
    if (!order || !regions.includes(order.region_id))
      throw new DomainError('not_found', { detail: 'No such order in your regions' });
    return order;
  };

  app.post(
    '/v1/ops/orders/:id/assign',
    {
      schema: {
        tags,
        security,
        summary: 'Assign (or reassign) an order to a courier',
        params: OrderIdParamsSchema,
        body: ManualAssignBodySchema,
        response: { 200: OrderStatusResult, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const claims = await operatorClaims(request);
      const order = await orderInScope(request.params.id, claims.regions);
      const courier = await deps.pool.query('SELECT 1 FROM couriers WHERE id = $1 AND region_id = $2', [
        request.body.courier_id,
        order.region_id,
      ]);
      if (courier.rowCount === 0)
        throw new DomainError('not_found', { detail: 'No such courier in the order’s region' });
      const job = await assignJob(deps.live, {
        region: order.region_id,
        orderIds: [order.id],
        courierId: request.body.courier_id,
        actor: 'operator',
      });
      const assigned = job.orders[0]!;
      return { order_id: assigned.id, status: assigned.status, courier_id: assigned.courier_id };
    },
  );

  app.post(
    '/v1/ops/orders/:id/cancel',
    {
      schema: {
        tags,
        security,
        summary: 'Cancel an order at any time before delivery',
        params: OrderIdParamsSchema,
        response: { 200: OrderStatusResult, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const claims = await operatorClaims(request);
      const order = await orderInScope(request.params.id, claims.regions);
      const result = await withTransaction(deps.pool, async (client) => {
        const moved = await transitionOrder(client, {
          orderId: order.id,
          to: 'canceled',
          actor: 'operator',
          cancelReason: 'operator',
        });
        await client.query(
          `UPDATE assignments SET ended_at = now(), end_reason = 'canceled' WHERE order_id = $1 AND ended_at IS NULL`,
          [order.id],
        );
        await client.query(
          `UPDATE offers SET status = 'revoked', decided_at = now() WHERE order_ids @> ARRAY[$1::uuid] AND status = 'open'`,
          [order.id],
        );
        return moved;
      });
      await deps.effects.afterCommit(result.order, [result.outboxId]);
      return { order_id: result.order.id, status: result.order.status, courier_id: result.order.courier_id };
    },
  );

  app.get(
    '/v1/ops/alerts',
    {
      schema: {
        tags,
        security,
        summary: 'Open alerts (orders waiting too long) in your regions',
        response: { 200: AlertListSchema, ...problemResponses(401, 403, 429) },
      },
    },
    async (request) => {
      const claims = await operatorClaims(request);
      const alerts = await deps.pool.query<{
        id: string;
        region_id: string;
        order_id: string | null;
        kind: string;
        data: Record<string, unknown>;
        created_at: Date;
      }>(
        `SELECT id, region_id, order_id, kind, data, created_at FROM alerts
          WHERE resolved_at IS NULL AND region_id = ANY($1) ORDER BY created_at DESC LIMIT 500`,
        [claims.regions],
      );
      return { data: alerts.rows.map((a) => ({ ...a, created_at: a.created_at.toISOString() })) };
    },
  );
}
