import { type CityMap, cityMapGeoJson, seededRandom, type Vehicle } from '@o2o/domain';
import { mixSeed } from './demand.js';
import { nearestNode, nodeDistanceMeters, type StreetGraph, streetGraphFromCity } from './street-graph.js';

/**
 * The simulated city for a seed: where the stores and the customers are, and who rides when. The
 * streets are the map every web app draws (`cityMapGeoJson()`, its default seed), so the ops
 * console shows the couriers on the streets they ride; the seed places everything else. Pure.
 */

export interface CustomerArea {
  name: string;
  /** Node at the centre of the area. */
  centre: number;
  radiusMeters: number;
  /** Relative share of the city's customers. */
  weight: number;
}

export interface PlannedStore {
  name: string;
  node: number;
  lat: number;
  lng: number;
  /** Relative share of the orders. */
  weight: number;
  /** Residential nodes this store delivers to (within `DELIVERY_RADIUS_METERS`). */
  customers: number[];
}

/** A time window in simulated seconds since midnight of the day it starts on. */
export interface DayWindow {
  from_s: number;
  to_s: number;
}

export interface PlannedCourier {
  name: string;
  kind: 'in_house' | 'crowd';
  vehicle: Vehicle;
  /** Where the courier starts each day. */
  home: number;
  /** In-house riders: the same shift every day. Crowd riders: drawn per day by `crowdSessionsForDay`. */
  shift: DayWindow | null;
  /** This rider's answering time relative to the city's mean think time (0.35–1.65). */
  thinkFactor: number;
}

export interface CityPlan {
  seed: number;
  map: CityMap;
  graph: StreetGraph;
  areas: CustomerArea[];
  stores: PlannedStore[];
  couriers: PlannedCourier[];
}

export interface CityPlanOptions {
  seed: number;
  stores: number;
  couriers: number;
  /** Share of crowdsourced riders, 0–1; the rest are in-house riders on shifts. */
  crowdShare: number;
}

export const DELIVERY_RADIUS_METERS = 3500;
const HOUR = 3600;

/** In-house shift patterns (simulated day clock), given out in turn. */
export const IN_HOUSE_SHIFTS: readonly DayWindow[] = [
  { from_s: 10.5 * HOUR, to_s: 15.5 * HOUR },
  { from_s: 11 * HOUR, to_s: 21 * HOUR },
  { from_s: 16.5 * HOUR, to_s: 23 * HOUR },
  { from_s: 7 * HOUR, to_s: 13 * HOUR },
];

const STORE_NAMES = [
  'Pizza Nonna',
  'Green Bowl',
  'Sushi Kaito',
  'Burger Yard',
  'Pho Saigon',
  'Corner Deli',
  'Falafel Haus',
  'Curry Club',
  'Taco Loco',
  'Bakery Brot',
  'Noodle Bar',
  'Salad Lab',
];

/** Plans the city of `options.seed`. */
export function planCity(options: CityPlanOptions, graph?: StreetGraph): CityPlan {
  const map = cityMapGeoJson();
  const streets = graph ?? streetGraphFromCity(map);
  const random = seededRandom(options.seed);
  const pickNode = (accept: (id: number) => boolean): number => {
    const candidates = streets.routable.filter(accept);
    const pool = candidates.length > 0 ? candidates : streets.routable;
    return pool[Math.floor(random() * pool.length)]!;
  };
  const has = (id: number, cls: 'primary' | 'secondary' | 'residential') =>
    streets.nodes[id]!.classes.has(cls);
  const commercial = (id: number) => has(id, 'primary') || has(id, 'secondary');
  const inside = (id: number, margin: number) => {
    const n = streets.nodes[id]!;
    return Math.abs(n.x) < 6000 - margin && Math.abs(n.y) < 6000 - margin;
  };

  const areaCount = 4 + Math.floor(random() * 3);
  const areas: CustomerArea[] = [];
  for (let a = 0; a < areaCount; a++) {
    // Neighbourhoods cluster towards the centre, as cities do.
    const near = 4500 * Math.sqrt(random());
    const angle = random() * Math.PI * 2;
    const centre = nearestNode(streets, Math.cos(angle) * near, Math.sin(angle) * near);
    areas.push({
      name: `Neighbourhood ${a + 1}`,
      centre,
      radiusMeters: Math.round(900 + random() * 800),
      weight: Math.round((0.5 + random()) * 100) / 100,
    });
  }
  const residential = streets.routable.filter((id) => has(id, 'residential') && inside(id, 100));
  const inArea = (id: number) =>
    areas.some((area) => nodeDistanceMeters(streets, id, area.centre) <= area.radiusMeters);
  const customerNodes = residential.filter(inArea);

  const totalAreaWeight = areas.reduce((s, a) => s + a.weight, 0);
  const stores: PlannedStore[] = [];
  for (let s = 0; s < options.stores; s++) {
    let pick = random() * totalAreaWeight;
    let area = areas[0]!;
    for (const candidate of areas) {
      area = candidate;
      if (pick < candidate.weight) break;
      pick -= candidate.weight;
    }
    const taken = new Set(stores.map((st) => st.node));
    const node = pickNode(
      (id) =>
        commercial(id) &&
        !taken.has(id) &&
        inside(id, 300) &&
        nodeDistanceMeters(streets, id, area.centre) <= area.radiusMeters * 1.2,
    );
    let customers = customerNodes.filter(
      (id) => nodeDistanceMeters(streets, id, node) <= DELIVERY_RADIUS_METERS,
    );
    if (customers.length < 20) {
      customers = [...residential]
        .sort((a, b) => nodeDistanceMeters(streets, a, node) - nodeDistanceMeters(streets, b, node))
        .slice(0, 60);
    }
    const n = streets.nodes[node]!;
    stores.push({
      name: `${STORE_NAMES[s % STORE_NAMES.length]}${s >= STORE_NAMES.length ? ` ${Math.floor(s / STORE_NAMES.length) + 1}` : ''}`,
      node,
      lat: round6(n.lat),
      lng: round6(n.lng),
      weight: Math.round((0.6 + random() * 0.8) * 100) / 100,
      customers,
    });
  }

  const crowdCount = Math.round(options.couriers * options.crowdShare);
  const couriers: PlannedCourier[] = [];
  let inHouseIndex = 0;
  for (let c = 0; c < options.couriers; c++) {
    // Spread the crowd riders through the list so a small fleet still has both kinds.
    const kind: PlannedCourier['kind'] =
      Math.floor(((c + 1) * crowdCount) / options.couriers) > Math.floor((c * crowdCount) / options.couriers)
        ? 'crowd'
        : 'in_house';
    const v = random();
    const vehicle: Vehicle =
      kind === 'in_house'
        ? v < 0.6
          ? 'bike'
          : v < 0.9
            ? 'scooter'
            : 'car'
        : v < 0.7
          ? 'bike'
          : v < 0.9
            ? 'scooter'
            : 'car';
    const nearStore = stores.length > 0 ? stores[Math.floor(random() * stores.length)]! : null;
    const home = pickNode(
      (id) => nearStore === null || nodeDistanceMeters(streets, id, nearStore.node) <= 2500,
    );
    couriers.push({
      name: `${kind === 'in_house' ? 'Rider' : 'Crowd rider'} ${c + 1}`,
      kind,
      vehicle,
      home,
      shift: kind === 'in_house' ? IN_HOUSE_SHIFTS[inHouseIndex++ % IN_HOUSE_SHIFTS.length]! : null,
      thinkFactor: Math.round((0.35 + random() * 1.3) * 100) / 100,
    });
  }
  return { seed: options.seed, map, graph: streets, areas, stores, couriers };
}

/**
 * When crowd rider `courierIndex` is online on simulated day `day`: up to two sessions, one
 * around lunch and one around dinner, in simulated seconds since midnight of day 0. Pure.
 */
export function crowdSessionsForDay(seed: number, courierIndex: number, day: number): DayWindow[] {
  const random = seededRandom(mixSeed(mixSeed(seed, 1_000_003 + courierIndex), day));
  const base = day * 24 * HOUR;
  const sessions: DayWindow[] = [];
  const session = (earliest: number, latest: number, share: number) => {
    const start = earliest + random() * (latest - earliest);
    const length = (1.5 + random() * 2.5) * HOUR;
    if (random() < share)
      sessions.push({
        from_s: Math.round(base + start * HOUR),
        to_s: Math.round(base + start * HOUR + length),
      });
  };
  session(10, 12.5, 0.85);
  session(16.5, 19.5, 0.75);
  // Sessions never overlap: a lunch session running late absorbs the dinner one.
  if (sessions.length === 2 && sessions[0]!.to_s >= sessions[1]!.from_s) {
    return [{ from_s: sessions[0]!.from_s, to_s: Math.max(sessions[0]!.to_s, sessions[1]!.to_s) }];
  }
  return sessions;
}

/** The courier's online windows that overlap [fromS, toS), in simulated seconds since day 0. */
export function onlineWindows(plan: CityPlan, courierIndex: number, fromS: number, toS: number): DayWindow[] {
  const courier = plan.couriers[courierIndex]!;
  const out: DayWindow[] = [];
  for (let day = Math.floor(fromS / (24 * HOUR)) - 1; day * 24 * HOUR < toS; day++) {
    const windows = courier.shift
      ? [{ from_s: day * 24 * HOUR + courier.shift.from_s, to_s: day * 24 * HOUR + courier.shift.to_s }]
      : crowdSessionsForDay(plan.seed, courierIndex, day);
    for (const w of windows) if (w.to_s > fromS && w.from_s < toS) out.push(w);
  }
  return out;
}

/** The demand source of the plan: its stores' weights and customer counts. */
export function demandSourceOf(plan: CityPlan) {
  return {
    storeWeights: plan.stores.map((s) => s.weight),
    customersPerStore: plan.stores.map((s) => s.customers.length),
  };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
