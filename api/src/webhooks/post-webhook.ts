import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './sign.js';

export interface PostResult {
  delivered: boolean;
  statusCode: number | null;
  durationMs: number;
  error?: string;
}

/** One signed POST of an event to a store's URL. Any 2xx is a delivery; anything else is not. */
export async function postWebhook(
  url: string,
  secret: string,
  eventId: string,
  payload: unknown,
  timeoutMs: number,
): Promise<PostResult> {
  const body = JSON.stringify(payload);
  const ts = Math.floor(Date.now() / 1000);
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'o2o-dispatch-webhooks/1',
        [EVENT_ID_HEADER]: eventId,
        [TIMESTAMP_HEADER]: String(ts),
        [SIGNATURE_HEADER]: signWebhook(secret, ts, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    const delivered = response.status >= 200 && response.status < 300;
    return {
      delivered,
      statusCode: response.status,
      durationMs: Math.round(performance.now() - started),
      ...(delivered ? {} : { error: `HTTP ${response.status}` }),
    };
  } catch (err) {
    return {
      delivered: false,
      statusCode: null,
      durationMs: Math.round(performance.now() - started),
      error:
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err),
    };
  }
}
