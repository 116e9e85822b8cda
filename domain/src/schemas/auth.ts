import { type Static, Type } from 'typebox';
import { CourierKindSchema, Uuid, VehicleSchema } from './common.js';

export const LoginSchema = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 200 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type Login = Static<typeof LoginSchema>;

export const CourierLoginResultSchema = Type.Object({
  token: Type.String(),
  courier: Type.Object({
    id: Uuid,
    name: Type.String(),
    kind: CourierKindSchema,
    vehicle: VehicleSchema,
    capacity: Type.Integer(),
    region: Type.String(),
  }),
});

export const OperatorLoginResultSchema = Type.Object({
  token: Type.String(),
  operator: Type.Object({ id: Uuid, name: Type.String(), regions: Type.Array(Type.String()) }),
});

/** Claims in our JWTs; `role` says which namespace and routes a token opens. */
export type AccessClaims =
  | { role: 'courier'; sub: string; region: string; kind: 'in_house' | 'crowd' }
  | { role: 'operator'; sub: string; regions: string[] };
