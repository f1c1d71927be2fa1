/**
 * Example Notes: the small service the demo and the end-to-end tests deploy, probe and roll back.
 * Configuration is by environment only; see README.md next to this file.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { NO_FAULTS, parseFaults } from './faults.mjs';
import { openStore } from './store.mjs';

const MAX_BODY_BYTES = 1024 * 1024;

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Example Notes</title>
  </head>
  <body>
    <h1>Example Notes</h1>
    <p>A tiny notes service. Try <code>GET /health</code> or <code>POST /api/notes</code>.</p>
  </body>
</html>
`;

/** An HTTP answer that ends request handling early. */
class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const config = {
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST || '127.0.0.1',
  version: process.env.APP_VERSION || 'dev',
  smokePassword: process.env.SMOKE_PASSWORD || 'demo-password',
  // Empty counts as unset so a caller can switch the admin endpoint off explicitly.
  adminToken: process.env.ADMIN_TOKEN || null,
};

let faults = NO_FAULTS;
/** When the current faults took effect: warm-up counts from here, as if the process had just started. */
let faultsSince = 0;
let healthRequests = 0;
/** @type {Set<string>} */
const tokens = new Set();

/** @param {import('./faults.mjs').Faults} next */
function applyFaults(next) {
  faults = next;
  faultsSince = Date.now();
  healthRequests = 0;
  if (faults.degraded) console.error('could not connect to server: Network is unreachable');
}

let bootFaults;
try {
  bootFaults = parseFaults(process.env.FAULTS);
} catch (error) {
  console.error(`example-service: ${/** @type {Error} */ (error).message}`);
  process.exit(2);
}

const store = await openStore({
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataFile: process.env.DATA_FILE || undefined,
  ephemeral: bootFaults.ephemeral,
});
applyFaults(bootFaults);

const server = createServer((req, res) => {
  const started = performance.now();
  res.on('finish', () => {
    const ms = (performance.now() - started).toFixed(1);
    console.log(`${req.method} ${req.url?.split('?')[0]} ${res.statusCode} ${ms}ms`);
  });
  handle(req, res).catch((error) => {
    const status = error instanceof HttpError ? error.status : 500;
    if (status === 500) console.error(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, status, { error: status === 500 ? 'internal error' : error.message });
  });
});

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function handle(req, res) {
  const path = new URL(req.url ?? '/', 'http://service').pathname;
  const version = faults.staleVersion ?? config.version;
  res.setHeader('X-App-Version', version);

  if (path === '/__admin/faults') {
    // Indistinguishable from a missing route unless enabled and authorised: it must not exist in production.
    if (
      !config.adminToken ||
      req.headers.authorization !== `Bearer ${config.adminToken}` ||
      req.method !== 'POST'
    ) {
      throw new HttpError(404, 'not found');
    }
    const body = await readJson(req);
    if (typeof body?.faults !== 'string') throw new HttpError(400, 'faults must be a string');
    try {
      applyFaults(parseFaults(body.faults));
    } catch (error) {
      throw new HttpError(400, /** @type {Error} */ (error).message);
    }
    return sendJson(res, 200, { faults: faults.spec });
  }

  if (Date.now() - faultsSince < faults.warmupMs) {
    res.setHeader('Retry-After', '1');
    return sendJson(res, 503, { status: 'starting' });
  }

  if (path === '/health' && req.method === 'GET') {
    healthRequests += 1;
    if (healthRequests === faults.blipAt) return sendJson(res, 503, { status: 'unavailable' });
    if (faults.flakyEvery && healthRequests % faults.flakyEvery === 0) {
      return sendJson(res, 500, { status: 'error' });
    }
    const connected = !faults.degraded;
    return sendJson(res, 200, {
      status: connected ? 'ok' : 'degraded',
      version,
      database: { connected, type: store.type },
    });
  }

  if (path === '/' && req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    return res.end(PAGE);
  }

  if (path === '/api/login' && req.method === 'POST') {
    const body = await readJson(req);
    if (typeof body?.email !== 'string' || !body.email || typeof body.password !== 'string') {
      throw new HttpError(400, 'email and password are required');
    }
    if (faults.badCredentials || body.password !== config.smokePassword) {
      throw new HttpError(401, 'invalid credentials');
    }
    const token = randomBytes(16).toString('hex');
    tokens.add(token);
    return sendJson(res, 200, { token });
  }

  if (path === '/api/notes' || path.startsWith('/api/notes/')) {
    return handleNotes(req, res, path);
  }

  throw new HttpError(404, 'not found');
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {string} path
 */
async function handleNotes(req, res, path) {
  // Anonymous requests are allowed so a canary needs no login; a token, when sent, must be one we issued.
  const auth = req.headers.authorization;
  if (auth !== undefined && !(auth.startsWith('Bearer ') && tokens.has(auth.slice('Bearer '.length)))) {
    throw new HttpError(401, 'invalid token');
  }

  if (path === '/api/notes') {
    if (req.method === 'GET') return sendJson(res, 200, { notes: await store.list() });
    if (req.method === 'POST') {
      const body = await readJson(req);
      if (typeof body?.text !== 'string' || body.text === '') throw new HttpError(400, 'text is required');
      if (faults.loseWrites) {
        return sendJson(res, 201, { id: randomUUID(), text: body.text, createdAt: new Date().toISOString() });
      }
      return sendJson(res, 201, await store.create(body.text));
    }
    throw new HttpError(404, 'not found');
  }

  // Ids are UUIDs, so the raw path segment is the id; anything needing decoding cannot exist.
  const id = path.slice('/api/notes/'.length);
  if (req.method === 'GET') {
    const note = await store.get(id);
    if (!note) throw new HttpError(404, 'not found');
    return sendJson(res, 200, note);
  }
  if (req.method === 'DELETE') {
    if (!(await store.remove(id))) throw new HttpError(404, 'not found');
    res.writeHead(204);
    return res.end();
  }
  throw new HttpError(404, 'not found');
}

/**
 * Reads a JSON request body of at most 1 MiB.
 *
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<any>}
 */
async function readJson(req) {
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES) throw new HttpError(413, 'body too large');
  const body = await new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Stop buffering but leave the stream alone: Node discards the rest once the 413 is sent, whereas
        // destroying it would reset the connection before a client that is still uploading sees the answer.
        req.removeAllListeners('data');
        reject(new HttpError(413, 'body too large'));
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
  try {
    return JSON.parse(body);
  } catch {
    throw new HttpError(400, 'invalid JSON');
  }
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function shutdown() {
  server.close(() => {
    store.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  // Keep-alive sockets would hold close() open; idle ones can go now, busy ones get a moment to finish.
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 2000).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

server.on('error', (error) => {
  console.error(`example-service: ${error.message}`);
  process.exit(1);
});
server.listen(config.port, config.host, () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(`example-service listening on http://${config.host}:${address.port}`);
});
