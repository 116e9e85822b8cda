import { type Static, Type } from 'typebox';
import { AddressSchema, IsoDateTime, LatLngSchema, OrderStatusSchema, OrderVersionSchema } from './common.js';

/** The tracking token of an order's `tracking_url` (`…/track/<token>`). */
export const TrackingTokenParamsSchema = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) },
  { additionalProperties: false },
);

export const RatingBodySchema = Type.Object(
  {
    stars: Type.Integer({ minimum: 1, maximum: 5, description: '1 (bad) to 5 (great)' }),
    comment: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type RatingBody = Static<typeof RatingBodySchema>;

export const RatingSchema = Type.Object({
  stars: Type.Integer({ minimum: 1, maximum: 5 }),
  comment: Type.Union([Type.String(), Type.Null()]),
  created_at: IsoDateTime,
});

/**
 * What the customer's tracking page shows: the order's status and its timeline, the store and the
 * drop-off, the courier's position and ETA (only between assignment and delivery), the rating.
 */
export const TrackingSnapshotSchema = Type.Object({
  order_id: Type.String({ format: 'uuid' }),
  status: OrderStatusSchema,
  version: OrderVersionSchema,
  store: Type.Object({
    name: Type.String(),
    lat: Type.Number(),
    lng: Type.Number(),
    address: Type.Union([Type.String(), Type.Null()]),
  }),
  dropoff: AddressSchema,
  timeline: Type.Array(Type.Object({ status: OrderStatusSchema, at: IsoDateTime })),
  courier: Type.Union([LatLngSchema, Type.Null()]),
  eta_ms: Type.Union([Type.Integer(), Type.Null()]),
  rating: Type.Union([RatingSchema, Type.Null()]),
  can_rate: Type.Boolean(),
});
export type TrackingSnapshot = Static<typeof TrackingSnapshotSchema>;
