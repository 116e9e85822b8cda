import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateOpenApiDocument } from '../src/openapi-document.js';

describe('committed OpenAPI document', () => {
  it('matches what the schemas generate (run `npm run openapi` after changing a route)', async () => {
    const committed = JSON.parse(await readFile(new URL('../openapi.json', import.meta.url), 'utf8'));
    expect(await generateOpenApiDocument()).toEqual(committed);
  });
});
