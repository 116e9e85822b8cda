import { type Static, Type } from 'typebox';
import {
  AddressSchema,
  LatLngSchema,
  OrderStatusSchema,
  OrderVersionSchema,
  StringUnion,
  Uuid,
} from './common.js';

/**
 * Socket.IO event contracts. Inbound payloads are checked at the gateway with these schemas;
 * acks are `{ ok: true, ... }` or `{ ok: false, code }` with codes from the error catalogue.
 */
export const CourierLocationSchema = Type.Object(
  {
    ...LatLngSchema.properties,
    accuracy_m: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000 })),
    speed_mps: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    heading_deg: Type.Optional(Type.Number({ minimum: 0, maximum: 360 })),
    at: Type.Optional(Type.Integer({ minimum: 0, description: 'Client clock, unix ms' })),
  },
  { additionalProperties: false },
);
export type CourierLocation = Static<typeof CourierLocationSchema>;

export const OfferDecisionSchema = Type.Object({ offer_id: Uuid }, { additionalProperties: false });

export const JOB_STEPS = ['at_pickup', 'picked_up', 'at_dropoff', 'delivered'] as const;
export const JobStatusSchema = Type.Object(
  {
    order_id: Uuid,
    status: StringUnion(JOB_STEPS),
    pin: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
    client_step_id: Type.Optional(
      Type.String({ maxLength: 64, description: 'For replays after a network loss' }),
    ),
  },
  { additionalProperties: false },
);
export type JobStatus = Static<typeof JobStatusSchema>;

export const OfferSchema = Type.Object({
  offer_id: Uuid,
  order_ids: Type.Array(Uuid),
  pickup: AddressSchema,
  dropoffs: Type.Array(AddressSchema),
  pay_cents: Type.Integer(),
  expires_at_ms: Type.Integer(),
});
export type Offer = Static<typeof OfferSchema>;

export const TrackUpdateSchema = Type.Object({
  order_id: Uuid,
  status: OrderStatusSchema,
  version: OrderVersionSchema,
  courier: Type.Union([LatLngSchema, Type.Null()]),
  eta_ms: Type.Union([Type.Integer(), Type.Null()]),
  distance_m: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type TrackUpdate = Static<typeof TrackUpdateSchema>;

export const ManualAssignSchema = Type.Object(
  { order_id: Uuid, courier_id: Uuid },
  { additionalProperties: false },
);

export const AckSchema = Type.Union([
  Type.Object({ ok: Type.Literal(true) }, { additionalProperties: true }),
  Type.Object({ ok: Type.Literal(false), code: Type.String() }),
]);
