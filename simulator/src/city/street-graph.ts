import type { CityMap, CityStreet } from '@o2o/domain';

/**
 * The city's streets as a routable graph. Streets are GeoJSON LineStrings that cross without
 * sharing vertices (residential streets wobble), so every crossing is computed and both streets
 * are split there. Work happens in local metres (x east, y north) around the map's centre; nodes
 * keep their [lng, lat] for the api.
 */

export type StreetClass = CityStreet['properties']['class'];

export interface StreetNode {
  id: number;
  x: number;
  y: number;
  lng: number;
  lat: number;
  /** Classes of the streets through this node. */
  classes: ReadonlySet<StreetClass>;
}

export interface StreetGraph {
  nodes: readonly StreetNode[];
  /** Adjacency: for node i, its neighbours and the edge lengths in metres. */
  neighbours: readonly (readonly { to: number; meters: number }[])[];
  /** Nodes of the largest connected part: the only ones places and couriers sit on. */
  routable: readonly number[];
  /** Local metres of a [lng, lat]. */
  toLocal(lng: number, lat: number): { x: number; y: number };
}

/** A route on the graph: its nodes, their points in order and the cumulative metres to each. */
export interface StreetRoute {
  nodes: number[];
  points: { lng: number; lat: number }[];
  cumulativeMeters: number[];
  meters: number;
}

const METERS_PER_DEGREE_LAT = 111_320;

interface Segment {
  street: number;
  ax: number;
  ay: number;
  bx: number;
  by: number;
}

/** Builds the graph of `map`'s streets, split at every crossing. */
export function streetGraphFromCity(map: CityMap): StreetGraph {
  const { lat: lat0, lng: lng0 } = map.center;
  const metersPerDegreeLng = METERS_PER_DEGREE_LAT * Math.cos((lat0 * Math.PI) / 180);
  const toLocal = (lng: number, lat: number) => ({
    x: (lng - lng0) * metersPerDegreeLng,
    y: (lat - lat0) * METERS_PER_DEGREE_LAT,
  });
  const toLngLat = (x: number, y: number) => ({
    lng: lng0 + x / metersPerDegreeLng,
    lat: lat0 + y / METERS_PER_DEGREE_LAT,
  });

  const segments: Segment[] = [];
  map.streets.features.forEach((street, s) => {
    const pts = street.geometry.coordinates.map(([lng, lat]) => toLocal(lng, lat));
    for (let i = 1; i < pts.length; i++) {
      const a = pts[i - 1]!;
      const b = pts[i]!;
      segments.push({ street: s, ax: a.x, ay: a.y, bx: b.x, by: b.y });
    }
  });

  // Split parameters per segment: its ends plus every crossing found through a coarse grid.
  const cuts: number[][] = segments.map(() => [0, 1]);
  const cell = 300;
  const buckets = new Map<string, number[]>();
  segments.forEach((seg, i) => {
    const x0 = Math.floor(Math.min(seg.ax, seg.bx) / cell);
    const x1 = Math.floor(Math.max(seg.ax, seg.bx) / cell);
    const y0 = Math.floor(Math.min(seg.ay, seg.by) / cell);
    const y1 = Math.floor(Math.max(seg.ay, seg.by) / cell);
    for (let gx = x0; gx <= x1; gx++)
      for (let gy = y0; gy <= y1; gy++) {
        const key = `${gx},${gy}`;
        const list = buckets.get(key);
        if (list) list.push(i);
        else buckets.set(key, [i]);
      }
  });
  const seen = new Set<number>();
  for (const list of buckets.values()) {
    for (let p = 0; p < list.length; p++)
      for (let q = p + 1; q < list.length; q++) {
        const i = list[p]!;
        const j = list[q]!;
        const pairKey = i < j ? i * segments.length + j : j * segments.length + i;
        if (seen.has(pairKey)) continue;
        seen.add(pairKey);
        const hit = segmentCrossing(segments[i]!, segments[j]!);
        if (hit) {
          cuts[i]!.push(hit.t);
          cuts[j]!.push(hit.u);
        }
      }
  }

  const nodes: StreetNode[] = [];
  const nodeClasses: Set<StreetClass>[] = [];
  const byKey = new Map<string, number>();
  const edges = new Map<string, number>();
  const neighbours: { to: number; meters: number }[][] = [];
  const nodeAt = (x: number, y: number, cls: StreetClass): number => {
    // Half-metre snapping joins the shared vertices of consecutive segments and exact crossings.
    const key = `${Math.round(x * 2)},${Math.round(y * 2)}`;
    let id = byKey.get(key);
    if (id === undefined) {
      id = nodes.length;
      byKey.set(key, id);
      const classes = new Set<StreetClass>();
      nodeClasses.push(classes);
      nodes.push({ id, x, y, ...toLngLat(x, y), classes });
      neighbours.push([]);
    }
    nodeClasses[id]!.add(cls);
    return id;
  };
  const link = (a: number, b: number) => {
    if (a === b) return;
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (edges.has(key)) return;
    const na = nodes[a]!;
    const nb = nodes[b]!;
    const meters = Math.hypot(na.x - nb.x, na.y - nb.y);
    edges.set(key, meters);
    neighbours[a]!.push({ to: b, meters });
    neighbours[b]!.push({ to: a, meters });
  };
  segments.forEach((seg, i) => {
    const cls = map.streets.features[seg.street]!.properties.class;
    const ts = [...new Set(cuts[i]!)].sort((a, b) => a - b);
    let previous: number | undefined;
    for (const t of ts) {
      const id = nodeAt(seg.ax + (seg.bx - seg.ax) * t, seg.ay + (seg.by - seg.ay) * t, cls);
      if (previous !== undefined) link(previous, id);
      previous = id;
    }
  });

  return { nodes, neighbours, routable: largestComponent(neighbours), toLocal };
}

/** Where two segments cross: the parameter along each, or null (parallel or apart). */
function segmentCrossing(p: Segment, q: Segment): { t: number; u: number } | null {
  const rx = p.bx - p.ax;
  const ry = p.by - p.ay;
  const sx = q.bx - q.ax;
  const sy = q.by - q.ay;
  const denom = rx * sy - ry * sx;
  if (Math.abs(denom) < 1e-9) return null;
  const qpx = q.ax - p.ax;
  const qpy = q.ay - p.ay;
  const t = (qpx * sy - qpy * sx) / denom;
  const u = (qpx * ry - qpy * rx) / denom;
  if (t < 0 || t > 1 || u < 0 || u > 1) return null;
  return { t, u };
}

function largestComponent(neighbours: readonly (readonly { to: number }[])[]): number[] {
  const component = new Int32Array(neighbours.length).fill(-1);
  let best: number[] = [];
  for (let start = 0; start < neighbours.length; start++) {
    if (component[start] !== -1) continue;
    const members = [start];
    component[start] = start;
    for (let k = 0; k < members.length; k++) {
      for (const { to } of neighbours[members[k]!]!) {
        if (component[to] === -1) {
          component[to] = start;
          members.push(to);
        }
      }
    }
    if (members.length > best.length) best = members;
  }
  return best.sort((a, b) => a - b);
}

/** The routable node nearest to local point (x, y). */
export function nearestNode(graph: StreetGraph, x: number, y: number): number {
  let best = graph.routable[0]!;
  let bestD = Number.POSITIVE_INFINITY;
  for (const id of graph.routable) {
    const n = graph.nodes[id]!;
    const d = (n.x - x) ** 2 + (n.y - y) ** 2;
    if (d < bestD) {
      bestD = d;
      best = id;
    }
  }
  return best;
}

/** Straight-line metres between two nodes. */
export function nodeDistanceMeters(graph: StreetGraph, a: number, b: number): number {
  const na = graph.nodes[a]!;
  const nb = graph.nodes[b]!;
  return Math.hypot(na.x - nb.x, na.y - nb.y);
}

/**
 * Shortest street route from node `from` to node `to` (Dijkstra with A* on straight-line
 * distance, which never overestimates a street distance). Throws when they are not connected.
 */
export function shortestRoute(graph: StreetGraph, from: number, to: number): StreetRoute {
  const n = graph.nodes.length;
  const dist = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const prev = new Int32Array(n).fill(-1);
  const done = new Uint8Array(n);
  const heap = new MinHeap();
  dist[from] = 0;
  heap.push(from, nodeDistanceMeters(graph, from, to));
  while (heap.size > 0) {
    const u = heap.pop();
    if (done[u]) continue;
    done[u] = 1;
    if (u === to) break;
    for (const { to: v, meters } of graph.neighbours[u]!) {
      const d = dist[u]! + meters;
      if (d < dist[v]!) {
        dist[v] = d;
        prev[v] = u;
        heap.push(v, d + nodeDistanceMeters(graph, v, to));
      }
    }
  }
  if (!Number.isFinite(dist[to]!)) throw new Error(`no street route from node ${from} to node ${to}`);
  const path: number[] = [];
  for (let v = to; v !== -1; v = prev[v]!) path.push(v);
  path.reverse();
  const points = path.map((id) => ({ lng: graph.nodes[id]!.lng, lat: graph.nodes[id]!.lat }));
  const cumulativeMeters = [0];
  for (let i = 1; i < path.length; i++)
    cumulativeMeters.push(cumulativeMeters[i - 1]! + nodeDistanceMeters(graph, path[i - 1]!, path[i]!));
  return { nodes: path, points, cumulativeMeters, meters: cumulativeMeters[cumulativeMeters.length - 1]! };
}

/** A binary min-heap of (node, priority). */
class MinHeap {
  private ids: number[] = [];
  private keys: number[] = [];
  get size(): number {
    return this.ids.length;
  }
  push(id: number, key: number): void {
    let i = this.ids.length;
    this.ids.push(id);
    this.keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent]! <= key) break;
      this.ids[i] = this.ids[parent]!;
      this.keys[i] = this.keys[parent]!;
      i = parent;
    }
    this.ids[i] = id;
    this.keys[i] = key;
  }
  pop(): number {
    const top = this.ids[0]!;
    const lastId = this.ids.pop()!;
    const lastKey = this.keys.pop()!;
    const n = this.ids.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.keys[r]! < this.keys[l]! ? r : l;
        if (this.keys[c]! >= lastKey) break;
        this.ids[i] = this.ids[c]!;
        this.keys[i] = this.keys[c]!;
        i = c;
      }
      this.ids[i] = lastId;
      this.keys[i] = lastKey;
    }
    return top;
  }
}
