-- An idempotency key always points at the order it created: order creation inserts both in one
-- statement, and a key whose order was not inserted (external_id taken) fails the whole statement.
ALTER TABLE idempotency_keys ALTER COLUMN order_id SET NOT NULL;
ALTER TABLE idempotency_keys ALTER COLUMN status_code SET NOT NULL;
ALTER TABLE idempotency_keys ALTER COLUMN response SET NOT NULL;
ALTER TABLE idempotency_keys
  ADD CONSTRAINT idempotency_keys_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
