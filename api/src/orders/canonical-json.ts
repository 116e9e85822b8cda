import { hash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so equal bodies hash equally whatever the key order.
 * Stored request hashes depend on this exact text: a change of output breaks every stored key's
 * replay. It runs on every create, so it builds one string instead of arrays of entries.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // JSON.stringify(undefined) is undefined: an undefined element adds nothing, as in join().
      out += canonicalJson(value[i]) ?? '';
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, the order the stored hashes were made with.
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = object[key];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/**
 * sha256 of the canonical body, in hex (as the batch statement sends it). The one-shot `hash`
 * costs a quarter of createHash for a short body, and returning text rather than a Buffer costs a
 * third of returning a Buffer.
 */
export function requestHash(body: unknown): string {
  return hash('sha256', canonicalJson(body), 'hex');
}
