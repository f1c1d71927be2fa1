import { describeVersionSource, type HealthOutcome, type VersionSource } from '../health.js';
import type { Deploy } from '../providers/types.js';
import type { FailureReason } from '../results.js';
import type { Verification } from '../verify.js';

/** What the run found about a deploy that went live, as facts. */
export interface JudgeFacts {
  /** The health check, the checks and the canary against the deploy. */
  verification: Verification;
  /** Provider mode: the deploy as the provider reported it once more, after the checks passed. */
  afterChecks?: Deploy;
  /** Provider mode: one health check of what served before ours went live (undefined if it was live already). */
  baseline?: HealthOutcome;
  providerLabel?: string;
  expectVersion?: string;
  versionFrom: VersionSource;
}

/** The verdict on a deploy that went live (`superseded` only when a newer deploy took over during the soak). */
export type Verdict =
  | { kind: 'passed'; version?: string }
  | { kind: 'superseded'; message: string }
  | {
      kind: 'failed';
      reason: FailureReason;
      message: string;
      version?: string;
      /**
       * Why the failure does not show the deploy is broken (the check could not run, or the deploy before
       * it failed it the same way): the run fails, and nothing is rolled back on it. Absent when the
       * failure is the deploy's own, which a provider rolls back.
       */
      inconclusive?: string;
    };

/**
 * Decides passed or failed, and whether a failure is the deploy's own, from structured facts only: the
 * verification's reasons and flags, the provider's status, the baseline's outcome. No message text is
 * read, so rewording a message cannot change a verdict.
 */
export function judge(facts: JudgeFacts): Verdict {
  const { verification } = facts;
  if (verification.failure) {
    const { reason, message } = verification.failure;
    return {
      kind: 'failed',
      reason,
      message,
      version: verification.version,
      inconclusive:
        verification.inconclusive ?? sameFailureBefore(facts, reason) ?? configurationAtFault(facts),
    };
  }
  const after = facts.afterChecks;
  if (after && after.state !== 'live') {
    // A deploy can crash while the checks run (Railway CRASHED after SUCCESS): its own failure.
    return {
      kind: 'failed',
      reason: 'deploy-failed',
      message: `${facts.providerLabel ?? 'The provider'} deploy ${after.id} became ${after.status} while the checks ran, although they passed`,
      version: verification.version,
    };
  }
  return { kind: 'passed', version: verification.version };
}

/**
 * A failure that says the configuration is wrong rather than the deploy: the service reported the
 * expected version written another way (`config-error`), or the health check never passed and points at
 * an input (no such endpoint, a web page, no version where `version-from` looks) while nothing showed that
 * the deploy before it passed the same check. Rolling back would not fix either.
 */
function configurationAtFault(facts: JudgeFacts): string | undefined {
  const failure = facts.verification.failure;
  if (failure?.reason === 'config-error') return 'the inputs do not match what the service reports';
  if (!facts.verification.healthy && failure?.hint && !facts.baseline?.ok) {
    return `the health check never passed, and ${failure.hint}`;
  }
  return undefined;
}

/**
 * When the deploy being replaced failed the same health check before this one went live, the check (or
 * its configuration: `version-from`, `health-path`, `headers`, `url`) is what is wrong, and rolling back
 * would not make it pass. Says so, or undefined when the failure is the new deploy's.
 */
function sameFailureBefore(facts: JudgeFacts, reason: FailureReason): string | undefined {
  const baseline = facts.baseline;
  if (!baseline) return undefined;
  const before = 'the deploy that served before this one failed the same health check';
  if (!baseline.ok && baseline.reason === reason && reason !== 'not-ready') {
    return `${before} (${baseline.message})`;
  }
  if (
    baseline.ok &&
    baseline.version === undefined &&
    reason === 'version-mismatch' &&
    facts.expectVersion &&
    facts.verification.version === undefined
  ) {
    return `${before}: it reported no version either, so \`version-from\` (${describeVersionSource(facts.versionFrom)}) does not point at the version`;
  }
  return undefined;
}
