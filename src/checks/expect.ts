import { describeSchemaErrors } from '../json-schema.js';
import type { HttpResponse } from '../http.js';
import { resolvePointer } from '../json-pointer.js';
import { renderJsonTemplate, type TemplateScope } from './template.js';
import type { Expectation, HeaderExpectation } from './types.js';
import { errorMessage } from '../errors.js';

/** Longest rendering of a value quoted in a failure message. */
const MAX_QUOTED_CHARS = 120;
/** Schema violations quoted in one failure message; the first ones explain the rest. */
const MAX_SCHEMA_ERRORS = 3;

/** Compiles a regular expression from the checks file; a syntax error is returned as a sentence. */
export function compileRegex(source: string): { regex: RegExp } | { error: string } {
  try {
    return { regex: new RegExp(source) };
  } catch (error) {
    return { error: `/${source}/ is not a valid regular expression (${errorMessage(error)})` };
  }
}

/** Reads an `expect.headers` entry: a value between slashes is a regular expression, anything else exact. */
export function compileHeaderExpectation(name: string, value: string): HeaderExpectation | { error: string } {
  if (value.length >= 2 && value.startsWith('/') && value.endsWith('/')) {
    const compiled = compileRegex(value.slice(1, -1));
    return 'error' in compiled ? compiled : { name, kind: 'pattern', pattern: compiled.regex };
  }
  return { name, kind: 'exact', value };
}

/** An expectation with its templates rendered for one request. */
export interface ConcreteExpectation extends Omit<Expectation, 'bodyContains' | 'json'> {
  bodyContains?: string;
  json: { pointer: string; value: unknown }[];
}

/**
 * Renders the templated parts of an expectation (`body.contains`, `json` values). Done before the request
 * is sent, so a variable without a value stops the request instead of surfacing after it.
 * Throws UnboundVariableError.
 */
export function renderExpectation(expect: Expectation, scope: TemplateScope): ConcreteExpectation {
  const { bodyContains, json, ...rest } = expect;
  return {
    ...rest,
    ...(bodyContains ? { bodyContains: bodyContains.render(scope) } : {}),
    json: json.map(({ pointer, value }) => ({ pointer, value: renderJsonTemplate(value, scope) })),
  };
}

/** Outcome of checking one response: the first failed assertion, or the captured values. */
export type ResponseAssessment = { failure: string } | { captured: Record<string, string> };

/**
 * Checks `response` against `expect` in a fixed order (status, headers, body, json, schema, max-ms) and
 * then captures. Returns the first failure as a plain sentence without the request label, so the caller
 * can prefix it. Captured values are returned raw; registering them as secrets is the caller's job.
 */
export function assessResponse(
  expect: ConcreteExpectation,
  capture: Record<string, string>,
  response: HttpResponse,
  redact: Redact = (text) => text,
  register: (value: string) => void = () => undefined,
): ResponseAssessment {
  const json = lazyJson(response);
  // Captured values are secrets from the moment they arrive: mask them before any failure can quote them.
  const captured = captureValues(capture, json);
  if ('captured' in captured) for (const value of Object.values(captured.captured)) register(value);
  const failure =
    withBodySnippet(checkStatus(expect.status, response.status), response, redact) ??
    checkHeaders(expect.headers, response.headers, redact) ??
    checkBody(expect, response.text(), redact) ??
    checkJson(expect, json, redact) ??
    checkSchema(expect, json, redact) ??
    checkLatency(expect.maxMs, response.durationMs);
  if (failure) return { failure };
  return captured;
}

/** Characters of a refused request's body quoted in its failure. */
const MAX_SNIPPET_CHARS = 200;

/**
 * A client error (400, 401, 403, 409, 422 …) says why in its body, as FastAPI's `detail` does: quote the
 * start of it, redacted before it is cut. A 404 or 410 says enough by itself.
 */
function withBodySnippet(
  failure: string | undefined,
  response: HttpResponse,
  redact: Redact,
): string | undefined {
  const status = response.status;
  if (!failure || status < 400 || status >= 500 || status === 404 || status === 410) return failure;
  const text = redact(response.text()).replace(/\s+/g, ' ').trim();
  if (text === '') return failure;
  const snippet = text.length > MAX_SNIPPET_CHARS ? `${text.slice(0, MAX_SNIPPET_CHARS - 3)}...` : text;
  return `${failure}; the service answered: ${snippet}`;
}

function checkStatus(expected: number[] | undefined, status: number): string | undefined {
  if (expected === undefined)
    return status >= 200 && status < 300 ? undefined : `status ${status}, expected a 2xx status`;
  if (expected.includes(status)) return undefined;
  return expected.length === 1
    ? `status ${status}, expected ${expected[0]}`
    : `status ${status}, expected one of ${expected.join(', ')}`;
}

function checkHeaders(
  expected: HeaderExpectation[],
  headers: Record<string, string>,
  redact: Redact,
): string | undefined {
  for (const header of expected) {
    const actual = headers[header.name.toLowerCase()];
    const wanted =
      header.kind === 'exact' ? quote(header.value, redact) : `to match ${String(header.pattern)}`;
    if (actual === undefined) return `header ${header.name} missing, expected ${wanted}`;
    const ok = header.kind === 'exact' ? actual === header.value : header.pattern.test(actual);
    if (!ok) return `header ${header.name} is ${quote(actual, redact)}, expected ${wanted}`;
  }
  return undefined;
}

function checkBody(expect: ConcreteExpectation, body: string, redact: Redact): string | undefined {
  if (expect.bodyContains !== undefined && !body.includes(expect.bodyContains)) {
    return `body does not contain ${quote(expect.bodyContains, redact)}`;
  }
  if (expect.bodyMatches && !expect.bodyMatches.test(body))
    return `body does not match ${String(expect.bodyMatches)}`;
  return undefined;
}

function checkJson(expect: ConcreteExpectation, json: () => JsonBody, redact: Redact): string | undefined {
  if (expect.json.length === 0) return undefined;
  const body = json();
  if (!body.ok) return body.failure;
  for (const { pointer, value } of expect.json) {
    const found = resolvePointer(body.value, pointer);
    if (!found.found) return `${pointer} missing from the JSON body, expected ${show(value, redact)}`;
    if (!deepEqual(found.value, value))
      return `${pointer} is ${show(found.value, redact)}, expected ${show(value, redact)}`;
  }
  return undefined;
}

function checkSchema(expect: ConcreteExpectation, json: () => JsonBody, redact: Redact): string | undefined {
  if (!expect.schema) return undefined;
  const body = json();
  if (!body.ok) return body.failure;
  if (expect.schema(body.value)) return undefined;
  const errors = describeSchemaErrors(expect.schema.errors, body.value, redact).slice(0, MAX_SCHEMA_ERRORS);
  return `body does not satisfy expect.schema: ${errors.join('; ')}`;
}

function checkLatency(maxMs: number | undefined, durationMs: number): string | undefined {
  return maxMs !== undefined && durationMs > maxMs
    ? `took ${durationMs} ms, limit max-ms ${maxMs}`
    : undefined;
}

function captureValues(capture: Record<string, string>, json: () => JsonBody): ResponseAssessment {
  const captured: Record<string, string> = {};
  for (const [name, pointer] of Object.entries(capture)) {
    const body = json();
    if (!body.ok) return { failure: `${body.failure} (capture ${name})` };
    const found = resolvePointer(body.value, pointer);
    if (!found.found)
      return { failure: `${pointer || 'the body'} missing from the JSON body (capture ${name})` };
    const value = found.value;
    // An empty or null capture would turn `DELETE /api/notes/{{ id }}` into a request nobody meant to send.
    if (value === null) return { failure: `${pointer || 'the body'} is null (capture ${name})` };
    const text =
      typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (text === '') return { failure: `${pointer || 'the body'} is an empty string (capture ${name})` };
    captured[name] = text;
  }
  return { captured };
}

type JsonBody = { ok: true; value: unknown } | { ok: false; failure: string };

/** Parses the body once, on first use, so responses nobody asserts JSON on are never parsed. */
function lazyJson(response: HttpResponse): () => JsonBody {
  let parsed: JsonBody | undefined;
  return () => {
    if (!parsed) {
      const contentType = response.headers['content-type'] ?? 'no content-type';
      try {
        parsed = { ok: true, value: JSON.parse(response.text()) as unknown };
      } catch {
        const empty = response.body.length === 0 ? 'empty, ' : '';
        parsed = { ok: false, failure: `body is not JSON (${empty}${contentType})` };
      }
    }
    return parsed;
  };
}

/** Deep equality of JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length &&
    keys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key], right[key]))
  );
}

/** Secrets are scrubbed before the cut, so a long secret cannot be cut into a fragment that escapes redaction. */
type Redact = (text: string) => string;

function show(value: unknown, redact: Redact): string {
  return truncate(redact(JSON.stringify(value) ?? String(value)));
}

function quote(text: string, redact: Redact): string {
  return truncate(redact(JSON.stringify(text)));
}

function truncate(text: string): string {
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS - 3)}...` : text;
}
