import type { OrderStatus } from './order-state.js';
import type { WebhookEventType } from './schemas/webhooks.js';

/** The webhook/outbox event type that a status change produces. */
export function eventTypeForStatus(status: OrderStatus): WebhookEventType {
  return `order.${status}`;
}
