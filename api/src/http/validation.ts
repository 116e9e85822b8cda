import type { FieldError } from '@o2o/domain';
import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, ...options });
  addFormats(ajv);
  return ajv;
}

/**
 * Bodies are checked as sent: no type coercion and no silent removal of unknown fields, so a
 * wrong type or an unknown field is a 400 rather than a guess. Query strings, params and headers
 * arrive as text and are coerced to the schema's types.
 */
const bodyAjv = makeAjv({ coerceTypes: false, removeAdditional: false });
const textAjv = makeAjv({ coerceTypes: 'array', removeAdditional: false });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (httpPart !== 'body') return textAjv.compile(schema as object);
  const validate = bodyAjv.compile(schema as object);
  const required = (schema as { required?: unknown[] }).required;
  if (required !== undefined && required.length > 0) return validate;
  // A body with nothing required may be left out entirely (POST …/cancel with no reason).
  const optionalBody = (data: unknown) => data === undefined || data === null || validate(data);
  // Fastify reads the failing validator's `errors`.
  return Object.defineProperty(optionalBody, 'errors', { get: () => validate.errors });
};

/** Turns ajv errors into `{ field, message }` pairs with a JSON pointer prefixed by the request part. */
export function fieldErrorsFromAjv(errors: readonly ErrorObject[], part: string): FieldError[] {
  return errors.map((e) => {
    let field = `/${part}${e.instancePath}`;
    let message = e.message ?? 'is not valid';
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      if (extra !== undefined) field = `${field}/${extra}`;
      message = 'is not an allowed field';
    } else if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty?: string }).missingProperty;
      if (missing !== undefined) field = `${field}/${missing}`;
      message = 'is required';
    }
    return { field, message };
  });
}
