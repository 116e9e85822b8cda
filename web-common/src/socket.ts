import { io, type Socket } from 'socket.io-client';
import { apiOrigin } from './api.js';

/** The api's Socket.IO namespaces (see api/src/gateway). */
export type Namespace = '/courier' | '/track' | '/ops';

/** Every ack of an inbound event, as the api's gateway sends it (api/src/gateway/guard.ts). */
export type Ack<T extends object = object> =
  | ({ ok: true } & T)
  | { ok: false; code: string; detail?: string };

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'refused';

export interface ConnectOptions {
  /** Defaults to the api origin (the page's own). */
  origin?: string;
  /** Called with the connection state on every change. */
  onState?: (state: ConnectionState, detail?: string) => void;
}

/**
 * Connects to a namespace with a token (courier or operator JWT, or a tracking token). The token
 * is read again on every (re)connect, so a refreshed one is used after a drop; socket.io retries
 * with backoff up to 5 s, and the server's connection state recovery replays missed events after a
 * short drop.
 */
export function connectNamespace(
  namespace: Namespace,
  token: string | (() => string | null),
  options: ConnectOptions = {},
): Socket {
  const tokenNow = typeof token === 'function' ? token : () => token;
  const socket = io(`${options.origin ?? apiOrigin()}${namespace}`, {
    auth: (cb) => cb({ token: tokenNow() ?? '' }),
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
  const onState = options.onState ?? (() => undefined);
  onState('connecting');
  socket.on('connect', () => onState('connected'));
  socket.on('disconnect', (reason) => {
    // The server closed us on purpose (or we did): socket.io will not retry by itself.
    if (reason === 'io server disconnect' || reason === 'io client disconnect') onState('offline', reason);
    else onState('reconnecting', reason);
  });
  socket.on('connect_error', (err) => {
    if (err.message === 'unauthorized') {
      onState('refused', err.message);
      socket.disconnect();
    } else onState('reconnecting', err.message);
  });
  if (typeof window !== 'undefined') {
    window.addEventListener('online', () => {
      if (!socket.connected) socket.connect();
    });
  }
  return socket;
}

/**
 * Emits an event and waits for the server's ack. Never throws: a timeout or a drop becomes
 * `{ ok: false, code: 'timeout' }`, so callers handle one shape.
 */
export async function emitWithAck<T extends object = object>(
  socket: Socket,
  event: string,
  payload: unknown,
  timeoutMs = 5000,
): Promise<Ack<T>> {
  try {
    return (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack<T>;
  } catch {
    return { ok: false, code: 'timeout', detail: `No answer to ${event} within ${timeoutMs} ms` };
  }
}
