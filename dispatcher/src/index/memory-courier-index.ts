import { latLngToCell } from 'h3-js';
import { H3_RESOLUTIONS } from '../../../domain/src/geo/h3-resolutions.js';
import { haversineMeters, type LatLng } from '../../../domain/src/geo/lat-lng.js';
import type { CourierIndex } from './courier-index.js';
import { IndexError } from './errors.js';
import { cellToHeatCell, idleAndWaitingToHeatCounts } from './heat.js';
import { cellToRings, searchCenter } from './rings.js';
import type {
  Candidate,
  CandidateSearch,
  CourierPing,
  CourierRecord,
  CourierState,
  CourierUpsert,
  FindCandidatesOptions,
  HeatCount,
  IngestSummary,
  MoveOutcome,
  StateChange,
} from './types.js';
import { assertValidChange, assertValidPosition, assertValidUpsert } from './validate.js';

interface RegionState {
  couriers: Map<string, CourierRecord>;
  /** Cell → ids of the idle and busy couriers in it. */
  cells: Map<string, Set<string>>;
  idle: Map<string, number>;
  waiting: Map<string, number>;
}

export interface MemoryCourierIndexOptions {
  resolution?: number;
  clock?: () => number;
}

/** The courier index in process memory, with the Redis index's semantics (replay, tests). */
export class MemoryCourierIndex implements CourierIndex {
  readonly resolution: number;
  private readonly clock: () => number;
  private readonly regions = new Map<string, RegionState>();

  constructor(options: MemoryCourierIndexOptions = {}) {
    this.resolution = options.resolution ?? H3_RESOLUTIONS.index;
    this.clock = options.clock ?? Date.now;
  }

  private region(region: string): RegionState {
    let r = this.regions.get(region);
    if (!r) {
      r = { couriers: new Map(), cells: new Map(), idle: new Map(), waiting: new Map() };
      this.regions.set(region, r);
    }
    return r;
  }

  async upsertCourier(region: string, c: CourierUpsert): Promise<void> {
    assertValidUpsert(c);
    const r = this.region(region);
    const old = r.couriers.get(c.id);
    const record: CourierRecord = {
      id: c.id,
      lat: c.lat,
      lng: c.lng,
      cell: latLngToCell(c.lat, c.lng, this.resolution),
      state: c.state ?? 'idle',
      kind: c.kind,
      vehicle: c.vehicle,
      load: c.load ?? 0,
      capacity: c.capacity,
      lastSeenMs: c.atMs,
    };
    if (c.shiftEndMs !== undefined) record.shiftEndMs = c.shiftEndMs;
    relocate(r, c.id, old?.cell, old?.state, record.cell, record.state);
    r.couriers.set(c.id, record);
  }

  async moveCourier(ping: CourierPing): Promise<MoveOutcome> {
    assertValidPosition(ping, `courier ${ping.courierId}`);
    const outcome = this.applyPing(ping);
    if (outcome === 'unknown') throw new IndexError('courier_unknown', `courier ${ping.courierId}`);
    return outcome;
  }

  async ingestPings(pings: readonly CourierPing[]): Promise<IngestSummary> {
    for (const p of pings) assertValidPosition(p, `courier ${p.courierId}`);
    const summary: IngestSummary = { moved: 0, sameCell: 0, stale: 0, unknown: 0, unknownCourierIds: [] };
    for (const p of pings) {
      const outcome = this.applyPing(p);
      if (outcome === 'moved') summary.moved += 1;
      else if (outcome === 'same-cell') summary.sameCell += 1;
      else if (outcome === 'stale') summary.stale += 1;
      else {
        summary.unknown += 1;
        summary.unknownCourierIds.push(p.courierId);
      }
    }
    return summary;
  }

  private applyPing(p: CourierPing): MoveOutcome | 'unknown' {
    const r = this.region(p.region);
    const c = r.couriers.get(p.courierId);
    if (!c) return 'unknown';
    if (c.lastSeenMs > p.atMs) return 'stale';
    const cell = latLngToCell(p.lat, p.lng, this.resolution);
    const oldCell = c.cell;
    relocate(r, c.id, oldCell, c.state, cell, c.state);
    Object.assign(c, { lat: p.lat, lng: p.lng, cell, lastSeenMs: p.atMs });
    return oldCell === cell ? 'same-cell' : 'moved';
  }

  async setState(region: string, courierId: string, change: StateChange): Promise<void> {
    assertValidChange(courierId, change);
    const r = this.region(region);
    const c = r.couriers.get(courierId);
    if (!c) throw new IndexError('courier_unknown', `courier ${courierId}`);
    const load = change.load ?? c.load;
    const capacity = change.capacity ?? c.capacity;
    if (load > capacity)
      throw new IndexError('load_over_capacity', `courier ${courierId}: ${load} > ${capacity}`);
    relocate(r, courierId, c.cell, c.state, c.cell, change.state);
    Object.assign(c, { state: change.state, load, capacity });
  }

  async removeCourier(region: string, courierId: string): Promise<boolean> {
    const r = this.region(region);
    const c = r.couriers.get(courierId);
    if (!c) return false;
    relocate(r, courierId, c.cell, c.state, undefined, undefined);
    r.couriers.delete(courierId);
    return true;
  }

  async getCourier(region: string, courierId: string): Promise<CourierRecord | null> {
    const c = this.region(region).couriers.get(courierId);
    return c ? { ...c } : null;
  }

  async evictSilent(region: string, olderThanMs: number): Promise<string[]> {
    const r = this.region(region);
    const cutoffMs = this.clock() - olderThanMs;
    const silent = [...r.couriers.values()].filter((c) => c.lastSeenMs <= cutoffMs).map((c) => c.id);
    for (const id of silent) await this.removeCourier(region, id);
    return silent;
  }

  async findCandidates(
    region: string,
    center: LatLng | string,
    options: FindCandidatesOptions,
  ): Promise<CandidateSearch> {
    const r = this.region(region);
    const { centerCell, centerPoint } = searchCenter(center, this.resolution);
    const wanted = new Set<CourierState>(options.states ?? ['idle']);
    const rings = cellToRings(centerCell, options.maxRings);
    const candidates: Candidate[] = [];
    const within = options.withinMeters ?? Number.POSITIVE_INFINITY;
    let found = 0; // matches read, within or not: the early stop counts what the cells hold
    let ringsSearched = 0;
    for (const [ring, cells] of rings.entries()) {
      if (ring > 0 && found >= options.minCount) break;
      ringsSearched = ring;
      for (const cell of cells) {
        for (const id of r.cells.get(cell) ?? []) {
          const c = r.couriers.get(id);
          if (!c || !wanted.has(c.state)) continue;
          found++;
          const distanceMeters = haversineMeters(centerPoint, c);
          if (distanceMeters <= within) candidates.push({ ...c, ring, distanceMeters });
        }
      }
    }
    if (options.sorted !== false) candidates.sort((a, b) => a.distanceMeters - b.distanceMeters);
    return { candidates, ringsSearched };
  }

  async idleCounts(region: string): Promise<Map<string, number>> {
    return new Map(this.region(region).idle);
  }

  async incrWaitingOrders(region: string, cell: string, delta: number): Promise<number> {
    if (!Number.isInteger(delta)) throw new Error(`waiting-order delta must be an integer, got ${delta}`);
    const waiting = this.region(region).waiting;
    const heatCell = cellToHeatCell(cell);
    const n = Math.max(0, (waiting.get(heatCell) ?? 0) + delta);
    if (n === 0) waiting.delete(heatCell);
    else waiting.set(heatCell, n);
    return n;
  }

  async heatCounts(region: string): Promise<HeatCount[]> {
    const r = this.region(region);
    return idleAndWaitingToHeatCounts(r.idle, r.waiting);
  }
}

/** Same rule as lua/includes/relocate.lua: idle and busy couriers are listed in their cell. */
function relocate(
  r: RegionState,
  id: string,
  oldCell: string | undefined,
  oldState: CourierState | undefined,
  newCell: string | undefined,
  newState: CourierState | undefined,
): void {
  const listed = (cell: string | undefined, state: CourierState | undefined) =>
    cell !== undefined && (state === 'idle' || state === 'busy');
  if (listed(oldCell, oldState)) {
    const members = r.cells.get(oldCell!);
    members?.delete(id);
    if (members?.size === 0) r.cells.delete(oldCell!);
  }
  if (listed(newCell, newState)) {
    const members = r.cells.get(newCell!) ?? new Set<string>();
    members.add(id);
    r.cells.set(newCell!, members);
  }
  if (oldCell !== undefined && oldState === 'idle') {
    const n = (r.idle.get(oldCell) ?? 0) - 1;
    if (n <= 0) r.idle.delete(oldCell);
    else r.idle.set(oldCell, n);
  }
  if (newCell !== undefined && newState === 'idle') r.idle.set(newCell, (r.idle.get(newCell) ?? 0) + 1);
}
