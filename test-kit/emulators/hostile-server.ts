import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** A local server that misbehaves on purpose, counting every request it receives. */
export interface HostileServer {
  url: string;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

export interface HostileServerOptions {
  /** Serve HTTPS with this key and certificate (PEM), e.g. a self-signed pair. */
  tls?: { key: string; cert: string };
  /** What `/token` hands out as `{"token": …}`: a value a checks file captures. */
  token?: string;
}

const FIFTY_MB = 50 * 1024 * 1024;
const HEALTHY = '{"status":"ok","version":"v1"}';

/**
 * Routes (matched by prefix, so `/flaky-a` and `/flaky-b` are separate services with separate counters):
 * - /huge: a 50 MB JSON-ish body; /endless: a chunked body that never ends;
 * - /hang: accepts and never answers; /slow-headers: answers healthy after 5 s;
 * - /trickle: healthy headers at once, then a body of one byte every 250 ms, forever;
 * - /reset-mid-body: half a body, then a TCP reset;
 * - /loop: redirects to itself; /redirect/<host:port>/<path>: a 302 to http://<host:port>/<path>, another
 *   origin;
 * - /invalid-json; /html (200 with a page); /ok (a healthy JSON body); /token (`{"token": options.token}`);
 * - /flaky: healthy, but the 2nd, 12th, 22nd… request answers 500 (one in ten);
 * - /alternate: every other request answers 500 (a flapping service);
 * - /recover: 503 for the first 3 requests, healthy after;
 * - /unavailable: 503 forever;
 * - /blip: healthy, but the 2nd request answers 503; /blip-reset: the 2nd request is reset instead;
 * - /bad-location: a 302 whose Location is not a URL;
 * - /reflect-version, /reflect-token-version: healthy JSON whose `version` is the request's Authorization
 *   header (the whole value; only the credential after `Bearer `); /reflect-invalid-json: invalid JSON
 *   that quotes the credential, unquoted, where the parser stops. A service that echoes what it was sent, secrets included.
 * Everything else is 404.
 */
export async function startHostileServer(options: HostileServerOptions = {}): Promise<HostileServer> {
  const requests: IncomingMessage[] = [];
  const counts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void, repeat = false): NodeJS.Timeout => {
    const timer = (repeat ? setInterval : setTimeout)(() => {
      if (!repeat) timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const stop = (timer: NodeJS.Timeout): void => {
    clearTimeout(timer);
    clearInterval(timer);
    timers.delete(timer);
  };
  const json = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  };
  /** Writes `chunk` until `total` bytes are out (Infinity: until the client goes away), minding backpressure. */
  const pump = (res: ServerResponse, chunk: Buffer, total: number): void => {
    let sent = 0;
    let closed = false;
    res.on('close', () => (closed = true));
    const next = (): void => {
      while (!closed && sent < total) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', next);
      }
      if (!closed) res.end();
    };
    next();
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const count = (counts.get(path) ?? 0) + 1;
    counts.set(path, count);
    if (path.startsWith('/huge')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      pump(res, Buffer.alloc(1024 * 1024, 0x20), FIFTY_MB);
    } else if (path.startsWith('/endless')) {
      res.writeHead(200, { 'content-type': 'application/json' }); // no length: chunked
      res.write('{"status":"ok","version":"v1","pad":"');
      pump(res, Buffer.alloc(64 * 1024, 0x78), Infinity);
    } else if (path.startsWith('/hang')) {
      // accepted, never answered
    } else if (path.startsWith('/slow-headers')) {
      const timer = later(5000, () => json(res, 200, HEALTHY));
      res.on('close', () => stop(timer));
    } else if (path.startsWith('/trickle')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"ok","version":"v1","pad":"');
      const timer = later(250, () => res.write('x'), true);
      res.on('close', () => stop(timer));
    } else if (path.startsWith('/reset-mid-body')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
      res.write(`{"status":"ok","version":"v1","pad":"${'x'.repeat(1024)}`);
      later(20, () => req.socket.resetAndDestroy());
    } else if (path.startsWith('/loop')) {
      res.writeHead(302, { location: path }).end();
    } else if (path.startsWith('/redirect/')) {
      res.writeHead(302, { location: `http://${path.slice('/redirect/'.length)}` }).end();
    } else if (path.startsWith('/invalid-json')) {
      json(res, 200, '{"status": "ok",');
    } else if (path.startsWith('/html')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>It works!</body></html>');
    } else if (path.startsWith('/ok')) {
      json(res, 200, HEALTHY);
    } else if (path.startsWith('/token')) {
      json(res, 200, JSON.stringify({ token: options.token ?? 'no-token-configured' }));
    } else if (path.startsWith('/flaky')) {
      if (count % 10 === 2) json(res, 500, '{"status":"error"}');
      else json(res, 200, HEALTHY);
    } else if (path.startsWith('/alternate')) {
      if (count % 2 === 0) json(res, 500, '{"status":"error"}');
      else json(res, 200, HEALTHY);
    } else if (path.startsWith('/recover')) {
      if (count <= 3) json(res, 503, '{"status":"starting"}');
      else json(res, 200, HEALTHY);
    } else if (path.startsWith('/unavailable')) {
      json(res, 503, '{"status":"starting"}');
    } else if (path.startsWith('/bad-location')) {
      res.writeHead(302, { location: 'http://[not-a-url' }).end();
    } else if (path.startsWith('/reflect-version')) {
      json(res, 200, JSON.stringify({ status: 'ok', version: req.headers.authorization ?? '' }));
    } else if (path.startsWith('/reflect-token-version')) {
      const credential = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      json(res, 200, JSON.stringify({ status: 'ok', version: credential }));
    } else if (path.startsWith('/reflect-invalid-json')) {
      const credential = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      json(res, 200, `{"status": "ok", "auth": ${credential}}`);
    } else if (path.startsWith('/blip-reset')) {
      if (count === 2) req.socket.resetAndDestroy();
      else json(res, 200, HEALTHY);
    } else if (path.startsWith('/blip')) {
      if (count === 2) json(res, 503, '{"status":"unavailable"}');
      else json(res, 200, HEALTHY);
    } else {
      res.writeHead(404).end();
    }
  };
  const server: Server = options.tls ? createTlsServer(options.tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const scheme = options.tls ? 'https' : 'http';
  return {
    url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      for (const timer of [...timers]) stop(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
