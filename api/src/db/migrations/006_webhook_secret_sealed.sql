-- Webhook signing secrets are stored sealed (AES-256-GCM under SECRETS_KEY, bound to the store):
-- api/src/webhooks/secret-box.ts. The plain column stays only until the data step of this
-- migration (`sealWebhookSecrets`, run by `npm run migrate` and at every api start) has sealed
-- the rows written before it; nothing writes it any more.
ALTER TABLE stores ADD COLUMN webhook_secret_sealed text;
COMMENT ON COLUMN stores.webhook_secret IS 'Legacy plain webhook secret; sealed into webhook_secret_sealed and cleared at start';
