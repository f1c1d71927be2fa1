/**
 * GitHub event payloads for end-to-end and fault tests, shaped like the ones GitHub writes to
 * `GITHUB_EVENT_PATH` (the fields the action and the runner read, and the usual company): `deployment_status`
 * as Render's and Railway's GitHub apps cause it, `pull_request`, `push` and `workflow_dispatch`. Builders
 * return the payload; {@link writeEvent} puts one in a file, {@link eventFiles} does both for one repository.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EventRepository {
  owner: string;
  repo: string;
  /** Defaults to true. */
  private?: boolean;
  /** Defaults to 123456789. */
  id?: number;
}

/** The user who triggered a run (`sender`), and the author of pull requests. */
export const OCTOCAT = { login: 'octocat', id: 583231, type: 'User' };
/** The app account Render's GitHub app acts as. */
const RENDER_BOT = { login: 'render[bot]', type: 'Bot' };

/** `repository` of an event payload. */
export function repositoryPayload(repository: EventRepository): Record<string, unknown> {
  const fullName = `${repository.owner}/${repository.repo}`;
  return {
    id: repository.id ?? 123456789,
    name: repository.repo,
    full_name: fullName,
    private: repository.private ?? true,
    default_branch: 'main',
    owner: { login: repository.owner, type: 'Organization' },
    html_url: `https://github.com/${fullName}`,
  };
}

const minutesAgo = (minutes: number): string => new Date(Date.now() - minutes * 60_000).toISOString();

export interface DeploymentStatusFields {
  repository: EventRepository;
  /** `success`, `failure`, `error`, `pending`, ... */
  state: string;
  /** The GitHub environment, e.g. `production` or `shop-api PR #12`. */
  environment: string;
  /** Sent for a `success` only, as the providers do (empty otherwise). */
  environmentUrl: string;
  sha: string;
  /** Defaults to `feature/checkout`. */
  ref?: string;
  /** `transient_environment`; defaults to true (a preview). */
  transient?: boolean;
  /** `production_environment`; defaults to false. */
  production?: boolean;
}

/** `deployment_status` (action `created`), as a provider's GitHub app causes it. */
export function deploymentStatusEvent(fields: DeploymentStatusFields): Record<string, unknown> {
  const dashboard = 'https://dashboard.render.com/web/srv-example/deploys/dep-example';
  return {
    action: 'created',
    deployment_status: {
      id: 2_000_001,
      state: fields.state,
      description: fields.state === 'success' ? 'Deployed' : 'Deploy failed',
      environment: fields.environment,
      environment_url: fields.state === 'success' ? fields.environmentUrl : '',
      target_url: dashboard,
      log_url: dashboard,
      created_at: minutesAgo(0),
      creator: RENDER_BOT,
    },
    deployment: {
      id: 1_000_001,
      sha: fields.sha,
      ref: fields.ref ?? 'feature/checkout',
      task: 'deploy',
      environment: fields.environment,
      original_environment: fields.environment,
      transient_environment: fields.transient ?? true,
      production_environment: fields.production ?? false,
      payload: {},
      description: null,
      created_at: minutesAgo(1),
      creator: RENDER_BOT,
    },
    repository: repositoryPayload(fields.repository),
    sender: RENDER_BOT,
  };
}

export interface PullRequestFields {
  repository: EventRepository;
  number: number;
  headRef: string;
  headSha: string;
  /** Defaults to 40 zeros. */
  baseSha?: string;
  /** `owner/name` of a fork the head comes from; defaults to the repository itself. */
  headRepo?: string;
  /** Defaults to `synchronize`. */
  action?: string;
}

/** `pull_request`. */
export function pullRequestEvent(fields: PullRequestFields): Record<string, unknown> {
  const { owner, repo } = fields.repository;
  const headRepo = fields.headRepo ?? `${owner}/${repo}`;
  return {
    action: fields.action ?? 'synchronize',
    number: fields.number,
    pull_request: {
      number: fields.number,
      state: 'open',
      title: `Pull request #${fields.number}`,
      head: {
        ref: fields.headRef,
        sha: fields.headSha,
        label: `${headRepo.split('/')[0]}:${fields.headRef}`,
        repo: { full_name: headRepo, fork: headRepo !== `${owner}/${repo}` },
      },
      base: {
        ref: 'main',
        sha: fields.baseSha ?? '0'.repeat(40),
        label: `${owner}:main`,
        repo: { full_name: `${owner}/${repo}` },
      },
      user: OCTOCAT,
    },
    repository: repositoryPayload(fields.repository),
    sender: OCTOCAT,
  };
}

/** `push` of `after` onto `ref` (defaults to `refs/heads/main`). */
export function pushEvent(fields: {
  repository: EventRepository;
  after: string;
  before?: string;
  ref?: string;
}): Record<string, unknown> {
  const fullName = `${fields.repository.owner}/${fields.repository.repo}`;
  return {
    ref: fields.ref ?? 'refs/heads/main',
    before: fields.before ?? '0'.repeat(40),
    after: fields.after,
    created: false,
    deleted: false,
    forced: false,
    compare: `https://github.com/${fullName}/compare/${(fields.before ?? '0'.repeat(40)).slice(0, 12)}...${fields.after.slice(0, 12)}`,
    head_commit: { id: fields.after, message: 'Deploy', timestamp: minutesAgo(1) },
    pusher: { name: OCTOCAT.login },
    repository: repositoryPayload(fields.repository),
    sender: OCTOCAT,
  };
}

/** `workflow_dispatch` with its `inputs`. */
export function workflowDispatchEvent(fields: {
  repository: EventRepository;
  inputs: Record<string, string>;
  /** Defaults to `.github/workflows/manual-dispatch.yml`. */
  workflow?: string;
}): Record<string, unknown> {
  return {
    inputs: fields.inputs,
    ref: 'refs/heads/main',
    workflow: fields.workflow ?? '.github/workflows/manual-dispatch.yml',
    repository: repositoryPayload(fields.repository),
    sender: OCTOCAT,
  };
}

/** Writes a payload to a new file in `dir` and returns its path (what `GITHUB_EVENT_PATH` gets). */
export function writeEvent(dir: string, name: string, payload: unknown): string {
  const path = join(dir, `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(payload, null, 2));
  return path;
}

/** Event files for one repository, written to `dir`: each returns the file's path. */
export function eventFiles(dir: string, repository: EventRepository, defaults: { baseSha?: string } = {}) {
  return {
    deploymentStatus: (fields: Omit<DeploymentStatusFields, 'repository'>) =>
      writeEvent(dir, 'deployment_status', deploymentStatusEvent({ repository, ...fields })),
    pullRequest: (number: number, headRef: string, headSha: string) =>
      writeEvent(
        dir,
        'pull_request',
        pullRequestEvent({ repository, number, headRef, headSha, baseSha: defaults.baseSha }),
      ),
    push: (after: string, before?: string) =>
      writeEvent(dir, 'push', pushEvent({ repository, after, before })),
    workflowDispatch: (inputs: Record<string, string>) =>
      writeEvent(dir, 'workflow_dispatch', workflowDispatchEvent({ repository, inputs })),
  };
}
