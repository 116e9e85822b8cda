import type { Thresholds } from './thresholds.js';

/** What a twin reports: the same two numbers k6 checks, plus how many requests were sent. */
export interface TwinResult {
  sent: number;
  failed: number;
  p95Ms: number;
}

/** Nearest-rank 95th percentile (0 for no samples). */
export function p95(durationsMs: readonly number[]): number {
  if (durationsMs.length === 0) return 0;
  const sorted = [...durationsMs].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
}

/** k6's `http_req_failed`: a network error or a status outside 200–399. */
export function isFailure(status: number | undefined): boolean {
  return status === undefined || status < 200 || status >= 400;
}

export function passes(result: TwinResult, t: Thresholds): boolean {
  if (result.sent === 0) return false;
  return result.p95Ms < t.p95Ms && result.failed / result.sent < t.maxFailedRate;
}

/** One timed fetch: its duration and status (undefined on a network error). */
export async function timedFetch(
  url: string,
  init: RequestInit,
): Promise<{ ms: number; status: number | undefined; body: unknown }> {
  const start = performance.now();
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    const ms = performance.now() - start;
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { ms, status: response.status, body };
  } catch {
    return { ms: performance.now() - start, status: undefined, body: undefined };
  }
}

/**
 * Open-model arrivals like k6's arrival-rate executors: starts `send(i)` every `1000 / rate` ms
 * for `seconds`, without waiting for earlier requests, then waits for them all.
 */
export async function atArrivalRate<T>(
  ratePerSecond: number,
  seconds: number,
  send: (i: number) => Promise<T>,
): Promise<T[]> {
  const total = Math.round(ratePerSecond * seconds);
  const intervalMs = 1000 / ratePerSecond;
  const started = performance.now();
  const inFlight: Promise<T>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(send(i));
  }
  return Promise.all(inFlight);
}
