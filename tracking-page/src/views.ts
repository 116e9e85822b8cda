import type { OrderStatus, TrackingSnapshot } from '@o2o/domain';

/** Escapes text for HTML: names and addresses come from stores and customers. */
export function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export type PageState = 'loading' | 'live' | 'expired' | 'invalid';

/** The big line at the top, for each status. */
export function headline(status: OrderStatus | null, state: PageState): { title: string; sub: string } {
  if (state === 'expired')
    return { title: 'This link has expired', sub: 'Tracking links work for a while after delivery.' };
  if (state === 'invalid')
    return { title: 'This link is not valid', sub: 'Check the link you received with your order.' };
  switch (status) {
    case 'created':
    case 'dispatching':
      return {
        title: 'Looking for a courier',
        sub: 'The store has your order; we are finding the nearest courier.',
      };
    case 'assigned':
      return {
        title: 'A courier is on the way to the store',
        sub: 'They pick up your order, then ride to you.',
      };
    case 'at_pickup':
      return { title: 'Your courier is at the store', sub: 'Your order is being handed over.' };
    case 'picked_up':
      return { title: 'Your order is on its way', sub: 'Have your 4-digit PIN ready for the handover.' };
    case 'at_dropoff':
      return { title: 'Your courier has arrived', sub: 'Tell them your 4-digit PIN to receive the order.' };
    case 'delivered':
      return { title: 'Delivered', sub: 'Enjoy! Thanks for ordering.' };
    case 'canceled':
      return { title: 'This order was canceled', sub: 'The store will get in touch if anything is needed.' };
    case 'failed':
      return { title: 'The delivery did not succeed', sub: 'The store will get in touch with you.' };
    default:
      return { title: 'Loading your order…', sub: '' };
  }
}

export function etaChip(etaMs: number | null, distanceM: number | null): string {
  if (etaMs === null) return '';
  const minutes = Math.max(1, Math.round((etaMs - Date.now()) / 60_000));
  const at = new Date(etaMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const far =
    distanceM !== null
      ? ` · ${distanceM < 1000 ? `${Math.round(distanceM / 10) * 10} m` : `${(distanceM / 1000).toFixed(1)} km`} away`
      : '';
  return `<div class="eta" data-testid="eta"><b>${minutes} min</b><span>arriving around ${at}${far}</span></div>`;
}

const STEPS: { status: OrderStatus; label: string }[] = [
  { status: 'created', label: 'Order placed' },
  { status: 'assigned', label: 'Courier assigned' },
  { status: 'at_pickup', label: 'Courier at the store' },
  { status: 'picked_up', label: 'Picked up' },
  { status: 'at_dropoff', label: 'Courier at your door' },
  { status: 'delivered', label: 'Delivered' },
];
const RANK: Partial<Record<OrderStatus, number>> = {
  created: 0,
  dispatching: 0,
  assigned: 1,
  at_pickup: 2,
  picked_up: 3,
  at_dropoff: 4,
  delivered: 5,
};

export function timelineCard(s: TrackingSnapshot): string {
  const ended = s.status === 'canceled' || s.status === 'failed';
  const times = new Map<string, string>();
  for (const e of s.timeline) times.set(e.status, e.at); // the last time each status was reached
  // A canceled order stops where it was: the last step reached before the end.
  const reached = ended ? Math.max(0, ...s.timeline.map((e) => RANK[e.status] ?? 0)) : (RANK[s.status] ?? -1);
  const items = STEPS.map((step, i) => {
    const at = times.get(step.status);
    const cls = i <= reached ? 'done' : i === reached + 1 && !ended ? 'current' : '';
    return `<li class="${cls}"><span class="node"></span><div>${step.label}</div>
      <time>${at && i <= reached ? clock(at) : ''}</time></li>`;
  });
  if (ended) {
    const at = times.get(s.status);
    items.push(`<li class="ended"><span class="node"></span><div>${s.status === 'canceled' ? 'Canceled' : 'Failed'}</div>
      <time>${at ? clock(at) : ''}</time></li>`);
  }
  return `<div class="card"><h2>Progress</h2><ol class="timeline" data-testid="timeline">${items.join('')}</ol></div>`;
}

export function placesCard(s: TrackingSnapshot): string {
  return `
    <div class="card places">
      <div class="place"><span class="pin-icon store">S</span>
        <div><small>From</small><div><b>${esc(s.store.name)}</b></div>
        ${s.store.address ? `<div class="muted">${esc(s.store.address)}</div>` : ''}</div></div>
      <div class="place"><span class="pin-icon door">⌂</span>
        <div><small>To</small><div>${s.dropoff.address ? esc(s.dropoff.address) : 'Your address'}</div></div></div>
    </div>`;
}

export function ratingCard(
  s: TrackingSnapshot,
  stars: number,
  error: string | null,
  sending: boolean,
): string {
  if (s.rating) {
    return `<div class="card rating done" data-testid="rated"><h2>Thanks for your rating</h2>
      <div class="stars static" aria-label="${s.rating.stars} of 5">${starIcons(s.rating.stars)}</div>
      ${s.rating.comment ? `<p class="muted">“${esc(s.rating.comment)}”</p>` : ''}</div>`;
  }
  if (!s.can_rate) return '';
  const buttons = [1, 2, 3, 4, 5]
    .map(
      (n) =>
        `<button type="button" class="star ${n <= stars ? 'on' : ''}" data-stars="${n}" aria-label="${n} star${n > 1 ? 's' : ''}">★</button>`,
    )
    .join('');
  return `
    <form class="card rating stack" data-testid="rating-form">
      <h2>How was your delivery?</h2>
      <div class="stars" role="radiogroup">${buttons}</div>
      <textarea name="comment" maxlength="500" rows="3" placeholder="Anything to add? (optional)"></textarea>
      ${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
      <button class="btn block" type="submit" ${stars === 0 || sending ? 'disabled' : ''}>Send rating</button>
    </form>`;
}

const starIcons = (n: number) =>
  [1, 2, 3, 4, 5].map((i) => `<span class="${i <= n ? 'on' : ''}">★</span>`).join('');

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** What to do about a link that does not work (or nothing while loading). */
export function noticeCard(state: PageState): string {
  if (state === 'expired')
    return `<div class="card notice" data-testid="notice"><span class="icon">i</span><div>
      <h2>Your order is complete</h2>
      <p class="muted">For privacy, live tracking stops a while after the delivery ends. If something is
      wrong with your order, please contact the store you ordered from.</p></div></div>`;
  if (state === 'invalid')
    return `<div class="card notice" data-testid="notice"><span class="icon">?</span><div>
      <h2>We could not find this delivery</h2>
      <p class="muted">Open the tracking link from your order confirmation again, or ask the store
      for a new one.</p></div></div>`;
  return '';
}
