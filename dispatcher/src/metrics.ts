import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The dispatch loop's Prometheus metrics, registered on the caller's registry. */
export function createLoopMetrics(registry: Registry) {
  const registers = [registry];
  return {
    /** Accepted and answered offers per region since start, for the acceptance gauge. */
    answered: new Map<string, { accepted: number; answered: number }>(),
    cycleSeconds: new Histogram({
      name: 'dispatch_cycle_duration_seconds',
      help: 'Duration of one dispatch cycle (read, decide, commit) per region',
      labelNames: ['region'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    batchOrders: new Histogram({
      name: 'dispatch_batch_orders',
      help: 'Pending orders considered per cycle',
      labelNames: ['region'] as const,
      buckets: [0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
      registers,
    }),
    batchCouriers: new Histogram({
      name: 'dispatch_batch_couriers',
      help: 'Candidate couriers considered per cycle',
      labelNames: ['region'] as const,
      buckets: [0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    }),
    decisions: new Counter({
      name: 'dispatch_decisions_total',
      help: 'Jobs committed by the loop, by kind (job for in-house riders, offer for crowd riders)',
      labelNames: ['region', 'kind'] as const,
      registers,
    }),
    offers: new Counter({
      name: 'dispatch_offers_total',
      help: 'Offers by outcome (opened, accepted, declined, expired, revoked)',
      labelNames: ['region', 'outcome'] as const,
      registers,
    }),
    offersLastHour: new Gauge({
      name: 'dispatch_offers_last_hour',
      help: 'Offers decided in the last hour by outcome (accepts and declines come through the api)',
      labelNames: ['region', 'outcome'] as const,
      registers,
    }),
    acceptanceRate: new Gauge({
      name: 'dispatch_offer_acceptance_ratio',
      help: 'Accepted ÷ answered offers (accepted, declined, expired) over the last hour',
      labelNames: ['region'] as const,
      registers,
    }),
    pendingOrders: new Gauge({
      name: 'dispatch_pending_orders',
      help: 'Orders waiting in the dispatch queue',
      labelNames: ['region'] as const,
      registers,
    }),
    oldestWaitSeconds: new Gauge({
      name: 'dispatch_oldest_wait_seconds',
      help: 'Age of the oldest pending order',
      labelNames: ['region'] as const,
      registers,
    }),
    cycleErrors: new Counter({
      name: 'dispatch_cycle_errors_total',
      help: 'Jobs that failed to commit, by error code',
      labelNames: ['region', 'code'] as const,
      registers,
    }),
  };
}

export type LoopMetrics = ReturnType<typeof createLoopMetrics>;

/** Tracks answered offers per region for the acceptance gauge. */
export function recordOfferOutcome(
  metrics: LoopMetrics,
  region: string,
  outcome: 'accepted' | 'declined' | 'expired' | 'revoked' | 'opened',
): void {
  metrics.offers.inc({ region, outcome });
  const tally = metrics.answered.get(region) ?? { accepted: 0, answered: 0 };
  if (outcome === 'accepted' || outcome === 'declined' || outcome === 'expired') {
    tally.answered++;
    if (outcome === 'accepted') tally.accepted++;
    metrics.answered.set(region, tally);
    metrics.acceptanceRate.set({ region }, tally.accepted / tally.answered);
  }
}
