/**
 * The one shape every provider contract of the test kit has, whatever the provider's document is: Render's
 * OpenAPI document (openapi.ts), GitHub's OpenAPI description as cut into a fixture (github-contract.ts),
 * Railway's introspected GraphQL schema (railway-contract.ts) and Google's protos (google-contract.ts).
 *
 * A contract is loaded by a `loadXContract()` function, once per module instance (jest: once per test
 * file), and answers three questions an emulator asks of every request:
 *
 * 1. `route(method, path)`: which operation is this? A hit names the operation (its `found` is the
 *    contract's own word: `operation`, or `rpc` for Google); a miss says whether the path exists with other
 *    methods (`path`) or not at all (`nothing`). Paths are as received (percent-encoded).
 * 2. `validateRequest(hit, request)`: is the request what the operation takes? Every problem is a string
 *    that starts with where it is (`query ...`, `body ...`); `unparseable` says the body was not even JSON.
 *    The result also carries what the request means (coerced parameters, the parsed body, the message).
 * 3. `validateResponse(operation, status, body)`: is this what the operation answers? Problems start with
 *    `response <status>`.
 *
 * The emulator decides what a violation costs (a 400, a 422, or only the entry in `violations`); the
 * contract never answers a request itself.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Where a contract comes from, for messages and for a test that wants to know. */
export interface ContractSource {
  /** In words, e.g. `Render's OpenAPI document`. */
  name: string;
  /** The files (or package paths) it was read from. */
  files: string[];
  /** The document's or package's version, when it states one. */
  version?: string;
}

/** A request that matched no operation. */
export type RouteMiss =
  /** The path is an operation's, but not with this method; `methods` in upper case. */
  { found: 'path'; templates: string[]; methods: string[] } | { found: 'nothing' };

/** What of a request a contract reads: the parts the base emulator parsed (see http-emulator.ts). */
export interface RequestParts {
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text; empty when there was none. */
  rawBody: string;
}

/** The common part of every contract's request check. */
export interface CheckedRequest {
  /** Every way the request breaks the contract, each starting with where; empty when it is valid. */
  violations: string[];
  /** A body was sent but is not JSON. */
  unparseable: boolean;
}

/**
 * The shape of a contract. `Hit` is the contract's route hit (a `found` of its own besides the misses),
 * `Operation` what a response is checked for, `Checked` its request check.
 */
export interface ApiContract<
  Hit extends { found: string },
  Operation,
  Checked extends CheckedRequest,
  ResponseOptions = never,
> {
  readonly source: ContractSource;
  route(method: string, path: string): Hit | RouteMiss;
  validateRequest(hit: Hit, request: RequestParts): Checked;
  validateResponse(operation: Operation, status: number, body: unknown, options?: ResponseOptions): string[];
}

/** Whether a route result is a hit (anything but a miss). */
export function isHit<Hit extends { found: string }>(match: Hit | RouteMiss): match is Hit {
  return match.found !== 'path' && match.found !== 'nothing';
}

/** The contract's load, once per module instance; the convention behind every `loadXContract()`. */
export function loadOnce<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}

/** The Content-Type of a request, or `''`. */
export function contentTypeOf(headers: IncomingHttpHeaders): string {
  return String(headers['content-type'] ?? '');
}

/** Whether a Content-Type is JSON (`application/json`, with or without parameters). */
export function isJsonContentType(contentType: string): boolean {
  return /^application\/json\b/i.test(contentType);
}
