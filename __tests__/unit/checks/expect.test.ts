import { describe, it, expect } from '@jest/globals';
import {
  assessResponse,
  compileHeaderExpectation,
  compileRegex,
  deepEqual,
  renderExpectation,
  type ResponseAssessment,
} from '../../../src/checks/expect.js';
import { parseChecksFile } from '../../../src/checks/parse.js';
import type { RequestSpec } from '../../../src/checks/types.js';
import type { HttpResponse } from '../../../src/http.js';

const env = { EXPECTED_TEXT: 'hello' };
const run = { id: '1', attempt: '1', nonce: 'n0nce', sha: 'abc1234' };

/** The request of a one-check file whose check carries the given `expect` and `capture` (flow YAML). */
function requestWith(expectYaml: string, captureYaml?: string): RequestSpec {
  const text = `checks:\n  - name: probe\n    request: GET /\n    expect: ${expectYaml}\n${captureYaml ? `    capture: ${captureYaml}\n` : ''}`;
  const { file, problems } = parseChecksFile(text, { source: 'test.yml', input: 'checks', env });
  expect(problems).toEqual([]);
  const check = file?.checks[0];
  if (check?.kind !== 'request') throw new Error('not a request check');
  return check.request;
}

function response(init: {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  durationMs?: number;
}): HttpResponse {
  const body = Buffer.from(init.body ?? '');
  return {
    status: init.status ?? 200,
    headers: init.headers ?? {},
    body,
    url: 'http://service.test/',
    durationMs: init.durationMs ?? 5,
    text: () => body.toString('utf8'),
    json: () => JSON.parse(body.toString('utf8')) as unknown,
  };
}

function assess(
  spec: RequestSpec,
  res: HttpResponse,
  captured: Record<string, string> = {},
): ResponseAssessment {
  return assessResponse(renderExpectation(spec.expect, { env, run, captured }), spec.capture, res);
}

const jsonResponse = (value: unknown, init: { status?: number } = {}): HttpResponse =>
  response({ ...init, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });

describe('status', () => {
  it('passes any 2xx by default and names the status otherwise', () => {
    const spec = requestWith('{}');
    expect(assess(spec, response({ status: 204 }))).toEqual({ captured: {} });
    expect(assess(spec, response({ status: 301 }))).toEqual({ failure: 'status 301, expected a 2xx status' });
    expect(assess(spec, response({ status: 500 }))).toEqual({ failure: 'status 500, expected a 2xx status' });
  });

  it('checks a single expected status', () => {
    const spec = requestWith('{ status: 404 }');
    expect(assess(spec, response({ status: 404 }))).toEqual({ captured: {} });
    expect(assess(spec, response({ status: 200 }))).toEqual({ failure: 'status 200, expected 404' });
  });

  it('checks a list of statuses', () => {
    const spec = requestWith('{ status: [200, 201] }');
    expect(assess(spec, response({ status: 201 }))).toEqual({ captured: {} });
    expect(assess(spec, response({ status: 202 }))).toEqual({
      failure: 'status 202, expected one of 200, 201',
    });
  });
});

describe('headers', () => {
  it('compares exact values, with case-insensitive names', () => {
    const spec = requestWith('{ headers: { Cache-Control: no-store } }');
    expect(assess(spec, response({ headers: { 'cache-control': 'no-store' } }))).toEqual({ captured: {} });
    expect(assess(spec, response({ headers: { 'cache-control': 'max-age=60' } }))).toEqual({
      failure: 'header Cache-Control is "max-age=60", expected "no-store"',
    });
    expect(assess(spec, response({}))).toEqual({
      failure: 'header Cache-Control missing, expected "no-store"',
    });
  });

  it('searches a /regex/ in the value', () => {
    const spec = requestWith('{ headers: { Content-Type: "/^text\\\\/html/" } }');
    expect(assess(spec, response({ headers: { 'content-type': 'text/html; charset=utf-8' } }))).toEqual({
      captured: {},
    });
    expect(assess(spec, response({ headers: { 'content-type': 'application/json' } }))).toEqual({
      failure: 'header Content-Type is "application/json", expected to match /^text\\/html/',
    });
    expect(assess(spec, response({}))).toEqual({
      failure: 'header Content-Type missing, expected to match /^text\\/html/',
    });
  });
});

describe('body', () => {
  it('checks contains, rendering templates first', () => {
    const spec = requestWith('{ body: { contains: "<title>{{ env.EXPECTED_TEXT }}" } }');
    expect(assess(spec, response({ body: '<html><title>hello</title>' }))).toEqual({ captured: {} });
    expect(assess(spec, response({ body: '<html><title>Error</title>' }))).toEqual({
      failure: 'body does not contain "<title>hello"',
    });
  });

  it('checks matches', () => {
    const spec = requestWith('{ body: { matches: "version \\\\d+\\\\.\\\\d+" } }');
    expect(assess(spec, response({ body: 'app version 2.10 running' }))).toEqual({ captured: {} });
    expect(assess(spec, response({ body: 'app version unknown' }))).toEqual({
      failure: 'body does not match /version \\d+\\.\\d+/',
    });
  });
});

describe('json', () => {
  const spec = requestWith(
    '{ json: { /status: ok, /database: { type: postgresql, pool: [1, 2] }, /text: "smoke {{ run.nonce }}" } }',
  );

  it('passes on deep equality, whatever the key order, with templated strings', () => {
    const body = {
      text: 'smoke n0nce',
      database: { pool: [1, 2], type: 'postgresql' },
      status: 'ok',
      extra: true,
    };
    expect(assess(spec, jsonResponse(body))).toEqual({ captured: {} });
  });

  it('names the field, its actual value and the expected one (F1)', () => {
    const body = { status: 'ok', database: { type: 'sqlite', pool: [1, 2] }, text: 'smoke n0nce' };
    expect(assess(spec, jsonResponse(body))).toEqual({
      failure: '/database is {"type":"sqlite","pool":[1,2]}, expected {"type":"postgresql","pool":[1,2]}',
    });
  });

  it('names a missing field', () => {
    expect(assess(spec, jsonResponse({ database: {} }))).toEqual({
      failure: '/status missing from the JSON body, expected "ok"',
    });
  });

  it('says when the body is not JSON, with its content type', () => {
    expect(assess(spec, response({ headers: { 'content-type': 'text/html' }, body: '<html>' }))).toEqual({
      failure: 'body is not JSON (text/html)',
    });
    expect(assess(spec, response({ body: '' }))).toEqual({
      failure: 'body is not JSON (empty, no content-type)',
    });
  });

  it('compares numbers, booleans and null exactly', () => {
    const typed = requestWith('{ json: { /count: 3, /ok: true, /none: null } }');
    expect(assess(typed, jsonResponse({ count: 3, ok: true, none: null }))).toEqual({ captured: {} });
    expect(assess(typed, jsonResponse({ count: '3', ok: true, none: null }))).toEqual({
      failure: '/count is "3", expected 3',
    });
    expect(assess(typed, jsonResponse({ count: 3, ok: true }))).toEqual({
      failure: '/none missing from the JSON body, expected null',
    });
  });
});

describe('schema', () => {
  const spec = requestWith(
    '{ schema: { type: object, required: [status, database], properties: { status: { const: ok }, database: { type: object, properties: { type: { const: postgresql } } } } } }',
  );

  it('passes a body that satisfies the inline schema', () => {
    expect(assess(spec, jsonResponse({ status: 'ok', database: { type: 'postgresql' } }))).toEqual({
      captured: {},
    });
  });

  it('names the failing field and its actual value (F1: silent SQLite fallback)', () => {
    const result = assess(spec, jsonResponse({ status: 'ok', database: { type: 'sqlite' } }));
    expect('failure' in result && result.failure).toMatch(
      /^body does not satisfy expect\.schema: .*\/database\/type.*"postgresql".*"sqlite"/,
    );
  });

  it('reports a missing required field', () => {
    const result = assess(spec, jsonResponse({ status: 'ok' }));
    expect('failure' in result && result.failure).toMatch(
      /^body does not satisfy expect\.schema: .*database/,
    );
  });

  it('fails a body that is not JSON', () => {
    expect(assess(spec, response({ headers: { 'content-type': 'text/plain' }, body: 'ok' }))).toEqual({
      failure: 'body is not JSON (text/plain)',
    });
  });
});

describe('max-ms', () => {
  it('passes within the limit and names both numbers otherwise', () => {
    const spec = requestWith('{ max-ms: 1500 }');
    expect(assess(spec, response({ durationMs: 1500 }))).toEqual({ captured: {} });
    expect(assess(spec, response({ durationMs: 2130 }))).toEqual({
      failure: 'took 2130 ms, limit max-ms 1500',
    });
  });
});

describe('order of assertions', () => {
  it('reports the status before the body, the json and the latency', () => {
    const spec = requestWith('{ status: 200, body: { contains: x }, json: { /a: 1 }, max-ms: 1 }');
    expect(assess(spec, response({ status: 500, body: 'nope', durationMs: 99 }))).toEqual({
      failure: 'status 500, expected 200',
    });
    expect(assess(spec, response({ status: 200, body: 'nope', durationMs: 99 }))).toEqual({
      failure: 'body does not contain "x"',
    });
  });
});

describe('capture', () => {
  it('captures strings as they are and other values as text', () => {
    const spec = requestWith(
      '{}',
      '{ token: /token, id: /id, ok: /ok, user: /user, first: /list/0, all: "" }',
    );
    const body = { token: 'tok-123', id: 42, ok: false, user: { name: 'a' }, list: ['x'] };
    expect(assess(spec, jsonResponse(body))).toEqual({
      captured: {
        token: 'tok-123',
        id: '42',
        ok: 'false',
        user: '{"name":"a"}',
        first: 'x',
        all: JSON.stringify(body),
      },
    });
  });

  it('fails when the pointer is missing, naming the capture', () => {
    const spec = requestWith('{}', '{ token: /token }');
    expect(assess(spec, jsonResponse({ access_token: 'x' }))).toEqual({
      failure: '/token missing from the JSON body (capture token)',
    });
  });

  it('refuses null and empty values, which would build requests nobody meant', () => {
    const spec = requestWith('{}', '{ id: /id }');
    expect(assess(spec, jsonResponse({ id: null }))).toEqual({ failure: '/id is null (capture id)' });
    expect(assess(spec, jsonResponse({ id: '' }))).toEqual({
      failure: '/id is an empty string (capture id)',
    });
  });

  it('fails on a body that is not JSON', () => {
    const spec = requestWith('{}', '{ id: /id }');
    expect(assess(spec, response({ headers: { 'content-type': 'text/html' }, body: '<p>' }))).toEqual({
      failure: 'body is not JSON (text/html) (capture id)',
    });
  });

  it('does not capture when an assertion failed', () => {
    const spec = requestWith('{ status: 201 }', '{ id: /id }');
    expect(assess(spec, jsonResponse({ id: 'x1' }, { status: 200 }))).toEqual({
      failure: 'status 200, expected 201',
    });
  });
});

describe('renderExpectation', () => {
  it('renders body.contains and json values with captured variables', () => {
    const spec = requestWith(
      '{ status: 200, body: { contains: "{{ env.EXPECTED_TEXT }}" }, json: { /a: "{{ run.sha }}" } }',
    );
    const rendered = renderExpectation(spec.expect, { env, run, captured: {} });
    expect(rendered.bodyContains).toBe('hello');
    expect(rendered.json).toEqual([{ pointer: '/a', value: 'abc1234' }]);
    expect(rendered.status).toEqual([200]);
  });
});

describe('helpers', () => {
  it('deepEqual ignores key order and distinguishes arrays from objects', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual([], {})).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
    expect(deepEqual('1', 1)).toBe(false);
  });

  it('compileHeaderExpectation treats only values between slashes as patterns', () => {
    expect(compileHeaderExpectation('Location', '/login')).toEqual({
      name: 'Location',
      kind: 'exact',
      value: '/login',
    });
    expect(compileHeaderExpectation('X', '/a+/')).toEqual({ name: 'X', kind: 'pattern', pattern: /a+/ });
    expect(compileHeaderExpectation('X', '/')).toEqual({ name: 'X', kind: 'exact', value: '/' });
    expect(compileHeaderExpectation('X', '/(/')).toEqual({
      error: expect.stringContaining('/(/ is not a valid regular expression'),
    });
  });

  it('compileRegex reports syntax errors', () => {
    expect(compileRegex('a|b')).toEqual({ regex: /a|b/ });
    expect(compileRegex('[')).toEqual({
      error: expect.stringContaining('is not a valid regular expression'),
    });
  });
});

describe('redaction before truncation', () => {
  it('scrubs a long secret before quoting, so no fragment of it survives the cut', () => {
    const secret = `tok_${'s3cr3t'.repeat(40)}`; // longer than the 120-character quote limit
    const spec = requestWith('{ json: { /token: "expected" } }');
    const assessment = assessResponse(
      renderExpectation(spec.expect, { env, run, captured: {} }),
      {},
      jsonResponse({ token: secret }),
      (text) => text.split(secret).join('***'),
    );
    expect(assessment).toEqual({ failure: '/token is "***", expected "expected"' });
    expect(JSON.stringify(assessment)).not.toContain('s3cr3t');
  });
});

describe('a refused request quotes why', () => {
  it('shows the start of a 422 body, redacted before it is cut', () => {
    const secret = 'tok_'.padEnd(150, 'x');
    const body = { detail: [{ loc: ['body', 'password'], msg: 'field required', token: secret }] };
    const assessed = assessResponse(
      renderExpectation(requestWith('{ status: 200 }').expect, { env, run, captured: {} }),
      {},
      jsonResponse(body, { status: 422 }),
      (text) => text.split(secret).join('***'),
    );
    expect(assessed).toEqual({
      failure:
        'status 422, expected 200; the service answered: {"detail":[{"loc":["body","password"],"msg":"field required","token":"***"}]}',
    });
  });
});
