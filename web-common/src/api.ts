/**
 * Calls to the api from a page. The apps are served by the api itself, so the api's origin is the
 * page's origin; a `?api=http://host:port` query parameter (kept in sessionStorage) points a page
 * served elsewhere (the Vite dev server) at another api.
 */

const API_ORIGIN_KEY = 'o2o.apiOrigin';

/** The api's origin, e.g. `http://127.0.0.1:3000`, without a trailing slash. */
export function apiOrigin(): string {
  const fromQuery = new URLSearchParams(location.search).get('api');
  if (fromQuery) {
    try {
      const origin = new URL(fromQuery).origin;
      sessionStorage.setItem(API_ORIGIN_KEY, origin);
      return origin;
    } catch {
      // not a URL: ignore it
    }
  }
  return sessionStorage.getItem(API_ORIGIN_KEY) ?? location.origin;
}

/** A problem+json answer (RFC 9457) from the api, or a network failure (`status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
  }
}

export interface ApiFetchOptions {
  method?: string;
  /** A JWT or API key, sent as `Authorization: Bearer`. */
  token?: string | null;
  body?: unknown;
  signal?: AbortSignal;
  /** Defaults to {@link apiOrigin}. */
  origin?: string;
}

/** JSON in, JSON out; any non-2xx answer becomes an {@link ApiError}. */
export async function apiFetch<T>(path: string, options: ApiFetchOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${options.origin ?? apiOrigin()}${path}`, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server cannot be reached', 'Check your connection');
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const problem = (parsed ?? {}) as { code?: string; title?: string; detail?: string };
    throw new ApiError(
      response.status,
      problem.code ?? `http_${response.status}`,
      problem.title ?? response.statusText ?? 'Request failed',
      problem.detail,
    );
  }
  return parsed as T;
}

/** "42 s", "3 min", "1 h 5 min": a short human duration from seconds. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}
