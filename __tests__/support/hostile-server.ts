import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local server that misbehaves on purpose, counting every request it receives. */
export interface HostileServer {
  url: string;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

const FIFTY_MB = 50 * 1024 * 1024;

/**
 * Routes: /huge (a 50 MB JSON-ish body), /hang (accepts and never answers), /loop (redirects to itself),
 * /invalid-json, /html (200 with a page), /ok (a healthy JSON body). Everything else is 404.
 */
export async function startHostileServer(): Promise<HostileServer> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    const path = (req.url ?? '/').split('?')[0];
    if (path?.startsWith('/huge')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < FIFTY_MB) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (sent = FIFTY_MB));
      pump();
    } else if (path?.startsWith('/hang')) {
      // accepted, never answered
    } else if (path?.startsWith('/loop')) {
      res.writeHead(302, { location: path }).end();
    } else if (path?.startsWith('/invalid-json')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status": "ok",');
    } else if (path?.startsWith('/html')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>It works!</body></html>');
    } else if (path?.startsWith('/ok')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","version":"v1"}');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
