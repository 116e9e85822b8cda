import type { AccessClaims } from '@o2o/domain';
import type { FastifyRequest } from 'fastify';
import { type AuthenticatedStore, bearerToken, type StoreAuthenticator } from '../stores/store-auth.js';
import { apiKeyPrefix } from './api-keys.js';

/** The store of a request's API key, verified once per request (the rate limit and the route share it). */
export type RequestStoreResolver = (request: FastifyRequest) => Promise<AuthenticatedStore>;

export function requestStoreResolver(authenticateStore: StoreAuthenticator): RequestStoreResolver {
  const resolved = new WeakMap<FastifyRequest, Promise<AuthenticatedStore>>();
  return (request) => {
    let store = resolved.get(request);
    if (!store) {
      store = authenticateStore(request.headers.authorization);
      // Whoever awaits it handles a refusal; this copy only must not be an unhandled rejection.
      store.catch(() => undefined);
      resolved.set(request, store);
    }
    return store;
  };
}

/**
 * Whose budget a request spends: a store's when its API key verifies (every key of the store
 * shares it), a courier's or operator's account when its JWT verifies, else the client address.
 * Credentials are verified before they choose a budget, so a key or token that does not verify
 * (a guessed secret behind a real key prefix, a forged JWT) cannot spend anyone else's: it is
 * counted on the address it comes from.
 */
export function rateLimitKeyGenerator(
  storeOf: RequestStoreResolver,
  verifyJwt: (token: string) => AccessClaims,
): (request: FastifyRequest) => Promise<string> {
  return async (request) => {
    const token = bearerToken(request.headers.authorization);
    if (token && apiKeyPrefix(token)) {
      try {
        return `store:${(await storeOf(request)).id}`;
      } catch {
        return `ip:${request.ip}`;
      }
    }
    if (token) {
      try {
        const claims = verifyJwt(token);
        return `${claims.role}:${claims.sub}`;
      } catch {
        // not a token of ours: counted on the address
      }
    }
    return `ip:${request.ip}`;
  };
}
