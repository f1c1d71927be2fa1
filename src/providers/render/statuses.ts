import { ProviderApiError } from '../../errors.js';
import { parseTime } from '../api-client.js';
import type { Deploy, DeployState, FailedStage } from '../types.js';

/** Events that say why a build or deploy ended. */
export const FAILURE_EVENTS = new Set(['build_ended', 'pre_deploy_ended', 'deploy_ended', 'server_failed']);

/** Render's 11 deploy statuses and what each means for the run. */
const STATES: Record<string, { state: DeployState; failedStage?: FailedStage; deploying?: boolean }> = {
  created: { state: 'pending' },
  queued: { state: 'pending' },
  build_in_progress: { state: 'pending' },
  update_in_progress: { state: 'pending', deploying: true },
  pre_deploy_in_progress: { state: 'pending' },
  live: { state: 'live' },
  build_failed: { state: 'failed', failedStage: 'build' },
  update_failed: { state: 'failed', failedStage: 'deploy' },
  pre_deploy_failed: { state: 'failed', failedStage: 'pre-deploy' },
  canceled: { state: 'canceled' },
  deactivated: { state: 'replaced' },
};

export interface RenderDeploy {
  id: string;
  status?: string;
  trigger?: string;
  commit?: { id?: string };
  createdAt?: string;
  finishedAt?: string;
}

/** A deploy as Render reports it, in provider-neutral terms; an unknown status stops the run. */
export function toDeploy(raw: RenderDeploy): Deploy {
  if (!raw || typeof raw.id !== 'string')
    throw new ProviderApiError(
      'Render API: reading a deploy returned something other than a deploy with an id; check `api-url`.',
    );
  const status = String(raw.status ?? '');
  const mapped = STATES[status];
  if (!mapped) {
    throw new ProviderApiError(
      `Render reported deploy ${raw.id} with status "${status || '(none)'}", which is not one of the 11 statuses ` +
        'this version knows; the result would be a guess, so the run stops. Update Deploy Sentinel.',
    );
  }
  return {
    id: raw.id,
    status,
    state: mapped.state,
    failedStage: mapped.failedStage,
    commit: raw.commit?.id,
    createdAt: parseTime(raw.createdAt),
    finishedAt: parseTime(raw.finishedAt),
    canRollbackTo: status === 'live' || status === 'deactivated',
    trigger: raw.trigger,
    deploying: mapped.deploying,
  };
}

/** Render's `reason.failure` (and friends) in words: the why of a failed build or deploy. */
export function describeFailure(reason: unknown): string | undefined {
  if (!reason || typeof reason !== 'object') return undefined;
  const r = reason as Record<string, unknown>;
  const failure = (r.failure ?? (r.buildFailed ? {} : undefined)) as Record<string, unknown> | undefined;
  if (!failure) return r.newDeploy || r.newBuild ? 'replaced by a newer deploy' : undefined;
  const parts: string[] = [];
  if (typeof failure.nonZeroExit === 'number') parts.push(`exited with status ${failure.nonZeroExit}`);
  if (failure.earlyExit) parts.push('exited early');
  if (failure.oomKilled) {
    const limit = (failure.oomKilled as { memoryLimit?: string }).memoryLimit;
    parts.push(`out of memory (OOM killed${limit ? `, limit ${limit}` : ''})`);
  }
  if (typeof failure.timedOutSeconds === 'number')
    parts.push(
      `timed out after ${failure.timedOutSeconds}s${failure.timedOutReason ? ` (${failure.timedOutReason})` : ''}`,
    );
  if (typeof failure.unhealthy === 'string') parts.push(`unhealthy: ${failure.unhealthy}`);
  if (failure.evicted) parts.push('evicted');
  return parts.length > 0 ? parts.join('; ') : 'failed (no reason given)';
}
