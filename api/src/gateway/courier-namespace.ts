import {
  acceptOffer,
  type CourierEvent,
  closeOffer,
  type LiveDeps,
  type OrderRow,
  recordJobStep,
} from '@o2o/dispatcher';
import { type AccessClaims, CourierLocationSchema, JobStatusSchema, OfferDecisionSchema } from '@o2o/domain';
import type { Namespace, Socket } from 'socket.io';
import type { OrderSecrets } from '../auth/order-secrets.js';
import { guarded, RateLimiter } from './guard.js';
import type { PingBatcher } from './ping-batcher.js';

interface CourierSocketData {
  courierId: string;
  region: string;
}

export type CourierSocket = Socket<
  Record<string, (...args: never[]) => void>,
  Record<string, (...args: unknown[]) => void>,
  Record<string, never>,
  CourierSocketData
>;

export interface CourierNamespaceDeps {
  live: LiveDeps;
  secrets: OrderSecrets;
  verifyToken: (token: string) => AccessClaims;
  pings: PingBatcher;
  log: { error: (obj: object, msg: string) => void };
}

export const courierRoom = (courierId: string) => `courier:${courierId}`;

/**
 * `/courier`: a courier's live channel. The handshake carries the courier JWT; each socket joins
 * its courier's room. Inbound: `location`, `offer:accept`, `offer:decline`, `job:status`, each
 * schema-checked and rate-limited, acked `{ ok, … }`. Outbound: `offer`, `offer:revoked`, `job`.
 * On every (re)connection, recovered or not, the courier gets its open offers and current jobs again.
 */
export function setUpCourierNamespace(nsp: Namespace, deps: CourierNamespaceDeps): void {
  nsp.use((socket, next) => {
    try {
      const token = (socket.handshake.auth as { token?: unknown }).token;
      const claims = typeof token === 'string' ? deps.verifyToken(token) : null;
      if (claims?.role !== 'courier') return next(new Error('unauthorized'));
      socket.data = { courierId: claims.sub, region: claims.region } satisfies CourierSocketData;
      next();
    } catch {
      next(new Error('unauthorized'));
    }
  });

  nsp.on('connection', (socket) => {
    const { courierId, region } = socket.data as CourierSocketData;
    void socket.join(courierRoom(courierId));
    // Positions are frequent (one every few seconds); answers and steps are rare.
    const pingLimit = new RateLimiter(5, 20);
    const actionLimit = new RateLimiter(5, 10);
    const onUnexpected = (err: unknown) => deps.log.error({ err, courierId }, 'courier event failed');

    socket.on(
      'location',
      guarded(
        CourierLocationSchema,
        pingLimit,
        async (p) => {
          const now = Date.now();
          deps.pings.add({ region, courierId, lat: p.lat, lng: p.lng, atMs: Math.min(p.at ?? now, now) });
          return {};
        },
        onUnexpected,
      ),
    );
    socket.on(
      'offer:accept',
      guarded(
        OfferDecisionSchema,
        actionLimit,
        async (p) => {
          const accepted = await acceptOffer(deps.live, courierId, p.offer_id);
          return { job_id: accepted.jobId, order_ids: accepted.orders.map((o) => o.id) };
        },
        onUnexpected,
      ),
    );
    socket.on(
      'offer:decline',
      guarded(
        OfferDecisionSchema,
        actionLimit,
        async (p) => {
          const result = await closeOffer(deps.live, p.offer_id, 'declined', courierId);
          return { declined: result.closed };
        },
        onUnexpected,
      ),
    );
    socket.on(
      'job:status',
      guarded(
        JobStatusSchema,
        actionLimit,
        async (p) => {
          const order = await recordJobStep(deps.live, {
            courierId,
            orderId: p.order_id,
            step: p.status,
            ...(p.pin ? { pin: p.pin } : {}),
            pinMatches: deps.secrets.pinMatches,
          });
          return { order_id: order.id, status: order.status };
        },
        onUnexpected,
      ),
    );

    // Also after a recovered connection: offers are relayed to local sockets only, which the
    // adapter does not keep for recovery, so the state is sent again (the app dedupes by id).
    void sendCurrentState(deps.live, socket, courierId).catch(onUnexpected);
  });
}

/**
 * Every courier connected to this process gets its open offers and jobs again, one socket after
 * the other (two queries each, so the pool is not flooded): after the dispatcher's events may
 * have been lost (see `attachGateway`).
 */
export async function resendCurrentState(nsp: Namespace, live: LiveDeps): Promise<void> {
  for (const socket of nsp.sockets.values()) {
    const { courierId } = socket.data as { courierId: string };
    if (socket.connected) await sendCurrentState(live, socket, courierId);
  }
}

/** Open offers and jobs in progress, sent on every fresh connection (after a network loss too). */
async function sendCurrentState(live: LiveDeps, socket: Socket, courierId: string): Promise<void> {
  const offers = await live.pool.query<{ id: string }>(
    `SELECT id FROM offers WHERE courier_id = $1 AND status = 'open' AND expires_at > now()`,
    [courierId],
  );
  for (const offer of offers.rows) {
    const payload = await offerPayload(live, offer.id);
    if (payload) socket.emit('offer', payload);
  }
  const jobs = await live.pool.query<OrderRow>(
    `SELECT * FROM orders WHERE courier_id = $1 AND status IN ('assigned', 'at_pickup', 'picked_up', 'at_dropoff')`,
    [courierId],
  );
  if (jobs.rows.length > 0) socket.emit('job', { orders: jobs.rows.map(jobPayload) });
}

/** What a courier sees of an offer: where, how far, the pay and the deadline. */
export async function offerPayload(live: LiveDeps, offerId: string) {
  const found = await live.pool.query<{
    id: string;
    order_ids: string[];
    pay_cents: number;
    expires_at: Date;
    status: string;
  }>('SELECT id, order_ids, pay_cents, expires_at, status FROM offers WHERE id = $1', [offerId]);
  const offer = found.rows[0];
  if (offer?.status !== 'open') return null;
  const orders = await live.pool.query<OrderRow>('SELECT * FROM orders WHERE id = ANY($1)', [
    offer.order_ids,
  ]);
  const first = orders.rows[0];
  if (!first) return null;
  return {
    offer_id: offer.id,
    order_ids: offer.order_ids,
    pickup: {
      lat: first.pickup_lat,
      lng: first.pickup_lng,
      ...(first.pickup_address ? { address: first.pickup_address } : {}),
    },
    dropoffs: orders.rows.map((o) => ({
      lat: o.dropoff_lat,
      lng: o.dropoff_lng,
      ...(o.dropoff_address ? { address: o.dropoff_address } : {}),
    })),
    pay_cents: offer.pay_cents,
    expires_at_ms: offer.expires_at.getTime(),
  };
}

export function jobPayload(o: OrderRow) {
  return {
    order_id: o.id,
    status: o.status,
    pickup: { lat: o.pickup_lat, lng: o.pickup_lng },
    dropoff: { lat: o.dropoff_lat, lng: o.dropoff_lng },
    customer_name: o.customer_name,
  };
}

/**
 * Relays a dispatcher event to the courier's sockets on THIS process only: every api process
 * receives the event from Redis, so a broadcast through the adapter would deliver it N times.
 */
export async function relayCourierEvent(nsp: Namespace, live: LiveDeps, event: CourierEvent): Promise<void> {
  const room = nsp.local.to(courierRoom(event.courierId));
  if (event.type === 'offer') {
    const payload = await offerPayload(live, event.offerId);
    if (payload) room.emit('offer', payload);
  } else if (event.type === 'offer:revoked') {
    room.emit('offer:revoked', { offer_id: event.offerId });
  } else {
    const orders = await live.pool.query<OrderRow>('SELECT * FROM orders WHERE id = ANY($1)', [
      event.orderIds,
    ]);
    room.emit('job', { orders: orders.rows.map(jobPayload) });
  }
}
