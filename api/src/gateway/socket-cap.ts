import type { Redis } from 'ioredis';
import type { Namespace, Socket } from 'socket.io';

/** Whose sockets are counted: a courier or operator account, or one order's tracking link. */
export type SocketOwnerKind = 'courier' | 'operator' | 'track';

/**
 * KEYS[1] sorted set socket id → claim expiry (epoch ms) of one owner
 * ARGV[1] socket id, ARGV[2] now ms, ARGV[3] claim lifetime ms, ARGV[4] most sockets allowed
 * returns 1 claimed (or renewed), 0 refused: the owner holds that many live claims already
 */
const CLAIM_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local expires = tonumber(ARGV[2]) + tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], expires, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

export interface SocketCapOptions {
  /** A claim lives this long unless its process renews it (a killed process's claims lapse). */
  claimTtlMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Caps the sockets one owner holds at once, across every api process: each socket claims a
 * slot in a Redis sorted set of its owner's (atomic check-and-add), releases it when it
 * disconnects, and its process renews its claims every third of their lifetime, so the claims
 * of a process that died lapse within `claimTtlMs`. If Redis cannot answer, the socket is let in
 * (the cap guards against abuse; refusing every courier during a Redis restart would be worse).
 */
export class SocketCap {
  private readonly claimTtlMs: number;
  private readonly local = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: SocketCapOptions = {},
  ) {
    this.claimTtlMs = options.claimTtlMs ?? 60_000;
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.claimTtlMs / 3)));
    this.timer.unref();
  }

  private key(kind: SocketOwnerKind, owner: string): string {
    return `${this.prefix}:sockets:${kind}:${owner}`;
  }

  /** True when the socket may stay: its owner holds fewer than `max` other live sockets. */
  async claim(kind: SocketOwnerKind, owner: string, socketId: string, max: number): Promise<boolean> {
    const key = this.key(kind, owner);
    try {
      const claimed = await this.redis.eval(CLAIM_LUA, 1, key, socketId, Date.now(), this.claimTtlMs, max);
      if (Number(claimed) !== 1) return false;
    } catch (err) {
      this.options.onError?.(err);
    }
    this.local.set(socketId, key);
    return true;
  }

  release(socketId: string): void {
    const key = this.local.get(socketId);
    if (key === undefined) return;
    this.local.delete(socketId);
    this.redis.zrem(key, socketId).catch((err: unknown) => this.options.onError?.(err));
  }

  private async renew(): Promise<void> {
    if (this.local.size === 0) return;
    const expires = Date.now() + this.claimTtlMs;
    const pipeline = this.redis.pipeline();
    for (const [socketId, key] of this.local) {
      pipeline.zadd(key, 'XX', expires, socketId);
      pipeline.pexpire(key, this.claimTtlMs);
    }
    await pipeline.exec().catch((err: unknown) => this.options.onError?.(err));
  }

  /** Stops renewing and releases this process's claims. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    const pipeline = this.redis.pipeline();
    for (const [socketId, key] of this.local) pipeline.zrem(key, socketId);
    this.local.clear();
    await pipeline.exec().catch(() => undefined);
  }
}

/** The error a refused handshake gets: the client's `connect_error` with this message and data. */
export function tooManySocketsError(max: number): Error & { data: { code: string; max: number } } {
  return Object.assign(new Error('too_many_sockets'), { data: { code: 'too_many_sockets', max } });
}

/**
 * Caps a namespace's sockets per owner. Registered after the namespace's own handshake check, so
 * `ownerOf` reads what that check put in `socket.data`. A fresh socket over the cap is refused in
 * the handshake (the client's `connect_error`: `too_many_sockets`, `data.max`); one recovered
 * after a short drop skips the middlewares, so it claims on connection and, if refused, gets a
 * `refused` event with the same code before it is disconnected.
 */
export function capSockets(
  nsp: Namespace,
  cap: SocketCap,
  kind: SocketOwnerKind,
  max: number,
  ownerOf: (socket: Socket) => string,
): void {
  nsp.use((socket, next) => {
    cap.claim(kind, ownerOf(socket), socket.id, max).then(
      (ok) => next(ok ? undefined : tooManySocketsError(max)),
      () => next(),
    );
  });
  nsp.on('connection', (socket) => {
    socket.on('disconnect', () => cap.release(socket.id));
    if (!socket.recovered) return;
    void cap.claim(kind, ownerOf(socket), socket.id, max).then((ok) => {
      if (ok) return;
      socket.emit('refused', { code: 'too_many_sockets', max });
      socket.disconnect(true);
    });
  });
}
