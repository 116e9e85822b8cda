import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DomainError, ERRORS, isErrorCode } from './errors.js';

describe('error catalogue', () => {
  it('agrees with the table in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|\s*(.+?)\s*\|$/gm)].map((m) => [
      m[1],
      Number(m[2]),
      m[3],
    ]);
    expect(rows).toEqual(Object.entries(ERRORS).map(([code, e]) => [code, e.status, e.title]));
  });

  it('uses 4xx for what a client can fix and 5xx only for our side', () => {
    for (const [code, e] of Object.entries(ERRORS)) {
      const serverSide = code === 'internal' || code === 'dependency_unavailable';
      expect(e.status >= 500, code).toBe(serverSide);
    }
  });

  it('builds errors from codes with their status and title', () => {
    const err = new DomainError('quote_expired', { detail: 'expired 3 s ago' });
    expect(err).toMatchObject({
      code: 'quote_expired',
      status: 422,
      title: 'The quote has expired',
      message: 'expired 3 s ago',
    });
    expect(isErrorCode('quote_expired')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });
});
