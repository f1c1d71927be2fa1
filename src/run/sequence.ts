import type { RunDeps } from '../deps.js';
import { resolveProbeUrl } from '../http.js';
import { healthTarget, probeHealth, type HealthOutcome } from '../health.js';
import { Deadline, ScopedBudget } from '../poll.js';
import { createProvider } from '../providers/registry.js';
import type { Deploy } from '../providers/types.js';
import { rollBack } from '../rollback.js';
import { soak, type SoakTarget } from '../soak.js';
import { verifyService, type Verification } from '../verify.js';
import {
  deployRecord,
  findDeploy,
  followToLive,
  neverWentLive,
  settledWithoutLive,
  type DeployRun,
} from './deploy-phases.js';
import { gatherEvidence } from './evidence.js';
import { judge, type Verdict } from './judge.js';
import type { RunOutcome, RunRecord } from './outcome.js';
import type { RunSettings } from './settings.js';

/** The least time verification gets after the deploy goes live, whatever the build left of `timeout`. */
const MIN_VERIFY_MS = 60_000;
/** Extra time for one status read after the checks, when they finished at the deadline. */
const GRACE_MS = 15_000;

/**
 * One verification. Without a provider: wait until the service is live and healthy, run the checks and
 * the canary read, judge. With one: find the deploy, follow it to live, verify it, judge, and roll it back
 * when the failure is the deploy's own. Each phase's time budget is named where the phase starts.
 */
export async function runVerification(
  settings: RunSettings,
  deps: RunDeps,
  record: RunRecord,
): Promise<RunOutcome> {
  const deadline = Deadline.after(deps.clock, settings.timeoutMs);
  if (!settings.provider) {
    record.url = settings.url as URL; // provider none: config guarantees `url`
    const verdict = judgeVerification(settings, await verify(settings, deps, record, record.url, deadline));
    return record.judged(await soaked(settings, deps, record, verdict, { base: record.url }));
  }
  const budget = new ScopedBudget(deadline);
  const provider = await createProvider(settings.provider, deps, budget);
  record.apiRequests = () => provider.requestCount();
  const run: DeployRun = { provider, settings, record, deps, budget };
  try {
    const { located, url } = await findDeploy(run, deadline);
    // What serves before ours goes live, checked once: if it fails the same way, the check is at fault.
    const health = healthTarget(settings.verify.health, url, deps.secrets);
    const baseline =
      located.deploy.state === 'pending' ? await probeHealth(deps.http, health, deps.clock.now()) : undefined;
    const waited = await followToLive(run, located, url, deadline);
    if (!waited.settled) return await neverWentLive(run, waited.deploy);
    if (waited.deploy.state !== 'live') return await settledWithoutLive(run, waited.deploy, located, url);
    const verifyDeadline = verificationDeadline(deadline, settings, deps);
    const verification = await budget.within(verifyDeadline, () =>
      verify(settings, deps, record, url, verifyDeadline, waited.deploy.id),
    );
    // A deploy can crash while the checks run (Railway CRASHED after SUCCESS): ask once before passing.
    const grace = Deadline.after(deps.clock, Math.max(verifyDeadline.remainingMs(), GRACE_MS));
    const after = verification.failure
      ? undefined
      : await budget.within(grace, () => provider.getDeploy(waited.deploy.id));
    const ours = after ?? waited.deploy;
    record.deploy = deployRecord(run, located, ours);
    const judged = judgeVerification(settings, verification, { after, baseline, label: provider.label });
    // The soak's provider reads get its window, plus the grace for one last read.
    const soakBudget = Deadline.after(deps.clock, settings.soak.soakMs + GRACE_MS);
    const verdict = await budget.within(soakBudget, () =>
      soaked(settings, deps, record, judged, { base: url, deploy: ours, provider }),
    );
    if (verdict.kind === 'passed' || verdict.kind === 'superseded') return record.judged(verdict);
    if (verdict.inconclusive) {
      return record.judged(verdict, await gatherEvidence(provider, ours, 'runtime', deps, budget));
    }
    const decision = await rollBack({
      ...{ settings: settings.rollback, deps, provider, ours, base: url, progress: record },
      ...{ lastKnownGood: located.lastKnownGood, deploys: located.deploys },
      within: (until, fn) => budget.within(until, fn),
    });
    // Logs are selected by the deploy's time window, so reading them after the rollback loses nothing and
    // does not keep a broken deploy serving for longer.
    return record.rolledBack(
      verdict,
      decision,
      await gatherEvidence(provider, ours, 'runtime', deps, budget),
    );
  } catch (error) {
    return record.failedOn(error);
  }
}

/**
 * A pass is not the verdict yet: the deploy soaks first (`soak`). A failure in the soak is the deploy's
 * own, like any failure after live; a version a newer deploy brought is `superseded`.
 */
async function soaked(
  settings: RunSettings,
  deps: RunDeps,
  record: RunRecord,
  verdict: Verdict,
  target: Pick<SoakTarget, 'base' | 'deploy' | 'provider'>,
): Promise<Verdict> {
  if (verdict.kind !== 'passed') return verdict;
  const result = await soak(
    settings.soak,
    { ...target, version: verdict.version, expectVersion: settings.expectVersion },
    deps,
    record.phase,
  );
  if (result.kind === 'passed') {
    record.warnings.push(...(result.warnings ?? []));
    return verdict;
  }
  if (result.kind === 'superseded') return result;
  return {
    kind: 'failed',
    reason: result.reason,
    message: result.message,
    version: result.version ?? verdict.version,
  };
}

/** Waits until live and healthy and runs the checks, recording the probes and a warning for a bare 2xx. */
async function verify(
  settings: RunSettings,
  deps: RunDeps,
  record: RunRecord,
  base: URL,
  deadline: Deadline,
  deployId?: string,
): Promise<Verification> {
  const target = { base, expectVersion: settings.expectVersion, includeCanary: true, deadline, deployId };
  const verification = await verifyService(settings.verify, deps, target, record.phase);
  record.probes.push(...verification.probes);
  if (settings.verify.health.versionFrom.kind === 'none') {
    record.warnings.push(
      'The version was not proven: `version-from: none` says the service reports no version, so this run cannot tell ' +
        'whether the new release or the previous one answered. Report the commit in the health body for that evidence.',
    );
  }
  if (verification.healthy && !settings.checksMoreThanStatus) {
    record.warnings.push(
      `Only verified that GET ${resolveProbeUrl(base, settings.verify.health.path).pathname} answered 2xx: the version, the health body and the data were not checked. ` +
        'Set `expect-version`, `health-schema` or `checks` for evidence that the deploy works.',
    );
  }
  return verification;
}

/** The judge's facts: the verification, plus in provider mode the status after the checks and the baseline. */
function judgeVerification(
  settings: RunSettings,
  verification: Verification,
  provider: { after?: Deploy; baseline?: HealthOutcome; label?: string } = {},
): Verdict {
  return judge({
    verification,
    afterChecks: provider.after,
    baseline: provider.baseline,
    providerLabel: provider.label,
    expectVersion: settings.expectVersion,
    versionFrom: settings.verify.health.versionFrom,
  });
}

/**
 * Verification gets a fair share even when the build ate most of `timeout`: a slow build must not turn a
 * deploy that is still warming up into a rollback.
 */
function verificationDeadline(deadline: Deadline, settings: RunSettings, deps: RunDeps): Deadline {
  const least = Math.min(settings.timeoutMs, MIN_VERIFY_MS);
  return deadline.remainingMs() >= least ? deadline : Deadline.after(deps.clock, least);
}
