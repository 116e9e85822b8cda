import { io, type Socket } from 'socket.io-client';
import { afterEach } from 'vitest';

/**
 * Real socket.io-client connections for gateway tests, all disconnected after each test.
 * `connect(baseUrl, '/courier', token)` opens one; `reconnection: true` lets it reconnect by itself.
 */
export function useSocketClients() {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  return {
    connect(baseUrl: string, namespace: string, token?: string, reconnection = false): Socket {
      const socket = io(`${baseUrl}${namespace}`, {
        auth: token ? { token } : {},
        transports: ['websocket'],
        reconnection,
        forceNew: true,
      });
      sockets.push(socket);
      return socket;
    },
  };
}

export function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

/** The refusal message of a connection the server turns away. */
export function refused(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected')));
    socket.once('connect_error', (err) => resolve(err.message));
  });
}

/** The next `event` whose payload matches, or a rejection after `timeoutMs`. */
export function next<T>(
  socket: Socket,
  event: string,
  match: (payload: T) => boolean = () => true,
  timeoutMs = 8000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching ${event} in ${timeoutMs} ms`)), timeoutMs);
    const handler = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(payload);
    };
    socket.on(event, handler);
  });
}
