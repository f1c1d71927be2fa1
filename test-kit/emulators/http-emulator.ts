/**
 * The part every API emulator of the test kit shares: a real `node:http` server on 127.0.0.1 (an ephemeral
 * port), requests answered one at a time, a request log, a list of contract violations, one-shot scripted
 * faults, and small helpers for bodies, JSON, forms and `Authorization` headers.
 *
 * What stays with each emulator: routing, contract checks, provider state and the provider's own error
 * shapes. The base never decides what a provider would answer; it only hands the emulator a parsed request
 * and sends back the {@link Reply} the emulator built. That split is what lets the Render, Railway and
 * GitHub emulators (and the Cloud Run one built on it) share this file without sharing their quirks.
 *
 * Why one request at a time: scripted deploys advance on reads, and hooks restart the example service; a
 * fixed order makes "what the provider says" and "what the URL serves" change together, deterministically.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRollbackRequest, observePublishing, observeRollbacks } from '../ground-truth.js';

/** One request as the emulator received it, plus the status it was answered with. */
export interface RecordedRequest {
  method: string;
  /** The path without the query, as received (still percent-encoded). */
  path: string;
  /** Repeated keys become arrays. */
  query: Record<string, string | string[]>;
  /**
   * The body: parsed JSON, a form (`application/x-www-form-urlencoded`) as an object, else the raw text;
   * absent when empty. Fields named in `secretFields` are replaced by `***`.
   */
  body?: unknown;
  /** The status answered; 0 until the reply is sent. */
  status: number;
  /** `Date.now()` on arrival, to check pacing such as a honoured `Retry-After`. */
  at: number;
  /** Lower-case names; secret headers redacted (`authorization` keeps its scheme: `Bearer ***`). */
  headers: Record<string, string>;
  /** What the emulator matched the request to (an RPC, an operationId), once it knows. */
  operation?: string;
  /** Who the credentials belong to, in the emulator's words (never the credential itself). */
  principal?: string;
}

/** What an emulator answers. */
export interface Reply {
  status: number;
  /** Sent as JSON (`application/json; charset=utf-8`); undefined sends no body unless `text` is given. */
  body?: unknown;
  /**
   * A non-JSON body, e.g. the HTML page of an edge proxy or the bytes of a file; `Content-Type` then comes
   * from `headers`.
   */
  text?: string | Buffer;
  headers?: Record<string, string>;
}

/** A request, parsed as far as the base can without knowing the provider. */
export interface EmulatorRequest {
  method: string;
  url: URL;
  /** `url.pathname`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text; empty when there was none. */
  rawBody: string;
  /** `METHOD /path?query`, the prefix of the emulator's violation messages. */
  label: string;
  /** The log entry of this request; the emulator may fill in `operation` and `principal`. */
  recorded: RecordedRequest;
}

/** An injected answer: a status with the provider's error body and headers. */
export interface Fault {
  status: number;
  body?: unknown;
  text?: string | Buffer;
  headers?: Record<string, string>;
}

/** Which requests a fault applies to; every given property must match. No match object: any request. */
export interface FaultMatch {
  method?: string;
  /** A path (exact) or a pattern tested against the path. */
  path?: string | RegExp;
  /** What the emulator matched the request to, as it passes it to {@link FaultQueue.take}. */
  operation?: string;
}

/**
 * One-shot scripted faults, consumed in the order they were added by the first request each one matches.
 * The emulator decides where in its pipeline to call {@link FaultQueue.take}: after the request was checked
 * against the contract (so a broken request is still a violation) and before auth and the handler (so a
 * fault answers whatever the request was), as Render's, Railway's and GitHub's emulators do.
 */
export class FaultQueue<F extends Fault = Fault> {
  readonly #pending: { fault: F; match?: FaultMatch }[] = [];

  /** Queues `count` copies of `fault` for requests that match. */
  add(count: number, fault: F, match?: FaultMatch): void {
    for (let i = 0; i < count; i++) this.#pending.push({ fault, match });
  }

  /** Removes and returns the first fault that applies to this request, if any. */
  take(request: Pick<EmulatorRequest, 'method' | 'path'>, operation?: string): F | undefined {
    const index = this.#pending.findIndex(({ match }) => matches(match, request, operation));
    if (index < 0) return undefined;
    return this.#pending.splice(index, 1)[0]!.fault;
  }

  /** Faults not yet consumed. */
  get size(): number {
    return this.#pending.length;
  }
}

function matches(
  match: FaultMatch | undefined,
  request: Pick<EmulatorRequest, 'method' | 'path'>,
  operation: string | undefined,
): boolean {
  if (!match) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== request.method.toUpperCase()) return false;
  if (match.operation !== undefined && match.operation !== operation) return false;
  if (typeof match.path === 'string' && match.path !== request.path) return false;
  if (match.path instanceof RegExp && !match.path.test(request.path)) return false;
  return true;
}

export interface HttpEmulatorOptions {
  /** Names the emulator in crash messages, e.g. `Cloud Run emulator`. */
  name: string;
  /** Builds the reply. A throw is recorded as a violation and answered 500. */
  handle(request: EmulatorRequest): Promise<Reply>;
  /**
   * Larger bodies are answered 413 without reaching `handle` (and are a violation). Defaults to 1 MiB:
   * no provider call the action makes comes close, and a runaway client must not exhaust the test's memory.
   */
  bodyLimitBytes?: number;
  /** Header names (any case) whose values never reach the log. Defaults to {@link DEFAULT_SECRET_HEADERS}. */
  secretHeaders?: readonly string[];
  /** Body fields (top level of JSON or form bodies) whose values never reach the log. */
  secretFields?: readonly string[];
  /** What a secret is replaced by in the log; defaults to `***` (`Bearer ***`). */
  redactedAs?: string;
  /**
   * The list to record violations in. An emulator that finds violations of its own (in its handlers, in
   * hooks) passes its list, so a test reads one list.
   */
  violations?: string[];
  /**
   * Whether what clients send here is published for people to read (GitHub's comments and check runs): the
   * Reliability table scans it for secrets.
   */
  publishes?: boolean;
}

/** A running emulator server. */
export interface HttpEmulator {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Contract breaches, in words; a test ends with `expect(emulator.violations).toEqual([])`. */
  readonly violations: string[];
  readonly faults: FaultQueue;
  /**
   * The underlying server, for what is not request/response: Railway's emulator attaches its
   * `graphql-transport-ws` endpoint to the `upgrade` event of the same server.
   */
  readonly server: Server;
  /**
   * Runs `task` in the one-at-a-time order of the requests: after every request (and task) before it,
   * before any after it. For work that does not arrive as an HTTP request but must not interleave with
   * one, such as Railway's operations over the WebSocket and the steps its subscribers trigger.
   */
  enqueue<T>(task: () => Promise<T>): Promise<T>;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Credentials by another name: never logged. */
export const DEFAULT_SECRET_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-goog-api-key',
  'x-goog-iam-authorization-token',
  'project-access-token',
  'x-api-key',
];

/** Starts a server on an ephemeral port of 127.0.0.1. */
export async function startHttpEmulator(options: HttpEmulatorOptions): Promise<HttpEmulator> {
  const bodyLimit = options.bodyLimitBytes ?? 1024 * 1024;
  const secretHeaders = new Set(
    (options.secretHeaders ?? DEFAULT_SECRET_HEADERS).map((h) => h.toLowerCase()),
  );
  const secretFields = new Set(options.secretFields ?? []);
  const mask = options.redactedAs ?? '***';
  const requests: RecordedRequest[] = [];
  const violations = options.violations ?? [];
  const faults = new FaultQueue();

  const respond = async (request: IncomingMessage, response: ServerResponse) => {
    // The Host header keeps the port, so `url.origin` is what the client called (token audiences use it).
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    const method = request.method ?? 'GET';
    const label = `${method} ${url.pathname}${url.search}`;
    const recorded: RecordedRequest = {
      method,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      status: 0,
      at: Date.now(),
      headers: redactHeaders(request.headers, secretHeaders, mask),
    };
    requests.push(recorded);
    const send = (reply: Reply) => {
      recorded.status = reply.status;
      sendReply(response, reply);
    };

    const read = await readBody(request, bodyLimit);
    if (read.tooLarge) {
      violations.push(`${label}: request body exceeds ${bodyLimit} bytes`);
      return send({
        status: 413,
        text: 'Request Entity Too Large',
        headers: { 'Content-Type': 'text/plain' },
      });
    }
    if (read.text !== '') {
      recorded.body = redactBody(
        parseBody(read.text, String(request.headers['content-type'] ?? '')),
        secretFields,
        mask,
      );
    }
    let reply: Reply;
    try {
      reply = await options.handle({
        method,
        url,
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        rawBody: read.text,
        label,
        recorded,
      });
    } catch (error) {
      violations.push(`${label}: the ${options.name} failed: ${(error as Error).stack ?? String(error)}`);
      reply = { status: 500, text: 'emulator failure', headers: { 'Content-Type': 'text/plain' } };
    }
    send(reply);
  };

  // One request at a time, in arrival order (see the file comment).
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };
  const server = createServer((request, response) => {
    enqueue(() => respond(request, response)).catch((error: unknown) => {
      // The client gave up on the request (an AbortSignal when a soak ends, a cancelled process): no
      // answer is owed, and nothing is wrong with the request.
      if (clientAborted(request, error)) return;
      violations.push(`${options.name} crashed on ${request.method} ${request.url}: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  // What the Reliability table observes of every case: the rollback calls sent here, what was published.
  // (A publishing emulator is not a provider: a check run that quotes a rollback call is not one.)
  const unobserve = [
    ...(options.publishes
      ? []
      : [
          observeRollbacks({
            origin,
            rollbackCalls: () =>
              requests.filter((r) => isRollbackRequest(r.method, r.path, JSON.stringify(r.body ?? '')))
                .length,
          }),
        ]),
    ...(options.publishes
      ? [
          observePublishing({
            published: () =>
              requests
                .filter((r) => r.method !== 'GET' && r.body !== undefined)
                .map((r) => JSON.stringify(r.body)),
          }),
        ]
      : []),
  ];

  return {
    origin,
    port,
    requests,
    violations,
    faults,
    server,
    enqueue,
    close() {
      for (const stop of unobserve) stop();
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function sendReply(response: ServerResponse, reply: Reply): void {
  const text = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
  const headers: Record<string, string> = {
    ...(reply.text === undefined &&
      reply.body !== undefined && { 'Content-Type': 'application/json; charset=utf-8' }),
    ...reply.headers,
  };
  response.writeHead(reply.status, headers);
  response.end(text);
}

/** Reads a body up to `limit` bytes; past it, stops keeping chunks (the rest is drained, not stored). */
function clientAborted(request: IncomingMessage, error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    request.destroyed &&
    (code === 'ECONNRESET' ||
      code === 'ERR_STREAM_PREMATURE_CLOSE' ||
      (error as Error)?.message === 'aborted')
  );
}

async function readBody(
  request: IncomingMessage,
  limit: number,
): Promise<{ text: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) tooLarge = true;
    else chunks.push(chunk as Buffer);
  }
  return { text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge };
}

/** JSON for a JSON content type (or no content type), a form as an object, anything else as text. */
export function parseBody(text: string, contentType: string): unknown {
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType)) return parseForm(text);
  const parsed = parseJson(text);
  return parsed.ok ? parsed.value : text;
}

/** `JSON.parse` without the throw. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** A URL-encoded form as an object; repeated keys become arrays. */
export function parseForm(text: string): Record<string, string | string[]> {
  return queryRecord(new URLSearchParams(text));
}

/** Query parameters as an object; repeated keys become arrays. */
export function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    record[name] = values.length === 1 ? values[0]! : values;
  }
  return record;
}

/**
 * Headers (or any string-valued record, such as a WebSocket's `connection_init` payload) for the log:
 * lower-case names (the given case for a record), one string each, secrets replaced by `mask` (the auth
 * scheme survives: `Bearer ***`). Secret names match case-insensitively.
 */
export function redactHeaders(
  headers: IncomingHttpHeaders | Record<string, unknown>,
  secret: ReadonlySet<string> = new Set(DEFAULT_SECRET_HEADERS),
  mask = '***',
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    const lower = name.toLowerCase();
    if (!secret.has(lower)) result[name] = text;
    else if (lower === 'authorization' || lower === 'proxy-authorization') {
      const scheme = /^(\S+)\s+\S/.exec(text)?.[1];
      result[name] = scheme ? `${scheme} ${mask}` : mask;
    } else result[name] = mask;
  }
  return result;
}

function redactBody(body: unknown, secretFields: ReadonlySet<string>, mask: string): unknown {
  if (secretFields.size === 0 || body === null || typeof body !== 'object' || Array.isArray(body))
    return body;
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [key, secretFields.has(key) ? mask : value]),
  );
}

/**
 * The credential of an `Authorization` header: `none` without one, `malformed` when it is not
 * `<scheme> <credential>`. The scheme keeps its case; compare it case-insensitively (RFC 9110).
 */
export function authorization(
  headers: IncomingHttpHeaders,
): { kind: 'none' } | { kind: 'malformed' } | { kind: 'credential'; scheme: string; credential: string } {
  const value = headers.authorization;
  if (value === undefined) return { kind: 'none' };
  const match = /^(\S+) +(\S+) *$/.exec(value);
  if (!match) return { kind: 'malformed' };
  return { kind: 'credential', scheme: match[1]!, credential: match[2]! };
}

/** The token of an `Authorization: Bearer <token>` header; undefined for anything else. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = authorization(headers);
  return auth.kind === 'credential' && auth.scheme.toLowerCase() === 'bearer' ? auth.credential : undefined;
}

/** Why a request's bearer credentials were refused: none, another scheme, or one `lookup` rejected. */
export type BearerProblem = 'missing' | 'not-bearer' | { rejected: string };

/**
 * The auth check every emulator repeats: the request must carry `Authorization: Bearer <token>` and
 * `lookup` must accept the token. On refusal, `unauthorized` builds the provider's own answer (its 401 body
 * and headers), so the check is shared and the shape stays the provider's.
 */
export function checkBearer<T>(
  headers: IncomingHttpHeaders,
  lookup: (token: string) => { principal: T } | { rejected: string },
  unauthorized: (problem: BearerProblem) => Reply,
): { ok: true; token: string; principal: T } | { ok: false; reply: Reply } {
  const auth = authorization(headers);
  if (auth.kind === 'none') return { ok: false, reply: unauthorized('missing') };
  if (auth.kind === 'malformed' || auth.scheme.toLowerCase() !== 'bearer') {
    return { ok: false, reply: unauthorized('not-bearer') };
  }
  const found = lookup(auth.credential);
  if ('rejected' in found) return { ok: false, reply: unauthorized({ rejected: found.rejected }) };
  return { ok: true, token: auth.credential, principal: found.principal };
}

/**
 * Escape hatch for self-checks, shared by the emulators: every 2xx body of an operation passes through the
 * registered functions before it is checked against the contract and sent, so a test can prove that an
 * off-contract response is caught (and see what the client makes of it).
 */
export class Tampers {
  readonly #byOperation = new Map<string, ((body: unknown) => unknown)[]>();

  /** Registers `mutate` for `operation`; returns the function that removes it again. */
  add(operation: string, mutate: (body: unknown) => unknown): () => void {
    const list = this.#byOperation.get(operation) ?? [];
    list.push(mutate);
    this.#byOperation.set(operation, list);
    return () => void list.splice(list.indexOf(mutate), 1);
  }

  /** The body as sent: tampered when the reply is a success, as it was otherwise. */
  apply(operation: string, status: number, body: unknown): unknown {
    if (status >= 300) return body;
    let result = body;
    for (const mutate of this.#byOperation.get(operation) ?? []) result = mutate(result);
    return result;
  }
}

/** What one request used of a rate-limit window, for the provider's own rate-limit headers. */
export interface RateUse {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch ms when the window resets. */
  resetAt: number;
  /** More requests than the limit in this window. */
  exceeded: boolean;
}

/**
 * Fixed rate-limit windows by bucket, as providers document them: every request counts against its
 * bucket, the window restarts `windowMs` after its first request. Nothing is enforced here; the emulator
 * turns the {@link RateUse} into its provider's headers (and a 429, where the provider sends one).
 */
export class RateWindows {
  readonly #windows = new Map<string, { start: number; used: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  hit(bucket: string, limit: number, windowMs: number): RateUse {
    const now = this.#now();
    let window = this.#windows.get(bucket);
    if (!window || now - window.start >= windowMs) {
      window = { start: now, used: 0 };
      this.#windows.set(bucket, window);
    }
    window.used++;
    return {
      limit,
      remaining: Math.max(0, limit - window.used),
      used: window.used,
      resetAt: window.start + windowMs,
      exceeded: window.used > limit,
    };
  }
}
