import { type Static, Type } from 'typebox';
import { AddressSchema, IsoDateTime, LatLngSchema, OrderStatusSchema, StringUnion, Uuid } from './common.js';
import { CourierLocationSchema, JOB_STEPS } from './sockets.js';

export const GoOnlineSchema = Type.Object({ ...LatLngSchema.properties }, { additionalProperties: false });

export const PositionBatchSchema = Type.Object(
  { positions: Type.Array(CourierLocationSchema, { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);
export type PositionBatch = Static<typeof PositionBatchSchema>;

export const PositionBatchResultSchema = Type.Object({
  accepted: Type.Integer(),
  stale: Type.Integer(),
  /** True when the courier is not online (never went online, or was evicted after silence). */
  go_online_again: Type.Boolean(),
});

export const CourierStatusSchema = Type.Object({
  state: StringUnion(['idle', 'busy', 'offline']),
  load: Type.Integer(),
  capacity: Type.Integer(),
});

export const CourierOfferSchema = Type.Object({
  offer_id: Uuid,
  order_ids: Type.Array(Uuid),
  pickup: AddressSchema,
  dropoffs: Type.Array(AddressSchema),
  pay_cents: Type.Integer(),
  expires_at: IsoDateTime,
});
export const CourierOfferListSchema = Type.Object({ data: Type.Array(CourierOfferSchema) });

export const OfferIdParamsSchema = Type.Object({ id: Uuid }, { additionalProperties: false });
export const JobOrderParamsSchema = Type.Object({ orderId: Uuid }, { additionalProperties: false });

export const CourierJobSchema = Type.Object({
  order_id: Uuid,
  status: OrderStatusSchema,
  pickup: AddressSchema,
  dropoff: AddressSchema,
  customer_name: Type.String(),
  ready_at: IsoDateTime,
});
export const CourierJobListSchema = Type.Object({ data: Type.Array(CourierJobSchema) });

export const JobStepBodySchema = Type.Object(
  {
    status: StringUnion(JOB_STEPS),
    pin: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
  },
  { additionalProperties: false },
);

export const AcceptResultSchema = Type.Object({ job_id: Uuid, order_ids: Type.Array(Uuid) });
export const DeclineResultSchema = Type.Object({ declined: Type.Boolean() });

export const ManualAssignBodySchema = Type.Object({ courier_id: Uuid }, { additionalProperties: false });

export const AlertSchema = Type.Object({
  id: Type.String(),
  region_id: Type.String(),
  order_id: Type.Union([Uuid, Type.Null()]),
  kind: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  created_at: IsoDateTime,
});
export const AlertListSchema = Type.Object({ data: Type.Array(AlertSchema) });
