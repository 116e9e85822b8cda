import { noSurcharge, QuoteRequestSchema, QuoteSchema } from '@o2o/domain';
import type { App, AppDeps } from '../../app-types.js';
import { createQuote } from '../../quotes/create-quote.js';
import { problemResponses } from '../problems.js';

export async function quoteRoutes(app: App, deps: AppDeps): Promise<void> {
  app.post(
    '/v1/quotes',
    {
      schema: {
        tags: ['quotes'],
        summary: 'Price and ETA for a delivery',
        security: [{ apiKey: [] }],
        body: QuoteRequestSchema,
        response: { 201: QuoteSchema, ...problemResponses(400, 401, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const store = request.store!;
      const body = request.body;
      const quote = await createQuote(
        deps.pool,
        store.id,
        {
          pickup: body.pickup,
          dropoff: body.dropoff,
          vehicle: body.vehicle ?? 'bike',
          readyAtMs: body.ready_at ? Date.parse(body.ready_at) : Date.now(),
        },
        { ttlSeconds: deps.config.QUOTE_TTL_SECONDS, surcharge: noSurcharge },
      );
      return reply.status(201).send(quote);
    },
  );
}
