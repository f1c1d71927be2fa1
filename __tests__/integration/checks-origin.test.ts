/** Service-controlled values must never move a probe, or the `headers` input, to another host. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Agent } from 'undici';
import { parseChecksFile } from '../../src/checks/parse.js';
import { runChecks } from '../../src/checks/run.js';
import { createHttpClient } from '../../src/http.js';
import { SecretRegistry } from '../../src/secrets.js';

async function serve(handler: (req: IncomingMessage) => unknown) {
  const seen: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(handler(req)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let service: Awaited<ReturnType<typeof serve>>;
let elsewhere: Awaited<ReturnType<typeof serve>>;
const dispatcher = new Agent();
beforeAll(async () => {
  elsewhere = await serve(() => ({ stolen: true }));
  // The service hands out a protocol-relative "next" link pointing at the other host.
  service = await serve(() => ({ next: `//${elsewhere.url.slice('http://'.length)}/steal`, id: '..' }));
});
afterAll(async () => {
  await dispatcher.close();
  for (const { server } of [service, elsewhere]) {
    server.closeAllConnections();
    server.close();
  }
});

it('percent-encodes captured values, refuses dot segments, and sends `headers` only to the service', async () => {
  const parsed = parseChecksFile(
    `
checks:
  - name: follow the service's link
    steps:
      - request: GET /start
        capture: { next: /next, id: /id }
      - request: 'GET /{{ next }}'
      - request: 'DELETE /api/notes/{{ id }}'
  - name: absolute URL elsewhere
    request: ${elsewhere.url}/public
`,
    { source: 'inline', input: 'checks', env: {} },
  );
  expect(parsed.problems).toEqual([]);
  const secrets = new SecretRegistry(() => undefined);
  const rows = await runChecks(parsed.file!, {
    http: createHttpClient({ dispatcher, secrets, timeoutMs: 2000 }),
    baseUrl: new URL(service.url),
    headers: { 'X-Api-Key': 'header-secret-4242' },
    vars: { env: {}, run: { id: '1', attempt: '1', nonce: 'n', sha: 'abc' } },
    secrets,
    requestTimeoutMs: 2000,
    remainingMs: () => 10_000,
    exec: async () => ({ exitCode: 0, output: '', timedOut: false }),
  });
  // The link stayed on the service's origin; a ".." id was refused rather than turned into DELETE /api/.
  expect(service.seen.map((req) => req.url)).toEqual([
    '/start',
    `/${encodeURIComponent(`//${elsewhere.url.slice('http://'.length)}/steal`)}`,
  ]);
  expect(rows[0]?.passed).toBe(false);
  expect(rows[0]?.failure).toContain('a captured value is "..", which would change the request path');
  expect(rows[1]?.passed).toBe(true);
  expect(service.seen.every((req) => req.headers['x-api-key'] === 'header-secret-4242')).toBe(true);
  expect(elsewhere.seen.map((req) => req.url)).toEqual(['/public']);
  expect(elsewhere.seen[0]?.headers['x-api-key']).toBeUndefined();
});
