import { latLngToCell } from 'h3-js';
import type { Redis } from 'ioredis';
import { H3_RESOLUTIONS } from '../../../domain/src/geo/h3-resolutions.js';
import type { LatLng } from '../../../domain/src/geo/lat-lng.js';
import { type RegionKeys, regionKeys } from '../keys.js';
import type { CourierIndex } from './courier-index.js';
import { errorFromLuaCode, LUA_STALE_PING } from './errors.js';
import { cellToHeatCell, idleAndWaitingToHeatCounts } from './heat.js';
import {
  distanceFrom,
  fieldsToCourierRecord,
  RECORD,
  RecordsDecoder,
  sortByDistance,
  statesMask,
} from './record-codec.js';
import { cellsReachingRadius, cellToRings, searchCenter } from './rings.js';
import { callScript, callScriptBuffer, loadIndexScripts, queueScript } from './script-loader.js';
import type {
  Candidate,
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
import { assertValidChange, assertValidPosition, assertValidUpsert } from './validate.js';

/** A record's position bytes (lat, lng, lastSeenMs: three doubles), as pings are sent. */
const POSITION_BYTES = RECORD.shiftEndMs - RECORD.lat;

export interface RedisCourierIndexOptions {
  /** Key prefix (e.g. `o2o:idx`); every key also carries the region hash tag. */
  prefix: string;
  /** H3 resolution of the cells; defaults to H3_RESOLUTIONS.index. */
  resolution?: number;
  /** Epoch ms; the replay passes its simulated clock. */
  clock?: () => number;
  /** Pings per script call in ingestPings. */
  pingsPerCall?: number;
  /**
   * Script calls per pipeline in ingestPings. Pipelines are sent back to back, so a smaller one
   * lets Redis start on it while the next is encoded (5 against 20: ahead, but within the noise of
   * the loaded machine; README "Ingest since 2026-12-02").
   */
  callsPerPipeline?: number;
  /** Couriers evicted per script call (keeps each call short). */
  evictPerCall?: number;
}

/** The courier index on Redis: one Lua script per atomic change, candidate search in one round trip. */
export class RedisCourierIndex implements CourierIndex {
  readonly resolution: number;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly clock: () => number;
  private readonly pingsPerCall: number;
  private readonly callsPerPipeline: number;
  private readonly evictPerCall: number;

  constructor(redis: Redis, options: RedisCourierIndexOptions) {
    this.redis = redis;
    this.prefix = options.prefix;
    this.resolution = options.resolution ?? H3_RESOLUTIONS.index;
    this.clock = options.clock ?? Date.now;
    this.pingsPerCall = options.pingsPerCall ?? 50;
    this.callsPerPipeline = options.callsPerPipeline ?? 5;
    this.evictPerCall = options.evictPerCall ?? 500;
    loadIndexScripts(redis);
  }

  /** Per region: its keys, and the cell keys of each disk a full-circle search reads. */
  private readonly regions = new Map<string, RegionKeys>();
  private readonly diskKeys = new Map<string, WeakMap<readonly (readonly string[])[], string[]>>();

  private keys(region: string): RegionKeys {
    let keys = this.regions.get(region);
    if (!keys) {
      keys = regionKeys(this.prefix, region);
      this.regions.set(region, keys);
    }
    return keys;
  }

  /**
   * The cell keys of a disk (a memoized cellToRings result) in ring order, built once per disk and
   * region (the loop searches around the same store cells every cycle).
   */
  private keysOfDisk(region: string, rings: readonly (readonly string[])[]): string[] {
    let byDisk = this.diskKeys.get(region);
    if (!byDisk) {
      byDisk = new WeakMap();
      this.diskKeys.set(region, byDisk);
    }
    let keys = byDisk.get(rings);
    if (!keys) {
      const { cellPrefix } = this.keys(region);
      keys = rings.flat().map((cell) => cellPrefix + cell);
      byDisk.set(rings, keys);
    }
    return keys;
  }

  async upsertCourier(region: string, c: CourierUpsert): Promise<void> {
    assertValidUpsert(c);
    const k = this.keys(region);
    const cell = latLngToCell(c.lat, c.lng, this.resolution);
    const code = Number(
      await callScript(
        this.redis,
        'putCourier',
        [k.courier(c.id), k.seen, k.idle, k.where],
        [
          k.cellPrefix,
          c.id,
          c.lat,
          c.lng,
          cell,
          c.state ?? 'idle',
          c.kind,
          c.vehicle,
          c.load ?? 0,
          c.capacity,
          c.atMs,
          c.shiftEndMs ?? '',
        ],
      ),
    );
    if (code < 0) throw errorFromLuaCode(code, `courier ${c.id}`);
  }

  async moveCourier(ping: CourierPing): Promise<MoveOutcome> {
    assertValidPosition(ping, `courier ${ping.courierId}`);
    const k = this.keys(ping.region);
    const codes = (await callScript(
      this.redis,
      'moveCouriers',
      [k.seen, k.idle, k.where],
      this.pingArgs(k, [ping]),
    )) as number[];
    return this.pingOutcome(codes[0] ?? 0, ping.courierId);
  }

  async ingestPings(pings: readonly CourierPing[]): Promise<IngestSummary> {
    const summary: IngestSummary = { moved: 0, sameCell: 0, stale: 0, unknown: 0, unknownCourierIds: [] };
    const byRegion = new Map<string, CourierPing[]>();
    for (const p of pings) {
      assertValidPosition(p, `courier ${p.courierId}`);
      const list = byRegion.get(p.region);
      if (list) list.push(p);
      else byRegion.set(p.region, [p]);
    }
    const calls: CourierPing[][] = [];
    for (const list of byRegion.values()) {
      for (let i = 0; i < list.length; i += this.pingsPerCall)
        calls.push(list.slice(i, i + this.pingsPerCall));
    }
    // Every pipeline is sent as soon as it is built, without waiting for the previous one's replies:
    // one connection keeps them in order, and Redis runs a pipeline while the next is encoded.
    const sent: Promise<[Error | null, unknown][] | null>[] = [];
    for (let i = 0; i < calls.length; i += this.callsPerPipeline) {
      const pipeline = this.redis.pipeline();
      for (const batch of calls.slice(i, i + this.callsPerPipeline)) {
        const k = this.keys(batch[0]!.region);
        queueScript(pipeline, 'moveCouriers', [k.seen, k.idle, k.where], this.pingArgs(k, batch));
      }
      sent.push(pipeline.exec());
    }
    const replies = (await Promise.all(sent)).flatMap((r) => r ?? []);
    replies.forEach(([err, reply], j) => {
      if (err) throw err;
      const batch = calls[j]!;
      (reply as number[]).forEach((code, n) => {
        if (code === 1) summary.moved += 1;
        else if (code === 0) summary.sameCell += 1;
        else if (code === LUA_STALE_PING) summary.stale += 1;
        else {
          summary.unknown += 1;
          summary.unknownCourierIds.push(batch[n]!.courierId);
        }
      });
    });
    return summary;
  }

  /**
   * The pings' positions go as one buffer of the 24 bytes each record holds at RECORD.lat (lat,
   * lng, atMs as little-endian doubles), so the script writes an in-cell ping's bytes as they are.
   */
  private pingArgs(k: RegionKeys, pings: readonly CourierPing[]): (string | number | Buffer)[] {
    const positions = Buffer.allocUnsafe(pings.length * POSITION_BYTES);
    const args: (string | number | Buffer)[] = [k.cellPrefix, k.courierPrefix, positions];
    pings.forEach((p, i) => {
      const at = i * POSITION_BYTES - RECORD.lat;
      positions.writeDoubleLE(p.lat, at + RECORD.lat);
      positions.writeDoubleLE(p.lng, at + RECORD.lng);
      positions.writeDoubleLE(p.atMs, at + RECORD.lastSeenMs);
      args.push(p.courierId, latLngToCell(p.lat, p.lng, this.resolution), p.atMs);
    });
    return args;
  }

  private pingOutcome(code: number, courierId: string): MoveOutcome {
    if (code === 1) return 'moved';
    if (code === 0) return 'same-cell';
    if (code === LUA_STALE_PING) return 'stale';
    throw errorFromLuaCode(code, `courier ${courierId}`);
  }

  async setState(region: string, courierId: string, change: StateChange): Promise<void> {
    assertValidChange(courierId, change);
    const k = this.keys(region);
    const code = Number(
      await callScript(
        this.redis,
        'setState',
        [k.courier(courierId), k.idle, k.where],
        [k.cellPrefix, courierId, change.state, change.load ?? '', change.capacity ?? ''],
      ),
    );
    if (code < 0) throw errorFromLuaCode(code, `courier ${courierId}`);
  }

  async removeCourier(region: string, courierId: string): Promise<boolean> {
    const k = this.keys(region);
    const removed = await callScript(
      this.redis,
      'removeCourier',
      [k.courier(courierId), k.seen, k.idle, k.where],
      [k.cellPrefix, courierId],
    );
    return Number(removed) === 1;
  }

  async getCourier(region: string, courierId: string): Promise<CourierRecord | null> {
    const k = this.keys(region);
    const flat = (await callScript(
      this.redis,
      'getCourier',
      [k.courier(courierId), k.where],
      [k.cellPrefix, courierId],
    )) as string[];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    if (fields.state === undefined) return null;
    return fieldsToCourierRecord(courierId, fields);
  }

  async evictSilent(region: string, olderThanMs: number): Promise<string[]> {
    const k = this.keys(region);
    const cutoffMs = this.clock() - olderThanMs;
    const evicted: string[] = [];
    for (;;) {
      const ids = (await callScript(
        this.redis,
        'evictSilent',
        [k.seen, k.idle, k.where],
        [k.cellPrefix, k.courierPrefix, cutoffMs, this.evictPerCall],
      )) as string[];
      evicted.push(...ids);
      if (ids.length < this.evictPerCall) return evicted;
    }
  }

  /**
   * A search that reads every ring (minCount unbounded: a full circle) is one MGET of the disk's
   * cell strings, no script; one that may stop early is findCandidates-2, ring by ring in one
   * round trip. Either way the cells' records come back as they are and are decoded here.
   */
  async findCandidates(
    region: string,
    center: LatLng | string,
    options: FindCandidatesOptions,
  ): Promise<CandidateSearch> {
    const k = this.keys(region);
    const { centerCell, centerPoint } = searchCenter(center, this.resolution);
    const rings = cellToRings(centerCell, options.maxRings);
    const states = options.states ?? ['idle'];
    const within = options.withinMeters ?? Number.POSITIVE_INFINITY;
    let ringsSearched: number;
    let cells: (Buffer | null)[];
    let reaching: boolean[] | undefined;
    if (!Number.isFinite(options.minCount)) {
      // Every ring is read: one MGET, without the disk's cells that lie wholly outside the circle.
      const diskKeys = this.keysOfDisk(region, rings);
      let keys = diskKeys;
      if (Number.isFinite(within)) {
        const flags = cellsReachingRadius(centerPoint, rings, within);
        keys = diskKeys.filter((_, n) => flags[n]);
        reaching = flags;
      }
      cells = await this.redis.mgetBuffer(...keys);
      ringsSearched = rings.length - 1;
    } else {
      const wanted = states.includes('idle') ? (states.includes('busy') ? 'both' : 'idle') : 'busy';
      const args: (string | number)[] = [k.cellPrefix, options.minCount, wanted, rings.length - 1];
      for (let r = 1; r < rings.length; r++) {
        const ring = rings[r]!;
        args.push(ring.length, ...ring);
      }
      const reply = (await callScriptBuffer(
        this.redis,
        'findCandidates',
        [k.cell(centerCell), k.idle],
        args,
      )) as [number, ...(Buffer | null)[]];
      ringsSearched = Number(reply[0]);
      cells = reply.slice(1) as (Buffer | null)[];
    }
    const candidates: Candidate[] = [];
    const decoder = new RecordsDecoder(distanceFrom(centerPoint, within), within, statesMask(states), cells);
    let i = 0;
    let n = 0;
    for (let ring = 0; ring <= ringsSearched; ring++) {
      for (const cell of rings[ring]!) {
        if (reaching && !reaching[n++]) continue;
        const records = cells[i++];
        if (records) decoder.appendCandidates(records, cell, ring, candidates);
      }
    }
    if (options.sorted !== false) sortByDistance(candidates);
    return { candidates, ringsSearched };
  }

  async idleCounts(region: string): Promise<Map<string, number>> {
    return countsOf(await this.redis.hgetall(this.keys(region).idle));
  }

  async incrWaitingOrders(region: string, cell: string, delta: number): Promise<number> {
    if (!Number.isInteger(delta)) throw new Error(`waiting-order delta must be an integer, got ${delta}`);
    const k = this.keys(region);
    return Number(await callScript(this.redis, 'incrWaiting', [k.heat], [cellToHeatCell(cell), delta]));
  }

  async heatCounts(region: string): Promise<HeatCount[]> {
    const k = this.keys(region);
    const [idle, heat] = await Promise.all([this.redis.hgetall(k.idle), this.redis.hgetall(k.heat)]);
    return idleAndWaitingToHeatCounts(countsOf(idle), countsOf(heat));
  }
}

function countsOf(hash: Record<string, string>): Map<string, number> {
  return new Map(Object.entries(hash).map(([cell, n]) => [cell, Number(n)]));
}
