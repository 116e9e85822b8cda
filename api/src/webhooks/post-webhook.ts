import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './sign.js';
import {
  guardedLookup,
  hostOf,
  refusedAddress,
  refusedUrlForm,
  type WebhookUrlPolicy,
} from './url-policy.js';

export interface PostResult {
  delivered: boolean;
  statusCode: number | null;
  durationMs: number;
  error?: string;
}

/**
 * One signed POST of an event to a store's URL. Any 2xx is a delivery; anything else is not;
 * redirects are not followed. The URL's addresses are checked against `policy` as the socket
 * connects (`guardedLookup`), so a refused address is never contacted.
 */
export async function postWebhook(
  url: string,
  secret: string,
  eventId: string,
  payload: unknown,
  timeoutMs: number,
  policy: WebhookUrlPolicy,
): Promise<PostResult> {
  const body = JSON.stringify(payload);
  const ts = Math.floor(Date.now() / 1000);
  const started = performance.now();
  const elapsedMs = () => Math.round(performance.now() - started);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { delivered: false, statusCode: null, durationMs: 0, error: 'webhook URL not allowed: not a URL' };
  }
  const host = hostOf(target);
  const refused = refusedUrlForm(target) ?? (isIP(host) !== 0 ? refusedAddress(host, policy) : null);
  if (refused)
    return {
      delivered: false,
      statusCode: null,
      durationMs: 0,
      error: `webhook URL not allowed: ${refused}`,
    };
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  try {
    const statusCode = await new Promise<number>((resolve, reject) => {
      const req = send(
        {
          protocol: target.protocol,
          hostname: host,
          ...(target.port ? { port: Number(target.port) } : {}),
          path: `${target.pathname}${target.search}`,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'o2o-dispatch-webhooks/1',
            [EVENT_ID_HEADER]: eventId,
            [TIMESTAMP_HEADER]: String(ts),
            [SIGNATURE_HEADER]: signWebhook(secret, ts, body),
          },
          lookup: guardedLookup(policy),
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const delivered = statusCode >= 200 && statusCode < 300;
    return {
      delivered,
      statusCode,
      durationMs: elapsedMs(),
      ...(delivered ? {} : { error: `HTTP ${statusCode}` }),
    };
  } catch (err) {
    return {
      delivered: false,
      statusCode: null,
      durationMs: elapsedMs(),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}
