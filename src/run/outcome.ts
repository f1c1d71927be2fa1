import type { Evidence } from '../diagnose/index.js';
import type { Logger } from '../deps.js';
import { errorMessage, VerdictError } from '../errors.js';
import type { Clock } from '../poll.js';
import type { FailureReason, PhaseRecord, PhaseRunner, ProbeResult, Result } from '../results.js';
import type { RollbackDecision, RollbackInFlight, RollbackProgress } from '../rollback.js';
import type { Verdict } from './judge.js';

/** The deploy the run verified, as the provider reported it last. */
export interface DeployRecord {
  provider: string;
  id: string;
  status: string;
  commit?: string;
  serviceName?: string;
  dashboardUrl?: string;
}

/** What production served after a deploy failed before going live (F6). */
export interface ProductionCheck {
  healthy: boolean;
  version?: string;
  /** One sentence: what answered, or why the check failed. */
  detail: string;
}

/** The outcome of a run, before it is published. `report.ts` turns it into outputs and the summary. */
export interface RunOutcome {
  result: Result;
  failureReason?: FailureReason;
  /** One plain-language sentence: what failed and the evidence. */
  failureMessage?: string;
  url?: string;
  expectedVersion?: string;
  version?: string;
  probes: ProbeResult[];
  phases: PhaseRecord[];
  /** What happened about rollback, in words (none needed, not available, done, ...). */
  rollback: {
    performed: boolean;
    note: string;
    deployId?: string;
    targetId?: string;
    call?: string;
    /** The rollback turned auto-deploy off: how to turn it back on. */
    autoDeployPaused?: string;
  };
  deploy?: DeployRecord;
  /** Provider logs, events and the diagnosis, when the deploy failed. */
  evidence?: Evidence & { notes: string[] };
  production?: ProductionCheck;
  /** Provider API requests the run sent. */
  apiRequests?: number;
  warnings: string[];
  startedAt: number;
  finishedAt: number;
}

/** The fields a conclusion sets; the record fills in the rest. */
export type OutcomeFields = Partial<RunOutcome> & Pick<RunOutcome, 'result'>;

/**
 * What a run has found so far: the timeline, the probes, the warnings, the deploy, and whether a rollback
 * is in flight. The sequence adds to it as it goes, and every outcome is built from it, so a run that is
 * cancelled midway can still say what it knew.
 */
export class RunRecord implements RollbackProgress {
  readonly phases: PhaseRecord[] = [];
  readonly probes: ProbeResult[] = [];
  readonly warnings: string[] = [];
  readonly startedAt: number;
  url?: URL;
  deploy?: DeployRecord;
  /** Provider API requests so far, once a provider is in use. */
  apiRequests?: () => number;
  /** The phase running now, for a cancelled run's report. */
  current?: string;
  /** A rollback between its call and its outcome. */
  inFlight?: RollbackInFlight;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly facts: { expectVersion?: string; provider?: string },
  ) {
    this.startedAt = clock.now();
  }

  /** Runs one phase: a log group plus a timeline entry. */
  phase: PhaseRunner = async (name, fn) => {
    const started = this.clock.now();
    this.current = name;
    try {
      const { value, ok, note } = await this.log.group(name, fn);
      this.phases.push({
        name,
        startedAt: started,
        endedAt: this.clock.now(),
        outcome: ok ? 'ok' : 'failed',
        note,
      });
      return value;
    } catch (error) {
      this.phases.push({
        name,
        startedAt: started,
        endedAt: this.clock.now(),
        outcome: 'failed',
        note: 'error',
      });
      throw error;
    } finally {
      this.current = undefined;
    }
  };

  rollbackInFlight(state: RollbackInFlight | undefined): void {
    this.inFlight = state;
  }

  /** An outcome from what is recorded, with `fields` on top. */
  outcome(fields: OutcomeFields): RunOutcome {
    return {
      url: this.url && displayUrl(this.url),
      expectedVersion: this.facts.expectVersion,
      probes: this.probes,
      phases: this.phases,
      rollback: { performed: false, note: this.rollbackNote(fields.result) },
      deploy: this.deploy,
      apiRequests: this.apiRequests?.(),
      warnings: this.warnings,
      startedAt: this.startedAt,
      finishedAt: this.clock.now(),
      ...fields,
    };
  }

  /**
   * The outcome of a verdict that rolls nothing back: a pass, a failure without a provider, or (with one)
   * a failure that does not show the deploy is broken.
   */
  judged(verdict: Verdict, evidence?: RunOutcome['evidence']): RunOutcome {
    if (verdict.kind === 'passed') return this.outcome({ result: 'passed', version: verdict.version });
    if (verdict.kind === 'superseded') {
      return this.outcome({
        result: 'superseded',
        failureMessage: verdict.message,
        rollback: { performed: false, note: 'not needed: a newer deploy took over' },
      });
    }
    const why = this.facts.provider && verdict.inconclusive;
    return this.outcome({
      result: 'failed',
      failureReason: verdict.reason,
      failureMessage: verdict.message,
      version: verdict.version,
      ...(evidence ? { evidence } : {}),
      ...(why
        ? {
            rollback: {
              performed: false,
              note: `not considered: ${why}, so this does not show the deploy is broken`,
            },
          }
        : {}),
    });
  }

  /**
   * A verdict error (a wrong configuration, no deploy, the provider's API failing) as the run's outcome:
   * its reason and rollback note are its own. Anything else is a bug, and is thrown on.
   */
  failedOn(error: unknown): RunOutcome {
    if (!(error instanceof VerdictError)) throw error;
    return this.outcome({
      result: 'failed',
      failureReason: error.reason,
      failureMessage: error.message,
      rollback: { performed: false, note: error.rollbackNote },
    });
  }

  /** The outcome of a run that went to a rollback decision. */
  rolledBack(
    failed: Extract<Verdict, { kind: 'failed' }>,
    decision: RollbackDecision,
    evidence: RunOutcome['evidence'],
  ): RunOutcome {
    const superseded = decision.result === 'superseded';
    this.probes.push(...decision.probes);
    this.warnings.push(...decision.warnings);
    return this.outcome({
      result: decision.result,
      failureReason: superseded ? undefined : failed.reason,
      failureMessage: superseded
        ? `${failed.message}; but ${decision.message}`
        : decision.result === 'rollback-failed'
          ? `${failed.message}; the rollback failed: ${decision.message}`
          : failed.message,
      version: failed.version,
      evidence,
      rollback: {
        performed: decision.performed,
        note: decision.note,
        deployId: decision.deployId,
        targetId: decision.targetId,
        call: decision.call,
        autoDeployPaused: decision.autoDeployPaused,
      },
    });
  }

  /**
   * What a run that was cancelled (the job cancelled, or its time limit reached) knew: the phase it was
   * in and, plainly, whether a rollback was in flight.
   */
  cancelled(signal: string): RunOutcome {
    const during = this.current ? ` during "${this.current}"` : '';
    const flight = this.inFlight;
    const rollback = !flight
      ? 'no rollback was in flight: nothing was rolled back.'
      : flight.restoredId
        ? `a rollback was in flight: the provider accepted the rollback to deploy ${flight.target.id} (new deploy ${flight.restoredId}), which was not yet verified. On call: check in the provider's dashboard that ${flight.restoredId} went live and works.`
        : `a rollback was in flight: the call to roll back to deploy ${flight.target.id} had been sent, with no answer yet, so it may or may not have been carried out. On call: check in the provider's dashboard what serves now.`;
    return this.outcome({
      result: 'failed',
      failureReason: 'run-canceled',
      failureMessage: `the job was cancelled (${signal})${during} before a verdict; ${rollback}`,
      rollback: {
        performed: Boolean(flight?.restoredId),
        note: rollback,
        deployId: flight?.restoredId,
        targetId: flight?.target.id,
      },
    });
  }

  /** An outcome for a crash: a failed result with the stack, so nothing passes silently. */
  crashed(error: unknown): RunOutcome {
    return this.outcome({
      result: 'failed',
      failureReason: 'internal-error',
      failureMessage: `Deploy Sentinel crashed: ${error instanceof Error ? (error.stack ?? error.message) : errorMessage(error)}`,
      rollback: { performed: false, note: 'not considered: the run crashed before a verdict' },
    });
  }

  private rollbackNote(result: Result): string {
    if (result === 'passed') return 'not needed';
    if (!this.facts.provider)
      return 'not available: rollback needs a provider (`provider: render`, `railway` or `cloud-run`)';
    return 'not performed';
  }
}

/** The URL as people write it: no trailing slash on a bare origin. */
function displayUrl(url: URL): string {
  return url.pathname === '/' && !url.search ? url.origin : url.href;
}
