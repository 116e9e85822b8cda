import type { Server as HttpServer } from 'node:http';
import type { CourierEvent, CourierPing, LiveDeps } from '@o2o/dispatcher';
import type { AccessClaims } from '@o2o/domain';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { OrderSecrets } from '../auth/order-secrets.js';
import { putCourierOnline } from '../couriers/go-online.js';
import { relayCourierEvent, resendCurrentState, setUpCourierNamespace } from './courier-namespace.js';
import { setUpOpsNamespace } from './ops-namespace.js';
import { PingBatcher } from './ping-batcher.js';
import { capSockets, SocketCap } from './socket-cap.js';
import { fanOutToTrackers, orderRoom, setUpTrackNamespace, trackUpdate } from './track-namespace.js';

export interface GatewayDeps {
  live: LiveDeps;
  secrets: OrderSecrets;
  /** A Redis connection of the gateway's own: it subscribes to the dispatcher's courier events. */
  subscriber: Redis;
  verifyToken: (token: string) => AccessClaims;
  log: { error: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void };
  linkTtlAfterEndMs: number;
  opsDeltaIntervalMs?: number;
  /** How often customers get their courier's position, ms (about once a second). */
  trackIntervalMs?: number;
  /** Largest inbound message, bytes. */
  maxMessageBytes?: number;
  /** How long a dropped client may come back and get what it missed (default 2 minutes). */
  recoveryWindowMs?: number;
  /** Most sockets one courier or operator account holds at once, over all api processes (10). */
  maxSocketsPerAccount?: number;
  /** Most `/track` sockets open on one order's tracking link at once (20). */
  maxSocketsPerTrackingLink?: number;
}

/**
 * The Socket.IO gateway on the api's HTTP server: `/courier`, `/track` and `/ops`. Several api
 * processes share rooms through the Redis streams adapter (which also keeps sessions for
 * connection state recovery across a short drop); dispatcher events arrive on a Redis channel.
 */
export async function attachGateway(httpServer: HttpServer, deps: GatewayDeps) {
  const { live } = deps;
  const streamName = `${live.prefix}:socket.io`;
  const recoveryWindowMs = deps.recoveryWindowMs ?? 2 * 60_000;
  const io = new Server(httpServer, {
    adapter: createAdapter(live.redis.duplicate(), {
      streamName,
      sessionKeyPrefix: `${live.prefix}:socket.io:session:`,
    }),
    connectionStateRecovery: { maxDisconnectionDuration: recoveryWindowMs, skipMiddlewares: true },
    maxHttpBufferSize: deps.maxMessageBytes ?? 16 * 1024,
    serveClient: false,
  });
  // The adapter trims its stream by length only (about 10,000 entries), so on a quiet night the
  // last positions broadcast to operators and customers would stay in Redis indefinitely. Entries
  // older than the recovery window serve no one: they go (stream ids begin with their epoch ms).
  const trimTimer = setInterval(
    () => {
      void live.redis
        .xtrim(streamName, 'MINID', String(Date.now() - recoveryWindowMs))
        .catch((err: unknown) => deps.log.warn({ err }, 'socket.io stream trim failed'));
    },
    Math.min(30_000, Math.max(100, Math.floor(recoveryWindowMs / 4))),
  );
  const courierNsp = io.of('/courier');
  const trackNsp = io.of('/track');
  const opsNsp = io.of('/ops');
  let ops: ReturnType<typeof setUpOpsNamespace> | undefined;
  // Customers see their courier move once a second: one query per second for all pings, not one
  // per 50 ms batch, and a tick is skipped while the previous fan-out still runs.
  let trackedPings = new Map<string, CourierPing>();
  let fanningOut = false;
  const trackTimer = setInterval(() => {
    if (fanningOut || trackedPings.size === 0) return;
    const batch = [...trackedPings.values()];
    trackedPings = new Map();
    fanningOut = true;
    fanOutToTrackers(trackNsp, live, batch)
      .catch((err: unknown) => deps.log.warn({ err }, 'tracking fan-out failed'))
      .finally(() => {
        fanningOut = false;
      });
  }, deps.trackIntervalMs ?? 1000);
  const pings = new PingBatcher(
    live.index,
    (applied) => {
      ops?.addPings(applied);
      for (const ping of applied) trackedPings.set(ping.courierId, ping);
    },
    (err) => deps.log.warn({ err }, 'position batch failed'),
    50,
    (unknown) => rejoinIndex(unknown),
  );
  // A connected courier whose pings the index does not know (Redis lost its data, or evicted it
  // while it was silent) is put back from Postgres, once at a time per courier.
  const rejoining = new Set<string>();
  const rejoinIndex = (unknown: CourierPing[]) => {
    for (const ping of unknown) {
      if (rejoining.has(ping.courierId)) continue;
      rejoining.add(ping.courierId);
      void putCourierOnline(live, ping.region, ping.courierId, ping)
        .catch((err: unknown) => deps.log.warn({ err, courierId: ping.courierId }, 'courier rejoin failed'))
        .finally(() => rejoining.delete(ping.courierId));
    }
  };
  setUpCourierNamespace(courierNsp, {
    live,
    secrets: deps.secrets,
    verifyToken: deps.verifyToken,
    pings,
    log: deps.log,
  });
  setUpTrackNamespace(trackNsp, { live, secrets: deps.secrets, linkTtlAfterEndMs: deps.linkTtlAfterEndMs });
  ops = setUpOpsNamespace(opsNsp, {
    live,
    verifyToken: deps.verifyToken,
    log: deps.log,
    ...(deps.opsDeltaIntervalMs ? { deltaIntervalMs: deps.opsDeltaIntervalMs } : {}),
  });
  // After each namespace's own handshake check, which put the owner in socket.data.
  const socketCap = new SocketCap(live.redis, live.prefix, {
    onError: (err) => deps.log.warn({ err }, 'socket cap unavailable; socket let in'),
  });
  const perAccount = deps.maxSocketsPerAccount ?? 10;
  capSockets(
    courierNsp,
    socketCap,
    'courier',
    perAccount,
    (s) => (s.data as { courierId: string }).courierId,
  );
  capSockets(opsNsp, socketCap, 'operator', perAccount, (s) => (s.data as { operatorId: string }).operatorId);
  capSockets(
    trackNsp,
    socketCap,
    'track',
    deps.maxSocketsPerTrackingLink ?? 20,
    (s) => (s.data as { orderId: string }).orderId,
  );

  // Every api process hears every order change and tells its own viewers of that order (a
  // broadcast through the adapter from each process would reach them once per process).
  const orderPattern = `${live.prefix}:{*}:order-events`;
  const tellViewers = (orderId: string) => {
    if (!trackNsp.adapter.rooms.get(orderRoom(orderId))?.size) return;
    void trackUpdate(live, orderId)
      .then((update) => trackNsp.local.to(orderRoom(orderId)).emit('status', update))
      .catch((err: unknown) => deps.log.warn({ err }, 'tracking update failed'));
  };
  const pattern = `${live.prefix}:{*}:courier-events`;
  deps.subscriber.on('pmessage', (subscribed, _channel, message: string) => {
    if (subscribed === orderPattern) {
      try {
        for (const orderId of (JSON.parse(message) as { orderIds: string[] }).orderIds) tellViewers(orderId);
      } catch (err) {
        deps.log.warn({ err }, 'bad order event');
      }
      return;
    }
    try {
      const event = JSON.parse(message) as CourierEvent;
      void relayCourierEvent(courierNsp, live, event).catch((err: unknown) =>
        deps.log.warn({ err }, 'courier relay failed'),
      );
    } catch (err) {
      deps.log.warn({ err }, 'bad courier event');
    }
  });
  await deps.subscriber.psubscribe(pattern, orderPattern);
  // Pub/sub keeps nothing: what the dispatcher published while this connection was away (Redis
  // restarting, a dropped connection) is gone, e.g. a job for an in-house rider, who would then
  // never hear of it. Each time the connection is back, once it is subscribed again (so nothing
  // later is missed), the couriers on this process get their open offers and jobs again from
  // Postgres; the app dedupes them by id.
  const onReconnected = () => {
    void deps.subscriber
      .psubscribe(pattern, orderPattern)
      .then(() => resendCurrentState(courierNsp, live))
      .catch((err: unknown) => deps.log.warn({ err }, 'resending the couriers their state failed'));
  };
  deps.subscriber.on('ready', onReconnected);

  return {
    io,
    async close(): Promise<void> {
      ops?.close();
      clearInterval(trackTimer);
      clearInterval(trimTimer);
      await pings.close();
      await socketCap.close();
      deps.subscriber.off('ready', onReconnected);
      await deps.subscriber.punsubscribe(pattern, orderPattern).catch(() => undefined);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
