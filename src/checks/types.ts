import type { HttpClient } from '../http.js';
import type { ValidateFunction } from '../json-schema.js';
import type { SecretRegistry } from '../secrets.js';
import type { JsonTemplate, RunValues, Template } from './template.js';

/** A parsed, validated checks file. Every template in it is known to resolve. */
export interface ChecksFile {
  /** How many checks may run at once (1..32). */
  concurrency: number;
  checks: Check[];
  canary?: Canary;
}

/** One entry of `checks`: exactly one of a single request, a list of steps, or a command. */
export type Check = RequestCheck | StepsCheck | CommandCheck;

/** `request: ...` at the check level. */
export interface RequestCheck {
  kind: 'request';
  name: string;
  request: RequestSpec;
}

/** `steps: [...]`: requests run in order, sharing captured variables. */
export interface StepsCheck {
  kind: 'steps';
  name: string;
  steps: RequestSpec[];
}

/** `run: ...`: a shell command whose exit code is the verdict. */
export interface CommandCheck {
  kind: 'command';
  name: string;
  command: string;
  /** The check's own `timeout`; the overall budget bounds it in any case. */
  timeoutMs?: number;
}

/** One HTTP request with its assertions and captures. */
export interface RequestSpec {
  /** Upper-case HTTP method. */
  method: string;
  /** A path (resolved against the base URL, keeping its path prefix) or an absolute http(s) URL. */
  target: Template;
  headers: Record<string, Template>;
  body?: { kind: 'json'; value: JsonTemplate } | { kind: 'text'; value: Template };
  expect: Expectation;
  /** Variable name -> JSON Pointer into the response body. */
  capture: Record<string, string>;
  /** Runs even after an earlier step of its check failed. */
  cleanup: boolean;
}

/** An `expect.headers` entry: an exact value, or a regular expression written as `/.../`. */
export type HeaderExpectation =
  { name: string; kind: 'exact'; value: string } | { name: string; kind: 'pattern'; pattern: RegExp };

/** What a response must satisfy; every field is optional, and no status means any 2xx. */
export interface Expectation {
  status?: number[];
  headers: HeaderExpectation[];
  bodyContains?: Template;
  bodyMatches?: RegExp;
  /** JSON Pointer -> expected value, compared by deep equality. */
  json: { pointer: string; value: JsonTemplate }[];
  /** The inline `expect.schema`, compiled when the file was parsed. */
  schema?: ValidateFunction;
  maxMs?: number;
}

/** A record written before the deploy and read back after it (field failure F2: data wiped by a deploy). */
export interface Canary {
  write: RequestSpec;
  read: RequestSpec;
  delete?: RequestSpec;
  /** Keep a standing canary: the delete request is never sent. */
  keep: boolean;
}

/**
 * Runs one shell command with the given environment. Resolves with the exit code and the combined
 * output (possibly cut at the front); `timedOut` says the command was killed for running past
 * `timeoutMs`. Rejects only when the command could not be started.
 */
export type CommandRunner = (
  command: string,
  env: Record<string, string>,
  timeoutMs: number,
) => Promise<{ exitCode: number; output: string; timedOut: boolean }>;

/** What the checks need from the inputs: the file, the `headers` input, the run's variables. */
export interface ChecksSettings {
  /** The parsed checks file; absent when the `checks` input is empty. */
  file?: ChecksFile;
  headers: Record<string, string>;
  run: RunValues;
  requestTimeoutMs: number;
}

/** Everything a check needs from the run; injected so tests need no module mocks. */
export interface CheckContext {
  http: HttpClient;
  /** Relative request paths resolve against it, keeping its path prefix (https://x/app + /api -> https://x/app/api). */
  baseUrl: URL;
  /** Extra headers from the `headers` input, sent on every probe request; a request's own headers override them. */
  headers: Record<string, string>;
  vars: { env: Record<string, string | undefined>; run: RunValues };
  secrets: SecretRegistry;
  requestTimeoutMs: number;
  /** Milliseconds left in the overall budget; command checks and the run as a whole are bounded by it. */
  remainingMs: () => number;
  exec: CommandRunner;
}
