import type { Static, TObject } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * Parses a service's configuration from an env-like record against its schema: numbers and
 * booleans are read from text, missing values take the schema's defaults, and every bad variable
 * is listed in one readable error. The result is frozen. Pure: the caller passes `process.env`.
 */
export function parseEnvConfig<S extends TObject>(
  schema: S,
  env: Record<string, string | undefined>,
  overrides: Partial<Static<S>> = {},
): Readonly<Static<S>> {
  const raw: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    const field = property as { type?: string; default?: unknown };
    const text = env[key];
    if (text === undefined || text === '') raw[key] = field.default;
    else if (field.type === 'integer' || field.type === 'number') raw[key] = Number(text);
    else if (field.type === 'boolean') raw[key] = parseBoolean(text);
    else raw[key] = text;
  }
  Object.assign(raw, overrides);
  const checker = Compile(schema);
  if (!checker.Check(raw)) {
    const problems = [...checker.Errors(raw)].map(
      (e) => `${e.instancePath.slice(1) || '(root)'}: ${e.message}`,
    );
    throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return Object.freeze(raw as Static<S>);
}

function parseBoolean(text: string): boolean | string {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return text;
}
