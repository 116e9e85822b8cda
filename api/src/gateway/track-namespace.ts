import type { CourierPing, LiveDeps, OrderRow } from '@o2o/dispatcher';
import { cityTravelTime, haversineMeters, type TrackUpdate } from '@o2o/domain';
import type { Namespace } from 'socket.io';
import type { OrderSecrets } from '../auth/order-secrets.js';

/** Statuses in which a customer may see the courier: between assignment and delivery. */
const VISIBLE = new Set(['assigned', 'at_pickup', 'picked_up', 'at_dropoff']);
const FINAL = new Set(['delivered', 'canceled', 'failed']);

export const orderRoom = (orderId: string) => `order:${orderId}`;

export interface TrackNamespaceDeps {
  live: LiveDeps;
  secrets: OrderSecrets;
  /** A link stops working this long after delivery or cancellation. */
  linkTtlAfterEndMs: number;
}

const travel = cityTravelTime();

/**
 * `/track`: one order's live view for its customer. The handshake carries the tracking token from
 * the order's `tracking_url`; it opens exactly that order's room and nothing else. A link whose
 * order ended more than `linkTtlAfterEndMs` ago is refused (`link_expired`).
 */
export function setUpTrackNamespace(nsp: Namespace, deps: TrackNamespaceDeps): void {
  nsp.use(async (socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    const orderId = typeof token === 'string' ? deps.secrets.orderIdFromTrackingToken(token) : null;
    if (!orderId) return next(new Error('unauthorized'));
    let found: { rows: { status: string; updated_at: Date }[] };
    try {
      found = await deps.live.pool.query<{ status: string; updated_at: Date }>(
        'SELECT status, updated_at FROM orders WHERE id = $1',
        [orderId],
      );
    } catch {
      // Postgres unreachable: refuse this handshake (the page retries); a rejection nobody
      // handles here would end the process.
      return next(new Error('unavailable'));
    }
    const order = found.rows[0];
    if (!order) return next(new Error('unauthorized'));
    if (FINAL.has(order.status) && Date.now() - order.updated_at.getTime() > deps.linkTtlAfterEndMs) {
      return next(new Error('link_expired'));
    }
    socket.data = { orderId };
    next();
  });

  nsp.on('connection', (socket) => {
    const { orderId } = socket.data as { orderId: string };
    void socket.join(orderRoom(orderId));
    // There is nothing to join or ask for: the token decides the one order this socket sees.
    socket.onAny((_event, ...args) => {
      const ack = args.at(-1);
      if (typeof ack === 'function') (ack as (a: object) => void)({ ok: false, code: 'forbidden' });
    });
    // A failed first update (Postgres gone just now) is not fatal: the next change or ping sends one.
    void trackUpdate(deps.live, orderId)
      .then((update) => socket.emit('status', update))
      .catch(() => undefined);
  });
}

/**
 * The order's status and version, and the courier's position and ETA when the customer may see
 * them. Two of these read at different moments can reach a viewer in the opposite order (each api
 * process reads when it hears of a change): the version lets the viewer keep the newer one.
 */
export async function trackUpdate(live: LiveDeps, orderId: string, ping?: CourierPing): Promise<TrackUpdate> {
  const found = await live.pool.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [orderId]);
  const o = found.rows[0]!;
  const hidden = { order_id: o.id, status: o.status, version: o.version, courier: null, eta_ms: null };
  if (!VISIBLE.has(o.status) || !o.courier_id) return hidden;
  const position = ping ?? (await live.index.getCourier(o.region_id, o.courier_id).catch(() => null));
  if (!position) return hidden;
  const here = { lat: position.lat, lng: position.lng };
  const store = { lat: o.pickup_lat, lng: o.pickup_lng };
  const door = { lat: o.dropoff_lat, lng: o.dropoff_lng };
  const beforePickup = o.status === 'assigned' || o.status === 'at_pickup';
  const seconds = beforePickup
    ? travel.seconds(here, store) + 240 + travel.seconds(store, door)
    : travel.seconds(here, door);
  return {
    order_id: o.id,
    status: o.status,
    version: o.version,
    courier: here,
    eta_ms: Date.now() + Math.round(seconds * 1000),
    distance_m: Math.round(haversineMeters(here, beforePickup ? store : door)),
  };
}

/**
 * After a batch of pings: the customers of each pinging courier's active orders get the new
 * position (through the adapter, so viewers on other api processes get it too).
 */
export async function fanOutToTrackers(
  nsp: Namespace,
  live: LiveDeps,
  pings: readonly CourierPing[],
): Promise<void> {
  if (pings.length === 0) return;
  const byCourier = new Map(pings.map((p) => [p.courierId, p]));
  const active = await live.pool.query<{ id: string; courier_id: string }>(
    `SELECT id, courier_id FROM orders WHERE courier_id = ANY($1) AND status IN ('assigned', 'at_pickup', 'picked_up', 'at_dropoff')`,
    [[...byCourier.keys()]],
  );
  for (const row of active.rows) {
    const room = orderRoom(row.id);
    if ((await nsp.in(room).fetchSockets()).length === 0) continue;
    nsp.to(room).emit('status', await trackUpdate(live, row.id, byCourier.get(row.courier_id)));
  }
}
