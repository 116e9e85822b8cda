import { DomainError, type ErrorCode } from '@o2o/domain';

/**
 * Negative results of the offer scripts, each with the catalogue code the courier gets. The one
 * place a Lua code becomes an error.
 */
const OFFER_FAILURES: Readonly<Record<number, { code: ErrorCode; detail: string }>> = {
  [-1]: { code: 'not_found', detail: 'No such offer' },
  [-2]: { code: 'not_found', detail: 'No such offer' },
  [-3]: { code: 'offer_closed', detail: 'The offer is no longer open' },
  [-4]: { code: 'offer_expired', detail: 'The offer has expired' },
  [-5]: { code: 'offer_taken', detail: 'Another courier took this job' },
};

export function offerErrorFromLua(luaCode: number): DomainError {
  const failure = OFFER_FAILURES[luaCode];
  if (!failure) return new DomainError('internal', { detail: `unexpected offer script result ${luaCode}` });
  return new DomainError(failure.code, { detail: failure.detail });
}
