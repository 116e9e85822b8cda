import { randomUUID } from 'node:crypto';
import {
  DomainError,
  type WebhookEventType,
  WebhookSettingsInputSchema,
  WebhookSettingsSchema,
  WebhookTestResultSchema,
} from '@o2o/domain';
import type { App, AppDeps } from '../../app-types.js';
import { postWebhook } from '../../webhooks/post-webhook.js';
import { secretBoxFrom, webhookSecretOf } from '../../webhooks/secret-box.js';
import { generateWebhookSecret } from '../../webhooks/sign.js';
import { webhookUrlPolicyFrom, webhookUrlRefusal } from '../../webhooks/url-policy.js';
import { problemResponses } from '../problems.js';

interface StoreWebhookRow {
  store_id: string;
  webhook_url: string | null;
  webhook_events: WebhookEventType[];
  webhook_secret: string | null;
  webhook_secret_sealed: string | null;
}

/** A store's webhook: URL and events; the signing secret is shown once, when made or rotated. */
export async function webhookSettingsRoutes(app: App, deps: AppDeps): Promise<void> {
  const urlPolicy = webhookUrlPolicyFrom(deps.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS);
  const box = secretBoxFrom(deps.config.SECRETS_KEY);
  const load = async (storeId: string) =>
    (
      await deps.pool.query<StoreWebhookRow>(
        `SELECT id AS store_id, webhook_url, webhook_events, webhook_secret, webhook_secret_sealed
           FROM stores WHERE id = $1`,
        [storeId],
      )
    ).rows[0]!;

  app.get(
    '/v1/webhook',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Your webhook settings (without the secret)',
        security: [{ apiKey: [] }],
        response: { 200: WebhookSettingsSchema, ...problemResponses(401, 429) },
      },
    },
    async (request) => {
      const row = await load(request.store!.id);
      return { url: row.webhook_url, events: row.webhook_events };
    },
  );

  app.put(
    '/v1/webhook',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Set the webhook URL and events; returns the signing secret the first time',
        description: 'An empty or missing `events` list subscribes to every event type.',
        security: [{ apiKey: [] }],
        body: WebhookSettingsInputSchema,
        response: { 200: WebhookSettingsSchema, ...problemResponses(400, 401, 413, 415, 422, 429) },
      },
    },
    async (request) => {
      const storeId = request.store!.id;
      const refused = await webhookUrlRefusal(request.body.url, urlPolicy);
      if (refused) {
        throw new DomainError('webhook_url_not_allowed', {
          detail: `Webhooks go to public http(s) addresses only: ${refused}`,
          errors: [{ field: '/body/url', message: refused }],
        });
      }
      const newSecret = generateWebhookSecret();
      const sealed = box.seal(newSecret, storeId);
      // The secret is made the first time only (a row with a plain secret not sealed yet keeps it).
      const updated = await deps.pool.query<{
        webhook_url: string;
        webhook_events: WebhookEventType[];
        secret_made: boolean;
      }>(
        `UPDATE stores SET webhook_url = $2, webhook_events = $3,
                webhook_secret_sealed = COALESCE(webhook_secret_sealed, CASE WHEN webhook_secret IS NULL THEN $4 END)
          WHERE id = $1
          RETURNING webhook_url, webhook_events, webhook_secret_sealed IS NOT DISTINCT FROM $4 AS secret_made`,
        [storeId, request.body.url, request.body.events ?? [], sealed],
      );
      const row = updated.rows[0]!;
      return {
        url: row.webhook_url,
        events: row.webhook_events,
        ...(row.secret_made ? { secret: newSecret } : {}),
      };
    },
  );

  app.post(
    '/v1/webhook/rotate-secret',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the signing secret; the new one is shown once',
        security: [{ apiKey: [] }],
        response: { 200: WebhookSettingsSchema, ...problemResponses(401, 429) },
      },
    },
    async (request) => {
      const secret = generateWebhookSecret();
      const updated = await deps.pool.query<StoreWebhookRow>(
        `UPDATE stores SET webhook_secret_sealed = $2, webhook_secret = NULL WHERE id = $1
          RETURNING webhook_url, webhook_events`,
        [request.store!.id, box.seal(secret, request.store!.id)],
      );
      const row = updated.rows[0]!;
      return { url: row.webhook_url, events: row.webhook_events, secret };
    },
  );

  app.post(
    '/v1/webhook/test',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send a signed `ping` event to your URL now and report what it answered',
        security: [{ apiKey: [] }],
        response: { 200: WebhookTestResultSchema, ...problemResponses(401, 422, 429) },
      },
    },
    async (request) => {
      const row = await load(request.store!.id);
      const secret = webhookSecretOf(box, row);
      if (!row.webhook_url || !secret) throw new DomainError('webhook_not_configured');
      const eventId = `evt_${randomUUID()}`;
      const payload = {
        id: eventId,
        type: 'ping',
        created_at: new Date().toISOString(),
        order: null,
        data: {},
      };
      const result = await postWebhook(
        row.webhook_url,
        secret,
        eventId,
        payload,
        deps.config.WEBHOOK_TIMEOUT_MS,
        urlPolicy,
      );
      return {
        delivered: result.delivered,
        status_code: result.statusCode,
        duration_ms: result.durationMs,
        ...(result.error ? { error: result.error } : {}),
      };
    },
  );
}
