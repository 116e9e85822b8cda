import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { type CourierRecord, type LiveDeps, regionKeys } from '@o2o/dispatcher';
import {
  CityMapSchema,
  CourierKindSchema,
  cityMapGeoJson,
  DEFAULT_REGION_CONFIG,
  DomainError,
  IsoDateTime,
  OrderStatusSchema,
  StringUnion,
  Uuid,
} from '@o2o/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { App, AppDeps } from '../app-types.js';
import { operatorClaims } from '../http/jwt-auth.js';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../http/problem.js';
import { problemResponses } from '../routes/problems.js';

/**
 * The web side of the api: the three built apps (courier app, tracking page, ops console) as
 * static files, the simulated city the maps draw, and the read-only views the ops console polls
 * (couriers with kind and state, orders, heat, KPIs). Writes go through the existing routes.
 */

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Each app's folder and the path it is served under (its Vite `base`). */
export const WEB_APPS = [
  { folder: 'courier-app', prefix: '/app/courier/' },
  { folder: 'tracking-page', prefix: '/app/track/' },
  { folder: 'ops-console', prefix: '/app/ops/' },
] as const;

const security = [{ jwt: [] }];
const tags = ['operators'];

const RegionQuerySchema = Type.Object(
  {
    region: Type.Optional(Type.String({ minLength: 1, description: 'One of your regions; all by default' })),
  },
  { additionalProperties: false },
);

const OpsCourierSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  region_id: Type.String(),
  kind: CourierKindSchema,
  vehicle: Type.String(),
  state: StringUnion(['idle', 'busy', 'offline']),
  lat: Type.Number(),
  lng: Type.Number(),
  load: Type.Integer(),
  capacity: Type.Integer(),
  last_seen_at: IsoDateTime,
  /** Customers' ratings of the courier's deliveries (tracking page), last 30 days. */
  rating_avg: Type.Union([Type.Number(), Type.Null()]),
  rating_count: Type.Integer(),
});
const OpsCourierListSchema = Type.Object({ data: Type.Array(OpsCourierSchema) });

const ORDER_VIEWS = ['active', 'waiting', 'assigned', 'late'] as const;
const OpsOrdersQuerySchema = Type.Object(
  {
    status: Type.Optional(
      StringUnion(ORDER_VIEWS, {
        default: 'active',
        description:
          'waiting: not yet assigned; late: waiting longer than the region’s alertWaitSeconds; assigned: with a courier, not delivered; active: waiting and assigned',
      }),
    ),
    region: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
const PointSchema = Type.Object({
  lat: Type.Number(),
  lng: Type.Number(),
  address: Type.Union([Type.String(), Type.Null()]),
});
const OpsOrderSchema = Type.Object({
  id: Uuid,
  region_id: Type.String(),
  external_id: Type.String(),
  store_name: Type.String(),
  status: OrderStatusSchema,
  courier_id: Type.Union([Uuid, Type.Null()]),
  pickup: PointSchema,
  dropoff: PointSchema,
  created_at: IsoDateTime,
  wait_seconds: Type.Number({ description: 'Seconds since the order was created' }),
  late: Type.Boolean({ description: 'Still waiting after the region’s alertWaitSeconds' }),
});
const OpsOrderListSchema = Type.Object({ data: Type.Array(OpsOrderSchema) });

const HeatListSchema = Type.Object({
  data: Type.Array(
    Type.Object({
      region_id: Type.String(),
      cell: Type.String({ description: 'H3 cell at the heat resolution' }),
      idle_couriers: Type.Integer(),
      waiting_orders: Type.Integer(),
    }),
  ),
});

const NullableSeconds = Type.Union([Type.Number(), Type.Null()]);
const KpiSchema = Type.Object({
  waiting_orders: Type.Integer(),
  late_orders: Type.Integer(),
  assigned_orders: Type.Integer(),
  oldest_wait_seconds: NullableSeconds,
  delivered_last_hour: Type.Integer(),
  offers_last_hour: Type.Object({
    accepted: Type.Integer(),
    declined: Type.Integer(),
    expired: Type.Integer(),
  }),
  acceptance_rate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
    description: 'Accepted / decided crowd offers over the last hour; null without any',
  }),
  assign_time_seconds: Type.Union([NullableSeconds], {
    description: 'Median seconds from creation to first assignment, orders assigned in the last hour',
  }),
  cycle_time_seconds: Type.Union([NullableSeconds], {
    description: 'Median seconds from creation to delivery, orders delivered in the last hour',
  }),
});

/** The operator's regions, or the one asked for (403 when it is not theirs). */
async function regionsInScope(request: FastifyRequest, region: string | undefined): Promise<string[]> {
  const claims = await operatorClaims(request);
  if (region === undefined) return claims.regions;
  if (!claims.regions.includes(region))
    throw new DomainError('forbidden', { detail: `Region ${region} is not one of yours` });
  return [region];
}

/** Every courier the index holds in a region (idle, busy or offline), in batches of reads. */
async function indexCouriers(live: LiveDeps, region: string): Promise<CourierRecord[]> {
  const ids = await live.redis.zrange(regionKeys(`${live.prefix}:idx`, region).seen, 0, -1);
  const out: CourierRecord[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = await Promise.all(ids.slice(i, i + 1000).map((id) => live.index.getCourier(region, id)));
    for (const record of batch) if (record) out.push(record);
  }
  return out;
}

/** 503 for an app that has not been built; the detail tells how (not internal: it is an instruction). */
function notBuilt(folder: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const problem = problemBody(new DomainError('dependency_unavailable'), request);
    return reply
      .status(503)
      .type(PROBLEM_CONTENT_TYPE)
      .send({ ...problem, detail: `${folder} is not built: run \`npm run build:web\`` });
  };
}

export interface WebAppsOptions {
  /** Where the app folders are (each with its `dist/`); the repository root by default. */
  root?: string;
}

export async function registerWebApps(
  app: App,
  deps: AppDeps & { live: LiveDeps },
  options: WebAppsOptions = {},
): Promise<void> {
  const root = options.root ?? REPO_ROOT;
  const { live, pool } = deps;

  // Hashed assets never change; index.html must be fetched again to see a new build.
  const setHeaders = (reply: FastifyReply, path: string) => {
    if (reply.hasHeader('cache-control')) return;
    reply.header(
      'cache-control',
      path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
  };
  let decorated = false;
  for (const web of WEB_APPS) {
    const dist = `${root}${web.folder}/dist`;
    const bare = web.prefix.slice(0, -1);
    if (existsSync(`${dist}/index.html`)) {
      await app.register(fastifyStatic, {
        root: dist,
        prefix: web.prefix,
        redirect: true,
        decorateReply: !decorated,
        cacheControl: false,
        setHeaders,
      });
      app.get(bare, { schema: { hide: true } }, (_request, reply) => reply.redirect(web.prefix, 301));
      decorated = true;
    } else {
      app.get(bare, { schema: { hide: true } }, notBuilt(web.folder));
      app.get(`${web.prefix}*`, { schema: { hide: true } }, notBuilt(web.folder));
    }
  }

  const trackingDist = `${root}tracking-page/dist`;
  app.get<{ Params: { token: string } }>(
    '/track/:token',
    { schema: { hide: true } },
    async (request, reply) => {
      if (!decorated || !existsSync(`${trackingDist}/index.html`))
        return notBuilt('tracking-page')(request, reply);
      // The page reads the token from its URL; the link itself must not be cached by proxies.
      reply.header('cache-control', 'no-store');
      reply.header('referrer-policy', 'no-referrer');
      return reply.sendFile('index.html', trackingDist);
    },
  );

  const city = cityMapGeoJson();
  app.get(
    '/v1/city/map',
    {
      schema: {
        tags: ['maps'],
        summary: 'The simulated city as GeoJSON (service area, water, parks, streets) for offline maps',
        response: { 200: CityMapSchema, ...problemResponses(429) },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=3600');
      return city;
    },
  );

  app.get(
    '/v1/ops/couriers',
    {
      schema: {
        tags,
        security,
        summary: 'Couriers in your regions with position, kind and state (idle, busy, offline)',
        querystring: RegionQuerySchema,
        response: { 200: OpsCourierListSchema, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const regions = await regionsInScope(request, request.query.region);
      const data: Static<typeof OpsCourierSchema>[] = [];
      for (const region of regions) {
        const records = await indexCouriers(live, region);
        if (records.length === 0) continue;
        const rows = await pool.query<{
          id: string;
          name: string;
          rating_avg: number | null;
          rating_count: number;
        }>(
          `SELECT c.id, c.name, avg(r.stars)::float8 AS rating_avg, count(r.stars)::int AS rating_count
             FROM couriers c
             LEFT JOIN ratings r ON r.courier_id = c.id AND r.created_at > now() - interval '30 days'
            WHERE c.id = ANY($1::uuid[]) GROUP BY c.id`,
          [records.map((r) => r.id)],
        );
        const names = new Map(rows.rows.map((r) => [r.id, r.name]));
        const ratings = new Map(rows.rows.map((r) => [r.id, r]));
        for (const r of records) {
          data.push({
            id: r.id,
            name: names.get(r.id) ?? '',
            region_id: region,
            kind: r.kind,
            vehicle: r.vehicle,
            state: r.state,
            lat: r.lat,
            lng: r.lng,
            load: r.load,
            capacity: r.capacity,
            last_seen_at: new Date(r.lastSeenMs).toISOString(),
            rating_avg: ratings.get(r.id)?.rating_avg ?? null,
            rating_count: ratings.get(r.id)?.rating_count ?? 0,
          });
        }
      }
      return { data };
    },
  );

  app.get(
    '/v1/ops/orders',
    {
      schema: {
        tags,
        security,
        summary: 'Open orders in your regions: waiting, late, assigned (at most 2000, oldest first)',
        querystring: OpsOrdersQuerySchema,
        response: { 200: OpsOrderListSchema, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const regions = await regionsInScope(request, request.query.region);
      const view = request.query.status ?? 'active';
      const statuses =
        view === 'assigned'
          ? ['assigned', 'at_pickup', 'picked_up', 'at_dropoff']
          : view === 'active'
            ? ['created', 'dispatching', 'assigned', 'at_pickup', 'picked_up', 'at_dropoff']
            : ['created', 'dispatching'];
      const result = await pool.query<{
        id: string;
        region_id: string;
        external_id: string;
        store_name: string;
        status: Static<typeof OrderStatusSchema>;
        courier_id: string | null;
        pickup_lat: number;
        pickup_lng: number;
        pickup_address: string | null;
        dropoff_lat: number;
        dropoff_lng: number;
        dropoff_address: string | null;
        created_at: Date;
        wait_seconds: number;
        late: boolean;
      }>(
        `SELECT * FROM (
           SELECT o.id, o.region_id, o.external_id, s.name AS store_name, o.status, o.courier_id,
                  o.pickup_lat, o.pickup_lng, o.pickup_address, o.dropoff_lat, o.dropoff_lng,
                  o.dropoff_address, o.created_at,
                  extract(epoch FROM now() - o.created_at)::float8 AS wait_seconds,
                  (o.status IN ('created', 'dispatching') AND now() - o.created_at >
                     make_interval(secs => coalesce((r.config->>'alertWaitSeconds')::int, $3))) AS late
             FROM orders o JOIN stores s ON s.id = o.store_id JOIN regions r ON r.id = o.region_id
            WHERE o.region_id = ANY($1) AND o.status = ANY($2)) v
          WHERE $4::boolean IS FALSE OR v.late
          ORDER BY v.created_at LIMIT 2000`,
        [regions, statuses, DEFAULT_REGION_CONFIG.alertWaitSeconds, view === 'late'],
      );
      return {
        data: result.rows.map((o) => ({
          id: o.id,
          region_id: o.region_id,
          external_id: o.external_id,
          store_name: o.store_name,
          status: o.status,
          courier_id: o.courier_id,
          pickup: { lat: o.pickup_lat, lng: o.pickup_lng, address: o.pickup_address },
          dropoff: { lat: o.dropoff_lat, lng: o.dropoff_lng, address: o.dropoff_address },
          created_at: o.created_at.toISOString(),
          wait_seconds: Math.max(0, o.wait_seconds),
          late: o.late,
        })),
      };
    },
  );

  app.get(
    '/v1/ops/heat',
    {
      schema: {
        tags,
        security,
        summary: 'Idle couriers and waiting orders per H3 heat cell in your regions',
        querystring: RegionQuerySchema,
        response: { 200: HeatListSchema, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const regions = await regionsInScope(request, request.query.region);
      const data: Static<typeof HeatListSchema>['data'] = [];
      for (const region of regions) {
        for (const h of await live.index.heatCounts(region)) {
          data.push({
            region_id: region,
            cell: h.cell,
            idle_couriers: h.idleCouriers,
            waiting_orders: h.waitingOrders,
          });
        }
      }
      return { data };
    },
  );

  app.get(
    '/v1/ops/kpis',
    {
      schema: {
        tags,
        security,
        summary: 'Live KPIs of your regions: waiting orders, oldest wait, acceptance rate, cycle time',
        querystring: RegionQuerySchema,
        response: { 200: KpiSchema, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const regions = await regionsInScope(request, request.query.region);
      const [orders, offers, times] = await Promise.all([
        pool.query<{ waiting: number; late: number; assigned: number; oldest: number | null }>(
          `SELECT count(*) FILTER (WHERE o.status IN ('created', 'dispatching'))::int AS waiting,
                  count(*) FILTER (WHERE o.status IN ('created', 'dispatching') AND now() - o.created_at >
                     make_interval(secs => coalesce((r.config->>'alertWaitSeconds')::int, $2)))::int AS late,
                  count(*) FILTER (WHERE o.status IN ('assigned', 'at_pickup', 'picked_up', 'at_dropoff'))::int AS assigned,
                  extract(epoch FROM now() - min(o.created_at) FILTER (WHERE o.status IN ('created', 'dispatching')))::float8 AS oldest
             FROM orders o JOIN regions r ON r.id = o.region_id
            WHERE o.region_id = ANY($1) AND o.status NOT IN ('delivered', 'canceled', 'failed')`,
          [regions, DEFAULT_REGION_CONFIG.alertWaitSeconds],
        ),
        pool.query<{ accepted: number; declined: number; expired: number }>(
          `SELECT count(*) FILTER (WHERE status = 'accepted')::int AS accepted,
                  count(*) FILTER (WHERE status = 'declined')::int AS declined,
                  count(*) FILTER (WHERE status = 'expired')::int AS expired
             FROM offers WHERE region_id = ANY($1) AND created_at > now() - interval '1 hour'`,
          [regions],
        ),
        pool.query<{ assign_time: number | null; cycle_time: number | null; delivered: number }>(
          `WITH firsts AS (
             SELECT e.order_id, e.to_status, min(e.created_at) AS at
               FROM order_events e JOIN orders o ON o.id = e.order_id
              WHERE o.region_id = ANY($1) AND e.to_status IN ('assigned', 'delivered')
                AND e.created_at > now() - interval '1 hour'
              GROUP BY e.order_id, e.to_status)
           SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - o.created_at))
                    FILTER (WHERE f.to_status = 'assigned')::float8 AS assign_time,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - o.created_at))
                    FILTER (WHERE f.to_status = 'delivered')::float8 AS cycle_time,
                  count(*) FILTER (WHERE f.to_status = 'delivered')::int AS delivered
             FROM firsts f JOIN orders o ON o.id = f.order_id`,
          [regions],
        ),
      ]);
      const o = orders.rows[0]!;
      const f = offers.rows[0]!;
      const t = times.rows[0]!;
      const decided = f.accepted + f.declined + f.expired;
      return {
        waiting_orders: o.waiting,
        late_orders: o.late,
        assigned_orders: o.assigned,
        oldest_wait_seconds: o.oldest === null ? null : Math.max(0, o.oldest),
        delivered_last_hour: t.delivered,
        offers_last_hour: f,
        acceptance_rate: decided === 0 ? null : f.accepted / decided,
        assign_time_seconds: t.assign_time,
        cycle_time_seconds: t.cycle_time,
      };
    },
  );
}
