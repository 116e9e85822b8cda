import 'maplibre-gl/dist/maplibre-gl.css';
import type { CityMap } from '@o2o/domain';
import type { Feature, FeatureCollection, Point, Polygon } from 'geojson';
import { cellToBoundary } from 'h3-js';
import maplibregl, {
  type CircleLayerSpecification,
  type GeoJSONSource,
  type LayerSpecification,
  type Map as MapLibreMap,
  type StyleSpecification,
} from 'maplibre-gl';
import { apiFetch, apiOrigin } from './api.js';

export type { CityMap };
export { maplibregl };

export type MapTheme = 'light' | 'dark';

export interface CityMapOptions {
  /** Where `/v1/city/map` lives; defaults to the api origin (the page's own). */
  origin?: string;
  /** `light` (apps for couriers and customers) or `dark` (the ops console). */
  theme?: MapTheme;
  /**
   * Optional raster tiles drawn under the city (e.g. `http://tiles.local/{z}/{x}/{y}.png`). Off by
   * default: the pages request nothing outside the machine.
   */
  tileUrl?: string | null;
  /** Initial zoom; the city's bounds are fitted when absent. */
  zoom?: number;
  /** Initial centre, degrees; defaults to the city's. */
  center?: { lat: number; lng: number };
  interactive?: boolean;
  /** Already fetched city (skips the request). */
  city?: CityMap;
}

export interface CityMapHandle {
  map: MapLibreMap;
  city: CityMap;
}

interface Palette {
  outside: string;
  land: string;
  areaLine: string;
  water: string;
  park: string;
  residential: string;
  secondary: string;
  primary: string;
  casing: string;
}

const PALETTES: Record<MapTheme, Palette> = {
  light: {
    outside: '#e4e7ec',
    land: '#f6f5f1',
    areaLine: '#6d7bf2',
    water: '#b5d3ef',
    park: '#d3eacb',
    residential: '#ffffff',
    secondary: '#ffffff',
    primary: '#fbe3a6',
    casing: '#d6d3cc',
  },
  dark: {
    outside: '#0b0f17',
    land: '#151b27',
    areaLine: '#5b6cff',
    water: '#142f4d',
    park: '#17301f',
    residential: '#252e3f',
    secondary: '#2f3a50',
    primary: '#3f4c66',
    casing: '#0f141d',
  },
};

/** The local style: background, optional raster tiles, service area, water, parks, streets. */
export function cityStyle(
  city: CityMap,
  theme: MapTheme = 'light',
  tileUrl?: string | null,
): StyleSpecification {
  const p = PALETTES[theme];
  const width = (base: number) =>
    ['interpolate', ['exponential', 1.6], ['zoom'], 11, base * 0.4, 14, base, 17, base * 4] as never;
  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': p.outside } },
  ];
  const sources: StyleSpecification['sources'] = {
    'city-service-area': { type: 'geojson', data: city.service_area },
    'city-areas': { type: 'geojson', data: city.areas },
    'city-streets': { type: 'geojson', data: city.streets },
  };
  if (tileUrl) {
    sources['raster-tiles'] = { type: 'raster', tiles: [tileUrl], tileSize: 256 };
    layers.push({ id: 'raster-tiles', type: 'raster', source: 'raster-tiles' });
  }
  layers.push(
    {
      id: 'service-area-fill',
      type: 'fill',
      source: 'city-service-area',
      paint: { 'fill-color': p.land, 'fill-opacity': tileUrl ? 0.15 : 1 },
    },
    {
      id: 'water',
      type: 'fill',
      source: 'city-areas',
      filter: ['==', ['get', 'class'], 'water'],
      paint: { 'fill-color': p.water },
    },
    {
      id: 'parks',
      type: 'fill',
      source: 'city-areas',
      filter: ['==', ['get', 'class'], 'park'],
      paint: { 'fill-color': p.park },
    },
    {
      id: 'streets-casing',
      type: 'line',
      source: 'city-streets',
      filter: ['!=', ['get', 'class'], 'residential'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': p.casing, 'line-width': width(6) },
    },
    {
      id: 'streets-residential',
      type: 'line',
      source: 'city-streets',
      filter: ['==', ['get', 'class'], 'residential'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': p.residential, 'line-width': width(2.5) },
    },
    {
      id: 'streets-secondary',
      type: 'line',
      source: 'city-streets',
      filter: ['==', ['get', 'class'], 'secondary'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': p.secondary, 'line-width': width(4) },
    },
    {
      id: 'streets-primary',
      type: 'line',
      source: 'city-streets',
      filter: ['==', ['get', 'class'], 'primary'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': p.primary, 'line-width': width(4.5) },
    },
    {
      id: 'service-area-outline',
      type: 'line',
      source: 'city-service-area',
      paint: { 'line-color': p.areaLine, 'line-width': 2, 'line-dasharray': [3, 2], 'line-opacity': 0.8 },
    },
  );
  // No glyphs and no sprite: a style that needs no network. Labels, where wanted, are HTML.
  return { version: 8, name: `o2o-city-${theme}`, sources, layers };
}

/** Fetches the simulated city (`GET /v1/city/map`, public and cacheable). */
export function fetchCityMap(origin?: string): Promise<CityMap> {
  return apiFetch<CityMap>('/v1/city/map', { origin: origin ?? apiOrigin() });
}

/**
 * A MapLibre map of the simulated city with a local style: resolves once the style has loaded,
 * so sources and layers can be added right away.
 */
export async function createCityMap(
  container: HTMLElement | string,
  options: CityMapOptions = {},
): Promise<CityMapHandle> {
  const city = options.city ?? (await fetchCityMap(options.origin));
  const [west, south, east, north] = city.bbox;
  const map = new maplibregl.Map({
    container,
    style: cityStyle(city, options.theme, options.tileUrl),
    center: [options.center?.lng ?? city.center.lng, options.center?.lat ?? city.center.lat],
    zoom: options.zoom ?? 12,
    ...(options.zoom === undefined && !options.center
      ? {
          bounds: [
            [west, south],
            [east, north],
          ] as [[number, number], [number, number]],
          fitBoundsOptions: { padding: 16 },
        }
      : {}),
    maxBounds: [
      [west - 0.15, south - 0.1],
      [east + 0.15, north + 0.1],
    ],
    interactive: options.interactive ?? true,
    attributionControl: false,
    // The city needs no 3D and no tile cache: keep the GPU and memory cost low on phones.
    maxPitch: 0,
    dragRotate: false,
    pitchWithRotate: false,
    fadeDuration: 0,
  });
  map.touchZoomRotate.disableRotation();
  await new Promise<void>((resolve) => {
    if (map.loaded()) resolve();
    else map.once('load', () => resolve());
  });
  return { map, city };
}

/** Adds a GeoJSON source, or replaces its data when it exists (one `setData`, no re-parse of layers). */
export function setGeoJson(map: MapLibreMap, sourceId: string, data: FeatureCollection): void {
  const source = map.getSource<GeoJSONSource>(sourceId);
  if (source) source.setData(data);
  else map.addSource(sourceId, { type: 'geojson', data });
}

export interface PointItem {
  id?: string | number;
  lat: number;
  lng: number;
  [property: string]: unknown;
}

/** Points as a FeatureCollection; every other field of an item becomes a property. */
export function pointsToGeoJson(items: Iterable<PointItem>): FeatureCollection<Point> {
  const features: Feature<Point>[] = [];
  for (const { lat, lng, ...properties } of items) {
    features.push({
      type: 'Feature',
      ...(properties.id !== undefined ? { id: properties.id } : {}),
      properties,
      geometry: { type: 'Point', coordinates: [lng, lat] },
    });
  }
  return { type: 'FeatureCollection', features };
}

/**
 * A point source with one circle layer (the same id for both): the way to draw thousands of
 * couriers or orders without DOM markers. `paint` overrides the default circle paint.
 */
export function addPointLayer(
  map: MapLibreMap,
  id: string,
  paint: CircleLayerSpecification['paint'] = {},
  beforeId?: string,
): void {
  setGeoJson(map, id, { type: 'FeatureCollection', features: [] });
  if (map.getLayer(id)) return;
  map.addLayer(
    {
      id,
      type: 'circle',
      source: id,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2.5, 14, 5, 17, 9],
        'circle-color': '#2563eb',
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1,
        ...paint,
      },
    },
    beforeId,
  );
}

/** Replaces the points of a layer made by {@link addPointLayer}. */
export function setPoints(map: MapLibreMap, id: string, items: Iterable<PointItem>): void {
  setGeoJson(map, id, pointsToGeoJson(items));
}

export interface HexCell {
  /** H3 cell index (hex string). */
  cell: string;
  [property: string]: unknown;
}

/** H3 cells as polygons (h3-js `cellToBoundary`), each cell's other fields as properties. */
export function hexagonsToGeoJson(cells: Iterable<HexCell>): FeatureCollection<Polygon> {
  const features: Feature<Polygon>[] = [];
  for (const c of cells) {
    const ring = cellToBoundary(c.cell, true);
    features.push({
      type: 'Feature',
      properties: { ...c },
      geometry: { type: 'Polygon', coordinates: [ring] },
    });
  }
  return { type: 'FeatureCollection', features };
}

export interface HexLayerOptions {
  /** The numeric property that colours a cell. */
  valueProperty?: string;
  /** Colour stops over the value: [value, colour] pairs, ascending. */
  stops?: [number, string][];
  opacity?: number;
  beforeId?: string;
}

/** An H3 hexagon layer (fill plus a thin outline), coloured by a numeric property. */
export function addHexLayer(map: MapLibreMap, id: string, options: HexLayerOptions = {}): void {
  setGeoJson(map, id, { type: 'FeatureCollection', features: [] });
  const property = options.valueProperty ?? 'value';
  const stops = options.stops ?? [
    [0, '#22c55e'],
    [1, '#eab308'],
    [3, '#ef4444'],
  ];
  const color = ['interpolate', ['linear'], ['to-number', ['get', property], 0], ...stops.flat()] as never;
  if (!map.getLayer(id))
    map.addLayer(
      {
        id,
        type: 'fill',
        source: id,
        paint: { 'fill-color': color, 'fill-opacity': options.opacity ?? 0.35 },
      },
      options.beforeId,
    );
  if (!map.getLayer(`${id}-outline`))
    map.addLayer(
      {
        id: `${id}-outline`,
        type: 'line',
        source: id,
        paint: { 'line-color': color, 'line-width': 1, 'line-opacity': 0.7 },
      },
      options.beforeId,
    );
}

/** Replaces the cells of a layer made by {@link addHexLayer}. */
export function setHexagons(map: MapLibreMap, id: string, cells: Iterable<HexCell>): void {
  setGeoJson(map, id, hexagonsToGeoJson(cells));
}

/** Shows or hides a layer (and its `-outline` companion, if any). */
export function setLayerVisible(map: MapLibreMap, id: string, visible: boolean): void {
  for (const layer of [id, `${id}-outline`]) {
    if (map.getLayer(layer)) map.setLayoutProperty(layer, 'visibility', visible ? 'visible' : 'none');
  }
}
