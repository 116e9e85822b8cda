import { DomainError, type ErrorCode } from '../../../domain/src/errors.js';

/**
 * Negative codes returned by the index's Lua scripts (and used by the in-memory index), each with
 * the catalogue code it maps to. Keep the numbers in step with the `-- returns` headers in lua/.
 */
export const INDEX_FAILURES = {
  courier_unknown: { luaCode: -1, code: 'not_found', title: 'The courier is not in the index' },
  load_over_capacity: { luaCode: -2, code: 'validation_failed', title: 'Load exceeds capacity' },
  invalid_position: { luaCode: -3, code: 'validation_failed', title: 'Not a valid WGS84 position' },
} as const satisfies Record<string, { luaCode: number; code: ErrorCode; title: string }>;

export type IndexFailure = keyof typeof INDEX_FAILURES;

/** Lua code a ping gets when it is older than the courier's last accepted ping (not an error). */
export const LUA_STALE_PING = -10;

/** A refused index operation; `reason` tells which rule refused it. */
export class IndexError extends DomainError {
  readonly reason: IndexFailure;

  constructor(reason: IndexFailure, detail: string) {
    const failure = INDEX_FAILURES[reason];
    super(failure.code, { detail: `${failure.title}: ${detail}` });
    this.name = 'IndexError';
    this.reason = reason;
  }
}

/** The one place a negative Lua result becomes an error. `context` names the courier or call. */
export function errorFromLuaCode(luaCode: number, context: string): IndexError {
  for (const [reason, failure] of Object.entries(INDEX_FAILURES) as [
    IndexFailure,
    (typeof INDEX_FAILURES)[IndexFailure],
  ][]) {
    if (failure.luaCode === luaCode) return new IndexError(reason, context);
  }
  throw new Error(`unexpected index script result ${luaCode} (${context})`);
}
