import { DEFAULT_VEHICLE_SPEEDS_MPS, seededRandom } from '@o2o/domain';
import { io, type Socket } from 'socket.io-client';
import type { ApiClient } from './api-client.js';
import { type CityPlan, onlineWindows } from './city-plan.js';
import { mixSeed } from './demand.js';
import { positionOnRide, type Ride, rideEndS } from './movement.js';
import type { CityRecorder, CourierStats } from './recorder.js';
import { type SimClock, wallSleep } from './sim-clock.js';
import { shortestRoute } from './street-graph.js';

/**
 * One simulated rider, as a real client of the system: logs in, goes online and offline over
 * HTTP on its shift (in-house) or sessions (crowd), holds a `/courier` Socket.IO connection, pings
 * its position while online, answers offers after a think time, and rides its jobs along the
 * streets step by step, delivering with the customer's PIN.
 */

/** Simulated seconds at the store counter and at the door. */
export const PICKUP_SERVICE_S = 120;
export const DROPOFF_SERVICE_S = 90;
/** Simulated seconds between two position pings (never more than ~2.5 a wall second). */
const PING_EVERY_S = 5;
const MIN_PING_WALL_MS = 400;

export interface CityWorld {
  clock: SimClock;
  plan: CityPlan;
  api: ApiClient;
  apiUrl: string;
  recorder: CityRecorder;
  acceptRate: number;
  /** Crowd riders' mean think time before answering an offer, simulated seconds. */
  thinkSeconds: number;
  /** Aborted when the run ends: riders go offline and disconnect. */
  signal: AbortSignal;
  warn(message: string, err?: unknown): void;
}

export interface CourierAccount {
  id: string;
  email: string;
  password: string;
}

interface ActiveOrder {
  id: string;
  status: 'assigned' | 'at_pickup' | 'picked_up' | 'at_dropoff';
  storeNode: number;
  customerNode: number;
  readyS: number;
  pin: string;
}

interface OfferPayload {
  offer_id: string;
  order_ids: string[];
  pay_cents: number;
  expires_at_ms: number;
}

interface JobPayload {
  orders: { order_id: string; status: string }[];
}

type Ack = { ok: true; [key: string]: unknown } | { ok: false; code: string; detail?: string };

const ACTIVE = new Set(['assigned', 'at_pickup', 'picked_up', 'at_dropoff']);

export class CourierAgent {
  readonly stats: CourierStats;
  private readonly random: () => number;
  private readonly speedMps: number;
  private token: string | null = null;
  private socket: Socket | null = null;
  private online = false;
  private node: number;
  private ride: Ride | null = null;
  private readonly orders = new Map<string, ActiveOrder>();
  private readonly offers = new Map<string, NodeJS.Timeout>();
  /** Every offer seen: a reconnection sends the open ones again. */
  private readonly seenOffers = new Set<string>();
  private pingTimer: NodeJS.Timeout | null = null;
  private wake = new AbortController();

  constructor(
    private readonly world: CityWorld,
    private readonly index: number,
    private readonly account: CourierAccount,
  ) {
    const planned = world.plan.couriers[index]!;
    this.stats = world.recorder.addCourier(account.id, planned.kind, planned.vehicle);
    this.random = seededRandom(mixSeed(world.plan.seed, 2_000_003 + index));
    this.speedMps = DEFAULT_VEHICLE_SPEEDS_MPS[planned.vehicle];
    this.node = planned.home;
  }

  private get planned() {
    return this.world.plan.couriers[this.index]!;
  }

  /** The rider's day, until the run ends; never throws. */
  async live(): Promise<void> {
    const { clock, signal } = this.world;
    while (!signal.aborted) {
      try {
        const now = clock.now();
        const windows = onlineWindows(this.world.plan, this.index, now, now + 2 * 86_400);
        const current = windows.find((w) => w.from_s <= now && now < w.to_s);
        if (this.orders.size > 0) {
          await this.workNextStop();
        } else if (current) {
          if (!this.online) await this.goOnline();
          await this.idleUntil(current.to_s);
        } else {
          if (this.online) await this.goOffline();
          const next = windows.find((w) => w.from_s > now);
          await this.idleUntil(next ? next.from_s : now + 86_400);
        }
      } catch (err) {
        this.world.warn(`${this.planned.name}: ${err instanceof Error ? err.message : String(err)}`);
        await wallSleep(1000, signal);
      }
    }
    await this.goOffline().catch(() => undefined);
    this.socket?.disconnect();
  }

  /** Where the rider is now. */
  position(): { lat: number; lng: number; headingDeg?: number } {
    if (this.ride) return positionOnRide(this.ride, this.world.clock.now());
    const n = this.world.plan.graph.nodes[this.node]!;
    return { lat: n.lat, lng: n.lng };
  }

  private async idleUntil(s: number): Promise<void> {
    await this.world.clock.sleepUntil(s, AbortSignal.any([this.wake.signal, this.world.signal]));
  }

  private nudge(): void {
    this.wake.abort();
    this.wake = new AbortController();
  }

  private async login(): Promise<string> {
    const answer = await this.world.api.call<{ token?: string }>('POST', '/v1/auth/courier/login', {
      body: { email: this.account.email, password: this.account.password },
    });
    if (answer.status !== 200 || !answer.body.token) throw new Error(`login answered ${answer.status}`);
    return answer.body.token;
  }

  private connect(token: string): Socket {
    const socket = io(`${this.world.apiUrl}/courier`, {
      auth: { token },
      transports: ['websocket'],
      reconnectionDelay: 500,
    });
    socket.on('offer', (offer: OfferPayload) => this.onOffer(offer));
    socket.on('offer:revoked', (p: { offer_id: string }) => {
      const timer = this.offers.get(p.offer_id);
      if (timer) clearTimeout(timer);
      this.offers.delete(p.offer_id);
    });
    socket.on('job', (job: JobPayload) => this.onJob(job));
    return socket;
  }

  private async goOnline(): Promise<void> {
    if (!this.token) {
      this.token = await this.login();
      // A new token (the old one expired) also opens the socket's next handshake.
      if (this.socket) this.socket.auth = { token: this.token };
    }
    if (!this.socket) this.socket = this.connect(this.token);
    else if (this.socket.disconnected) this.socket.connect();
    const at = this.position();
    const answer = await this.world.api.call('POST', '/v1/courier/online', {
      bearer: this.token,
      body: { lat: at.lat, lng: at.lng },
    });
    if (answer.status === 401) {
      this.token = null; // expired: log in again next time
      throw new Error('going online answered 401');
    }
    if (answer.status !== 200) throw new Error(`going online answered ${answer.status}`);
    this.online = true;
    this.world.recorder.setOnline(this.stats, true, this.world.clock.now());
    this.startPings();
  }

  private async goOffline(): Promise<void> {
    if (!this.online || !this.token) return;
    for (const [id, timer] of this.offers) {
      clearTimeout(timer);
      this.offers.delete(id);
    }
    await this.world.api.call('POST', '/v1/courier/offline', { bearer: this.token });
    // A job given just before going offline still belongs to this rider: take it.
    const jobs = await this.world.api.call<{ data?: { order_id: string; status: string }[] }>(
      'GET',
      '/v1/courier/jobs',
      { bearer: this.token },
    );
    if (jobs.body.data && jobs.body.data.length > 0) {
      this.onJob({ orders: jobs.body.data });
      return;
    }
    this.online = false;
    this.stopPings();
    this.socket?.disconnect();
    this.world.recorder.setOnline(this.stats, false, this.world.clock.now());
  }

  private startPings(): void {
    this.stopPings();
    const everyMs = Math.max(MIN_PING_WALL_MS, this.world.clock.wallMsFor(PING_EVERY_S));
    const ping = () => {
      if (!this.socket?.connected) return;
      const p = this.position();
      this.socket.emit('location', {
        lat: round6(p.lat),
        lng: round6(p.lng),
        speed_mps: this.ride ? this.speedMps : 0,
        ...(p.headingDeg !== undefined ? { heading_deg: Math.round(p.headingDeg) } : {}),
        at: Date.now(),
      });
    };
    this.pingTimer = setInterval(ping, everyMs);
    ping();
  }

  private stopPings(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private onOffer(offer: OfferPayload): void {
    if (this.seenOffers.has(offer.offer_id) || this.world.signal.aborted) return;
    this.seenOffers.add(offer.offer_id);
    const known = offer.order_ids.every((id) => this.world.recorder.orders.has(id));
    // Offers of orders the city did not place (left over from an earlier run, or a real store's)
    // are declined below but kept out of the rider's figures: they say nothing of acceptance.
    if (known) this.stats.offers_received++;
    // In-house riders must take their jobs; crowd riders choose. Orders the city did not place
    // (someone else's store) have no PIN here, so the city never takes them.
    const inHouse = this.planned.kind === 'in_house';
    const accept = known && (inHouse || this.random() < this.world.acceptRate);
    const thinkS = inHouse
      ? 3 + this.random() * 5
      : this.world.thinkSeconds * this.planned.thinkFactor * (0.5 + this.random());
    const timer = setTimeout(() => {
      this.offers.delete(offer.offer_id);
      void this.answerOffer(offer, accept).catch((err: unknown) =>
        this.world.warn('offer answer failed', err),
      );
    }, this.world.clock.wallMsFor(thinkS));
    this.offers.set(offer.offer_id, timer);
  }

  private async answerOffer(offer: OfferPayload, accept: boolean): Promise<void> {
    if (Date.now() >= offer.expires_at_ms) {
      this.stats.offers_expired++;
      return;
    }
    const ack = await this.emit(accept ? 'offer:accept' : 'offer:decline', { offer_id: offer.offer_id });
    if (!ack.ok) {
      if (ack.code === 'offer_expired') this.stats.offers_expired++;
      return;
    }
    if (!accept) {
      if (offer.order_ids.every((id) => this.world.recorder.orders.has(id))) this.stats.offers_declined++;
      return;
    }
    this.stats.offers_accepted++;
    this.stats.earnings_cents += offer.pay_cents;
    const orderIds = Array.isArray(ack.order_ids) ? (ack.order_ids as string[]) : offer.order_ids;
    this.onJob({ orders: orderIds.map((id) => ({ order_id: id, status: 'assigned' })) });
  }

  private onJob(job: JobPayload): void {
    const now = this.world.clock.now();
    for (const { order_id: id, status } of job.orders) {
      if (!ACTIVE.has(status) || this.orders.has(id)) continue;
      const tracked = this.world.recorder.orders.get(id);
      if (!tracked) {
        // Not the city's order (no PIN): give it back so another courier can take it.
        if (this.token && status === 'assigned')
          void this.world.api
            .call('POST', `/v1/courier/jobs/${id}/drop`, { bearer: this.token })
            .catch(() => undefined);
        continue;
      }
      this.orders.set(id, {
        id,
        status: status as ActiveOrder['status'],
        storeNode: this.world.plan.stores[tracked.storeIndex]!.node,
        customerNode: tracked.customerNode,
        readyS: this.world.recorder.startS + tracked.ready_s,
        pin: tracked.pin,
      });
      this.world.recorder.assigned(id, this.account.id, now);
    }
    this.world.recorder.setBusy(this.stats, this.orders.size > 0, now);
    this.nudge();
  }

  /** Pickups first (nearest store), then drop-offs (nearest door). */
  private async workNextStop(): Promise<void> {
    const graph = this.world.plan.graph;
    const here = graph.nodes[this.node]!;
    const distance = (node: number) => {
      const n = graph.nodes[node]!;
      return Math.hypot(n.x - here.x, n.y - here.y);
    };
    const all = [...this.orders.values()];
    const toPick = all.filter((o) => o.status === 'assigned' || o.status === 'at_pickup');
    if (toPick.length > 0) {
      const store = toPick.reduce((a, b) =>
        distance(b.storeNode) < distance(a.storeNode) ? b : a,
      ).storeNode;
      await this.rideTo(store);
      await this.pickUpAt(store);
    } else {
      const next = all.reduce((a, b) => (distance(b.customerNode) < distance(a.customerNode) ? b : a));
      await this.rideTo(next.customerNode);
      await this.dropOff(next);
    }
    this.world.recorder.setBusy(this.stats, this.orders.size > 0, this.world.clock.now());
  }

  private async rideTo(node: number): Promise<void> {
    if (node === this.node) return;
    const route = shortestRoute(this.world.plan.graph, this.node, node);
    this.ride = { route, startS: this.world.clock.now(), speedMps: this.speedMps };
    await this.world.clock.sleepUntil(rideEndS(this.ride), this.world.signal);
    this.ride = null;
    this.node = node;
  }

  private async pickUpAt(store: number): Promise<void> {
    const here = [...this.orders.values()].filter(
      (o) => o.storeNode === store && (o.status === 'assigned' || o.status === 'at_pickup'),
    );
    for (const o of here) if (o.status === 'assigned') await this.step(o, 'at_pickup');
    const waiting = here.filter((o) => this.orders.has(o.id));
    if (waiting.length === 0) return;
    // The counter hands the bags over once they are ready; the handover itself takes the service time.
    const readyS = Math.max(this.world.clock.now(), ...waiting.map((o) => o.readyS));
    await this.world.clock.sleepUntil(readyS + PICKUP_SERVICE_S, this.world.signal);
    for (const o of waiting) if (this.orders.has(o.id)) await this.step(o, 'picked_up');
  }

  private async dropOff(order: ActiveOrder): Promise<void> {
    await this.step(order, 'at_dropoff');
    if (!this.orders.has(order.id)) return;
    await this.world.clock.sleepUntil(this.world.clock.now() + DROPOFF_SERVICE_S, this.world.signal);
    await this.step(order, 'delivered');
  }

  /** One job step over the socket; an order the system no longer gives this rider is let go. */
  private async step(order: ActiveOrder, status: 'at_pickup' | 'picked_up' | 'at_dropoff' | 'delivered') {
    if (this.world.signal.aborted) return;
    const ack = await this.emit('job:status', {
      order_id: order.id,
      status,
      ...(status === 'delivered' ? { pin: order.pin } : {}),
    });
    const now = this.world.clock.now();
    if (!ack.ok) {
      // Canceled by the store or an operator, or reassigned: not ours any more.
      this.orders.delete(order.id);
      this.world.recorder.step(order.id, 'unknown', now);
      return;
    }
    this.world.recorder.step(order.id, status, now);
    if (status === 'delivered') {
      this.orders.delete(order.id);
      this.stats.deliveries++;
    } else order.status = status;
  }

  /** Emits with an ack, retrying through disconnections and rate limits (steps are idempotent). */
  private async emit(event: string, payload: object): Promise<Ack> {
    for (let attempt = 0; ; attempt++) {
      if (!this.socket) return { ok: false, code: 'not_connected' };
      if (!this.socket.connected) this.socket.connect();
      try {
        const ack = (await this.socket.timeout(10_000).emitWithAck(event, payload)) as Ack;
        if (!ack.ok && ack.code === 'rate_limited' && attempt < 10) {
          await wallSleep(500);
          continue;
        }
        return ack;
      } catch {
        if (attempt >= 5) return { ok: false, code: 'timeout' };
        await wallSleep(500);
      }
    }
  }
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
