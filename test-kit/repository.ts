/**
 * A repository on (emulated) GitHub, as a job that uses the action sees it. Its files reach the workspace
 * when actions/checkout runs, after `pre`; before that, pre can read its checks file only through the
 * contents API, at the job's commit, with the job's token. {@link startRepository} serves a directory (by
 * default `examples/demo`: checks.yml with a canary, health-schema.yaml) from the GitHub emulator at one
 * commit, to one token, and makes jobs of that repository, commit and token.
 */
import { join } from 'node:path';
import { ACTION_ROOT } from './runner/action.js';
import { Job, type JobOptions } from './runner/job.js';
import {
  startGitHubEmulator,
  type GitHubEmulator,
  type GitHubEmulatorOptions,
  type Permissions,
} from './emulators/github-emulator.js';

/** The example repository: checks.yml (smoke checks, a login round-trip, the canary), health-schema.yaml. */
export const DEMO_REPOSITORY = join(ACTION_ROOT, 'examples', 'demo');

/** What the README's workflows grant the job's token: `permissions: { contents: read, ... }`. */
export const WORKFLOW_PERMISSIONS: Permissions = {
  contents: 'read',
  'pull-requests': 'write',
  checks: 'write',
  deployments: 'read',
};

/** The job's GITHUB_TOKEN (a fixture: the emulator knows it, nothing else does). */
export const JOB_TOKEN = 'ghs_Q7mK2vX9pL4wR8tZ3nB6cJ1hF5dG0sYa';

export interface RepositoryOptions {
  /** The job's commit (`github.sha`): the only ref the contents API serves the files at. */
  sha: string;
  /** The repository's files; defaults to {@link DEMO_REPOSITORY}. */
  dir?: string;
  /** The job token's permissions; defaults to {@link WORKFLOW_PERMISSIONS}. */
  permissions?: Permissions;
  token?: string;
  /** Anything else of the GitHub emulator (owner, repo, pull requests, more tokens). */
  github?: Partial<GitHubEmulatorOptions>;
}

export interface Repository {
  readonly github: GitHubEmulator;
  readonly sha: string;
  readonly token: string;
  readonly dir: string;
  /**
   * A job of this repository at `sha`, with its token and GITHUB_API_URL on the emulator. `options`
   * add to (and may override) that, e.g. `event`, `env`, or `github.workflow`.
   */
  job(options?: JobOptions): Job;
  close(): Promise<void>;
}

/** Starts a GitHub emulator serving `dir` at `sha` to the job's token. */
export async function startRepository(options: RepositoryOptions): Promise<Repository> {
  const dir = options.dir ?? DEMO_REPOSITORY;
  const token = options.token ?? JOB_TOKEN;
  const github = await startGitHubEmulator({
    owner: 'acme',
    repo: 'shop',
    ...options.github,
    tokens: [
      { token, permissions: options.permissions ?? WORKFLOW_PERMISSIONS },
      ...(options.github?.tokens ?? []),
    ],
    repositoryFiles: { dir, ref: options.sha },
  });
  return {
    github,
    sha: options.sha,
    token,
    dir,
    job: (jobOptions = {}) =>
      new Job({
        repository: dir,
        githubApi: { url: github.url, token },
        ...jobOptions,
        github: {
          sha: options.sha,
          repository: `${github.owner}/${github.repo}`,
          server_url: github.serverUrl,
          ...jobOptions.github,
        },
      }),
    close: () => github.close(),
  };
}

/** `METHOD path?query` of each call to the contents API: what pre read from the repository, and at which ref. */
export function contentsReads(github: GitHubEmulator): string[] {
  return github.requests
    .filter((request) => request.operationId === 'repos/get-content')
    .map((request) => {
      const query = new URLSearchParams(request.query as Record<string, string>).toString();
      return `${request.method} ${request.path}${query ? `?${query}` : ''} -> ${request.status}`;
    });
}
