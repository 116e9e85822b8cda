import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { fuzzValue, type JsonSchema, jsonJunk, mutatedValue, validValue } from './schema-arbitrary.js';

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** OpenAPI template, e.g. `/v1/orders/{id}`. */
  path: string;
  parameters: Parameter[];
  body?: { schema: JsonSchema; required: boolean };
  security: string[];
}

/** Every operation of the committed OpenAPI document (generated from the routes' TypeBox schemas). */
export function operationsOf(documentPath: string): Operation[] {
  const doc = JSON.parse(readFileSync(documentPath, 'utf8')) as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: Parameter[];
          requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
          security?: Record<string, unknown>[];
        }
      >
    >;
  };
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const json = op.requestBody?.content['application/json'];
      out.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        ...(json ? { body: { schema: json.schema, required: op.requestBody?.required ?? false } } : {}),
        security: (op.security ?? []).flatMap((s) => Object.keys(s)),
      });
    }
  }
  return out;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** What was done to it, for the failure report. */
  label: string;
}

export interface FuzzContext {
  /** Real values for path parameters by name (`id`, `orderId`, `token`): reach the code behind the lookup. */
  known: Record<string, string[]>;
  /** Authorization header values: valid ones of every role, forged ones, junk. */
  credentials: string[];
  bodyLimitBytes: number;
}

/** Path text for any value; a lone surrogate cannot be percent-encoded, so it is replaced. */
function pathText(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '?'));
  }
}

/** Header values must be Latin-1 without CR, LF or NUL, or fetch refuses to send them. */
function headerText(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.replace(/[^\x20-\x7e]/g, '_').slice(0, 4000);
}

const RAW_BODIES: { body: string; type?: string; label: string }[] = [
  { body: '{', label: 'truncated JSON' },
  { body: '{"a":', label: 'truncated JSON' },
  { body: '', label: 'empty body' },
  { body: 'null', label: 'JSON null' },
  { body: '[]', label: 'JSON array' },
  { body: '"text"', label: 'JSON string' },
  { body: '{"a":1,"a":2}', label: 'duplicate keys' },
  { body: '\ufeff{}', label: 'BOM' },
  { body: 'lat=1&lng=2', type: 'application/x-www-form-urlencoded', label: 'form body' },
  { body: 'hello', type: 'text/plain', label: 'text body' },
  { body: '{}', type: 'application/xml', label: 'xml content type' },
  {
    body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
    type: 'multipart/form-data; boundary=x',
    label: 'multipart',
  },
  { body: '{}', type: 'application/json; charset=utf-16', label: 'utf-16 charset' },
  { body: '{}', type: 'application/json', label: 'empty object' },
];

/** One request to `op`: its parameters, body, content type and credentials each valid-ish or broken. */
export function requestFor(op: Operation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const headerParams = op.parameters.filter((p) => p.in === 'header');

  const pathValues = fc.tuple(
    ...pathParams.map((p) => {
      const known = ctx.known[p.name] ?? [];
      return fc.oneof(
        ...(known.length > 0 ? [{ arbitrary: fc.constantFrom(...known), weight: 3 }] : []),
        { arbitrary: validValue(p.schema), weight: 1 },
        { arbitrary: mutatedValue(p.schema), weight: 2 },
      );
    }),
  );
  const query = fc.tuple(
    ...queryParams.map((p) => fc.option(fuzzValue(p.schema), { nil: undefined, freq: 2 })),
    fc.option(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 2 }),
      {
        nil: undefined,
        freq: 4,
      },
    ),
  );
  const headerValues = fc.tuple(
    ...headerParams.map((p) => fc.option(fuzzValue(p.schema), { nil: undefined, freq: 5 })),
  );
  const credential = fc.option(fc.constantFrom(...ctx.credentials), { nil: undefined, freq: 6 });
  const body: fc.Arbitrary<{ body?: string; type?: string; label: string }> = fc.oneof(
    {
      weight: op.body ? 8 : 1,
      arbitrary: (op.body ? fuzzValue(op.body.schema) : jsonJunk).map((v) => ({
        body: JSON.stringify(v) ?? 'null',
        label: 'schema value',
      })),
    },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 1, arbitrary: fc.constant({ label: 'no body' }) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: ctx.bodyLimitBytes + 1, max: ctx.bodyLimitBytes * 3 })
        .map((n) => ({ body: JSON.stringify({ pad: 'x'.repeat(n) }), label: 'body over the limit' })),
    },
  );

  return fc.tuple(pathValues, query, headerValues, credential, body).map(([pv, q, hv, auth, b]) => {
    let path = op.path;
    pathParams.forEach((p, i) => {
      path = path.replace(`{${p.name}}`, pathText(pv[i]));
    });
    const search = new URLSearchParams();
    queryParams.forEach((p, i) => {
      const v = q[i];
      if (v !== undefined) search.append(p.name, typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
    });
    const extra = q[queryParams.length] as Record<string, string> | undefined;
    for (const [k, v] of Object.entries(extra ?? {})) search.append(k, v);
    const headers: Record<string, string> = {};
    headerParams.forEach((p, i) => {
      const v = hv[i];
      if (v !== undefined) headers[p.name] = headerText(v);
    });
    if (auth !== undefined) headers.authorization = auth;
    if (b.body !== undefined) headers['content-type'] = b.type ?? 'application/json';
    const qs = search.toString();
    return {
      method: op.method,
      path: qs ? `${path}?${qs}` : path,
      headers,
      ...(b.body !== undefined ? { body: b.body } : {}),
      label: `${op.method} ${op.path} (${b.label}${auth ? ', with credentials' : ''})`,
    };
  });
}

/** Requests to no route at all, or with a method a route does not have. */
export function strayRequest(): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
      fc.constantFrom(
        '/v1/orders',
        '/v1/nope',
        '/v1/orders/..%2f..%2fetc',
        '/%ff%fe',
        '/v1/track/',
        '/metrics',
        '/health/live',
        '/v1//orders',
        `/v1/${'a'.repeat(5000)}`,
      ),
    )
    .map(([method, path]) => ({
      method,
      path,
      headers: {},
      label: `${method} ${path.slice(0, 40)} (stray)`,
    }));
}
