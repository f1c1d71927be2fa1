import type { ProbeResult } from '../results.js';
import { performRequest, type RequestOutcome } from './request.js';
import type { Canary, CheckContext } from './types.js';

/** Probe-table names of the canary's three moments. */
export const CANARY_NAMES = {
  write: 'canary written before the deploy',
  read: 'canary survives the deploy',
  delete: 'canary deleted',
} as const;

/** Statuses that mean the record itself is gone, rather than the service failing to answer. */
const GONE_STATUSES = [404, 410];

/**
 * Pre step: writes the canary to the service that is live before the deploy. Returns the values
 * `write` captured (already registered as secrets) only when the write passed; save them for main and post.
 */
export async function writeCanary(
  canary: Canary,
  ctx: CheckContext,
): Promise<{ probe: ProbeResult; captured?: Record<string, string> }> {
  const outcome = await performRequest(canary.write, {}, ctx, true);
  const probe = toProbe(
    CANARY_NAMES.write,
    outcome,
    ctx,
    (failure) => `could not write the canary: ${failure}`,
  );
  return outcome.sent && probe.passed ? { probe, captured: outcome.captured } : { probe };
}

/**
 * Main step: reads the canary back after the deploy. Any failure means the data written before the
 * deploy is gone or unreadable (field failure F2), and the message says so in those words.
 */
export async function readCanary(
  canary: Canary,
  captured: Record<string, string>,
  ctx: CheckContext,
): Promise<ProbeResult> {
  // Captured in another process (pre); this process's registry has not seen them yet.
  for (const value of Object.values(captured)) ctx.secrets.add(value);
  const outcome = await performRequest(canary.read, captured, ctx, true);
  const gone = outcome.sent && GONE_STATUSES.includes(outcome.result.status ?? 0);
  return toProbe(CANARY_NAMES.read, outcome, ctx, (failure) =>
    gone
      ? `the canary written before the deploy is gone: ${failure}. Data written before the deploy did not ` +
        'survive it (ephemeral storage, or a database reset on deploy?)'
      : `the canary written before the deploy could not be read back: ${failure}`,
  );
}

/**
 * Post step: deletes the canary. Returns undefined when there is nothing to do (`keep: true` or no
 * `delete` request).
 */
export async function deleteCanary(
  canary: Canary,
  captured: Record<string, string>,
  ctx: CheckContext,
): Promise<ProbeResult | undefined> {
  if (canary.keep || !canary.delete) return undefined;
  for (const value of Object.values(captured)) ctx.secrets.add(value);
  // Cleanup: sent even when the overall budget is spent, so the canary does not pile up.
  const outcome = await performRequest(canary.delete, captured, ctx, false);
  return toProbe(CANARY_NAMES.delete, outcome, ctx, (failure) => `could not delete the canary: ${failure}`);
}

function toProbe(
  name: string,
  outcome: RequestOutcome,
  ctx: CheckContext,
  explain: (failure: string) => string,
): ProbeResult {
  if (!outcome.sent) {
    const failure = `${outcome.label}: not sent, {{ ${outcome.missing} }} has no value`;
    return {
      name,
      kind: 'canary',
      passed: false,
      durationMs: 0,
      failure: ctx.secrets.redact(explain(failure)),
    };
  }
  const { passed, durationMs, failure, inconclusive } = outcome.result;
  if (passed) return { name, kind: 'canary', passed, durationMs };
  return {
    name,
    kind: 'canary',
    passed,
    durationMs,
    failure: ctx.secrets.redact(explain(failure ?? 'failed')),
    ...(inconclusive ? { inconclusive } : {}),
  };
}
