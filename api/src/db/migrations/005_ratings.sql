-- Customers rate a delivered order once, from the tracking page (1 to 5 stars and a comment).
-- The courier is recorded so ratings can be summed up per courier.
CREATE TABLE ratings (
  order_id    uuid PRIMARY KEY REFERENCES orders (id),
  store_id    uuid NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
  courier_id  uuid REFERENCES couriers (id),
  stars       smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
  comment     text CHECK (char_length(comment) <= 500),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ratings_courier ON ratings (courier_id, created_at);
