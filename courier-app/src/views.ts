import type { Offer } from '@o2o/domain';
import { formatMoney } from './earnings.js';
import { formatDistance, haversineMeters, type LatLng } from './geo.js';
import type { JobOrder, LinkState } from './live-link.js';

/** Escapes text for HTML: addresses and names come from stores and customers. */
export function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const place = (p: { lat: number; lng: number; address?: string }) =>
  p.address ? esc(p.address) : `${p.lat.toFixed(4)}, ${p.lng.toFixed(4)}`;

const away = (from: LatLng | null, to: LatLng) =>
  from ? `<span class="dist">${formatDistance(haversineMeters(from, to))}</span>` : '';

export function linkPill(link: LinkState, queued: number): string {
  const text = link === 'connected' ? 'Live' : link === 'connecting' ? 'Connecting…' : 'No network';
  const kind = link === 'connected' ? 'success' : link === 'connecting' ? 'info' : 'warning';
  const queue = queued > 0 ? ` · ${queued} queued` : '';
  return `<span class="badge ${kind}" data-testid="link"><span class="dot"></span>${text}${queue}</span>`;
}

export interface ShiftView {
  name: string;
  online: boolean;
  busy: boolean;
  goingOnline: boolean;
  source: string;
  earningsCents: number;
  deliveries: number;
  waiting: boolean;
}

export function shiftCard(v: ShiftView): string {
  const state = v.goingOnline ? 'Getting your position…' : v.online ? 'You are online' : 'You are offline';
  const hint = v.online
    ? v.busy
      ? 'Finish your job; new offers may come in'
      : 'Offers will appear here'
    : 'Go online to receive offers';
  return `
    <div class="card shift ${v.online ? 'is-online' : ''}">
      <div class="row">
        <div class="shift-text">
          <small>Hi ${esc(v.name)}</small>
          <strong data-testid="shift-state">${state}</strong>
          <small>${hint}</small>
        </div>
        <span class="spacer"></span>
        <button class="switch" role="switch" aria-checked="${v.online}" data-action="toggle-online"
          ${v.goingOnline ? 'disabled' : ''} aria-label="${v.online ? 'Go offline' : 'Go online'}">
          <span></span>
        </button>
      </div>
      <div class="stats">
        <div><b class="value" data-testid="earnings">${formatMoney(v.earningsCents)}</b><small>earned today</small></div>
        <div><b class="value">${v.deliveries}</b><small>deliveries</small></div>
        <div><b class="value">${esc(v.source)}</b><small>position</small></div>
      </div>
      ${v.waiting ? '<div class="waiting"><span class="radar"></span>Waiting for offers nearby…</div>' : ''}
    </div>`;
}

/**
 * What an offer card shows that can change while it is open (the countdown is updated in place):
 * the card is redrawn only when this changes.
 */
export function offerCardKey(offer: Offer, here: LatLng | null): string {
  return `${offer.offer_id}|${here ? formatDistance(haversineMeters(here, offer.pickup)) : ''}`;
}

/** Only an offer that just arrived slides in; redrawing an older card must not move its buttons. */
const FRESH_OFFER_MS = 400;

export function offerCard(offer: Offer, here: LatLng | null, receivedAtMs: number): string {
  const stops = offer.dropoffs
    .map(
      (d, i) => `
      <li class="stop dropoff"><span class="pin-icon">${offer.dropoffs.length > 1 ? i + 1 : 'D'}</span>
        <div><small>Drop-off</small><div>${place(d)}</div></div>${away(offer.pickup, d)}</li>`,
    )
    .join('');
  return `
    <div class="card offer${Date.now() - receivedAtMs < FRESH_OFFER_MS ? ' fresh' : ''}" data-testid="offer" data-offer-id="${esc(offer.offer_id)}">
      <div class="row">
        <span class="badge info">New offer${offer.order_ids.length > 1 ? ` · ${offer.order_ids.length} orders` : ''}</span>
        <span class="spacer"></span>
        <span class="countdown" data-expires="${offer.expires_at_ms}" data-received="${receivedAtMs}">
          ${countdownText(offer.expires_at_ms)}</span>
      </div>
      <div class="timebar"><span class="left" style="width:${countdownPercent(offer.expires_at_ms, receivedAtMs)}%"></span></div>
      <div class="pay" data-testid="offer-pay">${formatMoney(offer.pay_cents)}</div>
      <ol class="route">
        <li class="stop pickup"><span class="pin-icon">P</span>
          <div><small>Pickup</small><div>${place(offer.pickup)}</div></div>${away(here, offer.pickup)}</li>
        ${stops}
      </ol>
      <div class="row actions">
        <button class="btn secondary" data-action="decline">Decline</button>
        <button class="btn success" data-action="accept">Accept</button>
      </div>
    </div>`;
}

export const countdownText = (expiresAtMs: number) =>
  `${Math.max(0, Math.ceil((expiresAtMs - Date.now()) / 1000))} s`;

export function countdownPercent(expiresAtMs: number, receivedAtMs: number): number {
  const total = Math.max(1, expiresAtMs - receivedAtMs);
  return Math.max(0, Math.min(100, ((expiresAtMs - Date.now()) / total) * 100));
}

const STEPS = [
  { status: 'at_pickup', label: 'At store' },
  { status: 'picked_up', label: 'Picked up' },
  { status: 'at_dropoff', label: 'At customer' },
  { status: 'delivered', label: 'Delivered' },
] as const;

const NEXT: Record<string, { step: string; label: string } | undefined> = {
  assigned: { step: 'at_pickup', label: 'I’m at the store' },
  at_pickup: { step: 'picked_up', label: 'Order picked up' },
  picked_up: { step: 'at_dropoff', label: 'I’m at the customer' },
};

export interface JobView {
  job: JobOrder;
  /** The status the courier reached (queued steps included). */
  status: string;
  queued: boolean;
  pinError: string | null;
}

export function jobCard(v: JobView, here: LatLng | null): string {
  const { job, status } = v;
  const done = STEPS.findIndex((s) => s.status === status);
  const beforePickup = status === 'assigned' || status === 'at_pickup';
  const target = beforePickup ? job.pickup : job.dropoff;
  const steps = STEPS.map(
    (s, i) =>
      `<li class="${i <= done ? 'done' : i === done + 1 ? 'current' : ''}"><span class="bar"></span>${s.label}</li>`,
  ).join('');
  const next = NEXT[status];
  const action =
    status === 'at_dropoff'
      ? `<form class="pin-form" data-action="deliver" data-order-id="${esc(job.order_id)}">
           <label for="pin-${esc(job.order_id)}">Customer’s 4-digit PIN</label>
           <div class="row">
             <input id="pin-${esc(job.order_id)}" name="pin" class="pin-input ${v.pinError ? 'invalid' : ''}"
               inputmode="numeric" pattern="[0-9]{4}" maxlength="4" autocomplete="off" required placeholder="••••"
               data-testid="pin" />
             <button class="btn success" type="submit">Hand over</button>
           </div>
           ${v.pinError ? `<p class="error" role="alert" data-testid="pin-error">${esc(v.pinError)}</p>` : ''}
         </form>`
      : status === 'delivered'
        ? '<p class="muted">Delivery saved on this phone; it is confirmed when the network is back.</p>'
        : next
          ? `<button class="btn block" data-action="step" data-step="${next.step}"
               data-order-id="${esc(job.order_id)}">${next.label}</button>`
          : '';
  return `
    <div class="card job" data-testid="job" data-status="${esc(status)}">
      <div class="row">
        <div><small>${beforePickup ? 'Pick up for' : 'Deliver to'}</small><h2>${esc(job.customer_name)}</h2></div>
        <span class="spacer"></span>
        ${v.queued ? '<span class="badge warning" data-testid="queued">Saved offline</span>' : ''}
      </div>
      <ol class="steps">${steps}</ol>
      <div class="target ${beforePickup ? 'pickup' : 'dropoff'}">
        <span class="pin-icon">${beforePickup ? 'P' : 'D'}</span>
        <div><small>${beforePickup ? 'Store' : 'Customer'}</small><div>${place(target)}</div></div>
        ${away(here, target)}
      </div>
      ${action}
    </div>`;
}

export function loginForm(error: string | null, demo: boolean): string {
  return `
    <form class="card login stack" data-action="login">
      <div class="brand-mark">O2O</div>
      <h1>Courier sign-in</h1>
      <p class="muted">Use the account your fleet manager created for you.</p>
      <label>Email <input name="email" type="email" autocomplete="username" required /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      ${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
      <button class="btn block" type="submit">Sign in</button>
      ${demo ? '<p class="muted demo-note">Demo mode: your position follows a simulated ride.</p>' : ''}
    </form>`;
}
