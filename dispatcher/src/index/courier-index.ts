import type { LatLng } from '../../../domain/src/geo/lat-lng.js';
import type {
  CandidateSearch,
  CourierPing,
  CourierRecord,
  CourierUpsert,
  FindCandidatesOptions,
  HeatCount,
  IngestSummary,
  MoveOutcome,
  StateChange,
} from './types.js';

/**
 * Live courier positions and states per region, bucketed by H3 cell. Two implementations with the
 * same semantics: Redis (production) and in-memory (replay, tests); one contract suite checks both.
 * Every method keeps the invariant: a courier that is idle or busy is listed in exactly one cell (its
 * current cell); an offline courier is in none; the idle counters equal the idle members per cell.
 */
export interface CourierIndex {
  /** H3 resolution of the cells. */
  readonly resolution: number;

  /** Registers a courier (go online) or replaces its record, moving its cell membership atomically. */
  upsertCourier(region: string, courier: CourierUpsert): Promise<void>;

  /** Applies one ping. Throws `COURIER_UNKNOWN` when the courier is not registered. */
  moveCourier(ping: CourierPing): Promise<MoveOutcome>;

  /** Applies many pings (any regions) in pipelined batches; unknown couriers are counted, not thrown. */
  ingestPings(pings: readonly CourierPing[]): Promise<IngestSummary>;

  /** Changes state (and optionally load/capacity). Throws `COURIER_UNKNOWN` or `LOAD_OVER_CAPACITY`. */
  setState(region: string, courierId: string, change: StateChange): Promise<void>;

  /** Deletes a courier entirely; false when it was not there. */
  removeCourier(region: string, courierId: string): Promise<boolean>;

  getCourier(region: string, courierId: string): Promise<CourierRecord | null>;

  /**
   * Removes couriers whose last ping is older than `olderThanMs` before now (the index clock).
   * Returns the evicted ids.
   */
  evictSilent(region: string, olderThanMs: number): Promise<string[]>;

  /**
   * Couriers around a point or cell, expanding gridDisk rings until `minCount` matching couriers are
   * found or `maxRings` is reached. Every courier of every searched ring is returned.
   */
  findCandidates(
    region: string,
    center: LatLng | string,
    options: FindCandidatesOptions,
  ): Promise<CandidateSearch>;

  /** Idle couriers per index cell (cells with none are absent). */
  idleCounts(region: string): Promise<Map<string, number>>;

  /**
   * Adds `delta` to the waiting orders of the heat cell containing `cell` (any resolution at or
   * finer than the heat resolution); never goes below 0. Returns the new count.
   */
  incrWaitingOrders(region: string, cell: string, delta: number): Promise<number>;

  /** Idle couriers and waiting orders per heat cell, for the ops heat map and the quote surcharge. */
  heatCounts(region: string): Promise<HeatCount[]>;
}
