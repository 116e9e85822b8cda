import type { Redis } from 'ioredis';
import { H3_RESOLUTIONS } from '../../domain/src/geo/h3-resolutions.js';
import { haversineMeters, type LatLng } from '../../domain/src/geo/lat-lng.js';
import { seededRandom as mulberry32 } from '../../domain/src/seeded-random.js';
import { type BenchResult, type BenchSuite, benchResult } from '../../scripts/bench/report.js';
import { connectTestRedis } from '../../test/support/redis.js';
import type { CourierIndex } from '../src/index/courier-index.js';
import { RedisCourierIndex } from '../src/index/redis-courier-index.js';
import { ringsCoveringRadius } from '../src/index/rings.js';
import type { Candidate, CourierPing } from '../src/index/types.js';
import { regionKeys } from '../src/keys.js';

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

/** The full-circle and dispatch-query benchmarks alone, at one resolution (run-candidate-bench.ts). */
export function candidateSuite(resolution: number): BenchSuite {
  return async function* ({ quick, log }) {
    const { redis, prefix, cleanup } = await connectTestRedis();
    try {
      const points = cityPoints(quick ? 5_000 : 50_000, 1);
      yield* candidateBench(redis, `${prefix}:r${resolution}`, points, resolution, quick, log);
    } finally {
      await cleanup();
    }
  };
}

export const REGION = 'bench';
const CITY_CENTER: LatLng = { lat: 52.37, lng: 4.9 };
const CITY_HALF_SIDE_METERS = 15_000;
const METERS_PER_DEGREE = 111_195;

/** Uniform points over the ~30 km city square (seeded, so every run measures the same city). */
export function cityPoints(count: number, seed: number, halfSideMeters = CITY_HALF_SIDE_METERS): LatLng[] {
  const rand = mulberry32(seed);
  const metersPerLng = METERS_PER_DEGREE * Math.cos((CITY_CENTER.lat * Math.PI) / 180);
  return Array.from({ length: count }, () => ({
    lat: CITY_CENTER.lat + ((rand() * 2 - 1) * halfSideMeters) / METERS_PER_DEGREE,
    lng: CITY_CENTER.lng + ((rand() * 2 - 1) * halfSideMeters) / metersPerLng,
  }));
}

export async function registerAll(index: CourierIndex, points: readonly LatLng[]): Promise<void> {
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

/** The ingest benchmark's pings: each round every courier moves up to ~60 m from its start, about
 * what a rider covers between two pings (seeded, ~14 % of them change cells at resolution 8). */
export function ingestPingsOf(points: readonly LatLng[], rounds: number): CourierPing[] {
  const rand = mulberry32(2);
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
  return pings;
}

/** The ingest baseline: the pings' points through pipelined `GEOADD`, 1,000 a round trip; pings/s. */
export async function geoaddRate(
  redis: Redis,
  geoKey: string,
  pings: readonly CourierPing[],
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < pings.length; i += 1_000) {
    const pipeline = redis.pipeline();
    for (const p of pings.slice(i, i + 1_000)) pipeline.geoadd(geoKey, p.lng, p.lat, p.courierId);
    await pipeline.exec();
  }
  return pings.length / ((performance.now() - start) / 1_000);
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
  const pings = ingestPingsOf(points, quick ? 2 : 3);
  const geoKey = `${prefix}:{${REGION}}:geo`;
  log(`index ingest: ${pings.length} pings of ${points.length} couriers`);
  // Sequential, not in alternating blocks like the searches: production runs the index alone. (In
  // alternating 1,000-ping blocks with GEOADD the ratio came out lower, 0.39-0.43 in three runs at
  // load 9-10, for a reason not pinned down; old and new layouts measured alike that way.)
  const geoRate = await geoaddRate(redis, geoKey, pings);
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
  const courierPrefix = regionKeys(prefix, REGION).courierPrefix;
  const maxMs = quick ? 400 : 1_500;
  log(`index candidates: ${points.length} couriers at resolution ${resolution}`);
  await registerAll(index, points);
  for (let i = 0; i < points.length; i += 5_000) {
    const members = points.slice(i, i + 5_000).flatMap((p, j) => [p.lng, p.lat, `c${i + j}`]);
    await redis.geoadd(geoKey, ...members);
  }
  const chosen = resolution === H3_RESOLUTIONS.index ? ' (chosen)' : '';
  // Centers stay 5 km inside the city, so every circle is full of couriers.
  const centers = cityPoints(quick ? 20 : 100, 3, CITY_HALF_SIDE_METERS - 5_000);
  const geoFields = String(await redis.script('LOAD', GEOSEARCH_WITH_FIELDS_LUA));
  for (const radiusMeters of [1_000, 2_000, 5_000]) {
    // The full-circle query: the rings covering the circle, the disk's corners left out, so it
    // returns the same set as GEOSEARCH (plus state, position, load, capacity, kind of each).
    // Unsorted, like GEOSEARCH BYRADIUS without ASC; the sorted pair below adds ASC on both sides.
    const ringSearchOf = (sorted: boolean) => async (center: LatLng) => {
      const maxRings = ringsCoveringRadius(center, radiusMeters, resolution);
      const { candidates } = await index.findCandidates(REGION, center, {
        minCount: Number.POSITIVE_INFINITY,
        maxRings,
        withinMeters: radiusMeters,
        sorted,
      });
      return candidates;
    };
    const ringSearch = ringSearchOf(false);
    // Baseline 1: GEOSEARCH alone. Bare ids: not enough to dispatch (no state, load, position).
    const geoAlone = (center: LatLng) => geoSearch(redis, geoKey, center, radiusMeters);
    const [ringRate, geoRate] = await interleavedQueriesPerSecond(centers, maxMs, [ringSearch, geoAlone]);
    // Both sorted by distance, nearest first: the ring search's sort against GEOSEARCH … ASC.
    const [ringSortedRate, geoAscRate] = await interleavedQueriesPerSecond(centers, maxMs, [
      ringSearchOf(true),
      (center) => geoSearch(redis, geoKey, center, radiusMeters, true),
    ]);
    // The same pair with CONCURRENT_QUERIES in flight on each side (a dispatcher searches several
    // regions at once): Redis serves one query while Node decodes another. A second figure; the
    // sequential one above is the goal's.
    const [ringConcurrentRate, geoConcurrentRate] = await interleavedQueriesPerSecond(
      centers,
      maxMs,
      [ringSearch, geoAlone],
      CONCURRENT_QUERIES,
    );
    // Baseline 2: what the dispatcher would do with a GEO set: GEOSEARCH WITHCOORD, then one
    // pipelined HMGET per courier for the fields matching needs (two round trips), parsed into the
    // same candidate objects the index returns.
    const geoHashRate = await queriesPerSecond(centers, maxMs, async (center) => {
      const found = (await redis.geosearch(
        geoKey,
        'FROMLONLAT',
        center.lng,
        center.lat,
        'BYRADIUS',
        radiusMeters,
        'm',
        'WITHCOORD',
      )) as [string, [string, string]][];
      const pipeline = redis.pipeline();
      for (const [id] of found) pipeline.hmget(`${courierPrefix}${id}`, ...GEO_BASELINE_FIELDS);
      const replies = (await pipeline.exec()) ?? [];
      return found.map(([id, [lng, lat]], i) =>
        baselineCandidate(id, Number(lat), Number(lng), replies[i]?.[1] as (string | null)[], center),
      );
    });
    // Baseline 3: the same in one round trip: GEOSEARCH and the HMGETs inside one Lua script, one
    // packed string back (the shape findCandidates uses), parsed into the same objects.
    const geoLuaRate = await queriesPerSecond(centers, maxMs, async (center) => {
      const packed = (await redis.evalsha(
        geoFields,
        1,
        geoKey,
        courierPrefix,
        center.lng,
        center.lat,
        radiusMeters,
      )) as string;
      return packed === '' ? [] : packed.split('\n').map((line) => parseBaselineLine(line, center));
    });
    let found = 0;
    let wanted = 0;
    let returned = 0;
    for (const center of centers.slice(0, 20)) {
      const ringIds = new Set((await ringSearch(center)).map((c) => c.id));
      const geoIds = await geoSearch(redis, geoKey, center, radiusMeters);
      found += geoIds.filter((id) => ringIds.has(id)).length;
      wanted += geoIds.length;
      returned += ringIds.size;
    }
    const km = radiusMeters / 1_000;
    const name = `index.candidates.res${resolution}.r${km}km`;
    log(
      `${name}${chosen}: ${(returned / 20).toFixed(0)} couriers per ring search, ${(wanted / 20).toFixed(0)} per GEOSEARCH`,
    );
    yield benchResult(name, ringRate, 'queries/s', `GEOSEARCH BYRADIUS ${km} km (ids only)`, geoRate);
    yield benchResult(
      `${name}.sorted`,
      ringSortedRate,
      'queries/s',
      `GEOSEARCH BYRADIUS ${km} km ASC (ids only)`,
      geoAscRate,
    );
    yield benchResult(
      `${name}.concurrent${CONCURRENT_QUERIES}`,
      ringConcurrentRate,
      'queries/s',
      `GEOSEARCH BYRADIUS ${km} km (ids only), ${CONCURRENT_QUERIES} in flight each`,
      geoConcurrentRate,
    );
    yield benchResult(
      `${name}.vs-geo-hmget`,
      ringRate,
      'queries/s',
      `GEOSEARCH ${km} km WITHCOORD + pipelined HMGET each, parsed`,
      geoHashRate,
    );
    yield benchResult(
      `${name}.vs-geo-fields-lua`,
      ringRate,
      'queries/s',
      `GEOSEARCH ${km} km + HMGET each in one script, parsed`,
      geoLuaRate,
    );
    yield benchResult(`${name}.recall`, wanted === 0 ? 1 : found / wanted, 'ratio', 'GEOSEARCH set', 1);
  }
  const nearest = async (center: LatLng) => {
    const maxRings = ringsCoveringRadius(center, 5_000, resolution);
    await index.findCandidates(REGION, center, { minCount: 20, maxRings });
  };
  const geoNearest = async (center: LatLng) => {
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
  };
  const [nearestRate, geoNearestRate] = await interleavedQueriesPerSecond(centers, maxMs, [
    nearest,
    geoNearest,
  ]);
  yield benchResult(
    `index.nearest20.res${resolution}`,
    nearestRate,
    'queries/s',
    'GEOSEARCH 5 km ASC COUNT 20',
    geoNearestRate,
  );
  await deleteKeys(redis, `${prefix}:*`);
}

/** Queries in flight on each side for the concurrent figure of the full-circle search. */
const CONCURRENT_QUERIES = 4;

/**
 * Like queriesPerSecond for two variants at once, in alternating blocks of a few centers
 * (each variant runs the same centers in the same order), so a change of load on the shared machine
 * hits all of them alike and their ratio holds. Stops once they have been timed for `maxMs` each
 * on average (every variant runs as many queries). `inFlight` 1: one query at a time, each
 * waiting for the previous reply; more: that many queries of the block run at once.
 */
async function interleavedQueriesPerSecond(
  centers: readonly LatLng[],
  maxMs: number,
  pair: readonly [(center: LatLng) => Promise<unknown>, (center: LatLng) => Promise<unknown>],
  inFlight = 1,
): Promise<[number, number]> {
  const variants = pair;
  for (const query of variants) {
    const warmStart = performance.now();
    for (const center of centers) {
      await query(center);
      if (performance.now() - warmStart > maxMs) break;
    }
  }
  const spent = variants.map(() => 0);
  const done = variants.map(() => 0);
  const block = 5 * inFlight;
  const runBlock = async (query: (center: LatLng) => Promise<unknown>, blockCenters: readonly LatLng[]) => {
    let next = 0;
    const worker = async () => {
      while (next < blockCenters.length) await query(blockCenters[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, blockCenters.length) }, worker));
  };
  const total = () => spent.reduce((a, b) => a + b, 0);
  for (let pass = 0; pass < 50 && total() < maxMs * variants.length; pass++) {
    for (let from = 0; from < centers.length; from += block) {
      for (let v = 0; v < variants.length; v++) {
        const start = performance.now();
        await runBlock(variants[v]!, centers.slice(from, from + block));
        spent[v]! += performance.now() - start;
        done[v]! += Math.min(block, centers.length - from);
      }
      if (total() >= maxMs * variants.length) break;
    }
  }
  const rate = (v: number) => done[v]! / (spent[v]! / 1_000);
  return [rate(0), rate(1)];
}

/**
 * Runs the queries one after another (each waits for its reply) for at most `maxMs` after a
 * warm-up pass and returns queries per second. Every variant sees the same centers in the same order.
 */
async function queriesPerSecond(
  centers: readonly LatLng[],
  maxMs: number,
  query: (center: LatLng) => Promise<unknown>,
): Promise<number> {
  // Warm-up, one pass over every center: script load, JIT, and the ring lists memoized per
  // center cell (the loop searches around the same store cells every cycle, so they are warm there).
  // The timed pass can only reach centers the warm-up reached in the same time.
  const warmStart = performance.now();
  for (const center of centers) {
    await query(center);
    if (performance.now() - warmStart > maxMs) break;
  }
  const start = performance.now();
  let done = 0;
  for (const center of centers) {
    await query(center);
    done += 1;
    if (performance.now() - start > maxMs) break;
  }
  return done / ((performance.now() - start) / 1_000);
}

/** The courier hash fields a baseline reads: what the index's card carries. */
const GEO_BASELINE_FIELDS = [
  'state',
  'lastSeenMs',
  'load',
  'capacity',
  'kind',
  'vehicle',
  'shiftEndMs',
] as const;

/**
 * GEOSEARCH WITHCOORD then HMGET of each courier's hash, in one script: the strongest GEO-set
 * equivalent of findCandidates (one round trip, one string back). Lines are
 * `id|lat|lng|state|lastSeenMs|load|capacity|kind|vehicle|shiftEndMs`.
 */
const GEOSEARCH_WITH_FIELDS_LUA = `
local found = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[2], ARGV[3], 'BYRADIUS', ARGV[4], 'm', 'WITHCOORD')
local lines = {}
for i = 1, #found do
  local id, at = found[i][1], found[i][2]
  local f = redis.call('HMGET', ARGV[1] .. id, ${GEO_BASELINE_FIELDS.map((f) => `'${f}'`).join(', ')})
  for j = 1, ${GEO_BASELINE_FIELDS.length} do f[j] = f[j] or '' end
  lines[i] = id .. '|' .. at[2] .. '|' .. at[1] .. '|' .. table.concat(f, '|')
end
return table.concat(lines, '\\n')
`;

function parseBaselineLine(line: string, center: LatLng): Candidate {
  const v = line.split('|');
  return baselineCandidate(v[0]!, Number(v[1]), Number(v[2]), v.slice(3), center);
}

/** A baseline's courier as the same candidate object the index returns (fields in GEO_BASELINE_FIELDS order). */
function baselineCandidate(
  id: string,
  lat: number,
  lng: number,
  f: readonly (string | null | undefined)[],
  center: LatLng,
): Candidate {
  const candidate: Candidate = {
    id,
    lat,
    lng,
    cell: '',
    state: f[0] === 'busy' ? 'busy' : f[0] === 'idle' ? 'idle' : 'offline',
    kind: f[4] === 'in_house' ? 'in_house' : 'crowd',
    vehicle: f[5] ?? '',
    load: Number(f[2]),
    capacity: Number(f[3]),
    lastSeenMs: Number(f[1]),
    ring: 0,
    distanceMeters: haversineMeters(center, { lat, lng }),
  };
  if (f[6]) candidate.shiftEndMs = Number(f[6]);
  return candidate;
}

function geoSearch(
  redis: Redis,
  geoKey: string,
  center: LatLng,
  radiusMeters: number,
  nearestFirst = false,
): Promise<string[]> {
  const args = ['FROMLONLAT', center.lng, center.lat, 'BYRADIUS', radiusMeters, 'm'] as const;
  const reply = nearestFirst ? redis.geosearch(geoKey, ...args, 'ASC') : redis.geosearch(geoKey, ...args);
  return reply as Promise<string[]>;
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
