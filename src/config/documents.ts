import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { nestedDeeperThan, parseChecksFile } from '../checks/parse.js';
import type { ChecksFile } from '../checks/types.js';
import { errorMessage } from '../errors.js';
import { compileSchema, MAX_SCHEMA_DEPTH, type ValidateFunction } from '../json-schema.js';
import type { ConfigSource, InputReader } from './inputs.js';

/** Inline content is anything multi-line or starting like JSON/YAML flow; the rest is a path. */
function isInline(value: string): boolean {
  return value.includes('\n') || /^[{[]/.test(value);
}

/**
 * Reads an input that is either inline text or a path relative to GITHUB_WORKSPACE. Returns the text and
 * a `source` to name in messages.
 */
function loadText(
  reader: InputReader,
  input: 'health-schema' | 'checks',
  value: string,
  workspace: string,
  repositoryFiles: ConfigSource['repositoryFiles'] = {},
): { text: string; source: string } | undefined {
  if (isInline(value)) return { text: value, source: 'inline' };
  const path = isAbsolute(value) ? value : resolve(workspace, value);
  const key = value.replace(/^\.\//, '');
  const fetched = Object.hasOwn(repositoryFiles, key) ? repositoryFiles[key] : undefined;
  if (fetched && !existsSync(path)) return { text: fetched.text, source: value };
  if (!existsSync(path) || !statSync(path).isFile()) {
    reader.problem(
      input,
      value,
      `no file at ${path} (paths are relative to GITHUB_WORKSPACE)`,
      'check the path and run actions/checkout before this step, or give the content inline',
    );
    return undefined;
  }
  return { text: readFileSync(path, 'utf8'), source: value };
}

/**
 * The path of the checks file when it is a file of the repository that the workspace does not hold yet
 * (pre runs before actions/checkout), or undefined when it is inline, absolute or already there.
 */
export function checksFileToFetch(value: string, workspace: string): string | undefined {
  if (!value || isInline(value) || isAbsolute(value) || value.split(/[\\/]/).includes('..')) return undefined;
  return existsSync(resolve(workspace, value)) ? undefined : value.replace(/^\.\//, '');
}

/** The `health-schema` input: a JSON or YAML file, or inline, compiled. */
export function readHealthSchema(
  reader: InputReader,
  workspace: string,
): { source: string; validate: ValidateFunction } | undefined {
  const value = reader.raw('health-schema');
  if (!value) return undefined;
  const loaded = loadText(reader, 'health-schema', value, workspace);
  if (!loaded) return undefined;
  let document: unknown;
  try {
    document = parseYaml(loaded.text);
  } catch (error) {
    reader.problem(
      'health-schema',
      loaded.source,
      `is not valid JSON or YAML (${errorMessage(error).split('\n')[0]})`,
      'fix the syntax; JSON and YAML are both accepted',
    );
    return undefined;
  }
  // ajv compiles recursively: a self-referencing alias or extreme nesting would exhaust the stack.
  if (document !== null && typeof document === 'object' && nestedDeeperThan(document, MAX_SCHEMA_DEPTH)) {
    reader.problem(
      'health-schema',
      loaded.source,
      `is nested more than ${MAX_SCHEMA_DEPTH} levels deep (or uses a recursive YAML alias)`,
      'flatten the schema; use $ref for recursive structures',
    );
    return undefined;
  }
  if (document === null || typeof document !== 'object') {
    reader.problem(
      'health-schema',
      loaded.source,
      'is not a JSON or YAML object',
      'write the schema as a JSON or YAML object',
    );
    return undefined;
  }
  const compiled = compileSchema(document);
  if ('error' in compiled) {
    reader.problem(
      'health-schema',
      loaded.source,
      `is not a valid JSON Schema: ${compiled.error}`,
      'fix the schema (JSON Schema draft-07, 2019-09 or 2020-12)',
    );
    return undefined;
  }
  return { source: loaded.source, validate: compiled.validate };
}

/** The `checks` input: a checks file, or inline, parsed with every problem named. */
export function readChecks(
  reader: InputReader,
  workspace: string,
  source: ConfigSource,
): { source: string; file: ChecksFile } | undefined {
  const value = reader.raw('checks');
  if (!value) return undefined;
  const loaded = loadText(reader, 'checks', value, workspace, source.repositoryFiles);
  if (!loaded) return undefined;
  const parsed = parseChecksFile(loaded.text, { source: loaded.source, input: 'checks', env: source.env });
  reader.problems.push(...parsed.problems);
  return parsed.file && parsed.problems.length === 0
    ? { source: loaded.source, file: parsed.file }
    : undefined;
}
