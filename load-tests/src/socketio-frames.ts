/**
 * Just enough of the Engine.IO v4 / Socket.IO v5 wire format (what socket.io 4 speaks) to be a
 * courier over a plain WebSocket, for k6 (`k6/ws` has no Socket.IO client). No imports: k6 loads
 * it as it is, and the Node twin uses the same functions.
 *
 * Engine.IO packet = one digit type + data: `0` open, `2` ping, `3` pong, `4` message. A Socket.IO
 * packet rides in a message: `4` + its own digit type (`0` connect, `2` event, `3` ack, `4`
 * connect error) + `/<namespace>,` + optional ack id + JSON.
 */

/** The WebSocket URL of a Socket.IO server (`http://host:port` → `ws://host:port/socket.io/…`). */
export function socketIoUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/socket.io/?EIO=4&transport=websocket`;
}

/** Connect to a namespace with a handshake `auth` object: `40/courier,{"token":"…"}`. */
export function connectFrame(namespace: string, auth: Record<string, unknown>): string {
  return `40${namespace},${JSON.stringify(auth)}`;
}

/** An event that wants an ack: `42/courier,7["location",{…}]`. */
export function eventFrame(namespace: string, ackId: number, event: string, data: unknown): string {
  return `42${namespace},${ackId}${JSON.stringify([event, data])}`;
}

/** The answer to an Engine.IO ping. */
export const PONG = '3';

export type Frame =
  | { kind: 'open' }
  | { kind: 'ping' }
  | { kind: 'connected'; namespace: string }
  | { kind: 'connect_error'; namespace: string; message: string }
  | { kind: 'ack'; namespace: string; ackId: number; args: unknown[] }
  | { kind: 'event'; namespace: string; event: string; data: unknown }
  | { kind: 'other'; raw: string };

/** Reads one text frame from the server. */
export function parseFrame(raw: string): Frame {
  if (raw.startsWith('0')) return { kind: 'open' };
  if (raw === '2') return { kind: 'ping' };
  const m = /^4([0-6])(\/[^,]*,|)(\d*)([\s\S]*)$/.exec(raw);
  if (!m) return { kind: 'other', raw };
  const [, type, nsp, id, json] = m as unknown as [string, string, string, string, string];
  const namespace = nsp ? nsp.slice(0, -1) : '/';
  const payload: unknown = json ? JSON.parse(json) : undefined;
  switch (type) {
    case '0':
      return { kind: 'connected', namespace };
    case '4':
      return {
        kind: 'connect_error',
        namespace,
        message: String((payload as { message?: unknown } | undefined)?.message ?? 'connect_error'),
      };
    case '3':
      return { kind: 'ack', namespace, ackId: Number(id), args: Array.isArray(payload) ? payload : [] };
    case '2': {
      const [event, data] = Array.isArray(payload) ? payload : [];
      return { kind: 'event', namespace, event: String(event), data };
    }
    default:
      return { kind: 'other', raw };
  }
}

/** A position near Berlin Mitte, as the courier app sends it. */
export function locationPayload(): { lat: number; lng: number; accuracy_m: number } {
  return {
    lat: 52.52 + (Math.random() - 0.5) * 0.05,
    lng: 13.405 + (Math.random() - 0.5) * 0.05,
    accuracy_m: 10,
  };
}
