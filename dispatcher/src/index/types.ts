/** Where a courier stands in the dispatch flow. Offline couriers keep their record but are never candidates. */
export type CourierState = 'idle' | 'busy' | 'offline';
/** States a candidate search can ask for (offline couriers are not in any cell). */
export type SearchableState = Exclude<CourierState, 'offline'>;
export type CourierKind = 'in_house' | 'crowd';

export const COURIER_STATES: readonly CourierState[] = ['idle', 'busy', 'offline'];
export const COURIER_KINDS: readonly CourierKind[] = ['in_house', 'crowd'];

/** What the index knows about one courier. */
export interface CourierRecord {
  id: string;
  lat: number;
  lng: number;
  /** H3 cell at the index resolution. */
  cell: string;
  state: CourierState;
  kind: CourierKind;
  vehicle: string;
  /** Orders currently carried. */
  load: number;
  /** Orders the courier can carry at once. */
  capacity: number;
  /** Time of the newest accepted ping, epoch ms. */
  lastSeenMs: number;
  /** End of the courier's shift, epoch ms, when known. */
  shiftEndMs?: number;
}

/** Registration when a courier goes online (or re-registers after eviction). */
export interface CourierUpsert {
  id: string;
  lat: number;
  lng: number;
  kind: CourierKind;
  vehicle: string;
  capacity: number;
  /** Defaults to 'idle'. */
  state?: CourierState;
  /** Defaults to 0. */
  load?: number;
  /** Epoch ms of the position. */
  atMs: number;
  shiftEndMs?: number;
}

/** One position report from a courier's app. */
export interface CourierPing {
  region: string;
  courierId: string;
  lat: number;
  lng: number;
  /** Epoch ms when the position was taken; older than the last accepted ping means stale. */
  atMs: number;
}

/** What one ping did: changed cell, stayed in its cell, or was older than what the index has. */
export type MoveOutcome = 'moved' | 'same-cell' | 'stale';

export interface IngestSummary {
  moved: number;
  sameCell: number;
  stale: number;
  /** Pings of couriers the index does not know (never registered or evicted): they must go online again. */
  unknown: number;
  unknownCourierIds: string[];
}

export interface StateChange {
  state: CourierState;
  load?: number;
  capacity?: number;
}

export interface FindCandidatesOptions {
  /** Stop expanding once at least this many matching couriers are found. */
  minCount: number;
  /** Largest gridDisk distance searched (0 = the center cell only). */
  maxRings: number;
  /** Defaults to ['idle']. */
  states?: readonly SearchableState[];
  /**
   * Leave out couriers farther than this from the center, meters (default: none left out). The
   * rings are still read, and `minCount` still counts, by cell: this only drops the disk's corners
   * (a full-circle search) before their candidates are built.
   */
  withinMeters?: number;
  /**
   * Sort the candidates by distance, nearest first (default true). A caller that filters them into
   * a set or a map, like `GEOSEARCH … BYRADIUS` without `ASC`, can skip the sort (0–20 % of a 2 km
   * search, depending on the machine's load: dispatcher/README.md).
   */
  sorted?: boolean;
}

export interface Candidate extends CourierRecord {
  /** Grid distance of the courier's cell from the center cell. */
  ring: number;
  /** Great-circle distance from the search center, meters. */
  distanceMeters: number;
}

export interface CandidateSearch {
  /** Sorted by distance from the center, nearest first (unless the search asked `sorted: false`). */
  candidates: Candidate[];
  /** Largest grid distance actually searched (≤ maxRings). */
  ringsSearched: number;
}

/** Supply and demand in one heat cell (H3_RESOLUTIONS.heat). */
export interface HeatCount {
  cell: string;
  idleCouriers: number;
  waitingOrders: number;
}
