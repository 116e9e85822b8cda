import type { Offer } from '@o2o/domain';
import { type Ack, connectNamespace, emitWithAck } from '@o2o/web-common/socket';
import type { Socket } from 'socket.io-client';
import type { Fix } from './position-source.js';

/** A job as the `/courier` socket sends it (`job` event) and `GET /v1/courier/jobs` lists it. */
export interface JobOrder {
  order_id: string;
  status: string;
  pickup: { lat: number; lng: number; address?: string };
  dropoff: { lat: number; lng: number; address?: string };
  customer_name: string;
}

export type LinkState = 'connecting' | 'connected' | 'disconnected';

export interface LiveLinkHandlers {
  onState(state: LinkState): void;
  /** A fresh connection (first, or after a network loss): replay queued steps, refresh jobs. */
  onConnected(): void;
  onOffer(offer: Offer): void;
  onOfferRevoked(offerId: string): void;
  onJob(orders: JobOrder[]): void;
  onUnauthorized(): void;
}

/**
 * The courier's `/courier` Socket.IO connection. It reconnects by itself after a network loss;
 * the browser's `offline` event closes the transport at once instead of waiting for a missed
 * heartbeat, so queued work is replayed as soon as the network returns.
 */
export class LiveLink {
  private readonly socket: Socket;
  private readonly onBrowserOffline = () => this.socket.io.engine?.close();

  constructor(token: string, handlers: LiveLinkHandlers) {
    this.socket = connectNamespace('/courier', token, {
      onState: (state) => {
        if (state === 'refused') handlers.onUnauthorized();
        else if (state === 'connected') handlers.onState('connected');
        else handlers.onState(state === 'connecting' ? 'connecting' : 'disconnected');
        // The server closed us on purpose (a deploy, a rebalance): come back, the token decides.
        if (state === 'offline' && this.wanted) setTimeout(() => this.wanted && this.socket.connect(), 1000);
      },
    });
    this.socket.on('connect', () => handlers.onConnected());
    this.socket.on('offer', (offer: Offer) => handlers.onOffer(offer));
    this.socket.on('offer:revoked', (p: { offer_id: string }) => handlers.onOfferRevoked(p.offer_id));
    this.socket.on('job', (p: { orders: JobOrder[] }) => handlers.onJob(p.orders));
    window.addEventListener('offline', this.onBrowserOffline);
  }

  private wanted = true;

  get connected(): boolean {
    return this.socket.connected;
  }

  /** An event with an ack, or `retry` when the socket is down or the ack did not come in time. */
  async request<T extends object>(
    event: string,
    payload: object,
    timeoutMs = 8000,
  ): Promise<Ack<T> | 'retry'> {
    if (!this.socket.connected) return 'retry';
    const ack = await emitWithAck<T>(this.socket, event, payload, timeoutMs);
    return !ack.ok && ack.code === 'timeout' ? 'retry' : ack;
  }

  /** Positions are fire-and-forget: a lost one is replaced by the next a second later. */
  sendLocation(fix: Fix): void {
    if (this.socket.connected) this.socket.volatile.emit('location', fix);
  }

  close(): void {
    this.wanted = false;
    window.removeEventListener('offline', this.onBrowserOffline);
    this.socket.disconnect();
  }
}
