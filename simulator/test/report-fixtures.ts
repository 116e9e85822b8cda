import { seededRandom } from '@o2o/domain';
import type { CityRunCourier, CityRunOrder, CityRunRecord, CityRunSample } from '../src/run-record.js';

/**
 * A plausible simulated-city record from a seed (the city simulator writes real ones): orders
 * placed over `durationS`, most delivered, a few still open; couriers with offers, some declined
 * or expired; a sample every minute.
 */
export function generateCityRun(
  seed: number,
  options: { orders?: number; couriers?: number; durationS?: number } = {},
): CityRunRecord {
  const random = seededRandom(seed);
  const durationS = options.durationS ?? 2 * 3600;
  const courierCount = options.couriers ?? 25;
  const couriers: CityRunCourier[] = Array.from({ length: courierCount }, (_, i) => ({
    id: `courier-${i}`,
    kind: i % 3 === 0 ? 'crowd' : 'in_house',
    vehicle: i % 2 === 0 ? 'bike' : 'scooter',
    online_s: Math.round(durationS * (0.5 + random() / 2)),
    busy_s: 0,
    deliveries: 0,
    earnings_cents: 0,
    offers_received: 0,
    offers_accepted: 0,
    offers_declined: 0,
    offers_expired: 0,
  }));
  const orders: CityRunOrder[] = Array.from({ length: options.orders ?? 300 }, (_, i) => {
    const placed = Math.round(random() * durationS * 0.9);
    const ready = placed + 300 + Math.round(random() * 600);
    const ride = 240 + Math.round(random() * 900);
    const lowerBound = ready - placed + 120 + ride;
    const courier = couriers[Math.floor(random() * couriers.length)]!;
    const declines = random() < 0.2 ? 1 : 0;
    const expiries = random() < 0.05 ? 1 : 0;
    courier.offers_received += 1 + declines + expiries;
    courier.offers_declined += declines;
    courier.offers_expired += expiries;
    courier.offers_accepted += 1;
    const assigned = placed + 30 + Math.round(random() * 240) + (declines + expiries) * 45;
    const pickedUp = Math.max(ready, assigned + Math.round(random() * 600)) + 60;
    const delivered = pickedUp + ride + Math.round(random() * 300) + 60;
    const open = delivered > durationS;
    if (!open) {
      courier.deliveries++;
      courier.busy_s = Math.min(courier.online_s, courier.busy_s + (delivered - assigned));
      courier.earnings_cents += 350 + Math.round(random() * 250);
    }
    return {
      id: `order-${i}`,
      store_id: `store-${i % 12}`,
      placed_s: placed,
      ready_s: ready,
      assigned_s: assigned,
      picked_up_s: pickedUp <= durationS ? pickedUp : null,
      delivered_s: open ? null : delivered,
      final_status: open ? 'picked_up' : 'delivered',
      lower_bound_s: lowerBound,
      courier_id: courier.id,
    };
  });
  const samples: CityRunSample[] = [];
  for (let t = 0; t <= durationS; t += 60) {
    const waiting = orders.filter((o) => o.placed_s <= t && (o.assigned_s ?? Infinity) > t).length;
    const busy = new Set(
      orders
        .filter((o) => (o.assigned_s ?? Infinity) <= t && (o.delivered_s ?? Infinity) > t)
        .map((o) => o.courier_id),
    ).size;
    const share = t / durationS;
    const total = couriers.reduce((s, c) => s + c.offers_received, 0);
    const accepted = Math.round(couriers.reduce((s, c) => s + c.offers_accepted, 0) * share);
    const declined = Math.round(couriers.reduce((s, c) => s + c.offers_declined, 0) * share);
    samples.push({
      t_s: t,
      waiting_orders: waiting,
      idle_couriers: Math.max(0, courierCount - busy),
      busy_couriers: busy,
      offers_accepted: accepted,
      offers_declined: declined,
      offers_expired: Math.max(0, Math.round(total * share) - accepted - declined),
      delivered: orders.filter((o) => (o.delivered_s ?? Infinity) <= t).length,
    });
  }
  return {
    kind: 'city',
    started_at: '2026-12-01T18:00:00.000Z',
    seed,
    time_scale: 10,
    duration_s: durationS,
    options: { orders_per_hour: 150, couriers: courierCount, api: 'http://127.0.0.1:3000' },
    orders,
    couriers,
    samples,
    cycle_ms: { p50: 3.2, p90: 8.9, p99: 21.4, count: 7200 },
  };
}
