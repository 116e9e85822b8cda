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

/** Cells of gridDisk(center, k) grouped by grid distance: [[center], ring 1, …, ring k]. */
export function cellToRings(centerCell: string, k: number): string[][] {
  return gridDiskDistances(centerCell, k);
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
  const centerCell = latLngToCell(center.lat, center.lng, resolution);
  const edges = originToDirectedEdges(centerCell).map((e) => edgeLength(e, UNITS.m));
  const maxEdgeMeters = Math.max(...edges);
  const meanEdgeMeters = edges.reduce((a, b) => a + b, 0) / edges.length;
  const limit = radiusMeters * 1.001 + 1;
  const metersPerLng = METERS_PER_DEGREE * Math.cos((center.lat * Math.PI) / 180);
  const covers = (k: number): boolean => {
    for (const cell of gridRing(centerCell, k + 1)) {
      const [lat, lng] = cellToLatLng(cell);
      const centerMeters = Math.hypot(
        (lng - center.lng) * metersPerLng,
        (lat - center.lat) * METERS_PER_DEGREE,
      );
      // A cell reaches at most ~one edge length (plus distortion) from its center.
      if (centerMeters - 1.25 * maxEdgeMeters > limit) continue;
      if (distanceToBoundaryMeters(center, cellToBoundary(cell), metersPerLng) <= limit) return false;
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
  return Math.hypot(ax + t * dx, ay + t * dy);
}
