import type { RunDeps } from '../deps.js';
import { formatDuration } from '../duration.js';
import { ProviderConfigError } from '../errors.js';
import { healthTarget, probeHealth, versionMatches } from '../health.js';
import type { Deadline, ScopedBudget } from '../poll.js';
import { locateDeploy, waitForPreview, type LocatedDeploy } from '../providers/find-deploy.js';
import { newerDeploys } from '../providers/history.js';
import type { Deploy, FailedStage, LiveHint, Provider, WaitForDeployResult } from '../providers/types.js';
import { checkProduction, gatherEvidence } from './evidence.js';
import type { DeployRecord, RunOutcome, RunRecord } from './outcome.js';
import type { RunSettings } from './settings.js';

/** The provider, the run's settings and record, and the deps: what every deploy phase works with. */
export interface DeployRun {
  provider: Provider;
  settings: RunSettings;
  record: RunRecord;
  deps: RunDeps;
  budget: ScopedBudget;
}

/** The deploy as the report shows it. */
export function deployRecord(run: DeployRun, located: LocatedDeploy, deploy: Deploy): DeployRecord {
  return {
    provider: run.provider.label,
    id: deploy.id,
    status: deploy.status,
    commit: deploy.commit,
    serviceName: located.service.name,
    dashboardUrl: located.service.dashboardUrl,
  };
}

/** Finds the preview (on a pull request) and the deploy to verify, and the service's URL. */
export async function findDeploy(
  run: DeployRun,
  deadline: Deadline,
): Promise<{ located: LocatedDeploy; url: URL }> {
  const { provider, settings, record, deps } = run;
  const pr = settings.locate.pullRequest;
  if (pr) {
    await record.phase(`Find the preview of PR #${pr.number}`, async () => {
      const preview = await waitForPreview(provider, pr, deadline, deps);
      return { value: preview, ok: true, note: preview.name };
    });
  }
  const located = await record.phase('Find the deploy', async () => {
    const found = await locateDeploy(provider, {
      ...settings.locate,
      deadline,
      sleep: deps.sleep,
      random: deps.random,
      log: deps.log.info,
    });
    return { value: found, ok: true, note: found.deploy.id };
  });
  record.deploy = deployRecord(run, located, located.deploy);
  const service = located.service;
  const url = settings.url ?? (service.url ? new URL(service.url) : undefined);
  if (!url) {
    throw new ProviderConfigError(
      `${provider.label} reports no public URL for service ${service.name} (${service.id}), e.g. a private service or a worker. ` +
        'Input `url` is empty. Fix: set `url` to the address the checks should reach.',
    );
  }
  record.url = url;
  return { located, url };
}

/** Follows the deploy until it leaves `pending`, logging each status change with the time spent in the last. */
export async function followToLive(
  run: DeployRun,
  located: LocatedDeploy,
  url: URL,
  deadline: Deadline,
): Promise<WaitForDeployResult> {
  const { provider, settings, record, deps } = run;
  const waited = await record.phase('Wait for the deploy to go live', async () => {
    // Time in a status counts from when this run first saw it (the deploy list, for the first one).
    const since = { status: located.deploy.status, at: deps.clock.now() };
    const onStatus = (deploy: Deploy): void => {
      if (deploy.status === since.status) return;
      const now = deps.clock.now();
      deps.log.info(
        `${provider.label} deploy ${deploy.id}: ${deploy.status}` +
          ` (after ${formatDuration(now - since.at)} in ${since.status})` +
          `; deadline in ${formatDuration(deadline.remainingMs())}`,
      );
      since.status = deploy.status;
      since.at = now;
    };
    const hint = settings.expectVersion ? liveHint(url, settings, deps) : undefined;
    // Already settled when found (the deploy finished before this job started): nothing to wait for.
    const result =
      located.deploy.state === 'pending'
        ? await provider.waitForDeploy(located.deploy.id, deadline, onStatus, hint)
        : { settled: true as const, deploy: located.deploy };
    return { value: result, ok: result.deploy.state === 'live', note: result.deploy.status };
  });
  record.deploy = deployRecord(run, located, waited.deploy);
  if (waited.deploy.sleeping) {
    deps.log.info(`${provider.label}: the service sleeps (scaled to zero); the first probe wakes it.`);
  }
  return waited;
}

/**
 * The live hint: the service already reports the expected version, so the provider has (nearly)
 * switched traffic. Any failure is simply "not yet"; the provider's status stays the authority.
 */
function liveHint(base: URL, settings: RunSettings, deps: RunDeps): LiveHint {
  const expected = settings.expectVersion as string;
  const health = settings.verify.health;
  return async () => {
    const target = healthTarget(health, base, deps.secrets, {
      schema: false,
      requestTimeoutMs: Math.min(health.requestTimeoutMs, 2000),
    });
    const checked = await probeHealth(deps.http, target, deps.clock.now());
    return checked.version !== undefined && versionMatches(expected, checked.version);
  };
}

/** The deploy was still on its way when `timeout` ran out: nothing was verified, nothing rolled back. */
export async function neverWentLive(run: DeployRun, ours: Deploy): Promise<RunOutcome> {
  const stage: FailedStage = ours.status.includes('build') ? 'build' : 'deploy';
  return run.record.outcome({
    result: 'failed',
    failureReason: 'deploy-timeout',
    failureMessage: `${run.provider.label} deploy ${ours.id} was still ${ours.status} when the ${formatDuration(run.settings.timeoutMs)} timeout ran out; it never went live, so nothing was verified`,
    evidence: await gatherEvidence(run.provider, ours, stage, run.deps, run.budget),
    rollback: {
      performed: false,
      note: 'not considered: the deploy never went live, so the result is inconclusive',
    },
  });
}

/** Our deploy ended without going live: failed, canceled, replaced, waiting for approval or skipped. */
export async function settledWithoutLive(
  run: DeployRun,
  ours: Deploy,
  located: LocatedDeploy,
  url: URL,
): Promise<RunOutcome> {
  const { provider, record } = run;
  const label = provider.label;
  const notNeeded = `not needed: deploy ${ours.id} never went live, so ${label} kept serving the previous deploy`;
  if (ours.state === 'replaced' || ours.state === 'canceled') {
    const newer = (await newerDeploys(provider, ours)) ?? [];
    if (ours.state === 'replaced' || newer.length > 0) {
      const by = newer[0] ? ` by deploy ${newer[0].id} (${newer[0].status})` : '';
      return record.outcome({
        result: 'superseded',
        failureMessage: `deploy ${ours.id} was ${ours.status} before it went live: it was superseded${by}, so there is nothing to verify; verify the newer deploy instead`,
        rollback: { performed: false, note: 'not needed: a newer deploy took over' },
      });
    }
  }
  if (ours.state === 'needs-approval') {
    return record.outcome({
      result: 'failed',
      failureReason: 'needs-approval',
      failureMessage: `${label} deploy ${ours.id} is waiting for approval: a member of the project must approve it in the ${label} dashboard before it can deploy`,
      rollback: { performed: false, note: notNeeded },
    });
  }
  const stage: FailedStage = ours.failedStage ?? 'deploy';
  const evidence = await gatherEvidence(provider, ours, stage, run.deps, run.budget);
  const production = await checkProduction(run.settings.verify.health, url, run.deps);
  const previous = located.lastKnownGood;
  const serving =
    `production still serves ${production.version ? `version ${production.version}` : 'the previous deploy'}` +
    `${previous ? ` (deploy ${previous.id})` : ''} and it is ${production.healthy ? 'healthy' : `not healthy: ${production.detail}`}`;
  const why = evidence.events.find((event) => event.detail !== undefined)?.detail;
  // A provider that reports one FAILED for every stage (Railway) says in its events which step failed.
  const failedStage = evidence.events.some((event) => /^build/.test(event.step)) ? 'build' : stage;
  const verb =
    ours.state === 'canceled'
      ? `was canceled (${ours.status}) before it went live`
      : ours.state === 'skipped'
        ? `was skipped (${ours.status}): CI checks on the commit failed, and the service waits for CI before deploying`
        : ours.failedStage === 'runtime'
          ? `crashed (${ours.status}${why ? `: ${why}` : ''})`
          : `failed at the ${failedStage} stage (${ours.status}${why ? `: ${why}` : ''})`;
  return record.outcome({
    result: 'failed',
    failureReason: ours.state === 'canceled' ? 'deploy-canceled' : 'deploy-failed',
    failureMessage: `${label} deploy ${ours.id} ${verb}; ${serving}`,
    evidence,
    production,
    rollback: { performed: false, note: notNeeded },
  });
}
