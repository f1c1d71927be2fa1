/**
 * ApiClient (src/providers/api-client.ts): retries, rate-limit pacing and the request budget, over a
 * MockAgent and a fake clock whose `sleep` only advances the clock and records the delay.
 */
import { describe, expect, it } from '@jest/globals';
import { MockAgent } from 'undici';
import { createHttpClient } from '../../../src/http.js';
import { Deadline } from '../../../src/poll.js';
import { BudgetExhaustedError, ProviderApiError } from '../../../src/errors.js';
import { ApiClient, resetInMs } from '../../../src/providers/api-client.js';
import type { Budget } from '../../../src/poll.js';
import { SecretRegistry } from '../../../src/secrets.js';
import { fakeTime } from '../../helpers/time.js';

const ORIGIN = 'http://api.test';
const TOKEN = 'rnd_unitSecretKey0123456789abcdef';
/** A whole second, so "epoch seconds" readings of Ratelimit-Reset are exact. */
const T0 = Date.parse('2026-05-01T12:00:00Z');

type Reply =
  { status: number; body?: unknown; headers?: Record<string, string> } | 'refused' | 'reset' | 'dns';

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  at: number;
}

function headerRecord(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
  } else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k.toLowerCase()] = String(v);
  }
  return out;
}

/** A MockAgent answering every request with `replies` in order (the last one repeats). */
function scripted(replies: Reply[], clock: { now(): number }) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const seen: Seen[] = [];
  agent
    .get(ORIGIN)
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      seen.push({
        method: opts.method,
        path: opts.path,
        headers: headerRecord(opts.headers),
        body: typeof opts.body === 'string' ? opts.body : undefined,
        at: clock.now(),
      });
      const reply = replies[Math.min(seen.length - 1, replies.length - 1)] as Reply;
      if (reply === 'refused')
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      if (reply === 'reset') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      if (reply === 'dns') throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      const data =
        reply.body === undefined
          ? ''
          : typeof reply.body === 'string'
            ? reply.body
            : JSON.stringify(reply.body);
      return {
        statusCode: reply.status,
        data,
        responseOptions: { headers: reply.headers ?? { 'content-type': 'application/json' } },
      };
    })
    .persist();
  const secrets = new SecretRegistry(() => undefined);
  secrets.add(TOKEN);
  const http = createHttpClient({ dispatcher: agent, secrets, timeoutMs: 5000 });
  return { http, seen };
}

function setup(
  replies: Reply[],
  options: { budgetMs?: number; budget?: Budget; retryDelayMs?: number } = {},
) {
  const time = fakeTime(T0);
  const { http, seen } = scripted(replies, time.clock);
  const logs: string[] = [];
  const client = new ApiClient({
    label: 'Render',
    http,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5, // no jitter: delays are exact
    log: (line) => logs.push(line),
    budget: options.budget ?? Deadline.after(time.clock, options.budgetMs ?? 600_000),
    requestTimeoutMs: 1000,
    headers: { authorization: `Bearer ${TOKEN}` },
    redact: (text) => text.split(TOKEN).join('***'),
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
  });
  const get = (path = '/v1/services/srv-1') =>
    client.send({ method: 'GET', url: new URL(`${ORIGIN}${path}`), what: 'reading the service' });
  return { ...time, client, seen, logs, get };
}

const ok = { status: 200, body: { id: 'srv-1' } };

describe('ApiClient: rate limits', () => {
  it('waits exactly Retry-After after a 429, then retries', async () => {
    const t = setup([{ status: 429, body: { message: 'slow down' }, headers: { 'retry-after': '7' } }, ok]);
    const response = await t.get();
    expect(response.status).toBe(200);
    expect(t.sleeps).toEqual([7000]);
    expect(t.seen.map((s) => s.at - T0)).toEqual([0, 7000]);
    expect(t.logs.join('\n')).toMatch(/rate limited by Render; retrying in 7s/);
  });

  it('reads Retry-After as an HTTP date too', async () => {
    const t = setup([{ status: 429, headers: { 'retry-after': new Date(T0 + 12_000).toUTCString() } }, ok]);
    await t.get();
    expect(t.sleeps).toEqual([12_000]);
  });

  it('prefers Retry-After over Ratelimit-Reset on a 429', async () => {
    const t = setup([{ status: 429, headers: { 'retry-after': '3', 'ratelimit-reset': '40' } }, ok]);
    await t.get();
    expect(t.sleeps).toEqual([3000]);
  });

  it('reads Ratelimit-Reset as seconds until the reset (45)', async () => {
    const t = setup([{ status: 429, headers: { 'ratelimit-reset': '45' } }, ok]);
    await t.get();
    expect(t.sleeps).toEqual([45_000]);
    expect(t.seen[1]?.at).toBe(T0 + 45_000);
  });

  it('reads Ratelimit-Reset as epoch seconds (now + 30)', async () => {
    const reset = String(T0 / 1000 + 30);
    const t = setup([{ status: 429, headers: { 'ratelimit-reset': reset } }, ok]);
    await t.get();
    expect(t.sleeps).toEqual([30_000]);
    expect(t.seen[1]?.at).toBe(T0 + 30_000);
  });

  it('does not wait twice when a 429 also says Ratelimit-Remaining: 0', async () => {
    const t = setup([
      {
        status: 429,
        headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': '45', 'ratelimit-limit': '400' },
      },
      ok,
    ]);
    await t.get();
    expect(t.sleeps.reduce((a, b) => a + b, 0)).toBe(45_000);
    expect(t.seen[1]?.at).toBe(T0 + 45_000);
  });

  it('backs off when a 429 carries no usable header', async () => {
    const t = setup([{ status: 429, headers: { 'retry-after': 'soon' } }, ok]);
    await t.get();
    expect(t.sleeps).toEqual([1000]); // the retry backoff's first step
  });

  it('holds the next request until the reset when a 200 says Ratelimit-Remaining: 0', async () => {
    const t = setup([
      { status: 200, body: {}, headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': '20' } },
      { status: 200, body: {} },
    ]);
    await t.get();
    expect(t.sleeps).toEqual([]); // the response itself is fine
    await t.get();
    expect(t.sleeps).toEqual([20_000]);
    expect(t.seen.map((s) => s.at - T0)).toEqual([0, 20_000]);
    await t.get(); // the second answer had no rate-limit headers: no more holding
    expect(t.sleeps).toEqual([20_000]);
    expect(t.logs.join('\n')).toMatch(/rate limit nearly used up; waiting 20s before reading the service/);
  });

  it('holds on the epoch reading of the reset too, and not while plenty remains', async () => {
    const t = setup([
      { status: 200, body: {}, headers: { 'ratelimit-remaining': '250', 'ratelimit-reset': '50' } },
      {
        status: 200,
        body: {},
        headers: { 'ratelimit-remaining': '1', 'ratelimit-reset': String(T0 / 1000 + 12) },
      },
      { status: 200, body: {} },
    ]);
    await t.get();
    await t.get();
    expect(t.sleeps).toEqual([]);
    await t.get();
    expect(t.sleeps).toEqual([12_000]);
  });

  it('never waits past the budget, whatever the provider asks', async () => {
    const t = setup([{ status: 429, headers: { 'retry-after': '3600' } }], { budgetMs: 60_000 });
    const error = await t.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderApiError);
    expect((error as Error).message).toContain('rate limited (429)');
    expect(t.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
    expect(t.clock.now() - T0).toBeLessThanOrEqual(60_000);
  });
});

describe('resetInMs', () => {
  it.each([
    ['45', 45_000],
    [String(T0 / 1000 + 30), 30_000],
    [String(T0 / 1000 - 30), 0], // already past
    ['999999', 3_600_000], // capped at an hour
    ['soon', undefined],
    ['-5', undefined],
  ])('Ratelimit-Reset %s -> %s ms', (value, expected) => {
    expect(resetInMs({ 'ratelimit-reset': value }, T0)).toBe(expected);
  });

  it('reads X-RateLimit-Reset as well', () => {
    expect(resetInMs({ 'x-ratelimit-reset': '9' }, T0)).toBe(9000);
  });
});

describe('ApiClient: transient failures', () => {
  it('retries a 500/502/503 burst with growing delays, then succeeds', async () => {
    const t = setup([{ status: 500 }, { status: 502 }, { status: 503 }, ok]);
    const response = await t.get();
    expect(response.status).toBe(200);
    expect(t.seen).toHaveLength(4);
    expect(t.sleeps).toEqual([1000, 2000, 4000]);
    expect(t.client.requestCount).toBe(4);
  });

  it('honours Retry-After on a 503 when it is longer than the backoff', async () => {
    const t = setup([{ status: 503, headers: { 'retry-after': '9' } }, ok]);
    await t.get();
    expect(t.sleeps).toEqual([9000]);
  });

  it('throws ProviderApiError after the last attempt, ending in what to do', async () => {
    const t = setup([{ status: 503, body: { message: 'upstream unavailable' } }]);
    const error = await t.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderApiError);
    const message = (error as Error).message;
    expect(message).toContain(
      'reading the service kept failing (HTTP 503: {"message":"upstream unavailable"})',
    );
    expect(message).toContain('gave up after 5 requests');
    expect(message).toMatch(/rerun the job when the API answers\.$/);
    expect(t.seen).toHaveLength(5);
    expect(t.sleeps).toEqual([1000, 2000, 4000, 8000]); // no pointless sleep after the last attempt
  });

  it('retries a refused connection', async () => {
    const t = setup(['refused', 'refused', ok]);
    const response = await t.get();
    expect(response.status).toBe(200);
    expect(t.seen).toHaveLength(3);
    expect(t.sleeps).toEqual([1000, 2000]);
    expect(t.logs[0]).toMatch(/connection refused.*retrying in 1s \(attempt 2\/5\)/);
  });

  it('retries a reset connection on a GET', async () => {
    const t = setup(['reset', ok]);
    expect((await t.get()).status).toBe(200);
    expect(t.seen).toHaveLength(2);
  });

  it('does not retry a DNS failure (not transient) and says what failed', async () => {
    const t = setup(['dns']);
    const error = await t.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderApiError);
    expect((error as Error).message).toMatch(/^Render API: reading the service failed: .*does not resolve/);
    expect(t.seen).toHaveLength(1);
    expect(t.sleeps).toEqual([]);
  });

  it('returns 4xx answers untouched, without retrying', async () => {
    const t = setup([{ status: 404, body: { message: 'not found' } }]);
    const response = await t.get();
    expect(response.status).toBe(404);
    expect(t.seen).toHaveLength(1);
  });

  it('stops at once with a budget of 0: no request at all', async () => {
    const t = setup([ok], { budgetMs: 0 });
    const error = await t.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderApiError);
    expect((error as Error).message).toContain(
      'the time budget (`timeout`) ran out before the call could be sent',
    );
    expect(t.seen).toHaveLength(0);
    expect(t.sleeps).toEqual([]);
    expect(t.client.requestCount).toBe(0);
  });

  it('says, by its type, that the budget ran out before a call was sent, so callers can tell a timeout from an outage', async () => {
    const t = setup([ok], { budgetMs: 0 });
    const error = await t.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExhaustedError);
  });

  it('keeps retries inside the budget', async () => {
    const t = setup([{ status: 503 }], { budgetMs: 5000 });
    await expect(t.get()).rejects.toThrow(ProviderApiError);
    expect(t.sleeps).toEqual([1000, 2000, 2000]); // the third wait is cut to what is left
    expect(t.seen).toHaveLength(3);
    expect(t.clock.now() - T0).toBe(5000);
  });

  it('follows a budget that moves (the rollback gets its own deadline)', async () => {
    const time = fakeTime(T0);
    let budgetMs = 0;
    const budget: Budget = { remainingMs: () => budgetMs };
    const { http, seen } = scripted([ok], time.clock);
    const client = new ApiClient({
      label: 'Render',
      http,
      clock: time.clock,
      sleep: time.sleep,
      log: () => undefined,
      budget,
      requestTimeoutMs: 1000,
      headers: { authorization: `Bearer ${TOKEN}` },
      redact: (text) => text,
    });
    const send = () => client.send({ method: 'GET', url: new URL(`${ORIGIN}/v1/x`), what: 'x' });
    await expect(send()).rejects.toThrow(ProviderApiError);
    budgetMs = 60_000;
    expect((await send()).status).toBe(200);
    expect(seen).toHaveLength(1);
  });
});

describe('ApiClient: requests and bodies', () => {
  it('sends the Authorization header on every call, retries included', async () => {
    const t = setup([{ status: 502 }, 'refused', ok, ok]);
    await t.get();
    await t.client.send({
      method: 'POST',
      url: new URL(`${ORIGIN}/v1/services/srv-1/rollback`),
      body: { deployId: 'dep-1' },
      what: 'rolling back',
    });
    expect(t.seen).toHaveLength(4);
    for (const request of t.seen) {
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.headers.accept).toBe('application/json');
    }
    expect(t.seen[0]?.headers['content-type']).toBeUndefined(); // a GET has no body
    expect(t.seen[3]?.headers['content-type']).toBe('application/json');
    expect(t.seen[3]?.body).toBe('{"deployId":"dep-1"}');
  });

  it('counts every request sent, retries included', async () => {
    const t = setup([{ status: 500 }, ok, ok, ok]);
    expect(t.client.requestCount).toBe(0);
    await t.get();
    expect(t.client.requestCount).toBe(2);
    await t.get();
    await t.get();
    expect(t.client.requestCount).toBe(4);
    expect(t.seen).toHaveLength(4);
  });

  it('reports a non-JSON 2xx body as a ProviderApiError that names api-url', async () => {
    const t = setup([
      { status: 200, body: '<html>Welcome to nginx</html>', headers: { 'content-type': 'text/html' } },
    ]);
    const response = await t.get();
    let error: unknown;
    try {
      t.client.json(response, 'reading the service');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProviderApiError);
    expect((error as ProviderApiError).status).toBe(200);
    expect((error as Error).message).toContain(
      'reading the service answered HTTP 200 with a body that is not JSON',
    );
    expect((error as Error).message).toContain('text/html');
    expect((error as Error).message).toContain('`api-url`');
    expect(t.seen).toHaveLength(1); // not retried
  });

  it('reads an empty 202 as no body, and a JSON 200 as its value', async () => {
    const t = setup([{ status: 202 }, { status: 200, body: { id: 'dep-1' } }]);
    expect(t.client.json(await t.get(), 'x')).toBeUndefined();
    expect(t.client.json(await t.get(), 'x')).toEqual({ id: 'dep-1' });
  });

  // Regression (review): a 5xx body is quoted verbatim in the log line and the thrown message. A proxy or an
  // edge that echoes the request headers puts the API key there. main.ts and report.ts redact later, but
  // the error object and the retry log line carry the key until then. Fix: let ApiClient take a
  // `redact` function (SecretRegistry.redact) and apply it to describeBody() and providerMessage().
  it('does not quote the API key when a 5xx body echoes it', async () => {
    const t = setup([{ status: 502, body: { message: `bad gateway for Authorization: Bearer ${TOKEN}` } }]);
    const error = await t.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderApiError);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(t.logs.join('\n')).not.toContain(TOKEN);
  });
});
