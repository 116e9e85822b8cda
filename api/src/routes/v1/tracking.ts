import { randomUUID } from 'node:crypto';
import { type OrderRow, withTransaction } from '@o2o/dispatcher';
import {
  DomainError,
  type OrderStatus,
  RatingBodySchema,
  RatingSchema,
  TrackingSnapshotSchema,
  TrackingTokenParamsSchema,
} from '@o2o/domain';
import type { App, AppDeps } from '../../app-types.js';
import { trackUpdate } from '../../gateway/track-namespace.js';
import { problemResponses } from '../problems.js';

const tags = ['tracking'];
const FINAL = new Set(['delivered', 'canceled', 'failed']);

interface RatingRow {
  stars: number;
  comment: string | null;
  created_at: Date;
}

/**
 * The customer's side, authorised by the tracking token of the order's `tracking_url` (no
 * account): a snapshot for the tracking page, and one rating after delivery. A token that is not
 * ours, and a link whose order ended longer ago than `TRACKING_LINK_TTL_MS`, read as not found,
 * like on the `/track` socket.
 */
export async function trackingRoutes(app: App, deps: AppDeps): Promise<void> {
  const orderOfToken = async (token: string): Promise<OrderRow> => {
    const orderId = deps.secrets.orderIdFromTrackingToken(token);
    const found = orderId
      ? await deps.pool.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [orderId])
      : null;
    const order = found?.rows[0];
    if (!order) throw new DomainError('not_found', { detail: 'No such tracking link' });
    if (FINAL.has(order.status) && Date.now() - order.updated_at.getTime() > deps.config.TRACKING_LINK_TTL_MS)
      throw new DomainError('not_found', { detail: 'This tracking link has expired' });
    return order;
  };

  app.get(
    '/v1/track/:token',
    {
      schema: {
        tags,
        summary: 'Tracking page snapshot: status timeline, store, drop-off, courier and ETA, rating',
        params: TrackingTokenParamsSchema,
        response: { 200: TrackingSnapshotSchema, ...problemResponses(400, 404, 429) },
      },
    },
    async (request, reply) => {
      const order = await orderOfToken(request.params.token);
      const [store, events, rating, live] = await Promise.all([
        deps.pool.query<{ name: string; lat: number | null; lng: number | null }>(
          'SELECT name, lat, lng FROM stores WHERE id = $1',
          [order.store_id],
        ),
        deps.pool.query<{ to_status: OrderStatus; created_at: Date }>(
          'SELECT to_status, created_at FROM order_events WHERE order_id = $1 ORDER BY seq',
          [order.id],
        ),
        deps.pool.query<RatingRow>('SELECT stars, comment, created_at FROM ratings WHERE order_id = $1', [
          order.id,
        ]),
        trackUpdate(deps.live, order.id),
      ]);
      reply.header('cache-control', 'no-store');
      return {
        order_id: order.id,
        status: order.status,
        version: order.version,
        store: {
          name: store.rows[0]?.name ?? 'Store',
          lat: order.pickup_lat,
          lng: order.pickup_lng,
          address: order.pickup_address,
        },
        dropoff: {
          lat: order.dropoff_lat,
          lng: order.dropoff_lng,
          ...(order.dropoff_address ? { address: order.dropoff_address } : {}),
        },
        timeline: events.rows.map((e) => ({ status: e.to_status, at: e.created_at.toISOString() })),
        courier: live.courier,
        eta_ms: live.eta_ms,
        rating: rating.rows[0] ? ratingView(rating.rows[0]) : null,
        can_rate: order.status === 'delivered' && !rating.rows[0],
      };
    },
  );

  app.post(
    '/v1/track/:token/rating',
    {
      schema: {
        tags,
        summary: 'Rate a delivered order, once: 1 to 5 stars and an optional comment',
        params: TrackingTokenParamsSchema,
        body: RatingBodySchema,
        response: { 201: RatingSchema, ...problemResponses(400, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const order = await orderOfToken(request.params.token);
      if (order.status !== 'delivered')
        throw new DomainError('invalid_transition', { detail: 'Only a delivered order can be rated' });
      const comment = request.body.comment?.trim() || null;
      const { rating, outboxId } = await withTransaction(deps.pool, async (client) => {
        const inserted = await client.query<RatingRow>(
          `INSERT INTO ratings (order_id, store_id, courier_id, stars, comment) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (order_id) DO NOTHING RETURNING stars, comment, created_at`,
          [order.id, order.store_id, order.courier_id, request.body.stars, comment],
        );
        const row = inserted.rows[0];
        if (!row) throw new DomainError('conflict', { detail: 'This order was already rated' });
        // The rating reaches the store's webhook like every order event, through the outbox.
        const eventId = `evt_${randomUUID()}`;
        const outbox = await client.query<{ id: string }>(
          `INSERT INTO outbox (store_id, order_id, event_id, type, payload, created_at)
           VALUES ($1, $2, $3, 'order.rated', $4, $5) RETURNING id`,
          [
            order.store_id,
            order.id,
            eventId,
            {
              id: eventId,
              type: 'order.rated',
              created_at: row.created_at.toISOString(),
              order: {
                id: order.id,
                external_id: order.external_id,
                status: order.status,
                seq: order.version,
                courier_id: order.courier_id,
              },
              data: { stars: row.stars, comment: row.comment },
            },
            row.created_at,
          ],
        );
        return { rating: row, outboxId: outbox.rows[0]!.id };
      });
      await deps.effects.afterCommit(order, [outboxId]).catch((err: unknown) => {
        request.log.warn({ err }, 'rating webhook hand-off failed; the reconciler retries');
      });
      reply.code(201);
      return ratingView(rating);
    },
  );
}

function ratingView(r: RatingRow) {
  return { stars: r.stars, comment: r.comment, created_at: r.created_at.toISOString() };
}
