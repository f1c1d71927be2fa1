/**
 * Runs examples/service as real child processes for integration and end-to-end tests. The service and the
 * embedded Postgres always run outside the Jest worker: they are what a deploy would run, on the same Node.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ExampleServiceOptions {
  /** APP_VERSION; defaults to the service's own default, "dev". */
  version?: string;
  databaseUrl?: string;
  dataFile?: string;
  /** FAULTS, e.g. "warmup=2000,flaky=3". */
  faults?: string;
  /** Generated when omitted; setFaults() always knows it. */
  adminToken?: string;
  smokePassword?: string;
  /** 0 or omitted: an ephemeral port. */
  port?: number;
  /** Extra variables, applied last so they can override anything above (ADMIN_TOKEN: '' disables it). */
  env?: Record<string, string>;
}

export interface ExampleService {
  /** http://127.0.0.1:<port>, unchanged across restarts. */
  readonly url: string;
  readonly port: number;
  /** stdout and stderr of every process started so far, interleaved as they arrived. */
  logs(): string;
  /** Replaces the active faults through the admin endpoint (and resets its request counters). */
  setFaults(faults: string): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s; safe to call twice. */
  stop(): Promise<void>;
  /** A "deploy": stops the process and starts a new one on the same port with the changed options. */
  restart(changes?: Partial<ExampleServiceOptions>): Promise<void>;
}

export interface EmbeddedPostgres {
  /** A DATABASE_URL for the service or `pg`. */
  readonly url: string;
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const START_TIMEOUT_MS = 10_000;
/**
 * PGlite compiles its WebAssembly on start, which is slower than the service, especially on a busy CI box:
 * a few seconds alone, over 30 s on a loaded 2-core machine. Only a start that never comes waits this long.
 */
const POSTGRES_START_TIMEOUT_MS = 90_000;
/** For a test's `beforeAll` that starts embedded PostgreSQL: the start's own limit, and room to report it. */
export const POSTGRES_SETUP_TIMEOUT_MS = POSTGRES_START_TIMEOUT_MS + 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** Variables the service reads; never inherited, so a developer's shell cannot change what a test runs. */
const SERVICE_VARIABLES = [
  'PORT',
  'HOST',
  'APP_VERSION',
  'DATABASE_URL',
  'DATA_FILE',
  'FAULTS',
  'ADMIN_TOKEN',
  'SMOKE_PASSWORD',
];

const running = new Set<ChildProcess>();
// Last line of defence: a test that forgets stop() must not leave a server behind when Jest exits.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startExampleService(options: ExampleServiceOptions = {}): Promise<ExampleService> {
  let current: ExampleServiceOptions = {
    ...options,
    adminToken: options.adminToken ?? randomBytes(16).toString('hex'),
  };
  let output = '';
  const record = (chunk: string) => (output += chunk);
  let instance = await launch(current, record);
  const { url, port } = instance;

  return {
    url,
    port,
    logs: () => output,
    async setFaults(faults) {
      const response = await fetch(`${url}/__admin/faults`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${current.adminToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ faults }),
      });
      if (response.status !== 200) {
        throw new Error(
          `setFaults(${JSON.stringify(faults)}) failed: ${response.status} ${await response.text()}`,
        );
      }
    },
    stop: () => stopChild(instance.child),
    async restart(changes = {}) {
      await stopChild(instance.child);
      current = { ...current, ...changes, port };
      instance = await launch(current, record);
    },
  };
}

/**
 * Starts examples/service/embedded-postgres.mjs in its own process, so PGlite's WebAssembly runs on plain
 * Node rather than inside Jest's module sandbox.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const started = await spawnUntil(
    'embedded-postgres.mjs',
    childEnv({}),
    /^embedded-postgres ready (\S+)$/m,
    POSTGRES_START_TIMEOUT_MS,
    () => {},
  );
  return { url: started.match[1]!, stop: () => stopChild(started.child) };
}

async function launch(
  options: ExampleServiceOptions,
  onOutput: (chunk: string) => void,
): Promise<{ child: ChildProcess; url: string; port: number }> {
  const env = childEnv({
    PORT: String(options.port ?? 0),
    HOST: '127.0.0.1',
    ADMIN_TOKEN: options.adminToken ?? '',
    ...(options.version !== undefined && { APP_VERSION: options.version }),
    ...(options.databaseUrl !== undefined && { DATABASE_URL: options.databaseUrl }),
    ...(options.dataFile !== undefined && { DATA_FILE: options.dataFile }),
    ...(options.faults !== undefined && { FAULTS: options.faults }),
    ...(options.smokePassword !== undefined && { SMOKE_PASSWORD: options.smokePassword }),
    ...options.env,
  });
  const { child, match } = await spawnUntil(
    'server.mjs',
    env,
    /^example-service listening on (http:\/\/\S+:(\d+))$/m,
    START_TIMEOUT_MS,
    onOutput,
  );
  return { child, url: match[1]!, port: Number(match[2]) };
}

function childEnv(variables: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SERVICE_VARIABLES) delete env[name];
  // Jest needs --experimental-vm-modules; the service does not, and would only print warnings about it.
  delete env.NODE_OPTIONS;
  return { ...env, ...variables };
}

/**
 * Spawns `node <script>` from examples/service with the running Node (so a Node 24 test run tests Node 24)
 * and resolves once its output matches `ready`. Rejects, with everything it printed, if it exits or stays
 * silent for `timeoutMs` first; the process is gone by then.
 */
function spawnUntil(
  script: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs: number,
  onOutput: (chunk: string) => void,
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'examples', 'service', script)], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('close', () => running.delete(child));

  return new Promise((resolve, reject) => {
    let output = '';
    let settled = false;
    const settle = (outcome: { match: RegExpMatchArray } | { error: Error; running: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if ('match' in outcome) {
        resolve({ child, match: outcome.match });
      } else if (outcome.running) {
        stopChild(child).then(() => reject(outcome.error), reject);
      } else {
        reject(outcome.error);
      }
    };
    const capture = (text: string) => {
      output += text;
      onOutput(text);
      const match = ready.exec(output);
      if (match) settle({ match });
    };
    const timer = setTimeout(() => {
      const error = new Error(`${script} printed no ready line within ${timeoutMs} ms. Output:\n${output}`);
      settle({ error, running: true });
    }, timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', capture);
    child.stderr!.setEncoding('utf8').on('data', capture);
    // 'close' rather than 'exit': by then stdout and stderr are drained, so the error shows the last words.
    child.once('close', (code, signal) => {
      const how = code !== null ? `code ${code}` : `signal ${signal}`;
      settle({
        error: new Error(`${script} exited with ${how} before it was ready. Output:\n${output}`),
        running: false,
      });
    });
    // A process that failed to spawn may never emit 'close'.
    child.once('error', (error) => {
      running.delete(child);
      settle({ error, running: false });
    });
  });
}

/** Resolves once the process is gone and its output fully captured. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (!running.has(child)) return;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
