import { seededRandom } from '@o2o/domain';
import type { StoreAccount } from './accounts.js';
import { sleep } from './ports.js';

/** What the store got back for an order it was told was created (201, or 200 on a replay). */
export interface AcknowledgedOrder {
  id: string;
  storeId: string;
  pin: string;
  trackingUrl: string;
  acknowledgedAtMs: number;
}

export interface StoreStats {
  /** Requests sent, retries included. */
  requests: number;
  /** Answers by HTTP status; `network` for a refused or reset connection or a timeout. */
  byStatus: Map<string, number>;
  /** 503 answers that carried no Retry-After header (must stay 0). */
  unavailableWithoutRetryAfter: number;
  /** Orders given up on after `giveUpAfterMs` of retries (must stay 0). */
  abandoned: number;
}

/**
 * A store creating orders through `POST /v1/orders`, as a careful client does: every order has its
 * own Idempotency-Key and is retried with the same key and body on a network error, a 5xx or a
 * 429 (honouring Retry-After, capped) until it is acknowledged.
 */
export class StoreClient {
  readonly stats: StoreStats = {
    requests: 0,
    byStatus: new Map(),
    unavailableWithoutRetryAfter: 0,
    abandoned: 0,
  };
  private readonly random: () => number;

  constructor(
    private readonly store: StoreAccount,
    private readonly apiUrl: () => string,
    private readonly runId: string,
    seed: number,
    private readonly giveUpAfterMs = 120_000,
  ) {
    this.random = seededRandom(seed);
  }

  async createOrder(n: number): Promise<AcknowledgedOrder | null> {
    const key = `${this.runId}-${this.store.id.slice(0, 8)}-${n}`;
    const body = JSON.stringify(this.orderBody(key));
    const started = Date.now();
    for (;;) {
      this.stats.requests += 1;
      let status = 'network';
      let retryAfterMs = 200;
      try {
        const response = await fetch(`${this.apiUrl()}/v1/orders`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.store.apiKey}`,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body,
          signal: AbortSignal.timeout(5000),
        });
        status = String(response.status);
        const text = await response.text();
        if (response.status === 201 || response.status === 200) {
          this.count(status);
          const order = JSON.parse(text) as { id: string; handoff_pin: string; tracking_url: string };
          return {
            id: order.id,
            storeId: this.store.id,
            pin: order.handoff_pin,
            trackingUrl: order.tracking_url,
            acknowledgedAtMs: Date.now(),
          };
        }
        const retryAfter = response.headers.get('retry-after');
        if (response.status === 503 && !retryAfter) this.stats.unavailableWithoutRetryAfter += 1;
        if (retryAfter) retryAfterMs = Math.min(1000, Number(retryAfter) * 1000);
        if (response.status < 500 && response.status !== 429) {
          this.count(status);
          throw new Error(`order refused with ${response.status}: ${text}`);
        }
      } catch (err) {
        if (status !== 'network' && status !== '503' && !status.startsWith('5') && status !== '429')
          throw err;
      }
      this.count(status);
      if (Date.now() - started > this.giveUpAfterMs) {
        this.stats.abandoned += 1;
        return null;
      }
      await sleep(retryAfterMs);
    }
  }

  private count(status: string): void {
    this.stats.byStatus.set(status, (this.stats.byStatus.get(status) ?? 0) + 1);
  }

  /** A drop-off within about 2 km of the store, from this store's seeded generator. */
  private orderBody(externalId: string): Record<string, unknown> {
    const r = this.random;
    return {
      external_id: externalId,
      pickup: { ...this.store.at, address: 'Chaos store' },
      dropoff: {
        lat: this.store.at.lat + (r() - 0.5) * 0.03,
        lng: this.store.at.lng + (r() - 0.5) * 0.045,
        address: 'Somewhere 1',
      },
      customer: { name: 'Chaos customer', phone: '+49 30 1234567' },
      items: [{ name: 'Pretzel', quantity: 1 + Math.floor(r() * 3) }],
    };
  }
}
