import { stored } from './storage.js';

interface Ledger {
  /** Local calendar day, YYYY-MM-DD. */
  day: string;
  delivered: { order_id: string; pay_cents: number }[];
}

const today = () => new Date().toLocaleDateString('sv-SE');

/**
 * The day's earnings as this device saw them: the pay of each accepted offer, split over its
 * orders, counted when an order is delivered. Starts over on a new local day.
 */
export class Earnings {
  private readonly ledger = stored<Ledger>('earnings', { day: today(), delivered: [] });
  private readonly pay = stored<Record<string, number>>('pay', {});

  /** Remembers what an accepted offer pays per order. */
  rememberPay(orderIds: readonly string[], payCents: number): void {
    const pay = this.pay.get();
    const each = Math.round(payCents / Math.max(1, orderIds.length));
    for (const id of orderIds) pay[id] = each;
    this.pay.set(pay);
  }

  recordDelivered(orderId: string): void {
    const ledger = this.current();
    if (ledger.delivered.some((d) => d.order_id === orderId)) return;
    const pay = this.pay.get();
    ledger.delivered.push({ order_id: orderId, pay_cents: pay[orderId] ?? 0 });
    delete pay[orderId];
    this.pay.set(pay);
    this.ledger.set(ledger);
  }

  summary(): { cents: number; deliveries: number } {
    const { delivered } = this.current();
    return { cents: delivered.reduce((sum, d) => sum + d.pay_cents, 0), deliveries: delivered.length };
  }

  private current(): Ledger {
    const ledger = this.ledger.get();
    return ledger.day === today() ? ledger : { day: today(), delivered: [] };
  }
}

export const formatMoney = (cents: number) =>
  new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' }).format(cents / 100);
