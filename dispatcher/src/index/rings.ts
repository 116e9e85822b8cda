import {
  cellToBoundary,
  cellToLatLng,
  edgeLength,
  getResolution,
  gridDiskDistances,
  gridRing,
  latLngToCell,
  originToDirectedEdges,
  UNITS,
} from 'h3-js';
import type { LatLng } from '../../../domain/src/geo/lat-lng.js';
import { assertValidPosition } from './validate.js';

/**
 * H3 grid facts never change, and the loop searches around the same store cells every cycle, so
 * ring lists and ring geometry are kept per center cell (h3-js calls cross into wasm and allocate:
 * gridDiskDistances for k = 3 took ~0.1 ms and ringsCoveringRadius ~0.4 ms per call, as much as
 * a whole GEOSEARCH). Bounded: a cache past this many center cells starts over.
 */
const MAX_CACHED_CELLS = 20_000;

/** A bounded memo: cleared when full (cheap, and a city's store cells refill it in one cycle). */
class CellMemo<V> {
  private readonly map = new Map<string, V>();
  get(key: string, make: () => V): V {
    let value = this.map.get(key);
    if (value === undefined) {
      if (this.map.size >= MAX_CACHED_CELLS) this.map.clear();
      value = make();
      this.map.set(key, value);
    }
    return value;
  }
}

const diskMemo = new CellMemo<readonly (readonly string[])[]>();

/**
 * Cells of gridDisk(center, k) grouped by grid distance: [[center], ring 1, …, ring k]. Memoized
 * per (cell, k): the result is shared, never mutate it.
 */
export function cellToRings(centerCell: string, k: number): readonly (readonly string[])[] {
  return diskMemo.get(`${centerCell}/${k}`, () => gridDiskDistances(centerCell, k));
}

/** The center cell and point of a search given as a point or as a cell at the index resolution. */
export function searchCenter(
  center: LatLng | string,
  resolution: number,
): { centerCell: string; centerPoint: LatLng } {
  if (typeof center === 'string') {
    if (getResolution(center) !== resolution) {
      throw new Error(`search center ${center} is not a resolution ${resolution} cell`);
    }
    const [lat, lng] = cellToLatLng(center);
    return { centerCell: center, centerPoint: { lat, lng } };
  }
  assertValidPosition(center, 'search center');
  return { centerCell: latLngToCell(center.lat, center.lng, resolution), centerPoint: center };
}

const METERS_PER_DEGREE = 111_195.08;

/**
 * Smallest k such that gridDisk(latLngToCell(center, resolution), k) contains every point within
 * `radiusMeters` of `center`. The nearest point outside the disk lies on the boundary of a ring k+1
 * cell, so k covers when every ring k+1 cell is farther than the radius (distances in a local
 * equirectangular projection, within a meter at city scale, hence the 0.1 % + 1 m margin). The
 * search starts from an estimate (a ring adds about 1.4 edge lengths) and steps up or down, so it
 * usually checks two rings; only ring cells whose center is near the radius get their boundary read.
 */
export function ringsCoveringRadius(center: LatLng, radiusMeters: number, resolution: number): number {
  const geometry = cellGeometry(latLngToCell(center.lat, center.lng, resolution));
  const { maxEdgeMeters, meanEdgeMeters } = geometry;
  const limit = radiusMeters * 1.001 + 1;
  const metersPerLng = METERS_PER_DEGREE * Math.cos((center.lat * Math.PI) / 180);
  const covers = (k: number): boolean => {
    for (const cell of geometry.ring(k + 1)) {
      const dx = (cell.lng - center.lng) * metersPerLng;
      const dy = (cell.lat - center.lat) * METERS_PER_DEGREE;
      const centerMeters = Math.sqrt(dx * dx + dy * dy);
      // A cell reaches at most ~one edge length (plus distortion) from its center.
      if (centerMeters - 1.25 * maxEdgeMeters > limit) continue;
      if (distanceToBoundaryMeters(center, cell.boundary(), metersPerLng) <= limit) return false;
    }
    return true;
  };
  let k = Math.max(0, Math.round(radiusMeters / (1.4 * meanEdgeMeters)));
  if (covers(k)) {
    while (k > 0 && covers(k - 1)) k -= 1;
    return k;
  }
  do k += 1;
  while (!covers(k));
  return k;
}

/** A cell's center and its boundary, each read from h3 once (the boundary only when needed). */
const cellShapeMemo = new CellMemo<RingCell>();

function cellShape(cell: string): RingCell {
  return cellShapeMemo.get(cell, () => {
    const [lat, lng] = cellToLatLng(cell);
    let boundary: number[][] | undefined;
    return { lat, lng, boundary: () => (boundary ??= cellToBoundary(cell)) };
  });
}

/** A cell has at most 10 boundary vertices (a pentagon crossing icosahedron faces). */
const MAX_VERTICES = 10;

/**
 * The cells of one disk (a cellToRings result, in ring order) as flat arrays: centers, and the
 * boundaries of the cells a circle around a point of the center cell can cross. Built once per
 * disk (a full-circle search runs cellsReachingRadius every query; per cell, map look-ups and
 * h3's nested boundary arrays cost more than the distances).
 */
interface DiskShape {
  maxEdgeMeters: number;
  lats: Float64Array;
  lngs: Float64Array;
  /** MAX_VERTICES (lat, lng) pairs per cell, read from h3 the first time a circle comes near it. */
  vertices: Float64Array;
  /** Vertices of each cell's boundary in `vertices`; 0 until read. */
  vertexCounts: Uint8Array;
  cells: string[];
}

/** Keyed by the (memoized, shared) rings array itself, so it goes when cellToRings forgets it. */
const diskShapes = new WeakMap<readonly (readonly string[])[], DiskShape>();

function diskShape(rings: readonly (readonly string[])[]): DiskShape {
  let shape = diskShapes.get(rings);
  if (!shape) {
    const cells = rings.flat();
    const lats = new Float64Array(cells.length);
    const lngs = new Float64Array(cells.length);
    cells.forEach((cell, i) => {
      const { lat, lng } = cellShape(cell);
      lats[i] = lat;
      lngs[i] = lng;
    });
    shape = {
      maxEdgeMeters: cellGeometry(rings[0]![0]!).maxEdgeMeters,
      lats,
      lngs,
      vertices: new Float64Array(cells.length * MAX_VERTICES * 2),
      vertexCounts: new Uint8Array(cells.length),
      cells,
    };
    diskShapes.set(rings, shape);
  }
  return shape;
}

/** Offset of cell i's boundary in shape.vertices, read from h3 on first use. */
function boundaryOf(shape: DiskShape, i: number): number {
  const at = i * MAX_VERTICES * 2;
  if (shape.vertexCounts[i] === 0) {
    const boundary = cellShape(shape.cells[i]!).boundary();
    boundary.forEach(([lat, lng], v) => {
      shape.vertices[at + 2 * v] = lat!;
      shape.vertices[at + 2 * v + 1] = lng!;
    });
    shape.vertexCounts[i] = boundary.length;
  }
  return at;
}

/**
 * Which cells of `rings` (cellToRings of the cell containing `center`) can hold a point within
 * `radiusMeters` of `center`: ring 0 always; another cell when its boundary comes that close
 * (same distances and margin as ringsCoveringRadius, so no cell with a point in the circle is
 * left out). The disk covering a circle has corners outside it; a full-circle search does not
 * read them. Returns one flag per cell, in ring order.
 */
export function cellsReachingRadius(
  center: LatLng,
  rings: readonly (readonly string[])[],
  radiusMeters: number,
): boolean[] {
  const shape = diskShape(rings);
  const extent = 1.25 * shape.maxEdgeMeters;
  const limit = radiusMeters * 1.001 + 1;
  const metersPerLng = METERS_PER_DEGREE * Math.cos((center.lat * Math.PI) / 180);
  const { lats, lngs, vertices } = shape;
  const reaching: boolean[] = [true];
  for (let i = 1; i < lats.length; i++) {
    const dx = (lngs[i]! - center.lng) * metersPerLng;
    const dy = (lats[i]! - center.lat) * METERS_PER_DEGREE;
    const centerMeters = Math.sqrt(dx * dx + dy * dy);
    // A cell reaches at most ~one edge length (plus distortion) from its center.
    if (centerMeters - extent > limit) reaching.push(false);
    else if (centerMeters + extent <= limit) reaching.push(true);
    else {
      const at = boundaryOf(shape, i);
      const count = shape.vertexCounts[i]!;
      let nearest = Number.POSITIVE_INFINITY;
      for (let v = 0; v < count; v++) {
        const w = (v + 1) % count;
        const meters = distanceToSegment(
          (vertices[at + 2 * v + 1]! - center.lng) * metersPerLng,
          (vertices[at + 2 * v]! - center.lat) * METERS_PER_DEGREE,
          (vertices[at + 2 * w + 1]! - center.lng) * metersPerLng,
          (vertices[at + 2 * w]! - center.lat) * METERS_PER_DEGREE,
        );
        if (meters < nearest) nearest = meters;
      }
      reaching.push(nearest <= limit);
    }
  }
  return reaching;
}

/** A ring cell's center, and its boundary read from h3 only when a point comes near it. */
interface RingCell {
  lat: number;
  lng: number;
  boundary(): number[][];
}

interface CellGeometry {
  maxEdgeMeters: number;
  meanEdgeMeters: number;
  ring(k: number): readonly RingCell[];
}

const geometryMemo = new CellMemo<CellGeometry>();

/** Edge lengths and ring cells of a center cell, each read from h3 once. */
function cellGeometry(centerCell: string): CellGeometry {
  return geometryMemo.get(centerCell, () => {
    const edges = originToDirectedEdges(centerCell).map((e) => edgeLength(e, UNITS.m));
    const rings: RingCell[][] = [];
    return {
      maxEdgeMeters: Math.max(...edges),
      meanEdgeMeters: edges.reduce((a, b) => a + b, 0) / edges.length,
      ring(k: number): readonly RingCell[] {
        let ring = rings[k];
        if (!ring) {
          ring = gridRing(centerCell, k).map(cellShape);
          rings[k] = ring;
        }
        return ring;
      },
    };
  });
}

/** Distance from a point to a cell's boundary (the point lies outside the cell). */
function distanceToBoundaryMeters(p: LatLng, boundary: number[][], metersPerLng: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < boundary.length; i++) {
    const a = boundary[i]!;
    const b = boundary[(i + 1) % boundary.length]!;
    const ax = (a[1]! - p.lng) * metersPerLng;
    const ay = (a[0]! - p.lat) * METERS_PER_DEGREE;
    const bx = (b[1]! - p.lng) * metersPerLng;
    const by = (b[0]! - p.lat) * METERS_PER_DEGREE;
    best = Math.min(best, distanceToSegment(ax, ay, bx, by));
  }
  return best;
}

/** Distance from the origin to segment a–b. */
function distanceToSegment(ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / lengthSquared));
  const x = ax + t * dx;
  const y = ay + t * dy;
  return Math.sqrt(x * x + y * y);
}
