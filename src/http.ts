import { Agent, type Dispatcher, request as undiciRequest } from 'undici';
import { SentinelError } from './errors.js';
import type { SecretRegistry } from './secrets.js';

/** Default cap on a response body: a bigger health or probe body is a failure, not an OOM. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Redirects followed before we call it a loop. */
export const MAX_REDIRECTS = 5;

/** Why a request produced no usable response. Each kind maps to a plain-language sentence. */
export type HttpErrorKind =
  | 'refused'
  | 'reset'
  | 'dns'
  | 'tls'
  | 'timeout'
  | 'body-too-large'
  | 'redirect-loop'
  | 'redirect-cross-origin'
  | 'redirect-invalid'
  | 'aborted'
  | 'network';

/** A request that produced no usable response. The message is already redacted. */
export class HttpError extends SentinelError {
  constructor(
    readonly kind: HttpErrorKind,
    message: string,
    readonly url: string,
  ) {
    super(message);
  }
}

export interface HttpRequest {
  method?: string;
  url: string | URL;
  headers?: Record<string, string>;
  body?: string;
  /** Whole-request limit (headers and body); defaults to the client's. */
  timeoutMs?: number;
  /** Body cap; defaults to the client's. */
  maxBodyBytes?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** URL that produced this response, after same-origin redirects. */
  url: string;
  /** Wall time from sending the first request to the last body byte. */
  durationMs: number;
  text(): string;
  /** Parses the body as JSON; throws a SyntaxError for invalid JSON. */
  json(): unknown;
}

/** The one HTTP entry point of the action; providers, health and checks all go through it. */
export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

export interface HttpClientOptions {
  dispatcher: Dispatcher;
  secrets: SecretRegistry;
  timeoutMs: number;
  maxBodyBytes?: number;
}

/** Creates the keep-alive Agent the whole run shares; close it when the run ends. */
export function createDispatcher(): Agent {
  // 32 connections per origin: as many as the checks file's highest `concurrency`, so checks never queue
  // behind each other inside the client.
  return new Agent({ keepAliveTimeout: 10_000, connections: 32, connect: { timeout: 10_000 } });
}

/** Builds an HttpClient on an explicit dispatcher so tests can pass a MockAgent or a local Agent. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  return {
    request: (req) => send(options, req),
  };
}

async function send(options: HttpClientOptions, req: HttpRequest): Promise<HttpResponse> {
  const timeoutMs = req.timeoutMs ?? options.timeoutMs;
  const maxBodyBytes = req.maxBodyBytes ?? options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const started = performance.now();
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
  const redact = (text: string): string => options.secrets.redact(text);

  let url = new URL(req.url);
  const origin = url.origin;
  let method = (req.method ?? 'GET').toUpperCase();
  let body = req.body;
  const seen = new Set<string>();
  try {
    for (let redirects = 0; ; redirects++) {
      let response: Dispatcher.ResponseData;
      try {
        response = await undiciRequest(url, {
          dispatcher: options.dispatcher,
          method: method as Dispatcher.HttpMethod,
          headers: req.headers,
          body,
          signal,
        });
      } catch (error) {
        throw classify(error, url, timeout.signal.aborted, timeoutMs, redact);
      }
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && location !== undefined) {
        await response.body.dump();
        let next: URL;
        try {
          next = new URL(String(location), url);
        } catch {
          throw new HttpError(
            'redirect-invalid',
            redact(
              `${url.href} redirected to ${JSON.stringify(withoutQuery(String(location)).slice(0, 200))}, which is not a URL`,
            ),
            url.href,
          );
        }
        if (next.origin !== origin) {
          // Following would send our headers (Authorization among them) to a host nobody configured.
          throw new HttpError(
            'redirect-cross-origin',
            redact(
              `${url.href} redirected to another origin (${withoutQuery(next.href)}); cross-origin redirects are not followed. ` +
                'Point the URL at the final address.',
            ),
            url.href,
          );
        }
        if (redirects >= MAX_REDIRECTS || seen.has(next.href)) {
          throw new HttpError(
            'redirect-loop',
            redact(
              `${req.url.toString()} redirected more than ${MAX_REDIRECTS} times or in a loop (last: ${withoutQuery(next.href)})`,
            ),
            url.href,
          );
        }
        seen.add(url.href);
        if (
          response.statusCode === 303 ||
          ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')
        ) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      const buffer = await readCapped(response, url, maxBodyBytes, timeout.signal, timeoutMs, redact);
      const headers = flattenHeaders(response.headers);
      return {
        status: response.statusCode,
        headers,
        body: buffer,
        url: url.href,
        durationMs: Math.round(performance.now() - started),
        text: () => buffer.toString('utf8'),
        json: () => JSON.parse(buffer.toString('utf8')) as unknown,
      };
    }
  } finally {
    clearTimeout(timer);
  }
}

async function readCapped(
  response: Dispatcher.ResponseData,
  url: URL,
  maxBodyBytes: number,
  timeoutSignal: AbortSignal,
  timeoutMs: number,
  redact: (text: string) => string,
): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  const tooLarge = (): HttpError =>
    new HttpError(
      'body-too-large',
      redact(
        `${url.href} sent a body larger than the ${formatBytes(maxBodyBytes)} cap; the response was discarded`,
      ),
      url.href,
    );
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    response.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      const piece = chunk as Buffer;
      total += piece.length;
      if (total > maxBodyBytes) {
        response.body.destroy();
        throw tooLarge();
      }
      chunks.push(piece);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw classify(error, url, timeoutSignal.aborted, timeoutMs, redact);
  }
  return Buffer.concat(chunks, total);
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

const TLS_CODES = /CERT|SELF_SIGNED|TLS|SSL|UNABLE_TO_VERIFY/;

function classify(
  error: unknown,
  url: URL,
  timedOut: boolean,
  timeoutMs: number,
  redact: (text: string) => string,
): HttpError {
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code ?? '';
  const detail = err.cause?.message ?? err.message ?? String(error);
  const where = url.href;
  const make = (kind: HttpErrorKind, text: string): HttpError => new HttpError(kind, redact(text), where);
  if (timedOut) return make('timeout', `${where} did not answer within ${timeoutMs} ms`);
  if (code === 'ECONNREFUSED')
    return make('refused', `${where}: connection refused (nothing listening at ${url.host})`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return make('dns', `${where}: the host name ${url.hostname} does not resolve (DNS ${code})`);
  if (TLS_CODES.test(code)) return make('tls', `${where}: TLS handshake failed (${code}: ${detail})`);
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE')
    return make('reset', `${where}: connection reset by the server (${code})`);
  if (err instanceof Error && err.name === 'AbortError') return make('aborted', `${where}: request aborted`);
  return make('network', `${where}: ${code ? code + ': ' : ''}${detail}`);
}

/**
 * Header names the HTTP client (undici) refuses from a caller, or sets itself from each request's body: a
 * request carrying one could not be sent as written, so the name is a configuration problem.
 */
const CLIENT_MANAGED_HEADERS: ReadonlyMap<string, string> = new Map([
  ['connection', 'the HTTP client manages connections itself'],
  ['keep-alive', 'the HTTP client manages connections itself'],
  ['transfer-encoding', 'the HTTP client frames request bodies itself'],
  ['content-length', 'the HTTP client computes it from each request body'],
  ['expect', 'the HTTP client does not support Expect (100-continue)'],
  ['upgrade', 'the HTTP client does not switch protocols'],
]);

/** Why the HTTP client cannot send a header of this name, or undefined when it can. */
export function clientManagedHeader(name: string): string | undefined {
  return CLIENT_MANAGED_HEADERS.get(name.toLowerCase());
}

/**
 * The first character of `value` that HTTP header values cannot carry (undici accepts tab, printable
 * ASCII and Latin-1 only), described without quoting the value, which may be a secret; undefined when
 * every character can be sent.
 */
export function unsendableHeaderCharacter(value: string): string | undefined {
  const index = value.search(/[^\t\x20-\x7e\x80-\xff]/);
  if (index === -1) return undefined;
  const code = value.codePointAt(index) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const kind =
    code === 0x0a || code === 0x0d
      ? 'a line break'
      : code < 0x20 || code === 0x7f
        ? 'a control character'
        : code >= 0xd800 && code <= 0xdfff
          ? 'an unpaired surrogate'
          : 'a character outside Latin-1';
  return `${kind} (${hex})`;
}

/** A header name: an HTTP token. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Reads `Retry-After` (delta-seconds or an HTTP date) as milliseconds from `nowMs`.
 * Returns undefined when absent or unparseable.
 */
export function retryAfterMs(headers: Record<string, string>, nowMs: number): number | undefined {
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Formats a byte count for messages ("1 MiB", "512 KiB"). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/**
 * Resolves a probe path against the service's base URL, keeping the base's path prefix
 * (`https://x.dev/app` + `/health` is `https://x.dev/app/health`). Absolute URLs pass through.
 */
export function resolveProbeUrl(base: URL, pathOrUrl: string): URL {
  if (/^https?:\/\//i.test(pathOrUrl)) return new URL(pathOrUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const path = pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`;
  const url = new URL(`${prefix}${path}`, base.origin);
  // "//host/x" is protocol-relative: a path must never move the request to another host.
  if (url.origin !== base.origin)
    throw new TypeError(`the path ${pathOrUrl} points at another origin (${url.origin})`);
  return url;
}

/**
 * A redirect target as a message may quote it: without its query or fragment, where a service puts
 * one-time codes, signed tokens and keys nobody registered as secrets.
 */
function withoutQuery(target: string): string {
  const cut = target.search(/[?#]/);
  return cut === -1 ? target : `${target.slice(0, cut)}?…`;
}
