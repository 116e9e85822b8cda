import { wallSleep } from './sim-clock.js';

/**
 * The city's HTTP calls to the public api: JSON in and out, a bearer credential (store API key or
 * courier JWT), and retries for what a real client retries: network errors, 429 and 503.
 */

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly attempts = 5,
  ) {}

  async call<T = Record<string, unknown>>(
    method: 'GET' | 'POST',
    path: string,
    options: { bearer?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let lastError: unknown;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await wallSleep(Math.min(4000, 250 * 2 ** attempt));
      try {
        const response = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if ((response.status === 429 || response.status === 503) && attempt < this.attempts - 1) continue;
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text
        }
        return { status: response.status, body: body as T };
      } catch (err) {
        lastError = err;
      }
    }
    throw new Error(
      `${method} ${path} failed: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
    );
  }
}
