import type { Redis } from 'ioredis';

/**
 * What the dispatcher tells couriers, published on one Redis channel per region. The api's
 * Socket.IO gateway relays each event to the courier's room; until then couriers poll the HTTP
 * routes. Publishing is fire-and-forget: a lost message costs latency, never an offer (the offer
 * is in Postgres and Redis, and the courier app also asks for open offers on reconnect).
 */
export type CourierEvent =
  | {
      type: 'offer';
      courierId: string;
      offerId: string;
      orderIds: string[];
      expiresAtMs: number;
      atMs: number;
    }
  | { type: 'offer:revoked'; courierId: string; offerId: string; atMs: number }
  | { type: 'job'; courierId: string; jobId: string; orderIds: string[]; atMs: number };

export function courierEventsChannel(prefix: string, region: string): string {
  return `${prefix}:{${region}}:courier-events`;
}

export async function publishCourierEvents(
  redis: Redis,
  prefix: string,
  region: string,
  events: readonly CourierEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const channel = courierEventsChannel(prefix, region);
  await Promise.all(events.map((e) => redis.publish(channel, JSON.stringify(e)).catch(() => 0)));
}

/**
 * Orders whose status changed, published per region after the change commits: the gateway tells
 * the customers watching them (whichever api process or route made the change).
 */
export function orderEventsChannel(prefix: string, region: string): string {
  return `${prefix}:{${region}}:order-events`;
}

export async function publishOrdersChanged(
  redis: Redis,
  prefix: string,
  region: string,
  orderIds: readonly string[],
): Promise<void> {
  if (orderIds.length === 0) return;
  await redis.publish(orderEventsChannel(prefix, region), JSON.stringify({ orderIds })).catch(() => 0);
}
