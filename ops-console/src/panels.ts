import { formatDuration } from '@o2o/web-common/api';
import { h } from './dom.js';
import { COLORS, isWaiting } from './map-layers.js';
import type { Alert, DeadWebhook, Kpis, OpsCourier, OpsOrder } from './types.js';

export type OrderTab = 'waiting' | 'late' | 'assigned';

const shortId = (id: string) => id.slice(0, 8);
const percent = (rate: number | null) => (rate === null ? '–' : `${Math.round(rate * 100)} %`);
const seconds = (s: number | null) => (s === null ? '–' : formatDuration(s));

/** Great-circle distance, meters (haversine). */
export function distanceMeters(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(s));
}

function kpi(id: string, label: string, value: string, tone = '', title = label): HTMLElement {
  return h(
    'div',
    { class: `kpi ${tone}`, id: `kpi-${id}`, title },
    h('span', {}, label),
    h('strong', {}, value),
  );
}

export function renderKpis(kpis: Kpis | null, couriers: Iterable<OpsCourier>): HTMLElement[] {
  let idle = 0;
  let busy = 0;
  for (const c of couriers) {
    if (c.state === 'idle') idle++;
    else if (c.state === 'busy') busy++;
  }
  const k = kpis;
  return [
    kpi('waiting', 'Waiting', k ? String(k.waiting_orders) : '–', k && k.waiting_orders > 0 ? 'warn' : ''),
    kpi(
      'oldest',
      'Oldest wait',
      seconds(k?.oldest_wait_seconds ?? null),
      k && k.late_orders > 0 ? 'danger' : '',
    ),
    kpi(
      'acceptance',
      'Accept 1 h',
      percent(k?.acceptance_rate ?? null),
      '',
      'Accepted share of decided offers, last hour',
    ),
    kpi(
      'cycle',
      'Cycle time',
      seconds(k?.cycle_time_seconds ?? null),
      '',
      'Median creation to delivery, last hour',
    ),
    kpi(
      'assign',
      'To assign',
      seconds(k?.assign_time_seconds ?? null),
      '',
      'Median creation to assignment, last hour',
    ),
    kpi('couriers', 'Idle / busy', `${idle} / ${busy}`),
  ];
}

export function ordersForTab(orders: readonly OpsOrder[], tab: OrderTab): OpsOrder[] {
  if (tab === 'late') return orders.filter((o) => o.late);
  if (tab === 'waiting') return orders.filter(isWaiting);
  return orders.filter((o) => !isWaiting(o));
}

function statusBadge(o: OpsOrder): HTMLElement {
  if (o.late) return h('span', { class: 'badge danger' }, 'late');
  if (isWaiting(o)) return h('span', { class: 'badge warning' }, 'waiting');
  return h('span', { class: 'badge success' }, o.status.replace('_', ' '));
}

export function renderOrderList(
  orders: readonly OpsOrder[],
  selectedId: string | null,
  onSelect: (id: string) => void,
): HTMLElement {
  if (orders.length === 0) return h('p', { class: 'muted empty' }, 'Nothing here right now.');
  const shown = orders.slice(0, 150);
  return h(
    'ul',
    { class: 'order-list' },
    shown.map((o) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            class: `order-item${o.id === selectedId ? ' selected' : ''}`,
            'data-order-id': o.id,
            onclick: () => onSelect(o.id),
          },
          h('span', {
            class: 'dot',
            style: `background:${o.late ? COLORS.late : isWaiting(o) ? COLORS.waiting : COLORS.assigned}`,
          }),
          h(
            'span',
            { class: 'order-main' },
            h('strong', {}, o.store_name),
            h('small', {}, `${o.external_id} · ${o.dropoff.address ?? shortId(o.id)}`),
          ),
          h('span', { class: 'order-side' }, statusBadge(o), h('small', {}, formatDuration(o.wait_seconds))),
        ),
      ),
    ),
    orders.length > shown.length
      ? h('li', { class: 'muted more' }, `+ ${orders.length - shown.length} more`)
      : null,
  );
}

export interface SelectedOrderActions {
  assign: (courierId: string) => void;
  cancel: () => void;
  close: () => void;
}

/** The selected order: details, the nearest couriers with room, assign / reassign and cancel. */
export function renderSelectedOrder(
  order: OpsOrder,
  couriers: Iterable<OpsCourier>,
  busy: boolean,
  actions: SelectedOrderActions,
): HTMLElement {
  const all = [...couriers];
  const assigned = all.find((c) => c.id === order.courier_id);
  const nearest = all
    .filter((c) => c.state !== 'offline' && c.load < c.capacity && c.id !== order.courier_id)
    .map((c) => ({ c, meters: distanceMeters(order.pickup, c) }))
    .sort((a, b) => a.meters - b.meters)
    .slice(0, 6);
  const waiting = isWaiting(order);
  return h(
    'section',
    { class: 'card selected-order', id: 'selected-order', 'data-order-id': order.id },
    h(
      'div',
      { class: 'row' },
      h('h3', {}, order.store_name),
      statusBadge(order),
      h('span', { class: 'spacer' }),
      h('button', { class: 'btn secondary small icon', 'aria-label': 'Close', onclick: actions.close }, '✕'),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Order'),
      h('dd', { class: 'mono' }, `${order.external_id} (${shortId(order.id)})`),
      h('dt', {}, 'Pickup'),
      h('dd', {}, order.pickup.address ?? `${order.pickup.lat.toFixed(4)}, ${order.pickup.lng.toFixed(4)}`),
      h('dt', {}, 'Drop-off'),
      h(
        'dd',
        {},
        order.dropoff.address ?? `${order.dropoff.lat.toFixed(4)}, ${order.dropoff.lng.toFixed(4)}`,
      ),
      h('dt', {}, 'Age'),
      h('dd', {}, formatDuration(order.wait_seconds)),
      h('dt', {}, 'Courier'),
      h('dd', {}, order.courier_id ? (assigned?.name ?? shortId(order.courier_id)) : 'none yet'),
    ),
    h('h3', { class: 'subhead' }, waiting ? 'Assign to a nearby courier' : 'Reassign to another courier'),
    nearest.length === 0
      ? h('p', { class: 'muted' }, 'No courier with room is online.')
      : h(
          'ul',
          { class: 'courier-list' },
          nearest.map(({ c, meters }) =>
            h(
              'li',
              { class: 'courier-item' },
              h('span', {
                class: 'dot',
                style: `background:${c.kind === 'in_house' ? COLORS.inHouse : COLORS.crowd}`,
              }),
              h(
                'span',
                { class: 'order-main' },
                h('strong', {}, c.name || shortId(c.id)),
                h(
                  'small',
                  {},
                  `${(meters / 1000).toFixed(1)} km · ${c.kind === 'in_house' ? 'in-house' : 'crowd'} · ${c.vehicle} · ${c.state} ${c.load}/${c.capacity}${c.rating_count > 0 && c.rating_avg !== null ? ` · ★ ${c.rating_avg.toFixed(1)} (${c.rating_count})` : ''}`,
                ),
              ),
              h(
                'button',
                {
                  class: 'btn small',
                  'data-assign-courier': c.id,
                  disabled: busy,
                  onclick: () => actions.assign(c.id),
                },
                waiting ? 'Assign' : 'Reassign',
              ),
            ),
          ),
        ),
    h(
      'div',
      { class: 'row actions' },
      h(
        'button',
        { class: 'btn danger small', id: 'cancel-order', disabled: busy, onclick: actions.cancel },
        'Cancel order',
      ),
    ),
  );
}

export function renderAlerts(alerts: readonly Alert[], dead: readonly DeadWebhook[]): HTMLElement {
  if (alerts.length === 0 && dead.length === 0)
    return h('p', { class: 'muted empty' }, 'No open alerts. All quiet.');
  return h(
    'ul',
    { class: 'alert-list' },
    alerts
      .slice(0, 30)
      .map((a) =>
        h(
          'li',
          { class: 'alert' },
          h('span', { class: 'badge danger' }, a.kind.replaceAll('_', ' ')),
          h(
            'small',
            {},
            `order ${a.order_id ? shortId(a.order_id) : '–'} · ${new Date(a.created_at).toLocaleTimeString()}`,
          ),
        ),
      ),
    dead.length > 0
      ? h(
          'li',
          { class: 'alert' },
          h('span', { class: 'badge warning' }, 'webhooks'),
          h('small', {}, `${dead.length} dead-lettered webhook event${dead.length === 1 ? '' : 's'}`),
        )
      : null,
  );
}
