import type { FailureReason } from './results.js';
import {
  HttpError,
  resolveProbeUrl,
  retryAfterMs,
  type HttpClient,
  type HttpErrorKind,
  type HttpResponse,
} from './http.js';
import { resolvePointer } from './json-pointer.js';
import { describeSchemaErrors, type ValidateFunction } from './json-schema.js';
import { formatDuration } from './duration.js';
import { Backoff, Deadline, ProgressReporter, type Clock, type Sleep } from './poll.js';
import type { SecretRegistry } from './secrets.js';
import { errorMessage } from './errors.js';

/** Where the service reports its version: a JSON Pointer into the health body, or a response header. */
export type VersionSource =
  | { kind: 'pointer'; pointer: string }
  | { kind: 'header'; name: string }
  /** `version-from: none`: the service reports no version, so none is read or required. */
  | { kind: 'none' };

/** A version source as the `version-from` input writes it. */
export function describeVersionSource(source: VersionSource): string {
  return source.kind === 'header'
    ? `header:${source.name}`
    : source.kind === 'pointer'
      ? source.pointer
      : 'none';
}

/** The health check the inputs define, for any base URL. */
export interface HealthSettings {
  /** The `health-path` input. */
  path: string;
  /** The `headers` input. */
  headers: Record<string, string>;
  versionFrom: VersionSource;
  /** The compiled `health-schema`, when there is one. */
  validate?: ValidateFunction;
  requestTimeoutMs: number;
}

/** How waiting for health paces itself and decides. */
export interface HealthPolling {
  intervalMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/**
 * The health check of `settings` against `base`. `expectVersion` is what must be reported; `schema: false`
 * leaves the schema out (only the version is wanted).
 */
export function healthTarget(
  settings: HealthSettings,
  base: URL,
  secrets: SecretRegistry,
  options: { expectVersion?: string; schema?: boolean; requestTimeoutMs?: number } = {},
): HealthTarget {
  return {
    url: resolveProbeUrl(base, settings.path),
    headers: settings.headers,
    expectVersion: options.expectVersion,
    versionFrom: settings.versionFrom,
    validate: options.schema === false ? undefined : settings.validate,
    requestTimeoutMs: options.requestTimeoutMs ?? settings.requestTimeoutMs,
    redact: (text) => secrets.redact(text),
  };
}

/** What one health check needs to know. */
export interface HealthTarget {
  url: URL;
  headers: Record<string, string>;
  expectVersion?: string;
  versionFrom: VersionSource;
  validate?: ValidateFunction;
  requestTimeoutMs: number;
  /** Scrubs secrets from quoted values before they are cut (a captured token in a health body). */
  redact?: (text: string) => string;
}

/** One health check's outcome. `waitable` failures are expected while a deploy warms up. */
export type HealthOutcome =
  | { ok: true; status: number; version?: string; durationMs: number }
  | {
      ok: false;
      reason: FailureReason;
      waitable: boolean;
      message: string;
      status?: number;
      version?: string;
      durationMs?: number;
      retryAfterMs?: number;
      /** The input that is likely wrong, and how to tell: added to the run's final message. */
      hint?: string;
    };

const WARMUP_ERRORS = new Set<HttpErrorKind>(['refused', 'reset', 'timeout']);
const BODY_ERRORS = new Set<HttpErrorKind>([
  'body-too-large',
  'redirect-loop',
  'redirect-cross-origin',
  'redirect-invalid',
]);

/** Statuses a platform's proxy returns while the new instance boots: wait them out. */
const WARMUP_STATUSES = new Set([502, 503, 504]);

/**
 * Whether `reported` satisfies `expected`. Equal strings match; otherwise, when both look like hex SHAs
 * and the shorter has 7+ characters, a prefix match in either direction counts (services often report a
 * short SHA while `github.sha` is the full one).
 */
export function versionMatches(expected: string, reported: string): boolean {
  const a = expected.trim();
  const b = reported.trim();
  if (a === b) return true;
  const hex = /^[0-9a-f]+$/i;
  if (!hex.test(a) || !hex.test(b) || Math.min(a.length, b.length) < 7) return false;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return long.toLowerCase().startsWith(short.toLowerCase());
}

/** Sends one health request and judges it: reachability, status, body, version, schema. */
export async function probeHealth(
  http: HttpClient,
  target: HealthTarget,
  nowMs: number,
): Promise<HealthOutcome> {
  let response;
  try {
    response = await http.request({
      url: target.url,
      headers: target.headers,
      timeoutMs: target.requestTimeoutMs,
    });
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    // Only what a booting instance does (refuse, reset, stall) is waited out; a bad name, certificate,
    // body or redirect does not fix itself, so it counts towards failure-threshold at once.
    const waitable = WARMUP_ERRORS.has(error.kind);
    const reason = BODY_ERRORS.has(error.kind) ? 'health-body' : 'unreachable';
    return { ok: false, reason, waitable, message: error.message };
  }
  const where = `GET ${target.url.pathname}`;
  try {
    return judgeResponse(response, target, where, nowMs);
  } catch (error) {
    // Whatever the body does to the parser or the validator, it is a failed check, not a crashed run.
    return {
      ok: false,
      reason: 'health-body',
      waitable: false,
      status: response.status,
      durationMs: response.durationMs,
      message: `${where}: the response could not be judged (${errorMessage(error)})`,
    };
  }
}

function judgeResponse(
  response: HttpResponse,
  target: HealthTarget,
  where: string,
  nowMs: number,
): HealthOutcome {
  const base = { status: response.status, durationMs: response.durationMs };
  if (WARMUP_STATUSES.has(response.status)) {
    return {
      ...base,
      ok: false,
      reason: 'not-ready',
      waitable: true,
      message: `${where} answered ${response.status} (not ready yet)`,
      retryAfterMs: retryAfterMs(response.headers, nowMs),
    };
  }
  if (response.status < 200 || response.status > 299) {
    const notFound = response.status === 404 || response.status === 405 || response.status === 410;
    return {
      ...base,
      ok: false,
      reason: 'health-status',
      waitable: false,
      message: `${where} answered ${response.status}`,
      ...(notFound
        ? {
            hint: `the service has no such endpoint: check \`health-path\` (${target.url.pathname}), and that \`url\` is the service's base URL`,
          }
        : {}),
    };
  }

  const needsJson =
    target.validate !== undefined ||
    (target.expectVersion !== undefined && target.versionFrom.kind === 'pointer');
  let body: unknown;
  if (needsJson) {
    const type = response.headers['content-type'] ?? '(none)';
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
      return {
        ...base,
        ok: false,
        reason: 'health-body',
        waitable: false,
        message: `${where} returned content-type ${type}, expected JSON`,
        ...(/html/i.test(type)
          ? {
              hint: `\`health-path\` (${target.url.pathname}) seems to point at a web page, not the health endpoint`,
            }
          : {}),
      };
    }
    try {
      body = response.json();
    } catch (error) {
      return {
        ...base,
        ok: false,
        reason: 'health-body',
        waitable: false,
        // V8's message quotes a piece of the body, which may hold a secret cut too short to be redacted.
        message: `${where} returned invalid JSON${jsonErrorPosition(error)}`,
      };
    }
  }

  // The version is read whenever it can be, so a report can say what serves even with nothing expected.
  const source = target.versionFrom;
  let version: string | undefined;
  if (source.kind === 'header') {
    version = response.headers[source.name];
  } else if (source.kind === 'pointer') {
    const parsed = needsJson ? body : tryJson(response);
    const found = resolvePointer(parsed, source.pointer);
    version =
      found.found && (typeof found.value === 'string' || typeof found.value === 'number')
        ? String(found.value)
        : undefined;
  }
  if (target.expectVersion !== undefined) {
    const from =
      source.kind === 'header'
        ? `header ${source.name}`
        : source.kind === 'pointer'
          ? `health body at ${source.pointer}`
          : 'none';
    if (version === undefined) {
      const fields = source.kind === 'pointer' ? bodyFields(needsJson ? body : tryJson(response)) : '';
      return {
        ...base,
        ok: false,
        reason: 'version-mismatch',
        waitable: true,
        message: `${where} reports no version (${from} is missing)`,
        hint: `check \`version-from\`${fields}`,
      };
    }
    const matches = versionMatches(target.expectVersion, version);
    const related = matches ? undefined : relatedVersion(target.expectVersion, version);
    if (related) {
      // Not a deploy to wait for: the service reports the expected version written another way.
      return {
        ...base,
        ok: false,
        reason: 'config-error',
        waitable: false,
        version,
        message:
          `${where} reports version ${JSON.stringify(version)} (${from}) and \`expect-version\` is ${JSON.stringify(target.expectVersion)}: ` +
          `${related}. Fix \`expect-version\` (or what the service reports) so the two are written alike`,
      };
    }
    if (!matches) {
      return {
        ...base,
        ok: false,
        reason: 'version-mismatch',
        waitable: true,
        version,
        message: `${where} reports version ${JSON.stringify(version)} (${from}), expected ${JSON.stringify(target.expectVersion)}`,
      };
    }
  }

  if (target.validate && !target.validate(body)) {
    const errors = describeSchemaErrors(target.validate.errors, body, target.redact);
    return {
      ...base,
      ok: false,
      reason: 'health-schema',
      waitable: false,
      version,
      message: `health JSON fails the schema: ${errors.join('; ')}`,
    };
  }
  return { ok: true, status: response.status, version, durationMs: response.durationMs };
}

export interface WaitOptions extends HealthPolling {
  deadline: Deadline;
  clock: Clock;
  sleep: Sleep;
  log: (line: string) => void;
  random?: () => number;
}

/** How waiting ended. `attempts` counts every health request sent. */
export type WaitResult =
  | { healthy: true; version?: string; attempts: number; last: HealthOutcome & { ok: true } }
  | {
      healthy: false;
      reason: FailureReason;
      message: string;
      attempts: number;
      everHealthy: boolean;
      /** Version the last answering check reported, if any: evidence of what is serving. */
      version?: string;
      /** Latency of the last check that got a response. */
      durationMs?: number;
      /** The input the last failure points at as likely wrong (`health-path`, `version-from`). */
      hint?: string;
    };

/**
 * The pause before a confirming check (after a pass, while `success-threshold` is not yet reached; capped at
 * `interval`). It was 500 ms, when the confirming checks were the only defence against a service that
 * answers once and dies. The soak (`soak`, soak.ts) now carries that defence: it keeps checking at
 * `interval` for its whole window, and `failure-threshold` failures in it fail the run. What is left for the
 * confirming check is to see that a pass was not a single stray answer, and a second look 50 ms later does
 * that without putting most of half a second between healthy and the verdict (bench/RESULTS.md, "the
 * trade").
 */
export const CONFIRM_SPACING_MS = 50;

/**
 * Polls the health endpoint until the deploy is live, on the expected version and healthy on
 * `successThreshold` consecutive checks.
 *
 * - Before the first pass, warm-up signs (refused connections, 502/503/504, a wrong version) are waited
 *   out until the deadline; other failures (a schema failure on a 200, a 500, a bad body) count towards
 *   `failureThreshold`, so a settled bad deploy fails fast instead of burning the whole timeout.
 * - After the first pass every failure counts, and a pass needs `successThreshold` passes in a row:
 *   one lucky response cannot pass a flapping service, and one blip cannot fail a healthy one.
 * - Confirming checks follow quickly ({@link CONFIRM_SPACING_MS}), so a verdict is not an interval late.
 */
export async function waitUntilHealthy(
  http: HttpClient,
  target: HealthTarget,
  options: WaitOptions,
): Promise<WaitResult> {
  const { deadline, clock, sleep, successThreshold, failureThreshold } = options;
  const backoff = new Backoff({
    initialMs: Math.min(1000, options.intervalMs),
    maxMs: options.intervalMs,
    random: options.random,
  });
  const confirmDelayMs = Math.min(CONFIRM_SPACING_MS, options.intervalMs);
  const progress = new ProgressReporter(clock, deadline, options.log);
  let passes = 0;
  let failures = 0;
  let attempts = 0;
  let everHealthy = false;
  let lastFailure: Extract<HealthOutcome, { ok: false }> | undefined;

  while (!deadline.expired()) {
    attempts++;
    // A request never outlives the run's budget: the verdict must come within `timeout`.
    const requestTimeoutMs = Math.max(1, Math.min(target.requestTimeoutMs, deadline.remainingMs()));
    const outcome = await probeHealth(http, { ...target, requestTimeoutMs }, clock.now());
    let delay: number;
    if (outcome.ok) {
      everHealthy = true;
      passes++;
      failures = 0;
      if (passes >= successThreshold) {
        progress.update('healthy', `${passes}/${successThreshold} consecutive checks passed`);
        return { healthy: true, version: outcome.version, attempts, last: outcome };
      }
      progress.update('confirming', `${passes}/${successThreshold} consecutive checks passed`);
      delay = confirmDelayMs;
    } else {
      // A request the deadline cut short says nothing about the service; keep the earlier evidence.
      const cutByDeadline = requestTimeoutMs < target.requestTimeoutMs && deadline.expired();
      if (!cutByDeadline || !lastFailure) lastFailure = outcome;
      passes = 0;
      const counts = everHealthy || !outcome.waitable;
      // Before the first pass only consecutive non-warm-up failures count; a warm-up sign breaks the run.
      failures = counts ? failures + 1 : 0;
      if (failures >= failureThreshold) {
        const message =
          (failureThreshold > 1
            ? `${outcome.message} (${failures} consecutive failed checks${everHealthy ? ' after the service had passed' : ''})`
            : outcome.message) + withHint(outcome.hint);
        const reason = everHealthy && outcome.waitable ? 'unstable' : outcome.reason;
        return {
          healthy: false,
          reason,
          message,
          attempts,
          everHealthy,
          version: outcome.version,
          durationMs: outcome.durationMs,
          hint: outcome.hint,
        };
      }
      const phase = everHealthy ? 'unstable' : outcome.waitable ? phaseOf(outcome.reason) : 'failing';
      progress.update(phase, outcome.message);
      // Honour the service's own Retry-After, but never sleep past the deadline (Deadline.sleep caps it).
      delay = Math.max(backoff.next(), outcome.retryAfterMs ?? 0);
      if (counts) delay = Math.min(delay, options.intervalMs);
    }
    if (!(await deadline.sleep(sleep, delay))) break;
  }
  const budget = formatDuration(deadline.budgetMs);
  return {
    healthy: false,
    // A service that passed but never `successThreshold` times in a row is flapping, whatever its last error.
    reason: everHealthy ? 'unstable' : (lastFailure?.reason ?? 'not-ready'),
    message:
      (everHealthy
        ? `passed some checks but never ${successThreshold} in a row within ${budget} (timeout); `
        : `not live and healthy within ${budget} (timeout); `) +
      `last failed check: ${lastFailure?.message ?? 'no check completed'}${withHint(lastFailure?.hint)}`,
    attempts,
    everHealthy,
    version: lastFailure?.version,
    durationMs: lastFailure?.durationMs,
    hint: lastFailure?.hint,
  };
}

/** A failure's hint as the end of a sentence: the input that is likely wrong. */
function withHint(hint: string | undefined): string {
  return hint ? `; ${hint}` : '';
}

function phaseOf(reason: FailureReason): string {
  if (reason === 'unreachable') return 'waiting for the service to accept connections';
  if (reason === 'version-mismatch') return 'waiting for the new version';
  return 'waiting for the service to become ready';
}

/**
 * How a reported version that does not match still plainly relates to the expected one (the same version
 * written another way), or undefined when they are simply different versions.
 */
export function relatedVersion(expected: string, reported: string): string | undefined {
  const a = expected.trim();
  const b = reported.trim();
  const hex = /^[0-9a-f]+$/i;
  if (a.toLowerCase() === b.toLowerCase()) return 'they differ only in case';
  if (a.replace(/^v/i, '') === b.replace(/^v/i, '')) return 'they differ only by a `v` prefix';
  if (hex.test(a) && hex.test(b) && Math.min(a.length, b.length) < 7) {
    const [short, long] = a.length <= b.length ? [a, b] : [b, a];
    if (long.toLowerCase().startsWith(short.toLowerCase())) {
      return `one is a commit prefix of only ${short.length} characters, and a prefix must have at least 7 to match`;
    }
  }
  const fullSha = /^[0-9a-f]{40}$/i;
  if (fullSha.test(a) !== fullSha.test(b) && (!hex.test(a) || !hex.test(b))) {
    return 'one is a full commit SHA and the other a name such as a tag: the service and the input name the release differently';
  }
  return undefined;
}

/** The top-level fields of a JSON object, for a message about a version that is not where it was sought. */
function bodyFields(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return '';
  const keys = Object.keys(body).slice(0, 12);
  return keys.length > 0 ? ` (the body has: ${keys.join(', ')})` : '';
}

/** The body as JSON when it is JSON, else undefined: for reading a version nobody required. */
function tryJson(response: HttpResponse): unknown {
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(response.headers['content-type'] ?? '')) return undefined;
  try {
    return response.json();
  } catch {
    return undefined;
  }
}

/** Where JSON.parse gave up, without the piece of the body V8 quotes. */
function jsonErrorPosition(error: unknown): string {
  const position = /position (\d+)/.exec(errorMessage(error));
  return position ? ` (at character ${position[1]})` : '';
}
