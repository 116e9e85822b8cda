import {
  acceptOffer,
  closeOffer,
  dropJob,
  type LiveDeps,
  type OrderRow,
  recordJobStep,
} from '@o2o/dispatcher';
import {
  AcceptResultSchema,
  CourierJobListSchema,
  CourierOfferListSchema,
  CourierStatusSchema,
  DeclineResultSchema,
  GoOnlineSchema,
  JobOrderParamsSchema,
  JobStepBodySchema,
  OfferIdParamsSchema,
  PositionBatchResultSchema,
  PositionBatchSchema,
} from '@o2o/domain';
import { Type } from 'typebox';
import type { App, AppDeps } from '../../app-types.js';
import { putCourierOnline } from '../../couriers/go-online.js';
import { courierClaims } from '../../http/jwt-auth.js';
import { problemResponses } from '../problems.js';

const security = [{ jwt: [] }];
const tags = ['couriers'];

/**
 * The courier's job flow over HTTP (the /courier socket events of the live layer call the same
 * dispatcher functions): go online or offline, batched positions, offers, job steps.
 */
export async function courierRoutes(app: App, deps: AppDeps & { live: LiveDeps }): Promise<void> {
  const { live } = deps;

  app.post(
    '/v1/courier/online',
    {
      schema: {
        tags,
        security,
        summary: 'Go online at a position: the dispatcher may now offer you jobs',
        body: GoOnlineSchema,
        response: { 200: CourierStatusSchema, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const claims = await courierClaims(request);
      const { capacity } = await putCourierOnline(live, claims.region, claims.sub, request.body);
      const now = await live.index.getCourier(claims.region, claims.sub);
      return { state: now?.state ?? 'idle', load: now?.load ?? 0, capacity };
    },
  );

  app.post(
    '/v1/courier/offline',
    {
      schema: {
        tags,
        security,
        summary: 'Go offline: no new offers (jobs in progress stay yours)',
        response: { 200: CourierStatusSchema, ...problemResponses(401, 403, 429) },
      },
    },
    async (request) => {
      const claims = await courierClaims(request);
      const current = await live.index.getCourier(claims.region, claims.sub);
      if (current) await live.index.setState(claims.region, claims.sub, { state: 'offline' });
      return { state: 'offline' as const, load: current?.load ?? 0, capacity: current?.capacity ?? 0 };
    },
  );

  app.post(
    '/v1/courier/positions',
    {
      schema: {
        tags,
        security,
        summary: 'Report positions (up to 100 at once, oldest first)',
        body: PositionBatchSchema,
        response: { 200: PositionBatchResultSchema, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const claims = await courierClaims(request);
      const now = Date.now();
      const summary = await live.index.ingestPings(
        request.body.positions.map((p) => ({
          region: claims.region,
          courierId: claims.sub,
          lat: p.lat,
          lng: p.lng,
          atMs: Math.min(p.at ?? now, now),
        })),
      );
      return {
        accepted: summary.moved + summary.sameCell,
        stale: summary.stale,
        go_online_again: summary.unknown > 0,
      };
    },
  );

  app.get(
    '/v1/courier/offers',
    {
      schema: {
        tags,
        security,
        summary: 'Your open offers',
        response: { 200: CourierOfferListSchema, ...problemResponses(401, 403, 429) },
      },
    },
    async (request) => {
      const claims = await courierClaims(request);
      const offers = await deps.pool.query<{
        id: string;
        order_ids: string[];
        pay_cents: number;
        expires_at: Date;
      }>(
        `SELECT id, order_ids, pay_cents, expires_at FROM offers
          WHERE courier_id = $1 AND status = 'open' AND expires_at > now() ORDER BY created_at`,
        [claims.sub],
      );
      const data = [];
      for (const offer of offers.rows) {
        const orders = await deps.pool.query<OrderRow>('SELECT * FROM orders WHERE id = ANY($1)', [
          offer.order_ids,
        ]);
        const first = orders.rows[0];
        if (!first) continue;
        data.push({
          offer_id: offer.id,
          order_ids: offer.order_ids,
          pickup: address(first.pickup_lat, first.pickup_lng, first.pickup_address),
          dropoffs: orders.rows.map((o) => address(o.dropoff_lat, o.dropoff_lng, o.dropoff_address)),
          pay_cents: offer.pay_cents,
          expires_at: offer.expires_at.toISOString(),
        });
      }
      return { data };
    },
  );

  app.post(
    '/v1/courier/offers/:id/accept',
    {
      schema: {
        tags,
        security,
        summary: 'Accept an offer: the first courier to accept gets the job',
        params: OfferIdParamsSchema,
        response: { 200: AcceptResultSchema, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const claims = await courierClaims(request);
      const accepted = await acceptOffer(live, claims.sub, request.params.id);
      return { job_id: accepted.jobId, order_ids: accepted.orders.map((o) => o.id) };
    },
  );

  app.post(
    '/v1/courier/offers/:id/decline',
    {
      schema: {
        tags,
        security,
        summary: 'Decline an offer: it will not be offered to you again',
        params: OfferIdParamsSchema,
        response: { 200: DeclineResultSchema, ...problemResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const claims = await courierClaims(request);
      const result = await closeOffer(live, request.params.id, 'declined', claims.sub);
      return { declined: result.closed };
    },
  );

  app.get(
    '/v1/courier/jobs',
    {
      schema: {
        tags,
        security,
        summary: 'Your jobs in progress',
        response: { 200: CourierJobListSchema, ...problemResponses(401, 403, 429) },
      },
    },
    async (request) => {
      const claims = await courierClaims(request);
      const jobs = await deps.pool.query<OrderRow>(
        `SELECT * FROM orders WHERE courier_id = $1 AND status IN ('assigned', 'at_pickup', 'picked_up', 'at_dropoff')
          ORDER BY updated_at`,
        [claims.sub],
      );
      return { data: jobs.rows.map(jobView) };
    },
  );

  app.post(
    '/v1/courier/jobs/:orderId/status',
    {
      schema: {
        tags,
        security,
        summary: 'Report a job step: at_pickup, picked_up, at_dropoff, delivered (with the PIN)',
        params: JobOrderParamsSchema,
        body: JobStepBodySchema,
        response: {
          200: Type.Object({ order_id: Type.String(), status: Type.String() }),
          ...problemResponses(400, 401, 403, 404, 409, 422, 429),
        },
      },
    },
    async (request) => {
      const claims = await courierClaims(request);
      const order = await recordJobStep(live, {
        courierId: claims.sub,
        orderId: request.params.orderId,
        step: request.body.status,
        ...(request.body.pin ? { pin: request.body.pin } : {}),
        pinMatches: deps.secrets.pinMatches,
      });
      return { order_id: order.id, status: order.status };
    },
  );

  app.post(
    '/v1/courier/jobs/:orderId/drop',
    {
      schema: {
        tags,
        security,
        summary: 'Give a job back before pickup: it goes to another courier',
        params: JobOrderParamsSchema,
        response: {
          200: Type.Object({ order_id: Type.String(), status: Type.String() }),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request) => {
      const claims = await courierClaims(request);
      const order = await dropJob(live, claims.sub, request.params.orderId);
      return { order_id: order.id, status: order.status };
    },
  );
}

function address(lat: number, lng: number, text: string | null) {
  return text === null ? { lat, lng } : { lat, lng, address: text };
}

function jobView(o: OrderRow) {
  return {
    order_id: o.id,
    status: o.status,
    pickup: address(o.pickup_lat, o.pickup_lng, o.pickup_address),
    dropoff: address(o.dropoff_lat, o.dropoff_lng, o.dropoff_address),
    customer_name: o.customer_name,
    ready_at: o.ready_at.toISOString(),
  };
}
