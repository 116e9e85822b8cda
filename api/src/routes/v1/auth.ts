import {
  type AccessClaims,
  type CourierKind,
  CourierLoginResultSchema,
  DomainError,
  LoginSchema,
  OperatorLoginResultSchema,
  type Vehicle,
} from '@o2o/domain';
import type { App, AppDeps } from '../../app-types.js';
import { verifyPassword } from '../../auth/passwords.js';
import { problemResponses } from '../problems.js';

/** Courier and operator login; accounts come from the CLI. Tokens last 12 hours. */
export async function authRoutes(app: App, deps: AppDeps): Promise<void> {
  const refused = () => new DomainError('unauthorized', { detail: 'Wrong email or password' });

  app.post(
    '/v1/auth/courier/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Courier login: returns a JWT for the courier app and /courier socket',
        body: LoginSchema,
        response: { 200: CourierLoginResultSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const found = await deps.pool.query<{
        id: string;
        name: string;
        kind: CourierKind;
        vehicle: Vehicle;
        capacity: number;
        region_id: string;
        password_hash: string;
      }>('SELECT * FROM couriers WHERE email = $1', [request.body.email.toLowerCase()]);
      const row = found.rows[0];
      if (!row || !(await verifyPassword(request.body.password, row.password_hash))) throw refused();
      const claims: AccessClaims = { role: 'courier', sub: row.id, region: row.region_id, kind: row.kind };
      return {
        token: app.jwt.sign(claims, { expiresIn: '12h' }),
        courier: {
          id: row.id,
          name: row.name,
          kind: row.kind,
          vehicle: row.vehicle,
          capacity: row.capacity,
          region: row.region_id,
        },
      };
    },
  );

  app.post(
    '/v1/auth/operator/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Operator login: returns a JWT scoped to the operator’s regions',
        body: LoginSchema,
        response: { 200: OperatorLoginResultSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const found = await deps.pool.query<{
        id: string;
        name: string;
        regions: string[];
        password_hash: string;
      }>('SELECT * FROM operators WHERE email = $1', [request.body.email.toLowerCase()]);
      const row = found.rows[0];
      if (!row || !(await verifyPassword(request.body.password, row.password_hash))) throw refused();
      const claims: AccessClaims = { role: 'operator', sub: row.id, regions: row.regions };
      return {
        token: app.jwt.sign(claims, { expiresIn: '12h' }),
        operator: { id: row.id, name: row.name, regions: row.regions },
      };
    },
  );
}
