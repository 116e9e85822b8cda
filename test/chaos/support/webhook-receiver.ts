import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { freePort } from './ports.js';

export interface ReceivedEvent {
  eventId: string;
  orderId: string;
  seq: number;
  type: string;
}

/**
 * A store's webhook endpoint as a careful store writes it: checks the signature itself (HMAC-SHA256
 * of "<timestamp>.<raw body>"), processes each event id once (deliveries are at-least-once) and
 * applies each order's events in `seq` order, holding back any that arrive early. It can be taken
 * down (the port refuses connections) and brought back on the same port, and it can "lose" the
 * answer to every n-th delivery after processing it (answers 500), which forces redeliveries.
 */
export class WebhookReceiver {
  readonly processed = new Map<string, ReceivedEvent>();
  deliveries = 0;
  duplicates = 0;
  badSignatures = 0;
  /** Events that arrived before an earlier event of their order (held back, applied later). */
  arrivedEarly = 0;
  /** Per order, the seq of the last event applied in order. */
  readonly applied = new Map<string, number>();
  private readonly heldBack = new Map<string, Map<number, ReceivedEvent>>();
  private server: Server | undefined;
  private port = 0;

  constructor(
    private readonly secrets: () => string[],
    private readonly loseEveryNthAnswer = 0,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async up(): Promise<void> {
    this.port ||= await freePort();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.receive(req.headers, Buffer.concat(chunks).toString('utf8'));
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** Refuses connections from now on (open ones are cut). */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private receive(headers: NodeJS.Dict<string | string[]>, rawBody: string): number {
    this.deliveries += 1;
    const signature = String(headers['x-o2o-signature'] ?? '');
    const timestamp = String(headers['x-o2o-timestamp'] ?? '');
    if (!this.secrets().some((secret) => signed(secret, timestamp, rawBody, signature))) {
      this.badSignatures += 1;
      return 401;
    }
    const body = JSON.parse(rawBody) as { id: string; type: string; order: { id: string; seq: number } };
    const eventId = String(headers['x-o2o-event-id'] ?? body.id);
    if (this.processed.has(eventId)) {
      this.duplicates += 1;
      return 200;
    }
    const event = { eventId, orderId: body.order.id, seq: body.order.seq, type: body.type };
    this.processed.set(eventId, event);
    this.apply(event);
    if (this.loseEveryNthAnswer > 0 && this.processed.size % this.loseEveryNthAnswer === 0) return 500;
    return 200;
  }

  private apply(event: ReceivedEvent): void {
    const last = this.applied.get(event.orderId) ?? 0;
    if (event.seq !== last + 1) {
      this.arrivedEarly += 1;
      const held = this.heldBack.get(event.orderId) ?? new Map<number, ReceivedEvent>();
      held.set(event.seq, event);
      this.heldBack.set(event.orderId, held);
      return;
    }
    let next = event.seq;
    this.applied.set(event.orderId, next);
    const held = this.heldBack.get(event.orderId);
    while (held?.has(next + 1)) {
      held.delete(next + 1);
      next += 1;
      this.applied.set(event.orderId, next);
    }
  }
}

function signed(secret: string, timestamp: string, rawBody: string, signature: string): boolean {
  const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
  return (
    expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature))
  );
}
