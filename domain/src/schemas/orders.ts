import { type Static, Type } from 'typebox';
import { AddressSchema, IsoDateTime, OrderStatusSchema, Uuid, VehicleSchema } from './common.js';

export const CustomerSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120 }),
    phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 ()-]{5,20}$', description: 'Customer phone' })),
  },
  { additionalProperties: false },
);

export const OrderItemSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120 }),
    quantity: Type.Integer({ minimum: 1, maximum: 999 }),
  },
  { additionalProperties: false },
);

export const CreateOrderSchema = Type.Object(
  {
    external_id: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'Your id for the order, unique per store',
    }),
    quote_id: Type.Optional(Uuid),
    pickup: AddressSchema,
    dropoff: AddressSchema,
    customer: CustomerSchema,
    items: Type.Optional(Type.Array(OrderItemSchema, { maxItems: 100 })),
    vehicle: Type.Optional(VehicleSchema),
    ready_at: Type.Optional(IsoDateTime),
    notes: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type CreateOrder = Static<typeof CreateOrderSchema>;

export const OrderSchema = Type.Object({
  id: Uuid,
  external_id: Type.String(),
  status: OrderStatusSchema,
  version: Type.Integer(),
  pickup: AddressSchema,
  dropoff: AddressSchema,
  customer_name: Type.String(),
  vehicle: VehicleSchema,
  fee_cents: Type.Integer(),
  currency: Type.String(),
  ready_at: IsoDateTime,
  courier_id: Type.Union([Uuid, Type.Null()]),
  tracking_url: Type.String(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type Order = Static<typeof OrderSchema>;

/** The creation response adds the customer's handoff PIN, given once to the store. */
export const CreatedOrderSchema = Type.Object({
  ...OrderSchema.properties,
  handoff_pin: Type.String({
    pattern: '^[0-9]{4}$',
    description: 'Give this to the customer; the courier asks for it',
  }),
});
export type CreatedOrder = Static<typeof CreatedOrderSchema>;

export const OrderIdParamsSchema = Type.Object({ id: Uuid }, { additionalProperties: false });

export const ListOrdersQuerySchema = Type.Object(
  {
    status: Type.Optional(OrderStatusSchema),
    external_id: Type.Optional(Type.String({ maxLength: 100 })),
    created_after: Type.Optional(IsoDateTime),
    created_before: Type.Optional(IsoDateTime),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);
export type ListOrdersQuery = Static<typeof ListOrdersQuerySchema>;

export const OrderPageSchema = Type.Object({
  data: Type.Array(OrderSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const CancelOrderSchema = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 300 })) },
  { additionalProperties: false },
);
export type CancelOrder = Static<typeof CancelOrderSchema>;

export const OrderEventSchema = Type.Object({
  id: Type.String(),
  order_id: Uuid,
  seq: Type.Integer({ minimum: 1, description: 'Per-order sequence number, from 1' }),
  type: Type.String(),
  from_status: Type.Union([OrderStatusSchema, Type.Null()]),
  to_status: OrderStatusSchema,
  actor: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  created_at: IsoDateTime,
});
export type OrderEvent = Static<typeof OrderEventSchema>;

export const OrderEventListSchema = Type.Object({ data: Type.Array(OrderEventSchema) });
