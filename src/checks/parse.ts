import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { LineCounter, parseDocument } from 'yaml';
export { nestedDeeperThan } from './problem-reporter.js';
import checksSchema from '../../checks.schema.json' with { type: 'json' };
import type { ConfigProblem } from '../errors.js';
import { isJsonPointer } from '../json-pointer.js';
import { parseDuration } from '../duration.js';
import { compileSchema, MAX_SCHEMA_DEPTH } from '../json-schema.js';
import { compileHeaderExpectation, compileRegex } from './expect.js';
import { clientManagedHeader, unsendableHeaderCharacter } from '../http.js';
import { explainSchemaErrors } from './schema-problems.js';
import {
  compileJsonTemplate,
  Template,
  type AvailableVariables,
  type JsonPath,
  type JsonTemplate,
} from './template.js';
import {
  collectionKey,
  explainUnbound,
  isRecord,
  nestedDeeperThan,
  ProblemReporter,
  QUOTE_TEMPLATES_FIX,
  recursiveAlias,
  reportDuplicateNames,
  type CaptureOrigin,
  type ParseChecksOptions,
} from './problem-reporter.js';
import type { Canary, Check, ChecksFile, Expectation, RequestSpec } from './types.js';
import { errorMessage } from '../errors.js';

export type { ParseChecksOptions } from './problem-reporter.js';

/** Checks run at once when the file does not say. */
export const DEFAULT_CONCURRENCY = 4;

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const REQUEST_LINE_FIX =
  `Write "METHOD target", e.g. "POST /api/login" or "GET https://api.example.com/health"; ` +
  `METHOD is one of ${HTTP_METHODS.join(', ')} (default GET).`;
const PLACEHOLDER_FIX = 'Write variables as {{ name }}, {{ env.NAME }} or {{ run.id }}.';
/**
 * Deepest nesting of lists and mappings a checks file may have. Real files need a handful of levels; the
 * limit keeps every recursive step after parsing (templates, rendering, comparing) far from the stack's.
 */
export const MAX_NESTING = 1000;
const NESTING_FIX = `Flatten it: lists and mappings nested more than ${MAX_NESTING} levels deep are not supported.`;

let checksFileValidator: ValidateFunction | undefined;

/** The compiled checks.schema.json; compiled once, on first use. */
function validateChecksFile(data: unknown): ValidateFunction['errors'] {
  if (!checksFileValidator) {
    // Strict on our own schema: a mistake in it should fail the tests, not loosen validation.
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strictSchema: true,
      strictTypes: true,
      strictTuples: true,
    });
    checksFileValidator = ajv.compile(checksSchema);
  }
  return checksFileValidator(data) ? null : checksFileValidator.errors;
}

/**
 * Parses and validates a checks file (YAML or JSON). Never throws: every problem found (YAML syntax,
 * schema violations, duplicate names, template variables that cannot resolve, bad regular expressions,
 * bad inline schemas, bad JSON Pointers) is returned, each naming its location, and `file` is present
 * only when there are none.
 */
export function parseChecksFile(
  text: string,
  options: ParseChecksOptions,
): { file?: ChecksFile; problems: ConfigProblem[] } {
  const reporter = new ProblemReporter(text, options);
  if (text.trim() === '') {
    reporter.add([], 'is empty', '', 'Add a checks: list or a canary:, or leave the input unset.');
    return { problems: reporter.problems };
  }
  const lineCounter = new LineCounter();
  // logLevel error: yaml would print a warning for `key: {{ x }}` (a mapping used as a key); we report it.
  const doc = parseDocument(text, { lineCounter, merge: true, logLevel: 'error' });
  reporter.attach(doc, lineCounter);
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    if (syntaxError.code === 'RESOURCE_EXHAUSTION') {
      // yaml composes nodes recursively and reports running out of stack as this error.
      reporter.at(syntaxError.pos[0], 'the checks file is nested too deeply to read', NESTING_FIX);
      return { problems: reporter.problems };
    }
    // Later YAML errors are almost always echoes of the first one.
    reporter.syntax(syntaxError.message.split('\n')[0] ?? syntaxError.message, syntaxError.linePos?.[0]);
    return { problems: reporter.problems };
  }
  const recursive = recursiveAlias(doc);
  if (recursive) {
    const name = recursive.source;
    reporter.at(
      recursive.range?.[0] ?? 0,
      `the checks file uses a recursive YAML alias (&${name} … *${name}): *${name} sits inside the value anchored as &${name}, so that value would contain itself without end`,
      `Anchor (&${name}) only a value that does not contain its own alias; write the inner value out instead.`,
    );
    return { problems: reporter.problems };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof RangeError) {
      // Out of stack: aliases can nest values deeper than the text does.
      reporter.add([], 'is nested too deeply to read', '', NESTING_FIX);
    } else {
      reporter.add(
        [],
        `cannot be read: ${errorMessage(error)}`,
        '',
        'Simplify the YAML anchors and aliases.',
      );
    }
    return { problems: reporter.problems };
  }
  const deep = nestedDeeperThan(data, MAX_NESTING);
  if (deep) {
    // The full path would be a thousand segments long; its start says where.
    reporter.add(
      deep.slice(0, 6),
      `holds lists and mappings nested more than ${MAX_NESTING} levels deep`,
      '',
      NESTING_FIX,
    );
    return { problems: reporter.problems };
  }

  const issues = explainSchemaErrors(validateChecksFile(data) ?? [], data, checksSchema);
  for (const issue of issues)
    reporter.schemaIssue(issue.path, issue.message, issue.value, issue.fix, issue.key);
  // Where the schema allows any value (a JSON body), a mapping used as a key passes it: look for one.
  const keyed = issues.length === 0 ? collectionKey(doc, text) : undefined;
  if (keyed) {
    const shown = keyed.node.range ? text.slice(keyed.node.range[0], keyed.node.range[1]) : '';
    reporter.add(
      keyed.path,
      keyed.template
        ? 'is a {{ }} template that YAML read as a mapping (unquoted inside { }), so the request would not carry it'
        : 'uses a mapping as a key, which no request can carry',
      shown,
      keyed.template ? QUOTE_TEMPLATES_FIX : 'Use plain text keys; quote a key that holds { or [.',
    );
    return { problems: reporter.problems };
  }
  if (!isRecord(data)) return { problems: reporter.sorted() };

  const isClean = (...prefix: JsonPath): boolean =>
    !issues.some((issue) => prefix.every((segment, index) => issue.path[index] === segment));
  const builder = new FileBuilder(reporter, options.env);
  const checks: Check[] = [];
  if (Array.isArray(data.checks)) {
    reportDuplicateNames(data.checks, reporter);
    data.checks.forEach((raw, index) => {
      if (!isClean('checks', index)) return;
      const check = builder.check(raw as RawCheck, ['checks', index]);
      if (check) checks.push(check);
    });
  }
  const canary =
    isRecord(data.canary) && isClean('canary')
      ? builder.canary(data.canary as unknown as RawCanary)
      : undefined;

  if (reporter.problems.length > 0) return { problems: reporter.sorted() };
  const file: ChecksFile = {
    concurrency: typeof data.concurrency === 'number' ? data.concurrency : DEFAULT_CONCURRENCY,
    checks,
    ...(canary ? { canary } : {}),
  };
  return { file, problems: [] };
}

// Shapes of the validated document. They hold only after schema validation of the same subtree passed.
interface RawRequest {
  request: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
  expect?: RawExpect;
  capture?: Record<string, string>;
  cleanup?: boolean;
}
interface RawExpect {
  status?: number | number[];
  headers?: Record<string, string>;
  body?: { contains?: string; matches?: string };
  json?: Record<string, unknown>;
  schema?: object;
  'max-ms'?: number;
}
interface RawCheck extends Partial<RawRequest> {
  name: string;
  steps?: RawRequest[];
  run?: string;
  timeout?: string;
}
interface RawCanary {
  write: RawRequest;
  read: RawRequest;
  delete?: RawRequest;
  keep?: boolean;
}

/** Builds the typed checks file from a schema-valid document, reporting what the schema cannot express. */
class FileBuilder {
  constructor(
    private readonly reporter: ProblemReporter,
    private readonly env: Record<string, string | undefined>,
  ) {}

  check(raw: RawCheck, path: JsonPath): Check | undefined {
    if (raw.run !== undefined) {
      if (raw.timeout === undefined) return { kind: 'command', name: raw.name, command: raw.run };
      const timeoutMs = parseDuration(raw.timeout);
      if (timeoutMs === undefined) {
        // The schema checked the form, so only a number too large to represent is left.
        this.reporter.add(
          [...path, 'timeout'],
          'is too large to represent as a duration',
          raw.timeout,
          'Give the command a realistic time, e.g. 2m or 1h; the overall timeout bounds it in any case.',
        );
        return undefined;
      }
      if (timeoutMs === 0) {
        this.reporter.add(
          [...path, 'timeout'],
          'must be longer than zero',
          raw.timeout,
          'Give the command time to run, e.g. 2m.',
        );
        return undefined;
      }
      return { kind: 'command', name: raw.name, command: raw.run, timeoutMs };
    }
    if (raw.steps !== undefined) {
      const captured = new Set<string>();
      const steps: (RequestSpec | undefined)[] = raw.steps.map((step, index) => {
        const spec = this.request(step, [...path, 'steps', index], captured, 'step');
        // Later steps may use what this one captures, even when this step has its own problems.
        for (const name of Object.keys(step.capture ?? {})) captured.add(name);
        return spec;
      });
      return steps.every((step) => step !== undefined)
        ? { kind: 'steps', name: raw.name, steps: steps as RequestSpec[] }
        : undefined;
    }
    const request = this.request(raw as RawRequest, path, new Set(), 'request-check');
    return request ? { kind: 'request', name: raw.name, request } : undefined;
  }

  canary(raw: RawCanary): Canary | undefined {
    const write = this.request(raw.write, ['canary', 'write'], new Set(), 'canary-write');
    const written = new Set(Object.keys(raw.write.capture ?? {}));
    const read = this.request(raw.read, ['canary', 'read'], written, 'canary');
    const remove = raw.delete ? this.request(raw.delete, ['canary', 'delete'], written, 'canary') : undefined;
    if (!write || !read || (raw.delete && !remove)) return undefined;
    return { write, read, ...(remove ? { delete: remove } : {}), keep: raw.keep ?? false };
  }

  /** Builds one request; returns undefined (with problems reported) when any part of it is unusable. */
  private request(
    raw: RawRequest,
    path: JsonPath,
    captured: ReadonlySet<string>,
    origin: CaptureOrigin,
  ): RequestSpec | undefined {
    const before = this.reporter.problems.length;
    const available: AvailableVariables = { env: this.env, captured };
    const template = (source: string, at: JsonPath, shown = source): Template | undefined =>
      this.template(source, shown, at, available, origin);
    const json = (value: unknown, at: JsonPath): JsonTemplate | undefined =>
      this.jsonTemplate(value, at, available, origin);

    const line = this.requestLine(raw.request, [...path, 'request']);
    const target =
      line && this.checkReferences(line.target, raw.request, [...path, 'request'], available, origin)
        ? line.target
        : undefined;
    const headers: Record<string, Template> = {};
    for (const [name, value] of Object.entries(raw.headers ?? {})) {
      const managed = clientManagedHeader(name);
      if (managed) {
        this.reporter.add(
          [...path, 'headers'],
          `sets ${name}, which the HTTP client cannot send (${managed})`,
          name,
          `Remove the ${name} header.`,
          name,
        );
        continue;
      }
      const compiled = template(value, [...path, 'headers', name]);
      if (compiled && this.sendableHeader(compiled, [...path, 'headers', name], available)) {
        // An own property even for a header named "__proto__", which assignment would drop.
        Object.defineProperty(headers, name, {
          value: compiled,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    let body: RequestSpec['body'];
    if (raw.json !== undefined) {
      const value = json(raw.json, [...path, 'json']);
      if (value !== undefined) body = { kind: 'json', value };
    } else if (raw.body !== undefined) {
      const value = template(raw.body, [...path, 'body']);
      if (value) body = { kind: 'text', value };
    }
    const expect = this.expectation(raw.expect ?? {}, [...path, 'expect'], template, json);
    const capture = raw.capture ?? {};
    for (const [name, pointer] of Object.entries(capture)) {
      if (!isJsonPointer(pointer)) {
        this.reporter.add(
          [...path, 'capture', name],
          'is not a JSON Pointer',
          pointer,
          'Point into the JSON response body: /token, /data/0/id, or "" for the whole body.',
        );
      }
    }
    if (this.reporter.problems.length > before || !line || !target || !expect) return undefined;
    return {
      method: line.method,
      target,
      headers,
      ...(body ? { body } : {}),
      expect,
      capture,
      cleanup: raw.cleanup ?? false,
    };
  }

  /**
   * Whether a header's literal text and the env values it uses are characters HTTP headers can carry;
   * captured values are checked when the request is built.
   */
  private sendableHeader(template: Template, path: JsonPath, available: AvailableVariables): boolean {
    for (const literal of template.literals()) {
      const bad = unsendableHeaderCharacter(literal);
      if (bad) {
        this.reporter.add(
          path,
          `has ${bad}, which HTTP headers cannot carry`,
          template.source,
          'Header values take printable ASCII, tabs and Latin-1 characters only; percent-encode or base64-encode anything else.',
        );
        return false;
      }
    }
    for (const ref of template.references()) {
      if (ref.scope !== 'env' || !Object.hasOwn(available.env, ref.name)) continue;
      const bad = unsendableHeaderCharacter(available.env[ref.name] ?? '');
      if (bad) {
        // The env value is not quoted: it is usually a secret.
        this.reporter.add(
          path,
          `uses {{ ${ref.expression} }}, whose value has ${bad}, which HTTP headers cannot carry`,
          template.source,
          `Fix the value of ${ref.name} in the env: of the Deploy Sentinel step; a secret saved with a trailing newline is a common cause.`,
        );
        return false;
      }
    }
    return true;
  }

  private requestLine(text: string, path: JsonPath): { method: string; target: Template } | undefined {
    const trimmed = text.trim();
    const split = /^([A-Za-z]+)\s+(\S.*)$/.exec(trimmed);
    const method = split?.[1]?.toUpperCase() ?? 'GET';
    const target = split?.[2] ?? trimmed;
    if (!HTTP_METHODS.includes(method)) {
      this.reporter.add(path, `has an unknown HTTP method "${split?.[1] ?? ''}"`, text, REQUEST_LINE_FIX);
      return undefined;
    }
    if (!/^(\/|https?:\/\/|\{\{)/i.test(target)) {
      this.reporter.add(
        path,
        `has a target that is neither a path starting with / nor an http(s) URL`,
        text,
        REQUEST_LINE_FIX,
      );
      return undefined;
    }
    // Compiled first (in linear time), so the check below only looks at text outside placeholders.
    const compiled = Template.compile(target);
    if ('error' in compiled) {
      this.reporter.add(path, `has a malformed placeholder: ${compiled.error}`, text, PLACEHOLDER_FIX);
      return undefined;
    }
    // A space outside {{ }} is usually "GET /path HTTP/1.1" pasted from a raw request.
    if (compiled.template.literals().some((literal) => /\s/.test(literal))) {
      this.reporter.add(
        path,
        'has a space in its target',
        text,
        `${REQUEST_LINE_FIX} Encode spaces in paths as %20.`,
      );
      return undefined;
    }
    return { method, target: compiled.template };
  }

  private expectation(
    raw: RawExpect,
    path: JsonPath,
    template: (source: string, at: JsonPath) => Template | undefined,
    json: (value: unknown, at: JsonPath) => JsonTemplate | undefined,
  ): Expectation | undefined {
    const before = this.reporter.problems.length;
    const expectation: Expectation = { headers: [], json: [] };
    if (raw.status !== undefined) expectation.status = [...new Set([raw.status].flat())];
    for (const [name, value] of Object.entries(raw.headers ?? {})) {
      const compiled = compileHeaderExpectation(name, value);
      if ('error' in compiled) {
        this.reporter.add(
          [...path, 'headers', name],
          compiled.error,
          value,
          'Fix the regular expression, or drop the slashes to compare the exact value.',
        );
      } else {
        expectation.headers.push(compiled);
      }
    }
    if (raw.body?.contains !== undefined)
      expectation.bodyContains = template(raw.body.contains, [...path, 'body', 'contains']);
    if (raw.body?.matches !== undefined) {
      const compiled = compileRegex(raw.body.matches);
      if ('error' in compiled) {
        this.reporter.add(
          [...path, 'body', 'matches'],
          compiled.error,
          raw.body.matches,
          'Use JavaScript regular expression syntax, without surrounding slashes.',
        );
      } else {
        expectation.bodyMatches = compiled.regex;
      }
    }
    for (const [pointer, value] of Object.entries(raw.json ?? {})) {
      if (!isJsonPointer(pointer)) {
        this.reporter.add(
          [...path, 'json', pointer],
          'is keyed by something that is not a JSON Pointer',
          pointer,
          'Key each expected value by a JSON Pointer into the body, e.g. /status or /database/type.',
        );
        continue;
      }
      const compiled = json(value, [...path, 'json', pointer]);
      if (compiled !== undefined) expectation.json.push({ pointer, value: compiled });
    }
    if (raw.schema !== undefined && nestedDeeperThan(raw.schema, MAX_SCHEMA_DEPTH)) {
      this.reporter.add(
        [...path, 'schema'],
        `is nested more than ${MAX_SCHEMA_DEPTH} levels deep, too deep to compile`,
        '',
        'Flatten the schema, e.g. move repeated parts to $defs and refer to them with $ref.',
      );
    } else if (raw.schema !== undefined) {
      const compiled = compileSchema(raw.schema);
      if ('error' in compiled) {
        this.reporter.add(
          [...path, 'schema'],
          `is not a valid JSON Schema: ${compiled.error}`,
          JSON.stringify(raw.schema),
          'Write a draft 2020-12 JSON Schema (without a draft-07 $schema).',
        );
      } else {
        expectation.schema = compiled.validate;
      }
    }
    if (raw['max-ms'] !== undefined) expectation.maxMs = raw['max-ms'];
    return this.reporter.problems.length > before ? undefined : expectation;
  }

  private template(
    source: string,
    shown: string,
    path: JsonPath,
    available: AvailableVariables,
    origin: CaptureOrigin,
  ): Template | undefined {
    const compiled = Template.compile(source);
    if ('error' in compiled) {
      this.reporter.add(path, `has a malformed placeholder: ${compiled.error}`, shown, PLACEHOLDER_FIX);
      return undefined;
    }
    return this.checkReferences(compiled.template, shown, path, available, origin)
      ? compiled.template
      : undefined;
  }

  private jsonTemplate(
    value: unknown,
    path: JsonPath,
    available: AvailableVariables,
    origin: CaptureOrigin,
  ): JsonTemplate | undefined {
    const compiled = compileJsonTemplate(value);
    for (const error of compiled.errors) {
      this.reporter.add(
        [...path, ...error.path],
        `has a malformed placeholder: ${error.error}`,
        error.source,
        PLACEHOLDER_FIX,
      );
    }
    let ok = compiled.errors.length === 0;
    for (const { path: inner, template } of compiled.strings) {
      ok = this.checkReferences(template, template.source, [...path, ...inner], available, origin) && ok;
    }
    return ok ? compiled.template : undefined;
  }

  private checkReferences(
    template: Template,
    source: string,
    path: JsonPath,
    available: AvailableVariables,
    origin: CaptureOrigin,
  ): boolean {
    const unbound = template.unbound(available);
    for (const { ref, reason } of unbound) {
      const { message, fix } = explainUnbound(ref, reason, origin, available.captured);
      this.reporter.add(path, message, source, fix);
    }
    return unbound.length === 0;
  }
}
