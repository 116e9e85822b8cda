import type { TravelTime, Vehicle } from '../../../domain/src/geo/travel-time.js';
import type { MatchingPolicy } from './policy.js';

export type { TravelTime, Vehicle };

/** In-house riders take jobs; crowdsourced riders get offers they may decline. */
export type CourierKind = 'in_house' | 'crowd';

/**
 * An order waiting for a courier, as the matcher sees it. All times are seconds on the caller's
 * clock (epoch seconds live, minutes × 60 in the benchmark replay).
 */
export interface OrderToMatch<P> {
  id: string;
  storeId: string;
  /** Where the order is picked up (the store). Orders of one store share it. */
  pickup: P;
  /** Where the order is delivered. */
  dropoff: P;
  /** When the customer clicked, seconds. */
  placedAt: number;
  /** When the store expects the food ready, seconds. */
  readyAt: number;
  /** Couriers that declined this order before: never offered it again. */
  declinedBy?: readonly string[];
  /** Vehicles that may carry this order; all when absent. */
  allowedVehicles?: readonly Vehicle[];
  /** Couriers the index found near the store; every courier of the snapshot when absent. */
  candidateCourierIds?: readonly string[];
}

/** A courier as the matcher sees it: now, or when it will be free after its current job. */
export interface CourierToMatch<P> {
  id: string;
  kind: CourierKind;
  vehicle?: Vehicle;
  /** Where the courier is (idle) or will be when its current job ends (busy). */
  position: P;
  /**
   * When the courier can start a new job, seconds: ≤ now when idle; after now while it finishes
   * a job or before its shift starts. Only couriers free now receive decisions; the others only
   * compete, so an order waits for a much better courier instead of taking a poor one.
   */
  freeAt: number;
  /** No pickup after this time, seconds (end of shift). */
  shiftEndsAt: number;
  /** Orders on board or promised, and how many it can carry. */
  load: number;
  capacity: number;
  /** Since when the courier has been waiting for work, seconds (idle-time fairness). */
  idleSince?: number;
  /** For crowd riders: the share of offers they accept, 0..1. */
  acceptanceRate?: number;
}

/** What the caller read (Redis live, the replay's state in the benchmark). */
export interface MatchingSnapshot<P> {
  orders: readonly OrderToMatch<P>[];
  couriers: readonly CourierToMatch<P>[];
  /** Where orders come from lately (stores and how many orders each had), for the position term. */
  demand?: readonly { id: string; at: P; weight: number }[];
}

/** Service times at both ends, seconds. Half is spent before the pickup/drop-off instant, half after. */
export interface ServiceTimes {
  pickupSeconds: number;
  dropoffSeconds: number;
}

/** Everything the decision depends on besides the snapshot. */
export interface DecideOptions<P> {
  /** The clock value of this cycle, seconds. */
  now: number;
  travelTime: TravelTime<P>;
  policy?: Partial<MatchingPolicy>;
  service?: Partial<ServiceTimes>;
}

/** One job for one courier: the orders of one store, picked up together, delivered in this order. */
export interface Assignment {
  courierId: string;
  storeId: string;
  /** In delivery order. */
  orderIds: string[];
  /** Estimated times, seconds. */
  departAt: number;
  arriveStoreAt: number;
  pickupAt: number;
  /** Estimated drop-off instants, one per order of `orderIds`. */
  dropoffAt: number[];
  /** The matcher's cost of this job (seconds-equivalent); lower is better. */
  cost: number;
}

/** The output of one decision cycle. */
export interface MatchingDecisions {
  /** Jobs to commit now. */
  assignments: Assignment[];
  /** Orders left for a later cycle, with the reason. */
  waiting: { orderId: string; reason: WaitReason }[];
}

/**
 * - `no_candidate`: nobody can take it (all full, off shift, declined, too far in time).
 * - `better_courier_soon`: the best courier for it is still busy or not yet on shift.
 * - `not_yet`: its courier is chosen but need not leave yet; deciding later loses nothing.
 * - `too_costly`: every candidate is worse than waiting a cycle.
 */
export type WaitReason = 'no_candidate' | 'better_courier_soon' | 'not_yet' | 'too_costly';
