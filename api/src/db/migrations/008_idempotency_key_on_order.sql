-- The Idempotency-Key of the create call moves onto the order it created. Every key always had
-- exactly one order (migration 003), so the separate key table cost a heap row, two foreign-key
-- checks and a unique index per create for nothing the order row cannot hold: the order's own
-- unique (store_id, idempotency_key) index now makes a concurrent duplicate wait, and a replay
-- reads the order by its key. The legacy stored responses (keys written before migration 007)
-- are dropped: a replay rebuilds the same 201 from the order row (`creationView`).
-- Orders written by other means (none in the product) may have no key: the columns are nullable,
-- and a unique index lets NULLs repeat.
ALTER TABLE orders ADD COLUMN idempotency_key text, ADD COLUMN request_hash bytea;
UPDATE orders o SET idempotency_key = k.key, request_hash = k.request_hash
  FROM idempotency_keys k WHERE k.order_id = o.id;
CREATE UNIQUE INDEX orders_store_idempotency_key ON orders (store_id, idempotency_key);
DROP TABLE idempotency_keys;
