import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, requestHash } from '../src/orders/canonical-json.js';

/** The first implementation, whose output every stored request hash was made from. */
function referenceCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(referenceCanonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${referenceCanonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonical request JSON', () => {
  it('writes exactly the text the stored request hashes were made from, for any JSON body', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('hashes bodies equal up to key order equally, and leaves out undefined fields', () => {
    const a = { pickup: { lng: 13.4, lat: 52.5 }, external_id: 'x', notes: undefined };
    const b = { external_id: 'x', pickup: { lat: 52.5, lng: 13.4 } };
    expect(requestHash(a)).toBe(requestHash(b));
    expect(requestHash(b)).toBe(createHash('sha256').update(referenceCanonicalJson(b)).digest('hex'));
  });
});
