import { describe, expect, it } from '@jest/globals';
import { MockAgent } from 'undici';
import { compileSchema } from '../../src/json-schema.js';
import { createHttpClient } from '../../src/http.js';
import { probeHealth, versionMatches, waitUntilHealthy, type HealthTarget } from '../../src/health.js';
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
    const { http } = scripted([good, bad, good, bad, good, bad, good, bad, good, bad]);
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
