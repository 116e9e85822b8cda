import { apiFetch } from '@o2o/web-common/api';
import type { Operator } from './types.js';

const KEY = 'o2o.ops.session';

export interface Session {
  token: string;
  operator: Operator;
}

/** The operator's session lives in sessionStorage: closing the tab logs out. */
export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export async function logIn(email: string, password: string): Promise<Session> {
  const session = await apiFetch<Session>('/v1/auth/operator/login', { body: { email, password } });
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function logOut(): void {
  sessionStorage.removeItem(KEY);
}
