import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Queryable } from '@o2o/dispatcher';

/**
 * Webhook signing secrets at rest. HMAC signing needs the secret itself, so it cannot be hashed
 * like an API key; it is sealed with AES-256-GCM under a key from the config (`SECRETS_KEY`),
 * bound to its store (the store id is the additional data, so a sealed value copied to another
 * store's row does not open), and stored as `v1.<key id>.<iv>.<ciphertext+tag>` (base64url).
 * The key id names the key that sealed it, so keys can be rotated: the first key of
 * `SECRETS_KEY` seals, every listed key opens, and `sealWebhookSecrets` re-seals old rows.
 */
export interface SecretBox {
  /** Id of the key new secrets are sealed with. */
  readonly primaryKeyId: string;
  seal(secret: string, storeId: string): string;
  open(sealed: string, storeId: string): string;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;

/**
 * Parses `SECRETS_KEY`: `<key id>:<32 bytes, base64>`, several comma-separated for a rotation
 * (the first seals). Throws at start on anything else.
 */
export function secretBoxFrom(setting: string): SecretBox {
  const keys = new Map<string, Buffer>();
  let primaryKeyId = '';
  for (const entry of setting.split(',').map((s) => s.trim())) {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    const key = Buffer.from(entry.slice(at + 1), 'base64');
    if (at < 1 || !KEY_ID.test(id) || key.length !== 32 || keys.has(id))
      throw new Error('SECRETS_KEY must be <key id>:<32 bytes in base64>, comma-separated, ids unique');
    keys.set(id, key);
    if (primaryKeyId === '') primaryKeyId = id;
  }
  const primary = keys.get(primaryKeyId);
  if (!primary) throw new Error('SECRETS_KEY is empty');
  const aad = (storeId: string) => Buffer.from(`store:${storeId}`);
  return {
    primaryKeyId,
    seal(secret, storeId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', primary, iv);
      cipher.setAAD(aad(storeId));
      const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${primaryKeyId}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
    },
    open(sealed, storeId) {
      const [version, id = '', ivText = '', body = ''] = sealed.split('.');
      const key = keys.get(id);
      if (version !== 'v1' || !key) throw new Error(`webhook secret sealed with an unknown key (${id})`);
      const data = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
      decipher.setAAD(aad(storeId));
      decipher.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}

/** A store's secret from its row: the sealed one, else a plain one not yet sealed (before migrating). */
export function webhookSecretOf(
  box: SecretBox | undefined,
  row: { store_id: string; webhook_secret_sealed: string | null; webhook_secret: string | null },
): string | null {
  if (row.webhook_secret_sealed) {
    if (!box) throw new Error('a sealed webhook secret needs SECRETS_KEY');
    return box.open(row.webhook_secret_sealed, row.store_id);
  }
  return row.webhook_secret;
}

/**
 * The data step of migration 006: seals every plain webhook secret (clearing the plain column) and
 * re-seals secrets sealed with another key than the primary one (after a rotation). Idempotent;
 * run by `npm run migrate` and at every api start. Returns how many rows it changed.
 */
export async function sealWebhookSecrets(db: Queryable, box: SecretBox): Promise<number> {
  const rows = await db.query<{
    id: string;
    webhook_secret: string | null;
    webhook_secret_sealed: string | null;
  }>(
    `SELECT id, webhook_secret, webhook_secret_sealed FROM stores
      WHERE webhook_secret IS NOT NULL
         OR (webhook_secret_sealed IS NOT NULL AND split_part(webhook_secret_sealed, '.', 2) <> $1)`,
    [box.primaryKeyId],
  );
  let changed = 0;
  for (const row of rows.rows) {
    let secret: string | null;
    try {
      secret = webhookSecretOf(box, { store_id: row.id, ...row });
    } catch {
      // Sealed with a key no longer listed: left as it is (its deliveries fail until it is rotated).
      continue;
    }
    if (secret === null) continue;
    // Only if the row still holds what was read (a rotation meanwhile wins).
    const updated = await db.query(
      `UPDATE stores SET webhook_secret_sealed = $2, webhook_secret = NULL
        WHERE id = $1 AND webhook_secret IS NOT DISTINCT FROM $3 AND webhook_secret_sealed IS NOT DISTINCT FROM $4`,
      [row.id, box.seal(secret, row.id), row.webhook_secret, row.webhook_secret_sealed],
    );
    changed += updated.rowCount ?? 0;
  }
  return changed;
}
