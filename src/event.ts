import { existsSync, readFileSync } from 'node:fs';

/** A `deployment_status` event: what the provider told GitHub about a deploy. */
export interface DeploymentStatusEvent {
  /** `success`, `failure`, `error`, `inactive`, `in_progress`, `queued` or `pending`. */
  state: string;
  environmentUrl?: string;
  /** The GitHub environment, e.g. `production` or `shop-api PR #12`. */
  environment: string;
  sha: string;
  /** Render and Railway name previews after the pull request: `… PR #12`. */
  pullNumber?: number;
  /** GitHub's own flag for an environment that goes away (a preview). */
  transient: boolean;
}

/** The workflow's triggering event, as far as the action uses it. */
export interface RunEvent {
  name: string;
  deploymentStatus?: DeploymentStatusEvent;
  pullRequest?: { number: number; headRef: string; headSha: string; fork: boolean };
}

/**
 * Reads the event the workflow runs on from `GITHUB_EVENT_NAME` and the payload at `GITHUB_EVENT_PATH`.
 * A missing or unreadable payload is an empty event: the inputs then decide everything.
 */
export function readRunEvent(env: Record<string, string | undefined>): RunEvent {
  const name = env.GITHUB_EVENT_NAME ?? '';
  const path = env.GITHUB_EVENT_PATH;
  if (!path || !existsSync(path)) return { name };
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return { name };
  }
  const event: RunEvent = { name };
  const status = payload.deployment_status as Record<string, unknown> | undefined;
  const deployment = payload.deployment as Record<string, unknown> | undefined;
  if (name === 'deployment_status' && status && deployment) {
    const environment = String(deployment.environment ?? status.environment ?? '');
    const pr = /\bPR #(\d+)\b/i.exec(environment);
    event.deploymentStatus = {
      state: String(status.state ?? ''),
      environmentUrl:
        typeof status.environment_url === 'string' && status.environment_url
          ? status.environment_url
          : undefined,
      environment,
      sha: String(deployment.sha ?? ''),
      pullNumber: pr ? Number(pr[1]) : undefined,
      transient: deployment.transient_environment === true,
    };
  }
  const pull = payload.pull_request as Record<string, unknown> | undefined;
  if (pull && typeof pull.number === 'number') {
    const head = (pull.head ?? {}) as { ref?: string; sha?: string; repo?: { full_name?: string } | null };
    const base = (pull.base ?? {}) as { repo?: { full_name?: string } | null };
    event.pullRequest = {
      number: pull.number,
      headRef: String(head.ref ?? ''),
      headSha: String(head.sha ?? ''),
      fork: Boolean(
        head.repo?.full_name && base.repo?.full_name && head.repo.full_name !== base.repo.full_name,
      ),
    };
  }
  return event;
}
