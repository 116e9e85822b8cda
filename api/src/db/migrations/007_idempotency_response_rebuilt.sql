-- A create's idempotent replay rebuilds its 201 from the order row (api/src/orders/prepare-order.ts,
-- `creationView`) instead of reading a stored copy: the copy was a third of a create's WAL.
-- Keys written before keep their response, which replays still use.
ALTER TABLE idempotency_keys ALTER COLUMN response DROP NOT NULL;
COMMENT ON COLUMN idempotency_keys.response IS 'Legacy stored 201 of keys written before migration 007; NULL since';
