import {
  addHexLayer,
  addPointLayer,
  type CityMapHandle,
  type PointItem,
  setGeoJson,
  setHexagons,
  setLayerVisible,
  setPoints,
} from '@o2o/web-common/map';
import type { HeatCell, OpsCourier, OpsOrder } from './types.js';

export const COLORS = {
  inHouse: '#3b82f6',
  crowd: '#f59e0b',
  waiting: '#d946ef',
  late: '#ef4444',
  assigned: '#22c55e',
  selected: '#ffffff',
} as const;

export type LayerName = 'heat' | 'couriers' | 'orders';

/**
 * The console's layers over the city: H3 supply/demand, orders (pickups), couriers, and the
 * selection. One GeoJSON source per layer, circles only: 10,000 couriers stay smooth.
 */
export function addOpsLayers({ map }: CityMapHandle): void {
  // Demand minus idle supply per cell: teal where couriers wait, red where orders do.
  addHexLayer(map, 'heat', {
    valueProperty: 'pressure',
    stops: [
      [-4, '#0d9488'],
      [0, '#64748b'],
      [1, '#f97316'],
      [4, '#ef4444'],
    ],
    opacity: 0.28,
  });
  setGeoJson(map, 'selection-route', { type: 'FeatureCollection', features: [] });
  map.addLayer({
    id: 'selection-route',
    type: 'line',
    source: 'selection-route',
    paint: { 'line-color': COLORS.selected, 'line-width': 2, 'line-dasharray': [2, 2], 'line-opacity': 0.8 },
  });
  addPointLayer(map, 'couriers', {
    'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2.2, 13, 4, 16, 8],
    'circle-color': ['match', ['get', 'kind'], 'in_house', COLORS.inHouse, COLORS.crowd],
    'circle-opacity': ['match', ['get', 'state'], 'busy', 0.55, 1],
    'circle-stroke-color': ['match', ['get', 'state'], 'busy', '#ffffff', '#0b0f17'],
    'circle-stroke-width': ['match', ['get', 'state'], 'busy', 1.4, 0.6],
  });
  map.setFilter('couriers', ['!=', ['get', 'state'], 'offline']);
  addPointLayer(map, 'orders', {
    'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 4, 13, 6, 16, 10],
    'circle-color': [
      'case',
      ['get', 'late'],
      COLORS.late,
      ['==', ['get', 'view'], 'assigned'],
      COLORS.assigned,
      COLORS.waiting,
    ],
    'circle-stroke-color': '#0b0f17',
    'circle-stroke-width': 2,
  });
  addPointLayer(map, 'selection', {
    'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 9, 16, 16],
    'circle-color': 'rgba(0,0,0,0)',
    'circle-stroke-color': COLORS.selected,
    'circle-stroke-width': 2.5,
  });
}

export function isWaiting(order: OpsOrder): boolean {
  return order.status === 'created' || order.status === 'dispatching';
}

/** Draws every non-offline courier; returns how many points the source holds. */
export function drawCouriers({ map }: CityMapHandle, couriers: Iterable<OpsCourier>): number {
  const items: PointItem[] = [];
  for (const c of couriers) {
    if (c.state === 'offline') continue;
    items.push({ id: c.id, lat: c.lat, lng: c.lng, kind: c.kind, state: c.state });
  }
  setPoints(map, 'couriers', items);
  return items.length;
}

export function drawOrders({ map }: CityMapHandle, orders: readonly OpsOrder[]): void {
  setPoints(
    map,
    'orders',
    orders.map((o) => ({
      id: o.id,
      lat: o.pickup.lat,
      lng: o.pickup.lng,
      late: o.late,
      view: isWaiting(o) ? 'waiting' : 'assigned',
    })),
  );
}

export function drawHeat({ map }: CityMapHandle, heat: readonly HeatCell[]): void {
  setHexagons(
    map,
    'heat',
    heat.map((h) => ({ cell: h.cell, pressure: h.waiting_orders - h.idle_couriers })),
  );
}

/** Rings around the selected order's pickup and courier, and a line from pickup to drop-off. */
export function drawSelection(
  { map }: CityMapHandle,
  order: OpsOrder | null,
  courier: OpsCourier | null,
): void {
  const points: PointItem[] = [];
  if (order) points.push({ lat: order.pickup.lat, lng: order.pickup.lng });
  if (courier) points.push({ lat: courier.lat, lng: courier.lng });
  setPoints(map, 'selection', points);
  setGeoJson(map, 'selection-route', {
    type: 'FeatureCollection',
    features: order
      ? [
          {
            type: 'Feature',
            properties: {},
            geometry: {
              type: 'LineString',
              coordinates: [
                ...(courier ? [[courier.lng, courier.lat]] : []),
                [order.pickup.lng, order.pickup.lat],
                [order.dropoff.lng, order.dropoff.lat],
              ],
            },
          },
        ]
      : [],
  });
}

export function showLayer({ map }: CityMapHandle, layer: LayerName, visible: boolean): void {
  setLayerVisible(map, layer, visible);
}
