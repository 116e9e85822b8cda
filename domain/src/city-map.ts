import { type Static, Type } from 'typebox';
import { StringUnion } from './schemas/common.js';
import { seededRandom } from './seeded-random.js';

/**
 * The simulated city the maps draw: a ~12 km square service area around Berlin's centre, a street
 * grid with a ring and a few diagonal avenues, a river and some parks. Deterministic for a seed,
 * so every app (and every test) sees the same city without any tile server.
 */

const Position = Type.Tuple([Type.Number(), Type.Number()], { description: '[lng, lat], degrees' });

export const CityStreetSchema = Type.Object({
  type: Type.Literal('Feature'),
  properties: Type.Object({
    name: Type.String(),
    class: StringUnion(['primary', 'secondary', 'residential']),
  }),
  geometry: Type.Object({
    type: Type.Literal('LineString'),
    coordinates: Type.Array(Position),
  }),
});

export const CityAreaSchema = Type.Object({
  type: Type.Literal('Feature'),
  properties: Type.Object({
    name: Type.String(),
    class: StringUnion(['service_area', 'park', 'water']),
  }),
  geometry: Type.Object({
    type: Type.Literal('Polygon'),
    coordinates: Type.Array(Type.Array(Position)),
  }),
});

export const CityMapSchema = Type.Object(
  {
    seed: Type.Integer(),
    center: Type.Object({ lat: Type.Number(), lng: Type.Number() }),
    /** [west, south, east, north], degrees. */
    bbox: Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()]),
    service_area: CityAreaSchema,
    areas: Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(CityAreaSchema) }),
    streets: Type.Object({
      type: Type.Literal('FeatureCollection'),
      features: Type.Array(CityStreetSchema),
    }),
  },
  { description: 'The simulated city as GeoJSON: service area, parks and water, streets.' },
);
export type CityMap = Static<typeof CityMapSchema>;
export type CityStreet = Static<typeof CityStreetSchema>;
export type CityArea = Static<typeof CityAreaSchema>;

export const CITY_CENTER = { lat: 52.52, lng: 13.405 } as const;
/** Side of the square service area, meters. */
export const CITY_SIZE_METERS = 12_000;
export const DEFAULT_CITY_SEED = 1;

const METERS_PER_DEGREE_LAT = 111_320;

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * The simulated city for `seed`: pure, deterministic, about 60 KB of GeoJSON.
 * Coordinates are [lng, lat] in degrees, as GeoJSON wants.
 */
export function cityMapGeoJson(seed: number = DEFAULT_CITY_SEED): CityMap {
  const random = seededRandom(seed);
  const half = CITY_SIZE_METERS / 2;
  const metersPerDegreeLng = METERS_PER_DEGREE_LAT * Math.cos((CITY_CENTER.lat * Math.PI) / 180);
  /** Local meters (x east, y north) from the centre to [lng, lat]. */
  const at = (x: number, y: number): [number, number] => [
    round6(CITY_CENTER.lng + x / metersPerDegreeLng),
    round6(CITY_CENTER.lat + y / METERS_PER_DEGREE_LAT),
  ];
  const inside = (x: number, y: number) => Math.abs(x) <= half && Math.abs(y) <= half;

  const streets: CityStreet[] = [];
  const street = (name: string, cls: CityStreet['properties']['class'], points: [number, number][]) => {
    const kept = points.filter(([x, y]) => inside(x, y));
    if (kept.length >= 2)
      streets.push({
        type: 'Feature',
        properties: { name, class: cls },
        geometry: { type: 'LineString', coordinates: kept.map(([x, y]) => at(x, y)) },
      });
  };

  // The grid: a line every 500 m, every third one an artery; residential lines wobble a little and
  // some stop short, so the city does not look like graph paper.
  const spacing = 500;
  const lines = Math.floor(half / spacing);
  for (const axis of ['ns', 'ew'] as const) {
    for (let i = -lines; i <= lines; i++) {
      const primary = i % 6 === 0;
      const cls = primary ? 'primary' : i % 3 === 0 ? 'secondary' : 'residential';
      const offset = i * spacing + (cls === 'residential' ? (random() - 0.5) * 120 : 0);
      let from = -half;
      let to = half;
      if (cls === 'residential' && random() < 0.35) {
        if (random() < 0.5) from = -half + spacing * Math.ceil(random() * 6);
        else to = half - spacing * Math.ceil(random() * 6);
      }
      const points: [number, number][] = [];
      for (let s = from; s <= to + 1; s += 250) {
        const wobble = cls === 'residential' ? (random() - 0.5) * 40 : 0;
        points.push(axis === 'ns' ? [offset + wobble, s] : [s, offset + wobble]);
      }
      const name = `${axis === 'ns' ? 'North-South' : 'East-West'} ${cls === 'residential' ? 'Street' : 'Avenue'} ${i + lines + 1}`;
      street(name, cls, points);
    }
  }

  // Diagonal avenues out of the centre, and a ring road.
  const diagonalCount = 4 + Math.floor(random() * 3);
  for (let d = 0; d < diagonalCount; d++) {
    const angle = (d / diagonalCount) * Math.PI * 2 + Math.PI / 8 + (random() - 0.5) * 0.3;
    const points: [number, number][] = [];
    for (let r = 300; r <= half * 1.5; r += 250) points.push([Math.cos(angle) * r, Math.sin(angle) * r]);
    street(`Diagonal Avenue ${d + 1}`, 'primary', points);
  }
  const ringRadius = half * 0.62;
  const ring: [number, number][] = [];
  for (let k = 0; k <= 72; k++) {
    const a = (k / 72) * Math.PI * 2;
    ring.push([Math.cos(a) * ringRadius * 1.05, Math.sin(a) * ringRadius * 0.95]);
  }
  street('Ring Road', 'primary', ring);

  // A river from west to east, as a band polygon.
  const riverY = (x: number) => Math.sin(x / 1700 + seed) * 650 - 900;
  const riverNorth: [number, number][] = [];
  const riverSouth: [number, number][] = [];
  for (let x = -half; x <= half; x += 200) {
    const width = 70 + Math.sin(x / 900) * 20;
    riverNorth.push([x, riverY(x) + width]);
    riverSouth.push([x, riverY(x) - width]);
  }
  const river = [...riverNorth, ...riverSouth.reverse(), riverNorth[0]!];

  const areas: CityArea[] = [
    {
      type: 'Feature',
      properties: { name: 'River', class: 'water' },
      geometry: { type: 'Polygon', coordinates: [river.map(([x, y]) => at(x, y))] },
    },
  ];
  const parkCount = 5 + Math.floor(random() * 3);
  for (let p = 0; p < parkCount; p++) {
    const cx = (random() - 0.5) * half * 1.6;
    const cy = (random() - 0.5) * half * 1.6;
    const rx = 250 + random() * 450;
    const ry = 200 + random() * 400;
    const outline: [number, number][] = [];
    for (let k = 0; k < 12; k++) {
      const a = (k / 12) * Math.PI * 2;
      const jitter = 0.85 + random() * 0.3;
      outline.push(at(cx + Math.cos(a) * rx * jitter, cy + Math.sin(a) * ry * jitter));
    }
    outline.push(outline[0]!);
    areas.push({
      type: 'Feature',
      properties: { name: `Park ${p + 1}`, class: 'park' },
      geometry: { type: 'Polygon', coordinates: [outline] },
    });
  }

  const corners: [number, number][] = [
    [-half, -half],
    [half, -half],
    [half, half],
    [-half, half],
    [-half, -half],
  ];
  const [west, south] = at(-half, -half);
  const [east, north] = at(half, half);
  return {
    seed,
    center: { ...CITY_CENTER },
    bbox: [west, south, east, north],
    service_area: {
      type: 'Feature',
      properties: { name: 'Service area', class: 'service_area' },
      geometry: { type: 'Polygon', coordinates: [corners.map(([x, y]) => at(x, y))] },
    },
    areas: { type: 'FeatureCollection', features: areas },
    streets: { type: 'FeatureCollection', features: streets },
  };
}
