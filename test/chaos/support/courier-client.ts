import { seededRandom } from '@o2o/domain';
import { io, type Socket } from 'socket.io-client';
import type { CourierAccount } from './accounts.js';
import { sleep } from './ports.js';

const STEPS = ['at_pickup', 'picked_up', 'at_dropoff', 'delivered'] as const;
type Step = (typeof STEPS)[number];
type Ack = { ok: boolean; code?: string; order_ids?: string[] };

export interface CourierClientOptions {
  /** Base URL to connect to; called again on every reconnection attempt (a balancer, a list). */
  apiUrl: () => string;
  /** The customer's PIN of an order (known to the store that created it), or undefined. */
  pinFor: (orderId: string) => string | undefined;
  pingIntervalMs: number;
  stepDelayMs: number;
  seed: number;
  at: { lat: number; lng: number };
}

export interface CourierStats {
  offersSeen: Set<string>;
  accepted: number;
  stepsAcked: number;
  /** Acks that came back with `ok: false` for a reason other than a lost race. */
  ackErrors: Map<string, number>;
  connects: number;
  /** ms from each loss of the connection to the next `connect`. */
  reconnectMs: number[];
}

/**
 * A courier as the courier app behaves: goes online over HTTP, keeps a /courier socket that
 * reconnects by itself, pings its position, accepts every offer, and walks each job to delivery
 * with the customer's PIN. A step whose ack never came (the connection dropped) is sent again:
 * replays are acknowledged, so no step is lost.
 */
export class CourierClient {
  readonly stats: CourierStats = {
    offersSeen: new Set(),
    accepted: 0,
    stepsAcked: 0,
    ackErrors: new Map(),
    connects: 0,
    reconnectMs: [],
  };
  private socket: Socket | undefined;
  private readonly walking = new Map<string, Promise<void>>();
  private readonly handledOffers = new Set<string>();
  private pingTimer: NodeJS.Timeout | undefined;
  private lostAtMs: number | undefined;
  private closed = false;
  private readonly random: () => number;

  constructor(
    readonly account: CourierAccount,
    private readonly options: CourierClientOptions,
  ) {
    this.random = seededRandom(options.seed);
  }

  async start(): Promise<void> {
    await this.goOnline();
    const socket = io(`${this.options.apiUrl()}/courier`, {
      auth: { token: this.account.token },
      transports: ['websocket'],
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      forceNew: true,
    });
    this.socket = socket;
    // Each attempt may go to another api process (a list of URLs or a balancer).
    socket.io.on('reconnect_attempt', () => {
      (socket.io as unknown as { uri: string }).uri = new URL(this.options.apiUrl()).origin;
    });
    socket.on('connect', () => {
      this.stats.connects += 1;
      if (this.lostAtMs !== undefined) this.stats.reconnectMs.push(Date.now() - this.lostAtMs);
      this.lostAtMs = undefined;
    });
    socket.on('disconnect', () => {
      this.lostAtMs ??= Date.now();
    });
    socket.on('offer', (offer: { offer_id: string }) => this.onOffer(offer.offer_id));
    socket.on('job', (job: { orders: { order_id: string; status: string }[] }) => {
      for (const order of job.orders) this.walk(order.order_id, order.status);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    this.pingTimer = setInterval(() => void this.ping(), this.options.pingIntervalMs);
  }

  /** `POST /v1/courier/online` at the courier's position, retried until the api answers. */
  async goOnline(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`${this.options.apiUrl()}/v1/courier/online`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.account.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(this.position()),
          signal: AbortSignal.timeout(5000),
        });
        if (response.status === 200) return;
      } catch {
        // api down or restarting: try again
      }
      if (attempt > 100) throw new Error(`courier ${this.account.id} could not go online`);
      await sleep(200);
    }
  }

  /** Waits for the jobs being walked to finish. */
  async idle(): Promise<void> {
    while (this.walking.size > 0) await Promise.all([...this.walking.values()]);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.pingTimer);
    this.socket?.disconnect();
  }

  private position(): { lat: number; lng: number } {
    return {
      lat: this.options.at.lat + (this.random() - 0.5) * 0.004,
      lng: this.options.at.lng + (this.random() - 0.5) * 0.006,
    };
  }

  private async ping(): Promise<void> {
    if (!this.socket?.connected) return;
    const ack = await this.emit('location', this.position(), 2000);
    if (ack && !ack.ok) this.countError(`location:${ack.code}`);
  }

  private onOffer(offerId: string): void {
    this.stats.offersSeen.add(offerId);
    if (this.handledOffers.has(offerId)) return;
    this.handledOffers.add(offerId);
    void (async () => {
      await sleep(50 + this.random() * 300);
      for (;;) {
        const ack = await this.emit('offer:accept', { offer_id: offerId }, 3000);
        if (this.closed) return;
        if (!ack) continue; // no answer (connection lost): accept again once back
        if (ack.ok) {
          // The ack carries the job: its orders are ours now.
          this.stats.accepted += 1;
          for (const orderId of ack.order_ids ?? []) this.walk(orderId, 'assigned');
          return;
        }
        // Postgres or Redis unavailable for a moment: the offer may still be ours, ask again.
        if (ack.code === 'dependency_unavailable' || ack.code === 'rate_limited') {
          this.countError(`accept:${ack.code}`);
          await sleep(300);
          continue;
        }
        // Taken, expired or closed: another courier won, or our own earlier accept did and its
        // answer was lost (Redis failed after the Postgres commit). Ask which jobs are ours.
        if (!['offer_taken', 'offer_expired', 'offer_closed'].includes(ack.code ?? ''))
          this.countError(`accept:${ack.code}`);
        await this.resumeJobs();
        return;
      }
    })();
  }

  /** `GET /v1/courier/jobs`: walks every job in progress this client does not walk yet. */
  private async resumeJobs(): Promise<void> {
    try {
      const response = await fetch(`${this.options.apiUrl()}/v1/courier/jobs`, {
        headers: { authorization: `Bearer ${this.account.token}` },
        signal: AbortSignal.timeout(5000),
      });
      if (response.status !== 200) return;
      const jobs = (await response.json()) as { data: { order_id: string; status: string }[] };
      for (const job of jobs.data) this.walk(job.order_id, job.status);
    } catch {
      // the api is away: the job comes again with the next connection
    }
  }

  private walk(orderId: string, status: string): void {
    if (this.walking.has(orderId) || this.closed) return;
    const from = STEPS.indexOf(status as Step);
    if (status !== 'assigned' && from < 0) return;
    const walking = (async () => {
      for (const step of STEPS.slice(from + 1)) {
        await sleep(this.options.stepDelayMs);
        if (!(await this.step(orderId, step))) return;
      }
    })().finally(() => this.walking.delete(orderId));
    this.walking.set(orderId, walking);
  }

  /** Sends one step until it is acknowledged; false when the job is no longer ours. */
  private async step(orderId: string, step: Step): Promise<boolean> {
    for (;;) {
      if (this.closed) return false;
      const pin = step === 'delivered' ? this.options.pinFor(orderId) : undefined;
      if (step === 'delivered' && !pin) {
        await sleep(100);
        continue;
      }
      const ack = await this.emit(
        'job:status',
        { order_id: orderId, status: step, ...(pin ? { pin } : {}) },
        3000,
      );
      if (!ack) continue;
      if (ack.ok) {
        this.stats.stepsAcked += 1;
        return true;
      }
      this.countError(`step:${ack.code}`);
      if (ack.code === 'not_found' || ack.code === 'invalid_transition') return false;
      await sleep(200);
    }
  }

  /** An emit with an ack, or null when no ack came within `timeoutMs` (or we are offline). */
  private async emit(event: string, payload: object, timeoutMs: number): Promise<Ack | null> {
    const socket = this.socket;
    if (!socket) return null;
    if (!socket.connected) {
      await sleep(100);
      return null;
    }
    try {
      return (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack;
    } catch {
      return null;
    }
  }

  private countError(code: string): void {
    this.stats.ackErrors.set(code, (this.stats.ackErrors.get(code) ?? 0) + 1);
  }
}
