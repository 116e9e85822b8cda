import { latLngToCell } from 'h3-js';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestRedis } from '../../../test/support/redis.js';
import { distanceFrom, RECORD, recordsToCandidates } from '../../src/index/record-codec.js';
import { RedisCourierIndex } from '../../src/index/redis-courier-index.js';
import { callScript, callScriptBuffer, indexScripts } from '../../src/index/script-loader.js';
import type { CourierRecord } from '../../src/index/types.js';
import { regionKeys } from '../../src/keys.js';
import { AMSTERDAM, courier } from './courier-index-contract.js';
import { mulberry32, randomPointNear } from './random.js';

let redis: Redis;
let prefix: string;
let cleanup: () => Promise<void>;
let n = 0;

beforeAll(async () => {
  ({ redis, prefix, cleanup } = await connectTestRedis());
});
afterAll(async () => {
  await cleanup();
});

/** A fresh index and the keys of its region, for reading Redis directly. */
function fresh(options: { evictPerCall?: number } = {}) {
  let now = 0;
  const p = `${prefix}:${n++}`;
  const index = new RedisCourierIndex(redis, { prefix: p, clock: () => now, ...options });
  return { index, k: regionKeys(p, 'ams'), p, setNow: (ms: number) => (now = ms) };
}

const cellOf = (at: { lat: number; lng: number }) => latLngToCell(at.lat, at.lng, 8);
const far = { lat: AMSTERDAM.lat + 0.05, lng: AMSTERDAM.lng };

/** A `where` entry: the cell and the byte offset of the record's position in the cell string. */
const whereOf = (at: { lat: number; lng: number }, slot: number) =>
  `${cellOf(at)}:${slot * RECORD.bytes + RECORD.lat}`;

/** moveCouriers-3's arguments for pings given as [id, lat, lng, atMs]: positions packed, then id, cell, atMs. */
function moveArgs(k: ReturnType<typeof regionKeys>, pings: [string, number, number, number][]) {
  const positions = Buffer.alloc(pings.length * 24);
  pings.forEach(([, lat, lng, atMs], i) => {
    positions.writeDoubleLE(lat, i * 24);
    positions.writeDoubleLE(lng, i * 24 + 8);
    positions.writeDoubleLE(atMs, i * 24 + 16);
  });
  return [
    k.cellPrefix,
    k.courierPrefix,
    positions,
    ...pings.flatMap(([id, lat, lng, atMs]) => [id, cellOf({ lat, lng }), atMs]),
  ];
}

async function allKeys(p: string): Promise<string[]> {
  return (await redis.keys(`${p}:*`)).sort();
}

/** The records of a cell string, decoded by the client's decoder, in slot order. */
async function recordsOf(key: string): Promise<CourierRecord[]> {
  const buf = await redis.getBuffer(key);
  if (!buf) return [];
  expect(buf.length % RECORD.bytes).toBe(0);
  const out: Parameters<typeof recordsToCandidates>[6] = [];
  recordsToCandidates(buf, key.slice(key.lastIndexOf(':') + 1), 0, distanceFrom(AMSTERDAM), Infinity, 3, out);
  return out.map(({ ring: _ring, distanceMeters: _d, ...record }) => record);
}

describe('index Lua scripts on the real Redis', () => {
  it('every script file documents KEYS, ARGV and its return, and declares as many keys as it uses', () => {
    for (const script of indexScripts()) {
      const header = script.lua.split('\n').filter((line) => line.startsWith('--'));
      expect(header.some((line) => /KEYS\[1\]/.test(line)) || script.numberOfKeys === 0).toBe(true);
      expect(header.some((line) => /ARGV\[1\]/.test(line))).toBe(true);
      expect(header.some((line) => /returns/.test(line))).toBe(true);
      const used = new Set([...script.lua.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
      expect(Math.max(0, ...used)).toBe(script.numberOfKeys);
    }
  });

  it('putCourier-4 writes the hash, where entry, last seen, cell record and idle counter, and refuses load over capacity', async () => {
    const { index, k } = fresh();
    await index.upsertCourier(
      'ams',
      courier('c1', AMSTERDAM, { vehicle: 'car', capacity: 3, load: 1, shiftEndMs: 9 }),
    );
    expect(await redis.hgetall(k.courier('c1'))).toEqual({
      lat: String(AMSTERDAM.lat),
      lng: String(AMSTERDAM.lng),
      cell: cellOf(AMSTERDAM),
      state: 'idle',
      kind: 'crowd',
      vehicle: 'car',
      load: '1',
      capacity: '3',
      lastSeenMs: '1000',
      shiftEndMs: '9',
    });
    expect(await redis.hgetall(k.where)).toEqual({ c1: whereOf(AMSTERDAM, 0) });
    expect(await recordsOf(k.cell(cellOf(AMSTERDAM)))).toEqual([(await index.getCourier('ams', 'c1'))!]);
    expect(await redis.zscore(k.seen, 'c1')).toBe('1000');
    expect(await redis.hgetall(k.idle)).toEqual({ [cellOf(AMSTERDAM)]: '1' });

    await index.upsertCourier('ams', courier('c1', far, { state: 'busy' }));
    expect(await redis.exists(k.cell(cellOf(AMSTERDAM)))).toBe(0);
    expect(await recordsOf(k.cell(cellOf(far)))).toEqual([(await index.getCourier('ams', 'c1'))!]);
    expect((await index.getCourier('ams', 'c1'))!).toMatchObject({ state: 'busy', vehicle: 'bike', load: 0 });
    expect(await redis.hgetall(k.idle)).toEqual({});
    expect(await redis.hget(k.courier('c1'), 'shiftEndMs')).toBeNull();
    expect(await redis.hgetall(k.where)).toEqual({ c1: whereOf(far, 0) });

    const args = [k.cellPrefix, 'c2', 52, 4, cellOf(AMSTERDAM), 'idle', 'crowd', 'bike', 3, 2, 1, ''];
    expect(await callScript(redis, 'putCourier', [k.courier('c2'), k.seen, k.idle, k.where], args)).toBe(-2);
    expect(await redis.exists(k.courier('c2'))).toBe(0);
  });

  it('moveCouriers-3 returns a code per ping and moves cell membership, where entry, idle count and last seen', async () => {
    const { index, k } = fresh();
    await index.upsertCourier('ams', courier('c1', AMSTERDAM));
    await index.upsertCourier('ams', courier('c2', AMSTERDAM, { state: 'busy' }));
    const codes = await callScript(
      redis,
      'moveCouriers',
      [k.seen, k.idle, k.where],
      moveArgs(k, [
        ['c1', far.lat, far.lng, 2_000],
        ['c1', far.lat, far.lng, 3_000],
        ['c1', AMSTERDAM.lat, AMSTERDAM.lng, 2_500],
        ['ghost', far.lat, far.lng, 2_000],
        ['c2', far.lat, far.lng, 2_000],
      ]),
    );
    expect(codes).toEqual([1, 0, -10, -1, 1]);
    expect(await recordsOf(k.cell(cellOf(far)))).toEqual([
      (await index.getCourier('ams', 'c1'))!,
      (await index.getCourier('ams', 'c2'))!,
    ]);
    expect((await index.getCourier('ams', 'c1'))!).toMatchObject({
      ...far,
      lastSeenMs: 3_000,
      state: 'idle',
    });
    expect(await redis.exists(k.cell(cellOf(AMSTERDAM)))).toBe(0);
    expect(await redis.hgetall(k.idle)).toEqual({ [cellOf(far)]: '1' });
    expect(await redis.zscore(k.seen, 'c1')).toBe('3000');
    // A listed courier's cell and slot live in `where`, its position in its record; its hash keeps
    // where it went online.
    expect(await redis.hgetall(k.where)).toEqual({ c1: whereOf(far, 0), c2: whereOf(far, 1) });
    expect(await redis.hmget(k.courier('c1'), 'lat', 'lastSeenMs', 'cell')).toEqual([
      String(AMSTERDAM.lat),
      '1000',
      cellOf(AMSTERDAM),
    ]);
    // A batch of the wrong number of position bytes is refused whole.
    const [, , positions, ...rest] = moveArgs(k, [['c1', far.lat, far.lng, 5_000]]);
    await expect(
      callScript(
        redis,
        'moveCouriers',
        [k.seen, k.idle, k.where],
        [k.cellPrefix, k.courierPrefix, (positions as Buffer).subarray(1), ...rest],
      ),
    ).rejects.toThrow(/23 position bytes for 1 pings/);
    // Going offline writes the record's position and the cell to the hash (the shortest digits
    // that read back the same double) and drops the where entry.
    await index.setState('ams', 'c1', { state: 'offline' });
    expect(await redis.hmget(k.courier('c1'), 'lat', 'lng', 'lastSeenMs', 'cell')).toEqual([
      String(far.lat),
      String(far.lng),
      '3000',
      cellOf(far),
    ]);
    expect(await redis.hgetall(k.where)).toEqual({ c2: whereOf(far, 0) });
    // An offline courier's pings are written to its hash.
    await index.moveCourier({ region: 'ams', courierId: 'c1', ...AMSTERDAM, atMs: 4_000 });
    expect(await redis.hmget(k.courier('c1'), 'lat', 'lastSeenMs', 'cell')).toEqual([
      String(AMSTERDAM.lat),
      '4000',
      cellOf(AMSTERDAM),
    ]);
    expect(await index.getCourier('ams', 'c1')).toMatchObject({
      ...AMSTERDAM,
      lastSeenMs: 4_000,
      state: 'offline',
    });
    expect(await redis.exists(k.courier('ghost'))).toBe(0);
  });

  it('setState-3 relists the courier and rewrites its record by state and returns -1 unknown, -2 over capacity', async () => {
    const { index, k } = fresh();
    await index.upsertCourier('ams', courier('c1', AMSTERDAM));
    const call = (state: string, load: number | '', capacity: number | '' = '') =>
      callScript(
        redis,
        'setState',
        [k.courier('c1'), k.idle, k.where],
        [k.cellPrefix, 'c1', state, load, capacity],
      );
    expect(await call('busy', 2)).toBe(1);
    expect(await redis.hgetall(k.idle)).toEqual({});
    expect(await recordsOf(k.cell(cellOf(AMSTERDAM)))).toMatchObject([
      { id: 'c1', state: 'busy', load: 2, capacity: 2 },
    ]);
    expect(await call('busy', 3)).toBe(-2);
    expect(await call('busy', 3, 4)).toBe(1);
    expect(await redis.hmget(k.courier('c1'), 'load', 'capacity')).toEqual(['3', '4']);
    expect(await call('offline', 0)).toBe(1);
    expect(await redis.exists(k.cell(cellOf(AMSTERDAM)))).toBe(0);
    expect(await redis.hget(k.where, 'c1')).toBeNull();
    expect(await redis.zscore(k.seen, 'c1')).toBe('1000');
    expect(await call('idle', '')).toBe(1);
    expect(await redis.hgetall(k.idle)).toEqual({ [cellOf(AMSTERDAM)]: '1' });
    expect(await redis.hget(k.where, 'c1')).toBe(whereOf(AMSTERDAM, 0));
    const unknown = await callScript(
      redis,
      'setState',
      [k.courier('nope'), k.idle, k.where],
      [k.cellPrefix, 'nope', 'idle', '', ''],
    );
    expect(unknown).toBe(-1);
  });

  it('removeCourier-4 leaves no key behind', async () => {
    const { index, p } = fresh();
    await index.upsertCourier('ams', courier('c1', AMSTERDAM));
    expect(await index.removeCourier('ams', 'c1')).toBe(true);
    expect(await allKeys(p)).toEqual([]);
  });

  it('evictSilent-3 removes silent couriers in calls of at most `limit`, cutoff inclusive', async () => {
    const { index, k, p, setNow } = fresh({ evictPerCall: 2 });
    for (let i = 0; i < 5; i++)
      await index.upsertCourier('ams', courier(`old${i}`, AMSTERDAM, { atMs: 1_000 + i }));
    await index.upsertCourier('ams', courier('new', far, { atMs: 10_000 }));
    const first = await callScript(
      redis,
      'evictSilent',
      [k.seen, k.idle, k.where],
      [k.cellPrefix, k.courierPrefix, 1_002, 2],
    );
    expect(first).toEqual(['old0', 'old1']);
    setNow(11_000);
    expect(await index.evictSilent('ams', 1_001)).toEqual(['old2', 'old3', 'old4']);
    expect(await redis.zrange(k.seen, 0, -1)).toEqual(['new']);
    expect(await allKeys(p)).toEqual([k.cell(cellOf(far)), k.courier('new'), k.idle, k.seen, k.where].sort());
    expect(await redis.hgetall(k.where)).toEqual({ new: whereOf(far, 0) });
  });

  it('incrWaiting-1 never goes below zero and drops empty cells', async () => {
    const { k } = fresh();
    const heatCell = '871969c9bffffff';
    expect(await callScript(redis, 'incrWaiting', [k.heat], [heatCell, 3])).toBe(3);
    expect(await callScript(redis, 'incrWaiting', [k.heat], [heatCell, -4])).toBe(0);
    expect(await redis.exists(k.heat)).toBe(0);
  });

  it('findCandidates-2 returns the largest ring searched, then every read cell string as it is, stopping at minCount by the idle counts or string lengths', async () => {
    const { index, k } = fresh();
    await index.upsertCourier('ams', courier('c1', AMSTERDAM));
    await index.upsertCourier('ams', courier('c2', AMSTERDAM, { state: 'busy', shiftEndMs: 5 }));
    await index.upsertCourier('ams', courier('c3', far));
    const cell = cellOf(AMSTERDAM);
    const here = await redis.getBuffer(k.cell(cell));
    const there = await redis.getBuffer(k.cell(cellOf(far)));
    expect(here!.length).toBe(2 * RECORD.bytes);
    const call = (minCount: number, wanted: string, ...rings: (string | number)[]) =>
      callScript(redis, 'findCandidates', [k.cell(cell), k.idle], [k.cellPrefix, minCount, wanted, ...rings]);
    expect(await call(1, 'busy', 0)).toEqual([0, expect.any(String)]);
    // One idle courier in ring 0 is enough for 1: ring 1 (here the far cell) is not read.
    expect((await call(1, 'idle', 1, 1, cellOf(far))) as unknown[]).toHaveLength(2);
    // Two idle are wanted: ring 1 is read; a missing cell comes back as nil.
    const more = (await call(2, 'idle', 1, 2, cellOf(far), 'empty')) as unknown[];
    expect(more.length).toBe(4);
    expect(more[0]).toBe(1);
    expect(more[3]).toBeNull();
    // Idle and busy: ring 0 already holds two.
    expect(((await call(2, 'both', 1, 1, cellOf(far))) as unknown[]).length).toBe(2);
    // Busy only: the one busy courier of ring 0 is not two, so ring 1 is read.
    expect(((await call(2, 'busy', 1, 1, cellOf(far))) as unknown[]).length).toBe(3);
    const reply = await callScriptBuffer(
      redis,
      'findCandidates',
      [k.cell(cell), k.idle],
      [k.cellPrefix, 5, 'idle', 1, 1, cellOf(far)],
    );
    expect(reply).toEqual([1, here, there]);
  });

  it('a cell string loses a record by moving its last one into the hole (whose where entry learns its new slot)', async () => {
    const { index, k } = fresh();
    for (const id of ['a', 'b', 'c', 'd']) await index.upsertCourier('ams', courier(id, AMSTERDAM));
    const key = k.cell(cellOf(AMSTERDAM));
    expect((await recordsOf(key)).map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
    await index.setState('ams', 'b', { state: 'offline' });
    expect((await recordsOf(key)).map((r) => r.id)).toEqual(['a', 'd', 'c']);
    expect(await redis.hget(k.where, 'd')).toBe(whereOf(AMSTERDAM, 1));
    await index.moveCourier({ region: 'ams', courierId: 'c', ...far, atMs: 2_000 });
    expect((await recordsOf(key)).map((r) => r.id)).toEqual(['a', 'd']);
    expect(await index.removeCourier('ams', 'a')).toBe(true);
    expect((await recordsOf(key)).map((r) => r.id)).toEqual(['d']);
    expect(await redis.hget(k.where, 'd')).toBe(whereOf(AMSTERDAM, 0));
    await index.moveCourier({
      region: 'ams',
      courierId: 'd',
      ...AMSTERDAM,
      lat: AMSTERDAM.lat + 1e-5,
      atMs: 3_000,
    });
    expect(await recordsOf(key)).toEqual([(await index.getCourier('ams', 'd'))!]);
  });

  it('a non-ASCII id or vehicle is flagged in the record and decoded as UTF-8', async () => {
    const { index, k } = fresh();
    await index.upsertCourier('ams', courier('kurier-ß', AMSTERDAM, { vehicle: 'vélo' }));
    await index.upsertCourier('ams', courier('plain', AMSTERDAM));
    expect((await recordsOf(k.cell(cellOf(AMSTERDAM)))).map((r) => [r.id, r.vehicle])).toEqual([
      ['kurier-ß', 'vélo'],
      ['plain', 'bike'],
    ]);
    await expect(index.upsertCourier('ams', courier('x'.repeat(37), AMSTERDAM))).rejects.toThrow(
      /1 to 36 bytes/,
    );
    await expect(
      index.upsertCourier('ams', courier('y', AMSTERDAM, { vehicle: 'cargo-bike' })),
    ).rejects.toThrow(/at most 8 bytes/);
  });

  it('a ping of a courier listed in an older layout (idle, no where entry) is refused as unknown, so it goes online again', async () => {
    const { index, k } = fresh();
    await index.upsertCourier('ams', courier('c1', AMSTERDAM));
    // The layout before `where`: the slot in the courier hash.
    await redis.hdel(k.where, 'c1');
    await redis.hset(k.courier('c1'), 'slot', '0');
    await redis.del(k.cell(cellOf(AMSTERDAM)));
    const summary = await index.ingestPings([{ region: 'ams', courierId: 'c1', ...AMSTERDAM, atMs: 2_000 }]);
    expect(summary.unknownCourierIds).toEqual(['c1']);
    // Going online again lists it in the current layout (its old count is taken back first).
    await index.upsertCourier('ams', courier('c1', AMSTERDAM, { atMs: 3_000 }));
    expect(await redis.hgetall(k.courier('c1'))).not.toHaveProperty('slot');
    expect(await redis.hget(k.where, 'c1')).toBe(whereOf(AMSTERDAM, 0));
    expect(await redis.hgetall(k.idle)).toEqual({ [cellOf(AMSTERDAM)]: '1' });
    expect(
      (await index.ingestPings([{ region: 'ams', courierId: 'c1', ...AMSTERDAM, atMs: 4_000 }])).sameCell,
    ).toBe(1);
  });

  it('keeps exactly one cell record, at the cell and slot its where entry names and equal to its hash, per courier, and exact idle counters, under random traffic', async () => {
    const { index, k, p } = fresh();
    const rand = mulberry32(3);
    const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
    for (const id of ids)
      await index.upsertCourier('ams', courier(id, randomPointNear(rand, AMSTERDAM, 1_500)));
    let now = 2_000;
    for (let round = 0; round < 20; round++) {
      const pings = ids.map((id) => ({
        region: 'ams',
        courierId: id,
        ...randomPointNear(rand, AMSTERDAM, 1_500),
        atMs: now,
      }));
      now += 1_000;
      await index.ingestPings(pings);
      const id = ids[Math.floor(rand() * ids.length)]!;
      await index.setState('ams', id, { state: (['idle', 'busy', 'offline'] as const)[round % 3]! });
    }
    const keys = await allKeys(p);
    const membership = new Map<string, string[]>();
    const records = new Map<string, CourierRecord>();
    const slots = new Map<string, number>();
    for (const key of keys.filter((key) => key.startsWith(k.cellPrefix))) {
      (await recordsOf(key)).forEach((record, slot) => {
        membership.set(record.id, [...(membership.get(record.id) ?? []), key.slice(k.cellPrefix.length)]);
        records.set(record.id, record);
        slots.set(record.id, slot);
      });
    }
    const idle: Record<string, string> = {};
    const where = await redis.hgetall(k.where);
    expect(Object.keys(where).every((id) => ids.includes(id))).toBe(true);
    for (const id of ids) {
      const state = await redis.hget(k.courier(id), 'state');
      const cell = state === 'offline' ? await redis.hget(k.courier(id), 'cell') : where[id]?.split(':')[0];
      expect(membership.get(id)).toEqual(state === 'offline' ? undefined : [cell]);
      if (state !== 'offline') {
        expect(records.get(id)).toEqual(await index.getCourier('ams', id));
        expect(where[id]).toBe(`${cell}:${slots.get(id)! * RECORD.bytes + RECORD.lat}`);
      } else expect(where[id]).toBeUndefined();
      expect((await index.getCourier('ams', id))!.cell).toBe(cell);
      if (state === 'idle') idle[cell!] = String(Number(idle[cell!] ?? 0) + 1);
    }
    expect(await redis.hgetall(k.idle)).toEqual(idle);
    expect(keys.every((key) => key.startsWith(`${p}:{ams}:`))).toBe(true);
  });
});
