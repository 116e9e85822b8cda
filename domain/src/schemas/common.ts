import { type Static, type TLiteral, type TSchemaOptions, type TUnion, Type } from 'typebox';
import { ORDER_STATUSES } from '../order-state.js';

/** A union of string literals, typed as exactly those strings (OpenAPI shows it as anyOf consts). */
export function StringUnion<const T extends readonly string[]>(
  values: T,
  options?: TSchemaOptions,
): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as unknown as TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;
}

export const Uuid = Type.String({ format: 'uuid', description: 'A UUID' });

export const LatLngSchema = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90, description: 'Latitude, degrees (WGS84)' }),
    lng: Type.Number({ minimum: -180, maximum: 180, description: 'Longitude, degrees (WGS84)' }),
  },
  { additionalProperties: false },
);

export const AddressSchema = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lng: Type.Number({ minimum: -180, maximum: 180 }),
    address: Type.Optional(
      Type.String({ minLength: 1, maxLength: 300, description: 'Street address, for the courier' }),
    ),
  },
  { additionalProperties: false },
);
export type Address = Static<typeof AddressSchema>;

export const VEHICLES = ['bike', 'scooter', 'car'] as const;
export const VehicleSchema = StringUnion(VEHICLES, { description: 'Vehicle kind' });
export type Vehicle = (typeof VEHICLES)[number];

export const COURIER_KINDS = ['in_house', 'crowd'] as const;
export const CourierKindSchema = StringUnion(COURIER_KINDS);
export type CourierKind = (typeof COURIER_KINDS)[number];

export const OrderStatusSchema = StringUnion(ORDER_STATUSES);

export const IsoDateTime = Type.String({ format: 'date-time' });

/** RFC 9457 problem details, plus our stable `code`, the request id and field errors. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    code: Type.String(),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'application/problem+json' },
);
export type Problem = Static<typeof ProblemSchema>;

/** Each change of an order adds 1: a view drops any update older than one it has shown. */
export const OrderVersionSchema = Type.Integer({
  minimum: 1,
  description:
    "The order's version: updates read at different moments may arrive out of order; keep the highest.",
});
