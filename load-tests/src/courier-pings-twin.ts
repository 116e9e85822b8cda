import WebSocket from 'ws';
import { p95, passes, type TwinResult } from './measure.js';
import {
  connectFrame,
  eventFrame,
  locationPayload,
  PONG,
  parseFrame,
  socketIoUrl,
} from './socketio-frames.js';
import { COURIER_PINGS_THRESHOLDS } from './thresholds.js';

export interface CourierPingsTwinOptions {
  baseUrl: string;
  /** Courier JWTs (`POST /v1/auth/courier/login`); one socket each. */
  tokens: string[];
  /** Seconds between two `location` events of one courier. */
  intervalSeconds: number;
  seconds: number;
}

/**
 * The Node twin of `k6/courier-pings.ts`, with the same raw Socket.IO frames over a plain
 * WebSocket: each courier connects to `/courier` and sends `location` every `intervalSeconds`;
 * `p95Ms` is the time to the ack, `failed` counts acks that are not `{ ok: true }` or never came.
 */
export async function runCourierPingsTwin(options: CourierPingsTwinOptions): Promise<TwinResult> {
  const runs = await Promise.all(options.tokens.map((token) => oneCourier(options, token)));
  const durations = runs.flatMap((r) => r.durations);
  const failed = runs.reduce((n, r) => n + r.failed, 0);
  return { sent: durations.length + failed, failed, p95Ms: p95(durations) };
}

export function courierPingsThresholdsPassed(result: TwinResult): boolean {
  return passes(result, COURIER_PINGS_THRESHOLDS);
}

function oneCourier(
  options: CourierPingsTwinOptions,
  token: string,
): Promise<{ durations: number[]; failed: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(socketIoUrl(options.baseUrl));
    const sentAt = new Map<number, number>();
    const durations: number[] = [];
    let failed = 0;
    let ackId = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearInterval(timer);
      failed += sentAt.size; // never acked
      sentAt.clear();
      ws.close();
      resolve({ durations, failed });
    };
    const send = () => {
      ackId += 1;
      sentAt.set(ackId, performance.now());
      ws.send(eventFrame('/courier', ackId, 'location', locationPayload()));
    };
    ws.on('message', (data) => {
      const frame = parseFrame(data.toString());
      if (frame.kind === 'open') ws.send(connectFrame('/courier', { token }));
      else if (frame.kind === 'ping') ws.send(PONG);
      else if (frame.kind === 'connect_error') {
        failed += 1;
        finish();
      } else if (frame.kind === 'connected') {
        send();
        timer = setInterval(send, options.intervalSeconds * 1000);
        // Stop sending at the end, then give the last acks a second to come back.
        setTimeout(() => {
          clearInterval(timer);
          setTimeout(finish, 1000);
        }, options.seconds * 1000);
      } else if (frame.kind === 'ack') {
        const start = sentAt.get(frame.ackId);
        if (start === undefined) return;
        sentAt.delete(frame.ackId);
        if ((frame.args[0] as { ok?: unknown } | undefined)?.ok === true)
          durations.push(performance.now() - start);
        else failed += 1;
      }
    });
    ws.on('error', () => {
      failed += 1;
      finish();
    });
  });
}
