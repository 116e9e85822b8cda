import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PRICING,
  deliveryFeeCents,
  noSurcharge,
  quoteEtasMs,
  surchargeFromSupplyDemand,
} from './pricing.js';

describe('pricing', () => {
  it('charges base plus distance per vehicle, never under the minimum', () => {
    expect(deliveryFeeCents(0, 'bike', 1)).toBe(DEFAULT_PRICING.minimumCents);
    expect(deliveryFeeCents(3000, 'bike', 1)).toBe(250 + 3 * 90);
    expect(deliveryFeeCents(3000, 'car', 1)).toBe(450 + 3 * 110);
  });

  it('applies the surcharge multiplier within its cap', () => {
    expect(deliveryFeeCents(3000, 'bike', 1.5)).toBe(Math.round((250 + 270) * 1.5));
    expect(deliveryFeeCents(3000, 'bike', 10)).toBe((250 + 270) * DEFAULT_PRICING.maxSurchargeMultiplier);
    expect(deliveryFeeCents(3000, 'bike', 0.5)).toBe(250 + 270);
  });

  it('has no surcharge today, and a rule ready for live supply and demand', () => {
    expect(noSurcharge()).toBe(1);
    expect(surchargeFromSupplyDemand({ waitingOrders: 3, idleCouriers: 5 })).toBe(1);
    expect(surchargeFromSupplyDemand({ waitingOrders: 8, idleCouriers: 5 })).toBeCloseTo(1.3);
    expect(surchargeFromSupplyDemand({ waitingOrders: 100, idleCouriers: 0 })).toBe(2);
  });

  it('estimates pickup after the later of courier arrival and ready time, then the ride', () => {
    const etas = quoteEtasMs({
      nowMs: 0,
      readyAtMs: 600_000,
      approachSeconds: 300,
      travelSeconds: 900,
      pickupServiceSeconds: 240,
      dropoffServiceSeconds: 240,
    });
    expect(etas).toEqual({ pickupMs: 600_000 + 120_000, dropoffMs: 720_000 + 120_000 + 900_000 + 120_000 });
  });
});
