import { createCityMap, maplibregl } from '@o2o/web-common/map';

type Marker = InstanceType<typeof maplibregl.Marker>;
interface LatLng {
  lat: number;
  lng: number;
}

const markerElement = (className: string, text = '') => {
  const el = document.createElement('div');
  el.className = `marker ${className}`;
  el.textContent = text;
  return el;
};

/**
 * The customer's map: the store, their door and, only while the server sends a position, the
 * courier, who glides from one position to the next. Refits when the courier appears.
 */
export class TrackingMap {
  private courier: Marker | null = null;
  private glide: number | null = null;

  private constructor(
    private readonly map: maplibregl.Map,
    private readonly store: LatLng,
    private readonly door: LatLng,
  ) {
    new maplibregl.Marker({ element: markerElement('store', 'S') }).setLngLat(store).addTo(map);
    new maplibregl.Marker({ element: markerElement('door', '⌂') }).setLngLat(door).addTo(map);
    this.fit();
  }

  /** The map, or null when it cannot be drawn here (no WebGL): the page works without. */
  static async create(container: HTMLElement, store: LatLng, door: LatLng): Promise<TrackingMap | null> {
    try {
      const { map } = await createCityMap(container, {
        theme: 'light',
        center: door,
        zoom: 14,
        interactive: true,
      });
      return new TrackingMap(map, store, door);
    } catch {
      return null;
    }
  }

  setCourier(at: LatLng | null): void {
    if (!at) {
      this.courier?.remove();
      this.courier = null;
      return;
    }
    if (!this.courier) {
      this.courier = new maplibregl.Marker({ element: markerElement('courier') })
        .setLngLat(at)
        .addTo(this.map);
      this.fit();
      return;
    }
    // Glide over a second, the usual gap between two positions.
    const from = this.courier.getLngLat();
    const started = performance.now();
    if (this.glide !== null) cancelAnimationFrame(this.glide);
    const step = (now: number) => {
      const f = Math.min(1, (now - started) / 900);
      this.courier?.setLngLat({
        lng: from.lng + (at.lng - from.lng) * f,
        lat: from.lat + (at.lat - from.lat) * f,
      });
      this.glide = f < 1 ? requestAnimationFrame(step) : null;
    };
    this.glide = requestAnimationFrame(step);
    if (!this.map.getBounds().contains(at)) this.fit(at);
  }

  private fit(extra?: LatLng): void {
    const bounds = new maplibregl.LngLatBounds(this.store, this.store).extend(this.door);
    const courier = extra ?? this.courier?.getLngLat();
    if (courier) bounds.extend(courier);
    this.map.fitBounds(bounds, { padding: 48, maxZoom: 16, duration: 0 });
  }
}
