import { createCityMap, maplibregl, setGeoJson } from '@o2o/web-common/map';
import type { LatLng } from './geo.js';

type Marker = InstanceType<typeof maplibregl.Marker>;

export interface MapStops {
  pickup: LatLng | null;
  dropoffs: LatLng[];
  /** Where the courier heads now: a dashed line is drawn to it. */
  target: LatLng | null;
}

const markerElement = (className: string, text = '') => {
  const el = document.createElement('div');
  el.className = `marker ${className}`;
  el.textContent = text;
  return el;
};

/**
 * The courier's map: the offline city (web-common), the courier's own position, the store and
 * the drop-offs of the offer or job at hand, and a line to the next stop. Refits when the stops
 * change; keeps the courier in view while riding.
 */
export class CourierMap {
  private courier: Marker | null = null;
  private stopMarkers: Marker[] = [];
  private here: LatLng | null = null;
  private stops: MapStops = { pickup: null, dropoffs: [], target: null };
  private stopsKey = '';

  private constructor(private readonly map: maplibregl.Map) {
    map.addLayer({
      id: 'route',
      type: 'line',
      source: setRouteSource(map),
      layout: { 'line-cap': 'round' },
      paint: { 'line-color': '#4f46e5', 'line-width': 4, 'line-dasharray': [1, 2], 'line-opacity': 0.85 },
    });
  }

  /** The map, or null when it cannot be drawn here (no WebGL, city not served): the app works without. */
  static async create(container: HTMLElement): Promise<CourierMap | null> {
    try {
      const { map } = await createCityMap(container, { theme: 'light', zoom: 14 });
      return new CourierMap(map);
    } catch {
      return null;
    }
  }

  setCourier(here: LatLng): void {
    const first = this.here === null;
    this.here = here;
    this.courier ??= new maplibregl.Marker({ element: markerElement('courier') })
      .setLngLat(here)
      .addTo(this.map);
    this.courier.setLngLat(here);
    this.drawRoute();
    if (first) this.fit();
    else if (!this.map.getBounds().contains(here)) this.map.easeTo({ center: here, duration: 600 });
  }

  setStops(stops: MapStops): void {
    this.stops = stops;
    const key = JSON.stringify([stops.pickup, stops.dropoffs]);
    this.drawRoute();
    if (key === this.stopsKey) return;
    this.stopsKey = key;
    for (const m of this.stopMarkers) m.remove();
    this.stopMarkers = [];
    if (stops.pickup)
      this.stopMarkers.push(
        new maplibregl.Marker({ element: markerElement('store', 'P') })
          .setLngLat(stops.pickup)
          .addTo(this.map),
      );
    stops.dropoffs.forEach((d, i) => {
      const label = stops.dropoffs.length > 1 ? String(i + 1) : 'D';
      this.stopMarkers.push(
        new maplibregl.Marker({ element: markerElement('door', label) }).setLngLat(d).addTo(this.map),
      );
    });
    this.fit();
  }

  /** Shows the courier and every stop. */
  fit(): void {
    const points = [this.here, this.stops.pickup, ...this.stops.dropoffs].filter((p): p is LatLng => !!p);
    const [first] = points;
    if (!first) return;
    if (points.length === 1) return void this.map.jumpTo({ center: first, zoom: 14 });
    const bounds = new maplibregl.LngLatBounds(first, first);
    for (const p of points) bounds.extend(p);
    this.map.fitBounds(bounds, {
      padding: { top: 56, bottom: 40, left: 40, right: 40 },
      maxZoom: 16,
      duration: 0,
    });
  }

  resize(): void {
    this.map.resize();
  }

  private drawRoute(): void {
    const { target } = this.stops;
    const line = this.here && target ? [this.here, target] : [];
    setGeoJson(this.map, 'route', {
      type: 'FeatureCollection',
      features: line.length
        ? [
            {
              type: 'Feature',
              properties: {},
              geometry: { type: 'LineString', coordinates: line.map((p) => [p.lng, p.lat]) },
            },
          ]
        : [],
    });
  }
}

function setRouteSource(map: maplibregl.Map): string {
  setGeoJson(map, 'route', { type: 'FeatureCollection', features: [] });
  return 'route';
}
