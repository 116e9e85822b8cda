import type { CityRunCourier, CityRunOrder, CityRunRecord, CityRunSample } from '../run-record.js';

/**
 * What the city saw: every order it placed and every rider's day, in simulated seconds since the
 * run's start, turned into the `run.json` record (`run-record.ts`) the report reads.
 */

export const FINAL = new Set(['delivered', 'canceled', 'failed']);
/** Click-to-door at most this long counts as on time, simulated seconds. */
export const ON_TIME_SECONDS = 40 * 60;

export interface TrackedOrder extends CityRunOrder {
  storeIndex: number;
  /** Street node of the customer. */
  customerNode: number;
  /** The customer's handoff PIN (from the creation response). */
  pin: string;
  tracking_url: string;
}

export interface CourierStats extends CityRunCourier {
  onlineSinceS: number | null;
  busySinceS: number | null;
}

export class CityRecorder {
  readonly orders = new Map<string, TrackedOrder>();
  readonly couriers: CourierStats[] = [];
  readonly samples: CityRunSample[] = [];
  placeFailures = 0;

  constructor(
    /** Simulated second of the run's start: every time in the record counts from it. */
    readonly startS: number,
    /** In-house riders are paid this for every online hour (crowd riders by the offers they take). */
    readonly inHouseWageCentsPerHour = 0,
  ) {}

  addCourier(id: string, kind: 'in_house' | 'crowd', vehicle: string): CourierStats {
    const stats: CourierStats = {
      id,
      kind,
      vehicle,
      online_s: 0,
      busy_s: 0,
      deliveries: 0,
      earnings_cents: 0,
      offers_received: 0,
      offers_accepted: 0,
      offers_declined: 0,
      offers_expired: 0,
      onlineSinceS: null,
      busySinceS: null,
    };
    this.couriers.push(stats);
    return stats;
  }

  rel(s: number): number {
    return Math.max(0, Math.round((s - this.startS) * 10) / 10);
  }

  /** The courier got `orderId` (accepted offer or in-house job). */
  assigned(orderId: string, courierId: string, nowS: number): void {
    const o = this.orders.get(orderId);
    if (!o) return;
    if (o.assigned_s === null) o.assigned_s = this.rel(nowS);
    o.courier_id = courierId;
    if (!FINAL.has(o.final_status)) o.final_status = 'assigned';
  }

  step(orderId: string, status: string, nowS: number): void {
    const o = this.orders.get(orderId);
    if (!o) return;
    o.final_status = status;
    if (status === 'picked_up') o.picked_up_s = this.rel(nowS);
    if (status === 'delivered') o.delivered_s = this.rel(nowS);
  }

  setOnline(stats: CourierStats, online: boolean, nowS: number): void {
    if (online && stats.onlineSinceS === null) stats.onlineSinceS = nowS;
    if (!online && stats.onlineSinceS !== null) {
      stats.online_s += nowS - stats.onlineSinceS;
      stats.onlineSinceS = null;
    }
  }

  setBusy(stats: CourierStats, busy: boolean, nowS: number): void {
    if (busy && stats.busySinceS === null) stats.busySinceS = nowS;
    if (!busy && stats.busySinceS !== null) {
      stats.busy_s += nowS - stats.busySinceS;
      stats.busySinceS = null;
    }
  }

  /** Orders placed and not yet assigned nor final. */
  waiting(): number {
    let n = 0;
    for (const o of this.orders.values()) if (o.assigned_s === null && !FINAL.has(o.final_status)) n++;
    return n;
  }

  counts(): { placed: number; delivered: number; canceled: number; final: number; onTime: number } {
    let delivered = 0;
    let canceled = 0;
    let final = 0;
    let onTime = 0;
    for (const o of this.orders.values()) {
      if (FINAL.has(o.final_status)) final++;
      if (o.final_status === 'canceled') canceled++;
      if (o.final_status === 'delivered') {
        delivered++;
        if (o.delivered_s !== null && o.delivered_s - o.placed_s <= ON_TIME_SECONDS) onTime++;
      }
    }
    return { placed: this.orders.size, delivered, canceled, final, onTime };
  }

  sample(nowS: number): void {
    let idle = 0;
    let busy = 0;
    let accepted = 0;
    let declined = 0;
    let expired = 0;
    for (const c of this.couriers) {
      if (c.busySinceS !== null) busy++;
      else if (c.onlineSinceS !== null) idle++;
      accepted += c.offers_accepted;
      declined += c.offers_declined;
      expired += c.offers_expired;
    }
    this.samples.push({
      t_s: this.rel(nowS),
      waiting_orders: this.waiting(),
      idle_couriers: idle,
      busy_couriers: busy,
      offers_accepted: accepted,
      offers_declined: declined,
      offers_expired: expired,
      delivered: this.counts().delivered,
    });
  }

  /** The record as of simulated second `nowS` (open online and busy spells count up to now). */
  toRecord(input: {
    startedAt: string;
    seed: number;
    timeScale: number;
    nowS: number;
    options: CityRunRecord['options'];
    cycleMs: CityRunRecord['cycle_ms'];
  }): CityRunRecord {
    const round = (v: number) => Math.round(v * 10) / 10;
    return {
      kind: 'city',
      started_at: input.startedAt,
      seed: input.seed,
      time_scale: input.timeScale,
      duration_s: this.rel(input.nowS),
      options: input.options,
      orders: [...this.orders.values()].map((o) => ({
        id: o.id,
        store_id: o.store_id,
        placed_s: o.placed_s,
        ready_s: o.ready_s,
        assigned_s: o.assigned_s,
        picked_up_s: o.picked_up_s,
        delivered_s: o.delivered_s,
        final_status: o.final_status,
        lower_bound_s: o.lower_bound_s,
        courier_id: o.courier_id,
      })),
      couriers: this.couriers.map((c) => {
        const onlineS = c.online_s + (c.onlineSinceS !== null ? input.nowS - c.onlineSinceS : 0);
        const wageCents = c.kind === 'in_house' ? (onlineS / 3600) * this.inHouseWageCentsPerHour : 0;
        return {
          id: c.id,
          kind: c.kind,
          vehicle: c.vehicle,
          online_s: round(onlineS),
          busy_s: round(c.busy_s + (c.busySinceS !== null ? input.nowS - c.busySinceS : 0)),
          deliveries: c.deliveries,
          earnings_cents: Math.round(c.earnings_cents + wageCents),
          offers_received: c.offers_received,
          offers_accepted: c.offers_accepted,
          offers_declined: c.offers_declined,
          offers_expired: c.offers_expired,
        };
      }),
      samples: [...this.samples],
      cycle_ms: input.cycleMs,
    };
  }
}
