import { afterAll, afterEach, beforeAll, describe, it, expect } from '@jest/globals';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { CANARY_NAMES, deleteCanary, readCanary, writeCanary } from '../../../src/checks/canary.js';
import { parseChecksFile } from '../../../src/checks/parse.js';
import type { Canary, CheckContext } from '../../../src/checks/types.js';
import { createHttpClient } from '../../../src/http.js';
import { SecretRegistry } from '../../../src/secrets.js';

const CANARY_ID = 'canary-7c1e9a';

/** A notes store the tests can wipe, like an ephemeral database on deploy. */
class NotesService {
  readonly notes = new Map<string, string>();
  readonly requests: string[] = [];
  readStatus: number | undefined;
  writeStatus: number | undefined;
  private server: Server | undefined;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () =>
        this.handle(req.method ?? '', req.url ?? '', Buffer.concat(chunks).toString(), res),
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private handle(method: string, url: string, body: string, res: ServerResponse): void {
    this.requests.push(`${method} ${url}`);
    const reply = (status: number, value?: unknown): void => {
      res.writeHead(status, value === undefined ? {} : { 'content-type': 'application/json' });
      res.end(value === undefined ? undefined : JSON.stringify(value));
    };
    const match = /^\/api\/notes\/([^/]+)$/.exec(url);
    if (method === 'POST' && url === '/api/notes') {
      if (this.writeStatus) return reply(this.writeStatus, { error: 'cannot write' });
      this.notes.set(CANARY_ID, (JSON.parse(body) as { text: string }).text);
      return reply(201, { id: CANARY_ID });
    }
    if (method === 'GET' && match) {
      if (this.readStatus) return reply(this.readStatus, { error: 'broken' });
      const text = this.notes.get(match[1] ?? '');
      return text === undefined ? reply(404, { error: 'not found' }) : reply(200, { id: match[1], text });
    }
    if (method === 'DELETE' && match)
      return this.notes.delete(match[1] ?? '') ? reply(204) : reply(404, { error: 'not found' });
    return reply(404, { error: 'no route' });
  }
}

let agent: Agent;
let service: NotesService;

beforeAll(() => {
  agent = new Agent();
});
afterAll(async () => {
  await agent.close();
});
afterEach(async () => {
  await service.stop();
});

async function startService(): Promise<NotesService> {
  service = new NotesService();
  await service.start();
  return service;
}

function canaryFrom(yaml: string): Canary {
  const { file, problems } = parseChecksFile(yaml, { source: 'test.yml', input: 'checks', env: {} });
  expect(problems).toEqual([]);
  if (!file?.canary) throw new Error('no canary');
  return file.canary;
}

const CANARY = `
canary:
  write: { request: POST /api/notes, json: { text: "canary {{ run.nonce }}" }, capture: { id: /id } }
  read: { request: "GET /api/notes/{{ id }}", expect: { status: 200, json: { /text: "canary {{ run.nonce }}" } } }
  delete: { request: "DELETE /api/notes/{{ id }}" }
`;

function context(base: string, masked: string[] = []): CheckContext {
  const secrets = new SecretRegistry((value) => masked.push(value));
  return {
    http: createHttpClient({ dispatcher: agent, secrets, timeoutMs: 2_000 }),
    baseUrl: new URL(base),
    headers: {},
    vars: { env: {}, run: { id: '1', attempt: '1', nonce: 'n0nce', sha: 'abc1234' } },
    secrets,
    requestTimeoutMs: 2_000,
    remainingMs: () => 60_000,
    exec: () => Promise.reject(new Error('no commands here')),
  };
}

describe('writeCanary', () => {
  it('writes the canary and returns what it captured, masked', async () => {
    const svc = await startService();
    const masked: string[] = [];
    const written = await writeCanary(canaryFrom(CANARY), context(svc.base, masked));
    expect(written).toEqual({
      probe: { name: CANARY_NAMES.write, kind: 'canary', passed: true, durationMs: expect.any(Number) },
      captured: { id: CANARY_ID },
    });
    expect(svc.notes.get(CANARY_ID)).toBe('canary n0nce');
    expect(masked).toContain(CANARY_ID);
  });

  it('fails without captured values when the write fails', async () => {
    const svc = await startService();
    svc.writeStatus = 503;
    const written = await writeCanary(canaryFrom(CANARY), context(svc.base));
    expect(written).toEqual({
      probe: {
        name: CANARY_NAMES.write,
        kind: 'canary',
        passed: false,
        durationMs: expect.any(Number),
        failure: 'could not write the canary: POST /api/notes: status 503, expected a 2xx status',
      },
    });
  });
});

describe('readCanary', () => {
  it('passes when the canary written before the deploy is still there', async () => {
    const svc = await startService();
    const written = await writeCanary(canaryFrom(CANARY), context(svc.base));
    const probe = await readCanary(canaryFrom(CANARY), written.captured ?? {}, context(svc.base));
    expect(probe).toEqual({
      name: CANARY_NAMES.read,
      kind: 'canary',
      passed: true,
      durationMs: expect.any(Number),
    });
  });

  it('says clearly that the data is gone when the deploy wiped it (F2)', async () => {
    const svc = await startService();
    const written = await writeCanary(canaryFrom(CANARY), context(svc.base));
    svc.notes.clear();
    const probe = await readCanary(canaryFrom(CANARY), written.captured ?? {}, context(svc.base));
    expect(probe).toEqual({
      name: CANARY_NAMES.read,
      kind: 'canary',
      passed: false,
      durationMs: expect.any(Number),
      failure:
        'the canary written before the deploy is gone: GET /api/notes/***: status 404, expected 200. Data written ' +
        'before the deploy did not survive it (ephemeral storage, or a database reset on deploy?)',
    });
  });

  it('says the canary could not be read back on other failures, including altered data', async () => {
    const svc = await startService();
    const written = await writeCanary(canaryFrom(CANARY), context(svc.base));
    svc.notes.set(CANARY_ID, 'something else');
    const altered = await readCanary(canaryFrom(CANARY), written.captured ?? {}, context(svc.base));
    expect(altered.failure).toBe(
      'the canary written before the deploy could not be read back: GET /api/notes/***: /text is "something else", expected "canary n0nce"',
    );
    svc.readStatus = 500;
    const broken = await readCanary(canaryFrom(CANARY), written.captured ?? {}, context(svc.base));
    expect(broken.failure).toBe(
      'the canary written before the deploy could not be read back: GET /api/notes/***: status 500, expected 200',
    );
  });

  it('names the URL and the network error when the service is unreachable', async () => {
    await startService();
    const probe = await readCanary(canaryFrom(CANARY), { id: CANARY_ID }, context('http://127.0.0.1:1/'));
    expect(probe.failure).toBe(
      'the canary written before the deploy could not be read back: GET http://127.0.0.1:1/api/notes/***: connection refused (nothing listening at 127.0.0.1:1)',
    );
  });

  it('registers the values captured in the pre step, in this process too', async () => {
    const svc = await startService();
    const masked: string[] = [];
    const ctx = context(svc.base, masked);
    await readCanary(canaryFrom(CANARY), { id: 'from-pre-step-123' }, ctx);
    expect(masked).toContain('from-pre-step-123');
    expect(ctx.secrets.redact('id from-pre-step-123')).toBe('id ***');
  });

  it('fails, without sending anything, when the saved values lack a variable', async () => {
    const svc = await startService();
    const probe = await readCanary(canaryFrom(CANARY), {}, context(svc.base));
    expect(probe).toMatchObject({
      passed: false,
      failure:
        'the canary written before the deploy could not be read back: GET /api/notes/{{ id }}: not sent, {{ id }} has no value',
    });
    expect(svc.requests).toEqual([]);
  });
});

describe('deleteCanary', () => {
  it('deletes the canary', async () => {
    const svc = await startService();
    const written = await writeCanary(canaryFrom(CANARY), context(svc.base));
    const probe = await deleteCanary(canaryFrom(CANARY), written.captured ?? {}, context(svc.base));
    expect(probe).toEqual({
      name: CANARY_NAMES.delete,
      kind: 'canary',
      passed: true,
      durationMs: expect.any(Number),
    });
    expect(svc.notes.size).toBe(0);
    expect(svc.requests).toEqual(['POST /api/notes', `DELETE /api/notes/${CANARY_ID}`]);
  });

  it('reports a failed delete', async () => {
    const svc = await startService();
    const probe = await deleteCanary(canaryFrom(CANARY), { id: 'already-gone' }, context(svc.base));
    expect(probe?.failure).toBe(
      'could not delete the canary: DELETE /api/notes/***: status 404, expected a 2xx status',
    );
  });

  it('is sent even when the overall budget is spent', async () => {
    const svc = await startService();
    const ctx = { ...context(svc.base), remainingMs: () => 0 };
    const probe = await deleteCanary(canaryFrom(CANARY), { id: 'x-1234' }, ctx);
    expect(svc.requests).toEqual(['DELETE /api/notes/x-1234']);
    expect(probe?.passed).toBe(false);
  });

  it('does nothing for a kept canary or one without a delete request', async () => {
    const svc = await startService();
    const kept = canaryFrom(`${CANARY}  keep: true\n`);
    expect(await deleteCanary(kept, { id: CANARY_ID }, context(svc.base))).toBeUndefined();
    const noDelete = canaryFrom(CANARY.replace(/ {2}delete: .*\n/, ''));
    expect(noDelete.delete).toBeUndefined();
    expect(await deleteCanary(noDelete, { id: CANARY_ID }, context(svc.base))).toBeUndefined();
    expect(svc.requests).toEqual([]);
  });
});
