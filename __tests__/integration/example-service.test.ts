import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  type EmbeddedPostgres,
  type ExampleService,
  type ExampleServiceOptions,
  startEmbeddedPostgres,
  startExampleService,
} from '../../test-kit/example-service.js';

interface Note {
  id: string;
  text: string;
  createdAt: string;
}

/** The response fields tests read; whole bodies are compared with toEqual or toMatchObject. */
interface Body {
  status?: string;
  version?: string;
  database?: unknown;
  error?: string;
  token?: string;
  id?: string;
  notes?: Note[];
}

const started: ExampleService[] = [];

/** Every service a test starts is stopped after it, pass or fail. */
async function service(options: ExampleServiceOptions = {}): Promise<ExampleService> {
  const svc = await startExampleService(options);
  started.push(svc);
  return svc;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((svc) => svc.stop()));
});

async function getJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; body: Body }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return getJson(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function healthStatuses(svc: ExampleService, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await fetch(`${svc.url}/health`)).status);
  return statuses;
}

async function listNotes(svc: ExampleService): Promise<Note[]> {
  return (await getJson(`${svc.url}/api/notes`)).body.notes!;
}

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('example service: healthy', () => {
  it('reports ok, its version and the database on /health', async () => {
    const svc = await service({ version: '2.3.4' });
    const { status, headers, body } = await getJson(`${svc.url}/health`);

    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json');
    expect(headers.get('x-app-version')).toBe('2.3.4');
    expect(body).toEqual({ status: 'ok', version: '2.3.4', database: { connected: true, type: 'sqlite' } });
    // Logs are complete only once the process is gone: stdout and stderr are separate, unordered pipes.
    await svc.stop();
    expect(svc.logs()).toMatch(/^GET \/health 200 \d+(\.\d+)?ms$/m);
  });

  it('serves the HTML page and 404s unknown routes as JSON', async () => {
    const svc = await service();
    const page = await fetch(`${svc.url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>Example Notes</title>');

    const missing = await getJson(`${svc.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'not found' });
  });

  it('creates, reads, lists and deletes a note', async () => {
    const svc = await service();
    const created = await postJson(`${svc.url}/api/notes`, { text: 'hello' });
    expect(created.status).toBe(201);
    const note = created.body as Note;
    expect(note.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(note.text).toBe('hello');
    expect(Number.isNaN(Date.parse(note.createdAt))).toBe(false);

    expect(await getJson(`${svc.url}/api/notes/${note.id}`)).toMatchObject({ status: 200, body: note });
    expect(await listNotes(svc)).toEqual([note]);

    expect((await fetch(`${svc.url}/api/notes/${note.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await getJson(`${svc.url}/api/notes/${note.id}`)).toMatchObject({
      status: 404,
      body: { error: 'not found' },
    });
    expect((await fetch(`${svc.url}/api/notes/${note.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(await listNotes(svc)).toEqual([]);
  });

  it('rejects bad note bodies', async () => {
    const svc = await service();
    expect((await postJson(`${svc.url}/api/notes`, { title: 'no text' })).status).toBe(400);
    const invalid = await fetch(`${svc.url}/api/notes`, { method: 'POST', body: '{not json' });
    expect(invalid.status).toBe(400);
    const huge = await fetch(`${svc.url}/api/notes`, {
      method: 'POST',
      body: JSON.stringify({ text: 'x'.repeat(1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(await listNotes(svc)).toEqual([]);
  });

  it('issues tokens on login and only accepts tokens it issued', async () => {
    const svc = await service({ smokePassword: 's3cret' });
    const wrong = await postJson(`${svc.url}/api/login`, {
      email: 'a@example.com',
      password: 'demo-password',
    });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid credentials' } });

    const login = await postJson(`${svc.url}/api/login`, { email: 'a@example.com', password: 's3cret' });
    expect(login.status).toBe(200);
    expect(login.body.token).toMatch(/^[0-9a-f]{32}$/);

    const authorised = await postJson(
      `${svc.url}/api/notes`,
      { text: 'mine' },
      { Authorization: `Bearer ${login.body.token}` },
    );
    expect(authorised.status).toBe(201);
    const forged = await postJson(
      `${svc.url}/api/notes`,
      { text: 'forged' },
      { Authorization: `Bearer ${'0'.repeat(32)}` },
    );
    expect(forged.status).toBe(401);
    expect((await listNotes(svc)).map((note) => note.text)).toEqual(['mine']);
  });
});

describe('example service: persistence', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'example-service-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps notes in DATA_FILE across a restart, and "ephemeral" wipes them', async () => {
    const dataFile = join(dir, 'notes.json');
    const svc = await service({ dataFile });
    const { body: note } = await postJson(`${svc.url}/api/notes`, { text: 'durable' });

    await svc.restart({ version: '2.0.0' });
    expect((await getJson(`${svc.url}/health`)).body.version).toBe('2.0.0');
    expect(await getJson(`${svc.url}/api/notes/${note.id}`)).toMatchObject({ status: 200, body: note });

    await svc.restart({ faults: 'ephemeral' });
    expect(await listNotes(svc)).toEqual([]);
    expect(JSON.parse(readFileSync(dataFile, 'utf8'))).toEqual({ notes: [] });
  });

  it('keeps nothing across a restart without DATA_FILE', async () => {
    const svc = await service();
    await postJson(`${svc.url}/api/notes`, { text: 'in memory' });
    await svc.restart();
    expect(await listNotes(svc)).toEqual([]);
  });
});

describe('example service: faults', () => {
  it('warmup: answers 503 "starting" with Retry-After, then 200', async () => {
    const svc = await service({ faults: 'warmup=1500' });
    const since = Date.now();

    const health = await getJson(`${svc.url}/health`);
    expect(health).toMatchObject({ status: 503, body: { status: 'starting' } });
    expect(health.headers.get('retry-after')).toBe('1');
    expect((await postJson(`${svc.url}/api/notes`, { text: 'too early' })).status).toBe(503);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1600 - (Date.now() - since))));
    expect((await getJson(`${svc.url}/health`)).body.status).toBe('ok');
    expect(await listNotes(svc)).toEqual([]);
  });

  it('degraded: 200 with a disconnected database and a libpq-style error in the logs', async () => {
    const svc = await service({ faults: 'degraded' });
    const { status, body } = await getJson(`${svc.url}/health`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'degraded', database: { connected: false } });
    await svc.stop();
    expect(svc.logs()).toContain('could not connect to server: Network is unreachable');
  });

  it('stale-version: reports the old version in the body and the header', async () => {
    const svc = await service({ version: '2.0.0', faults: 'stale-version=1.9.0' });
    const { headers, body } = await getJson(`${svc.url}/health`);
    expect(body.version).toBe('1.9.0');
    expect(headers.get('x-app-version')).toBe('1.9.0');
  });

  it('flaky=3: every third health check fails with 500', async () => {
    const svc = await service({ faults: 'flaky=3' });
    expect(await healthStatuses(svc, 7)).toEqual([200, 200, 500, 200, 200, 500, 200]);
    expect(await getJson(`${svc.url}/health`)).toMatchObject({ status: 200 });
    const failing = await getJson(`${svc.url}/health`);
    expect(failing).toMatchObject({ status: 500, body: { status: 'error' } });
  });

  it('blip-at=2: only the second health check fails', async () => {
    const svc = await service({ faults: 'blip-at=2' });
    expect(await healthStatuses(svc, 5)).toEqual([200, 503, 200, 200, 200]);
  });

  it('bad-credentials: login refuses the right password', async () => {
    const svc = await service();
    const credentials = { email: 'a@example.com', password: 'demo-password' };
    expect((await postJson(`${svc.url}/api/login`, credentials)).status).toBe(200);
    await svc.setFaults('bad-credentials');
    expect(await postJson(`${svc.url}/api/login`, credentials)).toMatchObject({
      status: 401,
      body: { error: 'invalid credentials' },
    });
  });

  it('lose-writes: acknowledges a note it never stores', async () => {
    const svc = await service({ faults: 'lose-writes' });
    const created = await postJson(`${svc.url}/api/notes`, { text: 'lost' });
    expect(created.status).toBe(201);
    expect(created.body.id).toEqual(expect.any(String));
    expect((await getJson(`${svc.url}/api/notes/${created.body.id}`)).status).toBe(404);
    expect(await listNotes(svc)).toEqual([]);
  });

  it('switches faults at runtime and restarts the request count', async () => {
    const svc = await service();
    await healthStatuses(svc, 3);
    await svc.setFaults('blip-at=1,stale-version=0.9.0');
    const blip = await getJson(`${svc.url}/health`);
    expect(blip.status).toBe(503);
    expect((await getJson(`${svc.url}/health`)).body).toMatchObject({ status: 'ok', version: '0.9.0' });
    await svc.setFaults('');
    expect((await getJson(`${svc.url}/health`)).body.version).toBe('dev');
    await expect(svc.setFaults('no-such-fault')).rejects.toThrow(/400.*unknown fault.*no-such-fault/);
  });

  it('exits with code 2 on an unknown fault instead of ignoring it', async () => {
    await expect(service({ faults: 'flaky=3,explode' })).rejects.toThrow(
      /exited with code 2[\s\S]*unknown fault "explode"/,
    );
    await expect(service({ faults: 'flaky=zero' })).rejects.toThrow(/exited with code 2/);
  });

  it('hides the admin endpoint without the token, and entirely without ADMIN_TOKEN', async () => {
    const svc = await service();
    const switchFaults = (headers: Record<string, string>) =>
      postJson(`${svc.url}/__admin/faults`, { faults: 'flaky=1' }, headers);
    expect((await switchFaults({})).status).toBe(404);
    expect((await switchFaults({ Authorization: 'Bearer wrong' })).status).toBe(404);
    expect((await getJson(`${svc.url}/health`)).status).toBe(200);

    const disabled = await service({ env: { ADMIN_TOKEN: '' } });
    const attempt = await postJson(
      `${disabled.url}/__admin/faults`,
      { faults: 'flaky=1' },
      {
        Authorization: 'Bearer ',
      },
    );
    expect(attempt.status).toBe(404);
    await expect(disabled.setFaults('flaky=1')).rejects.toThrow(/404/);
    expect((await getJson(`${disabled.url}/health`)).status).toBe(200);
  });
});

describe('example service: databases', () => {
  let postgres: EmbeddedPostgres;
  beforeAll(async () => {
    postgres = await startEmbeddedPostgres();
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
  });

  it('falls back to SQLite when PostgreSQL is unreachable, yet reports ok (F1)', async () => {
    const port = await closedPort();
    const svc = await service({ databaseUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` });
    const { status, body } = await getJson(`${svc.url}/health`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', database: { connected: true, type: 'sqlite' } });
    expect((await postJson(`${svc.url}/api/notes`, { text: 'kept locally' })).status).toBe(201);
    await svc.stop();
    expect(svc.logs()).toMatch(
      new RegExp(
        `database connection failed \\(.*ECONNREFUSED.*${port}.*\\); falling back to SQLite at :memory:`,
      ),
    );
  });

  it('stores notes in the embedded PostgreSQL, across a restart and a second client', async () => {
    const svc = await service({ databaseUrl: postgres.url });
    expect((await getJson(`${svc.url}/health`)).body.database).toEqual({
      connected: true,
      type: 'postgresql',
    });
    const { body: note } = await postJson(`${svc.url}/api/notes`, { text: 'in postgres' });

    await svc.restart({ version: '2.0.0' });
    expect(await getJson(`${svc.url}/api/notes/${note.id}`)).toMatchObject({ status: 200, body: note });

    // A second connection while the service holds its own: the embedded server must multiplex them.
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT text FROM notes WHERE id = $1', [note.id]);
      expect(rows).toEqual([{ text: 'in postgres' }]);
    } finally {
      await client.end();
    }

    await svc.restart({ faults: 'ephemeral' });
    expect(await listNotes(svc)).toEqual([]);
  });
});
