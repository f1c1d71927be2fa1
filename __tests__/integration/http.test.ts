import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Agent } from 'undici';
import { createHttpClient, HttpError, resolveProbeUrl, retryAfterMs } from '../../src/http.js';
import { SecretRegistry } from '../../src/secrets.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<{ server: Server; url: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const dispatcher = new Agent();
const secrets = new SecretRegistry(() => undefined);
secrets.add('s3cret-token');
const http = createHttpClient({ dispatcher, secrets, timeoutMs: 1000, maxBodyBytes: 64 * 1024 });
let main: Awaited<ReturnType<typeof listen>>;
let other: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  other = await listen((_req, res) => res.end('other origin'));
  main = await listen((req, res) => {
    const path = req.url ?? '/';
    if (path === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      // An endless body: the client must stop reading at its cap.
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
      req.socket.on('close', () => res.destroy());
    } else if (path === '/declared-big') {
      res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
      res.write('x');
    } else if (path.startsWith('/hop/')) {
      const n = Number(path.slice(5));
      res.writeHead(302, { location: n >= 3 ? '/ok' : `/hop/${n + 1}` }).end();
    } else if (path === '/loop') {
      res.writeHead(302, { location: '/loop' }).end();
    } else if (path === '/away') {
      res.writeHead(302, { location: `${other.url}/steal` }).end();
    } else if (path === '/hang') {
      // Never answers.
    } else if (path === '/trickle') {
      res.writeHead(200);
      const timer = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(timer));
    } else if (path === '/reset') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 20);
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'x-path': path });
      res.end(JSON.stringify({ path, auth: req.headers.authorization ?? null }));
    }
  });
});

afterAll(async () => {
  await dispatcher.close();
  main.server.closeAllConnections();
  other.server.closeAllConnections();
  await Promise.all([main, other].map(({ server }) => new Promise((resolve) => server.close(resolve))));
});

async function failure(url: string, options: { timeoutMs?: number } = {}): Promise<HttpError> {
  try {
    await http.request({ url, headers: { authorization: 'Bearer s3cret-token' }, ...options });
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected an HttpError');
}

describe('http client', () => {
  it('returns status, lower-case headers and body', async () => {
    const response = await http.request({ url: `${main.url}/hello` });
    expect(response.status).toBe(200);
    expect(response.headers['x-path']).toBe('/hello');
    expect(response.json()).toEqual({ path: '/hello', auth: null });
  });

  it('stops an endless body at the cap instead of buffering it', async () => {
    const before = process.memoryUsage().rss;
    const error = await failure(`${main.url}/big`);
    expect(error.kind).toBe('body-too-large');
    expect(error.message).toContain('64 KiB cap');
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 1024 * 1024);
  });

  it('refuses a declared oversized body before reading it', async () => {
    expect((await failure(`${main.url}/declared-big`)).kind).toBe('body-too-large');
  });

  it('follows same-origin redirects and keeps Authorization', async () => {
    const response = await http.request({
      url: `${main.url}/hop/1`,
      headers: { authorization: 'Bearer s3cret-token' },
    });
    expect(response.url).toBe(`${main.url}/ok`);
    expect(response.json()).toEqual({ path: '/ok', auth: 'Bearer s3cret-token' });
  });

  it('stops a redirect loop', async () => {
    expect((await failure(`${main.url}/loop`)).kind).toBe('redirect-loop');
  });

  it('never follows a cross-origin redirect, so Authorization never leaves the origin', async () => {
    const before = other.seen.length;
    const error = await failure(`${main.url}/away`);
    expect(error.kind).toBe('redirect-cross-origin');
    expect(other.seen.length).toBe(before);
  });

  it('times out a server that never answers, and a trickling body', async () => {
    const started = Date.now();
    expect((await failure(`${main.url}/hang`, { timeoutMs: 300 })).kind).toBe('timeout');
    expect((await failure(`${main.url}/trickle`, { timeoutMs: 300 })).kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('names a refused connection and an unknown host', async () => {
    const refused = await failure('http://127.0.0.1:1/health');
    expect(refused.kind).toBe('refused');
    expect(refused.message).toContain('connection refused');
    // A resolver that answers NXDOMAIN, so the test never sends a DNS query off the machine.
    const noDns = new Agent({
      connect: {
        lookup: (_host, _options, callback) =>
          callback(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), '', 4),
      },
    });
    const client = createHttpClient({ dispatcher: noDns, secrets, timeoutMs: 1000 });
    const dns = await client
      .request({ url: 'http://does-not-exist.invalid/health' })
      .catch((error: unknown) => error);
    await noDns.close();
    expect(dns).toBeInstanceOf(HttpError);
    expect((dns as HttpError).kind).toBe('dns');
    expect((dns as HttpError).message).toContain('does-not-exist.invalid');
  });

  it('reports a reset in the middle of the body', async () => {
    expect((await failure(`${main.url}/reset`)).kind).toMatch(/reset|network/);
  });

  it('redacts secrets from error messages', async () => {
    const error = await failure('http://127.0.0.1:1/?token=s3cret-token');
    expect(error.message).not.toContain('s3cret-token');
    expect(error.message).toContain('***');
  });

  it('reuses keep-alive connections', async () => {
    const ports = new Set<number>();
    const server = await listen((req, res) => res.end(String(req.socket.remotePort)));
    for (let i = 0; i < 6; i++) ports.add(Number((await http.request({ url: server.url })).text()));
    // undici may open a second socket while the first is being released; six requests, two sockets at most.
    expect(ports.size).toBeLessThanOrEqual(2);
    server.server.closeAllConnections();
    server.server.close();
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs({ 'retry-after': '3' }, 0)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4000)).toBe(6000);
    expect(retryAfterMs({}, 0)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': 'soon' }, 0)).toBeUndefined();
  });
});

describe('resolveProbeUrl', () => {
  it('keeps the base path prefix and passes absolute URLs through', () => {
    expect(resolveProbeUrl(new URL('https://x.dev/app/'), '/health').href).toBe('https://x.dev/app/health');
    expect(resolveProbeUrl(new URL('https://x.dev'), 'api?q=1').href).toBe('https://x.dev/api?q=1');
    expect(resolveProbeUrl(new URL('https://x.dev/app'), 'https://y.dev/z').href).toBe('https://y.dev/z');
  });

  it('never lets a path move the request to another host', () => {
    expect(() => resolveProbeUrl(new URL('https://x.dev'), '//evil.example/steal')).toThrow(/another origin/);
  });
});
