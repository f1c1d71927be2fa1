import { HttpError, resolveProbeUrl, unsendableHeaderCharacter, type HttpResponse } from '../http.js';
import type { StepResult } from '../results.js';
import { assessResponse, renderExpectation, type ConcreteExpectation } from './expect.js';
import { renderJsonTemplate, UnboundVariableError, type TemplateScope } from './template.js';
import type { CheckContext, RequestSpec } from './types.js';
import { errorMessage } from '../errors.js';

/**
 * What became of one request: it was sent (and passed or failed), or it could not be built because a
 * variable had no value, which only happens to a cleanup step whose capturing step never succeeded or to
 * a canary whose write did not save the value. The caller decides what an unsent request means.
 */
export type RequestOutcome =
  | { sent: true; result: StepResult; captured: Record<string, string> }
  | { sent: false; label: string; missing: string };

/** How long cleanup requests may run on after the overall timeout, all together. */
export const CLEANUP_GRACE_MS = 10_000;

/**
 * Sends one request of a check and checks its response. Every captured value is registered as a secret
 * before this returns, and every text in the result is redacted. Network errors become failures naming
 * the URL and the error; nothing is thrown.
 *
 * @param captured values captured earlier in the same check (or by the canary write)
 * @param bounded whether the overall budget limits this request; cleanup requests run on within CLEANUP_GRACE_MS
 */
export async function performRequest(
  spec: RequestSpec,
  captured: Record<string, string>,
  ctx: CheckContext,
  bounded: boolean,
): Promise<RequestOutcome> {
  const redact = (text: string): string => ctx.secrets.redact(text);
  const scope: TemplateScope = { env: ctx.vars.env, run: ctx.vars.run, captured };
  let target: string;
  let headers: Record<string, string>;
  let body: string | undefined;
  let expect: ConcreteExpectation;
  try {
    // A URL shows up in labels and failures: env values in it are treated as secrets.
    for (const ref of spec.target.references())
      if (ref.scope === 'env' && Object.hasOwn(ctx.vars.env, ref.name))
        ctx.secrets.add(ctx.vars.env[ref.name]);
    target = spec.target.render(scope, encodeCapturedSegment);
    headers = mergeHeaders(ctx.headers, spec, scope);
    body = renderBody(spec, scope);
    expect = renderExpectation(spec.expect, scope);
  } catch (error) {
    if (error instanceof UnsafeCaptureError) {
      const shown = redact(`${spec.method} ${spec.target.source}`);
      return {
        sent: true,
        result: {
          label: shown,
          passed: false,
          ...(spec.cleanup ? { cleanup: true } : {}),
          durationMs: 0,
          failure: redact(`${shown}: not sent, ${error.message}`),
        },
        captured: {},
      };
    }
    if (!(error instanceof UnboundVariableError)) throw error;
    return { sent: false, label: requestLabel(spec, scope, redact), missing: error.expression };
  }
  const label = redact(`${spec.method} ${target}`);
  const fail = (failure: string, durationMs = 0, status?: number, inconclusive = false): RequestOutcome => ({
    sent: true,
    result: {
      label,
      passed: false,
      ...(spec.cleanup ? { cleanup: true } : {}),
      ...(status === undefined ? {} : { status }),
      durationMs,
      failure: redact(failure),
      ...(inconclusive ? { inconclusive } : {}),
    },
    captured: {},
  });

  // Cleanup requests may run past the overall timeout, but only within one shared grace period, so
  // several hanging cleanups cannot stretch the run far beyond `timeout`.
  const budget = ctx.remainingMs() + (bounded ? 0 : CLEANUP_GRACE_MS);
  if (budget <= 0) {
    return bounded
      ? fail(`${label}: not sent, the overall timeout ran out before this request`, 0, undefined, true)
      : fail(
          `${label}: not sent, the ${CLEANUP_GRACE_MS / 1000}s cleanup grace after the timeout ran out; remove the data by hand`,
        );
  }
  const timeoutMs = Math.min(ctx.requestTimeoutMs, budget);
  // A path that does not start with / would be silently glued to the base URL; say so instead.
  if (!/^(\/|https?:\/\/)/i.test(target)) {
    return fail(
      `${label}: the target ${JSON.stringify(target)} is neither a path starting with / nor an http(s) URL`,
    );
  }
  let url: URL;
  try {
    url = resolveProbeUrl(ctx.baseUrl, target);
  } catch {
    return fail(`${label}: ${JSON.stringify(target)} is not a valid URL`);
  }

  // The `headers` input is for the service under test; an absolute URL elsewhere gets only its own headers.
  if (url.origin !== ctx.baseUrl.origin) headers = mergeHeaders({}, spec, scope);

  const started = performance.now();
  let response: HttpResponse;
  try {
    response = await ctx.http.request({ method: spec.method, url, headers, body, timeoutMs });
  } catch (error) {
    const durationMs = Math.round(performance.now() - started);
    // HttpError messages start with the full URL, which is what a reader needs to spot a dead backend.
    if (error instanceof HttpError) return fail(`${spec.method} ${error.message}`, durationMs);
    return fail(`${label}: the request failed: ${errorMessage(error)}`, durationMs);
  }

  const assessment = assessResponse(expect, spec.capture, response, redact, (value) =>
    ctx.secrets.add(value),
  );
  if ('failure' in assessment)
    return fail(`${label}: ${assessment.failure}`, response.durationMs, response.status);
  for (const value of Object.values(assessment.captured)) ctx.secrets.add(value);
  return {
    sent: true,
    result: {
      label,
      passed: true,
      ...(spec.cleanup ? { cleanup: true } : {}),
      status: response.status,
      durationMs: response.durationMs,
    },
    captured: assessment.captured,
  };
}

/**
 * A rendered request that must not be sent: a captured value that would change the path it is inserted
 * into, or a header value the HTTP client cannot send. The step fails with this message; it is not a
 * network error.
 */
class UnsafeCaptureError extends Error {}

/**
 * Percent-encodes a service-supplied value for a URL, so a captured `//other.host/x` cannot change the
 * origin. `.` and `..` stay dot segments even when encoded (URL parsers decode %2E), so they are refused;
 * so is a value with an unpaired UTF-16 surrogate, which has no URL encoding.
 */
function encodeCapturedSegment(value: string): string {
  if (value === '.' || value === '..') {
    throw new UnsafeCaptureError(
      `a captured value is ${JSON.stringify(value)}, which would change the request path`,
    );
  }
  try {
    return encodeURIComponent(value);
  } catch {
    throw new UnsafeCaptureError(
      'a captured value is not well-formed Unicode (it holds an unpaired surrogate), so it cannot be put in a URL',
    );
  }
}

/** `METHOD target` with what can be rendered; a placeholder without a value stays as written. */
export function requestLabel(
  spec: RequestSpec,
  scope: TemplateScope,
  redact: (text: string) => string,
): string {
  let target: string;
  try {
    target = spec.target.render(scope, encodeCapturedSegment);
  } catch (error) {
    if (!(error instanceof UnboundVariableError) && !(error instanceof UnsafeCaptureError)) throw error;
    target = spec.target.source;
  }
  return redact(`${spec.method} ${target}`);
}

/** The action's `headers` input, overridden (case-insensitively) by the request's own headers. */
function mergeHeaders(
  base: Record<string, string>,
  spec: RequestSpec,
  scope: TemplateScope,
): Record<string, string> {
  const headers: Record<string, string> = { ...base };
  const replace = (name: string, value: string): void => {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    // An own property even for a header named "__proto__", which assignment would drop.
    Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
  };
  for (const [name, template] of Object.entries(spec.headers)) {
    const value = template.render(scope);
    // The checks file's literal text and env values were checked when it was parsed: what is left is a
    // captured value. Sending it would fail in the HTTP client, which reads like a network error.
    const bad = unsendableHeaderCharacter(value);
    if (bad) {
      const from = template
        .references()
        .map((ref) => `{{ ${ref.expression} }}`)
        .join(', ');
      throw new UnsafeCaptureError(
        `header ${name} would contain ${bad}, which HTTP headers cannot carry${from ? ` (its value comes from ${from})` : ''}`,
      );
    }
    replace(name, value);
  }
  const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (spec.body?.kind === 'json' && !hasContentType) headers['content-type'] = 'application/json';
  return headers;
}

function renderBody(spec: RequestSpec, scope: TemplateScope): string | undefined {
  if (!spec.body) return undefined;
  return spec.body.kind === 'json'
    ? JSON.stringify(renderJsonTemplate(spec.body.value, scope))
    : spec.body.value.render(scope);
}
