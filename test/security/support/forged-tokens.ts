import { createHmac } from 'node:crypto';

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 JWT over `payload` with `secret`: with the server's secret and a past `exp`, an expired token. */
export function hs256(payload: object, secret: string): string {
  const head = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** The classic forgery: `alg: none` and no signature. */
export function unsigned(payload: object): string {
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

/** Tokens no server should accept, given the claims an attacker would like to have. */
export function forgedTokens(claims: object, serverSecret: string): Record<string, string> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  return {
    'wrong secret': hs256({ ...claims, iat: nowSeconds }, 'not-the-server-secret-at-all'),
    'alg none': unsigned({ ...claims, iat: nowSeconds }),
    expired: hs256({ ...claims, iat: nowSeconds - 7200, exp: nowSeconds - 3600 }, serverSecret),
    truncated: hs256(claims, serverSecret).slice(0, -6),
  };
}
