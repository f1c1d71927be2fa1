import type { Deploy, Provider } from './types.js';

/**
 * The questions about a service's deploy history that finding a deploy and rolling one back both ask.
 * "Before ours" is by creation time; "most recent" is by when a deploy finished, newest first.
 */

/** Deploys other than ours that were created before it (all of them when ours has no creation time). */
function before(deploys: readonly Deploy[], ours: Deploy): Deploy[] {
  return deploys.filter(
    (deploy) =>
      deploy.id !== ours.id && (ours.createdAt === undefined || (deploy.createdAt ?? 0) < ours.createdAt),
  );
}

/** The most recently finished deploy of `deploys` that the provider can roll back to. */
function latestRollbackable(deploys: readonly Deploy[]): Deploy | undefined {
  return deploys
    .filter((deploy) => deploy.canRollbackTo)
    .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0))[0];
}

/**
 * The deploy that was live before ours: the one live now when ours is not live yet, else the newest one
 * that had been live and finished before ours did.
 */
export function findLastKnownGood(deploys: readonly Deploy[], ours: Deploy): Deploy | undefined {
  const earlier = before(deploys, ours);
  return earlier.find((deploy) => deploy.state === 'live') ?? latestRollbackable(earlier);
}

/**
 * Picks the rollback target: the last known good deploy, else the newest deploy other than ours that
 * was live before it (by `finishedAt`), as long as the provider can roll back to it.
 */
export function chooseRollbackTarget(
  ours: Deploy,
  lastKnownGood: Deploy | undefined,
  deploys: readonly Deploy[],
): Deploy | undefined {
  if (lastKnownGood && lastKnownGood.id !== ours.id && lastKnownGood.canRollbackTo) return lastKnownGood;
  return latestRollbackable(before(deploys, ours));
}

/**
 * Deploys created after ours that take over from it: still on their way, live, or replaced in turn. A
 * newer deploy that failed or was canceled leaves ours serving, so it does not count. Undefined when the
 * provider gave ours no creation time, so "newer" cannot be told.
 */
export async function newerDeploys(provider: Provider, ours: Deploy): Promise<Deploy[] | undefined> {
  if (ours.createdAt === undefined) return undefined;
  const newer = await provider.listDeploys({ createdAfter: ours.createdAt });
  return newer.filter(
    (deploy) =>
      deploy.id !== ours.id &&
      deploy.state !== 'failed' &&
      deploy.state !== 'canceled' &&
      deploy.state !== 'skipped',
  );
}
