/**
 * End-to-end on GitHub: the committed dist/ bundle, run the way the runner runs it, with the event payload
 * in `GITHUB_EVENT_PATH` and `GITHUB_API_URL` pointing at the GitHub API emulator, which checks every
 * call against GitHub's OpenAPI description and enforces the token's permissions. Providers are the
 * Render and Railway emulators; the deploys are the example service. Each case asserts the outputs, the
 * sticky PR comment or the check run, and the exact calls made to GitHub and to the provider.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Job, type StepRun } from '../../test-kit/runner/job.js';
import type { Truth } from '../../test-kit/ground-truth.js';
import { summaryAsText } from '../../test-kit/summary-text.js';
import {
  deploymentStatusEvent as deploymentStatusPayload,
  pullRequestEvent as pullRequestPayload,
  workflowDispatchEvent as workflowDispatchPayload,
  type DeploymentStatusFields,
} from '../helpers/events.js';
import { DEMO_REPOSITORY } from '../../test-kit/repository.js';
import {
  startEmbeddedPostgres,
  startExampleService,
  type EmbeddedPostgres,
  type ExampleService,
  POSTGRES_SETUP_TIMEOUT_MS,
} from '../../test-kit/example-service.js';
import {
  PERMISSIVE_PERMISSIONS,
  startGitHubEmulator,
  type GitHubEmulator,
  type GitHubEmulatorOptions,
  type GitHubRecordedRequest,
} from '../../test-kit/emulators/github-emulator.js';
import {
  startRailwayEmulator,
  type RailwayEmulator,
  type RailwayEmulatorOptions,
} from '../../test-kit/emulators/railway-emulator.js';
import {
  startRenderEmulator,
  type RecordedRequest as RenderRequest,
  type RenderDeploySpec,
  type RenderEmulator,
  type RenderEmulatorOptions,
} from '../../test-kit/emulators/render-emulator.js';

jest.setTimeout(120_000);

const OWNER = 'acme';
const REPO = 'shop';
const WORKFLOW = 'preview check';
const GH_TOKEN = 'ghs_e2eGitHubToken0123456789abcdefABCDEF';
const RENDER_TOKEN = 'rnd_e2eGitHubSuiteKey0123456789';
const RAILWAY_TOKEN = 'rwy-e2eGitHubSuiteToken-4b8e2d7c1a9f3e05';
const HEADER_SECRET = 'hdr-e2eProbeSecret-5c1f9a7e3d21';

/** The PR head: what a preview deploys and what the service reports once it runs it. */
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
/** What ran before: production's previous release, or the PR's previous push. */
const OLD_SHA = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
/** github.sha on pull_request: a merge commit that nothing deploys. */
const MERGE_SHA = '7e7e7e7e8f8f8f8f9a9a9a9a0b0b0b0b1c1c1c1c';

const RENDER_SERVICE = 'srv-e2egithub00000000001';
const PREVIEW_12 = 'srv-e2egithubpr12000001';
const PREVIEW_11 = 'srv-e2egithubpr11000001';
const RENDER_OWNER = 'tea-e2egithub00000000001';

const PROJECT_ID = 'b7a1c9e2-5d3f-4e8a-9c1b-2f6d8e4a0b01';
const RAILWAY_SERVICE = 'c3d4e5f6-7a8b-4c9d-8e0f-1a2b3c4d5b02';
const PROD_ENV = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4b03';
const PR12_ENV = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4b12';
const PR11_ENV = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4b11';
const RW_PREVIOUS = '0b0b0b0b-2222-4222-8222-00000000b002';
const RW_PR_OLD = '0c0c0c0c-3333-4333-8333-00000000b003';
const RW_PR_OURS = '0d0d0d0d-4444-4444-8444-00000000b004';
const RW_PR11 = '0e0e0e0e-5555-4555-8555-00000000b005';

// `soak` (default 30s) has its own tests; here a pass is final at once.
const fast = { timeout: '20s', interval: '200ms', 'request-timeout': '2s', soak: '0s' };
/** The demo checks without the canary: these runs have no `pre` step to write one. */
const CHECKS = readFileSync(join(DEMO_REPOSITORY, 'checks.yml'), 'utf8').split('\ncanary:')[0] as string;

let postgres: EmbeddedPostgres;
const services: ExampleService[] = [];
const closers: (() => Promise<void>)[] = [];
const githubs: GitHubEmulator[] = [];
const renders: RenderEmulator[] = [];
const railways: RailwayEmulator[] = [];

beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
}, POSTGRES_SETUP_TIMEOUT_MS);
afterEach(async () => {
  const started = { githubs: githubs.splice(0), renders: renders.splice(0), railways: railways.splice(0) };
  try {
    // Every call, in every case, valid against GitHub's, Render's and Railway's contracts.
    for (const emulator of [...started.githubs, ...started.renders, ...started.railways])
      expect(emulator.violations).toEqual([]);
  } finally {
    await Promise.all([
      ...[...started.githubs, ...started.renders, ...started.railways].map((e) => e.close()),
      ...services.splice(0).map((s) => s.stop()),
      ...closers.splice(0).map((close) => close()),
    ]);
  }
});
afterAll(async () => {
  await postgres?.stop();
});

async function service(options: Parameters<typeof startExampleService>[0] = {}): Promise<ExampleService> {
  const started = await startExampleService({
    smokePassword: 'pw-for-smoke',
    databaseUrl: postgres.url,
    ...options,
  });
  services.push(started);
  return started;
}

/** A server that only records what reaches it: a deploy nobody should talk to. */
async function recorder(): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(503, { 'Content-Type': 'application/json' });
    response.end('{"status":"unavailable"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

async function github(options: Partial<GitHubEmulatorOptions> = {}): Promise<GitHubEmulator> {
  const started = await startGitHubEmulator({
    owner: OWNER,
    repo: REPO,
    tokens: [{ token: GH_TOKEN, permissions: PERMISSIVE_PERMISSIONS }],
    pullRequests: [
      { number: 7, headRef: 'feature/checkout', headSha: SHA },
      { number: 12, headRef: 'feature/notes', headSha: SHA },
    ],
    // What `pre` reads before checkout: the example repository at the job's commit.
    repositoryFiles: { dir: DEMO_REPOSITORY, ref: MERGE_SHA },
    ...options,
  });
  githubs.push(started);
  return started;
}

const at = (minutesAgo: number): string => new Date(Date.now() - minutesAgo * 60_000).toISOString();

// --- Event payloads, shaped like GitHub's (__tests__/helpers/events.ts) ------------------------------------

type JobEvent = { name: string; payload: Record<string, unknown> };
const repository = { owner: OWNER, repo: REPO };
const deploymentStatusEvent = (fields: Omit<DeploymentStatusFields, 'repository'>): JobEvent => ({
  name: 'deployment_status',
  payload: deploymentStatusPayload({ repository, ...fields }),
});
const pullRequestEvent = (number: number, headRef: string, headSha: string): JobEvent => ({
  name: 'pull_request',
  payload: pullRequestPayload({ repository, number, headRef, headSha, baseSha: OLD_SHA }),
});
const dispatchEvent = (inputs: Record<string, string>): JobEvent => ({
  name: 'workflow_dispatch',
  payload: workflowDispatchPayload({ repository, inputs }),
});

/**
 * A job on GitHub for `event`, as the runner sets it up: the example repository (checked out before main),
 * the workflow's name, github.sha the merge commit, and the job's token on the GitHub emulator. `truth` is
 * what is true of its main: without a provider nothing can be rolled back (`n/a`), and a pull-request
 * preview is never rolled back (`rollback` defaults to never there).
 */
function job(gh: GitHubEmulator, event: JobEvent, truth: Truth): Job {
  return new Job({
    truth,
    repository: DEMO_REPOSITORY,
    event,
    github: {
      sha: MERGE_SHA,
      repository: `${gh.owner}/${gh.repo}`,
      workflow: WORKFLOW,
      server_url: gh.serverUrl,
    },
    githubApi: { url: gh.url, token: GH_TOKEN },
    env: { SMOKE_PASSWORD: 'pw-for-smoke' },
  });
}

// --- Assertion helpers -------------------------------------------------------------------------------------

/** `METHOD path` of every GitHub call. */
const ghCalls = (requests: readonly GitHubRecordedRequest[]): string[] =>
  requests.map((r) => `${r.method} ${r.path}`);

/** `METHOD path` of every Render call, service IDs shortened. */
const renderCalls = (requests: readonly RenderRequest[]): string[] =>
  requests.map(
    (r) =>
      `${r.method} ${r.path.replace('/v1', '').replace(RENDER_SERVICE, 'srv').replace(PREVIEW_12, 'srv-pr12')}`,
  );

const marker = (environment: string): string => `<!-- deploy-sentinel: ${WORKFLOW} / ${environment} -->`;

/** The stdout warnings (`::warning ...::message`), messages unescaped. */
const warnings = (run: StepRun): string[] =>
  run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::warning'))
    .map((line) =>
      line
        .replace(/^::warning[^:]*::/, '')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%'),
    );

/** A secret may appear only in the runner's own `::add-mask::` command, which is how it gets masked. */
function expectNoLeak(run: StepRun, gh: GitHubEmulator, secret: string): void {
  const stdout = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  const published = [
    stdout,
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs),
    JSON.stringify(run.report),
    run.outputs.report ? readFileSync(run.outputs.report, 'utf8') : '',
    ...[...new Set(gh.requests.map((r) => Number(/\/issues\/(\d+)\//.exec(r.path)?.[1])))]
      .filter((n) => Number.isInteger(n))
      .flatMap((n) => gh.comments(n).map((c) => c.body)),
    ...gh.checkRuns().map((c) => JSON.stringify(c.output)),
    ...gh.requests.map((r) => JSON.stringify(r.body ?? '')),
  ];
  for (const text of published) expect(text).not.toContain(secret);
}

// --- Provider fixtures -------------------------------------------------------------------------------------

/** Production's history on the base service: an older release and the live previous one. */
const productionHistory = (): RenderDeploySpec[] => [
  {
    id: 'dep-prodolder000000000',
    commit: '2222222aaaaaaaabbbbbbbbccccccccdddddddd',
    status: 'deactivated',
    createdAt: at(300),
    finishedAt: at(295),
  },
  { id: 'dep-prodlive0000000000', commit: OLD_SHA, status: 'live', createdAt: at(200), finishedAt: at(195) },
];

async function render(
  options: Partial<RenderEmulatorOptions> & { serviceUrl: string },
): Promise<RenderEmulator> {
  const started = await startRenderEmulator({
    token: RENDER_TOKEN,
    serviceId: RENDER_SERVICE,
    ownerId: RENDER_OWNER,
    serviceName: 'shop-api',
    pageOrder: 'shuffled',
    ...options,
  });
  renders.push(started);
  return started;
}

/**
 * Render with PR previews: the base service (production, at `productionUrl`) and the previews of PR #11
 * and PR #12, each a service of its own whose parent is the base. PR #12's preview runs the previous push
 * and has a deploy of the head `SHA` building.
 */
async function renderWithPreviews(productionUrl: string, previewUrl: string): Promise<RenderEmulator> {
  return render({
    serviceUrl: productionUrl,
    previews: [
      { id: PREVIEW_11, serviceUrl: 'http://127.0.0.1:9', name: 'shop-api PR #11' },
      { id: PREVIEW_12, serviceUrl: previewUrl, name: 'shop-api PR #12' },
    ],
    deploys: [
      ...productionHistory(),
      {
        id: 'dep-pr11live0000000000',
        commit: '4444444aaaaaaaabbbbbbbbccccccccdddddddd',
        status: 'live',
        createdAt: at(50),
        serviceId: PREVIEW_11,
      },
      {
        id: 'dep-pr12old0000000000',
        commit: OLD_SHA,
        status: 'live',
        createdAt: at(40),
        finishedAt: at(38),
        serviceId: PREVIEW_12,
      },
      {
        id: 'dep-pr12ours000000000',
        commit: SHA,
        status: 'build_in_progress',
        createdAt: at(1),
        serviceId: PREVIEW_12,
      },
    ],
  });
}

const renderPreviewInputs = (emulator: RenderEmulator, extra: Record<string, string> = {}) => ({
  provider: 'render',
  'api-token': RENDER_TOKEN,
  'service-id': RENDER_SERVICE,
  'api-url': emulator.url,
  'expect-version': SHA,
  'health-schema': 'health-schema.yaml',
  checks: CHECKS,
  'github-token': GH_TOKEN,
  ...fast,
  ...extra,
});

/** Render production for `workflow_dispatch`: the previous release and the current one, live. */
async function renderProduction(svc: ExampleService): Promise<RenderEmulator> {
  return render({
    serviceUrl: svc.url,
    deploys: [
      {
        id: 'dep-older0000000000000',
        commit: '2222222aaaaaaaabbbbbbbbccccccccdddddddd',
        status: 'deactivated',
        createdAt: at(120),
        finishedAt: at(115),
      },
      {
        id: 'dep-previous0000000000',
        commit: OLD_SHA,
        status: 'deactivated',
        createdAt: at(60),
        finishedAt: at(55),
      },
      { id: 'dep-current00000000000', commit: SHA, status: 'live', createdAt: at(30), finishedAt: at(25) },
    ],
  });
}

const dispatchInputs = (emulator: RenderEmulator, extra: Record<string, string> = {}) => ({
  provider: 'render',
  'api-token': RENDER_TOKEN,
  'service-id': RENDER_SERVICE,
  'api-url': emulator.url,
  'deploy-id': 'current',
  rollback: 'on-failure',
  'health-schema': 'health-schema.yaml',
  checks: CHECKS,
  'github-token': GH_TOKEN,
  ...fast,
  ...extra,
});

async function railway(options: Partial<RailwayEmulatorOptions> = {}): Promise<RailwayEmulator> {
  const started = await startRailwayEmulator({
    token: RAILWAY_TOKEN,
    projectId: PROJECT_ID,
    serviceId: RAILWAY_SERVICE,
    serviceName: 'shop-api',
    environmentId: PROD_ENV,
    domain: 'shop-api-production.up.railway.app.invalid',
    environments: [
      {
        id: PR11_ENV,
        name: 'shop-pr-11',
        isEphemeral: true,
        meta: { prNumber: 11, branch: 'feature/cart' },
        domain: 'shop-api-shop-pr-11.up.railway.app.invalid',
      },
      {
        id: PR12_ENV,
        name: 'shop-pr-12',
        isEphemeral: true,
        meta: { prNumber: 12, branch: 'feature/notes' },
        domain: 'shop-api-shop-pr-12.up.railway.app.invalid',
      },
    ],
    deployments: [
      { id: RW_PREVIOUS, status: 'SUCCESS', createdAt: at(200), commitHash: OLD_SHA },
      { id: RW_PR11, status: 'SUCCESS', createdAt: at(50), commitHash: SHA, environmentId: PR11_ENV },
      { id: RW_PR_OLD, status: 'SUCCESS', createdAt: at(40), commitHash: OLD_SHA, environmentId: PR12_ENV },
      { id: RW_PR_OURS, status: 'QUEUED', createdAt: at(1), commitHash: SHA, environmentId: PR12_ENV },
    ],
    ...options,
  });
  railways.push(started);
  return started;
}

// -----------------------------------------------------------------------------------------------------------

describe('dist/main on deployment_status events', () => {
  it('success: verifies environment_url for deployment.sha; check run and sticky comment on PR #7', async () => {
    const svc = await service({ version: SHA });
    const gh = await github();
    const environment = 'shop-api PR #7';
    const event = deploymentStatusEvent({
      state: 'success',
      environment,
      environmentUrl: svc.url,
      sha: SHA,
    });
    const run = await job(gh, event, { deploy: 'healthy', rollback: 'n/a' }).run('main', {
      'expect-version': SHA,
      'health-schema': 'health-schema.yaml',
      checks: CHECKS,
      'github-token': GH_TOKEN,
      ...fast,
    });

    expect(run.outputs).toMatchObject({
      result: 'passed',
      'failure-reason': '',
      url: svc.url,
      version: SHA,
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(0);
    expect(run.report?.probes.length).toBeGreaterThan(1);
    expect(run.report?.probes.every((p) => p.passed)).toBe(true);
    // A preview (environment "… PR #7"): rollback defaults to never, and no provider was asked anything.
    expect(warnings(run).some((w) => /permission|Could not publish/.test(w))).toBe(false);

    // The check run: named after the environment, on the deployed commit (not github.sha), the summary as output.
    const [check, ...moreChecks] = gh.checkRuns();
    expect(moreChecks).toEqual([]);
    expect(check).toMatchObject({
      name: `Deploy Sentinel (${environment})`,
      headSha: SHA,
      status: 'completed',
      conclusion: 'success',
      detailsUrl: `${gh.serverUrl}/${OWNER}/${REPO}/actions/runs/4242`,
    });
    expect(check?.output.title).toBe('passed');
    expect(check?.output.summary?.trimEnd()).toBe(run.summary.trimEnd());
    expect(check?.output.summary).toContain('✅ Deploy verified');

    // The sticky comment on PR #7 (named by the environment): the hidden marker, the verdict, the links.
    const comments = gh.comments(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.user).toBe('github-actions[bot]');
    const body = comments[0]?.body ?? '';
    expect(body.startsWith(`${marker(environment)}\n`)).toBe(true);
    expect(body).toContain('## ✅ Deploy verified');
    expect(body).toContain(run.summary.trimEnd());
    expect(body).toContain(`[Workflow run](${gh.serverUrl}/${OWNER}/${REPO}/actions/runs/4242)`);
    expect(gh.comments(12)).toEqual([]);

    // The PR came from the environment's name: no lookup by commit.
    expect(ghCalls(gh.requests)).toEqual([
      `POST /repos/${OWNER}/${REPO}/check-runs`,
      `GET /repos/${OWNER}/${REPO}/issues/7/comments`,
      `POST /repos/${OWNER}/${REPO}/issues/7/comments`,
    ]);
    expect(gh.requests.map((r) => r.status)).toEqual([201, 200, 201]);
    expect(gh.requests.every((r) => r.token === GH_TOKEN)).toBe(true);
    expect(gh.requests[0]?.body).toMatchObject({ head_sha: SHA, status: 'completed', conclusion: 'success' });
  });

  it('success in an environment not named after a PR: the PR is found by the commit', async () => {
    const LOOKUP_SHA = '5a5a5a5a6b6b6b6b7c7c7c7c8d8d8d8d9e9e9e9e';
    const svc = await service({ version: LOOKUP_SHA });
    const gh = await github({
      pullRequests: [
        { number: 20, headRef: 'feature/old', headSha: LOOKUP_SHA, state: 'closed' },
        { number: 21, headRef: 'feature/search', headSha: LOOKUP_SHA },
        { number: 22, headRef: 'feature/other', headSha: OLD_SHA },
      ],
    });
    // Railway names its GitHub environments "<project> / <environment>".
    const environment = 'shop / shop-pr-21';
    const event = deploymentStatusEvent({
      state: 'success',
      environment,
      environmentUrl: svc.url,
      sha: LOOKUP_SHA,
    });
    const run = await job(gh, event, { deploy: 'healthy', rollback: 'n/a' }).run('main', {
      'expect-version': LOOKUP_SHA,
      'health-schema': 'health-schema.yaml',
      'github-token': GH_TOKEN,
      ...fast,
    });
    expect(run.outputs).toMatchObject({ result: 'passed', url: svc.url, version: LOOKUP_SHA });
    expect(ghCalls(gh.requests)).toEqual([
      `GET /repos/${OWNER}/${REPO}/commits/${LOOKUP_SHA}/pulls`,
      `POST /repos/${OWNER}/${REPO}/check-runs`,
      `GET /repos/${OWNER}/${REPO}/issues/21/comments`,
      `POST /repos/${OWNER}/${REPO}/issues/21/comments`,
    ]);
    expect(gh.checkRuns()[0]).toMatchObject({
      name: `Deploy Sentinel (${environment})`,
      headSha: LOOKUP_SHA,
      conclusion: 'success',
    });
    expect(gh.comments(21)).toHaveLength(1);
    expect(gh.comments(21)[0]?.body).toContain(marker(environment));
    expect(gh.comments(20)).toEqual([]);
  });

  it('success without expect-version (as preview-check.yml): a 200 from the old commit is not a pass (F7)', async () => {
    // The README and examples/workflows/preview-check.yml say that on deployment_status "the commit from
    // deployment.sha" is read, "so `url` and `expect-version` are not needed".
    const svc = await service({ version: OLD_SHA });
    const gh = await github();
    const event = deploymentStatusEvent({
      state: 'success',
      environment: 'shop-api PR #7',
      environmentUrl: svc.url,
      sha: SHA,
    });
    const run = await job(gh, event, { deploy: 'broken', rollback: 'n/a' }).run('main', {
      'health-schema': 'health-schema.yaml',
      checks: CHECKS,
      'github-token': GH_TOKEN,
      ...fast,
      timeout: '4s',
    });
    expect(run.outputs.version).toBe(OLD_SHA);
    expect(run.outputs.result).toBe('failed');
    expect(run.outputs['failure-reason']).toBe('version-mismatch');
  });

  it('success, with the pre step and a canary: fails the canary as impossible here, with the reason', async () => {
    const svc = await service({ version: SHA });
    const gh = await github();
    const event = deploymentStatusEvent({
      state: 'success',
      environment: 'shop-api PR #7',
      environmentUrl: svc.url,
      sha: SHA,
    });
    // The service works, but the canary (the persistence a pass needs) cannot cross this deploy: broken.
    const runner = job(gh, event, { deploy: 'broken', rollback: 'n/a' });
    const inputs = {
      'expect-version': SHA,
      'health-schema': 'health-schema.yaml',
      checks: 'checks.yml',
      'github-token': GH_TOKEN,
      ...fast,
    };
    const pre = await runner.run('pre', inputs);
    expect(pre.exitCode).toBe(0);
    const run = await runner.run('main', inputs);
    const canary = run.report?.probes.find((p) => p.kind === 'canary');
    expect({
      result: run.outputs.result,
      reason: run.outputs['failure-reason'],
      canary: canary?.failure ?? '',
    }).toEqual({
      // A canary cannot cross a deploy that finished before the job: a loud failure saying so, not a pass.
      result: 'failed',
      reason: 'canary-unverified',
      canary: expect.stringContaining('on deployment_status the deploy finished before this job started'),
    });
    expect(pre.stdout).toContain('no canary written');
  });

  it.each(['failure', 'in_progress'])(
    '%s: no verdict, a notice, no GitHub calls and no request to the service',
    async (state) => {
      const target = await recorder();
      const gh = await github();
      const event = deploymentStatusEvent({
        state,
        environment: 'shop-api PR #7',
        environmentUrl: target.url,
        sha: SHA,
      });
      // The deploy failed or is not done: its URL answers 503.
      const run = await job(gh, event, { deploy: 'broken', rollback: 'n/a' }).run('main', {
        url: target.url,
        'health-schema': 'health-schema.yaml',
        checks: CHECKS,
        'github-token': GH_TOKEN,
        ...fast,
      });
      expect(run.exitCode).toBe(0);
      expect(run.outputs.result).toBe('');
      expect(run.outputs['failure-reason']).toBeUndefined();
      expect(run.report).toBeUndefined();
      const notices = run.stdout.split('\n').filter((line) => line.startsWith('::notice'));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain('title=Deploy Sentinel%3A no verdict');
      expect(notices[0]).toContain(`"shop-api PR #7" is "${state}", not "success": nothing to verify`);
      expect(run.stdout).not.toMatch(/^::(error|warning)/m);
      expect(run.summary).toBe('');
      expect(gh.requests).toEqual([]);
      expect(target.requests).toEqual([]);
    },
  );
});

describe('dist/main on pull_request events: previews found through the provider API', () => {
  it('Render: finds the preview service of PR #12, follows its deploy of the head commit, passes', async () => {
    const production = await recorder();
    const svc = await service({ version: OLD_SHA });
    const emulator = await renderWithPreviews(production.url, svc.url);
    emulator.script('dep-pr12ours000000000', ['update_in_progress', 'live'], {
      onLive: () => svc.restart({ version: SHA }),
    });
    const gh = await github();
    const run = await job(gh, pullRequestEvent(12, 'feature/notes', SHA), {
      deploy: 'healthy',
      rollback: 'wrong',
    }).run('main', renderPreviewInputs(emulator));

    expect(run.outputs).toMatchObject({
      result: 'passed',
      'failure-reason': '',
      'deploy-id': 'dep-pr12ours000000000',
      'deploy-status': 'live',
      url: svc.url,
      version: SHA,
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`Render: verifying the preview of PR #12: shop-api PR #12 (${PREVIEW_12})`);
    expect(run.report?.deploy).toMatchObject({ service: 'shop-api PR #12', commit: SHA });

    const calls = renderCalls(emulator.requests);
    // How often the deploy is read while it goes live depends on how long the service takes to restart
    // (a loaded machine): the calls in order with repeats folded, and a bound on the polls.
    expect(calls.filter((call, i) => call !== calls[i - 1])).toEqual([
      'GET /services',
      'GET /services/srv-pr12',
      'GET /services/srv-pr12/deploys',
      'GET /services/srv-pr12/deploys/dep-pr12ours000000000',
    ]);
    expect(calls.filter((call) => call.endsWith('/dep-pr12ours000000000')).length).toBeLessThanOrEqual(4);
    expect(emulator.requests[0]?.query).toMatchObject({ includePreviews: 'true', limit: '100' });
    // Production (the base service) was never probed, and nothing of the base service was read but its previews.
    expect(production.requests).toEqual([]);

    const [check] = gh.checkRuns();
    expect(check).toMatchObject({
      name: 'Deploy Sentinel (shop-api PR #12)',
      headSha: SHA,
      conclusion: 'success',
    });
    expect(gh.comments(12)).toHaveLength(1);
    expect(gh.comments(12)[0]?.body).toContain(marker('shop-api PR #12'));
    expect(gh.comments(12)[0]?.body).toContain(`[Deploy](https://dashboard.render.com/web/${PREVIEW_12})`);
    expect(ghCalls(gh.requests)).toEqual([
      `POST /repos/${OWNER}/${REPO}/check-runs`,
      `GET /repos/${OWNER}/${REPO}/issues/12/comments`,
      `POST /repos/${OWNER}/${REPO}/issues/12/comments`,
    ]);
    expectNoLeak(run, gh, RENDER_TOKEN);
  });

  it('Render: a preview that fails the schema is failed, never rolled back by default', async () => {
    const production = await recorder();
    const svc = await service({ version: OLD_SHA });
    const emulator = await renderWithPreviews(production.url, svc.url);
    emulator.script('dep-pr12ours000000000', ['update_in_progress', 'live'], {
      onLive: () => svc.restart({ version: SHA, faults: 'degraded' }),
    });
    let rollbacks = 0;
    emulator.onRollback(async () => {
      rollbacks++;
      return { status: 201 };
    });
    const gh = await github();
    const run = await job(gh, pullRequestEvent(12, 'feature/notes', SHA), {
      deploy: 'broken',
      rollback: 'wrong',
    }).run('main', renderPreviewInputs(emulator));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'health-schema',
      'deploy-id': 'dep-pr12ours000000000',
      'rolled-back': 'false',
      'rollback-deploy-id': '',
    });
    expect(run.exitCode).toBe(1);
    expect(rollbacks).toBe(0);
    const calls = renderCalls(emulator.requests);
    expect(calls.some((c) => c.startsWith('POST'))).toBe(false);
    expect(calls.filter((c) => c.includes('rollback'))).toEqual([]);
    expect(calls.every((c) => !c.includes('/services/srv/') && c !== 'GET /services/srv')).toBe(true);
    expect(emulator.requests[0]?.query).toMatchObject({ includePreviews: 'true' });
    const text = summaryAsText(run.summary);
    expect(text).toContain('not performed (`rollback: never`)');
    expect(text).toContain('roll back to deploy dep-pr12old0000000000');
    expect(run.report?.rollback).toMatchObject({ performed: false });
    expect(production.requests).toEqual([]);

    const [check] = gh.checkRuns();
    expect(check).toMatchObject({ name: 'Deploy Sentinel (shop-api PR #12)', conclusion: 'failure' });
    expect(check?.output.title).toBe('failed (health-schema)');
    const body = gh.comments(12)[0]?.body ?? '';
    expect(body).toContain('❌ Deploy failed verification');
    expect(body).toContain('/status must be "ok" but was "degraded"');
    expect(body).toContain('rollback: never');
  });

  it('Render: a PR without a preview fails within timeout, naming the PR', async () => {
    const production = await recorder();
    const emulator = await renderWithPreviews(production.url, 'http://127.0.0.1:9');
    const gh = await github({ pullRequests: [{ number: 13, headRef: 'feature/x', headSha: SHA }] });
    const run = await job(gh, pullRequestEvent(13, 'feature/x', SHA), {
      deploy: 'broken',
      rollback: 'wrong',
    }).run('main', renderPreviewInputs(emulator, { timeout: '3s' }));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'deploy-not-found',
      'deploy-id': '',
      'rolled-back': 'false',
    });
    expect(run.durationMs).toBeLessThan(12_000);
    expect(summaryAsText(run.summary)).toContain(
      'Render created no preview for PR #13 (branch feature/x) within 3s',
    );
    const calls = renderCalls(emulator.requests);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c === 'GET /services')).toBe(true);
    expect(production.requests).toEqual([]);
    expect(gh.checkRuns()[0]).toMatchObject({ conclusion: 'failure', headSha: SHA });
    expect(gh.comments(13)[0]?.body).toContain('deploy-not-found');
  });

  it('Render: with the pre step and a canary in the checks file, nothing is written to production', async () => {
    const production = await recorder();
    const svc = await service({ version: OLD_SHA });
    const emulator = await renderWithPreviews(production.url, svc.url);
    emulator.script('dep-pr12ours000000000', ['update_in_progress', 'live'], {
      onLive: () => svc.restart({ version: SHA }),
    });
    const gh = await github();
    // A canary cannot cross a preview's first deploy: the persistence a pass needs is not there.
    const runner = job(gh, pullRequestEvent(12, 'feature/notes', SHA), {
      deploy: 'broken',
      rollback: 'wrong',
    });
    const inputs = renderPreviewInputs(emulator, { checks: 'checks.yml' });
    await runner.run('pre', inputs);
    const run = await runner.run('main', inputs);
    // A PR run must not write into (or even probe) the production service behind the preview.
    expect({
      result: run.outputs.result,
      reason: run.outputs['failure-reason'],
      canary: run.report?.probes.find((p) => p.kind === 'canary')?.failure,
      production: production.requests,
    }).toEqual({
      result: 'failed',
      reason: 'canary-unverified',
      canary: expect.stringContaining('a pull-request preview starts as a new service'),
      production: [],
    });
  });

  it('Railway: finds the PR environment by meta.prNumber and verifies its deployment', async () => {
    const svc = await service({ version: OLD_SHA });
    const emulator = await railway();
    emulator.script(RW_PR_OURS, ['BUILDING', 'DEPLOYING', 'SUCCESS'], {
      onSuccess: () => svc.restart({ version: SHA }),
    });
    const gh = await github();
    const run = await job(gh, pullRequestEvent(12, 'feature/notes', SHA), {
      deploy: 'healthy',
      rollback: 'wrong',
    }).run('main', {
      provider: 'railway',
      'api-token': RAILWAY_TOKEN,
      'service-id': RAILWAY_SERVICE,
      'environment-id': PROD_ENV,
      'api-url': emulator.url,
      url: svc.url,
      'expect-version': SHA,
      'health-schema': 'health-schema.yaml',
      checks: CHECKS,
      'github-token': GH_TOKEN,
      ...fast,
    });
    expect(run.outputs).toMatchObject({
      result: 'passed',
      'deploy-id': RW_PR_OURS,
      'deploy-status': 'SUCCESS',
      version: SHA,
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(0);

    const environments = emulator.requests.filter((r) => r.fields.includes('environments'));
    expect(environments).toHaveLength(1);
    expect(environments[0]?.variables).toMatchObject({ projectId: PROJECT_ID });
    expect(environments[0]?.query).toMatch(/isEphemeral:\s*true/);
    const deployments = emulator.requests.filter((r) => r.fields.includes('deployments'));
    expect(deployments.length).toBeGreaterThan(0);
    for (const request of deployments) {
      expect(request.variables.input).toEqual({ serviceId: RAILWAY_SERVICE, environmentId: PR12_ENV });
    }
    const instances = emulator.requests.filter((r) => r.fields.includes('serviceInstance'));
    expect(instances.length).toBeGreaterThan(0);
    // The base environment's instance is read once (for the project ID); everything after the switch is PR #12's.
    expect(instances.map((r) => r.variables.environmentId)).toEqual([PROD_ENV, PR12_ENV]);
    // Nothing was ever asked of, or sent to, production or PR #11's environment.
    expect(JSON.stringify(emulator.requests.map((r) => r.variables))).not.toContain(PR11_ENV);
    expect(emulator.requests.filter((r) => r.operationType === 'mutation')).toEqual([]);

    const [check] = gh.checkRuns();
    expect(check?.name).toMatch(/^Deploy Sentinel \(shop-api.*shop-pr-12.*\)$/);
    expect(check).toMatchObject({ headSha: SHA, conclusion: 'success' });
    expect(gh.comments(12)).toHaveLength(1);
    expect(ghCalls(gh.requests)).toEqual([
      `POST /repos/${OWNER}/${REPO}/check-runs`,
      `GET /repos/${OWNER}/${REPO}/issues/12/comments`,
      `POST /repos/${OWNER}/${REPO}/issues/12/comments`,
    ]);
    expectNoLeak(run, gh, RAILWAY_TOKEN);
  });
});

describe('the sticky PR comment', () => {
  it('is updated in place on a second run, not duplicated; other comments are left alone', async () => {
    const svc = await service({ version: SHA });
    const host = new URL(svc.url).host;
    const gh = await github();
    const human = gh.addComment(12, {
      body: 'Looks good to me, waiting for the preview check.',
      user: 'octocat',
    });
    const otherBot = gh.addComment(12, {
      body: 'Your preview is live at https://shop-api-pr-12.onrender.com',
      user: 'render[bot]',
    });
    const otherWorkflow = gh.addComment(12, {
      body: `<!-- deploy-sentinel: nightly / ${host} -->\n## ✅ Deploy verified\n`,
    });
    const event = pullRequestEvent(12, 'feature/notes', SHA);
    const inputs = {
      url: svc.url,
      'expect-version': SHA,
      'health-schema': 'health-schema.yaml',
      'github-token': GH_TOKEN,
      ...fast,
    };

    const first = await job(gh, event, { deploy: 'healthy', rollback: 'n/a' }).run('main', inputs);
    expect(first.outputs.result).toBe('passed');
    const sticky = gh.comments(12).filter((c) => c.body.includes(marker(host)));
    expect(sticky).toHaveLength(1);
    const id = sticky[0]?.id as number;
    expect(sticky[0]?.body).toContain('✅ Deploy verified');
    const before = gh.requests.length;

    await svc.setFaults('degraded');
    const second = await job(gh, event, { deploy: 'broken', rollback: 'n/a' }).run('main', inputs);
    expect(second.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'health-schema' });
    expect(second.exitCode).toBe(1);

    const all = gh.comments(12);
    expect(all).toHaveLength(4);
    const stickies = all.filter((c) => c.body.includes(marker(host)));
    expect(stickies).toHaveLength(1);
    expect(stickies[0]?.id).toBe(id);
    expect(stickies[0]?.body).toContain('❌ Deploy failed verification');
    expect(stickies[0]?.body).not.toContain('✅ Deploy verified');
    expect(stickies[0]?.body).toContain(second.summary.trimEnd());
    // The others, untouched.
    for (const comment of [human, otherBot, otherWorkflow]) {
      expect(all.find((c) => c.id === comment.id)).toEqual(comment);
    }

    const secondCalls = ghCalls(gh.requests.slice(before));
    expect(secondCalls).toEqual([
      `POST /repos/${OWNER}/${REPO}/check-runs`,
      `GET /repos/${OWNER}/${REPO}/issues/12/comments`,
      `PATCH /repos/${OWNER}/${REPO}/issues/comments/${id}`,
    ]);
    expect(secondCalls.filter((c) => c === `POST /repos/${OWNER}/${REPO}/issues/12/comments`)).toEqual([]);
    expect(gh.requests.slice(before).map((r) => r.status)).toEqual([201, 200, 200]);
    // One check run per run; the second one failed.
    expect(gh.checkRuns().map((c) => c.conclusion)).toEqual(['success', 'failure']);
  });

  it("does not take over a person's comment that happens to contain the marker", async () => {
    const svc = await service({ version: SHA });
    const host = new URL(svc.url).host;
    const gh = await github();
    const quoted = gh.addComment(12, {
      body: `Copied from the bot for the record:\n${marker(host)}\n## ✅ Deploy verified`,
      user: 'octocat',
    });
    const run = await job(gh, pullRequestEvent(12, 'feature/notes', SHA), {
      deploy: 'healthy',
      rollback: 'n/a',
    }).run('main', {
      url: svc.url,
      'health-schema': 'health-schema.yaml',
      'github-token': GH_TOKEN,
      ...fast,
    });
    expect(run.outputs.result).toBe('passed');
    expect(gh.comments(12).find((c) => c.id === quoted.id)).toEqual(quoted);
    expect(gh.comments(12).filter((c) => c.user === 'github-actions[bot]')).toHaveLength(1);
  });
});

describe('a token without a permission', () => {
  const READ_ONLY_PRS = 'ghs_e2eNoPullRequestsWrite000000000000';
  const NO_CHECKS = 'ghs_e2eNoChecksWrite00000000000000000000';
  const tokens = [
    {
      token: READ_ONLY_PRS,
      permissions: { contents: 'read', checks: 'write', 'pull-requests': 'read' } as const,
    },
    { token: NO_CHECKS, permissions: { contents: 'read', 'pull-requests': 'write' } as const },
  ];
  const inputs = (svc: ExampleService, token: string) => ({
    url: svc.url,
    'expect-version': SHA,
    'health-schema': 'health-schema.yaml',
    'github-token': token,
    ...fast,
  });

  it('without pull-requests: write: a warning naming it, the verdict intact, the check run posted', async () => {
    const svc = await service({ version: SHA });
    const gh = await github({ tokens });
    const run = await job(gh, pullRequestEvent(12, 'feature/notes', SHA), {
      deploy: 'healthy',
      rollback: 'n/a',
    }).run('main', inputs(svc, READ_ONLY_PRS));
    expect(run.outputs).toMatchObject({ result: 'passed', 'failure-reason': '' });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toMatch(/^::error/m);
    const found = warnings(run).filter((w) => w.includes('`pull-requests: write`'));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('Could not publish the pull request comment: GitHub answered 403');
    expect(found[0]).toContain('The verdict is unaffected.');
    expect(warnings(run).some((w) => w.includes('checks: write'))).toBe(false);
    expect(gh.checkRuns()).toHaveLength(1);
    expect(gh.checkRuns()[0]).toMatchObject({
      name: `Deploy Sentinel (${new URL(svc.url).host})`,
      conclusion: 'success',
    });
    expect(gh.comments(12)).toEqual([]);
    expect(gh.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `POST /repos/${OWNER}/${REPO}/check-runs 201`,
      `GET /repos/${OWNER}/${REPO}/issues/12/comments 200`,
      `POST /repos/${OWNER}/${REPO}/issues/12/comments 403`,
    ]);
    expectNoLeak(run, gh, READ_ONLY_PRS);
  });

  it('without checks: write: a warning naming it, the verdict intact, the comment posted', async () => {
    const svc = await service({ version: SHA });
    const gh = await github({ tokens });
    const run = await job(gh, pullRequestEvent(12, 'feature/notes', SHA), {
      deploy: 'healthy',
      rollback: 'n/a',
    }).run('main', inputs(svc, NO_CHECKS));
    expect(run.outputs).toMatchObject({ result: 'passed', 'failure-reason': '' });
    expect(run.exitCode).toBe(0);
    const found = warnings(run).filter((w) => w.includes('`checks: write`'));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('Could not publish the check run: GitHub answered 403');
    expect(warnings(run).some((w) => w.includes('pull-requests: write'))).toBe(false);
    expect(gh.checkRuns()).toEqual([]);
    expect(gh.comments(12)).toHaveLength(1);
    expect(gh.comments(12)[0]?.body).toContain('✅ Deploy verified');
    expect(gh.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `POST /repos/${OWNER}/${REPO}/check-runs 403`,
      `GET /repos/${OWNER}/${REPO}/issues/12/comments 200`,
      `POST /repos/${OWNER}/${REPO}/issues/12/comments 201`,
    ]);
  });
});

describe('workflow_dispatch with deploy-id: current', () => {
  const dispatch = () =>
    dispatchEvent({ environment: 'production', rollback: 'on-failure', 'deploy-id': 'current' });

  it('passes when the live deploy is healthy', async () => {
    const svc = await service({ version: SHA });
    const emulator = await renderProduction(svc);
    const gh = await github();
    const run = await job(gh, dispatch(), { deploy: 'healthy', rollback: 'wrong' }).run(
      'main',
      dispatchInputs(emulator),
    );
    expect(run.outputs).toMatchObject({
      result: 'passed',
      'failure-reason': '',
      'deploy-id': 'dep-current00000000000',
      'deploy-status': 'live',
      version: SHA,
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(0);
    expect(renderCalls(emulator.requests)).toEqual([
      'GET /services/srv',
      'GET /services/srv/deploys',
      'GET /services/srv/deploys/dep-current00000000000',
    ]);
    // No PR on a dispatch: a check run only.
    expect(ghCalls(gh.requests)).toEqual([`POST /repos/${OWNER}/${REPO}/check-runs`]);
    expect(gh.checkRuns()[0]).toMatchObject({
      name: 'Deploy Sentinel (shop-api)',
      headSha: MERGE_SHA,
      conclusion: 'success',
    });
  });

  it('rolls back to the previous good deploy when the live one fails', async () => {
    const svc = await service({ version: SHA, faults: 'degraded' });
    const emulator = await renderProduction(svc);
    const targets: string[] = [];
    emulator.onRollback(async (target) => {
      targets.push(target);
      return { status: 201, onLive: () => svc.restart({ version: OLD_SHA, faults: '' }) };
    });
    const gh = await github();
    const run = await job(gh, dispatch(), { deploy: 'broken', rollback: 'right' }).run(
      'main',
      dispatchInputs(emulator),
    );
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      'failure-reason': 'health-schema',
      'deploy-id': 'dep-current00000000000',
      'rolled-back': 'true',
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs['rollback-deploy-id']).toMatch(/^dep-emu/);
    expect(targets).toEqual(['dep-previous0000000000']);
    const calls = renderCalls(emulator.requests);
    expect(calls.filter((c) => c === 'POST /services/srv/rollback')).toHaveLength(1);
    expect(emulator.requests.find((r) => r.method === 'POST')?.body).toEqual({
      deployId: 'dep-previous0000000000',
    });
    const text = summaryAsText(run.summary);
    expect(text).toContain(
      `rolled back to dep-previous0000000000 (commit ${OLD_SHA.slice(0, 12)}) as deploy dep-emu`,
    );
    const [check] = gh.checkRuns();
    expect(check).toMatchObject({ name: 'Deploy Sentinel (shop-api)', conclusion: 'failure' });
    expect(check?.output.title).toBe('rolled-back (health-schema)');
    expect(check?.output.summary).toContain('rolled back to dep-previous0000000000');
    expect(ghCalls(gh.requests)).toEqual([`POST /repos/${OWNER}/${REPO}/check-runs`]);
  });

  it('two runs on one service, one after the other, roll back at most once', async () => {
    const svc = await service({ version: SHA, faults: 'degraded' });
    const emulator = await renderProduction(svc);
    const targets: string[] = [];
    emulator.onRollback(async (target) => {
      targets.push(target);
      return { status: 201, onLive: () => svc.restart({ version: OLD_SHA, faults: '' }) };
    });
    const gh = await github();
    const first = await job(gh, dispatch(), { deploy: 'broken', rollback: 'right' }).run(
      'main',
      dispatchInputs(emulator),
    );
    expect(first.outputs).toMatchObject({ result: 'rolled-back', 'rolled-back': 'true' });
    const restored = first.outputs['rollback-deploy-id'];
    const before = emulator.requests.length;

    // The second run was queued behind the first (`concurrency:` group): what is live now is the rollback.
    const second = await job(gh, dispatch(), { deploy: 'healthy', rollback: 'wrong' }).run(
      'main',
      dispatchInputs(emulator),
    );
    expect(targets).toEqual(['dep-previous0000000000']);
    expect(renderCalls(emulator.requests.slice(before)).some((c) => c.startsWith('POST'))).toBe(false);
    expect(second.outputs).toMatchObject({
      result: 'passed',
      'deploy-id': restored,
      'rolled-back': 'false',
    });
    expect(second.exitCode).toBe(0);

    // A run for the failed commit itself (not `current`) finds its deploy replaced by the rollback.
    // Our broken deploy, already replaced by the rollback: superseded, nothing more to roll back.
    const third = await job(gh, dispatch(), { deploy: 'broken', rollback: 'wrong' }).run(
      'main',
      dispatchInputs(emulator, { 'deploy-id': '', commit: SHA }),
    );
    expect(targets).toEqual(['dep-previous0000000000']);
    expect(renderCalls(emulator.requests).filter((c) => c.startsWith('POST'))).toHaveLength(1);
    expect(third.outputs).toMatchObject({
      result: 'superseded',
      'deploy-id': 'dep-current00000000000',
      'deploy-status': 'deactivated',
      'rolled-back': 'false',
    });
    expect(third.exitCode).toBe(0);
    expect(summaryAsText(third.summary)).toContain(`superseded by deploy ${restored}`);
  });
});

describe('two runs at once', () => {
  const dispatch = () =>
    dispatchEvent({ environment: 'production', rollback: 'on-failure', 'deploy-id': 'current' });

  it('two concurrent runs on one service send exactly one rollback (three rounds)', async () => {
    for (let round = 0; round < 3; round++) {
      const svc = await service({ version: SHA, faults: 'degraded' });
      const emulator = await renderProduction(svc);
      const targets: string[] = [];
      emulator.onRollback(async (target) => {
        targets.push(target);
        return { status: 201, onLive: () => svc.restart({ version: OLD_SHA, faults: '' }) };
      });
      const gh = await github();
      // No `concurrency:` group: both runs find the same failing deploy and reach the rollback together.
      // Its one rollback is right for each of them (either may be the one that sends it), and each
      // record counts the calls made during its run: one.
      const runs = await Promise.all([
        job(gh, dispatch(), { deploy: 'broken', rollback: 'right' }).run('main', dispatchInputs(emulator)),
        job(gh, dispatch(), { deploy: 'broken', rollback: 'right' }).run('main', dispatchInputs(emulator)),
      ]);
      expect(targets).toEqual(['dep-previous0000000000']);
      expect(renderCalls(emulator.requests).filter((c) => c.startsWith('POST'))).toHaveLength(1);
      expect(runs.map((r) => r.outputs.result).sort()).toEqual(['rolled-back', 'superseded']);
    }
  });
});

describe('secrets', () => {
  it('the GitHub token, the provider token and a header value never appear in anything published', async () => {
    const production = await recorder();
    const svc = await service({ version: OLD_SHA });
    const emulator = await renderWithPreviews(production.url, svc.url);
    emulator.script('dep-pr12ours000000000', ['update_in_progress', 'live'], {
      onLive: async () => {
        await svc.restart({ version: SHA, faults: 'degraded' });
        emulator.addLogs(
          [
            `boot: using api key ${RENDER_TOKEN}`,
            `GITHUB_TOKEN=${GH_TOKEN}`,
            `incoming request X-Probe-Key: ${HEADER_SECRET}`,
            'could not connect to server: Network is unreachable',
          ].map((message) => ({
            message,
            type: 'app' as const,
            timestamp: new Date().toISOString(),
            resource: PREVIEW_12,
          })),
        );
      },
    });
    const gh = await github();
    const run = await job(gh, pullRequestEvent(12, 'feature/notes', SHA), {
      deploy: 'broken',
      rollback: 'wrong',
    }).run('main', renderPreviewInputs(emulator, { headers: `X-Probe-Key: ${HEADER_SECRET}` }));
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'health-schema' });
    // The evidence was read and published: the log lines are there, with the secrets masked.
    expect(renderCalls(emulator.requests)).toContain('GET /logs');
    const body = gh.comments(12)[0]?.body ?? '';
    expect(body).toContain('boot: using api key ***');
    expect(body).toContain('incoming request X-Probe-Key: ***');
    expect(gh.checkRuns()[0]?.output.summary).toContain('GITHUB_TOKEN=***');
    for (const secret of [GH_TOKEN, RENDER_TOKEN, HEADER_SECRET]) expectNoLeak(run, gh, secret);
    // Each was registered for masking in the runner's log.
    for (const secret of [GH_TOKEN, RENDER_TOKEN, HEADER_SECRET])
      expect(run.stdout.split('\n')).toContain(`::add-mask::${secret}`);
  });
});
