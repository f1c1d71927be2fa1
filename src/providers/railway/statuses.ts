import { ProviderApiError } from '../../errors.js';
import { parseTime } from '../api-client.js';
import type { Deploy, DeployState, FailedStage } from '../types.js';

/** Railway's 13 deployment statuses and what each means for the run. */
const STATES: Record<string, { state: DeployState; failedStage?: FailedStage; deploying?: boolean }> = {
  INITIALIZING: { state: 'pending' },
  QUEUED: { state: 'pending' },
  WAITING: { state: 'pending' },
  BUILDING: { state: 'pending' },
  DEPLOYING: { state: 'pending', deploying: true },
  NEEDS_APPROVAL: { state: 'needs-approval' },
  SUCCESS: { state: 'live' },
  SLEEPING: { state: 'live' },
  FAILED: { state: 'failed', failedStage: 'deploy' },
  CRASHED: { state: 'failed', failedStage: 'runtime' },
  SKIPPED: { state: 'skipped' },
  // Removed before going live: canceled, unless a newer deployment took over (run/deploy-phases.ts decides).
  REMOVING: { state: 'canceled' },
  REMOVED: { state: 'canceled' },
};

export interface RailwayDeployment {
  id: string;
  status?: string;
  createdAt?: string;
  statusUpdatedAt?: string | null;
  canRollback?: boolean;
  meta?: { commitHash?: unknown } | null;
  projectId?: string;
}

/** A deployment as Railway reports it, in provider-neutral terms; an unknown status stops the run. */
export function toDeploy(raw: RailwayDeployment): Deploy {
  if (!raw || typeof raw.id !== 'string') {
    throw new ProviderApiError('Railway API: a deployment without an id came back; check `api-url`.');
  }
  const status = String(raw.status ?? '');
  const mapped = STATES[status];
  if (!mapped) {
    throw new ProviderApiError(
      `Railway reported deployment ${raw.id} with status "${status || '(none)'}", which is not one of the 13 statuses ` +
        'this version knows; the result would be a guess, so the run stops. Update Deploy Sentinel.',
    );
  }
  const commit = typeof raw.meta?.commitHash === 'string' ? raw.meta.commitHash : undefined;
  const updated = parseTime(raw.statusUpdatedAt ?? undefined);
  return {
    id: raw.id,
    status,
    state: mapped.state,
    failedStage: mapped.failedStage,
    commit,
    createdAt: parseTime(raw.createdAt),
    finishedAt: mapped.state === 'pending' ? undefined : updated,
    canRollbackTo: raw.canRollback === true && ['SUCCESS', 'SLEEPING', 'REMOVED'].includes(status),
    sleeping: status === 'SLEEPING',
    deploying: mapped.deploying,
  };
}
