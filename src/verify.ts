import { checkContext, readCanary, runChecks } from './checks/run.js';
import type { CheckContext, ChecksSettings } from './checks/run.js';
import type { Canary } from './checks/types.js';
import type { RunDeps } from './deps.js';
import {
  healthTarget,
  versionMatches,
  waitUntilHealthy,
  type HealthPolling,
  type HealthSettings,
} from './health.js';
import type { Deadline } from './poll.js';
import type { FailureReason, PhaseRunner, ProbeResult } from './results.js';

/** What verifying a service needs from the inputs: the health check, its pacing and the checks. */
export interface VerifySettings {
  health: HealthSettings;
  polling: HealthPolling;
  checks: ChecksSettings;
}

export interface VerifyTarget {
  base: URL;
  /** The version the service must report before anything passes. */
  expectVersion?: string;
  /** Read back the canary `pre` wrote (not after a rollback: the restored deploy did not cross it). */
  includeCanary: boolean;
  deadline: Deadline;
  /** Prefix for phase and probe names, e.g. "Restored deploy: ". */
  label?: string;
  /** Provider mode: the deploy being verified, to tell whether the canary was written before it served. */
  deployId?: string;
}

/** What a team whose provider deploys on push should do so that pre always writes before the deploy. */
const CANARY_ORDER_FIX =
  'With auto-deploy, the new deploy can go live before this job starts (for example while the job waits in ' +
  "its concurrency group). Turn the provider's auto-deploy off for this branch and let this step start the " +
  'deploy with `deploy: true`, so pre always writes the canary to the previous deploy first; or run the ' +
  'action in the job that deploys, before the deploy step.';

/** What verifying one service found. `failure` is absent when everything passed. */
export interface Verification {
  probes: ProbeResult[];
  version?: string;
  /** `hint`: the input the failure points at as likely wrong, when it does. */
  failure?: { reason: FailureReason; message: string; hint?: string };
  /**
   * Why the failure does not show the deploy is broken (a canary that was never written, checks the
   * timeout left no time for): the run fails, but nothing is rolled back on it.
   */
  inconclusive?: string;
  /** True once the service passed its health check (a failure after it is the deploy's, not the warm-up's). */
  healthy: boolean;
}

/**
 * Waits until the service is live, on the expected version and healthy, then runs the checks (and the
 * canary read). Used for the new deploy and again for the deploy a rollback restored.
 */
export async function verifyService(
  settings: VerifySettings,
  deps: RunDeps,
  target: VerifyTarget,
  phase: PhaseRunner,
): Promise<Verification> {
  const { deadline, label = '' } = target;
  const probes: ProbeResult[] = [];
  const health = healthTarget(settings.health, target.base, deps.secrets, {
    expectVersion: target.expectVersion,
  });
  const waited = await phase(`${label}Wait until live and healthy`, async () => {
    const result = await waitUntilHealthy(deps.http, health, {
      ...settings.polling,
      deadline,
      clock: deps.clock,
      sleep: deps.sleep,
      log: deps.log.info,
      random: deps.random,
    });
    return { value: result, ok: result.healthy, note: `${result.attempts} health checks` };
  });
  probes.push({
    name: `${label}health ${health.url.pathname}`,
    kind: 'health',
    passed: waited.healthy,
    durationMs: (waited.healthy ? waited.last.durationMs : waited.durationMs) ?? 0,
    failure: waited.healthy ? undefined : waited.message,
  });
  if (!waited.healthy) {
    return {
      probes,
      version: waited.version,
      healthy: false,
      failure: { reason: waited.reason, message: waited.message, hint: waited.hint },
    };
  }

  const checks = settings.checks.file;
  const canary = target.includeCanary ? checks?.canary : undefined;
  if (checks && (checks.checks.length > 0 || canary)) {
    const context = checkContext(settings.checks, target.base, deps, () => deadline.remainingMs());
    const rows = await phase(`${label}Run checks`, async () => {
      const results: ProbeResult[] = [];
      if (canary) results.push(await canaryProbe(canary, context, deps, target));
      results.push(...(await runChecks(checks, context)));
      return { value: results, ok: results.every((row) => row.passed), note: `${results.length} probes` };
    });
    probes.push(...rows.map((row) => (label ? { ...row, name: `${label}${row.name}` } : row)));
  }
  const failing = probes.filter((probe) => !probe.passed);
  // A conclusive failure (a check that ran and failed) outranks one that could not test anything.
  const failed = failing.find((probe) => !probe.inconclusive) ?? failing[0];
  if (!failed) return { probes, version: waited.version, healthy: true };
  return {
    probes,
    version: waited.version,
    healthy: true,
    failure: {
      reason:
        failed.kind === 'canary'
          ? failed.inconclusive
            ? 'canary-unverified'
            : 'canary-lost'
          : 'check-failed',
      message: `${failed.name}: ${failed.failure ?? 'failed'}`,
    },
    inconclusive: failed.inconclusive
      ? failed.kind === 'canary'
        ? 'the canary could not test persistence'
        : 'the timeout ran out before the checks could run'
      : undefined,
  };
}

/** Reads back the canary `pre` wrote; a canary that was never written is a failure, not a skip. */
async function canaryProbe(
  canary: Canary,
  context: CheckContext,
  deps: RunDeps,
  target: VerifyTarget,
): Promise<ProbeResult> {
  const saved = deps.state.canary();
  if (!saved || saved.status !== 'written') {
    const reason = saved
      ? saved.reason
      : 'the pre step did not run (pre runs only when the action is used from a repository ref, at the start of the job)';
    return {
      name: 'canary survives the deploy',
      kind: 'canary',
      passed: false,
      durationMs: 0,
      failure: `no canary was written before the deploy, so persistence could not be checked: ${reason}`,
      inconclusive: true,
    };
  }
  for (const value of Object.values(saved.captured)) deps.secrets.add(value);
  const { expectVersion, deployId } = target;
  const sameDeploy = deployId !== undefined && saved.deployAtWrite?.id === deployId;
  const sameVersion =
    !saved.deployAtWrite &&
    expectVersion !== undefined &&
    saved.versionAtWrite !== undefined &&
    versionMatches(expectVersion, saved.versionAtWrite);
  if (sameDeploy || sameVersion) {
    const when = sameDeploy
      ? `deploy ${deployId}, the one verified here, was already serving`
      : `the service already reported ${saved.versionAtWrite}, the expected version`;
    return {
      name: 'canary survives the deploy',
      kind: 'canary',
      passed: false,
      durationMs: 0,
      failure: `persistence not proven: the canary was written when ${when}, so it never crossed the deploy. ${CANARY_ORDER_FIX}`,
      inconclusive: true,
    };
  }
  return readCanary(canary, saved.captured, context);
}
