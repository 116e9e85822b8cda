-- The order service's schema. Postgres is the source of truth; Redis holds only live state.

CREATE TABLE regions (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  config      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stores (
  id              uuid PRIMARY KEY,
  name            text NOT NULL,
  region_id       text NOT NULL REFERENCES regions (id),
  lat             double precision,
  lng             double precision,
  webhook_url     text,
  webhook_events  text[] NOT NULL DEFAULT '{}',
  -- Needed in clear to sign deliveries; shown to the store once.
  webhook_secret  text,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          uuid PRIMARY KEY,
  store_id    uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  -- The public part of the key, used to find the row; the rest is only stored as a SHA-256 hash.
  key_prefix  text NOT NULL UNIQUE,
  key_hash    bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE couriers (
  id             uuid PRIMARY KEY,
  name           text NOT NULL,
  email          text NOT NULL UNIQUE,
  password_hash  text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('in_house', 'crowd')),
  vehicle        text NOT NULL CHECK (vehicle IN ('bike', 'scooter', 'car')),
  capacity       integer NOT NULL CHECK (capacity BETWEEN 1 AND 10),
  region_id      text NOT NULL REFERENCES regions (id),
  wrong_pin_count integer NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shifts (
  id          uuid PRIMARY KEY,
  courier_id  uuid NOT NULL REFERENCES couriers (id) ON DELETE CASCADE,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  CHECK (ends_at > starts_at)
);
CREATE INDEX shifts_courier_time ON shifts (courier_id, starts_at, ends_at);

CREATE TABLE operators (
  id             uuid PRIMARY KEY,
  name           text NOT NULL,
  email          text NOT NULL UNIQUE,
  password_hash  text NOT NULL,
  regions        text[] NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE quotes (
  id               uuid PRIMARY KEY,
  store_id         uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  pickup_lat       double precision NOT NULL,
  pickup_lng       double precision NOT NULL,
  dropoff_lat      double precision NOT NULL,
  dropoff_lng      double precision NOT NULL,
  vehicle          text NOT NULL,
  distance_meters  integer NOT NULL,
  fee_cents        integer NOT NULL,
  currency         text NOT NULL,
  surcharge        double precision NOT NULL,
  pickup_eta       timestamptz NOT NULL,
  dropoff_eta      timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
  id              uuid PRIMARY KEY,
  store_id        uuid NOT NULL REFERENCES stores (id),
  region_id       text NOT NULL REFERENCES regions (id),
  external_id     text NOT NULL,
  status          text NOT NULL,
  version         integer NOT NULL DEFAULT 1,
  -- Highest dispatcher fencing token that wrote this row; a lower one is refused (issue: dispatch loop).
  fence           bigint NOT NULL DEFAULT 0,
  priority        integer NOT NULL DEFAULT 0,
  quote_id        uuid REFERENCES quotes (id),
  pickup_lat      double precision NOT NULL,
  pickup_lng      double precision NOT NULL,
  pickup_address  text,
  dropoff_lat     double precision NOT NULL,
  dropoff_lng     double precision NOT NULL,
  dropoff_address text,
  customer_name   text NOT NULL,
  customer_phone  text,
  items           jsonb NOT NULL DEFAULT '[]'::jsonb,
  notes           text,
  vehicle         text NOT NULL,
  fee_cents       integer NOT NULL,
  currency        text NOT NULL,
  ready_at        timestamptz NOT NULL,
  courier_id      uuid REFERENCES couriers (id),
  cancel_reason   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (store_id, external_id)
);
-- Store listing: newest first with a (created_at, id) cursor.
CREATE INDEX orders_store_created ON orders (store_id, created_at DESC, id DESC);
-- Reconciler and dispatcher: the pending orders of a region.
CREATE INDEX orders_pending ON orders (region_id, created_at) WHERE status IN ('created', 'dispatching');
-- A courier's active jobs.
CREATE INDEX orders_courier_active ON orders (courier_id)
  WHERE status IN ('assigned', 'at_pickup', 'picked_up', 'at_dropoff');

CREATE TABLE order_events (
  id           bigserial PRIMARY KEY,
  order_id     uuid NOT NULL REFERENCES orders (id),
  seq          integer NOT NULL,
  type         text NOT NULL,
  from_status  text,
  to_status    text NOT NULL,
  actor        text NOT NULL,
  data         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (order_id, seq)
);

-- Append-only: an event, once written, never changes.
CREATE FUNCTION order_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'order_events is append-only';
END $$;
CREATE TRIGGER order_events_no_update BEFORE UPDATE OR DELETE ON order_events
  FOR EACH ROW EXECUTE FUNCTION order_events_append_only();

CREATE TABLE idempotency_keys (
  store_id      uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  key           text NOT NULL,
  request_hash  bytea NOT NULL,
  status_code   integer,
  response      jsonb,
  order_id      uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, key)
);

CREATE TABLE assignments (
  id          uuid PRIMARY KEY,
  order_id    uuid NOT NULL REFERENCES orders (id),
  courier_id  uuid NOT NULL REFERENCES couriers (id),
  fence       bigint NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  ended_at    timestamptz,
  end_reason  text
);
-- At most one live assignment per order: the last line of defence against double assignment.
CREATE UNIQUE INDEX assignments_one_live_per_order ON assignments (order_id) WHERE ended_at IS NULL;
CREATE INDEX assignments_courier ON assignments (courier_id, created_at DESC);

CREATE TABLE offers (
  id          uuid PRIMARY KEY,
  order_id    uuid NOT NULL REFERENCES orders (id),
  courier_id  uuid NOT NULL REFERENCES couriers (id),
  status      text NOT NULL CHECK (status IN ('open', 'accepted', 'declined', 'expired', 'revoked')),
  fence       bigint NOT NULL DEFAULT 0,
  pay_cents   integer NOT NULL DEFAULT 0,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  decided_at  timestamptz
);
CREATE INDEX offers_open ON offers (expires_at) WHERE status = 'open';
CREATE INDEX offers_order ON offers (order_id);
CREATE INDEX offers_courier_open ON offers (courier_id) WHERE status = 'open';

CREATE TABLE outbox (
  id               bigserial PRIMARY KEY,
  store_id         uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  order_id         uuid REFERENCES orders (id),
  event_id         text NOT NULL UNIQUE,
  type             text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead', 'skipped')),
  attempts         integer NOT NULL DEFAULT 0,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz
);
CREATE INDEX outbox_pending ON outbox (created_at) WHERE status = 'pending';
CREATE INDEX outbox_dead ON outbox (store_id, created_at) WHERE status = 'dead';
