import type { Redis } from 'ioredis';
import { H3_RESOLUTIONS } from '../../domain/src/geo/h3-resolutions.js';
import type { LatLng } from '../../domain/src/geo/lat-lng.js';
import { type BenchResult, type BenchSuite, benchResult } from '../../scripts/bench/report.js';
import { connectTestRedis } from '../../test/support/redis.js';
import { RedisCourierIndex } from '../src/index/redis-courier-index.js';
import { ringsCoveringRadius } from '../src/index/rings.js';
import type { CourierPing } from '../src/index/types.js';

/**
 * The courier index on the real Redis (random key prefix, removed at the end):
 * - ingest: pings/s through the index (pipelined batches of the Lua move) vs pipelined GEOADD;
 * - candidates: full-circle ring searches/s vs GEOSEARCH BYRADIUS at 1, 2 and 5 km, with recall
 *   against GEOSEARCH's set, at H3 resolutions 7, 8 and 9;
 * - nearest: the dispatch query (stop at 20 idle couriers) vs GEOSEARCH … ASC COUNT 20.
 */
export const indexBench: BenchSuite = async function* ({ quick, log }) {
  const couriers = quick ? 5_000 : 50_000;
  const { redis, prefix, cleanup } = await connectTestRedis();
  try {
    const points = cityPoints(couriers, 1);
    yield* ingestBench(redis, `${prefix}:ingest`, points, quick, log);
    for (const resolution of [7, 8, 9]) {
      yield* candidateBench(redis, `${prefix}:r${resolution}`, points, resolution, quick, log);
    }
  } finally {
    await cleanup();
  }
};

const REGION = 'bench';
const CITY_CENTER: LatLng = { lat: 52.37, lng: 4.9 };
const CITY_HALF_SIDE_METERS = 15_000;
const METERS_PER_DEGREE = 111_195;

/** Uniform points over the ~30 km city square (seeded, so every run measures the same city). */
function cityPoints(count: number, seed: number, halfSideMeters = CITY_HALF_SIDE_METERS): LatLng[] {
  const rand = mulberry32(seed);
  const metersPerLng = METERS_PER_DEGREE * Math.cos((CITY_CENTER.lat * Math.PI) / 180);
  return Array.from({ length: count }, () => ({
    lat: CITY_CENTER.lat + ((rand() * 2 - 1) * halfSideMeters) / METERS_PER_DEGREE,
    lng: CITY_CENTER.lng + ((rand() * 2 - 1) * halfSideMeters) / metersPerLng,
  }));
}

async function registerAll(index: RedisCourierIndex, points: readonly LatLng[]): Promise<void> {
  for (let i = 0; i < points.length; i += 2_000) {
    await Promise.all(
      points.slice(i, i + 2_000).map((p, j) =>
        index.upsertCourier(REGION, {
          id: `c${i + j}`,
          ...p,
          kind: 'crowd',
          vehicle: 'bike',
          capacity: 2,
          atMs: 1,
        }),
      ),
    );
  }
}

async function* ingestBench(
  redis: Redis,
  prefix: string,
  points: readonly LatLng[],
  quick: boolean,
  log: (line: string) => void,
): AsyncGenerator<BenchResult> {
  const index = new RedisCourierIndex(redis, { prefix });
  await registerAll(index, points);
  const rounds = quick ? 2 : 4;
  const rand = mulberry32(2);
  // Each round every courier moves up to ~60 m, about what a rider covers between two pings.
  const pings: CourierPing[] = [];
  for (let round = 1; round <= rounds; round++) {
    points.forEach((p, i) => {
      pings.push({
        region: REGION,
        courierId: `c${i}`,
        lat: p.lat + ((rand() - 0.5) * 120 * round) / METERS_PER_DEGREE,
        lng: p.lng + ((rand() - 0.5) * 180 * round) / METERS_PER_DEGREE,
        atMs: 1 + round * 4_000,
      });
    });
  }
  const geoKey = `${prefix}:{${REGION}}:geo`;
  log(`index ingest: ${pings.length} pings of ${points.length} couriers`);
  const geoStart = performance.now();
  for (let i = 0; i < pings.length; i += 1_000) {
    const pipeline = redis.pipeline();
    for (const p of pings.slice(i, i + 1_000)) pipeline.geoadd(geoKey, p.lng, p.lat, p.courierId);
    await pipeline.exec();
  }
  const geoRate = pings.length / ((performance.now() - geoStart) / 1_000);
  const start = performance.now();
  for (let i = 0; i < pings.length; i += 1_000) await index.ingestPings(pings.slice(i, i + 1_000));
  const rate = pings.length / ((performance.now() - start) / 1_000);
  yield benchResult('index.ingest', rate, 'pings/s', 'pipelined GEOADD', geoRate);
}

async function* candidateBench(
  redis: Redis,
  prefix: string,
  points: readonly LatLng[],
  resolution: number,
  quick: boolean,
  log: (line: string) => void,
): AsyncGenerator<BenchResult> {
  const index = new RedisCourierIndex(redis, { prefix, resolution });
  const geoKey = `${prefix}:{${REGION}}:geo`;
  log(`index candidates: ${points.length} couriers at resolution ${resolution}`);
  await registerAll(index, points);
  for (let i = 0; i < points.length; i += 5_000) {
    const members = points.slice(i, i + 5_000).flatMap((p, j) => [p.lng, p.lat, `c${i + j}`]);
    await redis.geoadd(geoKey, ...members);
  }
  const chosen = resolution === H3_RESOLUTIONS.index ? ' (chosen)' : '';
  // Centers stay 5 km inside the city, so every circle is full of couriers.
  const centers = cityPoints(quick ? 20 : 100, 3, CITY_HALF_SIDE_METERS - 5_000);
  for (const radiusMeters of [1_000, 2_000, 5_000]) {
    const ringIds: Set<string>[] = [];
    const ringRate = await queriesPerSecond(centers, async (center) => {
      const maxRings = ringsCoveringRadius(center, radiusMeters, resolution);
      const { candidates } = await index.findCandidates(REGION, center, {
        minCount: Number.POSITIVE_INFINITY,
        maxRings,
      });
      ringIds.push(new Set(candidates.map((c) => c.id)));
    });
    const geoIds: string[][] = [];
    const geoRate = await queriesPerSecond(centers, async (center) => {
      geoIds.push(
        (await redis.geosearch(
          geoKey,
          'FROMLONLAT',
          center.lng,
          center.lat,
          'BYRADIUS',
          radiusMeters,
          'm',
        )) as string[],
      );
    });
    const found = geoIds.reduce((sum, ids, q) => sum + ids.filter((id) => ringIds[q]!.has(id)).length, 0);
    const wanted = geoIds.reduce((sum, ids) => sum + ids.length, 0);
    const returned = ringIds.reduce((sum, ids) => sum + ids.size, 0);
    const km = radiusMeters / 1_000;
    const name = `index.candidates.res${resolution}.r${km}km`;
    log(
      `${name}${chosen}: ${(returned / centers.length).toFixed(0)} couriers per ring search, ${(wanted / centers.length).toFixed(0)} per GEOSEARCH`,
    );
    yield benchResult(name, ringRate, 'queries/s', `GEOSEARCH BYRADIUS ${km} km`, geoRate);
    yield benchResult(`${name}.recall`, wanted === 0 ? 1 : found / wanted, 'ratio', 'GEOSEARCH set', 1);
  }
  const nearestRate = await queriesPerSecond(centers, async (center) => {
    const maxRings = ringsCoveringRadius(center, 5_000, resolution);
    await index.findCandidates(REGION, center, { minCount: 20, maxRings });
  });
  const geoNearestRate = await queriesPerSecond(centers, async (center) => {
    await redis.geosearch(
      geoKey,
      'FROMLONLAT',
      center.lng,
      center.lat,
      'BYRADIUS',
      5_000,
      'm',
      'ASC',
      'COUNT',
      20,
    );
  });
  yield benchResult(
    `index.nearest20.res${resolution}`,
    nearestRate,
    'queries/s',
    'GEOSEARCH 5 km ASC COUNT 20',
    geoNearestRate,
  );
  await deleteKeys(redis, `${prefix}:*`);
}

/** Runs the queries one after another (each waits for its reply) and returns queries per second. */
async function queriesPerSecond(
  centers: readonly LatLng[],
  query: (center: LatLng) => Promise<void>,
): Promise<number> {
  await query(centers[0]!); // warm-up: script load, JIT
  const start = performance.now();
  for (const center of centers.slice(1)) await query(center);
  return (centers.length - 1) / ((performance.now() - start) / 1_000);
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
