import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../src/webhooks/sign.js';

export interface ReceivedEvent {
  id: string;
  type: string;
  order: { id: string; seq: number; status: string } | null;
  signatureValid: boolean;
}

/**
 * A store's webhook endpoint as a store would write one: verifies the signature, processes each
 * event id once (deliveries are at-least-once), and can be told to fail for a while.
 */
export async function startWebhookReceiver(secret: () => string) {
  const processed: ReceivedEvent[] = [];
  const seenIds = new Set<string>();
  let deliveries = 0;
  let failNext = 0;
  let down = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries++;
      if (down || failNext > 0) {
        if (failNext > 0) failNext--;
        res.writeHead(503).end('try later');
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const signatureValid = verifyWebhook(
        secret(),
        {
          signature: String(req.headers[SIGNATURE_HEADER]),
          timestamp: String(req.headers[TIMESTAMP_HEADER]),
        },
        raw,
      );
      const eventId = String(req.headers[EVENT_ID_HEADER]);
      const body = JSON.parse(raw) as ReceivedEvent;
      if (!seenIds.has(eventId)) {
        seenIds.add(eventId);
        processed.push({ id: body.id, type: body.type, order: body.order, signatureValid });
      }
      res.writeHead(signatureValid ? 200 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/o2o`,
    processed,
    deliveries: () => deliveries,
    failNext: (n: number) => {
      failNext = n;
    },
    setDown: (value: boolean) => {
      down = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
