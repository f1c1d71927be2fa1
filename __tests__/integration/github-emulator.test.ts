import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import * as github from '@actions/github';
import {
  EMULATED_OPERATIONS,
  GITHUB_OPENAPI_FILE,
  PERMISSIVE_PERMISSIONS,
  RESTRICTED_PERMISSIONS,
  type GitHubEmulator,
  type GitHubEmulatorOptions,
  loadGitHubContract,
  startGitHubEmulator,
} from '../../test-kit/emulators/github-emulator.js';

const OWNER = 'octo-org';
const REPO = 'deploy-sentinel-example';
const REPOSITORY_ID = 424242;
const WRITE_TOKEN = 'ghs_emulatorWriteAll000000000000000000';
const READ_TOKEN = 'ghs_emulatorReadOnly000000000000000000';
const NO_CHECKS_TOKEN = 'ghs_emulatorNoChecks000000000000000000';
const PAT = 'github_pat_emulatorFineGrained000000000000';
const READ_ALL_TOKEN = 'ghs_emulatorReadContents00000000000000';
const HEAD_SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const OTHER_SHA = '89e6c98d92887913cadf06b2adb97f26cde4849b';
const PR = 7;
const MARKER = '<!-- deploy-sentinel: production -->';

const CHECKS_FILE = 'checks:\n  - name: home page\n    request: GET /\n';
const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
/** The repository's files at HEAD_SHA, served by the contents endpoint. */
const FILES_DIR = mkdtempSync(join(tmpdir(), 'github-emulator-files-'));
writeFileSync(join(FILES_DIR, 'checks.yml'), CHECKS_FILE);
mkdirSync(join(FILES_DIR, 'deploy'));
writeFileSync(join(FILES_DIR, 'deploy', 'logo.bin'), BINARY);
afterAll(() => rmSync(FILES_DIR, { recursive: true, force: true }));

const emulators: GitHubEmulator[] = [];

afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

/** A clock the test moves by hand, so timestamps differ exactly when the test says. */
function manualClock(start = '2026-03-01T10:00:00Z') {
  let now = Date.parse(start);
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

async function emulator(options: Partial<GitHubEmulatorOptions> = {}): Promise<GitHubEmulator> {
  const started = await startGitHubEmulator({
    owner: OWNER,
    repo: REPO,
    repositoryId: REPOSITORY_ID,
    tokens: [
      { token: WRITE_TOKEN, permissions: PERMISSIVE_PERMISSIONS },
      { token: READ_TOKEN, permissions: { 'pull-requests': 'read', checks: 'read', deployments: 'read' } },
      {
        token: NO_CHECKS_TOKEN,
        permissions: { 'pull-requests': 'write', checks: 'none', deployments: 'none' },
      },
      { token: PAT, permissions: PERMISSIVE_PERMISSIONS, login: 'octocat', kind: 'personal-access-token' },
      { token: READ_ALL_TOKEN, permissions: RESTRICTED_PERMISSIONS },
    ],
    pullRequests: [{ number: PR, headRef: 'feature/login', headSha: HEAD_SHA, title: 'Fix login' }],
    repositoryFiles: { dir: FILES_DIR, ref: HEAD_SHA },
    ...options,
  });
  emulators.push(started);
  return started;
}

function octokit(gh: GitHubEmulator, token = WRITE_TOKEN) {
  return github.getOctokit(token, { baseUrl: gh.url });
}

/** A raw call: JSON both ways, `token` auth unless told otherwise (`null`: no Authorization header). */
async function call<T = unknown>(
  gh: GitHubEmulator,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string | null; scheme?: string } = {},
): Promise<{ status: number; headers: Headers; body: T }> {
  const token = options.token === undefined ? WRITE_TOKEN : options.token;
  const response = await fetch(`${gh.url}${path}`, {
    method,
    headers: {
      Accept: 'application/vnd.github+json',
      ...(token !== null && { Authorization: `${options.scheme ?? 'token'} ${token}` }),
      ...((options.body !== undefined || options.rawBody !== undefined) && {
        'Content-Type': 'application/json',
      }),
    },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

const repoPath = `/repos/${OWNER}/${REPO}`;
const calls = (gh: GitHubEmulator) =>
  gh.requests.map((request) => {
    const query = new URLSearchParams(request.query as Record<string, string>).toString();
    return `${request.method} ${request.path}${query ? `?${query}` : ''} -> ${request.status}`;
  });

describe('GitHub emulator: the description it is checked against', () => {
  it('loads the bundled api.github.com document once and routes like GitHub', () => {
    const contract = loadGitHubContract();
    expect(GITHUB_OPENAPI_FILE).toMatch(/@octokit\/openapi\/generated\/api\.github\.com\.json$/);
    expect(contract.stats.documentBytes).toBeGreaterThan(10_000_000);
    expect(contract.stats.operations).toBeGreaterThan(800);
    // Only the closure of the emulated operations is kept: dozens of components, not thousands.
    expect(contract.stats.keptComponents).toBeGreaterThan(20);
    expect(contract.stats.keptComponents).toBeLessThan(200);
    expect(loadGitHubContract()).toBe(contract);

    const route = (method: string, path: string) => {
      const match = contract.route(method, path);
      return match.found === 'operation'
        ? { id: match.operation.operationId, emulated: match.emulated, params: match.operation.pathParams }
        : match.found;
    };
    expect(route('GET', '/repos/o/r/issues/7/comments')).toEqual({
      id: 'issues/list-comments',
      emulated: true,
      params: { owner: 'o', repo: 'r', issue_number: '7' },
    });
    // A literal segment beats a parameter: `comments` is not an issue number.
    expect(route('PATCH', '/repos/o/r/issues/comments/9')).toMatchObject({ id: 'issues/update-comment' });
    // `ref` is x-multi-segment: a branch with a slash arrives encoded or raw.
    expect(route('GET', '/repos/o/r/commits/feature%2Flogin/check-runs')).toMatchObject({
      params: { ref: 'feature/login' },
    });
    expect(route('GET', '/repos/o/r/commits/refs/heads/main/check-runs')).toMatchObject({
      id: 'checks/list-for-ref',
      params: { ref: 'refs/heads/main' },
    });
    expect(route('GET', '/repos/o/r/releases')).toMatchObject({ id: 'repos/list-releases', emulated: false });
    expect(route('PUT', '/repos/o/r/check-runs')).toBe('path');
    expect(route('GET', '/repos/o/r/nonsense/1')).toBe('nothing');
  });

  it('validates against the kept schemas and caches the compiled validators', () => {
    const contract = loadGitHubContract();
    expect(contract.validateSchema('#/components/schemas/basic-error', { message: 'Not Found' })).toEqual([]);
    expect(contract.validateSchema('#/components/schemas/basic-error', { status: 404 })).toEqual([
      '/status must be string but was 404',
    ]);
    expect(contract.validateSchema('#/components/schemas/check-run', { id: 1 })).toContain(
      '/head_sha is missing',
    );
    // GitHub's response enum has no `stale`, although a request may send it.
    const conclusions = contract.validateSchema('#/components/schemas/check-run', { conclusion: 'stale' });
    expect(conclusions.some((line) => line.startsWith('/conclusion must be one of'))).toBe(true);
    const compiled = contract.compiledValidators();
    contract.validateSchema('#/components/schemas/check-run', {});
    expect(contract.compiledValidators()).toBe(compiled);
    expect(() => contract.validateSchema('#/components/schemas/gist-simple', {})).toThrow(
      /not.*kept|no schema/,
    );
  });
});

describe('GitHub emulator: issue comments', () => {
  it('serves a sticky comment: created once, found again by its marker and updated in place', async () => {
    const clock = manualClock();
    const gh = await emulator({ now: clock.now });
    gh.addComment(PR, { body: 'Thanks for the PR!', user: 'octocat' });
    const client = octokit(gh);
    const upsert = async (body: string) => {
      const existing = await client.paginate(client.rest.issues.listComments, {
        owner: OWNER,
        repo: REPO,
        issue_number: PR,
        per_page: 100,
      });
      const mine = existing.find((comment) => comment.body?.includes(MARKER));
      return mine
        ? client.rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: mine.id, body })
        : client.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: PR, body });
    };

    const created = await upsert(`${MARKER}\n**failed**`);
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      body: `${MARKER}\n**failed**`,
      user: { login: 'github-actions[bot]', type: 'Bot', id: 41898282 },
      created_at: '2026-03-01T10:00:00Z',
      html_url: `https://github.com/${OWNER}/${REPO}/pull/${PR}#issuecomment-${created.data.id}`,
      issue_url: `${gh.url}${repoPath}/issues/${PR}`,
    });
    expect(created.headers.location).toBe(`${gh.url}${repoPath}/issues/comments/${created.data.id}`);

    clock.advance(60_000);
    const updated = await upsert(`${MARKER}\n**passed**`);
    expect(updated.status).toBe(200);
    expect(updated.data).toMatchObject({
      id: created.data.id,
      created_at: '2026-03-01T10:00:00Z',
      updated_at: '2026-03-01T10:01:00Z',
    });

    expect(gh.comments(PR)).toEqual([
      expect.objectContaining({ user: 'octocat', body: 'Thanks for the PR!' }),
      expect.objectContaining({
        id: created.data.id,
        user: 'github-actions[bot]',
        body: `${MARKER}\n**passed**`,
      }),
    ]);
    expect(calls(gh)).toEqual([
      `GET ${repoPath}/issues/${PR}/comments?per_page=100 -> 200`,
      `POST ${repoPath}/issues/${PR}/comments -> 201`,
      `GET ${repoPath}/issues/${PR}/comments?per_page=100 -> 200`,
      `PATCH ${repoPath}/issues/comments/${created.data.id} -> 200`,
    ]);
    expect(gh.requests[1]).toMatchObject({
      operationId: 'issues/create-comment',
      body: { body: `${MARKER}\n**failed**` },
      authScheme: 'token',
      token: WRITE_TOKEN,
      headers: { authorization: 'token ***', accept: 'application/vnd.github.v3+json' },
    });
    expect(typeof gh.requests[1]!.at).toBe('number');
    expect(gh.violations).toEqual([]);
  });

  it('pages with per_page and page, and a Link header that goes through /repositories/{id}', async () => {
    const gh = await emulator();
    for (let i = 1; i <= 65; i++) gh.addComment(PR, { body: `comment ${i}`, user: 'octocat' });

    const first = await call<{ body: string }[]>(gh, 'GET', `${repoPath}/issues/${PR}/comments?per_page=30`);
    expect(first.body.map((comment) => comment.body)).toEqual(
      Array.from({ length: 30 }, (_, i) => `comment ${i + 1}`),
    );
    const base = `${gh.url}/repositories/${REPOSITORY_ID}/issues/${PR}/comments`;
    expect(first.headers.get('link')).toBe(
      `<${base}?per_page=30&page=2>; rel="next", <${base}?per_page=30&page=3>; rel="last"`,
    );
    const last = await call<{ body: string }[]>(
      gh,
      'GET',
      `${repoPath}/issues/${PR}/comments?per_page=30&page=3`,
    );
    expect(last.body.map((comment) => comment.body)).toEqual([61, 62, 63, 64, 65].map((n) => `comment ${n}`));
    expect(last.headers.get('link')).toBe(
      `<${base}?per_page=30&page=2>; rel="prev", <${base}?per_page=30&page=1>; rel="first"`,
    );
    // per_page is capped at 100 silently: everything fits, so there is no Link header at all.
    const capped = await call<unknown[]>(gh, 'GET', `${repoPath}/issues/${PR}/comments?per_page=250`);
    expect(capped.body).toHaveLength(65);
    expect(capped.headers.get('link')).toBeNull();

    gh.requests.length = 0;
    const client = octokit(gh);
    const all = await client.paginate(client.rest.issues.listComments, {
      owner: OWNER,
      repo: REPO,
      issue_number: PR,
      per_page: 30,
    });
    expect(all.map((comment) => comment.body)).toEqual(
      Array.from({ length: 65 }, (_, i) => `comment ${i + 1}`),
    );
    // Octokit follows the links it is given: pages 2 and 3 come through the repository-ID form.
    expect(calls(gh)).toEqual([
      `GET ${repoPath}/issues/${PR}/comments?per_page=30 -> 200`,
      `GET /repositories/${REPOSITORY_ID}/issues/${PR}/comments?per_page=30&page=2 -> 200`,
      `GET /repositories/${REPOSITORY_ID}/issues/${PR}/comments?per_page=30&page=3 -> 200`,
    ]);
    expect(gh.violations).toEqual([]);
  });

  it('filters by since, answers 404 for an unknown issue and refuses a body over 65536 characters', async () => {
    const clock = manualClock();
    const gh = await emulator({ now: clock.now });
    gh.addComment(PR, { body: 'old' });
    clock.advance(3_600_000);
    gh.addComment(PR, { body: 'new' });
    const recent = await call<{ body: string }[]>(
      gh,
      'GET',
      `${repoPath}/issues/${PR}/comments?since=2026-03-01T10:30:00Z`,
    );
    expect(recent.body.map((comment) => comment.body)).toEqual(['new']);

    const missing = await call(gh, 'POST', `${repoPath}/issues/999/comments`, { body: { body: 'hi' } });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
      status: '404',
    });
    expect(gh.violations).toEqual([]);

    const tooLong = await call<{ message: string }>(gh, 'POST', `${repoPath}/issues/${PR}/comments`, {
      body: { body: 'x'.repeat(65537) },
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.message).toContain('body is too long (maximum is 65536 characters)');
    expect(gh.comments(PR)).toHaveLength(2);
    expect(gh.violations).toEqual([
      expect.stringContaining('issues/create-comment: GitHub rule broken: body is too long'),
    ]);
  });
});

describe('GitHub emulator: check runs', () => {
  it('creates a check run, completes it with an output, and lists the latest one per name', async () => {
    const clock = manualClock();
    const gh = await emulator({ now: clock.now });
    const client = octokit(gh);
    const created = await client.rest.checks.create({
      owner: OWNER,
      repo: REPO,
      name: 'Deploy Sentinel (production)',
      head_sha: HEAD_SHA,
      status: 'in_progress',
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      status: 'in_progress',
      conclusion: null,
      started_at: '2026-03-01T10:00:00Z',
      completed_at: null,
      app: { slug: 'github-actions', id: 15368 },
      // The open PR whose head is this commit.
      pull_requests: [{ number: PR, head: { ref: 'feature/login', sha: HEAD_SHA } }],
      output: { title: null, summary: null, annotations_count: 0 },
    });

    clock.advance(90_000);
    const updated = await client.rest.checks.update({
      owner: OWNER,
      repo: REPO,
      check_run_id: created.data.id,
      conclusion: 'failure',
      output: {
        title: 'Deploy failed: rolled back',
        summary: '| probe | result |\n|---|---|\n| /health | 503 |',
        annotations: [
          { path: 'checks.yml', start_line: 3, end_line: 3, annotation_level: 'failure', message: 'x' },
        ],
      },
    });
    // A conclusion implies completed, at the time of the update.
    expect(updated.data).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      completed_at: '2026-03-01T10:01:30Z',
      output: { title: 'Deploy failed: rolled back', annotations_count: 1 },
    });
    expect(gh.checkRuns()).toEqual([
      expect.objectContaining({
        id: created.data.id,
        name: 'Deploy Sentinel (production)',
        headSha: HEAD_SHA,
        status: 'completed',
        conclusion: 'failure',
        output: expect.objectContaining({ summary: expect.stringContaining('| /health | 503 |') }),
        updates: 1,
      }),
    ]);

    // A re-run creates a second run with the same name; `filter=latest` (the default) shows only it.
    const rerun = await client.rest.checks.create({
      owner: OWNER,
      repo: REPO,
      name: 'Deploy Sentinel (production)',
      head_sha: HEAD_SHA,
      conclusion: 'success',
      output: { title: 'Passed', summary: 'all probes passed' },
    });
    expect(rerun.data.status).toBe('completed');
    const latest = await client.rest.checks.listForRef({
      owner: OWNER,
      repo: REPO,
      ref: 'feature/login',
      check_name: 'Deploy Sentinel (production)',
    });
    expect(latest.data.total_count).toBe(1);
    expect(latest.data.check_runs.map((run) => run.id)).toEqual([rerun.data.id]);
    const all = await client.rest.checks.listForRef({
      owner: OWNER,
      repo: REPO,
      ref: HEAD_SHA,
      filter: 'all',
    });
    expect(all.data.check_runs.map((run) => run.id)).toEqual([rerun.data.id, created.data.id]);
    const fetched = await client.rest.checks.get({ owner: OWNER, repo: REPO, check_run_id: created.data.id });
    expect(fetched.data.conclusion).toBe('failure');
    expect(gh.violations).toEqual([]);
  });

  it('refuses an invalid conclusion and a completed run without one, and records both', async () => {
    const gh = await emulator();
    const invalid = await call<{ message: string }>(gh, 'POST', `${repoPath}/check-runs`, {
      body: { name: 'Deploy Sentinel', head_sha: HEAD_SHA, conclusion: 'passed' },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.message).toMatch(/^Invalid request\.\n\n/);
    const incomplete = await call(gh, 'POST', `${repoPath}/check-runs`, {
      body: { name: 'Deploy Sentinel', head_sha: HEAD_SHA, status: 'completed' },
    });
    expect(incomplete.status).toBe(422);
    // The update body's `anyOf` in the description catches the same mistake on PATCH.
    const run = await call<{ id: number }>(gh, 'POST', `${repoPath}/check-runs`, {
      body: { name: 'Deploy Sentinel', head_sha: HEAD_SHA },
    });
    expect(run.status).toBe(201);
    const patch = await call(gh, 'PATCH', `${repoPath}/check-runs/${run.body.id}`, {
      body: { status: 'completed' },
    });
    expect(patch.status).toBe(422);
    expect(gh.checkRuns()).toEqual([expect.objectContaining({ status: 'queued', conclusion: null })]);
    expect(gh.violations).toEqual([
      expect.stringMatching(
        /^POST .*\/check-runs: request body \/conclusion must be one of .* but was "passed"$/,
      ),
      expect.stringContaining('checks/create: GitHub rule broken: conclusion is required'),
      // Both branches of the `anyOf` say why they failed.
      expect.stringMatching(/^PATCH .*\/check-runs\/\d+: request body \/conclusion is missing$/),
      expect.stringMatching(
        /request body \/status must be one of "queued", "in_progress" but was "completed"$/,
      ),
    ]);
  });
});

describe('GitHub emulator: deployments and pull requests', () => {
  it('filters deployments by sha and environment and lists their statuses newest first', async () => {
    const clock = manualClock();
    const gh = await emulator({ now: clock.now });
    const preview = gh.addDeployment({ sha: HEAD_SHA, ref: 'feature/login', environment: 'web PR #7' });
    clock.advance(1000);
    const production = gh.addDeployment({ sha: OTHER_SHA, ref: 'main', environment: 'production' });
    clock.advance(1000);
    gh.addDeployment({ sha: HEAD_SHA, ref: 'feature/login', environment: 'worker PR #7' });
    gh.addDeploymentStatus(preview, {
      state: 'in_progress',
      logUrl: 'https://dashboard.render.com/web/srv-1',
    });
    clock.advance(1000);
    gh.addDeploymentStatus(preview, {
      state: 'success',
      environmentUrl: 'https://web-pr-7.onrender.com',
      logUrl: 'https://dashboard.render.com/web/srv-1',
    });

    const client = octokit(gh, READ_TOKEN);
    const bySha = await client.rest.repos.listDeployments({ owner: OWNER, repo: REPO, sha: HEAD_SHA });
    expect(bySha.data.map((deployment) => deployment.environment)).toEqual(['worker PR #7', 'web PR #7']);
    const byEnvironment = await client.rest.repos.listDeployments({
      owner: OWNER,
      repo: REPO,
      environment: 'production',
    });
    expect(byEnvironment.data).toEqual([
      expect.objectContaining({
        id: production,
        sha: OTHER_SHA,
        production_environment: true,
        creator: expect.objectContaining({ login: 'render[bot]', type: 'Bot' }),
      }),
    ]);
    const none = await client.rest.repos.listDeployments({ owner: OWNER, repo: REPO, sha: 'f'.repeat(40) });
    expect(none.data).toEqual([]);

    const statuses = await client.rest.repos.listDeploymentStatuses({
      owner: OWNER,
      repo: REPO,
      deployment_id: preview,
    });
    expect(statuses.data.map((status) => [status.state, status.environment_url])).toEqual([
      ['success', 'https://web-pr-7.onrender.com'],
      ['in_progress', undefined],
    ]);
    expect(statuses.data[0]!.target_url).toBe('https://dashboard.render.com/web/srv-1');
    await expect(
      client.rest.repos.listDeploymentStatuses({ owner: OWNER, repo: REPO, deployment_id: 1 }),
    ).rejects.toMatchObject({ status: 404 });
    expect(gh.violations).toEqual([]);
  });

  it('serves pull requests with head.ref and head.sha, by number, by head and by commit', async () => {
    const gh = await emulator();
    gh.addPullRequest({ number: 8, headRef: 'fork-fix', headSha: OTHER_SHA, headRepo: 'contributor/fork' });
    const client = octokit(gh, READ_TOKEN);
    const pull = await client.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: PR });
    expect(pull.data).toMatchObject({
      number: PR,
      state: 'open',
      head: { ref: 'feature/login', sha: HEAD_SHA, repo: { full_name: `${OWNER}/${REPO}`, fork: false } },
      base: { ref: 'main' },
    });
    const fork = await client.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 8 });
    expect(fork.data.head).toMatchObject({ label: 'contributor:fork-fix', repo: { fork: true } });

    const byHead = await client.rest.pulls.list({ owner: OWNER, repo: REPO, head: `${OWNER}:feature/login` });
    expect(byHead.data.map((pr) => pr.number)).toEqual([PR]);
    const byCommit = await client.rest.repos.listPullRequestsAssociatedWithCommit({
      owner: OWNER,
      repo: REPO,
      commit_sha: OTHER_SHA,
    });
    expect(byCommit.data.map((pr) => pr.number)).toEqual([8]);
    await expect(client.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 99 })).rejects.toMatchObject({
      status: 404,
    });
    expect(gh.violations).toEqual([]);

    // `head` without the owner is silently ignored by GitHub: everything comes back. Here it is caught.
    const unfiltered = await client.rest.pulls.list({ owner: OWNER, repo: REPO, head: 'feature/login' });
    expect(unfiltered.data).toHaveLength(2);
    expect(gh.violations).toEqual([expect.stringContaining('must be "user:ref-name"')]);
  });
});

describe('GitHub emulator: authentication and permissions', () => {
  it('answers a missing permission with 403 "Resource not accessible by integration"', async () => {
    const gh = await emulator();
    const reader = octokit(gh, READ_TOKEN);
    const refused = await reader.rest.issues
      .createComment({ owner: OWNER, repo: REPO, issue_number: PR, body: `${MARKER}\npassed` })
      .then(
        () => undefined,
        (caught: { status: number; response: { data: unknown; headers: Record<string, string> } }) => caught,
      );
    expect(refused?.status).toBe(403);
    expect(refused?.response.data).toEqual({
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
      status: '403',
    });
    expect(refused?.response.headers['x-accepted-github-permissions']).toBe(
      'issues=write; pull_requests=write',
    );
    expect(gh.comments(PR)).toEqual([]);
    // Reading needs only read.
    const listed = await reader.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: PR });
    expect(listed.status).toBe(200);

    // pull-requests: write comments fine, but checks: none and deployments: none are refused.
    const commenter = octokit(gh, NO_CHECKS_TOKEN);
    await commenter.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: PR, body: 'ok' });
    expect(gh.comments(PR)).toHaveLength(1);
    await expect(
      commenter.rest.checks.create({ owner: OWNER, repo: REPO, name: 'Deploy Sentinel', head_sha: HEAD_SHA }),
    ).rejects.toMatchObject({
      status: 403,
      response: { headers: { 'x-accepted-github-permissions': 'checks=write' } },
    });
    await expect(commenter.rest.repos.listDeployments({ owner: OWNER, repo: REPO })).rejects.toMatchObject({
      status: 403,
    });
    expect(gh.checkRuns()).toEqual([]);

    // A fine-grained PAT gets its own wording, and cannot create check runs at all.
    const pat = await call<{ message: string }>(gh, 'POST', `${repoPath}/check-runs`, {
      token: PAT,
      scheme: 'Bearer',
      body: { name: 'Deploy Sentinel', head_sha: HEAD_SHA },
    });
    expect(pat).toMatchObject({ status: 403, body: { message: 'You must authenticate via a GitHub App.' } });
    // A 403 is what GitHub does, not a breach of its description.
    expect(gh.violations).toEqual([]);
  });

  it('answers a bad token with 401 and hides a private repository from anonymous callers', async () => {
    const gh = await emulator();
    const bad = await call(gh, 'GET', `${repoPath}/pulls/${PR}`, { token: 'ghs_revoked', scheme: 'Bearer' });
    expect(bad).toMatchObject({
      status: 401,
      body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' },
    });
    await expect(
      octokit(gh, 'ghs_revoked').rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: PR }),
    ).rejects.toMatchObject({ status: 401 });
    const basic = await call(gh, 'GET', `${repoPath}/pulls/${PR}`, { token: WRITE_TOKEN, scheme: 'Basic' });
    expect(basic.status).toBe(401);
    const bearer = await call(gh, 'GET', `${repoPath}/pulls/${PR}`, { token: WRITE_TOKEN, scheme: 'Bearer' });
    expect(bearer.status).toBe(200);
    const anonymous = await call(gh, 'GET', `${repoPath}/pulls/${PR}`, { token: null });
    expect(anonymous).toMatchObject({ status: 404, body: { message: 'Not Found' } });

    const open = await emulator({ private: false });
    expect((await call(open, 'GET', `${repoPath}/pulls/${PR}`, { token: null })).status).toBe(200);
    const write = await call(open, 'POST', `${repoPath}/issues/${PR}/comments`, {
      token: null,
      body: { body: 'x' },
    });
    expect(write).toMatchObject({ status: 401, body: { message: 'Requires authentication' } });
    expect([...gh.violations, ...open.violations]).toEqual([]);
  });
});

describe('GitHub emulator: contract violations', () => {
  it('records requests the description rejects, unknown paths and unemulated endpoints', async () => {
    const gh = await emulator();
    const noBody = await call<{ message: string; errors: unknown[] }>(
      gh,
      'POST',
      `${repoPath}/issues/${PR}/comments`,
      { body: { text: 'wrong field' } },
    );
    expect(noBody.status).toBe(422);
    expect(noBody.body.message).toBe('Invalid request.\n\nbody /body is missing');
    const notJson = await call(gh, 'POST', `${repoPath}/issues/${PR}/comments`, { rawBody: '{body:' });
    expect(notJson).toMatchObject({ status: 400, body: { message: 'Problems parsing JSON' } });
    const typo = await call(gh, 'GET', `${repoPath}/deployments?environment_name=production`);
    expect(typo.status).toBe(422);
    const badNumber = await call(gh, 'GET', `${repoPath}/pulls/seven`);
    expect(badNumber.status).toBe(422);
    const unknown = await call(gh, 'GET', `${repoPath}/deploy-sentinel`);
    expect(unknown).toMatchObject({ status: 404, body: { message: 'Not Found' } });
    const unemulated = await call(gh, 'GET', `${repoPath}/releases`);
    expect(unemulated.status).toBe(501);
    const elsewhere = await call(gh, 'GET', `/repos/someone-else/${REPO}/pulls/${PR}`);
    expect(elsewhere.status).toBe(404);
    expect(gh.comments(PR)).toEqual([]);

    expect(gh.violations).toEqual([
      `POST ${repoPath}/issues/${PR}/comments: request body /body is missing`,
      `POST ${repoPath}/issues/${PR}/comments: request body is not valid JSON`,
      `GET ${repoPath}/deployments?environment_name=production: request query parameter "environment_name" is not declared (GitHub ignores it silently)`,
      `GET ${repoPath}/pulls/seven: request /path/pull_number must be integer but was "seven"`,
      `GET ${repoPath}/deploy-sentinel: not a path of GitHub's REST API`,
      `GET ${repoPath}/releases: repos/list-releases is GitHub's, but the emulator does not serve it`,
      `GET /repos/someone-else/${REPO}/pulls/${PR}: someone-else/${REPO} is not ${OWNER}/${REPO}`,
    ]);
  });

  it('checks its own responses: a tampered body is caught, every factory passes', async () => {
    const gh = await emulator();
    gh.addComment(PR, { body: 'hello' });
    const untamper = gh.tamperResponses('issues/list-comments', (body) =>
      (body as Record<string, unknown>[]).map(({ node_id: _nodeId, ...comment }) => ({
        ...comment,
        created_at: 'yesterday',
        user: { login: 'github-actions[bot]' },
      })),
    );
    const tampered = await call<unknown[]>(gh, 'GET', `${repoPath}/issues/${PR}/comments`);
    expect(tampered.status).toBe(200);
    const prefix = `GET ${repoPath}/issues/${PR}/comments: response 200 /0`;
    expect(gh.violations).toEqual(
      expect.arrayContaining([
        `${prefix}/node_id is missing`,
        `${prefix}/created_at must match format "date-time" but was "yesterday"`,
        `${prefix}/user/id is missing`,
        `${prefix}/user/html_url is missing`,
      ]),
    );
    // simple-user requires 18 fields; the tampered user kept only `login`.
    expect(gh.violations.filter((line) => line.startsWith(`${prefix}/user/`))).toHaveLength(17);
    expect(gh.violations).toHaveLength(19);
    gh.violations.length = 0;
    untamper();
    await call(gh, 'GET', `${repoPath}/issues/${PR}/comments`);
    expect(gh.violations).toEqual([]);

    // Every emulated operation, served once from the factories, without a breach.
    const run = await call<{ id: number }>(gh, 'POST', `${repoPath}/check-runs`, {
      body: { name: 'n', head_sha: HEAD_SHA, external_id: 'e', details_url: 'https://example.com/run' },
    });
    const comment = gh.comments(PR)[0]!;
    const deployment = gh.addDeployment({ sha: HEAD_SHA, environment: 'production', payload: 'raw' });
    gh.addDeploymentStatus(deployment, { state: 'failure', description: 'boom' });
    const served = [
      ['POST', `/issues/${PR}/comments`, { body: 'second' }],
      ['PATCH', `/issues/comments/${comment.id}`, { body: 'edited' }],
      ['GET', `/issues/comments/${comment.id}`],
      [
        'PATCH',
        `/check-runs/${run.body.id}`,
        { status: 'in_progress', output: { title: 't', summary: 's' } },
      ],
      ['GET', `/check-runs/${run.body.id}`],
      ['GET', `/commits/${HEAD_SHA}/check-runs`],
      ['GET', '/deployments?task=deploy&ref=main&per_page=1&page=1'],
      ['GET', `/deployments/${deployment}`],
      ['GET', `/deployments/${deployment}/statuses`],
      ['GET', `/pulls/${PR}`],
      ['GET', '/pulls?state=all'],
      ['GET', `/commits/${HEAD_SHA}/pulls`],
      ['GET', `/contents/checks.yml?ref=${HEAD_SHA}`],
      ['DELETE', `/issues/comments/${comment.id}`],
    ] as const;
    for (const [method, path, body] of served) {
      const answer = await call(gh, method, `${repoPath}${path}`, body === undefined ? {} : { body });
      const expected = { POST: 201, DELETE: 204 }[method as string] ?? 200;
      expect([method, path, answer.status]).toEqual([method, path, expected]);
    }
    expect(gh.comments(PR)).toEqual([expect.objectContaining({ body: 'second' })]);
    expect(new Set(gh.requests.map((request) => request.operationId))).toEqual(
      new Set(Object.keys(EMULATED_OPERATIONS)),
    );
    expect(gh.violations).toEqual([]);
  });
});

describe('GitHub emulator: failures and hosts', () => {
  it('injects failures ahead of everything else, with rate-limit headers on a 429', async () => {
    const gh = await emulator();
    gh.failNext(1, 502);
    gh.failNext(1, 429);
    const client = octokit(gh);
    await expect(client.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: PR })).rejects.toMatchObject({
      status: 502,
      response: { data: { message: 'Server Error', status: '502' } },
    });
    const limited = await call(gh, 'GET', `${repoPath}/pulls/${PR}`, { token: 'not-even-a-token' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const recovered = await client.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: PR });
    expect(recovered.status).toBe(200);
    expect(Number(recovered.headers['x-ratelimit-remaining'])).toBe(997);
    expect(gh.violations).toEqual([]);
  });

  it('serves under a GitHub Enterprise Server base path and nowhere else', async () => {
    const gh = await emulator({ basePath: '/api/v3', serverUrl: 'https://ghe.example.com' });
    expect(gh.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
    const client = octokit(gh);
    const created = await client.rest.issues.createComment({
      owner: OWNER,
      repo: REPO,
      issue_number: PR,
      body: 'x',
    });
    expect(created.data.html_url).toMatch(/^https:\/\/ghe\.example\.com\//);
    expect(created.data.url).toBe(`${gh.url}${repoPath}/issues/comments/${created.data.id}`);
    expect(gh.requests[0]!.path).toBe(`/api/v3${repoPath}/issues/${PR}/comments`);
    expect(gh.violations).toEqual([]);

    const origin = new URL(gh.url).origin;
    const outside = await fetch(`${origin}${repoPath}/pulls/${PR}`, {
      headers: { Authorization: `token ${WRITE_TOKEN}` },
    });
    expect(outside.status).toBe(404);
    expect(gh.violations).toEqual([
      `GET ${repoPath}/pulls/${PR}: not a path of GitHub's REST API under /api/v3`,
    ]);
  });
});

describe('GitHub emulator: repository contents', () => {
  const gitBlobSha = (bytes: Buffer) =>
    createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

  it('serves a file at the given commit as a content object with base64 content', async () => {
    const gh = await emulator();
    const { data } = await octokit(gh, READ_ALL_TOKEN).rest.repos.getContent({
      owner: OWNER,
      repo: REPO,
      path: 'checks.yml',
      ref: HEAD_SHA,
    });
    expect(data).toMatchObject({
      type: 'file',
      encoding: 'base64',
      name: 'checks.yml',
      path: 'checks.yml',
      size: CHECKS_FILE.length,
      sha: gitBlobSha(Buffer.from(CHECKS_FILE)),
      url: `${gh.url}${repoPath}/contents/checks.yml?ref=${HEAD_SHA}`,
      html_url: `https://github.com/${OWNER}/${REPO}/blob/${HEAD_SHA}/checks.yml`,
    });
    const content = (data as { content: string }).content;
    // GitHub wraps the base64 at 60 characters; a client must not assume one line.
    expect(content).toContain('\n');
    expect(Buffer.from(content, 'base64').toString('utf8')).toBe(CHECKS_FILE);
    expect(gh.requests[0]).toMatchObject({ operationId: 'repos/get-content', status: 200 });
    expect(gh.violations).toEqual([]);
  });

  it('answers the raw media type with the bytes of the file', async () => {
    const gh = await emulator();
    const raw = await fetch(`${gh.url}${repoPath}/contents/checks.yml?ref=${HEAD_SHA}`, {
      headers: { Authorization: `Bearer ${WRITE_TOKEN}`, Accept: 'application/vnd.github.raw+json' },
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(raw.headers.get('x-github-media-type')).toBe('github.v3; param=raw; format=json');
    expect(await raw.text()).toBe(CHECKS_FILE);

    const binary = await fetch(`${gh.url}${repoPath}/contents/deploy/logo.bin?ref=${HEAD_SHA}`, {
      headers: { Authorization: `Bearer ${WRITE_TOKEN}`, Accept: 'application/vnd.github.raw+json' },
    });
    expect(Buffer.from(await binary.arrayBuffer())).toEqual(BINARY);

    // Through Octokit, as the action would ask for it.
    const viaOctokit = await octokit(gh).rest.repos.getContent({
      owner: OWNER,
      repo: REPO,
      path: 'checks.yml',
      ref: HEAD_SHA,
      mediaType: { format: 'raw' },
    });
    expect(viaOctokit.data).toBe(CHECKS_FILE);
    expect(gh.violations).toEqual([]);
  });

  it('lists a directory as content-directory entries', async () => {
    const gh = await emulator();
    const listing = await call<{ type: string; name: string; path: string; size: number; sha: string }[]>(
      gh,
      'GET',
      `${repoPath}/contents/deploy?ref=${HEAD_SHA}`,
    );
    expect(listing.status).toBe(200);
    expect(listing.body).toEqual([
      expect.objectContaining({
        type: 'file',
        name: 'logo.bin',
        path: 'deploy/logo.bin',
        size: 256,
        sha: gitBlobSha(BINARY),
        download_url: `https://raw.githubusercontent.com/${OWNER}/${REPO}/${HEAD_SHA}/deploy/logo.bin`,
      }),
    ]);
    expect(gh.violations).toEqual([]);
  });

  it('serves only the given commit: another ref, the default branch and a missing file are 404', async () => {
    const gh = await emulator();
    const otherRef = await call<{ message: string }>(
      gh,
      'GET',
      `${repoPath}/contents/checks.yml?ref=${OTHER_SHA}`,
    );
    expect(otherRef).toMatchObject({
      status: 404,
      body: { message: `No commit found for the ref ${OTHER_SHA}` },
    });
    const defaultBranch = await call(gh, 'GET', `${repoPath}/contents/checks.yml`);
    expect(defaultBranch).toMatchObject({ status: 404, body: { message: 'Not Found' } });
    const missing = await call(gh, 'GET', `${repoPath}/contents/nope.yml?ref=${HEAD_SHA}`);
    expect(missing).toMatchObject({ status: 404, body: { message: 'Not Found' } });
    const escape = await call(
      gh,
      'GET',
      `${repoPath}/contents/deploy/..%2F..%2Fetc%2Fpasswd?ref=${HEAD_SHA}`,
    );
    expect(escape.status).toBe(404);
    await expect(
      octokit(gh).rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'checks.yml', ref: 'main' }),
    ).rejects.toMatchObject({ status: 404 });

    // Without a ref in the options, every ref (and the default branch) has the files.
    const anyRef = await emulator({ repositoryFiles: { dir: FILES_DIR } });
    expect((await call(anyRef, 'GET', `${repoPath}/contents/checks.yml`)).status).toBe(200);
    expect((await call(anyRef, 'GET', `${repoPath}/contents/checks.yml?ref=main`)).status).toBe(200);
    expect([...gh.violations, ...anyRef.violations]).toEqual([]);
  });

  it('needs contents: read, and checks the request against the description', async () => {
    const gh = await emulator();
    const refused = await call<{ message: string }>(
      gh,
      'GET',
      `${repoPath}/contents/checks.yml?ref=${HEAD_SHA}`,
      { token: READ_TOKEN },
    );
    expect(refused).toMatchObject({
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    expect(refused.headers.get('x-accepted-github-permissions')).toBe('contents=read');
    expect(gh.violations).toEqual([]);

    const typo = await call(gh, 'GET', `${repoPath}/contents/checks.yml?branch=main`);
    expect(typo.status).toBe(422);
    expect(gh.violations).toEqual([
      `GET ${repoPath}/contents/checks.yml?branch=main: request query parameter "branch" is not declared (GitHub ignores it silently)`,
    ]);
  });
});
