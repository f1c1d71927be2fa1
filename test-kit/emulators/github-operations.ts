/**
 * What the GitHub emulator serves and who may call it: the operations by GitHub's operationId, with the
 * permissions a GITHUB_TOKEN needs for each, and the permission sets tokens carry. One list for the emulator
 * (github-emulator.ts), its contract (github-contract.ts) and the script that cuts the contract fixture out
 * of GitHub's description (scripts/github-contract.mjs), which imports this file as it is: it has no imports
 * and only erasable TypeScript, so Node 24 runs it without a build.
 */

export type PermissionLevel = 'none' | 'read' | 'write' | 'admin';
/** Permission names as a workflow's `permissions:` block spells them (`pull-requests`, not `pull_requests`). */
export type PermissionName =
  | 'actions'
  | 'checks'
  | 'contents'
  | 'deployments'
  | 'issues'
  | 'metadata'
  | 'packages'
  | 'pull-requests'
  | 'statuses';
export type Permissions = Partial<Record<PermissionName, PermissionLevel>>;

/** GITHUB_TOKEN under the "permissive" default: write to everything the emulator serves. */
export const PERMISSIVE_PERMISSIONS: Permissions = {
  actions: 'write',
  checks: 'write',
  contents: 'write',
  deployments: 'write',
  issues: 'write',
  metadata: 'read',
  packages: 'write',
  'pull-requests': 'write',
  statuses: 'write',
};

/** GITHUB_TOKEN under the "restricted" default (and what a fork's pull_request run gets at most). */
export const RESTRICTED_PERMISSIONS: Permissions = { contents: 'read', metadata: 'read', packages: 'read' };

/** One way to be allowed: every listed permission at least at its level. */
export type PermissionSet = Permissions;

export interface GitHubTokenSpec {
  token: string;
  /** Unlisted permissions are `none`, as in a workflow's `permissions:` block; `metadata` is always read. */
  permissions: Permissions;
  /** Who the token acts as, the author of its comments; defaults to `github-actions[bot]`. */
  login?: string;
  /**
   * `integration` (the default): GITHUB_TOKEN or an app installation token. `personal-access-token`: a
   * fine-grained PAT, which gets a different 403 message and cannot create check runs.
   */
  kind?: 'integration' | 'personal-access-token';
}

export interface EmulatedOperation {
  method: string;
  template: string;
  /** Any one set suffices (GitHub's `X-Accepted-GitHub-Permissions`, sets separated by `; `). */
  access: PermissionSet[];
  /**
   * Custom media types served besides JSON (`Accept: application/vnd.github.<type>+json`); the description
   * names them in prose only, so the response is checked for its status alone.
   */
  mediaTypes?: 'raw'[];
}

/**
 * Every operation the emulator serves, by GitHub's operationId, with the permissions GitHub asks of a
 * GITHUB_TOKEN on a private repository. Commenting on a pull request takes `pull-requests` or `issues`.
 * The permission of `repos/list-pull-requests-associated-with-commit` (here `pull-requests: read`) is an
 * assumption: GitHub's reference lists it ambiguously.
 */
export const EMULATED_OPERATIONS: Readonly<Record<string, EmulatedOperation>> = {
  'issues/list-comments': {
    method: 'get',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    access: [{ issues: 'read' }, { 'pull-requests': 'read' }],
  },
  'issues/create-comment': {
    method: 'post',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    access: [{ issues: 'write' }, { 'pull-requests': 'write' }],
  },
  'issues/get-comment': {
    method: 'get',
    template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    access: [{ issues: 'read' }, { 'pull-requests': 'read' }],
  },
  'issues/update-comment': {
    method: 'patch',
    template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    access: [{ issues: 'write' }, { 'pull-requests': 'write' }],
  },
  'issues/delete-comment': {
    method: 'delete',
    template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    access: [{ issues: 'write' }, { 'pull-requests': 'write' }],
  },
  'checks/create': {
    method: 'post',
    template: '/repos/{owner}/{repo}/check-runs',
    access: [{ checks: 'write' }],
  },
  'checks/get': {
    method: 'get',
    template: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    access: [{ checks: 'read' }],
  },
  'checks/update': {
    method: 'patch',
    template: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    access: [{ checks: 'write' }],
  },
  'checks/list-for-ref': {
    method: 'get',
    template: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
    access: [{ checks: 'read' }],
  },
  'repos/list-deployments': {
    method: 'get',
    template: '/repos/{owner}/{repo}/deployments',
    access: [{ deployments: 'read' }],
  },
  'repos/get-deployment': {
    method: 'get',
    template: '/repos/{owner}/{repo}/deployments/{deployment_id}',
    access: [{ deployments: 'read' }],
  },
  'repos/list-deployment-statuses': {
    method: 'get',
    template: '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
    access: [{ deployments: 'read' }],
  },
  'pulls/get': {
    method: 'get',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}',
    access: [{ 'pull-requests': 'read' }],
  },
  'pulls/list': {
    method: 'get',
    template: '/repos/{owner}/{repo}/pulls',
    access: [{ 'pull-requests': 'read' }],
  },
  'repos/list-pull-requests-associated-with-commit': {
    method: 'get',
    template: '/repos/{owner}/{repo}/commits/{commit_sha}/pulls',
    access: [{ 'pull-requests': 'read' }],
  },
  'repos/get-content': {
    method: 'get',
    template: '/repos/{owner}/{repo}/contents/{path}',
    access: [{ contents: 'read' }],
    mediaTypes: ['raw'],
  },
};

const LEVELS: Record<PermissionLevel, number> = { none: 0, read: 1, write: 2, admin: 3 };

/** Whether `granted` has every permission of `required` at least at its level. */
export function satisfies(granted: Permissions, required: PermissionSet): boolean {
  return Object.entries(required).every(
    ([name, level]) => LEVELS[granted[name as PermissionName] ?? 'none'] >= LEVELS[level],
  );
}

/** `issues=write; pull_requests=write`: GitHub's names use underscores, alternatives `; `. */
export function acceptedPermissions(access: PermissionSet[]): string {
  return access
    .map((set) =>
      Object.entries(set)
        .map(([name, level]) => `${name.replace(/-/g, '_')}=${level}`)
        .join(','),
    )
    .join('; ');
}
