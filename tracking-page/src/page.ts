import type { OrderStatus, TrackingSnapshot, TrackUpdate } from '@o2o/domain';
import { ApiError, apiFetch } from '@o2o/web-common/api';
import { connectNamespace } from '@o2o/web-common/socket';
import type { TrackingMap } from './map-view.js';
import {
  etaChip,
  headline,
  noticeCard,
  type PageState,
  placesCard,
  ratingCard,
  timelineCard,
} from './views.js';

const FINAL = new Set<OrderStatus>(['delivered', 'canceled', 'failed']);
/** Status changes are not pushed on their own: the snapshot is fetched again this often. */
const REFRESH_MS = 4000;

/**
 * The tracking page: a REST snapshot (timeline, store, drop-off, rating) plus the `/track` socket
 * (courier position and ETA, live). The token is the last segment of `/track/<token>`.
 */
export class TrackingPage {
  private state: PageState = 'loading';
  private snapshot: TrackingSnapshot | null = null;
  private live: TrackUpdate | null = null;
  private map: TrackingMap | null = null;
  private mapLoading = false;
  private stars = 0;
  private ratingError: string | null = null;
  private sending = false;
  private refreshTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly token: string | null,
  ) {
    root.addEventListener('click', (e) => this.onClick(e));
    root.addEventListener('submit', (e) => void this.onSubmit(e));
  }

  start(): void {
    if (!this.token) {
      this.fail('invalid');
      return;
    }
    const socket = connectNamespace('/track', this.token, {
      onState: (state, detail) => {
        if (state === 'refused') this.fail('invalid');
        else if (detail === 'link_expired') {
          socket.disconnect();
          this.fail('expired');
        }
      },
    });
    socket.on('status', (update: TrackUpdate) => this.onUpdate(update));
    void this.refresh();
    this.refreshTimer = setInterval(() => void this.refresh(), REFRESH_MS);
    // The ETA's "in N min" ages: redraw it every 15 s even without news.
    setInterval(() => this.renderEta(), 15_000);
  }

  private async refresh(): Promise<void> {
    if (!this.token || this.state === 'expired' || this.state === 'invalid') return;
    try {
      const snapshot = await apiFetch<TrackingSnapshot>(`/v1/track/${encodeURIComponent(this.token)}`);
      // Two reads can answer in the opposite order: never step back to an older version.
      if (this.snapshot && snapshot.version < this.snapshot.version) return;
      this.snapshot = snapshot;
      this.state = 'live';
      // The socket's update of the same version has a fresher position; a newer one wins outright.
      if (!this.live || snapshot.version > this.live.version) {
        this.live = {
          order_id: snapshot.order_id,
          status: snapshot.status,
          version: snapshot.version,
          courier: snapshot.courier,
          eta_ms: snapshot.eta_ms,
          ...(this.live?.distance_m !== undefined && snapshot.courier
            ? { distance_m: this.live.distance_m }
            : {}),
        };
      }
      if (FINAL.has(snapshot.status)) clearInterval(this.refreshTimer);
      this.render();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404)
        this.fail(err.detail?.includes('expired') ? 'expired' : 'invalid');
    }
  }

  /** What the `/track` socket sends: on connection, after each change and each courier position. */
  private onUpdate(update: TrackUpdate): void {
    if (this.live && update.version < this.live.version) return; // read before one already shown
    const changed = this.snapshot && this.snapshot.version < update.version;
    this.live = update;
    if (changed) void this.refresh();
    this.render();
  }

  private fail(state: 'expired' | 'invalid'): void {
    this.state = state;
    clearInterval(this.refreshTimer);
    this.render();
  }

  private onClick(e: Event): void {
    const star = (e.target as HTMLElement).closest<HTMLElement>('[data-stars]');
    if (!star) return;
    this.stars = Number(star.dataset.stars);
    const form = this.root.querySelector<HTMLFormElement>('#rating form');
    for (const b of form?.querySelectorAll<HTMLElement>('[data-stars]') ?? [])
      b.classList.toggle('on', Number(b.dataset.stars) <= this.stars);
    form?.querySelector<HTMLButtonElement>('button[type=submit]')?.removeAttribute('disabled');
  }

  private async onSubmit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    if (!this.token || this.stars === 0 || this.sending) return;
    const comment = String(new FormData(e.target as HTMLFormElement).get('comment') ?? '').trim();
    this.sending = true;
    try {
      const rating = await apiFetch<NonNullable<TrackingSnapshot['rating']>>(
        `/v1/track/${encodeURIComponent(this.token)}/rating`,
        { body: { stars: this.stars, ...(comment ? { comment } : {}) } },
      );
      if (this.snapshot) this.snapshot = { ...this.snapshot, rating, can_rate: false };
      this.ratingError = null;
    } catch (err) {
      this.ratingError = err instanceof ApiError ? (err.detail ?? err.title) : 'Could not send; try again';
      if (err instanceof ApiError && err.status === 409) void this.refresh();
    } finally {
      this.sending = false;
    }
    this.renderRating(true);
  }

  // ── drawing ───────────────────────────────────────────────────────────

  private render(): void {
    const s = this.snapshot;
    const status = this.live?.status ?? s?.status ?? null;
    const { title, sub } = headline(status, this.state);
    const hero = this.root.querySelector<HTMLElement>('#hero')!;
    hero.dataset.status = this.state === 'live' ? (status ?? '') : this.state;
    this.root.querySelector('#headline')!.textContent = title;
    this.root.querySelector('#subline')!.textContent = sub;
    this.renderEta();
    const usable = this.state === 'live' && s !== null;
    this.root.querySelector<HTMLElement>('#map-wrap')!.hidden = !usable;
    this.root.querySelector('#places')!.innerHTML = usable ? placesCard(s) : noticeCard(this.state);
    this.root.querySelector('#timeline')!.innerHTML = usable
      ? timelineCard({ ...s, status: status ?? s.status })
      : '';
    this.renderRating(false);
    if (usable) void this.ensureMap(s);
    this.map?.setCourier(this.live?.courier ?? null);
  }

  private renderEta(): void {
    const live = this.live;
    const visible = this.state === 'live' && live && !FINAL.has(live.status);
    this.root.querySelector('#eta')!.innerHTML = visible ? etaChip(live.eta_ms, live.distance_m ?? null) : '';
  }

  private renderRating(force: boolean): void {
    const el = this.root.querySelector<HTMLElement>('#rating')!;
    const s = this.snapshot;
    if (!s || this.state !== 'live') {
      el.innerHTML = '';
      return;
    }
    // Keep a half-typed comment: redraw the form only when asked, or when it is not there yet.
    const html = ratingCard(s, this.stars, this.ratingError, this.sending);
    if (force || !el.querySelector('form') || !s.can_rate) el.innerHTML = html;
  }

  private async ensureMap(s: TrackingSnapshot): Promise<void> {
    if (this.map || this.mapLoading) return;
    this.mapLoading = true;
    const el = this.root.querySelector<HTMLElement>('#map')!;
    const { TrackingMap } = await import('./map-view.js');
    this.map = await TrackingMap.create(el, s.store, s.dropoff);
    el.classList.toggle('unavailable', this.map === null);
    this.map?.setCourier(this.live?.courier ?? null);
  }
}
