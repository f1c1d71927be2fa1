import type { ErrorObject } from 'ajv/dist/2020.js';
import type { JsonPath } from './template.js';

/** One schema violation in the checks file, in plain words. */
export interface SchemaIssue {
  /** Where the offending value sits in the document. */
  path: JsonPath;
  /** The offending key, when the problem is a key (an unknown or misnamed field) rather than a value. */
  key?: string;
  /** What is wrong, phrased to follow the location: "must be an integer", "has an unknown field ...". */
  message: string;
  /** The offending value as text; empty when something is missing. */
  value: string;
  fix: string;
}

const SEE_SCHEMA = 'See checks.schema.json.';

const TYPE_WORDS: Record<string, [singular: string, plural: string]> = {
  integer: ['an integer', 'integers'],
  number: ['a number', 'numbers'],
  string: ['a string', 'strings'],
  boolean: ['true or false', 'booleans'],
  object: ['a mapping (name: value)', 'mappings'],
  array: ['a list', 'lists'],
  null: ['null', 'nulls'],
};

/**
 * Turns Ajv errors (validated with `allErrors` and `verbose`) into one readable issue per real problem.
 * Ajv reports a failed `anyOf`/`oneOf` together with every failed alternative; those are folded into one
 * sentence ("must be an integer or a list of integers"), or into the alternative's own deeper errors
 * when the value clearly aimed at one alternative (`status: [200, 999]` -> "status[1] must be at most 599").
 */
export function explainSchemaErrors(errors: ErrorObject[], data: unknown, root: object): SchemaIssue[] {
  // A value with two of a oneOf's alternatives (a check with both request and run) also breaks each
  // alternative's field list; the oneOf sentence already says what is wrong there.
  const conflicting = new Set(
    errors
      .filter(
        (error) => error.keyword === 'oneOf' && (error.params as { passingSchemas?: unknown }).passingSchemas,
      )
      .map((error) => error.instancePath),
  );
  // An unknown field also fails the per-kind field list; "unknown field" is the more useful sentence.
  const unknownFields = new Set(
    errors
      .filter((error) => error.keyword === 'additionalProperties')
      .map(
        (error) =>
          `${error.instancePath}/${String((error.params as { additionalProperty: unknown }).additionalProperty)}`,
      ),
  );
  // `if` errors only say "must match then"; the `then` errors next to them carry the substance.
  const relevant = errors.filter((error) => {
    if (error.keyword === 'if') return false;
    const name = nameCheckedBy(error);
    if (name === undefined) return true;
    return !conflicting.has(error.instancePath) && !unknownFields.has(`${error.instancePath}/${name}`);
  });
  const issues = explain(relevant, data, root);
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const id = JSON.stringify([issue.path, issue.key, issue.message]);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The property name a `propertyNames` error (or an error inside one) is about. */
function nameCheckedBy(error: ErrorObject): string | undefined {
  if (error.keyword === 'propertyNames')
    return String((error.params as { propertyName: unknown }).propertyName);
  return error.propertyName;
}

function explain(errors: ErrorObject[], data: unknown, root: object): SchemaIssue[] {
  const members = new Map<ErrorObject, ErrorObject[]>();
  const consumed = new Set<ErrorObject>();
  for (const error of errors) {
    const own = membersOf(error, errors, root);
    if (!own) continue;
    members.set(error, own);
    for (const member of own) consumed.add(member);
  }
  const issues: SchemaIssue[] = [];
  for (const error of errors) {
    if (consumed.has(error)) continue;
    const own = members.get(error);
    if (own && (error.keyword === 'anyOf' || error.keyword === 'oneOf')) {
      issues.push(...explainAlternatives(error, own, data, root));
    } else {
      issues.push(explainOne(error, own ?? [], data, root));
    }
  }
  return issues;
}

/** The errors reported on behalf of a combinator (`anyOf`, `oneOf`) or a `propertyNames` check. */
function membersOf(error: ErrorObject, errors: ErrorObject[], root: object): ErrorObject[] | undefined {
  if (error.keyword === 'propertyNames') {
    const name = (error.params as { propertyName?: string }).propertyName;
    return errors.filter(
      (other) => other !== error && other.instancePath === error.instancePath && other.propertyName === name,
    );
  }
  if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') return undefined;
  const reachable = new Set<object>();
  for (const branch of error.schema as unknown[]) collectSchemas(branch, root, reachable);
  return errors.filter(
    (other) =>
      other !== error &&
      isWithin(other.instancePath, error.instancePath) &&
      typeof other.parentSchema === 'object' &&
      reachable.has(other.parentSchema),
  );
}

function explainAlternatives(
  error: ErrorObject,
  members: ErrorObject[],
  data: unknown,
  root: object,
): SchemaIssue[] {
  const path = toPath(error.instancePath, data);
  const fix = withSchemaHint(descriptionOf(error.parentSchema));
  const branches = error.schema as unknown[];
  const passing = (error.params as { passingSchemas?: number[] | null }).passingSchemas;
  if (error.keyword === 'oneOf' && passing) {
    const names = passing.map((index) => requiredNames(branches[index]).join(', '));
    return [{ path, message: `has more than one of ${names.join(', ')}; keep exactly one`, value: '', fix }];
  }
  if (
    members.length > 0 &&
    members.every((m) => m.keyword === 'required' && m.instancePath === error.instancePath)
  ) {
    const names = members.map(
      (m) => `"${String((m.params as { missingProperty: string }).missingProperty)}"`,
    );
    const howMany = error.keyword === 'oneOf' ? 'exactly one' : 'at least one';
    return [{ path, message: `needs ${howMany} of ${names.join(', ')}`, value: '', fix }];
  }
  // Errors deeper than the value, or other than a type mismatch on it, show which alternative was meant.
  const specific = members.filter((m) => m.instancePath !== error.instancePath || m.keyword !== 'type');
  if (specific.length > 0) return explain(specific, data, root);
  const expected = [...new Set(members.map((m) => describeExpected(m.parentSchema, root)))];
  return [{ path, message: `must be ${expected.join(' or ')}`, value: showValue(error.data), fix }];
}

function explainOne(error: ErrorObject, members: ErrorObject[], data: unknown, root: object): SchemaIssue {
  const path = toPath(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  const value = showValue(error.data);
  const fix = withSchemaHint(descriptionOf(error.parentSchema));
  switch (error.keyword) {
    case 'required':
      return { path, message: `is missing "${String(params.missingProperty)}"`, value: '', fix };
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const guess = closest(key, allowed);
      return {
        path,
        key,
        message: `has an unknown field "${key}"`,
        value: key,
        fix: `${guess ? `did you mean "${guess}"? ` : ''}Allowed fields: ${allowed.join(', ')}. ${SEE_SCHEMA}`,
      };
    }
    case 'propertyNames': {
      const key = String(params.propertyName);
      const cause = members[0];
      if (cause?.keyword === 'enum') {
        const allowed = (cause.params as { allowedValues: string[] }).allowedValues;
        return {
          path,
          key,
          message: `does not take "${key}"`,
          value: key,
          fix: withSchemaHint(descriptionOf(error.parentSchema) ?? `Allowed: ${allowed.join(', ')}.`),
        };
      }
      const nameRule = descriptionOf(error.schema) ?? descriptionOf(error.parentSchema);
      return {
        path,
        key,
        message: `has an invalid name "${key}"`,
        value: key,
        fix: withSchemaHint(nameRule),
      };
    }
    case 'type':
      return { path, message: `must be ${describeExpected(error.parentSchema, root)}`, value, fix };
    case 'false schema':
      return {
        path,
        message: 'is not allowed here',
        value,
        fix: withSchemaHint(nearestDescription(error.schemaPath, root)),
      };
    case 'minimum':
      return { path, message: `must be at least ${String(params.limit)}`, value, fix };
    case 'maximum':
      return { path, message: `must be at most ${String(params.limit)}`, value, fix };
    case 'minLength':
    case 'minItems':
    case 'minProperties':
      return {
        path,
        message:
          params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} entries`,
        value,
        fix,
      };
    case 'pattern':
      return { path, message: 'is not in the expected form', value, fix };
    case 'enum':
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).map(showValue).join(', ')}`,
        value,
        fix,
      };
    default:
      return { path, message: error.message ?? `fails the ${error.keyword} rule`, value, fix };
  }
}

/** Every schema object reachable from `schema`, following local `$ref`s into `root`. */
function collectSchemas(schema: unknown, root: object, into: Set<object>): void {
  if (typeof schema !== 'object' || schema === null || into.has(schema)) return;
  into.add(schema);
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) {
      collectSchemas(resolveLocal(root, value.slice(2).split('/')), root, into);
    } else {
      collectSchemas(value, root, into);
    }
  }
}

function resolveLocal(root: object, segments: string[]): unknown {
  let node: unknown = root;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** The description of the innermost schema on `schemaPath` (for keywords like `false` that carry none). */
function nearestDescription(schemaPath: string, root: object): string | undefined {
  const segments = schemaPath.replace(/^#\//, '').split('/');
  for (let length = segments.length; length > 0; length--) {
    const description = descriptionOf(resolveLocal(root, segments.slice(0, length)));
    if (description) return description;
  }
  return undefined;
}

function requiredNames(branch: unknown): string[] {
  const required = (branch as { required?: unknown }).required;
  return Array.isArray(required) ? required.map((name) => `"${String(name)}"`) : [];
}

function describeExpected(schema: unknown, root: object): string {
  const resolved = resolveRef(schema, root) as { type?: string; items?: unknown } | undefined;
  const type = resolved?.type ?? 'value';
  if (type === 'array' && resolved?.items !== undefined) {
    const itemType = (resolveRef(resolved.items, root) as { type?: string } | undefined)?.type;
    const plural = itemType ? TYPE_WORDS[itemType]?.[1] : undefined;
    if (plural) return `a list of ${plural}`;
  }
  return TYPE_WORDS[type]?.[0] ?? `a ${type}`;
}

function resolveRef(schema: unknown, root: object): unknown {
  const ref = (schema as { $ref?: unknown } | undefined)?.$ref;
  return typeof ref === 'string' && ref.startsWith('#/')
    ? resolveLocal(root, ref.slice(2).split('/'))
    : schema;
}

function descriptionOf(schema: unknown): string | undefined {
  const description = (schema as { description?: unknown } | null | undefined)?.description;
  return typeof description === 'string' ? description : undefined;
}

function withSchemaHint(description: string | undefined): string {
  return description ? `${description} ${SEE_SCHEMA}` : SEE_SCHEMA;
}

function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/** Converts an Ajv instance path (a JSON Pointer) to segments, with array indexes as numbers. */
function toPath(pointer: string, data: unknown): JsonPath {
  if (pointer === '') return [];
  const path: JsonPath = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}

function showValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    // parseChecksFile refuses recursive aliases before validation; this keeps a message if one slips by.
    return '(a value that contains itself)';
  }
}

/** The allowed name closest to a misspelt one, when it is close enough to be the intended one. */
function closest(name: string, allowed: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
