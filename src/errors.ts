import type { FailureReason } from './results.js';

/**
 * The base of every error the action raises on purpose, in the style of ky's error hierarchy: `name` is
 * the class's own, so logs and tests can tell them apart without matching message text.
 */
export class SentinelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * An error that decides the run's verdict by itself: it carries the failure reason, and what it means for a
 * rollback. Every one of them stops the run without a rollback, because each says the deploy could not be
 * judged (bad configuration, no deploy, the provider's API failing), not that it is broken.
 */
export abstract class VerdictError extends SentinelError {
  /** The `failure-reason` output. */
  abstract readonly reason: FailureReason;
  /** The report's rollback note: why nothing was rolled back. */
  abstract readonly rollbackNote: string;
}

/** One thing wrong with the inputs: which input, the value we got, and how to fix it. */
export interface ConfigProblem {
  input: string;
  /** The offending value as given (already redacted where it is a secret); empty when missing. */
  value: string;
  problem: string;
  fix: string;
}

/** Renders one problem as a single line: `input "value": problem. Fix: fix`. */
export function formatProblem(p: ConfigProblem): string {
  const shown = p.value.length > 120 ? `${p.value.slice(0, 117)}...` : p.value;
  const value = p.value === '' ? '(empty)' : JSON.stringify(shown);
  return `input \`${p.input}\` = ${value}: ${p.problem}. Fix: ${p.fix}`;
}

/**
 * Every input problem found, raised once. A ConfigError stops the run before any request is sent and
 * never leads to a rollback.
 */
export class ConfigError extends VerdictError {
  readonly reason = 'config-error';
  readonly rollbackNote = 'not considered: the configuration is invalid';

  constructor(readonly problems: ConfigProblem[]) {
    super(
      `${problems.length} configuration problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
  }
}

/**
 * A provider rejected our credentials or does not know the service: the configuration is wrong, so the
 * run stops without a verdict on the deploy and without a rollback.
 */
export class ProviderConfigError extends VerdictError {
  readonly reason = 'config-error';
  readonly rollbackNote = 'not considered: the configuration is wrong, so nothing was verified';
}

/** No deploy for the commit (or no preview for the PR) appeared within the budget. */
export class DeployNotFoundError extends VerdictError {
  readonly reason = 'deploy-not-found';
  readonly rollbackNote = 'not considered: no deploy was found to verify';
}

/** A provider API call that failed for good. `status` is absent for network failures. */
export class ProviderApiError extends VerdictError {
  readonly reason = 'provider-error';
  readonly rollbackNote = "not considered: the provider's API failed, so the result is inconclusive";

  constructor(
    message: string,
    readonly status?: number,
    /** The provider's own error text, when it sent one. */
    readonly providerMessage?: string,
  ) {
    super(message);
  }
}

/**
 * The run's time budget ran out before a provider call could be sent: nothing was asked, so this says
 * nothing about the provider. Callers that wait for something treat it as their timeout.
 */
export class BudgetExhaustedError extends ProviderApiError {}

/** The provider accepted the rollback, but the deploy it created could not be identified or read. */
export class RollbackUnconfirmedError extends SentinelError {}

/**
 * The provider refused the rollback because the service changed after it was read (a write guarded by a
 * version, such as Cloud Run's `etag`, answered with a conflict): someone else acted at the same moment.
 * Nothing was changed, and the rollback is not sent again: the other change decides what serves.
 */
export class RollbackConflictError extends SentinelError {}

/** The message of anything thrown, for quoting it in a sentence. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
