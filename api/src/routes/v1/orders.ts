import { orderFromRow, transitionOrder, withTransaction } from '@o2o/dispatcher';
import {
  CancelOrderSchema,
  CreatedOrderSchema,
  CreateOrderSchema,
  ListOrdersQuerySchema,
  noSurcharge,
  OrderEventListSchema,
  OrderIdParamsSchema,
  OrderPageSchema,
  OrderSchema,
} from '@o2o/domain';
import { Type } from 'typebox';
import type { App, AppDeps } from '../../app-types.js';
import { createOrder } from '../../orders/create-order.js';
import { findStoreOrder, listOrderEvents, listStoreOrders } from '../../orders/order-queries.js';
import { problemResponses } from '../problems.js';

const IdempotencyHeadersSchema = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'Unique per order you create: a retry with the same key and body returns the same order',
  }),
});

export async function orderRoutes(app: App, deps: AppDeps): Promise<void> {
  const trackingUrl = (orderId: string) =>
    `${deps.config.PUBLIC_BASE_URL}/track/${deps.secrets.trackingToken(orderId)}`;
  const view = (row: Parameters<typeof orderFromRow>[0]) => orderFromRow(row, trackingUrl(row.id));

  app.post(
    '/v1/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Create an order (idempotent)',
        security: [{ apiKey: [] }],
        headers: IdempotencyHeadersSchema,
        body: CreateOrderSchema,
        response: { 201: CreatedOrderSchema, ...problemResponses(400, 401, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const store = request.store!;
      const result = await createOrder({
        pool: deps.pool,
        store: { id: store.id, regionId: store.regionId },
        idempotencyKey: request.headers['idempotency-key'],
        body: request.body,
        trackingUrl,
        handoffPin: deps.secrets.handoffPin,
        surcharge: noSurcharge,
      });
      // Answered once the order is committed, without waiting for its after-commit effects (the
      // dispatch queue, the webhook handoff), which follow within a few ms: the order is already
      // safe in Postgres, and if this process dies before they run, the reconciler queues the
      // pending order and hands over its outbox row (RECONCILE_INTERVAL_MS). The creating client
      // thus waits for one commit, not for two more Redis round trips after it.
      if (result.created) {
        void runEffects(deps, request.log, result.created.order, result.created.outboxIds);
      }
      return reply.status(result.statusCode).send(result.body);
    },
  );

  app.get(
    '/v1/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'List your orders, newest first',
        security: [{ apiKey: [] }],
        querystring: ListOrdersQuerySchema,
        response: { 200: OrderPageSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const page = await listStoreOrders(deps.pool, request.store!.id, request.query);
      return { data: page.rows.map(view), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/orders/:id',
    {
      schema: {
        tags: ['orders'],
        summary: 'One order',
        security: [{ apiKey: [] }],
        params: OrderIdParamsSchema,
        response: { 200: OrderSchema, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (request) => view(await findStoreOrder(deps.pool, request.store!.id, request.params.id)),
  );

  app.get(
    '/v1/orders/:id/events',
    {
      schema: {
        tags: ['orders'],
        summary: "An order's status history, in sequence",
        security: [{ apiKey: [] }],
        params: OrderIdParamsSchema,
        response: { 200: OrderEventListSchema, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const order = await findStoreOrder(deps.pool, request.store!.id, request.params.id);
      return { data: await listOrderEvents(deps.pool, order.id) };
    },
  );

  app.post(
    '/v1/orders/:id/cancel',
    {
      schema: {
        tags: ['orders'],
        summary: 'Cancel an order (until it is picked up)',
        security: [{ apiKey: [] }],
        params: OrderIdParamsSchema,
        body: CancelOrderSchema,
        response: { 200: OrderSchema, ...problemResponses(400, 401, 404, 409, 429) },
      },
    },
    async (request) => {
      const store = request.store!;
      const current = await findStoreOrder(deps.pool, store.id, request.params.id);
      // Canceling twice is not an error: the second call returns the canceled order.
      if (current.status === 'canceled') return view(current);
      const result = await withTransaction(deps.pool, (client) =>
        transitionOrder(client, {
          orderId: current.id,
          storeId: store.id,
          to: 'canceled',
          actor: 'store',
          ...(request.body?.reason ? { cancelReason: request.body.reason } : {}),
        }),
      );
      await runEffects(deps, request.log, result.order, [result.outboxId]);
      return view(result.order);
    },
  );
}

/** After commit: a failure here is logged, not returned; the reconciler repairs it. */
async function runEffects(
  deps: AppDeps,
  log: { warn: (obj: object, msg: string) => void },
  order: Parameters<AppDeps['effects']['afterCommit']>[0],
  outboxIds: string[],
): Promise<void> {
  try {
    await deps.effects.afterCommit(order, outboxIds);
  } catch (err) {
    log.warn({ err, orderId: order.id }, 'after-commit effects failed; the reconciler will retry');
  }
}
