import { assignJob, type CourierPing, type LiveDeps } from '@o2o/dispatcher';
import { type AccessClaims, DomainError, ManualAssignSchema } from '@o2o/domain';
import type { Namespace } from 'socket.io';
import { guarded, RateLimiter } from './guard.js';

export const regionRoom = (region: string) => `region:${region}`;

export interface OpsNamespaceDeps {
  live: LiveDeps;
  verifyToken: (token: string) => AccessClaims;
  log: { error: (obj: object, msg: string) => void };
  /** How often position deltas go out, ms (about once a second). */
  deltaIntervalMs?: number;
}

/**
 * `/ops`: operators' live view of their regions. The operator JWT decides the regions (one room
 * each). Couriers' positions go out as batched deltas about once a second; `assign` is a manual
 * assign or reassign through the dispatcher's path.
 */
export function setUpOpsNamespace(
  nsp: Namespace,
  deps: OpsNamespaceDeps,
): { addPings: (pings: readonly CourierPing[]) => void; close: () => void } {
  nsp.use((socket, next) => {
    try {
      const token = (socket.handshake.auth as { token?: unknown }).token;
      const claims = typeof token === 'string' ? deps.verifyToken(token) : null;
      if (claims?.role !== 'operator') return next(new Error('unauthorized'));
      socket.data = { operatorId: claims.sub, regions: claims.regions };
      next();
    } catch {
      next(new Error('unauthorized'));
    }
  });

  nsp.on('connection', (socket) => {
    const { regions } = socket.data as { regions: string[] };
    for (const region of regions) void socket.join(regionRoom(region));
    const limit = new RateLimiter(5, 10);
    socket.on(
      'assign',
      guarded(
        ManualAssignSchema,
        limit,
        async (p) => {
          const order = await deps.live.pool.query<{ region_id: string }>(
            'SELECT region_id FROM orders WHERE id = $1',
            [p.order_id],
          );
          const region = order.rows[0]?.region_id;
          if (!region || !regions.includes(region))
            throw new DomainError('not_found', { detail: 'No such order in your regions' });
          const job = await assignJob(deps.live, {
            region,
            orderIds: [p.order_id],
            courierId: p.courier_id,
            actor: 'operator',
          });
          return { order_id: p.order_id, courier_id: job.orders[0]?.courier_id ?? null };
        },
        (err) => deps.log.error({ err }, 'ops event failed'),
      ),
    );
  });

  // Latest position per courier since the last tick, per region: one message per region a second.
  let changed = new Map<string, Map<string, { lat: number; lng: number; at: number }>>();
  const timer = setInterval(() => {
    const batch = changed;
    changed = new Map();
    for (const [region, couriers] of batch) {
      nsp.to(regionRoom(region)).emit('positions', {
        region,
        couriers: [...couriers.entries()].map(([id, p]) => ({ id, ...p })),
      });
    }
  }, deps.deltaIntervalMs ?? 1000);

  return {
    addPings(pings) {
      for (const p of pings) {
        const region = changed.get(p.region) ?? new Map();
        region.set(p.courierId, { lat: p.lat, lng: p.lng, at: p.atMs });
        changed.set(p.region, region);
      }
    },
    close: () => clearInterval(timer),
  };
}
