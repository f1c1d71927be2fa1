/**
 * The scenario state of the GitHub emulator, for one repository: tokens, pull requests, issue comments,
 * check runs, deployments and their statuses, and the files of one commit; and the JSON GitHub serves for
 * them, as full objects (every field the description requires). No HTTP here: github-routes.ts answers
 * requests from this state, github-emulator.ts wires both to the server and the contract.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GitHubTokenSpec } from './github-operations.js';
import type { Json } from './openapi.js';

export type CheckRunStatus = 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
export type CheckRunConclusion =
  'action_required' | 'cancelled' | 'failure' | 'neutral' | 'success' | 'skipped' | 'timed_out';
export type DeploymentState =
  'error' | 'failure' | 'inactive' | 'pending' | 'success' | 'queued' | 'in_progress';

export interface PullRequestSpec {
  number: number;
  headRef: string;
  headSha: string;
  baseRef?: string;
  baseSha?: string;
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
  merged?: boolean;
  draft?: boolean;
  /** The author's login; defaults to `octocat`. */
  user?: string;
  /** `owner/name` of a fork the head comes from; defaults to the emulated repository. */
  headRepo?: string;
  createdAt?: string;
}

export interface DeploymentSpec {
  /** Defaults to the next ID. */
  id?: number;
  sha: string;
  /** Defaults to `sha`. */
  ref?: string;
  environment: string;
  /** Defaults to `environment`. */
  originalEnvironment?: string;
  task?: string;
  description?: string | null;
  /** The creator's login; defaults to `render[bot]`. */
  creator?: string;
  payload?: Record<string, unknown> | string;
  transient?: boolean;
  /** Defaults to `environment === 'production'`. */
  production?: boolean;
  createdAt?: string;
}

export interface DeploymentStatusSpec {
  state: DeploymentState;
  environmentUrl?: string;
  logUrl?: string;
  /** Defaults to `logUrl`, else `environmentUrl`, else the repository's deployments page. */
  targetUrl?: string;
  description?: string;
  /** Defaults to the deployment's environment. */
  environment?: string;
  /** Defaults to the deployment's creator. */
  creator?: string;
  createdAt?: string;
}

export interface CommentSpec {
  body: string;
  /** Defaults to `github-actions[bot]`. */
  user?: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface EmulatedComment {
  id: number;
  issue: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface EmulatedCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: CheckRunStatus;
  conclusion: CheckRunConclusion | null;
  startedAt: string | null;
  completedAt: string | null;
  detailsUrl: string | null;
  externalId: string;
  output: { title: string | null; summary: string | null; text: string | null; annotationsCount: number };
  /** The slug of the app that created it. */
  app: string;
  /** PATCHes applied so far. */
  updates: number;
}

/** The files of one commit, served by the repository contents endpoint. */
export interface RepositoryFilesSpec {
  /** A directory on disk: its tree is the repository's at `ref`. */
  dir: string;
  /**
   * The commit SHA the files are at. Only a request with this `ref` is served them; another ref is answered
   * 404 `No commit found for the ref ...`, and a request without `ref` (the default branch, which is not
   * this commit) 404 `Not Found`. Undefined: every ref, and the default branch, has these files.
   */
  ref?: string;
}

export interface TokenState extends Required<Omit<GitHubTokenSpec, 'login'>> {
  login: string;
}

export interface CommentRecord extends EmulatedComment {
  nodeId: string;
}

export interface CheckRunRecord extends Omit<EmulatedCheckRun, 'output'> {
  title: string | null;
  summary: string | null;
  text: string | null;
  annotationsCount: number;
  suiteId: number;
}

export interface PullRequestRecord extends Required<Omit<PullRequestSpec, 'headRepo' | 'createdAt'>> {
  id: number;
  headRepo: string;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentRecord {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  originalEnvironment: string;
  task: string;
  description: string | null;
  creator: string;
  payload: Record<string, unknown> | string;
  transient: boolean;
  production: boolean;
  createdAt: string;
  statuses: DeploymentStatusRecord[];
}

export interface DeploymentStatusRecord {
  id: number;
  state: DeploymentState;
  environmentUrl?: string;
  logUrl?: string;
  targetUrl: string;
  description: string;
  environment: string;
  creator: string;
  createdAt: string;
}

export const GITHUB_ACTIONS_LOGIN = 'github-actions[bot]';
/** The IDs GitHub gives github-actions[bot], the GitHub Actions app and the github organization. */
const WELL_KNOWN_IDS: Record<string, number> = { [GITHUB_ACTIONS_LOGIN]: 41898282, github: 9919 };
export const GITHUB_ACTIONS_APP = { id: 15368, slug: 'github-actions', name: 'GitHub Actions' };
export const COMMENT_BODY_LIMIT = 65536;

export interface GitHubStateOptions {
  owner?: string;
  repo?: string;
  repositoryId?: number;
  private?: boolean;
  tokens: GitHubTokenSpec[];
  serverUrl?: string;
  now?: () => Date;
  pullRequests?: PullRequestSpec[];
  deployments?: DeploymentSpec[];
  repositoryFiles?: RepositoryFilesSpec;
}

/** A file or directory of the served commit, as the contents endpoint reads it. */
export type RepositoryEntry =
  | { kind: 'file'; path: string; name: string; bytes: Buffer }
  | {
      kind: 'dir';
      path: string;
      name: string;
      entries: { kind: 'file' | 'dir'; path: string; name: string; size: number; sha: string }[];
    };

export type GitHubState = ReturnType<typeof createGitHubState>;

/** The scenario: records, the API origin (known once the server listens) and the JSON GitHub serves. */
export function createGitHubState(options: GitHubStateOptions) {
  const owner = options.owner ?? 'octo-org';
  const repo = options.repo ?? 'deploy-sentinel-example';
  const repositoryId = options.repositoryId ?? 987654321;
  const isPrivate = options.private ?? true;
  const serverUrl = (options.serverUrl ?? 'https://github.com').replace(/\/$/, '');
  const clock = options.now ?? (() => new Date());
  const timestamp = (date: Date = clock()) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

  const tokens = new Map<string, TokenState>();
  const addToken = (spec: GitHubTokenSpec) =>
    tokens.set(spec.token, {
      token: spec.token,
      permissions: { ...spec.permissions, metadata: spec.permissions.metadata ?? 'read' },
      login: spec.login ?? GITHUB_ACTIONS_LOGIN,
      kind: spec.kind ?? 'integration',
    });
  options.tokens.forEach(addToken);

  const comments = new Map<number, CommentRecord[]>();
  const checkRuns: CheckRunRecord[] = [];
  const checkSuites = new Map<string, number>();
  const pulls = new Map<number, PullRequestRecord>();
  const deployments = new Map<number, DeploymentRecord>();
  let nextCommentId = 2_000_000_001;
  let nextCheckRunId = 30_000_000_001;
  let nextSuiteId = 10_000_000_001;
  let nextDeploymentId = 1_500_000_001;
  let nextStatusId = 3_000_000_001;
  // Known only once listening.
  let api = '';

  // --- JSON factories: full objects, as GitHub serves them --------------------------------------------

  const idFor = (login: string): number => {
    const known = WELL_KNOWN_IDS[login];
    if (known !== undefined) return known;
    let hash = 7;
    for (const char of login) hash = (hash * 31 + char.charCodeAt(0)) % 90_000_000;
    return 10_000_000 + hash;
  };
  const nodeId = (type: string, id: number) =>
    Buffer.from(`0${type.length + 1}:${type}${id}`).toString('base64');
  const userJson = (login: string, type?: 'User' | 'Bot' | 'Organization'): Json => {
    const id = idFor(login);
    const kind = type ?? (login.endsWith('[bot]') ? 'Bot' : 'User');
    const userApi = `${api}/users/${encodeURIComponent(login)}`;
    const slug = login.replace(/\[bot\]$/, '');
    return {
      login,
      id,
      node_id: nodeId(kind, id),
      avatar_url:
        kind === 'Bot'
          ? `https://avatars.githubusercontent.com/in/${slug === 'github-actions' ? GITHUB_ACTIONS_APP.id : id}?v=4`
          : `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: userApi,
      html_url: kind === 'Bot' ? `${serverUrl}/apps/${slug}` : `${serverUrl}/${login}`,
      followers_url: `${userApi}/followers`,
      following_url: `${userApi}/following{/other_user}`,
      gists_url: `${userApi}/gists{/gist_id}`,
      starred_url: `${userApi}/starred{/owner}{/repo}`,
      subscriptions_url: `${userApi}/subscriptions`,
      organizations_url: `${userApi}/orgs`,
      repos_url: `${userApi}/repos`,
      events_url: `${userApi}/events{/privacy}`,
      received_events_url: `${userApi}/received_events`,
      type: kind,
      user_view_type: 'public',
      site_admin: false,
    };
  };
  const appJson = (): Json => ({
    id: GITHUB_ACTIONS_APP.id,
    slug: GITHUB_ACTIONS_APP.slug,
    node_id: nodeId('App', GITHUB_ACTIONS_APP.id),
    client_id: 'Iv1.05c79e9ad1f6bdfa',
    owner: userJson('github', 'Organization'),
    name: GITHUB_ACTIONS_APP.name,
    description: 'Automate your workflow from idea to production',
    external_url: 'https://help.github.com/en/actions',
    html_url: `${serverUrl}/apps/github-actions`,
    created_at: '2018-07-30T09:30:17Z',
    updated_at: '2019-12-10T19:04:12Z',
    permissions: {
      actions: 'write',
      checks: 'write',
      contents: 'write',
      deployments: 'write',
      issues: 'write',
      metadata: 'read',
      pull_requests: 'write',
      statuses: 'write',
    },
    events: ['check_run', 'check_suite', 'deployment', 'deployment_status', 'pull_request', 'push'],
  });
  const repositoryJson = (fullName: string, id: number, fork: boolean): Json => {
    const [repoOwner = owner, name = repo] = fullName.split('/');
    const base = `${api}/repos/${fullName}`;
    const created = '2025-01-06T09:00:00Z';
    return {
      id,
      node_id: nodeId('Repository', id),
      name,
      full_name: fullName,
      owner: userJson(repoOwner, repoOwner === owner ? 'Organization' : 'User'),
      private: isPrivate,
      html_url: `${serverUrl}/${fullName}`,
      description: null,
      fork,
      url: base,
      archive_url: `${base}/{archive_format}{/ref}`,
      assignees_url: `${base}/assignees{/user}`,
      blobs_url: `${base}/git/blobs{/sha}`,
      branches_url: `${base}/branches{/branch}`,
      collaborators_url: `${base}/collaborators{/collaborator}`,
      comments_url: `${base}/comments{/number}`,
      commits_url: `${base}/commits{/sha}`,
      compare_url: `${base}/compare/{base}...{head}`,
      contents_url: `${base}/contents/{+path}`,
      contributors_url: `${base}/contributors`,
      deployments_url: `${base}/deployments`,
      downloads_url: `${base}/downloads`,
      events_url: `${base}/events`,
      forks_url: `${base}/forks`,
      git_commits_url: `${base}/git/commits{/sha}`,
      git_refs_url: `${base}/git/refs{/sha}`,
      git_tags_url: `${base}/git/tags{/sha}`,
      git_url: `git://${new URL(serverUrl).host}/${fullName}.git`,
      issue_comment_url: `${base}/issues/comments{/number}`,
      issue_events_url: `${base}/issues/events{/number}`,
      issues_url: `${base}/issues{/number}`,
      keys_url: `${base}/keys{/key_id}`,
      labels_url: `${base}/labels{/name}`,
      languages_url: `${base}/languages`,
      merges_url: `${base}/merges`,
      milestones_url: `${base}/milestones{/number}`,
      notifications_url: `${base}/notifications{?since,all,participating}`,
      pulls_url: `${base}/pulls{/number}`,
      releases_url: `${base}/releases{/id}`,
      ssh_url: `git@${new URL(serverUrl).host}:${fullName}.git`,
      stargazers_url: `${base}/stargazers`,
      statuses_url: `${base}/statuses/{sha}`,
      subscribers_url: `${base}/subscribers`,
      subscription_url: `${base}/subscription`,
      tags_url: `${base}/tags`,
      teams_url: `${base}/teams`,
      trees_url: `${base}/git/trees{/sha}`,
      clone_url: `${serverUrl}/${fullName}.git`,
      mirror_url: null,
      hooks_url: `${base}/hooks`,
      svn_url: `${serverUrl}/${fullName}`,
      homepage: null,
      language: 'TypeScript',
      forks_count: 0,
      stargazers_count: 0,
      watchers_count: 0,
      size: 512,
      default_branch: 'main',
      open_issues_count: [...pulls.values()].filter((pr) => pr.state === 'open').length,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: true,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      visibility: isPrivate ? 'private' : 'public',
      pushed_at: created,
      created_at: created,
      updated_at: created,
      allow_forking: true,
      web_commit_signoff_required: false,
      license: null,
      forks: 0,
      open_issues: [...pulls.values()].filter((pr) => pr.state === 'open').length,
      watchers: 0,
    };
  };
  const repoBase = () => `${api}/repos/${owner}/${repo}`;
  const isFork = (pr: PullRequestRecord) => pr.headRepo.toLowerCase() !== `${owner}/${repo}`.toLowerCase();
  const pullRequestJson = (pr: PullRequestRecord, detailed: boolean): Json => {
    const base = repoBase();
    const prUrl = `${base}/pulls/${pr.number}`;
    const html = `${serverUrl}/${owner}/${repo}/pull/${pr.number}`;
    const headOwner = pr.headRepo.split('/')[0] ?? owner;
    const link = (href: string) => ({ href });
    const json: Json = {
      url: prUrl,
      id: pr.id,
      node_id: nodeId('PullRequest', pr.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${base}/issues/${pr.number}`,
      commits_url: `${prUrl}/commits`,
      review_comments_url: `${prUrl}/comments`,
      review_comment_url: `${base}/pulls/comments{/number}`,
      comments_url: `${base}/issues/${pr.number}/comments`,
      statuses_url: `${base}/statuses/${pr.headSha}`,
      number: pr.number,
      state: pr.state,
      locked: false,
      title: pr.title,
      user: userJson(pr.user),
      body: pr.body,
      labels: [],
      milestone: null,
      active_lock_reason: null,
      created_at: pr.createdAt,
      updated_at: pr.updatedAt,
      closed_at: pr.state === 'closed' ? pr.updatedAt : null,
      merged_at: pr.merged ? pr.updatedAt : null,
      merge_commit_sha: pr.merged ? pr.baseSha : null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: {
        label: `${headOwner}:${pr.headRef}`,
        ref: pr.headRef,
        sha: pr.headSha,
        user: userJson(headOwner, headOwner === owner ? 'Organization' : 'User'),
        repo: isFork(pr)
          ? repositoryJson(pr.headRepo, repositoryId + pr.number, true)
          : repositoryJson(`${owner}/${repo}`, repositoryId, false),
      },
      base: {
        label: `${owner}:${pr.baseRef}`,
        ref: pr.baseRef,
        sha: pr.baseSha,
        user: userJson(owner, 'Organization'),
        repo: repositoryJson(`${owner}/${repo}`, repositoryId, false),
      },
      _links: {
        self: link(prUrl),
        html: link(html),
        issue: link(`${base}/issues/${pr.number}`),
        comments: link(`${base}/issues/${pr.number}/comments`),
        review_comments: link(`${prUrl}/comments`),
        review_comment: link(`${base}/pulls/comments{/number}`),
        commits: link(`${prUrl}/commits`),
        statuses: link(`${base}/statuses/${pr.headSha}`),
      },
      author_association: isFork(pr) ? 'CONTRIBUTOR' : 'MEMBER',
      auto_merge: null,
      draft: pr.draft,
    };
    if (!detailed) return json;
    return {
      ...json,
      merged: pr.merged,
      mergeable: pr.state === 'open' ? true : null,
      rebaseable: pr.state === 'open' ? true : null,
      mergeable_state: pr.state === 'open' ? 'clean' : 'unknown',
      merged_by: pr.merged ? userJson(owner, 'Organization') : null,
      comments: comments.get(pr.number)?.length ?? 0,
      review_comments: 0,
      maintainer_can_modify: isFork(pr),
      commits: 1,
      additions: 10,
      deletions: 2,
      changed_files: 1,
    };
  };
  const commentJson = (comment: CommentRecord): Json => {
    const isPull = pulls.has(comment.issue);
    return {
      id: comment.id,
      node_id: comment.nodeId,
      url: `${repoBase()}/issues/comments/${comment.id}`,
      html_url: `${serverUrl}/${owner}/${repo}/${isPull ? 'pull' : 'issues'}/${comment.issue}#issuecomment-${comment.id}`,
      body: comment.body,
      user: userJson(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      issue_url: `${repoBase()}/issues/${comment.issue}`,
      author_association: comment.user.endsWith('[bot]') ? 'NONE' : 'MEMBER',
      performed_via_github_app: null,
      reactions: {
        url: `${repoBase()}/issues/comments/${comment.id}/reactions`,
        total_count: 0,
        '+1': 0,
        '-1': 0,
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0,
      },
    };
  };
  const minimalPullJson = (pr: PullRequestRecord): Json => {
    const repoRef = { id: repositoryId, url: repoBase(), name: repo };
    return {
      id: pr.id,
      number: pr.number,
      url: `${repoBase()}/pulls/${pr.number}`,
      head: { ref: pr.headRef, sha: pr.headSha, repo: repoRef },
      base: { ref: pr.baseRef, sha: pr.baseSha, repo: repoRef },
    };
  };
  const checkRunJson = (run: CheckRunRecord): Json => {
    const url = `${repoBase()}/check-runs/${run.id}`;
    return {
      id: run.id,
      head_sha: run.headSha,
      node_id: nodeId('CheckRun', run.id),
      external_id: run.externalId,
      url,
      html_url: `${serverUrl}/${owner}/${repo}/runs/${run.id}`,
      details_url: run.detailsUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: run.title,
        summary: run.summary,
        text: run.text,
        annotations_count: run.annotationsCount,
        annotations_url: `${url}/annotations`,
      },
      name: run.name,
      check_suite: { id: run.suiteId },
      app: appJson(),
      // GitHub leaves out pull requests from forks.
      pull_requests: [...pulls.values()]
        .filter((pr) => pr.state === 'open' && pr.headSha === run.headSha && !isFork(pr))
        .map(minimalPullJson),
    };
  };
  const deploymentJson = (deployment: DeploymentRecord): Json => {
    const url = `${repoBase()}/deployments/${deployment.id}`;
    return {
      url,
      id: deployment.id,
      node_id: nodeId('Deployment', deployment.id),
      sha: deployment.sha,
      ref: deployment.ref,
      task: deployment.task,
      payload: deployment.payload,
      original_environment: deployment.originalEnvironment,
      environment: deployment.environment,
      description: deployment.description,
      creator: userJson(deployment.creator),
      created_at: deployment.createdAt,
      updated_at: deployment.statuses.at(-1)?.createdAt ?? deployment.createdAt,
      statuses_url: `${url}/statuses`,
      repository_url: repoBase(),
      transient_environment: deployment.transient,
      production_environment: deployment.production,
    };
  };
  const deploymentStatusJson = (deployment: DeploymentRecord, status: DeploymentStatusRecord): Json => {
    const deploymentUrl = `${repoBase()}/deployments/${deployment.id}`;
    return {
      url: `${deploymentUrl}/statuses/${status.id}`,
      id: status.id,
      node_id: nodeId('DeploymentStatus', status.id),
      state: status.state,
      creator: userJson(status.creator),
      description: status.description,
      environment: status.environment,
      target_url: status.targetUrl,
      created_at: status.createdAt,
      updated_at: status.createdAt,
      deployment_url: deploymentUrl,
      repository_url: repoBase(),
      ...(status.environmentUrl !== undefined && { environment_url: status.environmentUrl }),
      ...(status.logUrl !== undefined && { log_url: status.logUrl }),
    };
  };

  // --- State helpers ------------------------------------------------------------------------------------

  const addComment = (issue: number, spec: CommentSpec): CommentRecord => {
    const id = nextCommentId++;
    const createdAt = spec.createdAt ?? timestamp();
    const record: CommentRecord = {
      id,
      issue,
      body: spec.body,
      user: spec.user ?? GITHUB_ACTIONS_LOGIN,
      createdAt,
      updatedAt: spec.updatedAt ?? createdAt,
      nodeId: nodeId('IssueComment', id),
    };
    const list = comments.get(issue) ?? [];
    list.push(record);
    comments.set(issue, list);
    return record;
  };
  const findComment = (id: number): CommentRecord | undefined => {
    for (const list of comments.values()) {
      const found = list.find((comment) => comment.id === id);
      if (found) return found;
    }
    return undefined;
  };
  const addPullRequest = (spec: PullRequestSpec) => {
    if (pulls.has(spec.number)) throw new Error(`addPullRequest(): #${spec.number} already exists`);
    const createdAt = spec.createdAt ?? timestamp();
    pulls.set(spec.number, {
      number: spec.number,
      id: 1_800_000_000 + spec.number,
      headRef: spec.headRef,
      headSha: spec.headSha,
      baseRef: spec.baseRef ?? 'main',
      baseSha: spec.baseSha ?? '0'.repeat(40),
      title: spec.title ?? `Pull request #${spec.number}`,
      body: spec.body ?? '',
      state: spec.state ?? 'open',
      merged: spec.merged ?? false,
      draft: spec.draft ?? false,
      user: spec.user ?? 'octocat',
      headRepo: spec.headRepo ?? `${owner}/${repo}`,
      createdAt,
      updatedAt: createdAt,
    });
  };
  const addDeployment = (spec: DeploymentSpec): number => {
    const id = spec.id ?? nextDeploymentId++;
    if (deployments.has(id)) throw new Error(`addDeployment(): deployment ${id} already exists`);
    deployments.set(id, {
      id,
      sha: spec.sha,
      ref: spec.ref ?? spec.sha,
      environment: spec.environment,
      originalEnvironment: spec.originalEnvironment ?? spec.environment,
      task: spec.task ?? 'deploy',
      description: spec.description === undefined ? null : spec.description,
      creator: spec.creator ?? 'render[bot]',
      payload: spec.payload ?? {},
      transient: spec.transient ?? false,
      production: spec.production ?? spec.environment === 'production',
      createdAt: spec.createdAt ?? timestamp(),
      statuses: [],
    });
    return id;
  };
  const addDeploymentStatus = (deploymentId: number, spec: DeploymentStatusSpec): number => {
    const deployment = deployments.get(deploymentId);
    if (!deployment) throw new Error(`addDeploymentStatus(): no deployment ${deploymentId}`);
    const id = nextStatusId++;
    deployment.statuses.push({
      id,
      state: spec.state,
      environmentUrl: spec.environmentUrl,
      logUrl: spec.logUrl,
      targetUrl:
        spec.targetUrl ?? spec.logUrl ?? spec.environmentUrl ?? `${serverUrl}/${owner}/${repo}/deployments`,
      description: spec.description ?? '',
      environment: spec.environment ?? deployment.environment,
      creator: spec.creator ?? deployment.creator,
      createdAt: spec.createdAt ?? timestamp(),
    });
    return id;
  };
  options.pullRequests?.forEach(addPullRequest);
  options.deployments?.forEach(addDeployment);

  /** The check suite of a commit, created with its first check run. */
  const suiteFor = (headSha: string): number => {
    let suiteId = checkSuites.get(headSha);
    if (suiteId === undefined) {
      suiteId = nextSuiteId++;
      checkSuites.set(headSha, suiteId);
    }
    return suiteId;
  };

  // --- Repository files ---------------------------------------------------------------------------------

  /**
   * What the contents endpoint finds at `path` for `ref` (undefined: the default branch): an entry, or why
   * not (`ref`: no such commit; `path`: nothing at that path).
   */
  const readRepository = (
    path: string,
    ref: string | undefined,
  ): RepositoryEntry | { missing: 'ref' | 'path' } => {
    const files = options.repositoryFiles;
    if (files?.ref !== undefined && ref !== undefined && ref.toLowerCase() !== files.ref.toLowerCase()) {
      return { missing: 'ref' };
    }
    if (!files || (files.ref !== undefined && ref === undefined)) return { missing: 'path' };
    const segments = path.split('/').filter((segment) => segment !== '');
    if (segments.length === 0 || segments.some((segment) => segment === '.' || segment === '..')) {
      return { missing: 'path' };
    }
    const relative = segments.join('/');
    const onDisk = join(files.dir, ...segments);
    const stat = statSync(onDisk, { throwIfNoEntry: false });
    if (stat?.isFile()) {
      return { kind: 'file', path: relative, name: segments.at(-1)!, bytes: readFileSync(onDisk) };
    }
    if (!stat?.isDirectory()) return { missing: 'path' };
    const entries = readdirSync(onDisk, { withFileTypes: true })
      .filter((entry) => entry.isFile() || entry.isDirectory())
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((entry) => {
        const child = `${relative}/${entry.name}`;
        if (entry.isDirectory()) {
          return {
            kind: 'dir' as const,
            path: child,
            name: entry.name,
            size: 0,
            sha: gitHash('tree', Buffer.from(child)),
          };
        }
        const bytes = readFileSync(join(onDisk, entry.name));
        return {
          kind: 'file' as const,
          path: child,
          name: entry.name,
          size: bytes.length,
          sha: gitHash('blob', bytes),
        };
      });
    return { kind: 'dir', path: relative, name: segments.at(-1)!, entries };
  };

  /** The links of a contents entry at `ref` (the default branch when undefined). */
  const contentLinks = (kind: 'file' | 'dir', path: string, sha: string, ref: string | undefined) => {
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    const treeish = ref ?? 'main';
    const url = `${repoBase()}/contents/${encoded}?ref=${encodeURIComponent(treeish)}`;
    const gitUrl = `${repoBase()}/git/${kind === 'file' ? 'blobs' : 'trees'}/${sha}`;
    const htmlUrl = `${serverUrl}/${owner}/${repo}/${kind === 'file' ? 'blob' : 'tree'}/${treeish}/${encoded}`;
    return {
      url,
      git_url: gitUrl,
      html_url: htmlUrl,
      download_url:
        kind === 'file' ? `https://raw.githubusercontent.com/${owner}/${repo}/${treeish}/${encoded}` : null,
      _links: { self: url, git: gitUrl, html: htmlUrl },
    };
  };

  /** `content-file`, with the content in base64 wrapped at 60 characters, as GitHub sends it. */
  const contentFileJson = (
    file: Extract<RepositoryEntry, { kind: 'file' }>,
    ref: string | undefined,
  ): Json => {
    const sha = gitHash('blob', file.bytes);
    return {
      type: 'file',
      encoding: 'base64',
      size: file.bytes.length,
      name: file.name,
      path: file.path,
      content: (file.bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n',
      sha,
      ...contentLinks('file', file.path, sha, ref),
    };
  };

  /** `content-directory`: one entry a file or directory, by name. */
  const contentDirectoryJson = (
    dir: Extract<RepositoryEntry, { kind: 'dir' }>,
    ref: string | undefined,
  ): Json[] =>
    dir.entries.map((entry) => ({
      type: entry.kind,
      size: entry.size,
      name: entry.name,
      path: entry.path,
      sha: entry.sha,
      ...contentLinks(entry.kind, entry.path, entry.sha, ref),
    }));

  return {
    owner,
    repo,
    repositoryId,
    isPrivate,
    serverUrl,
    timestamp,
    tokens,
    addToken,
    comments,
    checkRuns,
    pulls,
    deployments,
    get api() {
      return api;
    },
    set api(origin: string) {
      api = origin;
    },
    newCheckRunId: () => nextCheckRunId++,
    suiteFor,
    repoBase,
    isFork,
    pullRequestJson,
    commentJson,
    checkRunJson,
    deploymentJson,
    deploymentStatusJson,
    addComment,
    findComment,
    addPullRequest,
    addDeployment,
    addDeploymentStatus,
    readRepository,
    contentFileJson,
    contentDirectoryJson,
  };
}

/** Git's object ID: SHA-1 of `<type> <size>\0<content>`. */
function gitHash(type: 'blob' | 'tree', content: Buffer): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
}
