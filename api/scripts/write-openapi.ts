import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateOpenApiDocument } from '../src/openapi-document.js';

/** `npm run openapi`: regenerates api/openapi.json from the route schemas (CI checks it for drift). */
const target = fileURLToPath(new URL('../openapi.json', import.meta.url));
const doc = await generateOpenApiDocument();
await writeFile(target, `${JSON.stringify(doc, null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
