import { cellToParent, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { H3_RESOLUTIONS } from '../../../domain/src/geo/h3-resolutions.js';
import { haversineMeters, type LatLng } from '../../../domain/src/geo/lat-lng.js';
import type { CourierIndex } from '../../src/index/courier-index.js';
import { ringsCoveringRadius } from '../../src/index/rings.js';
import type { CourierUpsert } from '../../src/index/types.js';
import { mulberry32, randomPointNear } from './random.js';

/** A fresh, empty index whose clock the test controls. */
export interface IndexUnderTest {
  index: CourierIndex;
  setNow(ms: number): void;
}

export const AMSTERDAM: LatLng = { lat: 52.3702, lng: 4.8952 };
const REGION = 'ams';

export function courier(id: string, at: LatLng, extra: Partial<CourierUpsert> = {}): CourierUpsert {
  return { id, lat: at.lat, lng: at.lng, kind: 'crowd', vehicle: 'bike', capacity: 2, atMs: 1_000, ...extra };
}

/** Every courier listed in some cell near the test area, by a search that covers all of it. */
async function listedAround(index: CourierIndex, center: LatLng, maxRings: number) {
  const { candidates } = await index.findCandidates(REGION, center, {
    minCount: Number.POSITIVE_INFINITY,
    maxRings,
    states: ['idle', 'busy'],
  });
  return candidates;
}

/**
 * The behaviour every CourierIndex must have (colyseus Presence.test pattern: one suite, run against
 * each implementation). `make` returns a fresh index; each test uses its own region.
 */
export function courierIndexContract(name: string, make: () => IndexUnderTest): void {
  describe(`CourierIndex contract: ${name}`, () => {
    it('registers a courier in the cell of its position, idle by default', async () => {
      const { index } = make();
      await index.upsertCourier(REGION, courier('c1', AMSTERDAM, { shiftEndMs: 9_000 }));
      const cell = latLngToCell(AMSTERDAM.lat, AMSTERDAM.lng, index.resolution);
      expect(await index.getCourier(REGION, 'c1')).toEqual({
        id: 'c1',
        lat: AMSTERDAM.lat,
        lng: AMSTERDAM.lng,
        cell,
        state: 'idle',
        kind: 'crowd',
        vehicle: 'bike',
        load: 0,
        capacity: 2,
        lastSeenMs: 1_000,
        shiftEndMs: 9_000,
      });
      expect(await index.idleCounts(REGION)).toEqual(new Map([[cell, 1]]));
      expect(await index.getCourier('other-region', 'c1')).toBeNull();
    });

    it('keeps exactly one cell membership through random moves, state changes and re-registrations', async () => {
      const { index } = make();
      const rand = mulberry32(42);
      const ids = ['a', 'b', 'c', 'd', 'e'];
      let now = 1_000;
      for (const id of ids)
        await index.upsertCourier(REGION, courier(id, randomPointNear(rand, AMSTERDAM, 2_000)));
      for (let step = 0; step < 150; step++) {
        const id = ids[Math.floor(rand() * ids.length)]!;
        const roll = rand();
        now += 1_000;
        if (roll < 0.6) {
          const at = randomPointNear(rand, AMSTERDAM, 2_000);
          await index.moveCourier({ region: REGION, courierId: id, lat: at.lat, lng: at.lng, atMs: now });
        } else if (roll < 0.9) {
          const state = (['idle', 'busy', 'offline'] as const)[Math.floor(rand() * 3)]!;
          await index.setState(REGION, id, { state, load: state === 'busy' ? 1 : 0 });
        } else {
          await index.upsertCourier(
            REGION,
            courier(id, randomPointNear(rand, AMSTERDAM, 2_000), { atMs: now }),
          );
        }
      }
      const listed = await listedAround(index, AMSTERDAM, 8);
      const idle = new Map<string, number>();
      for (const id of ids) {
        const record = (await index.getCourier(REGION, id))!;
        expect(record.cell).toBe(latLngToCell(record.lat, record.lng, index.resolution));
        const memberships = listed.filter((c) => c.id === id);
        if (record.state === 'offline') expect(memberships).toEqual([]);
        else expect(memberships.map((c) => c.cell)).toEqual([record.cell]);
        if (record.state === 'idle') idle.set(record.cell, (idle.get(record.cell) ?? 0) + 1);
      }
      expect(await index.idleCounts(REGION)).toEqual(idle);
    });

    it('reports moved, same-cell and stale pings and ignores stale positions', async () => {
      const { index } = make();
      await index.upsertCourier(REGION, courier('c1', AMSTERDAM));
      const near = { lat: AMSTERDAM.lat + 0.00001, lng: AMSTERDAM.lng };
      const far = { lat: AMSTERDAM.lat + 0.05, lng: AMSTERDAM.lng };
      expect(await index.moveCourier({ region: REGION, courierId: 'c1', ...near, atMs: 2_000 })).toBe(
        'same-cell',
      );
      expect(await index.moveCourier({ region: REGION, courierId: 'c1', ...far, atMs: 3_000 })).toBe('moved');
      expect(await index.moveCourier({ region: REGION, courierId: 'c1', ...near, atMs: 2_500 })).toBe(
        'stale',
      );
      const record = await index.getCourier(REGION, 'c1');
      expect(record).toMatchObject({ ...far, lastSeenMs: 3_000 });
      expect(await index.idleCounts(REGION)).toEqual(
        new Map([[latLngToCell(far.lat, far.lng, index.resolution), 1]]),
      );
    });

    it('refuses pings of unknown couriers and counts them in a batch', async () => {
      const { index } = make();
      await index.upsertCourier(REGION, courier('c1', AMSTERDAM));
      await expect(
        index.moveCourier({ region: REGION, courierId: 'ghost', ...AMSTERDAM, atMs: 2_000 }),
      ).rejects.toMatchObject({ reason: 'courier_unknown', code: 'not_found' });
      const far = { lat: AMSTERDAM.lat + 0.05, lng: AMSTERDAM.lng };
      const summary = await index.ingestPings([
        { region: REGION, courierId: 'c1', ...far, atMs: 2_000 },
        { region: REGION, courierId: 'c1', ...far, atMs: 2_500 },
        { region: REGION, courierId: 'c1', ...AMSTERDAM, atMs: 1_500 },
        { region: REGION, courierId: 'ghost', ...far, atMs: 2_000 },
        { region: 'elsewhere', courierId: 'c1', ...far, atMs: 2_000 },
      ]);
      expect(summary).toEqual({
        moved: 1,
        sameCell: 1,
        stale: 1,
        unknown: 2,
        unknownCourierIds: ['ghost', 'c1'],
      });
      expect(await index.getCourier(REGION, 'c1')).toMatchObject({ ...far, lastSeenMs: 2_500 });
    });

    it('refuses invalid positions', async () => {
      const { index } = make();
      await expect(index.upsertCourier(REGION, courier('c1', { lat: 91, lng: 0 }))).rejects.toMatchObject({
        reason: 'invalid_position',
      });
      await expect(
        index.ingestPings([{ region: REGION, courierId: 'c1', lat: Number.NaN, lng: 0, atMs: 1 }]),
      ).rejects.toMatchObject({
        reason: 'invalid_position',
      });
    });

    it('moves through idle, busy and offline, keeping candidates and idle counts in step', async () => {
      const { index } = make();
      const cell = latLngToCell(AMSTERDAM.lat, AMSTERDAM.lng, index.resolution);
      await index.upsertCourier(REGION, courier('c1', AMSTERDAM));
      const search = (states: ('idle' | 'busy')[]) =>
        index
          .findCandidates(REGION, AMSTERDAM, { minCount: 1, maxRings: 1, states })
          .then((s) => s.candidates.map((c) => c.id));

      await index.setState(REGION, 'c1', { state: 'busy', load: 1 });
      expect(await index.getCourier(REGION, 'c1')).toMatchObject({ state: 'busy', load: 1, capacity: 2 });
      expect(await search(['idle'])).toEqual([]);
      expect(await search(['busy'])).toEqual(['c1']);
      expect(await index.idleCounts(REGION)).toEqual(new Map());

      await index.setState(REGION, 'c1', { state: 'busy', load: 3, capacity: 3 });
      await expect(index.setState(REGION, 'c1', { state: 'busy', load: 4 })).rejects.toMatchObject({
        reason: 'load_over_capacity',
      });
      expect(await index.getCourier(REGION, 'c1')).toMatchObject({ state: 'busy', load: 3, capacity: 3 });

      await index.setState(REGION, 'c1', { state: 'offline', load: 0 });
      expect(await search(['idle', 'busy'])).toEqual([]);
      const far = { lat: AMSTERDAM.lat + 0.05, lng: AMSTERDAM.lng };
      expect(await index.moveCourier({ region: REGION, courierId: 'c1', ...far, atMs: 5_000 })).toBe('moved');
      expect(await listedAround(index, far, 1)).toEqual([]);

      await index.setState(REGION, 'c1', { state: 'idle' });
      const farCell = latLngToCell(far.lat, far.lng, index.resolution);
      expect((await listedAround(index, far, 0)).map((c) => c.id)).toEqual(['c1']);
      expect(await index.idleCounts(REGION)).toEqual(new Map([[farCell, 1]]));
      expect(cell).not.toBe(farCell);

      await expect(index.setState(REGION, 'ghost', { state: 'idle' })).rejects.toMatchObject({
        reason: 'courier_unknown',
      });
    });

    it('evicts couriers silent for longer than the window, whatever their state', async () => {
      const t = make();
      const { index } = t;
      await index.upsertCourier(REGION, courier('quiet', AMSTERDAM, { atMs: 1_000 }));
      await index.upsertCourier(REGION, courier('away', AMSTERDAM, { atMs: 2_000, state: 'offline' }));
      await index.upsertCourier(REGION, courier('live', AMSTERDAM, { atMs: 1_000 }));
      await index.moveCourier({ region: REGION, courierId: 'live', ...AMSTERDAM, atMs: 50_000 });
      t.setNow(62_000);
      expect((await index.evictSilent(REGION, 30_000)).sort()).toEqual(['away', 'quiet']);
      expect(await index.getCourier(REGION, 'quiet')).toBeNull();
      expect(await index.getCourier(REGION, 'live')).not.toBeNull();
      expect((await listedAround(index, AMSTERDAM, 0)).map((c) => c.id)).toEqual(['live']);
      const cell = latLngToCell(AMSTERDAM.lat, AMSTERDAM.lng, index.resolution);
      expect(await index.idleCounts(REGION)).toEqual(new Map([[cell, 1]]));
      expect(await index.evictSilent(REGION, 30_000)).toEqual([]);
      const summary = await index.ingestPings([
        { region: REGION, courierId: 'quiet', ...AMSTERDAM, atMs: 63_000 },
      ]);
      expect(summary.unknownCourierIds).toEqual(['quiet']);
    });

    it('removes a courier entirely', async () => {
      const { index } = make();
      await index.upsertCourier(REGION, courier('c1', AMSTERDAM));
      expect(await index.removeCourier(REGION, 'c1')).toBe(true);
      expect(await index.removeCourier(REGION, 'c1')).toBe(false);
      expect(await index.getCourier(REGION, 'c1')).toBeNull();
      expect(await listedAround(index, AMSTERDAM, 0)).toEqual([]);
      expect(await index.idleCounts(REGION)).toEqual(new Map());
    });

    it('finds exactly the couriers a brute-force distance filter finds, when the rings cover the radius', async () => {
      const { index } = make();
      const rand = mulberry32(7);
      const points = new Map<string, LatLng>();
      for (let i = 0; i < 400; i++) points.set(`c${i}`, randomPointNear(rand, AMSTERDAM, 4_000));
      await Promise.all([...points].map(([id, at]) => index.upsertCourier(REGION, courier(id, at))));
      for (let q = 0; q < 12; q++) {
        const center = randomPointNear(rand, AMSTERDAM, 1_500);
        const radiusMeters = 300 + rand() * 2_000;
        const maxRings = ringsCoveringRadius(center, radiusMeters, index.resolution);
        const { candidates, ringsSearched } = await index.findCandidates(REGION, center, {
          minCount: Number.POSITIVE_INFINITY,
          maxRings,
        });
        expect(ringsSearched).toBe(maxRings);
        const found = candidates.filter((c) => c.distanceMeters <= radiusMeters).map((c) => c.id);
        const expected = [...points]
          .filter(([, at]) => haversineMeters(center, at) <= radiusMeters)
          .map(([id]) => id);
        expect(found.sort()).toEqual(expected.sort());
        expect(candidates.map((c) => c.distanceMeters)).toEqual(
          candidates.map((c) => c.distanceMeters).sort((a, b) => a - b),
        );
      }
    });

    it('with withinMeters, returns exactly the couriers inside the circle, every field intact', async () => {
      const { index } = make();
      const rand = mulberry32(13);
      const points = new Map<string, LatLng>();
      for (let i = 0; i < 300; i++) points.set(`c${i}`, randomPointNear(rand, AMSTERDAM, 3_000));
      await Promise.all(
        [...points].map(([id, at], i) =>
          index.upsertCourier(
            REGION,
            courier(id, at, i % 3 === 0 ? { kind: 'in_house', vehicle: 'car', shiftEndMs: 7_000 + i } : {}),
          ),
        ),
      );
      const radiusMeters = 1_200;
      const maxRings = ringsCoveringRadius(AMSTERDAM, radiusMeters, index.resolution);
      const all = await index.findCandidates(REGION, AMSTERDAM, {
        minCount: Number.POSITIVE_INFINITY,
        maxRings,
      });
      const circle = await index.findCandidates(REGION, AMSTERDAM, {
        minCount: Number.POSITIVE_INFINITY,
        maxRings,
        withinMeters: radiusMeters,
      });
      expect(circle.candidates).toEqual(all.candidates.filter((c) => c.distanceMeters <= radiusMeters));
      expect(circle.candidates.length).toBeLessThan(all.candidates.length);
      const withShift = circle.candidates.find((c) => c.shiftEndMs !== undefined)!;
      expect(withShift).toMatchObject({
        kind: 'in_house',
        vehicle: 'car',
        state: 'idle',
        load: 0,
        capacity: 2,
      });
      expect(withShift.shiftEndMs).toBe(7_000 + Number(withShift.id.slice(1)));
      // `sorted: false` (the order GEOSEARCH without ASC gives): the same candidates, in any order.
      const unsorted = await index.findCandidates(REGION, AMSTERDAM, {
        minCount: Number.POSITIVE_INFINITY,
        maxRings,
        withinMeters: radiusMeters,
        sorted: false,
      });
      const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      expect([...unsorted.candidates].sort(byId)).toEqual([...circle.candidates].sort(byId));
      expect(unsorted.ringsSearched).toBe(circle.ringsSearched);
    });

    it('stops expanding rings once it has enough couriers', async () => {
      const { index } = make();
      const rand = mulberry32(11);
      for (let i = 0; i < 200; i++)
        await index.upsertCourier(REGION, courier(`c${i}`, randomPointNear(rand, AMSTERDAM, 3_000)));
      for (const minCount of [1, 5, 20, 60]) {
        const { candidates, ringsSearched } = await index.findCandidates(REGION, AMSTERDAM, {
          minCount,
          maxRings: 10,
        });
        expect(candidates.length).toBeGreaterThanOrEqual(minCount);
        expect(Math.max(...candidates.map((c) => c.ring))).toBeLessThanOrEqual(ringsSearched);
        const inner = candidates.filter((c) => c.ring < ringsSearched).length;
        expect(inner).toBeLessThan(minCount);
      }
      const capped = await index.findCandidates(REGION, AMSTERDAM, { minCount: 10_000, maxRings: 2 });
      expect(capped.ringsSearched).toBe(2);
      expect(capped.candidates.every((c) => c.ring <= 2)).toBe(true);
    });

    it('accepts a center cell as well as a point', async () => {
      const { index } = make();
      await index.upsertCourier(REGION, courier('c1', AMSTERDAM));
      const cell = latLngToCell(AMSTERDAM.lat, AMSTERDAM.lng, index.resolution);
      const { candidates } = await index.findCandidates(REGION, cell, { minCount: 1, maxRings: 0 });
      expect(candidates.map((c) => [c.id, c.ring])).toEqual([['c1', 0]]);
    });

    it('counts waiting orders per heat cell, never below zero, beside idle couriers', async () => {
      const { index } = make();
      const heatCell = cellToParent(
        latLngToCell(AMSTERDAM.lat, AMSTERDAM.lng, index.resolution),
        H3_RESOLUTIONS.heat,
      );
      const fine = latLngToCell(AMSTERDAM.lat, AMSTERDAM.lng, 10);
      expect(await index.incrWaitingOrders(REGION, fine, 2)).toBe(2);
      expect(await index.incrWaitingOrders(REGION, heatCell, 1)).toBe(3);
      await index.upsertCourier(REGION, courier('c1', AMSTERDAM));
      await index.upsertCourier(REGION, courier('c2', AMSTERDAM, { state: 'busy' }));
      expect(await index.heatCounts(REGION)).toEqual([{ cell: heatCell, idleCouriers: 1, waitingOrders: 3 }]);
      expect(await index.incrWaitingOrders(REGION, heatCell, -5)).toBe(0);
      expect(await index.incrWaitingOrders(REGION, heatCell, 1)).toBe(1);
      expect(await index.incrWaitingOrders(REGION, heatCell, -1)).toBe(0);
      expect(await index.heatCounts(REGION)).toEqual([{ cell: heatCell, idleCouriers: 1, waitingOrders: 0 }]);
    });
  });
}
