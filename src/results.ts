/** The run's verdict, as published in the `result` output. */
export type Result = 'passed' | 'failed' | 'rolled-back' | 'rollback-failed' | 'superseded';

/**
 * Stable machine-readable cause, published in the `failure-reason` output. The human sentence lives in
 * the report's `failureMessage`; these codes are safe to use in workflow `if:` conditions.
 */
export type FailureReason =
  | 'config-error'
  | 'unreachable'
  | 'not-ready'
  | 'version-mismatch'
  | 'health-status'
  | 'health-body'
  | 'health-schema'
  | 'unstable'
  | 'check-failed'
  | 'canary-lost'
  | 'canary-unverified'
  | 'deploy-not-found'
  | 'deploy-failed'
  | 'deploy-canceled'
  | 'deploy-timeout'
  | 'needs-approval'
  | 'provider-error'
  | 'run-canceled'
  | 'internal-error';

/** One request inside a check, as it ran. */
export interface StepResult {
  /** `METHOD path` after templating, redacted. */
  label: string;
  passed: boolean;
  /** True when the step never ran because an earlier step failed. */
  skipped?: boolean;
  cleanup?: boolean;
  status?: number;
  durationMs: number;
  /** First failing assertion or the network error, redacted. */
  failure?: string;
  /** Not sent because the overall timeout ran out: it tested nothing. */
  inconclusive?: boolean;
}

/** One row of the probe table: the health check, a check from the checks file, a command or the canary. */
export interface ProbeResult {
  name: string;
  kind: 'health' | 'request' | 'steps' | 'command' | 'canary';
  passed: boolean;
  durationMs: number;
  /** First failing assertion in plain words, redacted. Absent when passed. */
  failure?: string;
  steps?: StepResult[];
  /** Last lines of a command check's output, redacted. */
  outputTail?: string;
  /** The probe could not test the deploy (no canary written, no time left): a failure, never a rollback. */
  inconclusive?: boolean;
}

/**
 * Runs one phase of the run: a log group plus a timeline entry. `fn` says whether the phase went well, and
 * may add a note for the timeline.
 */
export type PhaseRunner = <T>(
  name: string,
  fn: () => Promise<{ value: T; ok: boolean; note?: string }>,
) => Promise<T>;

/** One phase of the run for the timeline (wait for live, checks, rollback, ...). */
export interface PhaseRecord {
  name: string;
  startedAt: number;
  endedAt: number;
  outcome: 'ok' | 'failed' | 'skipped';
  note?: string;
}
