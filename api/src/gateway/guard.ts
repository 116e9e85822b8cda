import type { ErrorCode } from '@o2o/domain';
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { toDomainError } from '../http/problem.js';

/** Every ack of an inbound socket event: a result, or a catalogue code. */
export type Ack<T extends object = object> =
  | ({ ok: true } & T)
  | { ok: false; code: ErrorCode; detail?: string };
export type AckFn<T extends object = object> = (ack: Ack<T>) => void;

/** A token bucket per socket: `perSecond` events on average, bursts up to `burst`. */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const checkers = new WeakMap<TSchema, ReturnType<typeof Compile>>();

/** One compiled checker per schema for the whole process (not one per socket: V8 optimises it once). */
function compiled<S extends TSchema>(schema: S): ReturnType<typeof Compile<S>> {
  let checker = checkers.get(schema);
  if (!checker) {
    checker = Compile(schema);
    checkers.set(schema, checker);
  }
  return checker as ReturnType<typeof Compile<S>>;
}

/**
 * Wraps a socket event handler: the payload is checked against its schema (a bad one is acked
 * `validation_failed`, never thrown), the socket's rate limit applies (`rate_limited`), and any
 * DomainError becomes `{ ok: false, code }`. A client that sends no ack callback gets nothing back.
 */
export function guarded<S extends TSchema, R extends object>(
  schema: S,
  limiter: RateLimiter,
  handler: (payload: Static<S>) => Promise<R>,
  onUnexpected: (err: unknown) => void,
): (payload: unknown, ack?: unknown) => void {
  const checker = compiled(schema);
  return (payload, ack) => {
    const reply: AckFn<R> = typeof ack === 'function' ? (ack as AckFn<R>) : () => undefined;
    if (!limiter.take()) return reply({ ok: false, code: 'rate_limited' });
    if (!checker.Check(payload)) {
      const first = checker.Errors(payload)[0];
      return reply({
        ok: false,
        code: 'validation_failed',
        detail: `${first?.instancePath || '(payload)'} ${first?.message ?? ''}`.trim(),
      });
    }
    handler(payload as Static<S>).then(
      (result) => reply({ ok: true, ...result }),
      (err: unknown) => {
        // The same mapping as HTTP: Postgres or Redis down is `dependency_unavailable` (retry),
        // not `internal`.
        const mapped = toDomainError(err);
        if (mapped.status < 500)
          return reply({ ok: false, code: mapped.code, ...(mapped.detail ? { detail: mapped.detail } : {}) });
        if (mapped.code !== 'dependency_unavailable') onUnexpected(err);
        reply({ ok: false, code: mapped.code });
      },
    );
  };
}
