import { Type } from 'typebox';

const problemRef = Type.Ref('Problem');

/** Response schemas for the error statuses a route can answer, all problem+json. */
export function problemResponses(...statuses: number[]): Record<number, typeof problemRef> {
  const out: Record<number, typeof problemRef> = {};
  for (const status of statuses) out[status] = problemRef;
  return out;
}
