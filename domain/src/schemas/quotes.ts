import { type Static, Type } from 'typebox';
import { AddressSchema, IsoDateTime, Uuid, VehicleSchema } from './common.js';

export const QuoteRequestSchema = Type.Object(
  {
    pickup: AddressSchema,
    dropoff: AddressSchema,
    vehicle: Type.Optional(VehicleSchema),
    ready_at: Type.Optional(IsoDateTime),
  },
  { additionalProperties: false },
);
export type QuoteRequest = Static<typeof QuoteRequestSchema>;

export const QuoteSchema = Type.Object({
  id: Uuid,
  fee_cents: Type.Integer({ minimum: 0 }),
  currency: Type.String({ minLength: 3, maxLength: 3 }),
  distance_meters: Type.Integer({ minimum: 0 }),
  surcharge_multiplier: Type.Number({ minimum: 1 }),
  pickup_eta: IsoDateTime,
  dropoff_eta: IsoDateTime,
  expires_at: IsoDateTime,
  vehicle: VehicleSchema,
});
export type Quote = Static<typeof QuoteSchema>;
