import type { Offer } from '@o2o/domain';
import { ApiError, apiFetch } from '@o2o/web-common/api';
import { Earnings, formatMoney } from './earnings.js';
import type { LatLng } from './geo.js';
import { type JobOrder, type LinkState, LiveLink } from './live-link.js';
import type { CourierMap } from './map-view.js';
import { demoSource, type Fix, gpsSource, type PositionSource } from './position-source.js';
import { type JobStep, type QueuedStep, StepQueue } from './step-queue.js';
import { stored } from './storage.js';
import {
  countdownPercent,
  countdownText,
  jobCard,
  linkPill,
  loginForm,
  offerCard,
  offerCardKey,
  shiftCard,
} from './views.js';

interface Session {
  token: string;
  courier: { id: string; name: string; kind: string; vehicle: string };
}

interface LoginResult extends Session {}

/** Positions go out at most this often, whatever the GPS delivers. */
const LOCATION_INTERVAL_MS = 1000;

/**
 * The courier app: session, shift (online/offline), position stream, offers and the job's steps.
 * State lives here; `render` draws it into the page's sections, which hand clicks back through
 * `data-action` attributes.
 */
export class CourierApp {
  private readonly session = stored<Session | null>('session', null);
  private readonly shift = stored<{ online: boolean }>('shift', { online: false });
  private readonly queue = new StepQueue();
  private readonly earnings = new Earnings();
  private readonly source: PositionSource;
  private link: LiveLink | null = null;
  private linkState: LinkState = 'disconnected';
  private map: CourierMap | null = null;
  private mapLoading: Promise<void> | null = null;

  private here: Fix | null = null;
  private lastSentMs = 0;
  private sourceRunning = false;
  private goingOnline = false;
  private offers = new Map<string, { offer: Offer; receivedAtMs: number }>();
  private jobs = new Map<string, JobOrder>();
  private pinErrors = new Map<string, string>();
  /** Orders whose PIN field is emptied at the next drawing (after a wrong PIN). */
  private pinsToClear = new Set<string>();
  private loginError: string | null = null;
  private toastTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly demo: boolean,
  ) {
    this.source = demo ? demoSource(() => this.demoTarget()) : gpsSource();
    root.addEventListener('click', (e) => this.onClick(e));
    root.addEventListener('submit', (e) => this.onSubmit(e));
    setInterval(() => this.tick(), 250);
  }

  start(): void {
    const session = this.session.get();
    if (session) this.startSession(session);
    this.render();
  }

  // ── session ────────────────────────────────────────────────────────────

  private async login(email: string, password: string): Promise<void> {
    try {
      const result = await apiFetch<LoginResult>('/v1/auth/courier/login', { body: { email, password } });
      this.loginError = null;
      this.session.set({ token: result.token, courier: result.courier });
      this.startSession(this.session.get()!);
    } catch (err) {
      this.loginError =
        err instanceof ApiError && err.status === 401 ? 'Wrong email or password' : message(err);
    }
    this.render();
  }

  private startSession(session: Session): void {
    this.link = new LiveLink(session.token, {
      onState: (state) => {
        this.linkState = state;
        this.renderTopbar();
      },
      onConnected: () => void this.onConnected(),
      onOffer: (offer) => {
        this.offers.set(offer.offer_id, { offer, receivedAtMs: Date.now() });
        navigator.vibrate?.(200);
        this.render();
      },
      onOfferRevoked: (offerId) => {
        if (this.offers.delete(offerId)) this.toast('The offer was withdrawn');
        this.render();
      },
      onJob: (orders) => {
        for (const o of orders) this.jobs.set(o.order_id, { ...this.jobs.get(o.order_id), ...o });
        this.render();
      },
      onUnauthorized: () => this.logout('Your session ended; sign in again'),
    });
    if (this.shift.get().online) void this.goOnline();
    void this.ensureMap();
  }

  private logout(reason?: string): void {
    const token = this.session.get()?.token;
    if (token) void apiFetch('/v1/courier/offline', { token, method: 'POST' }).catch(() => undefined);
    this.link?.close();
    this.link = null;
    this.stopSource();
    this.session.set(null);
    this.shift.set({ online: false });
    this.offers.clear();
    this.jobs.clear();
    this.loginError = reason ?? null;
    this.render();
  }

  /** After every (re)connection: replay what was done offline, then take the server's view. */
  private async onConnected(): Promise<void> {
    if (this.shift.get().online && this.here) await this.postOnline(this.here).catch(() => undefined);
    await this.flushSteps();
    await this.refreshJobs();
  }

  // ── shift and position ────────────────────────────────────────────────

  private async goOnline(): Promise<void> {
    this.goingOnline = true;
    this.render();
    this.startSource();
    const fix = this.here ?? (await this.firstFix(15_000));
    this.goingOnline = false;
    if (!fix) {
      this.toast('No position yet: allow location access and try again');
      this.shift.set({ online: false });
      return this.render();
    }
    try {
      await this.postOnline(fix);
      this.shift.set({ online: true });
    } catch (err) {
      this.toast(message(err));
    }
    this.render();
  }

  private async goOffline(): Promise<void> {
    this.shift.set({ online: false });
    const token = this.session.get()?.token;
    try {
      if (token) await apiFetch('/v1/courier/offline', { token, method: 'POST' });
    } catch (err) {
      this.toast(message(err));
    }
    if (this.jobs.size === 0) this.stopSource();
    this.render();
  }

  private postOnline(at: LatLng): Promise<unknown> {
    return apiFetch('/v1/courier/online', {
      token: this.session.get()?.token ?? null,
      body: { lat: at.lat, lng: at.lng },
    });
  }

  private startSource(): void {
    if (this.sourceRunning) return;
    this.sourceRunning = true;
    this.source.start(
      (fix) => this.onFix(fix),
      (msg) => this.toast(msg),
    );
  }

  private stopSource(): void {
    this.source.stop();
    this.sourceRunning = false;
  }

  private firstFix(timeoutMs: number): Promise<Fix | null> {
    const started = Date.now();
    return new Promise((resolve) => {
      const poll = setInterval(() => {
        if (this.here || Date.now() - started > timeoutMs) {
          clearInterval(poll);
          resolve(this.here);
        }
      }, 100);
    });
  }

  private onFix(fix: Fix): void {
    const first = this.here === null;
    this.here = fix;
    this.map?.setCourier(fix);
    if (Date.now() - this.lastSentMs >= LOCATION_INTERVAL_MS - 50) {
      this.lastSentMs = Date.now();
      this.link?.sendLocation(fix);
    }
    if (first) this.render();
    else this.renderDistances();
  }

  /** Demo mode rides to the next stop of the job at hand. */
  private demoTarget(): LatLng | null {
    const [job] = this.jobs.values();
    if (!job) return null;
    const status = this.statusOf(job);
    return status === 'assigned' || status === 'at_pickup' ? job.pickup : job.dropoff;
  }

  // ── offers ────────────────────────────────────────────────────────────

  private async answerOffer(offerId: string, accept: boolean): Promise<void> {
    const entry = this.offers.get(offerId);
    if (!entry || !this.link) return;
    const ack = await this.link.request<{ job_id: string; order_ids: string[] }>(
      accept ? 'offer:accept' : 'offer:decline',
      { offer_id: offerId },
    );
    if (ack === 'retry') return this.toast('No connection: try again in a moment');
    this.offers.delete(offerId);
    if (!ack.ok) {
      this.toast(
        ack.code === 'offer_taken'
          ? 'Another courier took this job'
          : ack.code === 'offer_expired'
            ? 'The offer expired'
            : 'The offer is no longer open',
      );
      return this.render();
    }
    if (accept) {
      this.earnings.rememberPay(ack.order_ids, entry.offer.pay_cents);
      // Until the job list arrives, the offer says enough to start riding to the store.
      entry.offer.dropoffs.forEach((dropoff, i) => {
        const orderId = ack.order_ids[i];
        if (orderId && !this.jobs.has(orderId))
          this.jobs.set(orderId, {
            order_id: orderId,
            status: 'assigned',
            pickup: entry.offer.pickup,
            dropoff,
            customer_name: 'Customer',
          });
      });
      this.startSource();
      void this.refreshJobs();
    }
    this.render();
  }

  // ── job steps ─────────────────────────────────────────────────────────

  private takeStep(orderId: string, status: JobStep, pin?: string): void {
    this.pinErrors.delete(orderId);
    this.queue.add({ order_id: orderId, status, ...(pin ? { pin } : {}) });
    this.render();
    void this.flushSteps();
  }

  private flushSteps(): Promise<void> {
    return this.queue.flush(
      async (step) => {
        if (!this.link) return 'retry';
        const { queued_at_ms: _queuedAt, ...payload } = step;
        return this.link.request<{ status: string }>('job:status', payload);
      },
      (step, outcome) => this.onStepResult(step, outcome),
    );
  }

  private onStepResult(
    step: QueuedStep,
    outcome: { ok: true; status: string } | { ok: false; code: string },
  ) {
    const job = this.jobs.get(step.order_id);
    if (outcome.ok) {
      if (step.status === 'delivered') {
        const paid = this.earnings.summary().cents;
        this.earnings.recordDelivered(step.order_id);
        this.jobs.delete(step.order_id);
        const gained = this.earnings.summary().cents - paid;
        this.toast(gained > 0 ? `Delivered · +${formatMoney(gained)}` : 'Delivered');
        if (this.jobs.size === 0 && !this.shift.get().online) this.stopSource();
      } else if (job) job.status = outcome.status;
    } else if (outcome.code === 'wrong_pin') {
      this.pinErrors.set(step.order_id, 'Wrong PIN. Ask the customer for the 4-digit code again.');
      this.pinsToClear.add(step.order_id);
    } else if (outcome.code === 'not_found') {
      this.jobs.delete(step.order_id);
      this.toast('This job is no longer yours');
    } else {
      this.toast(`Step refused (${outcome.code})`);
      void this.refreshJobs();
    }
    this.render();
  }

  /** The status the courier reached: the last queued step, else the server's. */
  private statusOf(job: JobOrder): string {
    return this.queue.latestFor(job.order_id)?.status ?? job.status;
  }

  private async refreshJobs(): Promise<void> {
    const token = this.session.get()?.token;
    if (!token) return;
    try {
      const { data } = await apiFetch<{ data: JobOrder[] }>('/v1/courier/jobs', { token });
      const next = new Map(data.map((j) => [j.order_id, j]));
      // Keep jobs whose steps are still queued here: the server has not heard of them yet.
      for (const [id, job] of this.jobs) if (!next.has(id) && this.queue.latestFor(id)) next.set(id, job);
      this.jobs = next;
      if (this.jobs.size > 0) this.startSource();
      this.render();
    } catch {
      // offline: the next connection refreshes again
    }
  }

  // ── events from the page ──────────────────────────────────────────────

  private onClick(e: Event): void {
    const button = (e.target as HTMLElement).closest<HTMLElement>('[data-action]');
    if (!button || button.tagName === 'FORM') return;
    const action = button.dataset.action;
    if (action === 'toggle-online') void (this.shift.get().online ? this.goOffline() : this.goOnline());
    else if (action === 'logout') this.logout();
    else if (action === 'accept' || action === 'decline') {
      const offerId = button.closest<HTMLElement>('[data-offer-id]')?.dataset.offerId;
      if (offerId) {
        button.setAttribute('disabled', '');
        void this.answerOffer(offerId, action === 'accept');
      }
    } else if (action === 'step' && button.dataset.orderId && button.dataset.step) {
      this.takeStep(button.dataset.orderId, button.dataset.step as JobStep);
    } else if (action === 'fit') this.map?.fit();
  }

  private onSubmit(e: SubmitEvent): void {
    const form = e.target as HTMLFormElement;
    e.preventDefault();
    const data = new FormData(form);
    if (form.dataset.action === 'login')
      void this.login(String(data.get('email')), String(data.get('password')));
    else if (form.dataset.action === 'deliver' && form.dataset.orderId) {
      const pin = String(data.get('pin') ?? '').trim();
      if (!/^[0-9]{4}$/.test(pin)) {
        this.pinErrors.set(form.dataset.orderId, 'The PIN has 4 digits');
        this.render();
        return;
      }
      this.takeStep(form.dataset.orderId, 'delivered', pin);
    }
  }

  /** Every 250 ms: offer countdowns, and offers that ran out. */
  private tick(): void {
    let expired = false;
    for (const [id, { offer }] of this.offers) {
      if (offer.expires_at_ms <= Date.now()) {
        this.offers.delete(id);
        expired = true;
      }
    }
    if (expired) {
      this.toast('The offer expired');
      this.render();
      return;
    }
    for (const el of this.root.querySelectorAll<HTMLElement>('.countdown')) {
      const expires = Number(el.dataset.expires);
      el.textContent = countdownText(expires);
      el.classList.toggle('urgent', expires - Date.now() < 6000);
      const bar = el.closest('.offer')?.querySelector<HTMLElement>('.timebar .left');
      if (bar) bar.style.width = `${countdownPercent(expires, Number(el.dataset.received))}%`;
    }
  }

  // ── drawing ───────────────────────────────────────────────────────────

  private async ensureMap(): Promise<void> {
    const el = this.root.querySelector<HTMLElement>('#map');
    if (!el || this.map || this.mapLoading) return;
    this.mapLoading = import('./map-view.js').then(async ({ CourierMap }) => {
      this.map = await CourierMap.create(el);
      el.classList.toggle('unavailable', this.map === null);
      if (this.here) this.map?.setCourier(this.here);
      this.renderMapStops();
    });
  }

  private render(): void {
    const session = this.session.get();
    const login = this.root.querySelector<HTMLElement>('#login')!;
    const home = this.root.querySelector<HTMLElement>('#home')!;
    login.hidden = session !== null;
    home.hidden = session === null;
    this.renderTopbar();
    if (!session) {
      login.innerHTML = loginForm(this.loginError, this.demo);
      return;
    }
    const online = this.shift.get().online;
    const summary = this.earnings.summary();
    this.root.querySelector('#shift')!.innerHTML = shiftCard({
      name: session.courier.name,
      online,
      busy: this.jobs.size > 0,
      goingOnline: this.goingOnline,
      source: this.source.label,
      earningsCents: summary.cents,
      deliveries: summary.deliveries,
      waiting: online && this.jobs.size === 0 && this.offers.size === 0,
    });
    // Every position fix redraws; an offer card replaced under the courier's finger loses the tap.
    const offers = [...this.offers.values()];
    redrawIfChanged(
      this.root.querySelector<HTMLElement>('#offers')!,
      offers.map((o) => offerCardKey(o.offer, this.here)).join(','),
      () => offers.map((o) => offerCard(o.offer, this.here, o.receivedAtMs)).join(''),
    );
    const jobsEl = this.root.querySelector('#jobs')!;
    // Redrawing must not lose a PIN being typed: keep the inputs' values and focus.
    const focused = document.activeElement instanceof HTMLInputElement ? document.activeElement.id : null;
    const typed = new Map([...jobsEl.querySelectorAll('input')].map((input) => [input.id, input.value]));
    jobsEl.innerHTML = [...this.jobs.values()]
      .map((job) =>
        jobCard(
          {
            job,
            status: this.statusOf(job),
            queued: this.queue.pending.some((s) => s.order_id === job.order_id),
            pinError: this.pinErrors.get(job.order_id) ?? null,
          },
          this.here,
        ),
      )
      .join('');
    for (const [id, value] of typed) {
      const input = document.getElementById(id);
      if (input instanceof HTMLInputElement && !this.pinsToClear.has(id.replace(/^pin-/, '')))
        input.value = value;
    }
    this.pinsToClear.clear();
    if (focused) document.getElementById(focused)?.focus();
    this.renderMapStops();
  }

  private renderTopbar(): void {
    const el = this.root.querySelector<HTMLElement>('#link')!;
    const session = this.session.get();
    el.innerHTML = session ? linkPill(this.linkState, this.queue.pending.length) : '';
    this.root.querySelector<HTMLElement>('#logout')!.hidden = session === null;
  }

  /** Distances change with every fix; redraw the cards without touching a PIN being typed. */
  private renderDistances(): void {
    const typing = document.activeElement instanceof HTMLInputElement;
    if (!typing) this.render();
  }

  private renderMapStops(): void {
    if (!this.map) return;
    const [job] = this.jobs.values();
    const [offerEntry] = this.offers.values();
    if (job) {
      const jobs = [...this.jobs.values()];
      this.map.setStops({
        pickup: job.pickup,
        dropoffs: jobs.map((j) => j.dropoff),
        target: this.demoTarget(),
      });
    } else if (offerEntry) {
      const { offer } = offerEntry;
      this.map.setStops({ pickup: offer.pickup, dropoffs: offer.dropoffs, target: offer.pickup });
    } else this.map.setStops({ pickup: null, dropoffs: [], target: null });
  }

  private toast(text: string): void {
    const el = this.root.querySelector<HTMLElement>('#toast')!;
    el.textContent = text;
    el.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => {
      el.hidden = true;
    }, 4000);
  }
}

function message(err: unknown): string {
  if (err instanceof ApiError) return err.detail ?? err.title;
  return err instanceof Error ? err.message : String(err);
}

const drawnKeys = new WeakMap<HTMLElement, string>();

/** Redraws `el` only when `key` (what its markup depends on) changed, so unchanged cards stay put. */
function redrawIfChanged(el: HTMLElement, key: string, html: () => string): void {
  if (drawnKeys.get(el) === key && el.childElementCount > 0) return;
  drawnKeys.set(el, key);
  el.innerHTML = html();
}
