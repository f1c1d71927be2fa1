import type { RunDeps } from './deps.js';
import { Deadline } from './poll.js';
import { chooseRollbackTarget, newerDeploys } from './providers/history.js';
import { RollbackConflictError, RollbackUnconfirmedError, errorMessage } from './errors.js';
import type { Deploy, Provider } from './providers/types.js';
import type { PhaseRunner, ProbeResult } from './results.js';
import { soak, type SoakSettings } from './soak.js';
import { verifyService, type VerifySettings } from './verify.js';

/** The `rollback` input: roll back, only say what would be sent, or only report. */
export type RollbackMode = 'on-failure' | 'never' | 'dry-run';

/** What the rollback needs from the inputs. */
export interface RollbackSettings {
  mode: RollbackMode;
  /** After a rollback, turn the provider's auto-deploy off so the next push does not undo it. */
  pauseAutoDeploy: boolean;
  /** The rollback's own budget: the run's may be spent by the time the checks fail. */
  timeoutMs: number;
  /** Whether the run checked the version: then the restored deploy must report the target's commit. */
  checksVersion: boolean;
  /** The same health check and checks the new deploy had. */
  verify: VerifySettings;
  /** The restored deploy soaks too, within the rollback's budget. */
  soak: SoakSettings;
}

/** A rollback between its call and its verdict. */
export interface RollbackInFlight {
  target: Deploy;
  /** The deploy the rollback created, once the provider accepted the call. */
  restoredId?: string;
}

/** Where the rollback reports what it does, so a cancelled run can say whether one was in flight. */
export interface RollbackProgress {
  phase: PhaseRunner;
  /**
   * Called just before the rollback call goes out (`target`), once the provider accepted it (`restoredId`),
   * and with `undefined` once the rollback's outcome is known.
   */
  rollbackInFlight(state: RollbackInFlight | undefined): void;
}

/** Upper bound of the random pause before a rollback call, which separates two racing runs. */
const RACE_SETTLE_MS = 2000;

/** What the rollback phase decided and did. */
export interface RollbackDecision {
  result: 'failed' | 'rolled-back' | 'rollback-failed' | 'superseded';
  performed: boolean;
  note: string;
  /** The deploy the rollback created. */
  deployId?: string;
  /** The deploy rolled back to. */
  targetId?: string;
  /** The call a rollback sends (or would send, for dry-run and `never`). */
  call?: string;
  /** Probes run against the restored deploy. */
  probes: ProbeResult[];
  warnings: string[];
  /** Why the result is `superseded` or `rollback-failed`, in one sentence. */
  message?: string;
  /** Set when the rollback turned the provider's auto-deploy off: how to turn it back on. */
  autoDeployPaused?: string;
  /** The deploy the rollback created, as last seen live (to keep watching it). */
  restored?: Deploy;
}

export interface RollbackInput {
  settings: RollbackSettings;
  deps: RunDeps;
  provider: Provider;
  /** The deploy this run verified and found failing. It must still be the live one. */
  ours: Deploy;
  lastKnownGood?: Deploy;
  /** Deploys seen at the start, newest first. */
  deploys: readonly Deploy[];
  base: URL;
  progress: RollbackProgress;
  /** Runs `fn` with the provider's requests bounded by `deadline` (the rollback's own budget). */
  within<T>(deadline: Deadline, fn: () => Promise<T>): Promise<T>;
}

/**
 * Rolls back a deploy that went live and then failed verification, guarded so it never acts on a deploy
 * other than ours: a newer deploy, or ours no longer being live, stops it. The restored deploy is
 * followed to live and verified with the same health check and checks (not the canary: the restored
 * deploy did not cross it). The rollback gets its own `timeout` budget, because the first one may be
 * spent by the time the checks fail.
 */
export async function rollBack(input: RollbackInput): Promise<RollbackDecision> {
  const deadline = Deadline.after(input.deps.clock, input.settings.timeoutMs);
  try {
    return await input.within(deadline, () => rollBackWithin(input, deadline));
  } catch (error) {
    // The guard's reads failed before anything was sent: say so, and what to do by hand.
    input.progress.rollbackInFlight(undefined);
    const why = errorMessage(error).replace(/\.$/, '');
    return {
      result: 'rollback-failed',
      performed: false,
      probes: [],
      warnings: [],
      message: `the rollback could not be carried out: ${why}`,
      note: `failed before acting: ${why}. On call: roll back by hand in the ${input.provider.label} dashboard.`,
    };
  }
}

async function rollBackWithin(input: RollbackInput, deadline: Deadline): Promise<RollbackDecision> {
  const { settings, deps, provider, ours } = input;
  const phase = input.progress.phase;
  const label = provider.label;
  const decision = (
    fields: Partial<RollbackDecision> & Pick<RollbackDecision, 'result' | 'note'>,
  ): RollbackDecision => ({
    performed: false,
    probes: [],
    warnings: [],
    ...fields,
  });
  const target = chooseRollbackTarget(ours, input.lastKnownGood, input.deploys);
  const call = target && provider.describeRollback(target);
  const byHand = target
    ? `roll back by hand: in the ${label} dashboard, roll back to deploy ${deployText(target)}, or send \`${call}\` with your API key`
    : `fix forward: no earlier deploy of this service can be rolled back to`;

  if (settings.mode === 'never') {
    return decision({
      result: 'failed',
      call,
      note: `not performed (\`rollback: never\`). To undo the deploy, ${byHand}.`,
    });
  }

  const decided = await phase('Roll back', async () => {
    // Guard: act only when ours is still the newest deploy and still live.
    const newer = await newerDeploys(provider, ours);
    if (newer === undefined) {
      return {
        value: decision({
          result: 'failed',
          call,
          note: `not performed: ${label} gave deploy ${ours.id} no creation time, so whether a newer deploy took over cannot be told. To undo the deploy, ${byHand}.`,
        }),
        ok: false,
      };
    }
    // A newer deploy (not one that already failed) decides what serves next: acting now could undo it.
    const latest = newer[0];
    if (latest) {
      const still =
        latest.state === 'live'
          ? ''
          : `; until it goes live, ${ours.id} keeps serving, so watch that it does`;
      const message = `a newer deploy (${latest.id}, ${latest.status}) was created while this run verified ${ours.id}; the newer deploy decides what serves, so nothing was rolled back${still}`;
      return {
        value: decision({ result: 'superseded', message, note: `not performed: ${message}.` }),
        ok: true,
      };
    }
    const current = await provider.getDeploy(ours.id);
    // Ours must still be what serves (or have crashed while serving, which is what the rollback is for).
    const crashed = current.state === 'failed' && current.failedStage === 'runtime';
    if (current.state !== 'live' && !crashed) {
      return {
        value: decision({
          result: 'failed',
          note: `not performed: deploy ${ours.id} is no longer live (${current.status}), so rolling back now could undo a deploy this run did not verify. Check what serves now.`,
        }),
        ok: false,
      };
    }
    if (!target) {
      return {
        value: decision({
          result: 'rollback-failed',
          message: provider.noRollbackTarget,
          note: `not possible: ${provider.noRollbackTarget}. On call: ${byHand}, and disable the broken feature or restore from backup until a fix deploys.`,
        }),
        ok: false,
      };
    }
    const targetText = deployText(target);
    if (settings.mode === 'dry-run') {
      deps.log.info(`dry-run: would roll back to ${targetText} with: ${call}`);
      return {
        value: decision({
          result: 'failed',
          targetId: target.id,
          call,
          note: `dry-run: would roll back to ${targetText} with \`${call}\`. Nothing was sent.`,
        }),
        ok: true,
      };
    }

    // Two runs on one service can reach this point together (no `concurrency:` group). Neither API offers
    // a lock, so each waits a random moment and looks once more: the later one then sees the earlier
    // one's rollback deploy as newer than ours, and stands down as superseded.
    await deps.sleep(Math.round((deps.random ?? Math.random)() * RACE_SETTLE_MS));
    const raced = (await newerDeploys(provider, ours))?.[0];
    if (raced) {
      const message = `a newer deploy (${raced.id}, ${raced.status}) appeared just before the rollback, perhaps another run's rollback; nothing was sent`;
      return {
        value: decision({ result: 'superseded', message, note: `not performed: ${message}.` }),
        ok: true,
      };
    }
    deps.log.info(`Rolling back to ${targetText}: ${call}`);
    let restored: Deploy;
    input.progress.rollbackInFlight({ target });
    try {
      restored = await provider.rollback(target);
    } catch (error) {
      input.progress.rollbackInFlight(undefined);
      const why = errorMessage(error).replace(/\.$/, '');
      if (error instanceof RollbackConflictError) {
        // Someone else changed the service between the rollback's read and its write: their change decides.
        const message = `${label} refused the rollback to ${deployText(target)} because the service changed while this run decided (${why}); someone else acted at the same moment, so nothing was rolled back and the rollback was not retried`;
        return {
          value: decision({
            result: 'superseded',
            targetId: target.id,
            call,
            message,
            note: `not performed: ${message}.`,
          }),
          ok: true,
        };
      }
      if (error instanceof RollbackUnconfirmedError) {
        // Accepted, but the new deploy could not be identified: it was performed, and that must show.
        return {
          value: decision({
            result: 'rollback-failed',
            performed: true,
            targetId: target.id,
            call,
            message: `the rollback to ${targetText} was sent, but ${why}`,
            note: `sent, not confirmed: ${label} accepted the rollback to ${targetText}, but ${why}. On call: check in the ${label} dashboard that it went live.`,
          }),
          ok: false,
        };
      }
      return {
        value: decision({
          result: 'rollback-failed',
          targetId: target.id,
          call,
          message: `the rollback call failed: ${why}`,
          note: `failed: ${label} did not accept the rollback (${why}). On call: ${byHand}.`,
        }),
        ok: false,
      };
    }
    input.progress.rollbackInFlight({ target, restoredId: restored.id });
    const performedFields = { performed: true, deployId: restored.id, targetId: target.id, call };
    let followed;
    try {
      followed = await provider.waitForDeploy(restored.id, deadline, (deploy, previous) =>
        deps.log.info(
          `${label} rollback deploy ${deploy.id}: ${previous ? `${previous} → ` : ''}${deploy.status}`,
        ),
      );
    } catch (error) {
      // The rollback was sent and accepted: say so, whatever happened while following it.
      const why = errorMessage(error).replace(/\.$/, '');
      return {
        value: decision({
          ...performedFields,
          result: 'rollback-failed',
          message: `the rollback to ${targetText} was sent as deploy ${restored.id}, but following it failed: ${why}`,
          note: `sent, not confirmed: ${label} accepted the rollback to ${targetText} (deploy ${restored.id}), but following it failed (${why}). On call: check in the ${label} dashboard that deploy ${restored.id} went live.`,
        }),
        ok: false,
      };
    }
    if (followed.deploy.state !== 'live') {
      const how = followed.settled
        ? `ended ${followed.deploy.status}`
        : `was still ${followed.deploy.status} at the timeout`;
      return {
        value: decision({
          ...performedFields,
          result: 'rollback-failed',
          message: `the rollback deploy ${restored.id} ${how}`,
          note: `failed: the rollback deploy ${restored.id} to ${targetText} ${how}. On call: check the ${label} dashboard now; ${byHand}.`,
        }),
        ok: false,
      };
    }
    return {
      value: decision({ ...performedFields, result: 'rolled-back', note: '', restored: followed.deploy }),
      ok: true,
    };
  });
  if (decided.result !== 'rolled-back' || !target) {
    input.progress.rollbackInFlight(undefined);
    return decided;
  }
  const verified = await verifyRestored(input, decided, target, deadline);
  input.progress.rollbackInFlight(undefined);
  return verified;
}

/** Verifies the restored deploy with the same health check and checks, and pauses auto-deploy if asked. */
async function verifyRestored(
  input: RollbackInput,
  decided: RollbackDecision,
  target: Deploy,
  deadline: Deadline,
): Promise<RollbackDecision> {
  const { settings, deps, provider } = input;
  const warnings: string[] = [];
  let autoDeployPaused: string | undefined;
  // The restored deploy reports the target's commit, not ours.
  const expectVersion = settings.checksVersion && target.commit ? target.commit : undefined;
  if (settings.checksVersion && !target.commit) {
    warnings.push(
      `${provider.label} did not say which commit deploy ${target.id} runs, so the restored deploy's version was not checked; only its health and checks were.`,
    );
  }
  const label = 'Restored deploy: ';
  const verified = await verifyService(
    settings.verify,
    deps,
    { base: input.base, expectVersion, includeCanary: false, deadline, label },
    input.progress.phase,
  );
  // The restored deploy soaks for the same window as the new one did, within the rollback's budget.
  const soaked = verified.failure
    ? undefined
    : await soak(
        settings.soak,
        {
          base: input.base,
          version: verified.version,
          expectVersion,
          deploy: decided.restored,
          provider,
          withinMs: deadline.remainingMs(),
          label,
        },
        deps,
        input.progress.phase,
      );
  if (soaked?.kind === 'superseded') {
    return {
      ...decided,
      result: 'superseded',
      probes: verified.probes,
      warnings: [],
      message: soaked.message,
      note: `rolled back to ${deployText(target)} as deploy ${decided.deployId}; then ${soaked.message}.`,
    };
  }
  if (soaked?.kind === 'passed') warnings.push(...(soaked.warnings ?? []));
  const verification =
    soaked?.kind === 'failed'
      ? { ...verified, failure: { reason: soaked.reason, message: soaked.message } }
      : verified;
  // Config accepts `pause-auto-deploy` only for a provider that declares the capability.
  if (settings.pauseAutoDeploy && provider.pauseAutoDeploy) {
    try {
      await provider.pauseAutoDeploy();
      deps.log.info(`${provider.label}: auto-deploy turned off so the next push does not undo the rollback.`);
      autoDeployPaused =
        provider.resumeAutoDeploy ?? 'Turn it back on in the provider dashboard once a fix is merged.';
    } catch (error) {
      warnings.push(`Could not turn auto-deploy off after the rollback: ${errorMessage(error)}`);
    }
  } else {
    warnings.push(provider.autoDeployAdvice);
  }
  const targetText = deployText(target);
  if (verification.failure) {
    return {
      ...decided,
      result: 'rollback-failed',
      probes: verification.probes,
      warnings,
      autoDeployPaused,
      message: `the restored deploy ${decided.deployId} failed verification: ${verification.failure.message}`,
      note: `rolled back to ${targetText} as deploy ${decided.deployId}, but the restored deploy failed verification (${verification.failure.message}). On call: the service is broken on both versions; check the ${provider.label} dashboard and the logs below.`,
    };
  }
  return {
    ...decided,
    probes: verification.probes,
    warnings,
    autoDeployPaused,
    note: `rolled back to ${targetText} as deploy ${decided.deployId}; the restored deploy passed the health check${settings.verify.checks.file ? ' and the checks' : ''}.`,
  };
}

/** A deploy as messages name it: its ID and, when known, its short commit. */
function deployText(deploy: Deploy): string {
  return `${deploy.id}${deploy.commit ? ` (commit ${deploy.commit.slice(0, 12)})` : ''}`;
}
