import { io, type Socket } from 'socket.io-client';

const ORDER = ['created', 'dispatching', 'assigned', 'at_pickup', 'picked_up', 'at_dropoff', 'delivered'];

/**
 * A customer watching one order on /track, reconnecting by itself (to whichever api `apiUrl`
 * names on each attempt). It records every status it is told, to check that the view only moves
 * forward and ends where Postgres says the order is.
 */
export class ViewerClient {
  readonly statuses: string[] = [];
  connects = 0;
  readonly reconnectMs: number[] = [];
  private socket: Socket | undefined;
  private lostAtMs: number | undefined;
  private version = 0;

  constructor(
    readonly orderId: string,
    private readonly trackingToken: string,
    private readonly apiUrl: () => string,
  ) {}

  start(): void {
    const socket = io(`${this.apiUrl()}/track`, {
      auth: { token: this.trackingToken },
      transports: ['websocket'],
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      forceNew: true,
    });
    this.socket = socket;
    socket.io.on('reconnect_attempt', () => {
      (socket.io as unknown as { uri: string }).uri = new URL(this.apiUrl()).origin;
    });
    socket.on('connect', () => {
      this.connects += 1;
      if (this.lostAtMs !== undefined) this.reconnectMs.push(Date.now() - this.lostAtMs);
      this.lostAtMs = undefined;
    });
    socket.on('disconnect', () => {
      this.lostAtMs ??= Date.now();
    });
    socket.on('status', (update: { status: string; version: number }) => {
      // As the tracking page does: an update read before one already shown is dropped.
      if (update.version < this.version) return;
      this.version = update.version;
      if (this.statuses.at(-1) !== update.status) this.statuses.push(update.status);
      if (update.status === 'delivered' || update.status === 'canceled') socket.disconnect();
    });
  }

  get last(): string | undefined {
    return this.statuses.at(-1);
  }

  /** True when every status seen is at or after the one before it in the order's life. */
  movedOnlyForward(): boolean {
    const ranks = this.statuses.map((s) => ORDER.indexOf(s));
    return ranks.every((rank, i) => rank >= 0 && (i === 0 || rank >= ranks[i - 1]!));
  }

  close(): void {
    this.socket?.disconnect();
  }
}
