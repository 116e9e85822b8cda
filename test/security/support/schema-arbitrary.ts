import fc from 'fast-check';

/** The part of JSON Schema our TypeBox schemas (and so api/openapi.json) use. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

/**
 * Strings a parser or a database may choke on: NUL, lone surrogates, right-to-left marks,
 * combining characters, emoji, SQL and JSON punctuation, path traversal, very long runs.
 */
const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u202dabc',
  'e\u0301\u0301\u0301',
  '🛵🍕'.repeat(20),
  "'; DROP TABLE orders; --",
  '" OR 1=1 --',
  '{"$gt":""}',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the attack.
  '${jndi:ldap://x}',
  '\r\nX-Injected: 1',
  'NaN',
  'null',
  'undefined',
  '-0',
  '1e309',
  '0x1F',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '2026-13-45T25:61:61Z',
  '9999-12-31T23:59:59.999Z',
  '0000-01-01T00:00:00Z',
  'a@b',
  'x'.repeat(10_000),
];

/** Numbers at and past every edge: zero signs, integer limits, the largest doubles, fractions. */
const ODD_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.000001,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  90.0000001,
  -180.0000001,
  1e21,
];

/** Any JSON value, nested a little. */
export const jsonJunk: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  fc.constantFrom(...ODD_STRINGS),
  fc.constantFrom(...ODD_NUMBERS),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(null),
  fc.boolean(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  // A deep nest: parsers and validators must not recurse themselves to death.
  fc.integer({ min: 50, max: 2000 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth))),
);

function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ['object'];
  return [];
}

/** A string the format's validator accepts. */
function formatted(format: string): fc.Arbitrary<string> | undefined {
  switch (format) {
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'email':
      return fc.emailAddress();
    case 'uri':
      return fc.webUrl({ validSchemes: ['http', 'https'] });
    default:
      return undefined;
  }
}

/**
 * A value that satisfies the schema (as far as the keywords above go; a random `pattern` is
 * met by fast-check's regex generator).
 */
export function validValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return fc.oneof(...union.map(validValue));
  const type = typesOf(schema)[0];
  switch (type) {
    case 'object':
      return validObject(schema);
    case 'array': {
      const items = schema.items ? validValue(schema.items) : jsonJunk;
      const max = Math.min(schema.maxItems ?? 5, 5);
      const array = fc.array(items, { minLength: Math.min(schema.minItems ?? 0, max), maxLength: max });
      return schema.uniqueItems
        ? array.map((a) => [...new Set(a.map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v)))
        : array;
    }
    case 'string': {
      const byFormat = schema.format ? formatted(schema.format) : undefined;
      if (byFormat) return byFormat.filter((s) => s.length <= (schema.maxLength ?? Infinity));
      if (schema.pattern) {
        const min = schema.minLength ?? 0;
        const max = schema.maxLength ?? Infinity;
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((s) => s.length >= min && s.length <= max);
      }
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
    }
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER),
        max: Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e6,
        max: schema.maximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return jsonJunk;
  }
}

function validObject(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(properties)) record[key] = validValue(sub);
  return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k) => k in properties) });
}

/**
 * A value that breaks the schema in one place: a wrong type, a missing required field, an extra
 * field, a string too long or off-pattern, a number past its bounds, an array too long; or junk.
 */
export function mutatedValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [jsonJunk];
  const union = schema.anyOf ?? schema.oneOf;
  const type = union ? undefined : typesOf(schema)[0];
  if (schema.enum || schema.const !== undefined || union) {
    options.push(fc.constantFrom('', 'BIKE', 'delivered ', 'unknown', 'x'.repeat(300)), fc.integer());
  }
  if (type === 'object') {
    const keys = Object.keys(schema.properties ?? {});
    const base = validObject(schema);
    options.push(
      fc.array(jsonJunk, { maxLength: 3 }),
      fc
        .tuple(base, fc.string({ minLength: 1, maxLength: 20 }), jsonJunk)
        .map(([o, k, v]) => ({ ...o, [`${k}_x`]: v })),
      // A prototype-pollution attempt: must be an unknown field, nothing more.
      base.map((o) => {
        const rest = JSON.stringify(o).slice(1);
        return JSON.parse(`{"__proto__":{"polluted":true}${rest === '}' ? '' : ','}${rest}`);
      }),
    );
    if (keys.length > 0) {
      const key = fc.constantFrom(...keys);
      options.push(
        fc.tuple(base, key).map(([o, k]) => {
          const copy = { ...o };
          delete copy[k];
          return copy;
        }),
        fc
          .tuple(base, key)
          .chain(([o, k]) => mutatedValue(schema.properties![k]!).map((v) => ({ ...o, [k]: v }))),
      );
    }
  } else if (type === 'array') {
    options.push(
      fc.dictionary(fc.string({ maxLength: 5 }), jsonJunk, { maxKeys: 3 }),
      fc.array(schema.items ? mutatedValue(schema.items) : jsonJunk, { minLength: 1, maxLength: 3 }),
      fc.constant([]),
    );
    if (schema.maxItems !== undefined && schema.items) {
      options.push(
        fc.array(validValue(schema.items), {
          minLength: schema.maxItems + 1,
          maxLength: schema.maxItems + 3,
        }),
      );
    }
  } else if (type === 'string') {
    options.push(
      fc.constantFrom(...ODD_STRINGS),
      fc.integer(),
      fc.constant(['array', 'of', 'strings']),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
      fc.nat({ max: 70_000 }).map((n) => 'x'.repeat((schema.maxLength ?? 200) + 1 + n)),
    );
  } else if (type === 'integer' || type === 'number') {
    const edges: number[] = [...ODD_NUMBERS];
    if (schema.minimum !== undefined) edges.push(schema.minimum - 1, schema.minimum - 1e-9);
    if (schema.maximum !== undefined) edges.push(schema.maximum + 1, schema.maximum + 1e-9);
    options.push(
      fc.constantFrom(...edges),
      fc.constantFrom('1', '0x10', '1e3', ' 5', 'Infinity', true, [], {}),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
  } else if (type === 'boolean') {
    options.push(fc.constantFrom('true', 1, 0, 'false', 'yes'));
  }
  return fc.oneof(...options);
}

/** Mostly broken values, with enough valid ones to reach the code behind the validator. */
export function fuzzValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: validValue(schema), weight: 2 },
    { arbitrary: mutatedValue(schema), weight: 3 },
  );
}
