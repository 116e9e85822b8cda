// Couriers online, each sending its position every few seconds over Socket.IO (raw frames over
// k6/ws: see src/socketio-frames.ts).
//   k6 run --compatibility-mode=experimental_enhanced -e BASE_URL=https://api.example \
//     -e COURIER_TOKENS=jwt1,jwt2 load-tests/k6/courier-pings.ts
import { check } from 'k6';
import exec from 'k6/execution';
import { Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import ws from 'k6/ws';
import {
  connectFrame,
  eventFrame,
  locationPayload,
  PONG,
  parseFrame,
  socketIoUrl,
} from '../src/socketio-frames.ts';
import { COURIER_PINGS_THRESHOLDS } from '../src/thresholds.ts';

const BASE_URL = __ENV.BASE_URL ?? 'http://127.0.0.1:3000';
const TOKENS = (__ENV.COURIER_TOKENS ?? '')
  .split(',')
  .map((t) => t.trim())
  .filter((t) => t.length > 0);
const INTERVAL_SECONDS = Number(__ENV.INTERVAL_SECONDS ?? 3);
const SESSION_SECONDS = Number(__ENV.SESSION_SECONDS ?? 60);

const ackMs = new Trend('location_ack_ms', true);
const ackFailed = new Rate('location_ack_failed');

export const options: Options = {
  scenarios: {
    couriers: {
      executor: 'constant-vus',
      vus: Number(__ENV.COURIERS ?? TOKENS.length),
      duration: __ENV.DURATION ?? '2m',
    },
  },
  thresholds: {
    location_ack_ms: [`p(95)<${COURIER_PINGS_THRESHOLDS.p95Ms}`],
    location_ack_failed: [`rate<${COURIER_PINGS_THRESHOLDS.maxFailedRate}`],
  },
};

export function setup(): void {
  if (TOKENS.length === 0) exec.test.abort('set COURIER_TOKENS to a comma list of courier JWTs');
}

export default function (): void {
  // One courier per VU; a session lasts SESSION_SECONDS, then the VU reconnects.
  const token = TOKENS[(exec.vu.idInTest - 1) % TOKENS.length]!;
  const sentAt = new Map<number, number>();
  let ackId = 0;
  const res = ws.connect(socketIoUrl(BASE_URL), {}, (socket) => {
    socket.on('message', (raw) => {
      const frame = parseFrame(raw);
      if (frame.kind === 'open') socket.send(connectFrame('/courier', { token }));
      else if (frame.kind === 'ping') socket.send(PONG);
      else if (frame.kind === 'connect_error') {
        ackFailed.add(true);
        socket.close();
      } else if (frame.kind === 'connected') {
        socket.setInterval(() => {
          ackId += 1;
          sentAt.set(ackId, Date.now());
          socket.send(eventFrame('/courier', ackId, 'location', locationPayload()));
        }, INTERVAL_SECONDS * 1000);
      } else if (frame.kind === 'ack') {
        const start = sentAt.get(frame.ackId);
        if (start === undefined) return;
        sentAt.delete(frame.ackId);
        const ok = (frame.args[0] as { ok?: unknown } | undefined)?.ok === true;
        ackFailed.add(!ok);
        if (ok) ackMs.add(Date.now() - start);
      }
    });
    socket.setTimeout(() => socket.close(), SESSION_SECONDS * 1000);
  });
  // Pings still waiting for their ack when the session ended count as failed.
  for (let i = 0; i < sentAt.size; i++) ackFailed.add(true);
  check(res, { 'websocket upgraded (101)': (r) => r !== null && r.status === 101 });
}
