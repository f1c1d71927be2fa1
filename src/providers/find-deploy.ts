import { formatDuration } from '../duration.js';
import { BudgetExhaustedError, DeployNotFoundError } from '../errors.js';
import { versionMatches } from '../health.js';
import { Backoff, type Deadline, type Random, type Sleep } from '../poll.js';
import { providerPacing } from './poll-deploy.js';
import { findLastKnownGood } from './history.js';
import type { Deploy, Provider, PullRequestRef, ServiceInfo } from './types.js';

/** The deploy this run verifies, and what was live before it. */
export interface LocatedDeploy {
  service: ServiceInfo;
  deploy: Deploy;
  /** The deploy that was live before ours: the first choice for a rollback. */
  lastKnownGood?: Deploy;
  /** Every deploy seen at the start, newest first: the rollback's other candidates. */
  deploys: Deploy[];
}

/** How the deploy to verify is found, from the inputs. */
export interface LocateSettings {
  /** `deploy-id`: a deploy named exactly, or `current` for the live one. */
  deployId?: string;
  commit: string;
  /** `deploy: true`: this run starts the deploy. */
  trigger: boolean;
  /** The `interval` input: the first delay between looks at the deploy list. */
  intervalMs: number;
  /** On pull_request events: the PR whose preview is verified. */
  pullRequest?: PullRequestRef;
}

export interface LocateOptions extends LocateSettings {
  deadline: Deadline;
  sleep: Sleep;
  random?: Random;
  log: (line: string) => void;
}

/**
 * Finds the deploy to verify: the one named by `deploy-id`, the one this run triggers, or the newest
 * deploy of `commit` (waiting for it to appear, since the provider's webhook can lag the push). Records
 * the last known good deploy before anything changes.
 */
export async function locateDeploy(provider: Provider, options: LocateOptions): Promise<LocatedDeploy> {
  const service = await provider.service();
  const deploys = await provider.listDeploys();
  let deploy: Deploy | undefined;
  if (options.deployId === 'current') {
    // Verify whatever serves now (workflow_dispatch): the live deploy that has the traffic, newest first.
    deploy = deploys.find((candidate) => candidate.state === 'live' && candidate.servesTraffic !== false);
    if (!deploy) {
      throw new DeployNotFoundError(
        `${provider.label} reports no live deploy on service ${service.name} (${service.id}), so \`deploy-id: current\` has nothing to verify.`,
      );
    }
  } else if (options.deployId) {
    deploy = await provider.getDeploy(options.deployId);
  } else {
    if (options.trigger) {
      deploy = await provider.triggerDeploy(options.commit);
      options.log(
        deploy
          ? `${provider.label}: triggered deploy ${deploy.id} of ${options.commit}.`
          : `${provider.label}: deploy of ${options.commit} queued; looking for it in the deploy list.`,
      );
    }
    // A deploy this run queued (202) is not in the list read before the trigger: wait for it to appear.
    if (!options.trigger) deploy = newestOfCommit(deploys, options.commit);
    deploy ??= await waitForAppearance(provider, service, deploys, options);
  }
  options.log(
    `${provider.label}: verifying deploy ${deploy.id} (${deploy.status}${deploy.commit ? `, commit ${deploy.commit.slice(0, 12)}` : ''}) of ${service.name}.`,
  );
  const lastKnownGood = findLastKnownGood(deploys, deploy);
  if (lastKnownGood)
    options.log(
      `${provider.label}: last known good deploy is ${lastKnownGood.id} (${lastKnownGood.status}).`,
    );
  return { service, deploy, lastKnownGood, deploys };
}

function newestOfCommit(deploys: readonly Deploy[], commit: string): Deploy | undefined {
  return deploys.find((deploy) => deploy.commit !== undefined && versionMatches(commit, deploy.commit));
}

function newestCreatedAt(deploys: readonly Deploy[]): number | undefined {
  return deploys[0]?.createdAt;
}

async function waitForAppearance(
  provider: Provider,
  service: ServiceInfo,
  initial: readonly Deploy[],
  options: LocateOptions,
): Promise<Deploy> {
  const { deadline } = options;
  const short = options.commit.slice(0, 12);
  options.log(
    `${provider.label}: no deploy of commit ${short} yet on ${service.name}; waiting for it to appear.`,
  );
  // Only deploys newer than the newest one seen can be ours now: one cheap, filtered request per poll.
  let since = newestCreatedAt(initial);
  const pacing = providerPacing(options.intervalMs);
  const backoff = new Backoff({ initialMs: pacing.initialMs, maxMs: pacing.maxMs, random: options.random });
  while (await deadline.sleep(options.sleep, backoff.next())) {
    if (deadline.expired()) break;
    let fresh: Deploy[];
    try {
      fresh = await provider.listDeploys(since === undefined ? {} : { createdAfter: since });
    } catch (error) {
      // The deadline passed between this loop's look at it and the client's: that is the timeout.
      if (error instanceof BudgetExhaustedError) break;
      throw error;
    }
    const found = newestOfCommit(fresh, options.commit);
    if (found) return found;
    since = newestCreatedAt(fresh) ?? since;
  }
  throw new DeployNotFoundError(
    `${provider.label} created no deploy of commit ${short} on service ${service.name} (${service.id}) within ` +
      `${formatDuration(deadline.budgetMs)} (timeout). Check that auto-deploy is on for this branch and that the ` +
      'push reached the provider, pass `deploy-id`, or set `deploy: true` to start the deploy from this step.',
  );
}

/** Waits for the provider to create the PR's preview; the wait counts against `timeout`. */
export async function waitForPreview(
  provider: Provider,
  pr: PullRequestRef,
  deadline: Deadline,
  deps: { sleep: Sleep; random?: Random; log: { info(message: string): void } },
): Promise<ServiceInfo> {
  const backoff = new Backoff({ initialMs: 5000, maxMs: 20_000, random: deps.random });
  const notFound = (): DeployNotFoundError =>
    new DeployNotFoundError(
      `${provider.label} created no preview for PR #${pr.number} (branch ${pr.branch}) within ${formatDuration(deadline.budgetMs)} (timeout). ` +
        'Check that pull-request previews are on for the service (Render: Previews; Railway: PR environments), and that the PR title does not skip them.',
    );
  for (;;) {
    let preview: ServiceInfo | undefined;
    try {
      preview = await provider.usePreview(pr);
    } catch (error) {
      // The deadline passed between this loop's look at it and the client's: that is the timeout.
      if (error instanceof BudgetExhaustedError) throw notFound();
      throw error;
    }
    if (preview) {
      deps.log.info(
        `${provider.label}: verifying the preview of PR #${pr.number}: ${preview.name} (${preview.id}).`,
      );
      return preview;
    }
    deps.log.info(
      `${provider.label}: no preview of PR #${pr.number} (branch ${pr.branch}) yet; waiting for it.`,
    );
    if (!(await deadline.sleep(deps.sleep, backoff.next())) || deadline.expired()) throw notFound();
  }
}
