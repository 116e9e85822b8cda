import { type Static, Type } from 'typebox';
import { IsoDateTime, OrderStatusSchema, StringUnion, Uuid } from './common.js';

export const WEBHOOK_EVENT_TYPES = [
  'order.created',
  'order.dispatching',
  'order.assigned',
  'order.at_pickup',
  'order.picked_up',
  'order.at_dropoff',
  'order.delivered',
  'order.canceled',
  'order.failed',
  'order.rated',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const WebhookEventTypeSchema = StringUnion(WEBHOOK_EVENT_TYPES);

export const WebhookSettingsInputSchema = Type.Object(
  {
    url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }),
    events: Type.Optional(Type.Array(WebhookEventTypeSchema, { uniqueItems: true, minItems: 1 })),
  },
  { additionalProperties: false },
);
export type WebhookSettingsInput = Static<typeof WebhookSettingsInputSchema>;

export const WebhookSettingsSchema = Type.Object({
  url: Type.Union([Type.String(), Type.Null()]),
  events: Type.Array(WebhookEventTypeSchema),
  /** Present only in the response that creates or rotates it. */
  secret: Type.Optional(Type.String({ description: 'Signing secret: shown once, store it now' })),
});
export type WebhookSettings = Static<typeof WebhookSettingsSchema>;

export const WebhookTestResultSchema = Type.Object({
  delivered: Type.Boolean(),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  duration_ms: Type.Integer(),
  error: Type.Optional(Type.String()),
});

/**
 * The body POSTed to a store's webhook URL. Headers: `X-O2O-Event-Id`, `X-O2O-Timestamp` (unix
 * seconds) and `X-O2O-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
 */
export const WebhookPayloadSchema = Type.Object({
  id: Type.String({ description: 'Event id: dedupe on it' }),
  type: Type.Union([WebhookEventTypeSchema, Type.Literal('ping')]),
  created_at: IsoDateTime,
  order: Type.Union([
    Type.Object({
      id: Uuid,
      external_id: Type.String(),
      status: OrderStatusSchema,
      seq: Type.Integer({ description: 'Per-order sequence: apply events in this order' }),
      courier_id: Type.Union([Uuid, Type.Null()]),
    }),
    Type.Null(),
  ]),
  data: Type.Record(Type.String(), Type.Unknown()),
});
export type WebhookPayload = Static<typeof WebhookPayloadSchema>;

export const DeadWebhookSchema = Type.Object({
  id: Type.String(),
  store_id: Uuid,
  order_id: Type.Union([Uuid, Type.Null()]),
  type: Type.String(),
  attempts: Type.Integer(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  created_at: IsoDateTime,
});
export const DeadWebhookListSchema = Type.Object({ data: Type.Array(DeadWebhookSchema) });
