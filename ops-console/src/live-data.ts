import { ApiError, apiFetch } from '@o2o/web-common/api';
import { type ConnectionState, connectNamespace } from '@o2o/web-common/socket';
import type { Socket } from 'socket.io-client';
import type { Alert, DeadWebhook, HeatCell, Kpis, OpsCourier, OpsOrder, PositionsDelta } from './types.js';

export type Topic = 'couriers' | 'positions' | 'orders' | 'heat' | 'kpis' | 'alerts' | 'connection';

/** How often each view is polled, ms. Positions also arrive on the socket about once a second. */
const POLL_MS: Record<'couriers' | 'orders' | 'heat' | 'kpis' | 'alerts', number> = {
  couriers: 4000,
  orders: 3000,
  heat: 5000,
  kpis: 5000,
  alerts: 10_000,
};

/**
 * Everything the console shows, kept fresh: REST views polled every few seconds (kind, state,
 * orders, heat, KPIs, alerts) and the `/ops` socket's position deltas for movement in between.
 * Listeners hear which topic changed; rendering decides how often to draw.
 */
export class LiveData {
  readonly couriers = new Map<string, OpsCourier>();
  orders: OpsOrder[] = [];
  heat: HeatCell[] = [];
  kpis: Kpis | null = null;
  alerts: Alert[] = [];
  deadWebhooks: DeadWebhook[] = [];
  connection: ConnectionState = 'connecting';
  private readonly listeners = new Set<(topic: Topic) => void>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private socket: Socket | null = null;
  private stopped = false;

  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void,
  ) {}

  on(listener: (topic: Topic) => void): void {
    this.listeners.add(listener);
  }

  start(): void {
    for (const topic of Object.keys(POLL_MS) as (keyof typeof POLL_MS)[]) void this.poll(topic);
    this.socket = connectNamespace('/ops', this.token, {
      onState: (state) => {
        this.connection = state;
        if (state === 'refused') this.onUnauthorized();
        this.emit('connection');
      },
    });
    this.socket.on('positions', (delta: PositionsDelta) => this.applyPositions(delta));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.socket?.disconnect();
  }

  /** Polls a view now (after an operator's action) instead of waiting for its timer. */
  refresh(...topics: (keyof typeof POLL_MS)[]): void {
    for (const topic of topics) {
      clearTimeout(this.timers.get(topic));
      void this.poll(topic);
    }
  }

  private emit(topic: Topic): void {
    for (const listener of this.listeners) listener(topic);
  }

  private get<T>(path: string): Promise<T> {
    return apiFetch<T>(path, { token: this.token });
  }

  private async poll(topic: keyof typeof POLL_MS): Promise<void> {
    if (this.stopped) return;
    try {
      await this.load(topic);
      this.emit(topic);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        this.onUnauthorized();
        return;
      }
      // Transient (network, 5xx, rate limit): the next tick tries again.
    }
    if (!this.stopped)
      this.timers.set(
        topic,
        setTimeout(() => void this.poll(topic), POLL_MS[topic]),
      );
  }

  private async load(topic: keyof typeof POLL_MS): Promise<void> {
    switch (topic) {
      case 'couriers': {
        const { data } = await this.get<{ data: OpsCourier[] }>('/v1/ops/couriers');
        const seen = new Set<string>();
        for (const c of data) {
          seen.add(c.id);
          const known = this.couriers.get(c.id);
          // A socket delta newer than this snapshot keeps its position.
          if (known && Date.parse(known.last_seen_at) > Date.parse(c.last_seen_at))
            this.couriers.set(c.id, {
              ...c,
              lat: known.lat,
              lng: known.lng,
              last_seen_at: known.last_seen_at,
            });
          else this.couriers.set(c.id, c);
        }
        for (const id of this.couriers.keys()) if (!seen.has(id)) this.couriers.delete(id);
        return;
      }
      case 'orders':
        this.orders = (await this.get<{ data: OpsOrder[] }>('/v1/ops/orders?status=active')).data;
        return;
      case 'heat':
        this.heat = (await this.get<{ data: HeatCell[] }>('/v1/ops/heat')).data;
        return;
      case 'kpis':
        this.kpis = await this.get<Kpis>('/v1/ops/kpis');
        return;
      case 'alerts': {
        const [alerts, dead] = await Promise.all([
          this.get<{ data: Alert[] }>('/v1/ops/alerts'),
          this.get<{ data: DeadWebhook[] }>('/v1/ops/webhooks/dead'),
        ]);
        this.alerts = alerts.data;
        this.deadWebhooks = dead.data;
        return;
      }
    }
  }

  private applyPositions(delta: PositionsDelta): void {
    let moved = 0;
    for (const p of delta.couriers) {
      const c = this.couriers.get(p.id);
      // Unknown couriers (online since the last poll) appear with the next poll, with kind and state.
      if (!c) continue;
      c.lat = p.lat;
      c.lng = p.lng;
      c.last_seen_at = new Date(p.at).toISOString();
      moved++;
    }
    if (moved > 0) this.emit('positions');
  }
}
