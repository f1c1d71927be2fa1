import { CLEANUP_GRACE_MS } from '../../../src/checks/request.js';
import { afterAll, afterEach, beforeAll, describe, it, expect } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, MockAgent } from 'undici';
import { parseChecksFile } from '../../../src/checks/parse.js';
import { runChecks } from '../../../src/checks/run.js';
import type { CheckContext, ChecksFile } from '../../../src/checks/types.js';
import { createHttpClient } from '../../../src/http.js';
import { SecretRegistry } from '../../../src/secrets.js';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Handler = (req: Recorded, res: ServerResponse) => void | Promise<void>;

interface TestServer {
  base: string;
  requests: Recorded[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];
let agent: Agent;

beforeAll(() => {
  agent = new Agent();
});
afterAll(async () => {
  await agent.close();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(handle: Handler): Promise<TestServer> {
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(recorded);
      void Promise.resolve(handle(recorded, res)).catch((error: Error) => {
        res.statusCode = 599;
        res.end(error.message);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const testServer = {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(testServer);
  return testServer;
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...headers,
  });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

const run = { id: '4242', attempt: '1', nonce: 'n0nce77', sha: 'abc1234' };
const env = { SMOKE_PASSWORD: 'hunter22' };

function parse(text: string): ChecksFile {
  const { file, problems } = parseChecksFile(text, { source: 'test.yml', input: 'checks', env });
  expect(problems).toEqual([]);
  if (!file) throw new Error('no file');
  return file;
}

function context(
  base: string,
  overrides: Partial<CheckContext> = {},
): { ctx: CheckContext; masked: string[] } {
  const masked: string[] = [];
  const secrets = new SecretRegistry((value) => masked.push(value));
  const ctx: CheckContext = {
    http: createHttpClient({ dispatcher: agent, secrets, timeoutMs: 5_000 }),
    baseUrl: new URL(base),
    headers: {},
    vars: { env, run },
    secrets,
    requestTimeoutMs: 5_000,
    remainingMs: () => 60_000,
    exec: () => Promise.reject(new Error('no commands in these tests')),
    ...overrides,
  };
  return { ctx, masked };
}

/** A tiny notes API: login gives a token, notes need it. */
function notesApi(options: { failCreate?: boolean; failDelete?: boolean } = {}): Handler {
  const notes = new Map<string, string>();
  const TOKEN = 'tok-secret-9f8e7d';
  return (req, res) => {
    if (req.method === 'POST' && req.url === '/api/login') {
      const { password } = JSON.parse(req.body) as { password?: string };
      return password === 'hunter22'
        ? send(res, 200, { token: TOKEN })
        : send(res, 401, { error: 'invalid credentials' });
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, { error: 'no token' });
    if (req.method === 'POST' && req.url === '/api/logout') return send(res, 204);
    const match = /^\/api\/notes\/([^/]+)$/.exec(req.url);
    if (req.method === 'POST' && req.url === '/api/notes') {
      if (options.failCreate) return send(res, 500, { error: 'db down' });
      const id = `note-${notes.size + 1}-abcdef`;
      notes.set(id, (JSON.parse(req.body) as { text: string }).text);
      return send(res, 201, { id });
    }
    if (req.method === 'GET' && match) {
      const text = notes.get(match[1] ?? '');
      return text === undefined
        ? send(res, 404, { error: 'not found' })
        : send(res, 200, { id: match[1], text });
    }
    if (req.method === 'DELETE' && match) {
      if (options.failDelete) return send(res, 500, { error: 'cannot delete' });
      return notes.delete(match[1] ?? '') ? send(res, 204) : send(res, 404, { error: 'not found' });
    }
    return send(res, 404, { error: 'no route' });
  };
}

const ROUND_TRIP = `
checks:
  - name: login, then notes round-trip
    steps:
      - request: POST /api/login
        json: { email: smoke@example.com, password: "{{ env.SMOKE_PASSWORD }}" }
        expect: { status: 200 }
        capture: { token: /token }
      - request: POST /api/notes
        headers: { Authorization: "Bearer {{ token }}" }
        json: { text: "smoke {{ run.nonce }}" }
        expect: { status: [200, 201] }
        capture: { id: /id }
      - request: "GET /api/notes/{{ id }}"
        headers: { Authorization: "Bearer {{ token }}" }
        expect: { status: 200, json: { /text: "smoke {{ run.nonce }}" } }
      - request: "DELETE /api/notes/{{ id }}"
        headers: { Authorization: "Bearer {{ token }}" }
        cleanup: true
`;

describe('request checks', () => {
  it('passes and reports the request duration', async () => {
    const server = await startServer((_req, res) => send(res, 200, { ok: true }));
    const { ctx } = context(server.base);
    const [row] = await runChecks(
      parse('checks:\n  - { name: home, request: GET /, expect: { status: 200 } }'),
      ctx,
    );
    expect(row).toEqual({ name: 'home', kind: 'request', passed: true, durationMs: expect.any(Number) });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /']);
  });

  it('states the first failing assertion with the request label', async () => {
    const server = await startServer((_req, res) => send(res, 404, { error: 'no' }));
    const { ctx } = context(server.base);
    const [row] = await runChecks(
      parse('checks:\n  - { name: a, request: GET /api/notes/abc, expect: { status: 200 } }'),
      ctx,
    );
    expect(row).toMatchObject({ passed: false, failure: 'GET /api/notes/abc: status 404, expected 200' });
  });

  it('keeps the base URL path prefix and sends the headers input, overridden per request', async () => {
    const server = await startServer((_req, res) => send(res, 200, {}));
    const { ctx } = context(`${server.base}/app`, {
      headers: { Authorization: 'Bearer input', 'X-Team': 'core' },
    });
    await runChecks(
      parse(`
checks:
  - { name: a, request: GET /api/health }
  - { name: b, request: GET /api/other, headers: { authorization: Bearer override } }
  - name: c
    request: POST /api/echo
    json: { text: "run {{ run.id }}", n: 1 }
  - name: d
    request: PUT /api/text
    headers: { Content-Type: text/plain }
    body: "nonce {{ run.nonce }}"
`),
      ctx,
    );
    const byPath = new Map(server.requests.map((r) => [r.url, r]));
    expect([...byPath.keys()].sort()).toEqual([
      '/app/api/echo',
      '/app/api/health',
      '/app/api/other',
      '/app/api/text',
    ]);
    expect(byPath.get('/app/api/health')?.headers).toMatchObject({
      authorization: 'Bearer input',
      'x-team': 'core',
    });
    expect(byPath.get('/app/api/other')?.headers.authorization).toBe('Bearer override');
    expect(byPath.get('/app/api/echo')?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(byPath.get('/app/api/echo')?.body ?? '')).toEqual({ text: 'run 4242', n: 1 });
    expect(byPath.get('/app/api/text')?.headers['content-type']).toBe('text/plain');
    expect(byPath.get('/app/api/text')?.body).toBe('nonce n0nce77');
  });

  it('sends to an absolute URL as written', async () => {
    const other = await startServer((_req, res) => send(res, 200, {}));
    const { ctx } = context('http://127.0.0.1:1/');
    const [row] = await runChecks(
      parse(`checks:\n  - { name: a, request: "GET ${other.base}/elsewhere" }`),
      ctx,
    );
    expect(row?.passed).toBe(true);
    expect(other.requests.map((r) => r.url)).toEqual(['/elsewhere']);
  });

  it('fails with the URL and the network error when nothing listens (F9)', async () => {
    const { ctx } = context('http://127.0.0.1:1/');
    const [row] = await runChecks(parse('checks:\n  - { name: dead backend, request: GET / }'), ctx);
    expect(row).toMatchObject({
      name: 'dead backend',
      passed: false,
      failure: 'GET http://127.0.0.1:1/: connection refused (nothing listening at 127.0.0.1:1)',
    });
  });

  it('fails when the server does not answer within request-timeout', async () => {
    const server = await startServer(() => undefined);
    const { ctx } = context(server.base, { requestTimeoutMs: 150 });
    const [row] = await runChecks(parse('checks:\n  - { name: hang, request: GET /hang }'), ctx);
    expect(row?.passed).toBe(false);
    expect(row?.failure).toBe(`GET ${server.base}/hang did not answer within 150 ms`);
  });

  it('bounds a request by the time left in the overall budget', async () => {
    const server = await startServer(() => undefined);
    const { ctx } = context(server.base, { requestTimeoutMs: 5_000, remainingMs: () => 120 });
    const [row] = await runChecks(parse('checks:\n  - { name: hang, request: GET /hang }'), ctx);
    expect(row?.failure).toBe(`GET ${server.base}/hang did not answer within 120 ms`);
  });

  it('does not send a request when the overall budget is spent', async () => {
    const server = await startServer((_req, res) => send(res, 200, {}));
    const { ctx } = context(server.base, { remainingMs: () => 0 });
    const [row] = await runChecks(parse('checks:\n  - { name: late, request: GET / }'), ctx);
    expect(row).toMatchObject({
      passed: false,
      failure: 'GET /: not sent, the overall timeout ran out before this request',
    });
    expect(server.requests).toEqual([]);
  });

  it('reports latency over max-ms', async () => {
    const server = await startServer((_req, res) => void setTimeout(() => send(res, 200, {}), 120));
    const { ctx } = context(server.base);
    const [row] = await runChecks(
      parse('checks:\n  - { name: slow, request: GET /, expect: { max-ms: 20 } }'),
      ctx,
    );
    expect(row?.failure).toMatch(/^GET \/: took \d+ ms, limit max-ms 20$/);
  });

  it('reports a body that is not JSON when JSON is expected', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html></html>');
    });
    const { ctx } = context(server.base);
    const [row] = await runChecks(
      parse('checks:\n  - { name: a, request: GET /x, expect: { json: { /ok: true } } }'),
      ctx,
    );
    expect(row?.failure).toBe('GET /x: body is not JSON (text/html)');
  });

  it('turns an unexpected internal error into a failed row without losing the other rows', async () => {
    const server = await startServer((_req, res) => send(res, 200, {}));
    let calls = 0;
    const { ctx } = context(server.base, {
      remainingMs: () => {
        calls++;
        if (calls === 1) throw new Error('clock broke');
        return 60_000;
      },
    });
    const rows = await runChecks(
      parse('concurrency: 1\nchecks:\n  - { name: a, request: GET /a }\n  - { name: b, request: GET /b }'),
      ctx,
    );
    expect(rows).toEqual([
      {
        name: 'a',
        kind: 'request',
        passed: false,
        durationMs: expect.any(Number),
        failure: 'the check stopped on an internal error: clock broke',
      },
      { name: 'b', kind: 'request', passed: true, durationMs: expect.any(Number) },
    ]);
  });

  it('works with an undici MockAgent as the dispatcher', async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    mock
      .get('https://svc.test')
      .intercept({ path: '/api/version', method: 'GET' })
      .reply(200, { version: 'abc1234' }, { headers: { 'content-type': 'application/json' } });
    const secrets = new SecretRegistry(() => undefined);
    const { ctx } = context('https://svc.test/', {
      http: createHttpClient({ dispatcher: mock, secrets, timeoutMs: 1_000 }),
      secrets,
    });
    const [row] = await runChecks(
      parse(
        'checks:\n  - { name: version, request: GET /api/version, expect: { json: { /version: "{{ run.sha }}" } } }',
      ),
      ctx,
    );
    expect(row?.passed).toBe(true);
    await mock.close();
  });
});

describe('steps checks', () => {
  it('runs the steps in order, passing captured values along (F3 login flow)', async () => {
    const server = await startServer(notesApi());
    const { ctx } = context(server.base);
    const [row] = await runChecks(parse(ROUND_TRIP), ctx);
    expect(row).toMatchObject({ name: 'login, then notes round-trip', kind: 'steps', passed: true });
    expect(row?.failure).toBeUndefined();
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/login',
      'POST /api/notes',
      'GET /api/notes/note-1-abcdef',
      'DELETE /api/notes/note-1-abcdef',
    ]);
    expect(JSON.parse(server.requests[1]?.body ?? '')).toEqual({ text: 'smoke n0nce77' });
    expect(row?.steps).toEqual([
      { label: 'POST /api/login', passed: true, status: 200, durationMs: expect.any(Number) },
      { label: 'POST /api/notes', passed: true, status: 201, durationMs: expect.any(Number) },
      { label: 'GET /api/notes/***', passed: true, status: 200, durationMs: expect.any(Number) },
      {
        label: 'DELETE /api/notes/***',
        passed: true,
        cleanup: true,
        status: 204,
        durationMs: expect.any(Number),
      },
    ]);
  });

  it('registers every captured value as a secret and masks it', async () => {
    const server = await startServer(notesApi());
    const { ctx, masked } = context(server.base);
    await runChecks(parse(ROUND_TRIP), ctx);
    expect(masked).toEqual(expect.arrayContaining(['tok-secret-9f8e7d', 'note-1-abcdef']));
    expect(ctx.secrets.redact('token tok-secret-9f8e7d for note-1-abcdef')).toBe('token *** for ***');
    expect(ctx.secrets.leaks('note-1-abcdef')).toBe(true);
  });

  it('skips the remaining steps after a failure but still runs cleanup steps', async () => {
    const server = await startServer(notesApi());
    const { ctx } = context(server.base);
    const [row] = await runChecks(
      parse(`
checks:
  - name: flow
    steps:
      - request: POST /api/login
        json: { password: "{{ env.SMOKE_PASSWORD }}" }
        capture: { token: /token }
      - request: GET /api/notes/missing
        headers: { Authorization: "Bearer {{ token }}" }
        expect: { status: 200 }
      - request: POST /api/notes
        headers: { Authorization: "Bearer {{ token }}" }
        json: { text: never }
      - request: POST /api/logout
        headers: { Authorization: "Bearer {{ token }}" }
        cleanup: true
      - request: GET /api/after
`),
      ctx,
    );
    expect(row?.passed).toBe(false);
    expect(row?.failure).toBe('GET /api/notes/missing: status 404, expected 200');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/login',
      'GET /api/notes/missing',
      'POST /api/logout',
    ]);
    expect(row?.steps?.map((s) => [s.label, s.passed, s.skipped ?? false, s.cleanup ?? false])).toEqual([
      ['POST /api/login', true, false, false],
      ['GET /api/notes/missing', false, false, false],
      ['POST /api/notes', false, true, false],
      ['POST /api/logout', true, false, true],
      ['GET /api/after', false, true, false],
    ]);
  });

  it('fails the check when a cleanup step fails after passing steps', async () => {
    const server = await startServer(notesApi({ failDelete: true }));
    const { ctx } = context(server.base);
    const [row] = await runChecks(parse(ROUND_TRIP), ctx);
    expect(row?.passed).toBe(false);
    expect(row?.failure).toBe('cleanup failed: DELETE /api/notes/***: status 500, expected a 2xx status');
  });

  it('reports both the failure and a failed cleanup', async () => {
    const server = await startServer(notesApi({ failDelete: true }));
    const { ctx } = context(server.base);
    const [row] = await runChecks(
      parse(
        ROUND_TRIP.replace(
          'expect: { status: 200, json: { /text: "smoke {{ run.nonce }}" } }',
          'expect: { status: 410 }',
        ),
      ),
      ctx,
    );
    expect(row?.failure).toBe(
      'GET /api/notes/***: status 200, expected 410; cleanup failed too: DELETE /api/notes/***: status 500, expected a 2xx status',
    );
  });

  it('skips a cleanup step whose variable was never captured, without sending it', async () => {
    const server = await startServer(notesApi({ failCreate: true }));
    const { ctx } = context(server.base);
    const [row] = await runChecks(parse(ROUND_TRIP), ctx);
    expect(row?.failure).toBe('POST /api/notes: status 500, expected one of 200, 201');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/login',
      'POST /api/notes',
    ]);
    expect(row?.steps?.[3]).toEqual({
      label: 'DELETE /api/notes/{{ id }}',
      passed: false,
      skipped: true,
      cleanup: true,
      durationMs: 0,
      failure: 'not sent: {{ id }} was never captured because an earlier step failed',
    });
  });

  it('names a missing capture, and the failure never shows a captured secret', async () => {
    const server = await startServer((req, res) =>
      req.url === '/api/login' ? send(res, 200, { access_token: 'tok-abc-123' }) : send(res, 200, {}),
    );
    const { ctx } = context(server.base);
    const [row] = await runChecks(
      parse(`
checks:
  - name: login
    steps:
      - request: POST /api/login
        capture: { token: /token }
      - request: GET /api/me
        headers: { Authorization: "Bearer {{ token }}" }
`),
      ctx,
    );
    expect(row?.failure).toBe('POST /api/login: /token missing from the JSON body (capture token)');
  });

  it('redacts captured values from failures, including values quoted from the body', async () => {
    const server = await startServer((req, res) =>
      req.url === '/api/login'
        ? send(res, 200, { token: 'tok-abc-123' })
        : send(res, 200, { echoed: 'tok-abc-123' }),
    );
    const { ctx } = context(server.base);
    const [row] = await runChecks(
      parse(`
checks:
  - name: login
    steps:
      - request: POST /api/login
        capture: { token: /token }
      - request: "GET /api/me?t={{ token }}"
        expect: { json: { /echoed: nope } }
`),
      ctx,
    );
    expect(row?.failure).toBe('GET /api/me?t=***: /echoed is "***", expected "nope"');
    expect(JSON.stringify(row)).not.toContain('tok-abc-123');
  });

  it('still runs cleanup steps when the overall budget is spent', async () => {
    const server = await startServer((_req, res) => send(res, 200, {}));
    const { ctx } = context(server.base, { remainingMs: () => 0 });
    const [row] = await runChecks(
      parse(
        'checks:\n  - name: a\n    steps:\n      - request: POST /x\n      - { request: DELETE /x, cleanup: true }',
      ),
      ctx,
    );
    expect(row?.failure).toBe('POST /x: not sent, the overall timeout ran out before this request');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['DELETE /x']);
  });
});

describe('cleanup grace after the timeout', () => {
  it('does not send a cleanup once the shared grace after the timeout is spent', async () => {
    const server = await startServer((_req, res) => send(res, 200, {}));
    const { ctx } = context(server.base, { remainingMs: () => -CLEANUP_GRACE_MS - 1 });
    const [row] = await runChecks(
      parse(
        'checks:\n  - name: a\n    steps:\n      - request: POST /x\n      - { request: DELETE /x, cleanup: true }',
      ),
      ctx,
    );
    expect(row?.failure).toContain('cleanup grace after the timeout ran out; remove the data by hand');
    expect(server.requests).toEqual([]);
  });

  it('limits a cleanup after the timeout to what is left of the grace', async () => {
    const server = await startServer(() => undefined); // never answers
    const { ctx } = context(server.base, {
      requestTimeoutMs: 5_000,
      remainingMs: () => -CLEANUP_GRACE_MS + 150,
    });
    const started = performance.now();
    const [row] = await runChecks(
      parse('checks:\n  - name: a\n    steps:\n      - { request: DELETE /x, cleanup: true }'),
      ctx,
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(row?.failure).toMatch(/did not answer within 150 ms/);
  });
});

describe('concurrency', () => {
  async function measure(
    concurrency: number,
    checks: number,
  ): Promise<{ maxInFlight: number; names: string[] }> {
    let inFlight = 0;
    let maxInFlight = 0;
    const server = await startServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // The first check is the slowest, so a result list in finish order would not be in file order.
      const delay = req.url === '/slow/0' ? 150 : 60;
      setTimeout(() => {
        inFlight--;
        send(res, 200, {});
      }, delay);
    });
    const { ctx } = context(server.base);
    const lines = Array.from(
      { length: checks },
      (_, i) => `  - { name: check ${i}, request: GET /slow/${i} }`,
    );
    const rows = await runChecks(parse(`concurrency: ${concurrency}\nchecks:\n${lines.join('\n')}`), ctx);
    expect(rows.every((row) => row.passed)).toBe(true);
    return { maxInFlight, names: rows.map((row) => row.name) };
  }

  it('never has more checks in flight than the bound, and uses the bound', async () => {
    expect((await measure(3, 9)).maxInFlight).toBe(3);
    expect((await measure(1, 4)).maxInFlight).toBe(1);
  });

  it('returns rows in file order whatever the finish order', async () => {
    const { names } = await measure(4, 6);
    expect(names).toEqual(['check 0', 'check 1', 'check 2', 'check 3', 'check 4', 'check 5']);
  });

  it('runs the steps of one check one after another', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const server = await startServer((_req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        send(res, 200, {});
      }, 30);
    });
    const { ctx } = context(server.base);
    await runChecks(
      parse('checks:\n  - name: a\n    steps: [ { request: /1 }, { request: /2 }, { request: /3 } ]'),
      ctx,
    );
    expect(maxInFlight).toBe(1);
    expect(server.requests.map((r) => r.url)).toEqual(['/1', '/2', '/3']);
  });
});

describe('captured values that cannot be sent (fuzzing regressions)', () => {
  it('fails the step for a captured value with a lone surrogate instead of throwing URIError', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/login') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id":"\\ud800-captured"}');
        return;
      }
      send(res, 200, {});
    });
    const { ctx } = context(server.base);
    const [row] = await runChecks(
      parse(`
checks:
  - name: flow
    steps:
      - { request: POST /login, capture: { id: /id } }
      - { request: "GET /notes/{{ id }}" }
`),
      ctx,
    );
    expect(row?.passed).toBe(false);
    expect(row?.failure).toBe(
      'GET /notes/{{ id }}: not sent, a captured value is not well-formed Unicode (it holds an unpaired surrogate), so it cannot be put in a URL',
    );
    expect(server.requests.map((r) => r.url)).toEqual(['/login']);
    expect(ctx.secrets.redact('x \ud800-captured y')).toBe('x *** y');
  });

  it('fails the step for a captured value a header cannot carry, naming the header, not a network error', async () => {
    const server = await startServer((req, res) =>
      req.url === '/login' ? send(res, 200, { token: 'tok-123\nInjected: yes' }) : send(res, 200, {}),
    );
    const { ctx } = context(server.base);
    const [row] = await runChecks(
      parse(`
checks:
  - name: flow
    steps:
      - { request: POST /login, capture: { token: /token } }
      - { request: GET /me, headers: { Authorization: "Bearer {{ token }}" } }
`),
      ctx,
    );
    expect(row?.passed).toBe(false);
    expect(row?.failure).toBe(
      'GET /me: not sent, header Authorization would contain a line break (U+000A), which HTTP headers cannot carry (its value comes from {{ token }})',
    );
    expect(server.requests.map((r) => r.url)).toEqual(['/login']);
  });
});
