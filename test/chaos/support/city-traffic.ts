import type { CourierAccount, StoreAccount } from './accounts.js';
import { CourierClient } from './courier-client.js';
import { sleep } from './ports.js';
import { type AcknowledgedOrder, StoreClient } from './store-client.js';
import { ViewerClient } from './viewer-client.js';

export interface CityTrafficOptions {
  /** The api to talk to; called for every request and reconnection attempt. */
  apiUrl: () => string;
  stores: StoreAccount[];
  couriers: CourierAccount[];
  ordersPerSecond: number;
  seed: number;
  stepDelayMs?: number;
  pingIntervalMs?: number;
  /** Open a /track viewer for every acknowledged order. */
  viewers?: boolean;
}

/**
 * A small deterministic city driving the running system through its public interfaces only:
 * stores create orders at a steady rate (round robin, seeded bodies, idempotent retries) and
 * couriers take them to the door. Everything the clients were told is kept for the assertions.
 */
export class CityTraffic {
  readonly acknowledged = new Map<string, AcknowledgedOrder>();
  readonly couriers: CourierClient[];
  readonly stores: StoreClient[];
  readonly viewers: ViewerClient[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private sent = 0;

  constructor(private readonly options: CityTrafficOptions) {
    const runId = `chaos-${options.seed}-${Date.now().toString(36)}`;
    this.stores = options.stores.map(
      (store, i) => new StoreClient(store, options.apiUrl, runId, options.seed * 1000 + i),
    );
    this.couriers = options.couriers.map(
      (account, i) =>
        new CourierClient(account, {
          apiUrl: options.apiUrl,
          pinFor: (orderId) => this.acknowledged.get(orderId)?.pin,
          pingIntervalMs: options.pingIntervalMs ?? 1000,
          stepDelayMs: options.stepDelayMs ?? 250,
          seed: options.seed * 7919 + i,
          at: options.stores[i % options.stores.length]!.at,
        }),
    );
  }

  /** Couriers online and connected, then orders start flowing. */
  async start(): Promise<void> {
    await Promise.all(this.couriers.map((c) => c.start()));
    const everyMs = 1000 / this.options.ordersPerSecond;
    this.timer = setInterval(() => this.createNext(), everyMs);
  }

  /** No new orders; resolves once every order already sent is acknowledged (or given up). */
  async stopOrders(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const c of this.couriers) c.close();
    for (const v of this.viewers) v.close();
    await sleep(50);
  }

  get ordersSent(): number {
    return this.sent;
  }

  /** Counts over every store: answers by status, 503 without Retry-After, abandoned orders. */
  storeTotals() {
    const byStatus = new Map<string, number>();
    let unavailableWithoutRetryAfter = 0;
    let abandoned = 0;
    let requests = 0;
    for (const s of this.stores) {
      requests += s.stats.requests;
      unavailableWithoutRetryAfter += s.stats.unavailableWithoutRetryAfter;
      abandoned += s.stats.abandoned;
      for (const [k, v] of s.stats.byStatus) byStatus.set(k, (byStatus.get(k) ?? 0) + v);
    }
    return { requests, byStatus, unavailableWithoutRetryAfter, abandoned };
  }

  /** Ack errors of every courier, by code. */
  courierAckErrors(): Map<string, number> {
    const out = new Map<string, number>();
    for (const c of this.couriers) for (const [k, v] of c.stats.ackErrors) out.set(k, (out.get(k) ?? 0) + v);
    return out;
  }

  private createNext(): void {
    const n = this.sent++;
    const store = this.stores[n % this.stores.length]!;
    const creating = store
      .createOrder(Math.floor(n / this.stores.length))
      .then((order) => {
        if (!order) return;
        this.acknowledged.set(order.id, order);
        if (this.options.viewers) {
          const viewer = new ViewerClient(
            order.id,
            order.trackingUrl.split('/track/')[1]!,
            this.options.apiUrl,
          );
          this.viewers.push(viewer);
          viewer.start();
        }
      })
      .catch(() => undefined)
      .finally(() => this.inFlight.delete(creating));
    this.inFlight.add(creating);
  }
}
