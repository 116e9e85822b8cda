import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ProblemSchema } from '@o2o/domain';
import type { FastifyInstance } from 'fastify';

/** OpenAPI generated from the route schemas: /openapi.json and Swagger UI at /docs. */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'O2O Dispatch API',
        version: '1.0.0',
        description:
          'Store-facing order API of O2O Dispatch: quotes, idempotent order creation, tracking, cancel and signed webhooks.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Store API key: o2o_sk_…' },
          jwt: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'Courier or operator token',
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () =>
    app.swagger(),
  );
}
