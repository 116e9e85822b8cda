import { ApiError, apiFetch } from '@o2o/web-common/api';
import { type CityMapHandle, createCityMap, maplibregl } from '@o2o/web-common/map';
import { byId, h, toast } from './dom.js';
import { LiveData, type Topic } from './live-data.js';
import {
  addOpsLayers,
  COLORS,
  drawCouriers,
  drawHeat,
  drawOrders,
  drawSelection,
  type LayerName,
  showLayer,
} from './map-layers.js';
import {
  type OrderTab,
  ordersForTab,
  renderAlerts,
  renderKpis,
  renderOrderList,
  renderSelectedOrder,
} from './panels.js';
import type { Session } from './session.js';

/** The map is redrawn at most this often, ms: smooth with 10,000 couriers. */
const DRAW_EVERY_MS = 1000;

function layout(session: Session, onLogout: () => void): HTMLElement {
  const toggle = (layer: LayerName, label: string, color: string) =>
    h(
      'label',
      { class: 'toggle' },
      h('input', { type: 'checkbox', checked: true, 'data-layer': layer }),
      h('span', { class: 'dot', style: `background:${color}` }),
      label,
    );
  return h(
    'div',
    { class: 'console' },
    h(
      'aside',
      { class: 'sidebar' },
      h(
        'header',
        { class: 'brand row' },
        h('span', { class: 'logo' }, 'O2O'),
        h(
          'div',
          { class: 'stack tight' },
          h('strong', {}, 'Ops console'),
          h('small', { class: 'muted' }, session.operator.name),
        ),
        h('span', { class: 'spacer' }),
        h('span', { class: 'badge', id: 'connection' }, 'connecting'),
        h('button', { class: 'btn secondary small', id: 'logout', onclick: onLogout }, 'Log out'),
      ),
      h(
        'div',
        { class: 'regions' },
        session.operator.regions.map((r) => h('span', { class: 'chip' }, r)),
      ),
      h('div', { class: 'kpis', id: 'kpis' }),
      h('div', { id: 'selected' }),
      h(
        'section',
        { class: 'panel' },
        h(
          'div',
          { class: 'tabs', role: 'tablist' },
          (['waiting', 'late', 'assigned'] as const).map((tab) =>
            h(
              'button',
              { class: 'tab', role: 'tab', 'data-tab': tab },
              tab,
              h('span', { class: 'count', id: `count-${tab}` }, '0'),
            ),
          ),
        ),
        h('div', { id: 'orders' }),
      ),
      h('section', { class: 'panel' }, h('h3', {}, 'Alerts'), h('div', { id: 'alerts' })),
    ),
    h(
      'main',
      { class: 'map-wrap' },
      h('div', { id: 'map', class: 'map' }),
      h(
        'div',
        { class: 'overlay stats', id: 'map-stats' },
        h('strong', { id: 'stat-couriers', 'data-count': '0' }, '0'),
        h('span', {}, ' couriers on the map'),
        h('span', { class: 'sep' }),
        h('strong', { id: 'stat-orders' }, '0'),
        h('span', {}, ' open orders'),
      ),
      h(
        'div',
        { class: 'overlay legend' },
        toggle('couriers', 'Couriers', COLORS.crowd),
        h(
          'div',
          { class: 'legend-sub' },
          h('span', {}, h('span', { class: 'dot', style: `background:${COLORS.inHouse}` }), 'in-house'),
          h('span', {}, h('span', { class: 'dot', style: `background:${COLORS.crowd}` }), 'crowd'),
          h('span', {}, h('span', { class: 'dot ring' }), 'busy'),
        ),
        toggle('orders', 'Orders', COLORS.waiting),
        h(
          'div',
          { class: 'legend-sub' },
          h('span', {}, h('span', { class: 'dot', style: `background:${COLORS.waiting}` }), 'waiting'),
          h('span', {}, h('span', { class: 'dot', style: `background:${COLORS.late}` }), 'late'),
          h('span', {}, h('span', { class: 'dot', style: `background:${COLORS.assigned}` }), 'assigned'),
        ),
        toggle('heat', 'Supply / demand (H3)', '#f97316'),
        h(
          'div',
          { class: 'legend-sub gradient' },
          h('span', {}, 'idle couriers'),
          h('span', { class: 'bar' }),
          h('span', {}, 'waiting orders'),
        ),
      ),
    ),
  );
}

/** The live console: map, KPIs, orders, alerts, manual assign / reassign / cancel. */
export async function showConsole(root: HTMLElement, session: Session, onLogout: () => void): Promise<void> {
  let live: LiveData | null = null;
  const logout = () => {
    live?.stop();
    onLogout();
  };
  root.replaceChildren(layout(session, logout));
  let handle: CityMapHandle;
  try {
    handle = await createCityMap(byId('map'), { theme: 'dark' });
  } catch (err) {
    byId('map').replaceChildren(
      h(
        'div',
        { class: 'error map-error' },
        `The map could not load: ${err instanceof Error ? err.message : String(err)}`,
      ),
    );
    return;
  }
  const { map } = handle;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'bottom-right');
  addOpsLayers(handle);
  live = new LiveData(session.token, logout);
  const data = live;

  let tab: OrderTab = 'waiting';
  let selectedId: string | null = null;
  let acting = false;

  const selectedOrder = () => data.orders.find((o) => o.id === selectedId) ?? null;

  // Map drawing, throttled: positions arrive every second for thousands of couriers.
  let lastDrawMs = 0;
  let drawTimer: ReturnType<typeof setTimeout> | undefined;
  const drawMap = () => {
    drawTimer = undefined;
    lastDrawMs = performance.now();
    const count = drawCouriers(handle, data.couriers.values());
    const stat = byId('stat-couriers');
    stat.textContent = count.toLocaleString('en');
    stat.dataset.count = String(count);
    const order = selectedOrder();
    drawSelection(handle, order, order?.courier_id ? (data.couriers.get(order.courier_id) ?? null) : null);
  };
  const scheduleDraw = () => {
    if (drawTimer) return;
    const wait = Math.max(0, DRAW_EVERY_MS - (performance.now() - lastDrawMs));
    drawTimer = setTimeout(() => requestAnimationFrame(drawMap), wait);
  };

  const renderOrders = () => {
    for (const t of ['waiting', 'late', 'assigned'] as const) {
      byId(`count-${t}`).textContent = String(ordersForTab(data.orders, t).length);
      document.querySelector(`[data-tab="${t}"]`)?.classList.toggle('active', t === tab);
    }
    byId('orders').replaceChildren(renderOrderList(ordersForTab(data.orders, tab), selectedId, select));
    byId('stat-orders').textContent = String(data.orders.length);
  };

  const renderSelected = () => {
    const order = selectedOrder();
    const el = byId('selected');
    if (!order) {
      el.replaceChildren();
      return;
    }
    el.replaceChildren(
      renderSelectedOrder(order, data.couriers.values(), acting, {
        assign: (courierId) => {
          const name = data.couriers.get(courierId)?.name || courierId.slice(0, 8);
          void act(
            `/v1/ops/orders/${order.id}/assign`,
            { courier_id: courierId },
            `${order.external_id} assigned to ${name}`,
          );
        },
        cancel: () => {
          if (confirm(`Cancel order ${order.external_id}?`))
            void act(`/v1/ops/orders/${order.id}/cancel`, undefined, `${order.external_id} canceled`);
        },
        close: () => select(null),
      }),
    );
  };

  function select(id: string | null) {
    selectedId = id;
    const order = selectedOrder();
    if (order)
      map.easeTo({ center: [order.pickup.lng, order.pickup.lat], zoom: Math.max(map.getZoom(), 13.5) });
    renderOrders();
    renderSelected();
    drawMap();
  }

  async function act(path: string, body: unknown, done: string) {
    acting = true;
    renderSelected();
    try {
      await apiFetch<{ status: string; courier_id: string | null }>(path, {
        token: session.token,
        method: 'POST',
        ...(body !== undefined ? { body } : {}),
      });
      toast(done);
      data.refresh('orders', 'kpis', 'couriers', 'heat');
    } catch (err) {
      toast(err instanceof ApiError ? err.message : 'The action failed', 'error');
    } finally {
      acting = false;
      renderSelected();
    }
  }

  for (const button of root.querySelectorAll<HTMLButtonElement>('[data-tab]')) {
    button.addEventListener('click', () => {
      tab = button.dataset.tab as OrderTab;
      renderOrders();
    });
  }
  for (const input of root.querySelectorAll<HTMLInputElement>('[data-layer]')) {
    input.addEventListener('change', () =>
      showLayer(handle, input.dataset.layer as LayerName, input.checked),
    );
  }

  // Click an order to select it; click a courier for a short card.
  const popup = new maplibregl.Popup({ closeButton: false, offset: 10, className: 'ops-popup' });
  map.on('click', (e) => {
    const hits = map.queryRenderedFeatures(e.point, { layers: ['orders', 'couriers'] });
    const hit = hits[0];
    if (!hit) {
      popup.remove();
      return;
    }
    const id = String(hit.properties.id);
    if (hit.layer.id === 'orders') {
      popup.remove();
      select(id);
      return;
    }
    const c = data.couriers.get(id);
    if (!c) return;
    popup
      .setLngLat([c.lng, c.lat])
      .setDOMContent(
        h(
          'div',
          {},
          h('strong', {}, c.name || id.slice(0, 8)),
          h('div', {}, `${c.kind === 'in_house' ? 'In-house' : 'Crowd'} · ${c.vehicle}`),
          h('div', {}, `${c.state} · ${c.load}/${c.capacity} orders`),
        ),
      )
      .addTo(map);
  });
  for (const layer of ['orders', 'couriers']) {
    map.on('mouseenter', layer, () => {
      map.getCanvas().style.cursor = 'pointer';
    });
    map.on('mouseleave', layer, () => {
      map.getCanvas().style.cursor = '';
    });
  }

  data.on((topic: Topic) => {
    switch (topic) {
      case 'couriers':
      case 'positions':
        scheduleDraw();
        if (topic === 'couriers') {
          byId('kpis').replaceChildren(...renderKpis(data.kpis, data.couriers.values()));
          renderSelected();
        }
        return;
      case 'orders':
        drawOrders(handle, data.orders);
        renderOrders();
        renderSelected();
        scheduleDraw();
        return;
      case 'heat':
        drawHeat(handle, data.heat);
        return;
      case 'kpis':
        byId('kpis').replaceChildren(...renderKpis(data.kpis, data.couriers.values()));
        return;
      case 'alerts':
        byId('alerts').replaceChildren(renderAlerts(data.alerts, data.deadWebhooks));
        return;
      case 'connection': {
        const badge = byId('connection');
        badge.textContent = data.connection === 'connected' ? 'live' : data.connection;
        badge.className = `badge ${data.connection === 'connected' ? 'success' : data.connection === 'refused' ? 'danger' : 'warning'}`;
        return;
      }
    }
  });
  byId('kpis').replaceChildren(...renderKpis(null, []));
  renderOrders();
  byId('alerts').replaceChildren(renderAlerts([], []));
  data.start();
}
