import { describe, expect, it } from '@jest/globals';
import { MockAgent } from 'undici';
import { compileSchema } from '../../src/json-schema.js';
import {
  createHttpClient,
  HttpError,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
} from '../../src/http.js';
import {
  CONFIRM_SPACING_MS,
  describeVersionSource,
  healthTarget,
  probeHealth,
  relatedVersion,
  versionMatches,
  waitUntilHealthy,
  type HealthTarget,
} from '../../src/health.js';
import type { ValidateFunction } from '../../src/json-schema.js';
import { Deadline } from '../../src/poll.js';
import { SecretRegistry } from '../../src/secrets.js';
import { fakeTime } from '../helpers/time.js';

const ORIGIN = 'http://svc.test';
const JSON_HEADERS = { 'content-type': 'application/json' };
type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'refused';

/** A MockAgent that answers /health with `replies` in order (the last one repeats). */
function scripted(replies: Reply[]) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(ORIGIN);
  let sent = 0;
  pool
    .intercept({ path: '/health', method: 'GET' })
    .reply(() => {
      const reply = replies[Math.min(sent++, replies.length - 1)] as Reply;
      if (reply === 'refused')
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      return {
        statusCode: reply.status,
        data: body,
        responseOptions: { headers: reply.headers ?? JSON_HEADERS },
      };
    })
    .persist();
  const http = createHttpClient({
    dispatcher: agent,
    secrets: new SecretRegistry(() => undefined),
    timeoutMs: 1000,
  });
  return { http, sent: () => sent };
}

const schema = compileSchema({
  type: 'object',
  required: ['status', 'database'],
  properties: {
    status: { const: 'ok' },
    database: { type: 'object', properties: { type: { const: 'postgresql' } }, required: ['type'] },
  },
});
const validate = 'validate' in schema ? schema.validate : undefined;

const target = (overrides: Partial<HealthTarget> = {}): HealthTarget => ({
  url: new URL('/health', ORIGIN),
  headers: {},
  expectVersion: 'abcdef1234567',
  versionFrom: { kind: 'pointer', pointer: '/version' },
  validate,
  requestTimeoutMs: 500,
  ...overrides,
});

const good = {
  status: 200,
  body: { status: 'ok', version: 'abcdef1234567', database: { type: 'postgresql' } },
};

describe('versionMatches', () => {
  it.each([
    ['abcdef1234567890', 'abcdef1', true],
    ['abcdef1', 'ABCDEF1234567890', true],
    ['abcdef1234567890', 'abcdef', false],
    ['abcdef1234567890', 'abcdef2', false],
    ['v1.2.3', 'v1.2.3', true],
    ['v1.2.3', 'v1.2', false],
  ])('%s vs %s -> %s', (expected, reported, match) => expect(versionMatches(expected, reported)).toBe(match));
});

describe('probeHealth', () => {
  it('passes a healthy body on the right version', async () => {
    const { http } = scripted([good]);
    expect(await probeHealth(http, target(), 0)).toMatchObject({ ok: true, version: 'abcdef1234567' });
  });

  it('names the failing field and its actual value (F1)', async () => {
    const { http } = scripted([{ status: 200, body: { ...good.body, database: { type: 'sqlite' } } }]);
    const outcome = await probeHealth(http, target(), 0);
    expect(outcome).toMatchObject({ ok: false, reason: 'health-schema', waitable: false });
    expect(!outcome.ok && outcome.message).toContain('/database/type must be "postgresql" but was "sqlite"');
  });

  it('reports a missing required field', async () => {
    const { http } = scripted([{ status: 200, body: { status: 'ok', version: 'abcdef1234567' } }]);
    const outcome = await probeHealth(http, target(), 0);
    expect(!outcome.ok && outcome.message).toContain('/database is missing');
  });

  it('treats a wrong version as waitable (F7)', async () => {
    const { http } = scripted([{ status: 200, body: { ...good.body, version: '0000000' } }]);
    expect(await probeHealth(http, target(), 0)).toMatchObject({
      ok: false,
      reason: 'version-mismatch',
      waitable: true,
      version: '0000000',
    });
  });

  it('reads the version from a header', async () => {
    const { http } = scripted([
      {
        status: 200,
        body: 'fine',
        headers: { 'x-app-version': 'abcdef1234567', 'content-type': 'text/plain' },
      },
    ]);
    const outcome = await probeHealth(
      http,
      target({ versionFrom: { kind: 'header', name: 'x-app-version' }, validate: undefined }),
      0,
    );
    expect(outcome).toMatchObject({ ok: true, version: 'abcdef1234567' });
  });

  it('waits out 503 and honours Retry-After', async () => {
    const { http } = scripted([{ status: 503, body: {}, headers: { 'retry-after': '3', ...JSON_HEADERS } }]);
    expect(await probeHealth(http, target(), 0)).toMatchObject({
      ok: false,
      reason: 'not-ready',
      waitable: true,
      retryAfterMs: 3000,
    });
  });

  it('fails a 500 without waiting', async () => {
    const { http } = scripted([{ status: 500 }]);
    expect(await probeHealth(http, target(), 0)).toMatchObject({
      ok: false,
      reason: 'health-status',
      waitable: false,
    });
  });

  it('rejects a non-JSON content type and invalid JSON', async () => {
    const html = scripted([{ status: 200, body: '<html>', headers: { 'content-type': 'text/html' } }]);
    const outcome = await probeHealth(html.http, target(), 0);
    expect(!outcome.ok && outcome.message).toContain('content-type text/html, expected JSON');
    const broken = scripted([{ status: 200, body: '{"status": ', headers: JSON_HEADERS }]);
    const invalid = await probeHealth(broken.http, target(), 0);
    expect(invalid).toMatchObject({ ok: false, reason: 'health-body' });
    expect(!invalid.ok && invalid.message).toContain('invalid JSON');
  });
});

describe('waitUntilHealthy', () => {
  const options = (time: ReturnType<typeof fakeTime>, budgetMs = 60_000) => ({
    intervalMs: 5000,
    successThreshold: 2,
    failureThreshold: 3,
    deadline: Deadline.after(time.clock, budgetMs),
    clock: time.clock,
    sleep: time.sleep,
    log: () => undefined,
    random: () => 0.5,
  });

  it('waits out warm-up (refused, 503, wrong version) and then needs two passes in a row', async () => {
    const time = fakeTime();
    const { http, sent } = scripted([
      'refused',
      { status: 503 },
      { status: 200, body: { ...good.body, version: 'ffffff0' } },
      good,
      good,
    ]);
    const result = await waitUntilHealthy(http, target(), options(time));
    expect(result).toMatchObject({ healthy: true, attempts: 5 });
    expect(sent()).toBe(5);
    // The confirming check follows quickly, not a whole interval later.
    expect(time.sleeps.at(-1)).toBeLessThanOrEqual(500);
  });

  it('never passes on a single lucky response', async () => {
    const time = fakeTime();
    const bad = { status: 503 };
    // Alternating for longer than the budget lasts (the last reply repeats).
    const { http } = scripted(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? good : bad)));
    const result = await waitUntilHealthy(http, target(), options(time, 20_000));
    expect(result).toMatchObject({ healthy: false, everHealthy: true, reason: 'unstable' });
    expect(!result.healthy && result.message).toMatch(
      /never 2 in a row within 20s \(timeout\); last failed check: .*503/,
    );
  });

  it('does not fail a service that blips once after passing', async () => {
    const time = fakeTime();
    const { http } = scripted([good, { status: 503 }, good, good]);
    expect(await waitUntilHealthy(http, target(), options(time))).toMatchObject({
      healthy: true,
      attempts: 4,
    });
  });

  it('fails after failure-threshold consecutive failures once healthy', async () => {
    const time = fakeTime();
    const { http } = scripted([good, { status: 503 }, { status: 503 }, { status: 503 }, good, good]);
    expect(await waitUntilHealthy(http, target(), options(time))).toMatchObject({
      healthy: false,
      reason: 'unstable',
      attempts: 4,
    });
  });

  it('fails a settled schema failure fast instead of burning the timeout', async () => {
    const time = fakeTime();
    const { http } = scripted([{ status: 200, body: { ...good.body, database: { type: 'sqlite' } } }]);
    const result = await waitUntilHealthy(http, target(), options(time, 600_000));
    expect(result).toMatchObject({ healthy: false, reason: 'health-schema', attempts: 3 });
    expect(time.clock.t - 1_000_000).toBeLessThan(20_000);
  });

  it('times out with the last failure named and never sleeps past the deadline', async () => {
    const time = fakeTime();
    const { http } = scripted([{ status: 200, body: { ...good.body, version: '1111111' } }]);
    const result = await waitUntilHealthy(http, target(), options(time, 30_000));
    expect(result.healthy).toBe(false);
    expect(!result.healthy && result.reason).toBe('version-mismatch');
    expect(!result.healthy && result.message).toMatch(/within 30s \(timeout\).*"1111111"/);
    expect(time.clock.t - 1_000_000).toBe(30_000);
  });

  it('backs off from a fast first poll to the interval', async () => {
    const time = fakeTime();
    const { http } = scripted(['refused']);
    await waitUntilHealthy(http, target(), options(time, 40_000));
    expect(time.sleeps[0]).toBe(1000);
    expect(Math.max(...time.sleeps)).toBe(5000);
  });

  it('logs a progress line on phase changes and every 30 s, not on every poll', async () => {
    const time = fakeTime();
    const lines: string[] = [];
    const { http } = scripted(['refused']);
    await waitUntilHealthy(http, target(), {
      ...options(time, 120_000),
      log: (line: string) => lines.push(line),
    });
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines[0]).toMatch(
      /waiting for the service to accept connections: .*elapsed 0ms, deadline in 2m00s/,
    );
  });
});

describe('probeHealth points at the input that is likely wrong', () => {
  it.each([
    ['v1.2.3', '1.2.3', 'a `v` prefix'],
    ['Release-7', 'release-7', 'case'],
    ['abcdef1234567890', 'abcdef', '6 characters'],
    ['v1.2.3', '0123456789abcdef0123456789abcdef01234567', 'commit SHA'],
  ])(
    'expect-version %s against a reported %s is a configuration problem (%s), not a deploy to wait for',
    async (expected, reported, what) => {
      const { http } = scripted([{ status: 200, body: { ...good.body, version: reported } }]);
      const outcome = await probeHealth(http, target({ expectVersion: expected, validate: undefined }), 0);
      expect(outcome).toMatchObject({ ok: false, reason: 'config-error', waitable: false });
      expect(!outcome.ok && outcome.message).toContain(what);
      expect(!outcome.ok && outcome.message).toContain('`expect-version`');
    },
  );

  it('names version-from and the fields the body has when the version is missing', async () => {
    const { http } = scripted([
      { status: 200, body: { status: 'ok', commit: 'abcdef1234567', database: {} } },
    ]);
    const outcome = await probeHealth(http, target({ validate: undefined }), 0);
    expect(!outcome.ok && outcome.hint).toContain('`version-from`');
    expect(!outcome.ok && outcome.hint).toContain('the body has: status, commit, database');
  });

  it('names health-path when the health endpoint answers a web page', async () => {
    const { http } = scripted([
      { status: 200, body: '<html></html>', headers: { 'content-type': 'text/html' } },
    ]);
    const outcome = await probeHealth(http, target(), 0);
    expect(!outcome.ok && outcome.hint).toContain('`health-path`');
  });

  it('names health-path and url when the health endpoint is not found', async () => {
    const { http } = scripted([{ status: 404, body: { detail: 'Not Found' } }]);
    const outcome = await probeHealth(http, target(), 0);
    expect(outcome).toMatchObject({ ok: false, reason: 'health-status', waitable: false });
    expect(!outcome.ok && outcome.hint).toContain('`health-path`');
    expect(!outcome.ok && outcome.hint).toContain('`url`');
  });
});

// ---------------------------------------------------------------------------------------------------
// Pinned behaviour (mutation testing, reports/mutation/SUMMARY.md): every outcome field and message of
// the health check, against a scripted HttpClient whose answers and timing each test controls.
// ---------------------------------------------------------------------------------------------------

/** A response as src/http.ts builds one. */
function response(
  status: number,
  body: unknown = {},
  headers: Record<string, string> = JSON_HEADERS,
  durationMs = 12,
): HttpResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    status,
    headers,
    body: Buffer.from(text),
    url: `${ORIGIN}/health`,
    durationMs,
    text: () => text,
    json: () => JSON.parse(text) as unknown,
  };
}

type Answer = HttpResponse | Error | ((req: HttpRequest) => HttpResponse | Error);

/** An HttpClient that gives `answers` in order (the last one repeats) and records each request. */
function answering(...answers: Answer[]) {
  const requests: HttpRequest[] = [];
  const http: HttpClient = {
    request: async (req) => {
      const answer = answers[Math.min(requests.length, answers.length - 1)] as Answer;
      requests.push(req);
      const result = typeof answer === 'function' ? answer(req) : answer;
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { http, requests };
}

const plain = (overrides: Partial<HealthTarget> = {}): HealthTarget =>
  target({ expectVersion: undefined, validate: undefined, ...overrides });

describe('describeVersionSource', () => {
  it('writes each source as the version-from input does', () => {
    expect(describeVersionSource({ kind: 'header', name: 'x-version' })).toBe('header:x-version');
    expect(describeVersionSource({ kind: 'pointer', pointer: '/build/sha' })).toBe('/build/sha');
    expect(describeVersionSource({ kind: 'none' })).toBe('none');
  });
});

describe('healthTarget', () => {
  const secrets = new SecretRegistry(() => undefined);
  secrets.add('hunter2-secret');
  const settings = {
    path: '/api/health',
    headers: { authorization: 'Bearer x' },
    versionFrom: { kind: 'pointer' as const, pointer: '/version' },
    validate,
    requestTimeoutMs: 7000,
  };

  it('builds the check of the inputs against a base URL', () => {
    const built = healthTarget(settings, new URL('https://svc.example.com/'), secrets, {
      expectVersion: 'abc1234',
    });
    expect(built).toEqual({
      url: new URL('https://svc.example.com/api/health'),
      headers: { authorization: 'Bearer x' },
      expectVersion: 'abc1234',
      versionFrom: { kind: 'pointer', pointer: '/version' },
      validate,
      requestTimeoutMs: 7000,
      redact: expect.any(Function),
    });
    expect(built.redact?.('token hunter2-secret')).toBe('token ***');
  });

  it('leaves the schema out with schema: false and takes a shorter request timeout', () => {
    const built = healthTarget(settings, new URL('https://svc.example.com/'), secrets, {
      schema: false,
      requestTimeoutMs: 1500,
    });
    expect(built.validate).toBeUndefined();
    expect(built.expectVersion).toBeUndefined();
    expect(built.requestTimeoutMs).toBe(1500);
    expect(healthTarget(settings, new URL('https://a.test/'), secrets, { schema: true }).validate).toBe(
      validate,
    );
  });
});

describe('probeHealth: transport failures', () => {
  it.each([
    ['refused', 'unreachable', true],
    ['reset', 'unreachable', true],
    ['timeout', 'unreachable', true],
    ['dns', 'unreachable', false],
    ['tls', 'unreachable', false],
    ['network', 'unreachable', false],
    ['body-too-large', 'health-body', false],
    ['redirect-loop', 'health-body', false],
    ['redirect-cross-origin', 'health-body', false],
    ['redirect-invalid', 'health-body', false],
  ] as const)('%s is %s, waitable: %s', async (kind, reason, waitable) => {
    const { http } = answering(new HttpError(kind, `GET /health: ${kind}`, `${ORIGIN}/health`));
    expect(await probeHealth(http, plain(), 0)).toEqual({
      ok: false,
      reason,
      waitable,
      message: `GET /health: ${kind}`,
    });
  });

  it('lets an error that is not an HTTP failure through', async () => {
    const { http } = answering(new TypeError('a bug'));
    await expect(probeHealth(http, plain(), 0)).rejects.toThrow('a bug');
  });

  it('sends the target headers with its request timeout', async () => {
    const { http, requests } = answering(response(200));
    await probeHealth(http, plain({ headers: { 'x-key': 'v' }, requestTimeoutMs: 1234 }), 0);
    expect(requests).toEqual([
      { url: new URL('/health', ORIGIN), headers: { 'x-key': 'v' }, timeoutMs: 1234 },
    ]);
  });
});

describe('probeHealth: status', () => {
  it.each([200, 204, 299])('passes %s', async (status) => {
    const { http } = answering(response(status, {}, JSON_HEADERS, 7));
    expect(await probeHealth(http, plain(), 0)).toEqual({
      ok: true,
      status,
      version: undefined,
      durationMs: 7,
    });
  });

  it.each([199, 300, 301, 400, 500])('fails %s without a hint', async (status) => {
    const { http } = answering(response(status, {}, JSON_HEADERS, 9));
    expect(await probeHealth(http, plain(), 0)).toEqual({
      ok: false,
      reason: 'health-status',
      waitable: false,
      status,
      durationMs: 9,
      message: `GET /health answered ${status}`,
    });
  });

  it.each([404, 405, 410])('fails %s pointing at health-path and url', async (status) => {
    const { http } = answering(response(status, {}, JSON_HEADERS, 9));
    expect(await probeHealth(http, plain({ url: new URL('/healthz', ORIGIN) }), 0)).toEqual({
      ok: false,
      reason: 'health-status',
      waitable: false,
      status,
      durationMs: 9,
      message: `GET /healthz answered ${status}`,
      hint: "the service has no such endpoint: check `health-path` (/healthz), and that `url` is the service's base URL",
    });
  });

  it.each([502, 503, 504])('waits out %s with its Retry-After', async (status) => {
    const { http } = answering(response(status, {}, { 'retry-after': '7' }, 3));
    expect(await probeHealth(http, plain(), 1_000)).toEqual({
      ok: false,
      reason: 'not-ready',
      waitable: true,
      status,
      durationMs: 3,
      message: `GET /health answered ${status} (not ready yet)`,
      retryAfterMs: 7000,
    });
  });
});

describe('probeHealth: the body', () => {
  it('reads no body when neither a schema nor a version in it is wanted', async () => {
    const { http } = answering(response(200, 'OK', { 'content-type': 'text/plain' }));
    expect(await probeHealth(http, plain(), 0)).toMatchObject({ ok: true, version: undefined });
    expect(
      await probeHealth(
        http,
        plain({ expectVersion: 'v1', versionFrom: { kind: 'header', name: 'x-version' } }),
        0,
      ),
    ).toMatchObject({ ok: false, reason: 'version-mismatch' });
    expect(await probeHealth(http, plain({ versionFrom: { kind: 'none' } }), 0)).toMatchObject({
      ok: true,
    });
  });

  it('reads the version from a header without a JSON body', async () => {
    const { http } = answering(response(200, 'OK', { 'content-type': 'text/plain', 'x-version': 'v1.2.3' }));
    expect(
      await probeHealth(
        http,
        plain({ expectVersion: 'v1.2.3', versionFrom: { kind: 'header', name: 'x-version' } }),
        0,
      ),
    ).toEqual({ ok: true, status: 200, version: 'v1.2.3', durationMs: 12 });
  });

  it('requires JSON for a schema', async () => {
    const { http } = answering(response(200, 'OK', { 'content-type': 'text/plain' }));
    expect(await probeHealth(http, plain({ validate }), 0)).toEqual({
      ok: false,
      reason: 'health-body',
      waitable: false,
      status: 200,
      durationMs: 12,
      message: 'GET /health returned content-type text/plain, expected JSON',
    });
  });

  it('requires JSON for a version read at a JSON Pointer, with no schema', async () => {
    const { http } = answering(response(200, '<html></html>', { 'content-type': 'text/html' }));
    const versionAtPointer = plain({
      expectVersion: 'v1',
      versionFrom: { kind: 'pointer', pointer: '/version' },
    });
    expect(await probeHealth(http, versionAtPointer, 0)).toMatchObject({
      ok: false,
      reason: 'health-body',
      waitable: false,
      message: 'GET /health returned content-type text/html, expected JSON',
    });
  });

  it('says when there is no content type at all', async () => {
    const { http } = answering(response(200, '{}', {}));
    expect(await probeHealth(http, target(), 0)).toMatchObject({
      ok: false,
      reason: 'health-body',
      waitable: false,
      message: 'GET /health returned content-type (none), expected JSON',
    });
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/vnd.api+json',
    'application/problem+json',
    'application/x.y-z+json',
  ])('accepts %s as JSON', async (type) => {
    const { http } = answering(response(200, good.body, { 'content-type': type }));
    expect(await probeHealth(http, target(), 0)).toMatchObject({ ok: true, version: 'abcdef1234567' });
  });

  it.each(['text/json', 'x-application/json', 'application/jsonp', 'application/+json', 'text/html'])(
    'rejects %s',
    async (type) => {
      const { http } = answering(response(200, good.body, { 'content-type': type }));
      expect(await probeHealth(http, target(), 0)).toMatchObject({ ok: false, reason: 'health-body' });
    },
  );

  it('says where invalid JSON broke, without quoting the body', async () => {
    const { http } = answering(response(200, '{"version": "abc", oops-secret}'));
    expect(await probeHealth(http, target(), 0)).toEqual({
      ok: false,
      reason: 'health-body',
      waitable: false,
      status: 200,
      durationMs: 12,
      message: 'GET /health returned invalid JSON (at character 19)',
    });
    const { http: empty } = answering(response(200, ''));
    expect(await probeHealth(empty, target(), 0)).toMatchObject({
      message: 'GET /health returned invalid JSON',
    });
  });

  it('turns a validator that throws into a failed check', async () => {
    const throwing = (() => {
      throw new Error('validator broke');
    }) as unknown as ValidateFunction;
    const { http } = answering(response(200, good.body, JSON_HEADERS, 5));
    expect(await probeHealth(http, plain({ validate: throwing }), 0)).toEqual({
      ok: false,
      reason: 'health-body',
      waitable: false,
      status: 200,
      durationMs: 5,
      message: 'GET /health: the response could not be judged (validator broke)',
    });
  });

  it('names every schema error', async () => {
    const { http } = answering(
      response(200, { status: 'down', database: { type: 'sqlite' }, version: 'x1' }),
    );
    const outcome = await probeHealth(http, plain({ validate }), 0);
    expect(outcome).toMatchObject({ ok: false, reason: 'health-schema', waitable: false, version: 'x1' });
    expect(!outcome.ok && outcome.message).toMatch(/^health JSON fails the schema: .*status.*; .*database/);
  });
});

describe('probeHealth: the version', () => {
  it.each([
    [{ version: 42 }, '42'],
    [{ version: 'v2' }, 'v2'],
    [{ version: { sha: 'x' } }, undefined],
    [{ version: null }, undefined],
    [{ other: 1 }, undefined],
  ])('reads %j as version %s when nothing is expected', async (body, version) => {
    const { http } = answering(response(200, body));
    expect(await probeHealth(http, plain(), 0)).toEqual({ ok: true, status: 200, version, durationMs: 12 });
  });

  it.each([
    ['text/plain', '{"version":"v9"}'],
    ['', '{"version":"v9"}'],
    ['application/json', '{"version":'],
    ['x-application/json', '{"version":"v9"}'],
    ['application/jsonx', '{"version":"v9"}'],
  ])('reads no version from a %s body %s it need not parse', async (type, body) => {
    const headers: Record<string, string> = type ? { 'content-type': type } : {};
    const { http } = answering(response(200, body, headers));
    expect(await probeHealth(http, plain(), 0)).toEqual({
      ok: true,
      status: 200,
      version: undefined,
      durationMs: 12,
    });
  });

  it.each(['application/json', 'application/vnd.api+json', 'application/x.y-z+json; charset=utf-8'])(
    'reads the version from a %s body it need not parse',
    async (type) => {
      const { http } = answering(response(200, { version: 'v9' }, { 'content-type': type }));
      expect(await probeHealth(http, plain(), 0)).toMatchObject({ ok: true, version: 'v9' });
    },
  );

  it('reads a header version even when nothing is expected', async () => {
    const { http } = answering(response(200, {}, { 'x-version': 'v5' }));
    expect(
      await probeHealth(http, plain({ versionFrom: { kind: 'header', name: 'x-version' } }), 0),
    ).toMatchObject({ ok: true, version: 'v5' });
  });

  it('says which header is missing, without listing body fields', async () => {
    const { http } = answering(response(200, { status: 'ok', sha: 'abc' }, JSON_HEADERS, 4));
    expect(
      await probeHealth(
        http,
        plain({ expectVersion: 'abc1234', versionFrom: { kind: 'header', name: 'x-version' } }),
        0,
      ),
    ).toEqual({
      ok: false,
      reason: 'version-mismatch',
      waitable: true,
      status: 200,
      durationMs: 4,
      message: 'GET /health reports no version (header x-version is missing)',
      hint: 'check `version-from`',
    });
  });

  it('says which pointer is missing, listing at most twelve body fields', async () => {
    const body = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`f${i}`, i]));
    const { http } = answering(response(200, body, JSON_HEADERS, 4));
    expect(await probeHealth(http, plain({ expectVersion: 'abc1234' }), 0)).toEqual({
      ok: false,
      reason: 'version-mismatch',
      waitable: true,
      status: 200,
      durationMs: 4,
      message: 'GET /health reports no version (health body at /version is missing)',
      hint: 'check `version-from` (the body has: f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11)',
    });
  });

  it.each([['null'], ['[1,2]'], ['"abc"'], ['{}'], ['7']])('lists no fields for a body %s', async (body) => {
    const { http } = answering(response(200, body));
    expect(await probeHealth(http, plain({ expectVersion: 'abc1234' }), 0)).toMatchObject({
      ok: false,
      reason: 'version-mismatch',
      hint: 'check `version-from`',
    });
  });

  it('says "none" when version-from is none and a version is expected anyway', async () => {
    const { http } = answering(response(200, {}));
    expect(
      await probeHealth(http, plain({ expectVersion: 'abc1234', versionFrom: { kind: 'none' } }), 0),
    ).toMatchObject({
      message: 'GET /health reports no version (none is missing)',
      hint: 'check `version-from`',
    });
  });

  it('reports a different version, waitable', async () => {
    const { http } = answering(
      response(200, { version: '1111111' }, { 'content-type': 'application/json' }, 4),
    );
    expect(await probeHealth(http, plain({ expectVersion: 'abcdef1234567' }), 0)).toEqual({
      ok: false,
      reason: 'version-mismatch',
      waitable: true,
      status: 200,
      durationMs: 4,
      version: '1111111',
      message: 'GET /health reports version "1111111" (health body at /version), expected "abcdef1234567"',
    });
  });

  it('reports the expected version written another way as a configuration error', async () => {
    const { http } = answering(response(200, {}, { 'x-version': 'V1.2.3' }, 4));
    expect(
      await probeHealth(
        http,
        plain({ expectVersion: 'v1.2.3', versionFrom: { kind: 'header', name: 'x-version' } }),
        0,
      ),
    ).toEqual({
      ok: false,
      reason: 'config-error',
      waitable: false,
      status: 200,
      durationMs: 4,
      version: 'V1.2.3',
      message:
        'GET /health reports version "V1.2.3" (header x-version) and `expect-version` is "v1.2.3": they differ only in case. Fix `expect-version` (or what the service reports) so the two are written alike',
    });
  });
});

describe('versionMatches and relatedVersion, edge by edge', () => {
  it.each([
    [' abcdef1 ', 'abcdef1', true],
    ['abcdef1', '\tabcdef1234\n', true],
    ['abcdef1xyz', 'abcdef1', false],
    ['abcdef1', 'abcdef1-dirty', false],
    ['abcdef1-dirty', 'abcdef1', false],
    ['ABCDEF1', 'abcdef1', true],
    ['abcdef0', 'abcdef1', false],
  ])('versionMatches(%j, %j) is %s', (expected, reported, match) =>
    expect(versionMatches(expected, reported)).toBe(match),
  );

  const SHA40 = '0123456789abcdef0123456789abcdef01234567';
  it.each([
    ['Release-7', 'release-7', 'they differ only in case'],
    [' v1.2.3', '1.2.3 ', 'they differ only by a `v` prefix'],
    ['1.2.3', 'V1.2.3', 'they differ only by a `v` prefix'],
    ['1.2.3', '1.2v.3', undefined],
    ['V2', 'v2.0', undefined],
    ['1.2.3v', '1.2.3', undefined],
    ['v1.2.3', 'v1.2.4', undefined],
    [
      'abcdef',
      'ABCDEF1234',
      'one is a commit prefix of only 6 characters, and a prefix must have at least 7 to match',
    ],
    [
      'abcdef1234',
      'abc',
      'one is a commit prefix of only 3 characters, and a prefix must have at least 7 to match',
    ],
    ['abcdef', '123456789', undefined],
    ['xyz', 'xyzabc', undefined],
    ['abc', 'abcxyz', undefined],
    ['abcdef1', 'abcdef12', undefined],
    [
      SHA40,
      'v1.2.3',
      'one is a full commit SHA and the other a name such as a tag: the service and the input name the release differently',
    ],
    [
      'release-7',
      SHA40.toUpperCase(),
      'one is a full commit SHA and the other a name such as a tag: the service and the input name the release differently',
    ],
    [`v1-${SHA40}`, 'v1.2.3', undefined],
    [`${SHA40}-dirty`, 'v1.2.3', undefined],
    [SHA40, 'abcdef1', undefined],
    ['abcdef1', SHA40, undefined],
    ['v1', 'v2', undefined],
  ])('relatedVersion(%j, %j) is %j', (expected, reported, related) =>
    expect(relatedVersion(expected, reported)).toBe(related),
  );
});

describe('waitUntilHealthy, step by step', () => {
  const ok = response(200, { version: 'v1' }, JSON_HEADERS, 3);
  const notReady = response(503, {}, {}, 3);
  const broken = response(500, {}, {}, 3);
  const refused = () => new HttpError('refused', 'GET /health: connection refused', `${ORIGIN}/health`);

  function run(
    http: HttpClient,
    time: ReturnType<typeof fakeTime>,
    options: Partial<{
      budgetMs: number;
      intervalMs: number;
      successThreshold: number;
      failureThreshold: number;
    }> = {},
    t: HealthTarget = plain(),
  ) {
    const lines: string[] = [];
    const result = waitUntilHealthy(http, t, {
      intervalMs: options.intervalMs ?? 5000,
      successThreshold: options.successThreshold ?? 2,
      failureThreshold: options.failureThreshold ?? 3,
      deadline: Deadline.after(time.clock, options.budgetMs ?? 60_000),
      clock: time.clock,
      sleep: time.sleep,
      log: (line) => lines.push(line),
      random: () => 0.5,
    });
    return { result, lines };
  }

  it('caps each request at the time left, and at the request timeout', async () => {
    const time = fakeTime();
    const { http, requests } = answering(broken);
    await run(http, time, { budgetMs: 1200, intervalMs: 1000, failureThreshold: 9 }).result;
    expect(requests.map((r) => r.timeoutMs)).toEqual([500, 200]);
  });

  it('logs the passes it counts', async () => {
    const time = fakeTime();
    const { http } = answering(ok);
    const { result, lines } = run(http, time);
    expect(await result).toMatchObject({ healthy: true, version: 'v1', attempts: 2 });
    expect(lines.map((l) => l.replace(/ \(elapsed.*/, ''))).toEqual([
      'confirming: 1/2 consecutive checks passed',
      'healthy: 2/2 consecutive checks passed',
    ]);
  });

  it('names each waiting phase in the log', async () => {
    const time = fakeTime();
    const mismatch = response(200, { version: 'v0' });
    const { http } = answering(notReady, mismatch, broken, ok, notReady, ok, ok);
    const { result, lines } = run(http, time, {}, plain({ expectVersion: 'v1' }));
    expect(await result).toMatchObject({ healthy: true });
    expect(lines.map((l) => l.replace(/: .*/, ''))).toEqual([
      'waiting for the service to become ready',
      'waiting for the new version',
      'failing',
      'confirming',
      'unstable',
      'confirming',
      'healthy',
    ]);
  });

  it('waits out a Retry-After before the first pass, but not longer than the interval after it', async () => {
    const time = fakeTime();
    const slow = response(503, {}, { 'retry-after': '20' });
    const { http } = answering(slow, ok, slow, ok, ok);
    await run(http, time).result;
    const confirm = Math.min(CONFIRM_SPACING_MS, 5000);
    expect(time.sleeps).toEqual([20_000, confirm, 5000, confirm]);
  });

  it('backs off from the first poll only up to the interval once failures count', async () => {
    const time = fakeTime();
    const { http } = answering(ok, broken);
    await run(http, time, { failureThreshold: 4, intervalMs: 2000 }).result;
    expect(time.sleeps).toEqual([Math.min(CONFIRM_SPACING_MS, 2000), 1000, 1500, 2000]);
  });

  it('reports the failure count, and the pass before it', async () => {
    const time = fakeTime();
    const { http } = answering(broken);
    expect(await run(http, time).result).toEqual({
      healthy: false,
      reason: 'health-status',
      message: 'GET /health answered 500 (3 consecutive failed checks)',
      attempts: 3,
      everHealthy: false,
      version: undefined,
      durationMs: 3,
      hint: undefined,
    });
    const again = answering(ok, broken);
    expect(await run(again.http, fakeTime()).result).toMatchObject({
      healthy: false,
      reason: 'health-status',
      message: 'GET /health answered 500 (3 consecutive failed checks after the service had passed)',
      everHealthy: true,
    });
  });

  it('with failure-threshold 1 reports the failure alone, with its hint', async () => {
    const time = fakeTime();
    const { http } = answering(response(404, {}, {}, 3));
    expect(await run(http, time, { failureThreshold: 1 }).result).toEqual({
      healthy: false,
      reason: 'health-status',
      message:
        "GET /health answered 404; the service has no such endpoint: check `health-path` (/health), and that `url` is the service's base URL",
      attempts: 1,
      everHealthy: false,
      version: undefined,
      durationMs: 3,
      hint: "the service has no such endpoint: check `health-path` (/health), and that `url` is the service's base URL",
    });
  });

  it('calls waitable failures after a pass unstable', async () => {
    const time = fakeTime();
    const { http } = answering(ok, notReady);
    expect(await run(http, time).result).toMatchObject({
      healthy: false,
      reason: 'unstable',
      message:
        'GET /health answered 503 (not ready yet) (3 consecutive failed checks after the service had passed)',
    });
  });

  it('keeps the last complete failure when the deadline cuts a request short', async () => {
    const time = fakeTime();
    const { http } = answering(notReady, (req) => {
      time.advance(req.timeoutMs ?? 0);
      return new HttpError('timeout', 'GET /health: timed out', `${ORIGIN}/health`);
    });
    const result = await run(http, time, { budgetMs: 1200, intervalMs: 1000 }).result;
    expect(result).toMatchObject({
      healthy: false,
      reason: 'not-ready',
      message:
        'not live and healthy within 1s (timeout); last failed check: GET /health answered 503 (not ready yet)',
      version: undefined,
      durationMs: 3,
    });
  });

  it('keeps a failure that took the whole request timeout even when it ends at the deadline', async () => {
    const time = fakeTime();
    const { http } = answering(notReady, (req) => {
      time.advance(req.timeoutMs ?? 0);
      return refused();
    });
    const result = await run(http, time, { budgetMs: 1500, intervalMs: 1000 }).result;
    expect(!result.healthy && result.message).toBe(
      'not live and healthy within 2s (timeout); last failed check: GET /health: connection refused',
    );
  });

  it('keeps a failure that came back quickly near the deadline', async () => {
    const time = fakeTime();
    const { http } = answering(notReady, refused());
    const result = await run(http, time, { budgetMs: 1200, intervalMs: 1000 }).result;
    expect(!result.healthy && result.message).toBe(
      'not live and healthy within 1s (timeout); last failed check: GET /health: connection refused',
    );
  });

  it('keeps the only failure even when the deadline cut it short', async () => {
    const time = fakeTime();
    const { http } = answering((req) => {
      time.advance(req.timeoutMs ?? 0);
      return new HttpError('timeout', 'GET /health: timed out', `${ORIGIN}/health`);
    });
    const result = await run(http, time, { budgetMs: 300 }).result;
    expect(result).toMatchObject({
      healthy: false,
      reason: 'unreachable',
      message: 'not live and healthy within 300ms (timeout); last failed check: GET /health: timed out',
    });
  });

  it('reports the last failure with its hint and evidence at the timeout', async () => {
    const time = fakeTime();
    const { http } = answering(response(200, { version: 'v0', a: 1 }, JSON_HEADERS, 8));
    const result = await run(
      http,
      time,
      { budgetMs: 10_000 },
      plain({ expectVersion: 'v1', versionFrom: { kind: 'pointer', pointer: '/missing' } }),
    ).result;
    expect(result).toEqual({
      healthy: false,
      reason: 'version-mismatch',
      message:
        'not live and healthy within 10s (timeout); last failed check: GET /health reports no version (health body at /missing is missing); check `version-from` (the body has: version, a)',
      attempts: expect.any(Number),
      everHealthy: false,
      version: undefined,
      durationMs: 8,
      hint: 'check `version-from` (the body has: version, a)',
    });
  });

  it('says no check completed when the budget was spent before the first', async () => {
    const time = fakeTime();
    const { http, requests } = answering(ok);
    expect(await run(http, time, { budgetMs: 0 }).result).toEqual({
      healthy: false,
      reason: 'not-ready',
      message: 'not live and healthy within 0ms (timeout); last failed check: no check completed',
      attempts: 0,
      everHealthy: false,
      version: undefined,
      durationMs: undefined,
      hint: undefined,
    });
    expect(requests).toEqual([]);
  });

  it('says no check failed when the deadline came between passes', async () => {
    const time = fakeTime();
    const { http } = answering(ok);
    // The deadline comes before the confirming check.
    const budgetMs = CONFIRM_SPACING_MS - 10;
    expect(await run(http, time, { budgetMs }).result).toEqual({
      healthy: false,
      reason: 'unstable',
      message: `passed some checks but never 2 in a row within ${budgetMs}ms (timeout); last failed check: no check completed`,
      attempts: 1,
      everHealthy: true,
      version: undefined,
      durationMs: undefined,
      hint: undefined,
    });
  });
});
