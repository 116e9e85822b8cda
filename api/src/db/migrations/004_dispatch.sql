-- The live dispatch loop: region leases with fencing tokens, offers of whole jobs (one or several
-- orders of one store) to couriers, decliners, and alerts for operators.

ALTER TABLE regions ADD COLUMN fence bigint NOT NULL DEFAULT 0;
ALTER TABLE regions ADD COLUMN lease_holder text;
ALTER TABLE regions ADD COLUMN lease_taken_at timestamptz;

-- Offers were per order; a job can bundle several orders, and the top-k policy offers one job to
-- several couriers at once (they share job_id; the first accept wins).
DROP TABLE offers;
CREATE TABLE offers (
  id          uuid PRIMARY KEY,
  region_id   text NOT NULL REFERENCES regions (id),
  job_id      uuid NOT NULL,
  order_ids   uuid[] NOT NULL,
  courier_id  uuid NOT NULL REFERENCES couriers (id),
  status      text NOT NULL CHECK (status IN ('open', 'accepted', 'declined', 'expired', 'revoked')),
  fence       bigint NOT NULL,
  pay_cents   integer NOT NULL DEFAULT 0,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  decided_at  timestamptz
);
CREATE INDEX offers_open ON offers (region_id, expires_at) WHERE status = 'open';
CREATE INDEX offers_order_ids ON offers USING gin (order_ids);
CREATE INDEX offers_job ON offers (job_id);
CREATE INDEX offers_courier_open ON offers (courier_id) WHERE status = 'open';
-- One winner per job, whatever happens in Redis.
CREATE UNIQUE INDEX offers_one_accepted_per_job ON offers (job_id) WHERE status = 'accepted';

-- Couriers who declined (or let expire, or dropped) an order are never offered it again.
CREATE TABLE order_declines (
  order_id    uuid NOT NULL REFERENCES orders (id),
  courier_id  uuid NOT NULL REFERENCES couriers (id),
  reason      text NOT NULL CHECK (reason IN ('declined', 'expired', 'dropped', 'reassigned')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, courier_id)
);

ALTER TABLE assignments ADD COLUMN job_id uuid;
ALTER TABLE assignments ADD COLUMN offer_id uuid;

CREATE TABLE alerts (
  id           bigserial PRIMARY KEY,
  region_id    text NOT NULL REFERENCES regions (id),
  order_id     uuid REFERENCES orders (id),
  kind         text NOT NULL,
  data         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  resolved_at  timestamptz
);
CREATE UNIQUE INDEX alerts_one_open_per_order_kind ON alerts (order_id, kind) WHERE resolved_at IS NULL;
CREATE INDEX alerts_open ON alerts (region_id, created_at) WHERE resolved_at IS NULL;
