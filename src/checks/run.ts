import { errorMessage } from '../errors.js';
import type { HttpClient } from '../http.js';
import type { ProbeResult, StepResult } from '../results.js';
import type { SecretRegistry } from '../secrets.js';
import { runCommandCheck } from './command.js';
import { performRequest, requestLabel } from './request.js';
import type {
  CheckContext,
  ChecksFile,
  ChecksSettings,
  CommandRunner,
  RequestCheck,
  StepsCheck,
} from './types.js';

export type { CheckContext, ChecksSettings, CommandRunner } from './types.js';
export { readCanary } from './canary.js';

/** What the checks runner needs, for main, pre and post alike; `remainingMs` bounds it. */
export function checkContext(
  settings: ChecksSettings,
  baseUrl: URL,
  deps: { http: HttpClient; secrets: SecretRegistry; exec: CommandRunner },
  remainingMs: () => number,
): CheckContext {
  return {
    http: deps.http,
    baseUrl,
    headers: settings.headers,
    vars: { env: process.env, run: settings.run },
    secrets: deps.secrets,
    requestTimeoutMs: settings.requestTimeoutMs,
    remainingMs,
    exec: deps.exec,
  };
}

/**
 * Runs every check of the file and returns one row per check, in file order. Up to `file.concurrency`
 * checks run at once; the steps of one check run in order. A check never throws: whatever goes wrong
 * becomes a failed row, so one broken check cannot hide the verdicts of the others.
 */
export async function runChecks(file: ChecksFile, ctx: CheckContext): Promise<ProbeResult[]> {
  return mapConcurrently(file.checks, file.concurrency, async (check) => {
    const started = performance.now();
    try {
      switch (check.kind) {
        case 'request':
          return await runRequestCheck(check, ctx);
        case 'steps':
          return await runStepsCheck(check, ctx);
        case 'command':
          return await runCommandCheck(check, ctx);
      }
    } catch (error) {
      return {
        name: ctx.secrets.redact(check.name),
        kind: check.kind,
        passed: false,
        durationMs: Math.round(performance.now() - started),
        failure: ctx.secrets.redact(`the check stopped on an internal error: ${errorMessage(error)}`),
      };
    }
  });
}

async function runRequestCheck(check: RequestCheck, ctx: CheckContext): Promise<ProbeResult> {
  const outcome = await performRequest(check.request, {}, ctx, true);
  const name = ctx.secrets.redact(check.name);
  if (!outcome.sent) {
    // Parsing proved every variable resolvable; this means the environment changed since.
    return {
      name,
      kind: 'request',
      passed: false,
      durationMs: 0,
      failure: notSent(outcome.label, outcome.missing),
    };
  }
  const { passed, durationMs, failure, inconclusive } = outcome.result;
  return {
    name,
    kind: 'request',
    passed,
    durationMs,
    ...(failure ? { failure } : {}),
    ...(inconclusive ? { inconclusive } : {}),
  };
}

/**
 * Runs the steps in order. After a failed step the remaining steps are skipped, except cleanup steps,
 * which still run so the check does not leave data behind; a failed cleanup fails the check.
 */
async function runStepsCheck(check: StepsCheck, ctx: CheckContext): Promise<ProbeResult> {
  const started = performance.now();
  const redact = (text: string): string => ctx.secrets.redact(text);
  const captured: Record<string, string> = {};
  const steps: StepResult[] = [];
  let stepFailure: string | undefined;
  let stepInconclusive = false;
  let cleanupFailure: string | undefined;
  for (const spec of check.steps) {
    const failedEarlier = stepFailure !== undefined || cleanupFailure !== undefined;
    if (failedEarlier && !spec.cleanup) {
      const scope = { env: ctx.vars.env, run: ctx.vars.run, captured };
      steps.push({ label: requestLabel(spec, scope, redact), passed: false, skipped: true, durationMs: 0 });
      continue;
    }
    const outcome = await performRequest(spec, captured, ctx, !spec.cleanup);
    if (!outcome.sent && failedEarlier) {
      // The value this cleanup needs was never captured, so what it would remove was never created.
      steps.push({
        label: outcome.label,
        passed: false,
        skipped: true,
        cleanup: true,
        durationMs: 0,
        failure: redact(
          `not sent: {{ ${outcome.missing} }} was never captured because an earlier step failed`,
        ),
      });
      continue;
    }
    const result: StepResult = outcome.sent
      ? outcome.result
      : {
          label: outcome.label,
          passed: false,
          ...(spec.cleanup ? { cleanup: true } : {}),
          durationMs: 0,
          failure: notSent(outcome.label, outcome.missing),
        };
    steps.push(result);
    if (outcome.sent) Object.assign(captured, outcome.captured);
    if (!result.passed) {
      if (spec.cleanup) cleanupFailure ??= result.failure;
      else if (stepFailure === undefined) {
        stepFailure = result.failure;
        stepInconclusive = result.inconclusive === true;
      }
    }
  }
  let failure: string | undefined;
  if (stepFailure !== undefined && cleanupFailure !== undefined) {
    failure = `${stepFailure}; cleanup failed too: ${cleanupFailure}`;
  } else if (stepFailure !== undefined) {
    failure = stepFailure;
  } else if (cleanupFailure !== undefined) {
    failure = `cleanup failed: ${cleanupFailure}`;
  }
  return {
    name: redact(check.name),
    kind: 'steps',
    passed: failure === undefined,
    durationMs: Math.round(performance.now() - started),
    // Redacted again: a value captured by a later step may occur in an earlier step's text.
    ...(failure === undefined ? {} : { failure: redact(failure) }),
    ...(stepInconclusive ? { inconclusive: true } : {}),
    steps: steps.map((step) => ({
      ...step,
      label: redact(step.label),
      ...(step.failure === undefined ? {} : { failure: redact(step.failure) }),
    })),
  };
}

function notSent(label: string, missing: string): string {
  return `${label}: not sent, {{ ${missing} }} has no value`;
}

/** Maps `items` through `fn` with at most `limit` calls in flight; results keep the input order. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
