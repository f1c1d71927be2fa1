import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { resolvePointer } from './json-pointer.js';
import { errorMessage } from './errors.js';

export type { ValidateFunction };

/** Nesting a schema may have: ajv compiles recursively and runs out of stack near 580 levels. */
export const MAX_SCHEMA_DEPTH = 200;

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is module.exports.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats: FormatsPlugin =
  (formatsPlugin as unknown as { default?: FormatsPlugin }).default ??
  (formatsPlugin as unknown as FormatsPlugin);

/** The JSON Schema drafts a schema may name in `$schema`, each with the ajv class that implements it. */
const DRAFTS: { name: string; ids: RegExp; create: (options: Options) => Ajv }[] = [
  {
    name: '2020-12',
    ids: /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/,
    create: (o) => new Ajv2020(o),
  },
  {
    name: '2019-09',
    ids: /^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/,
    create: (o) => new Ajv2019(o),
  },
  { name: 'draft-07', ids: /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/, create: (o) => new Ajv(o) },
];

/**
 * An ajv instance for the draft `$schema` names (2020-12 when it names none), with the standard formats,
 * collecting all errors; undefined for a draft it does not know.
 */
export function createAjv($schema?: unknown): Ajv | undefined {
  const draft =
    $schema === undefined
      ? DRAFTS[0]
      : DRAFTS.find((d) => typeof $schema === 'string' && d.ids.test($schema));
  if (!draft) return undefined;
  // strictSchema: a typo such as `requried` must be a config error, not a schema that accepts anything.
  const ajv = draft.create({
    allErrors: true,
    strictSchema: true,
    strictTypes: false,
    strictTuples: false,
    verbose: true,
  });
  addFormats(ajv);
  return ajv;
}

/**
 * Compiles a user-supplied schema. Returns the validator, or the reason ajv rejected the schema
 * (unknown keyword types, bad `$ref`, ...), so config can report it as an input problem.
 */
export function compileSchema(schema: unknown): { validate: ValidateFunction } | { error: string } {
  if (
    schema === null ||
    (typeof schema !== 'object' && typeof schema !== 'boolean') ||
    Array.isArray(schema)
  ) {
    return { error: 'a JSON Schema must be an object (or a boolean)' };
  }
  const $schema = typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  const ajv = createAjv($schema);
  if (!ajv) {
    return {
      error: `$schema ${JSON.stringify($schema)} names a draft this action does not read; use draft-07, 2019-09 or 2020-12`,
    };
  }
  try {
    return { validate: ajv.compile(schema as object) };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/**
 * Turns ajv errors into sentences that name the field and its actual value, e.g.
 * `/database/type must be "postgresql" but was "sqlite"`.
 */
export function describeSchemaErrors(
  errors: ErrorObject[] | null | undefined,
  data: unknown,
  redact: (text: string) => string = (text) => text,
): string[] {
  const lines = new Set<string>();
  // Values are redacted before they are cut, so a long secret cannot be cut into an unmasked fragment.
  const show = (value: unknown): string => cut(redact(serialise(value)));
  for (const error of errors ?? []) {
    // `if`/`anyOf` wrappers repeat what their branches already said.
    if (error.keyword === 'if' || error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    lines.add(describeError(error, data, show));
  }
  return [...lines];
}

function describeError(error: ErrorObject, data: unknown, show: (value: unknown) => string): string {
  const path = error.instancePath === '' ? '(root)' : error.instancePath;
  const actual = resolvePointer(data, error.instancePath);
  const was = actual.found ? ` but was ${show(actual.value)}` : '';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${joinPath(error.instancePath, String(params.missingProperty))} is missing`;
    case 'const':
      return `${path} must be ${show(params.allowedValue)}${was}`;
    case 'enum':
      return `${path} must be one of ${(params.allowedValues as unknown[]).map(show).join(', ')}${was}`;
    case 'type':
      return `${path} must be ${String(params.type)}${was}`;
    case 'additionalProperties':
      return `${joinPath(error.instancePath, String(params.additionalProperty))} is not allowed`;
    default:
      return `${path} ${error.message ?? 'is invalid'}${was}`;
  }
}

function joinPath(base: string, property: string): string {
  return `${base}/${property.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function serialise(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A hostile body (absurdly deep nesting) must not crash the verdict; its type is evidence enough.
    return Array.isArray(value) ? '[…]' : typeof value === 'object' && value !== null ? '{…}' : String(value);
  }
}

function cut(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
