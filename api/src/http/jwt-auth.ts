import { type AccessClaims, DomainError } from '@o2o/domain';
import type { FastifyRequest } from 'fastify';

type Verifiable = Pick<FastifyRequest, 'jwtVerify'>;

async function claimsOf(request: Verifiable, who: string): Promise<AccessClaims> {
  try {
    return await request.jwtVerify<AccessClaims>();
  } catch {
    throw new DomainError('unauthorized', { detail: `Send Authorization: Bearer <${who} token>` });
  }
}

/** The courier behind a request's JWT; 401 without a valid token, 403 for another role. */
export async function courierClaims(
  request: Verifiable,
): Promise<Extract<AccessClaims, { role: 'courier' }>> {
  const claims = await claimsOf(request, 'courier');
  if (claims.role !== 'courier') throw new DomainError('forbidden', { detail: 'Couriers only' });
  return claims;
}

/** The operator behind a request's JWT, with the regions they may act on. */
export async function operatorClaims(
  request: Verifiable,
): Promise<Extract<AccessClaims, { role: 'operator' }>> {
  const claims = await claimsOf(request, 'operator');
  if (claims.role !== 'operator') throw new DomainError('forbidden', { detail: 'Operators only' });
  return claims;
}
