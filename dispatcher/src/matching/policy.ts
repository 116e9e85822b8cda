import type { ServiceTimes } from './types.js';

/**
 * Weights and limits of the matching policy. Every time is in seconds; every cost is in
 * "seconds of click-to-door", so the terms add up. Defaults are the values tuned on the MDRP
 * instances (see README.md in this folder).
 */
export interface MatchingPolicy {
  /** Click-to-door the business promises; every second beyond it costs `lateWeight` extra. */
  targetClickToDoorSeconds: number;
  lateWeight: number;
  /**
   * Click-to-door that must not be exceeded; every second beyond it costs `overMaxWeight` extra.
   * 0 by default: on the MDRP instances a penalty here served the oldest orders first and
   * lowered throughput when couriers were scarce (aging keeps old orders from starving instead).
   */
  maxClickToDoorSeconds: number;
  overMaxWeight: number;
  /** Weight of the click-to-door itself (1: the objective is the sum of click-to-door). */
  clickToDoorWeight: number;
  /** Cost of a courier's arrival before the food is ready, per second of its waiting at the store. */
  courierWaitWeight: number;
  /** Cost per second of courier travel (keeps drives short when click-to-door ties). */
  travelWeight: number;
  /**
   * Cost per second a job keeps its courier busy, times scarcity: when orders outnumber couriers,
   * every minute of a courier delays someone else, so short jobs and bundles win.
   */
  busyWeight: number;
  /**
   * Per second a courier is nearer to the busy stores than the average courier, its use costs this
   * much more (and a courier farther away this much less): well-placed couriers are kept for what
   * comes next (`context.ts`, `addPositionTerm`).
   */
  positionWeight: number;
  /**
   * Per second a courier is the only quick one to a busy store (the next usable courier would reach
   * it that much later, at most `coverageCapSeconds`), weighted by the store's share of demand, its use
   * costs this much more (`context.ts`, `addPositionTerm`): two couriers waiting side by side cover
   * the same stores, so one of them may go; a lone one keeps its area served. Scaled by
   * 1 − scarcity (`decide.ts`); only couriers that can still pick up there before their shift ends
   * cover a store.
   */
  coverageWeight: number;
  coverageCapSeconds: number;

  /** Extra cost of a crowdsourced rider, so in-house riders go first. */
  crowdPenaltySeconds: number;
  /** Expected delay when an offer is declined; multiplied by (1 − acceptance rate). */
  declineDelaySeconds: number;
  /** Bonus per second a courier has waited for work (fairness), capped at `idleCapSeconds`. */
  idleWeight: number;
  idleCapSeconds: number;

  /** Candidates kept per order, nearest in time first. */
  maxCandidatesPerOrder: number;
  /** Couriers who become free more than this after now are not candidates. */
  lookaheadSeconds: number;
  /**
   * Leaving an order for a later cycle costs as much as serving it this much later with its cheapest
   * candidate; a courier worse than that is not used now.
   */
  holdDelaySeconds: number;
  /**
   * Priority of waiting: leaving an order for later costs this much more per second it has
   * already waited since ready, so remote or awkward orders are not starved by easy ones.
   */
  agingWeight: number;
  /**
   * A chosen crowd rider free now is committed (offered the job) only when it must leave within this
   * time: the rider needs time to answer, or to decline and let the next offer go out.
   */
  commitHorizonSeconds: number;
  /**
   * The same for in-house riders, who get the job without an offer to answer: deciding at the last
   * moment keeps every other choice open longer. Kept above one cycle so the job still reaches the
   * rider before it must leave.
   */
  inHouseCommitHorizonSeconds: number;

  /**
   * Scarcity (0..1) grows linearly with waiting orders per usable courier, from 0 at
   * `scarcityFrom` to 1 at `scarcityFull`. It scales `busyWeight` and `courierValueSeconds`.
   */
  scarcityFrom: number;
  scarcityFull: number;
  /** Scarcity may exceed 1 up to this, when waiting orders far outnumber what couriers can still do. */
  scarcityMax: number;
  /** A courier whose shift ends within this counts as that share of a courier (0: all count fully). */
  shiftHorizonSeconds: number;
  /** Bundles: at most this many orders, ready within this window of each other. */
  maxBundleSize: number;
  bundleReadyWindowSeconds: number;
  /**
   * Value of a courier kept free by bundling, in seconds, when couriers are scarce; scaled by
   * scarcity (waiting orders per courier free soon, minus one, clamped to 0..1).
   */
  courierValueSeconds: number;
  /**
   * After the assignment, a job committed now takes other jobs of its store when one courier doing
   * both costs less than the solver's choice for them (`decide.ts`, `growCommittedJobs`).
   */
  growCommittedJobs: boolean;
  /**
   * A courier free now whose own job need not start yet may do another job first when it can still
   * pick up its own at most this much later (`decide.ts`, `fillIdleGaps`).
   */
  fillIdleGaps: boolean;
  fillerDelaySeconds: number;

  /**
   * Rollout (`rollout.ts`): the cycle's decisions and, for up to `rolloutMaxAlternatives` of its jobs,
   * the decisions without that job's courier, are simulated forward `rolloutHorizonSeconds` with the
   * base policy on the known orders; the lowest simulated click-to-door wins (an alternative must
   * beat the base by `rolloutMarginSeconds`). Only when scarcity ≥ `rolloutMinScarcity` and the
   * snapshot is small (≤ `rolloutMaxOrders` orders, ≤ `rolloutMaxCouriers` couriers free within the
   * horizon), with at most `rolloutMaxSimulatedCycles` base cycles per decision. 0 horizon: off.
   * The snapshot should carry the couriers free within the horizon (beyond `lookaheadSeconds`).
   */
  rolloutHorizonSeconds: number;
  rolloutMinScarcity: number;
  rolloutMaxOrders: number;
  rolloutMaxCouriers: number;
  rolloutMaxAlternatives: number;
  rolloutMarginSeconds: number;
  rolloutMaxSimulatedCycles: number;

  service: ServiceTimes;
}

export const DEFAULT_POLICY: Readonly<MatchingPolicy> = Object.freeze({
  targetClickToDoorSeconds: 40 * 60,
  lateWeight: 0.3,
  maxClickToDoorSeconds: 90 * 60,
  overMaxWeight: 0,
  clickToDoorWeight: 1,
  courierWaitWeight: 0.1,
  travelWeight: 0.05,
  busyWeight: 2,
  positionWeight: 0.1,
  coverageWeight: 0.5,
  coverageCapSeconds: 15 * 60,
  crowdPenaltySeconds: 120,
  declineDelaySeconds: 300,
  idleWeight: 0.01,
  idleCapSeconds: 30 * 60,
  maxCandidatesPerOrder: 24,
  lookaheadSeconds: 30 * 60,
  holdDelaySeconds: 30 * 60,
  agingWeight: 0.5,
  commitHorizonSeconds: 2 * 60,
  inHouseCommitHorizonSeconds: 30,
  scarcityFrom: 1,
  scarcityFull: 2,
  scarcityMax: 6,
  shiftHorizonSeconds: 60 * 60,
  maxBundleSize: 6,
  bundleReadyWindowSeconds: 60 * 60,
  courierValueSeconds: 10 * 60,
  growCommittedJobs: true,
  fillIdleGaps: true,
  fillerDelaySeconds: 5 * 60,
  rolloutHorizonSeconds: 60 * 60,
  rolloutMinScarcity: 0,
  rolloutMaxOrders: 40,
  rolloutMaxCouriers: 30,
  rolloutMaxAlternatives: 12,
  rolloutMarginSeconds: 0,
  rolloutMaxSimulatedCycles: 200,
  service: Object.freeze({ pickupSeconds: 240, dropoffSeconds: 240 }),
});

/** The policy with the caller's overrides on top of the defaults. */
export function resolvePolicy(
  overrides: Partial<MatchingPolicy> = {},
  service: Partial<ServiceTimes> = {},
): MatchingPolicy {
  return {
    ...DEFAULT_POLICY,
    ...overrides,
    service: { ...DEFAULT_POLICY.service, ...overrides.service, ...service },
  };
}
