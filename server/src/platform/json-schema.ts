// JSON Schemas from callers (structured output, tool parameters): checked against the
// meta-schema before anything is sent anywhere (400 INVALID_SCHEMA), compiled once, and
// used to validate every output — a provider's JSON that does not match is invalid output.
import { Ajv, type ValidateFunction } from 'ajv';
import { AppError } from './errors.js';
import { setBounded } from './bounded-map.js';

export type JsonSchema = Record<string, unknown>;

const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
// The common string formats, without a dependency on ajv-formats.
ajv.addFormat('email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
ajv.addFormat('date', /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
ajv.addFormat('date-time', { validate: (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)) });
ajv.addFormat('uri', { validate: (s: string) => URL.canParse(s) });
ajv.addFormat('url', { validate: (s: string) => URL.canParse(s) });
ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 500;

export function invalidSchema(path: string, message: string): AppError {
  return new AppError('INVALID_SCHEMA', 400, `The JSON Schema at ${path} is not valid: ${message}`, [{ path, message }]);
}

/** A validator for the schema; 400 INVALID_SCHEMA if it is not a valid JSON Schema. */
export function validatorFor(schema: JsonSchema, path = 'body.schema'): ValidateFunction {
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit) return hit;
  if (!ajv.validateSchema(schema)) {
    throw invalidSchema(path, ajv.errorsText(ajv.errors, { dataVar: 'schema' }));
  }
  let fn: ValidateFunction;
  try {
    fn = ajv.compile(schema);
  } catch (err) {
    throw invalidSchema(path, (err as Error).message);
  }
  setBounded(compiled, key, fn, MAX_COMPILED);
  return fn;
}

/** `null` when the value matches, else a one-line reason. */
export function mismatch(schema: JsonSchema, value: unknown): string | null {
  const validate = validatorFor(schema);
  return validate(value) ? null : ajv.errorsText(validate.errors, { dataVar: 'output' });
}
