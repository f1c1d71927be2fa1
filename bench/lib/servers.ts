/**
 * The small node:http services the peer benchmarks run against. Each counts the requests it receives, so a
 * tool's request count comes from the server, not from the tool's own word.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

/** A request as the server saw it: arrival time (performance.now()) and whether it was answered healthy. */
export interface Arrival {
  at: number;
  path: string;
  healthy: boolean;
}

/**
 * A service that is not ready until flip(), then healthy: 200 with `{"status":"ok","version":…}`.
 * Before the flip it answers 503 (`mode: '503'`, a proxy in front of a booting instance) or is not
 * listening at all (`mode: 'refused'`: connections are refused, as when the process has not bound yet).
 */
export interface FlipServer {
  readonly url: string;
  readonly port: number;
  readonly arrivals: Arrival[];
  /** performance.now() when it turned healthy; undefined before. */
  healthyAt: number | undefined;
  /** Turns healthy after `ms`. */
  flipIn(ms: number): void;
  /** Why it could not turn healthy (refused mode: another process took the port meanwhile). */
  failed?: string;
  close(): Promise<void>;
}

export async function startFlipServer(mode: '503' | 'refused', version: string): Promise<FlipServer> {
  const arrivals: Arrival[] = [];
  let healthy = false;
  const server = createServer((req, res) => {
    arrivals.push({ at: performance.now(), path: req.url ?? '/', healthy });
    if (!healthy) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"status":"starting"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', version }));
  });
  const port = mode === 'refused' ? await reservePort(server) : await listen(server, 0);
  if (mode === 'refused') await closeServer(server);
  let timer: NodeJS.Timeout | undefined;
  const self: FlipServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    arrivals,
    healthyAt: undefined,
    flipIn(ms) {
      timer = setTimeout(() => {
        healthy = true;
        if (mode === '503') self.healthyAt = performance.now();
        else
          listen(server, port).then(
            () => (self.healthyAt = performance.now()),
            (error: Error) => (self.failed = `could not listen on port ${port} again: ${error.message}`),
          );
      }, ms);
    },
    async close() {
      clearTimeout(timer);
      if (server.listening) await closeServer(server);
    },
  };
  return self;
}

/** Every request waits `latencyMs` before it is answered; counts the most requests in flight at once. */
export interface LatencyServer {
  readonly url: string;
  readonly arrivals: Arrival[];
  maxInFlight: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startLatencyServer(latencyMs: number, version: string): Promise<LatencyServer> {
  let inFlight = 0;
  const arrivals: Arrival[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    arrivals.push({ at: performance.now(), path: req.url ?? '/', healthy: true });
    inFlight++;
    self.maxInFlight = Math.max(self.maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        path === '/health'
          ? JSON.stringify({ status: 'ok', version })
          : JSON.stringify({ path, ok: true, items: [1, 2, 3] }),
      );
    }, latencyMs);
  };
  const server = createServer(handle);
  const port = await listen(server, 0);
  const self: LatencyServer = {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    maxInFlight: 0,
    reset() {
      arrivals.length = 0;
      self.maxInFlight = 0;
    },
    close: () => closeServer(server),
  };
  return self;
}

/** Always healthy; records arrivals (for start-up: when did the first request come). */
export async function startHealthyServer(version: string): Promise<LatencyServer> {
  return startLatencyServer(0, version);
}

/**
 * Listens on a free port below the ephemeral range, the range outgoing connections take their local
 * ports from, so that no other process takes it while the refused-mode server is closed.
 */
async function reservePort(server: Server): Promise<number> {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    // not Linux: the usual default
  }
  if (!(low > 12_000)) return listen(server, 0);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low - 10_000 + Math.floor(Math.random() * 10_000);
    try {
      return await listen(server, port);
    } catch {
      // taken: try another
    }
  }
  return listen(server, 0);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A crash loop: after each restart the service answers healthy for `upMs`, then 503 while it is down for a
 * random `downMs[0]`-`downMs[1]` (restart times vary, so no fixed poll rate stays in or out of step with
 * it), forever. It starts down, at a random point of a down period.
 */
export async function startCrashLoopServer(
  upMs: number,
  downMs: [number, number],
  version: string,
): Promise<LatencyServer> {
  const arrivals: Arrival[] = [];
  let healthy = false;
  let timer: NodeJS.Timeout | undefined;
  const down = () => downMs[0] + Math.random() * (downMs[1] - downMs[0]);
  const restart = () => {
    healthy = true;
    timer = setTimeout(() => {
      healthy = false;
      timer = setTimeout(restart, down());
    }, upMs);
  };
  timer = setTimeout(restart, Math.random() * downMs[1]);
  const server = createServer((req, res) => {
    arrivals.push({ at: performance.now(), path: req.url ?? '/', healthy });
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
    res.end(healthy ? JSON.stringify({ status: 'ok', version }) : '{"status":"restarting"}');
  });
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    maxInFlight: 0,
    reset() {
      arrivals.length = 0;
    },
    close: () => {
      clearTimeout(timer);
      return closeServer(server);
    },
  };
}
