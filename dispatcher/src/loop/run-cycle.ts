import { cityTravelTime, DomainError, type LatLng, type RegionConfig } from '@o2o/domain';
import { syncCourierAvailability } from '../courier-availability.js';
import { assignJob } from '../jobs/assign-job.js';
import type { RegionLease } from '../lease/region-lease.js';
import { type LiveDeps, nowMsOf } from '../live-deps.js';
import { decideAssignments } from '../matching/decide.js';
import type { Assignment, MatchingPolicy, TravelTime } from '../matching/index.js';
import { type LoopMetrics, recordOfferOutcome } from '../metrics.js';
import { type JobOffer, openJobOffers } from '../offers/open-offers.js';
import { type CycleSnapshot, readCycleSnapshot } from './read-snapshot.js';

/** Share of the delivery fees a crowd courier is offered. */
const COURIER_PAY_SHARE = 0.8;

export interface CycleOptions {
  travelTime?: TravelTime<LatLng>;
  policy?: Partial<MatchingPolicy>;
  metrics?: LoopMetrics;
  log?: { warn: (obj: object, msg: string) => void };
}

export interface CycleReport {
  orders: number;
  couriers: number;
  jobs: number;
  offers: number;
  failed: number;
  durationMs: number;
}

const defaultTravelTime = cityTravelTime();

/**
 * One dispatch cycle of a region: read a snapshot, let the matching core decide, commit each job
 * (a job for an in-house rider, an offer for crowd riders), and raise alerts for orders waiting too
 * long. A stale fence aborts the cycle at once: another dispatcher holds the region.
 */
export async function runCycle(
  deps: LiveDeps,
  lease: RegionLease,
  config: RegionConfig,
  options: CycleOptions = {},
): Promise<CycleReport> {
  const started = performance.now();
  const nowMs = nowMsOf(deps);
  const read = await readCycleSnapshot(deps, lease.region, config, nowMs);
  const decisions = decideAssignments(read.snapshot, {
    now: nowMs / 1000,
    travelTime: options.travelTime ?? defaultTravelTime,
    ...(options.policy ? { policy: options.policy } : {}),
  });
  const report: CycleReport = {
    orders: read.snapshot.orders.length,
    couriers: read.snapshot.couriers.length,
    jobs: 0,
    offers: 0,
    failed: 0,
    durationMs: 0,
  };
  const usedCouriers = new Set(decisions.assignments.map((a) => a.courierId));
  const failed = (err: unknown, assignment: Assignment) => {
    if (err instanceof DomainError && err.code === 'stale_fence') throw err;
    report.failed++;
    const code = err instanceof DomainError ? err.code : 'internal';
    options.metrics?.cycleErrors.inc({ region: lease.region, code });
    options.log?.warn(
      { err, courierId: assignment.courierId, orderIds: assignment.orderIds },
      'job not committed',
    );
    // The index thought the courier could take this: correct it from Postgres for the next cycle.
    if (code === 'courier_unavailable') {
      void syncCourierAvailability(deps, lease.region, assignment.courierId).catch(() => undefined);
    }
  };
  // In-house riders get their jobs one by one (each checks the rider's capacity); all offers of
  // the cycle are written together.
  const offerJobs: { assignment: Assignment; job: JobOffer }[] = [];
  for (const assignment of decisions.assignments) {
    const courier = read.couriers.get(assignment.courierId);
    if (!courier) {
      failed(new Error(`decided courier ${assignment.courierId} is not in the snapshot`), assignment);
      continue;
    }
    if (courier.kind === 'crowd') {
      offerJobs.push({ assignment, job: offerFor(config, read, assignment, usedCouriers) });
      continue;
    }
    try {
      await assignJob(deps, {
        region: lease.region,
        orderIds: assignment.orderIds,
        courierId: courier.id,
        actor: 'dispatcher',
        lease,
      });
      report.jobs++;
      options.metrics?.decisions.inc({ region: lease.region, kind: 'job' });
    } catch (err) {
      failed(err, assignment);
    }
  }
  try {
    const opened = await openJobOffers(
      deps,
      lease,
      offerJobs.map((o) => o.job),
    );
    opened.forEach((offers, i) => {
      if (offers.length === 0)
        failed(new DomainError('conflict', { detail: 'orders no longer pending' }), offerJobs[i]!.assignment);
      report.offers += offers.length;
      if (offers.length > 0) options.metrics?.decisions.inc({ region: lease.region, kind: 'offer' });
    });
  } catch (err) {
    if (err instanceof DomainError && err.code === 'stale_fence') throw err;
    for (const o of offerJobs) failed(err, o.assignment);
  }
  await raiseWaitAlerts(deps, lease.region, config, read, nowMs);
  report.durationMs = performance.now() - started;
  if (options.metrics) {
    const m = options.metrics;
    m.cycleSeconds.observe({ region: lease.region }, report.durationMs / 1000);
    m.batchOrders.observe({ region: lease.region }, report.orders);
    m.batchCouriers.observe({ region: lease.region }, report.couriers);
    if (report.offers > 0)
      for (let i = 0; i < report.offers; i++) recordOfferOutcome(m, lease.region, 'opened');
  }
  return report;
}

/** The offer of one decided crowd job: its courier, and under `top_k` the next best free crowd riders. */
function offerFor(
  config: RegionConfig,
  read: CycleSnapshot,
  assignment: Assignment,
  usedCouriers: Set<string>,
): JobOffer {
  const courierIds = [assignment.courierId];
  if (config.offerPolicy === 'top_k') {
    const declined = new Set(
      read.snapshot.orders
        .filter((o) => assignment.orderIds.includes(o.id))
        .flatMap((o) => o.declinedBy ?? []),
    );
    const extra = [...read.couriers.values()]
      .filter(
        (c) =>
          c.kind === 'crowd' &&
          !usedCouriers.has(c.id) &&
          !declined.has(c.id) &&
          c.capacity - c.load >= assignment.orderIds.length,
      )
      .sort((a, b) => a.distanceMeters - b.distanceMeters)
      .slice(0, config.topK - 1);
    for (const c of extra) {
      courierIds.push(c.id);
      usedCouriers.add(c.id);
    }
  }
  const fees = assignment.orderIds.reduce((sum, id) => sum + (read.orders.get(id)?.fee_cents ?? 0), 0);
  return {
    orderIds: assignment.orderIds,
    courierIds,
    payCents: Math.round(fees * COURIER_PAY_SHARE),
    ttlSeconds: config.offerTtlSeconds,
  };
}

/** One open alert per order that has waited longer than the region allows. */
async function raiseWaitAlerts(
  deps: LiveDeps,
  region: string,
  config: RegionConfig,
  read: CycleSnapshot,
  nowMs: number,
): Promise<void> {
  const late = [...read.orders.values()].filter(
    (o) => nowMs - o.created_at.getTime() > config.alertWaitSeconds * 1000,
  );
  if (late.length === 0) return;
  await deps.pool.query(
    `INSERT INTO alerts (region_id, order_id, kind, data)
     SELECT $1, id, 'order_waiting', jsonb_build_object('waited_seconds', extract(epoch FROM now() - created_at)::int)
       FROM orders WHERE id = ANY($2)
     ON CONFLICT DO NOTHING`,
    [region, late.map((o) => o.id)],
  );
}
