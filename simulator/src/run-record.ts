import { type Static, Type } from 'typebox';

/**
 * What a simulated-city run leaves behind in its `--out` folder as `run.json`, and what
 * `npm run sim -- report <run>` reads. One contract between the city (which writes it) and the
 * report (which draws it). Times are simulated seconds since the run's start unless named
 * otherwise; money is in cents.
 */

const Seconds = (description: string) => Type.Number({ minimum: 0, description });

export const CityRunOrderSchema = Type.Object({
  id: Type.String({ description: 'order id given by the api' }),
  store_id: Type.String(),
  placed_s: Seconds('when the store created the order'),
  ready_s: Seconds('when the goods were ready at the store'),
  assigned_s: Type.Union([Seconds('first assignment (offer accepted or job given)'), Type.Null()]),
  picked_up_s: Type.Union([Seconds('picked up'), Type.Null()]),
  delivered_s: Type.Union([Seconds('delivered'), Type.Null()]),
  final_status: Type.String({ description: 'status at the end of the run (delivered, canceled, failed, …)' }),
  /** Lower bound of click-to-door: (ready − placed) + pickup service + direct ride + drop-off service. */
  lower_bound_s: Seconds('lower bound of click-to-door for this order'),
  courier_id: Type.Union([Type.String(), Type.Null()]),
});

export const CityRunCourierSchema = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('in_house'), Type.Literal('crowd')]),
  vehicle: Type.String(),
  online_s: Seconds('simulated seconds online'),
  busy_s: Seconds('simulated seconds holding a job (assigned until delivered)'),
  deliveries: Type.Integer({ minimum: 0 }),
  earnings_cents: Type.Integer({
    minimum: 0,
    description:
      'crowd riders: the pay of the offers they took; in-house riders: their hourly wage × online time',
  }),
  offers_received: Type.Integer({ minimum: 0 }),
  offers_accepted: Type.Integer({ minimum: 0 }),
  offers_declined: Type.Integer({ minimum: 0 }),
  offers_expired: Type.Integer({ minimum: 0 }),
});

/** One sample of the city's state, taken about every simulated minute. */
export const CityRunSampleSchema = Type.Object({
  t_s: Seconds('simulated time of the sample'),
  waiting_orders: Type.Integer({ minimum: 0, description: 'placed, not yet assigned' }),
  idle_couriers: Type.Integer({ minimum: 0, description: 'online without a job' }),
  busy_couriers: Type.Integer({ minimum: 0 }),
  offers_accepted: Type.Integer({ minimum: 0, description: 'cumulative' }),
  offers_declined: Type.Integer({ minimum: 0, description: 'cumulative' }),
  offers_expired: Type.Integer({ minimum: 0, description: 'cumulative' }),
  delivered: Type.Integer({ minimum: 0, description: 'cumulative' }),
});

export const CityRunRecordSchema = Type.Object({
  kind: Type.Literal('city'),
  started_at: Type.String({ description: 'wall clock ISO time of the start' }),
  seed: Type.Integer(),
  time_scale: Type.Number({ exclusiveMinimum: 0, description: 'simulated seconds per wall second' }),
  duration_s: Seconds('simulated length of the run'),
  options: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  orders: Type.Array(CityRunOrderSchema),
  couriers: Type.Array(CityRunCourierSchema),
  samples: Type.Array(CityRunSampleSchema),
  /** Dispatcher cycle durations in wall milliseconds, as read from its /metrics (may be empty). */
  cycle_ms: Type.Object({
    p50: Type.Union([Type.Number(), Type.Null()]),
    p90: Type.Union([Type.Number(), Type.Null()]),
    p99: Type.Union([Type.Number(), Type.Null()]),
    count: Type.Integer({ minimum: 0 }),
  }),
});

export type CityRunOrder = Static<typeof CityRunOrderSchema>;
export type CityRunCourier = Static<typeof CityRunCourierSchema>;
export type CityRunSample = Static<typeof CityRunSampleSchema>;
export type CityRunRecord = Static<typeof CityRunRecordSchema>;

export const CITY_RUN_FILE = 'run.json';
