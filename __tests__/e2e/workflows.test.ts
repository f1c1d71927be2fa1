/**
 * The example workflows (examples/workflows/), run as written: each job of a workflow, for the event it
 * triggers on, through test-kit/runner/workflow.ts. Every `${{ }}` is resolved as the runner resolves it
 * (secrets, vars, dispatch inputs, the event payload, matrix entries, step outputs), the action's pre runs
 * before actions/checkout and reads the checks file through the GitHub API, the `run:` steps run in bash,
 * and post runs last. Nothing in a workflow is replaced for the test:
 *
 * - the provider's public API (`api.render.com`, `backboard.railway.com`) and the services' public URLs are
 *   served on this machine under their own names, over TLS (startPublicHosts): the Render and Railway
 *   emulators and the example service with embedded Postgres stand behind them;
 * - GITHUB_API_URL is the GitHub emulator, which serves the repository's files (examples/repository/) at the
 *   run's commit and gives the job's token exactly the permissions the workflow grants;
 * - actions/checkout copies examples/repository/ into the workspace; upload-artifact and download-artifact
 *   go through one artifact store per workflow run. No example uses any other action.
 *
 * For each workflow the cases run a good deploy and a broken one and assert what the workflow's comments
 * promise.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { join } from 'node:path';
import {
  startEmbeddedPostgres,
  startExampleService,
  type EmbeddedPostgres,
  type ExampleService,
} from '../../test-kit/example-service.js';
import {
  startGitHubEmulator,
  type GitHubEmulator,
  type PullRequestSpec,
} from '../../test-kit/emulators/github-emulator.js';
import { startCloudRunEmulator, type CloudRunEmulator } from '../../test-kit/emulators/cloud-run-emulator.js';
import {
  startRailwayEmulator,
  type RailwayEmulator,
  type RailwayEmulatorOptions,
} from '../../test-kit/emulators/railway-emulator.js';
import {
  startRenderEmulator,
  type RenderDeploySpec,
  type RenderEmulator,
  type RenderEmulatorOptions,
} from '../../test-kit/emulators/render-emulator.js';
import {
  ArtifactStore,
  combinedResult,
  loadWorkflow,
  matrixEntries,
  resolveConcurrency,
  runWorkflowJob,
  startPublicHosts,
  tokenPermissions,
  type CloudRunDeployRequest,
  type GoogleCloudStandIn,
  type PublicHostsServer,
  type WorkflowJobOptions,
  type WorkflowJobRun,
} from '../../test-kit/runner/workflow.js';
import type { Truth } from '../../test-kit/ground-truth.js';
import {
  deploymentStatusEvent,
  pullRequestEvent,
  pushEvent,
  workflowDispatchEvent,
} from '../helpers/events.js';

jest.setTimeout(240_000);

const OWNER = 'acme';
const REPO = 'shop';
const repository = { owner: OWNER, repo: REPO };
const REPOSITORY_DIR = join(process.cwd(), 'examples', 'repository');
const workflowFile = (name: string) => loadWorkflow(join(process.cwd(), 'examples', 'workflows', name));

const GH_TOKEN = 'ghs_Tz6Kq1Wm8Xv3Rp5Nc9Lb2Hy7Gd4Fj0Ds';
const SECRETS = {
  RENDER_API_KEY: 'rnd_Pw3Xk8Qm1Zv6Tn4Rb9Yc2Ld',
  RAILWAY_TOKEN: 'rwy-Hn7Vq2Xt9Km4Wb6Zp1Rc8-5d2a9c',
  RAILWAY_API_TOKEN: 'rwy-Bd5Ly8Qw3Nx1Tk7Vm4Zr9-8e1f3b',
  SMOKE_PASSWORD: 'pw-workflows-smoke',
};

/** The pushed commit, what ran before it, and github.sha on pull_request (a merge commit nothing deploys). */
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const OLD_SHA = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const MERGE_SHA = '7e7e7e7e8f8f8f8f9a9a9a9a0b0b0b0b1c1c1c1c';
const OLDER_SHA = '2222222aaaaaaaabbbbbbbbccccccccdddddddd';
/** A database URL nothing listens on: the example service falls back to SQLite (F1). */
const DEAD_DATABASE = 'postgres://postgres:postgres@127.0.0.1:1/postgres';

const RENDER_SERVICE = 'srv-d0workflowsuite00001';
const RENDER_STAGING = 'srv-d0workflowsuite00002';
const RAILWAY_PROJECT = 'b7a1c9e2-5d3f-4e8a-9c1b-2f6d8e4a0c01';
const RAILWAY_SERVICE = 'c3d4e5f6-7a8b-4c9d-8e0f-1a2b3c4d5c02';
const RAILWAY_ENV = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4c03';

let postgres: EmbeddedPostgres;
const closers: (() => Promise<void>)[] = [];
const emulators: { violations: string[] }[] = [];

// Starting the embedded PostgreSQL can take most of 30 s on a loaded machine.
beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
}, 90_000);
afterEach(async () => {
  const started = emulators.splice(0);
  try {
    // Every call to GitHub, Render and Railway, in every case, valid against their contracts.
    for (const emulator of started) expect(emulator.violations).toEqual([]);
  } finally {
    await Promise.all(closers.splice(0).map((close) => close()));
  }
});
afterAll(async () => {
  await postgres?.stop();
});

const at = (minutesAgo: number): string => new Date(Date.now() - minutesAgo * 60_000).toISOString();

async function service(options: Parameters<typeof startExampleService>[0] = {}): Promise<ExampleService> {
  const started = await startExampleService({
    smokePassword: SECRETS.SMOKE_PASSWORD,
    databaseUrl: postgres.url,
    ...options,
  });
  closers.push(() => started.stop());
  return started;
}

/** The GitHub API of the repository: its files at `ref`, one token with what the workflow grants the job. */
async function github(
  workflow: ReturnType<typeof workflowFile>,
  jobId: string,
  ref: string,
  pullRequests: PullRequestSpec[] = [],
): Promise<GitHubEmulator> {
  const started = await startGitHubEmulator({
    owner: OWNER,
    repo: REPO,
    tokens: [{ token: GH_TOKEN, permissions: tokenPermissions(workflow, jobId) }],
    repositoryFiles: { dir: REPOSITORY_DIR, ref },
    pullRequests,
  });
  emulators.push(started);
  closers.push(() => started.close());
  return started;
}

async function render(
  options: Partial<RenderEmulatorOptions> & { serviceId: string },
): Promise<RenderEmulator> {
  const started = await startRenderEmulator({
    token: SECRETS.RENDER_API_KEY,
    ownerId: 'tea-d0workflowsuite0001',
    serviceName: 'shop-api',
    serviceUrl: 'https://shop-api.onrender.com',
    pageOrder: 'shuffled',
    ...options,
  });
  emulators.push(started);
  closers.push(() => started.close());
  return started;
}

async function railway(options: Partial<RailwayEmulatorOptions> = {}): Promise<RailwayEmulator> {
  const started = await startRailwayEmulator({
    token: SECRETS.RAILWAY_TOKEN,
    tokenKind: 'project',
    projectId: RAILWAY_PROJECT,
    serviceId: RAILWAY_SERVICE,
    serviceName: 'shop-api',
    environmentId: RAILWAY_ENV,
    domain: 'shop-api-production.up.railway.app',
    ...options,
  });
  emulators.push(started);
  closers.push(() => started.close());
  return started;
}

/** The public names a run reaches (`name` to the local origin behind it). */
async function internet(routes: Record<string, string>): Promise<PublicHostsServer> {
  const started = await startPublicHosts(routes);
  closers.push(() => started.close());
  return started;
}

/**
 * What is true of a job's deploy, for the Reliability table (test-kit/ground-truth.ts): broken when the
 * release is (a dead database, a fault), and then a rollback is right only where the workflow asks for
 * one. Previews and URL-mode jobs are never rolled back.
 */
function truthOf(broken: boolean, rollback: 'allowed' | 'not-allowed' | 'no-provider'): Truth {
  return {
    deploy: broken ? 'broken' : 'healthy',
    rollback: rollback === 'no-provider' ? 'n/a' : broken && rollback === 'allowed' ? 'right' : 'wrong',
  };
}
const brokenBy = (afterDeploy: Parameters<ExampleService['restart']>[0]): boolean =>
  afterDeploy?.databaseUrl === DEAD_DATABASE || Boolean(afterDeploy?.faults);

/** Runs one job of a workflow with the suite's secrets, the repository and the emulators. */
function run(
  options: Omit<WorkflowJobOptions, 'githubApi' | 'repository' | 'secrets' | 'stepTimeoutMs'> & {
    gh: GitHubEmulator;
  },
): Promise<WorkflowJobRun> {
  const { gh, ...rest } = options;
  return runWorkflowJob({
    repository: REPOSITORY_DIR,
    secrets: SECRETS,
    githubApi: { url: gh.url, token: GH_TOKEN },
    stepTimeoutMs: 150_000,
    // The built action: dist/, or the directory DEPLOY_SENTINEL_ACTION_DIR names (a private build).
    actionDir: process.env.DEPLOY_SENTINEL_ACTION_DIR || undefined,
    ...rest,
  });
}

/** `METHOD path` of every Render call, the service ID shortened. */
const renderCalls = (emulator: RenderEmulator, serviceId = RENDER_SERVICE): string[] =>
  emulator.requests.map((r) => `${r.method} ${r.path.replace('/v1', '').replace(serviceId, 'srv')}`);

/** The warnings the action printed (`::warning ...::message`). */
const warnings = (text: string): string[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('::warning'))
    .map((line) => line.replace(/^::warning[^:]*::/, '').replace(/%0A/g, '\n'));

/** What a finished job must show whatever the verdict: no permission the workflow forgot, a check run. */
function expectPublished(job: WorkflowJobRun, gh: GitHubEmulator, conclusion: 'success' | 'failure'): void {
  const main = job.steps.find((step) => step.kind === 'action')?.process;
  expect(warnings(main?.stdout ?? '').filter((w) => /permission|Resource not accessible/i.test(w))).toEqual(
    [],
  );
  expect(gh.checkRuns().map((check) => check.conclusion)).toEqual([conclusion]);
}

// --- render-deploy-verify.yml ------------------------------------------------------------------------------

describe('render-deploy-verify.yml (push to main)', () => {
  const workflow = workflowFile('render-deploy-verify.yml');
  /** Render's deploys of the service: an older release, the live previous one, and the push's, building. */
  const deploys = (): RenderDeploySpec[] => [
    { id: 'dep-older0000000000000', commit: OLDER_SHA, status: 'deactivated', createdAt: at(120) },
    { id: 'dep-previous0000000000', commit: OLD_SHA, status: 'live', createdAt: at(60), finishedAt: at(55) },
    { id: 'dep-ours00000000000000', commit: SHA, status: 'build_in_progress', createdAt: at(1) },
  ];

  async function setUp(afterDeploy: Parameters<ExampleService['restart']>[0]) {
    const svc = await service({ version: OLD_SHA });
    const emulator = await render({ serviceId: RENDER_SERVICE, deploys: deploys() });
    // pre's deploy list sees the build finishing; main's list sees it live. Then the service runs SHA.
    emulator.script('dep-ours00000000000000', ['update_in_progress', 'live'], {
      onLive: () => svc.restart(afterDeploy),
    });
    // Render's rollback: a new deploy of the previous release, on the real database.
    emulator.onRollback(async () => ({
      status: 201,
      statuses: ['live'],
      onLive: () => svc.restart({ version: OLD_SHA, databaseUrl: postgres.url }),
    }));
    const gh = await github(workflow, 'deploy', SHA);
    const hosts = await internet({
      'api.render.com': emulator.url,
      'shop-api.onrender.com': svc.url,
    });
    const job = await run({
      workflow,
      jobId: 'deploy',
      event: { name: 'push', payload: pushEvent({ repository, after: SHA, before: OLD_SHA }) },
      github: { sha: SHA, ref: 'refs/heads/main', repository: `${OWNER}/${REPO}` },
      vars: { RENDER_SERVICE_ID: RENDER_SERVICE },
      gh,
      truth: truthOf(brokenBy(afterDeploy), 'allowed'),
      publicHosts: hosts,
    });
    return { emulator, gh, job };
  }

  it('a good deploy: the canary crosses it, the checks pass, the verdict step prints passed', async () => {
    const { emulator, gh, job } = await setUp({ version: SHA });

    // pre read the checks file through the contents API (before checkout) and wrote the canary.
    expect(job.pre?.stdout).toContain('read .github/checks.yml from the repository');
    expect(job.pre?.stdout).toContain('canary written to https://shop-api.onrender.com');
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toContain(
      `GET /repos/${OWNER}/${REPO}/contents/.github/checks.yml`,
    );
    const verify = job.step('verify');
    expect(verify.outcome).toBe('success');
    expect(verify.outputs).toMatchObject({
      result: 'passed',
      'failure-reason': '',
      'deploy-id': 'dep-ours00000000000000',
      url: 'https://shop-api.onrender.com',
      version: SHA,
      'rolled-back': 'false',
    });
    const probes = (verify.process as { report?: { probes: { kind: string; passed: boolean }[] } }).report
      ?.probes;
    expect(probes?.find((p) => p.kind === 'canary')).toMatchObject({ passed: true });
    expect(job.step('Show the verdict').process?.stdout.trim()).toBe(
      'result=passed reason= rolled-back=false',
    );
    expect(job.post?.stdout).toContain('canary deleted');
    expect(job.result).toBe('success');
    expect(renderCalls(emulator).filter((call) => !call.startsWith('GET'))).toEqual([]);
    expectPublished(job, gh, 'success');
  });

  it('a broken deploy (SQLite fallback): rolled back, auto-deploy paused, the verdict step still runs', async () => {
    const { emulator, gh, job } = await setUp({ version: SHA, databaseUrl: DEAD_DATABASE });

    const verify = job.step('verify');
    expect(verify.outcome).toBe('failure');
    expect(verify.outputs).toMatchObject({
      result: 'rolled-back',
      'failure-reason': 'health-schema',
      'deploy-id': 'dep-ours00000000000000',
      'rolled-back': 'true',
    });
    expect(renderCalls(emulator).filter((call) => !call.startsWith('GET'))).toEqual([
      'POST /services/srv/rollback',
      'PATCH /services/srv',
    ]);
    expect(emulator.requests.find((r) => r.method === 'POST')?.body).toEqual({
      deployId: 'dep-previous0000000000',
    });
    // pause-auto-deploy: true, so the next push does not deploy the broken commit again.
    expect(emulator.service().autoDeploy).toBe('no');
    // `if: always()`: the verdict step runs after the failed step and reads its outputs.
    expect(job.step('Show the verdict').process?.stdout.trim()).toBe(
      'result=rolled-back reason=health-schema rolled-back=true',
    );
    expect(job.post?.ran).toBe(true);
    expect(job.result).toBe('failure');
    expectPublished(job, gh, 'failure');
    expect(gh.checkRuns()[0]?.output.title).toBe('rolled-back (health-schema)');
  });
});

// --- railway-deploy-verify.yml -----------------------------------------------------------------------------

describe('railway-deploy-verify.yml (push to main)', () => {
  const workflow = workflowFile('railway-deploy-verify.yml');
  const PREVIOUS = '0b0b0b0b-2222-4222-8222-00000000c002';
  const OURS = '0c0c0c0c-3333-4333-8333-00000000c003';
  const ROLLBACK = '0e0e0e0e-5555-4555-8555-00000000c005';

  async function setUp(afterDeploy: Parameters<ExampleService['restart']>[0]) {
    const svc = await service({ version: OLD_SHA });
    const emulator = await railway({
      deployments: [
        { id: PREVIOUS, status: 'SUCCESS', createdAt: at(60), commitHash: OLD_SHA },
        { id: OURS, status: 'QUEUED', createdAt: at(1), commitHash: SHA },
      ],
    });
    emulator.script(OURS, ['BUILDING', 'DEPLOYING', 'SUCCESS'], {
      onSuccess: () => svc.restart(afterDeploy),
    });
    emulator.onRollback(async () => ({
      deploymentId: ROLLBACK,
      statuses: ['DEPLOYING', 'SUCCESS'],
      onSuccess: () => svc.restart({ version: OLD_SHA, faults: '' }),
    }));
    const gh = await github(workflow, 'deploy', SHA);
    const hosts = await internet({
      'backboard.railway.com': emulator.url,
      'shop-api-production.up.railway.app': svc.url,
    });
    const job = await run({
      workflow,
      jobId: 'deploy',
      event: { name: 'push', payload: pushEvent({ repository, after: SHA, before: OLD_SHA }) },
      github: { sha: SHA, ref: 'refs/heads/main', repository: `${OWNER}/${REPO}` },
      vars: { RAILWAY_SERVICE_ID: RAILWAY_SERVICE, RAILWAY_ENVIRONMENT_ID: RAILWAY_ENV },
      gh,
      truth: truthOf(brokenBy(afterDeploy), 'allowed'),
      publicHosts: hosts,
    });
    return { emulator, gh, job };
  }

  const mutations = (emulator: RailwayEmulator): string[] =>
    emulator.requests.filter((r) => r.operationType === 'mutation').flatMap((r) => r.fields);

  it("a good deploy: found by commit, followed to SUCCESS, verified at the service's Railway domain", async () => {
    const { emulator, gh, job } = await setUp({ version: SHA });

    expect(job.pre?.stdout).toContain('canary written to https://shop-api-production.up.railway.app');
    const verify = job.step('verify');
    expect(verify.outputs).toMatchObject({
      result: 'passed',
      'deploy-id': OURS,
      'deploy-status': 'SUCCESS',
      url: 'https://shop-api-production.up.railway.app',
      version: SHA,
      'rolled-back': 'false',
    });
    // A project token (`api-token-type: project`) goes as Project-Access-Token, never as a bearer token.
    expect(emulator.requests.every((r) => r.auth === 'Project-Access-Token')).toBe(true);
    expect(mutations(emulator)).toEqual([]);
    expect(job.step('Show the verdict').process?.stdout.trim()).toBe(
      'result=passed reason= rolled-back=false',
    );
    expect(job.post?.stdout).toContain('canary deleted');
    expect(job.result).toBe('success');
    expectPublished(job, gh, 'success');
  });

  it('a broken deploy (storage wiped, F2): the canary is lost, the deploy is rolled back', async () => {
    const { emulator, gh, job } = await setUp({ version: SHA, faults: 'ephemeral' });

    const verify = job.step('verify');
    expect(verify.outcome).toBe('failure');
    expect(verify.outputs).toMatchObject({
      result: 'rolled-back',
      'failure-reason': 'canary-lost',
      'deploy-id': OURS,
      'rolled-back': 'true',
      'rollback-deploy-id': ROLLBACK,
    });
    expect(mutations(emulator)).toEqual(['deploymentRollback']);
    expect(emulator.deployment(ROLLBACK).status).toBe('SUCCESS');
    expect(job.step('Show the verdict').process?.stdout.trim()).toBe(
      'result=rolled-back reason=canary-lost rolled-back=true',
    );
    expect(job.result).toBe('failure');
    expectPublished(job, gh, 'failure');
  });
});

// --- cloud-run-deploy-verify.yml --------------------------------------------------------------------------

describe('cloud-run-deploy-verify.yml (push to main)', () => {
  const workflow = workflowFile('cloud-run-deploy-verify.yml');
  const PROJECT = 'acme-shop-prod';
  const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/github/providers/acme-shop';
  const ACCOUNT = `deploy-sentinel@${PROJECT}.iam.gserviceaccount.com`;
  const SERVICE_URL = 'https://shop-api-123456789012.us-central1.run.app';
  const PREVIOUS = 'shop-api-00002-prv';
  const OURS = 'shop-api-00003-new';
  const vars = {
    GCP_WORKLOAD_IDENTITY_PROVIDER: PROVIDER,
    GCP_SERVICE_ACCOUNT: ACCOUNT,
    CLOUD_RUN_SERVICE: `projects/${PROJECT}/locations/us-central1/services/shop-api`,
    CLOUD_RUN_SERVICE_NAME: 'shop-api',
    CLOUD_RUN_REGION: 'us-central1',
    CLOUD_RUN_IMAGE: `us-central1-docker.pkg.dev/${PROJECT}/shop/shop-api`,
  };

  /**
   * Cloud Run with two revisions (the previous one serving), Workload Identity Federation for the repository,
   * and deploy-cloudrun's deploy as gcloud makes it: a revision labelled with the commit, ready at once
   * (gcloud waits for it), taking the traffic. When a revision starts serving, the example service restarts
   * on its commit: `afterDeploy` for the pushed commit, the real database for the previous one.
   */
  async function setUp(afterDeploy: Parameters<ExampleService['restart']>[0]) {
    const svc = await service({ version: OLD_SHA });
    const deploys: CloudRunDeployRequest[] = [];
    const cloudRun = await startCloudRunEmulator({
      project: PROJECT,
      service: 'shop-api',
      serviceUrl: SERVICE_URL,
      workloadIdentity: [{ audience: `//iam.googleapis.com/${PROVIDER}` }],
      serviceAccounts: [{ email: ACCOUNT }],
      revisions: [
        { id: 'shop-api-00001-old', commit: OLDER_SHA },
        { id: PREVIOUS, commit: OLD_SHA },
      ],
      onServing: (revision) =>
        svc.restart(
          revision.commit === SHA ? afterDeploy : { version: revision.commit, databaseUrl: postgres.url },
        ),
    });
    emulators.push(cloudRun);
    closers.push(() => cloudRun.close());
    const googleCloud: GoogleCloudStandIn = {
      stsUrl: cloudRun.stsUrl,
      impersonationUrl: (email) => cloudRun.impersonationUrl(email),
      async deploy(request) {
        deploys.push(request);
        const name = `projects/${request.project}/locations/${request.region}/services/${request.service}`;
        if (name !== cloudRun.serviceName) throw new Error(`NOT_FOUND: service ${name}`);
        cloudRun.deployRevision({
          id: OURS,
          commit: request.labels['commit-sha'] ?? '',
          labels: request.labels,
          image: request.image,
          steps: ['SUCCEEDED'],
          traffic: request.noTraffic ? 'none' : 'latest',
          tag: request.tag,
        });
        return { url: SERVICE_URL };
      },
    };
    const gh = await github(workflow, 'deploy', SHA);
    const hosts = await internet({
      'run.googleapis.com': cloudRun.url,
      'logging.googleapis.com': cloudRun.url,
      'sts.googleapis.com': cloudRun.url,
      'iamcredentials.googleapis.com': cloudRun.url,
      'shop-api-123456789012.us-central1.run.app': svc.url,
    });
    const job = await run({
      workflow,
      jobId: 'deploy',
      event: { name: 'push', payload: pushEvent({ repository, after: SHA, before: OLD_SHA }) },
      github: { sha: SHA, ref: 'refs/heads/main', repository: `${OWNER}/${REPO}` },
      vars,
      gh,
      truth: truthOf(brokenBy(afterDeploy), 'allowed'),
      publicHosts: hosts,
      googleCloud,
    });
    return { cloudRun, gh, job, deploys };
  }

  /** Each Cloud Run and Cloud Logging call by its RPC (`GetService`), or token endpoint (`sts.token`). */
  const rpcs = (cloudRun: CloudRunEmulator): string[] =>
    cloudRun.requests.map((r) => (r.operation ?? `${r.method} ${r.path}`).split('.').pop() as string);

  it('a good deploy: auth by Workload Identity Federation, deploy-cloudrun, the revision found by its commit-sha label and verified', async () => {
    const { cloudRun, gh, job, deploys } = await setUp({ version: SHA, databaseUrl: postgres.url });

    const auth = job.step('auth');
    expect(auth.outcome).toBe('success');
    expect(auth.outputs.access_token).toMatch(/^ya29\./);
    expect(auth.process?.stdout).toContain(`::add-mask::${auth.outputs.access_token}`);
    // deploy-cloudrun labelled the revision with the pushed commit, authenticated by auth's credentials file.
    expect(job.step('Deploy to Cloud Run').outcome).toBe('success');
    expect(deploys).toEqual([
      expect.objectContaining({
        project: PROJECT,
        region: 'us-central1',
        service: 'shop-api',
        image: `${vars.CLOUD_RUN_IMAGE}:${SHA}`,
        labels: { 'managed-by': 'github-actions', 'commit-sha': SHA },
        envVars: { APP_VERSION: SHA },
        noTraffic: false,
      }),
    ]);
    expect(cloudRun.revision(OURS).labels['commit-sha']).toBe(SHA);
    const verify = job.step('verify');
    expect(verify.outcome).toBe('success');
    expect(verify.outputs).toMatchObject({
      result: 'passed',
      'failure-reason': '',
      'deploy-id': OURS,
      'deploy-status': 'SERVING',
      url: SERVICE_URL,
      version: SHA,
      'rolled-back': 'false',
    });
    // The action's calls, with auth's access token (the impersonated service account), all reads.
    const api = cloudRun.requests.filter((r) => r.operation?.startsWith('google.'));
    expect(api.length).toBeGreaterThan(0);
    expect(api.every((r) => r.principal === `serviceAccount:${ACCOUNT}`)).toBe(true);
    expect(api.every((r) => r.method === 'GET')).toBe(true);
    // Token exchanges: auth's (STS, then the service account's token), then gcloud's with the file auth wrote.
    expect(rpcs(cloudRun).slice(0, 4)).toEqual([
      'token',
      'generateAccessToken',
      'token',
      'generateAccessToken',
    ]);
    expect(job.step('Show the verdict').process?.stdout.trim()).toBe(
      'result=passed reason= rolled-back=false',
    );
    expect(job.result).toBe('success');
    expectPublished(job, gh, 'success');
  });

  it('a broken deploy (SQLite fallback): all traffic moves back to the previous revision, which is verified', async () => {
    const { cloudRun, gh, job } = await setUp({ version: SHA, databaseUrl: DEAD_DATABASE });

    const verify = job.step('verify');
    expect(verify.outcome).toBe('failure');
    expect(verify.outputs).toMatchObject({
      result: 'rolled-back',
      'failure-reason': 'health-schema',
      'deploy-id': OURS,
      'rolled-back': 'true',
      'rollback-deploy-id': PREVIOUS,
    });
    // Read, write the traffic with the etag read, follow the operation: one write, 100% to PREVIOUS by name.
    const writes = cloudRun.requests.filter((r) => r.operation?.endsWith('UpdateService'));
    expect(writes.map((w) => w.query)).toEqual([{ updateMask: 'traffic' }]);
    expect(cloudRun.servingRevision()).toBe(PREVIOUS);
    expect(cloudRun.service().traffic).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: PREVIOUS, percent: 100 },
    ]);
    const summary = job.job?.summary() ?? '';
    expect(summary).toContain(
      'gcloud run services update-traffic shop-api --region us-central1 --project acme-shop-prod --to-latest',
    );
    expect(job.step('Show the verdict').process?.stdout.trim()).toBe(
      'result=rolled-back reason=health-schema rolled-back=true',
    );
    expect(job.result).toBe('failure');
    expectPublished(job, gh, 'failure');
    expect(gh.checkRuns()[0]?.output.title).toBe('rolled-back (health-schema)');
  });
});

// --- manual-dispatch.yml -----------------------------------------------------------------------------------

describe('manual-dispatch.yml (workflow_dispatch)', () => {
  const workflow = workflowFile('manual-dispatch.yml');
  const vars = { RENDER_SERVICE_ID: RENDER_SERVICE, RENDER_STAGING_SERVICE_ID: RENDER_STAGING };

  /** Verifies what is live on `serviceId`, dispatched with `inputs` (the form's other fields at default). */
  async function dispatch(inputs: Record<string, string>, faults = '', serviceId = RENDER_SERVICE) {
    const svc = await service({ version: SHA, faults });
    const emulator = await render({
      serviceId,
      deploys: [
        { id: 'dep-previous0000000000', commit: OLD_SHA, status: 'deactivated', createdAt: at(60) },
        { id: 'dep-current00000000000', commit: SHA, status: 'live', createdAt: at(30), finishedAt: at(25) },
      ],
    });
    emulator.onRollback(async () => ({
      status: 201,
      statuses: ['live'],
      onLive: () => svc.restart({ version: OLD_SHA, faults: '' }),
    }));
    const gh = await github(workflow, 'verify', SHA);
    const hosts = await internet({ 'api.render.com': emulator.url, 'shop-api.onrender.com': svc.url });
    const job = await run({
      workflow,
      jobId: 'verify',
      event: { name: 'workflow_dispatch', payload: workflowDispatchEvent({ repository, inputs }) },
      github: { sha: SHA, ref: 'refs/heads/main', repository: `${OWNER}/${REPO}` },
      vars,
      gh,
      // The dispatch default is dry-run: a rollback is right only when the run asks for on-failure.
      truth: truthOf(faults !== '', inputs.rollback === 'on-failure' ? 'allowed' : 'not-allowed'),
      publicHosts: hosts,
    });
    return { emulator, gh, job };
  }

  it('with the defaults (production, current, dry-run), a healthy live deploy passes', async () => {
    const { emulator, gh, job } = await dispatch({});
    expect(job.step('verify').with).toMatchObject({
      'service-id': RENDER_SERVICE,
      'deploy-id': 'current',
      rollback: 'dry-run',
    });
    expect(job.step('verify').outputs).toMatchObject({
      result: 'passed',
      'deploy-id': 'dep-current00000000000',
    });
    expect(job.step('Show the verdict').process?.stdout.trim()).toBe(
      'deploy=dep-current00000000000 result=passed reason=',
    );
    expect(resolveConcurrency(workflow, 'verify', job.contexts)?.group).toBe(
      `deploy-sentinel-${RENDER_SERVICE}`,
    );
    expect(renderCalls(emulator).filter((call) => !call.startsWith('GET'))).toEqual([]);
    expect(job.result).toBe('success');
    expectPublished(job, gh, 'success');
  });

  it('with the default dry-run, a broken live deploy fails and only prints the rollback', async () => {
    const { emulator, gh, job } = await dispatch({}, 'degraded');
    expect(job.step('verify').outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'health-schema',
      'rolled-back': 'false',
    });
    expect(renderCalls(emulator).filter((call) => !call.startsWith('GET'))).toEqual([]);
    expect(job.job?.summary()).toContain('dep-previous0000000000');
    expect(job.step('Show the verdict').process?.stdout.trim()).toBe(
      'deploy=dep-current00000000000 result=failed reason=health-schema',
    );
    expect(job.result).toBe('failure');
    expectPublished(job, gh, 'failure');
  });

  it('dispatched with rollback: on-failure on staging, a broken live deploy is rolled back', async () => {
    const { emulator, gh, job } = await dispatch(
      { environment: 'staging', rollback: 'on-failure' },
      'degraded',
      RENDER_STAGING,
    );
    expect(job.step('verify').with['service-id']).toBe(RENDER_STAGING);
    expect(job.step('verify').outputs).toMatchObject({ result: 'rolled-back', 'rolled-back': 'true' });
    expect(renderCalls(emulator, RENDER_STAGING).filter((call) => !call.startsWith('GET'))).toEqual([
      'POST /services/srv/rollback',
    ]);
    expect(resolveConcurrency(workflow, 'verify', job.contexts)?.group).toBe(
      `deploy-sentinel-${RENDER_STAGING}`,
    );
    expect(job.result).toBe('failure');
    expectPublished(job, gh, 'failure');
  });
});

// --- preview-check.yml -------------------------------------------------------------------------------------

describe('preview-check.yml (deployment_status and pull_request)', () => {
  const workflow = workflowFile('preview-check.yml');
  const JOBS = ['deployment', 'render-pr', 'railway-pr'];
  const PREVIEW_12 = 'srv-d0workflowsuitepr012';
  const PR12_ENV = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4c12';
  const RW_PRODUCTION = '0b0b0b0b-2222-4222-8222-00000000c102';
  const RW_PR_OLD = '0c0c0c0c-3333-4333-8333-00000000c112';
  const RW_PR_OURS = '0d0d0d0d-4444-4444-8444-00000000c212';
  const pull = { number: 12, headRef: 'feature/notes', headSha: SHA, baseSha: OLD_SHA };
  const pullRequestPayload = () => pullRequestEvent({ repository, ...pull });

  /** Every job of the workflow for one event, in order; a job whose `if:` is false does not run. */
  async function runAll(
    options: Omit<Parameters<typeof run>[0], 'workflow' | 'jobId'>,
  ): Promise<Record<string, WorkflowJobRun>> {
    const runs: Record<string, WorkflowJobRun> = {};
    for (const jobId of JOBS) runs[jobId] = await run({ workflow, jobId, ...options });
    return runs;
  }

  /** A comment on the PR (and only one), and no provider call that changes anything. */
  function expectComment(gh: GitHubEmulator, number: number, ...texts: string[]): void {
    const comments = gh.comments(number);
    expect(comments).toHaveLength(1);
    for (const text of texts) expect(comments[0]?.body).toContain(text);
  }

  describe('deployment_status: the URL, commit and environment come from the event', () => {
    async function deployed(faults: string) {
      const svc = await service({ version: SHA, faults });
      // The PR of the deployed commit, found through the API for the comment.
      const gh = await github(workflow, 'deployment', SHA, [
        { number: 7, headRef: 'feature/checkout', headSha: SHA },
      ]);
      const hosts = await internet({ 'shop-api-pr-7.onrender.com': svc.url });
      const payload = deploymentStatusEvent({
        repository,
        state: 'success',
        environment: 'shop-api PR #7',
        environmentUrl: 'https://shop-api-pr-7.onrender.com',
        sha: SHA,
      });
      const runs = await runAll({
        event: { name: 'deployment_status', payload },
        github: { sha: SHA, ref: 'refs/heads/feature/checkout', repository: `${OWNER}/${REPO}` },
        vars: { RENDER_SERVICE_ID: RENDER_SERVICE },
        gh,
        publicHosts: hosts,
        truth: truthOf(faults !== '', 'no-provider'),
      });
      return { gh, runs };
    }

    it('a good preview passes, with a check run and a sticky comment on its PR', async () => {
      const { gh, runs } = await deployed('');
      expect(Object.values(runs).map((job) => job.ran)).toEqual([true, false, false]);
      const job = runs.deployment as WorkflowJobRun;
      const verify = job.steps.find((step) => step.kind === 'action');
      expect(verify?.outputs).toMatchObject({
        result: 'passed',
        url: 'https://shop-api-pr-7.onrender.com',
        version: SHA,
      });
      expect(job.result).toBe('success');
      expectComment(gh, 7, 'shop-api PR #7');
      expectPublished(job, gh, 'success');
    });

    it('a broken preview fails, is not rolled back, and the PR comment says why', async () => {
      const { gh, runs } = await deployed('degraded');
      const job = runs.deployment as WorkflowJobRun;
      const verify = job.steps.find((step) => step.kind === 'action');
      expect(verify?.outputs).toMatchObject({
        result: 'failed',
        'failure-reason': 'health-schema',
        'rolled-back': 'false',
      });
      expect(job.result).toBe('failure');
      expectComment(gh, 7, '/status must be "ok" but was "degraded"');
      expectPublished(job, gh, 'failure');
    });
  });

  describe('pull_request on Render: the preview is found from the base service', () => {
    async function previewed(afterDeploy: Parameters<ExampleService['restart']>[0]) {
      const svc = await service({ version: OLD_SHA });
      const emulator = await render({
        serviceId: RENDER_SERVICE,
        previews: [
          { id: PREVIEW_12, serviceUrl: 'https://shop-api-pr-12.onrender.com', name: 'shop-api PR #12' },
        ],
        deploys: [
          { id: 'dep-prodlive0000000000', commit: OLDER_SHA, status: 'live', createdAt: at(200) },
          {
            id: 'dep-pr12old0000000000',
            commit: OLD_SHA,
            status: 'live',
            createdAt: at(40),
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
      emulator.script('dep-pr12ours000000000', ['update_in_progress', 'live'], {
        onLive: () => svc.restart(afterDeploy),
      });
      // On pull_request, github.sha is the merge commit: pre reads the checks file there.
      const gh = await github(workflow, 'render-pr', MERGE_SHA, [pull]);
      // Production's URL (shop-api.onrender.com) is not on this internet: probing it would fail the test.
      const hosts = await internet({
        'api.render.com': emulator.url,
        'shop-api-pr-12.onrender.com': svc.url,
      });
      const runs = await runAll({
        event: { name: 'pull_request', payload: pullRequestPayload() },
        github: { sha: MERGE_SHA, ref: 'refs/pull/12/merge', repository: `${OWNER}/${REPO}` },
        // RAILWAY_SERVICE_ID is not set: it evaluates to '', and the railway-pr job is skipped.
        vars: { RENDER_SERVICE_ID: RENDER_SERVICE },
        gh,
        publicHosts: hosts,
        // A preview is never rolled back.
        truth: truthOf(brokenBy(afterDeploy), 'not-allowed'),
      });
      return { emulator, gh, runs };
    }

    it("a good preview: PR #12's preview service follows the head commit to live and passes", async () => {
      const { emulator, gh, runs } = await previewed({ version: SHA });
      expect(Object.values(runs).map((job) => job.ran)).toEqual([false, true, false]);
      const job = runs['render-pr'] as WorkflowJobRun;
      const verify = job.steps.find((step) => step.kind === 'action');
      expect(verify?.with).toMatchObject({ commit: SHA, 'expect-version': SHA });
      expect(verify?.outputs).toMatchObject({
        result: 'passed',
        'deploy-id': 'dep-pr12ours000000000',
        url: 'https://shop-api-pr-12.onrender.com',
      });
      expect(renderCalls(emulator).filter((call) => !call.startsWith('GET'))).toEqual([]);
      expect(job.result).toBe('success');
      expectComment(gh, 12, 'shop-api PR #12');
      expectPublished(job, gh, 'success');
    });

    it('a broken preview fails without a rollback, and the PR comment says why', async () => {
      const { emulator, gh, runs } = await previewed({ version: SHA, faults: 'degraded' });
      const job = runs['render-pr'] as WorkflowJobRun;
      const verify = job.steps.find((step) => step.kind === 'action');
      expect(verify?.outputs).toMatchObject({
        result: 'failed',
        'failure-reason': 'health-schema',
        'rolled-back': 'false',
      });
      expect(renderCalls(emulator).filter((call) => !call.startsWith('GET'))).toEqual([]);
      expect(job.result).toBe('failure');
      expectComment(gh, 12, '/status must be "ok" but was "degraded"', 'rollback: never');
      expectPublished(job, gh, 'failure');
    });
  });

  it("pull_request on Railway: the PR environment's deployment is verified at its Railway domain", async () => {
    const svc = await service({ version: OLD_SHA });
    const emulator = await railway({
      token: SECRETS.RAILWAY_API_TOKEN,
      tokenKind: 'account',
      environments: [
        {
          id: PR12_ENV,
          name: 'shop-pr-12',
          isEphemeral: true,
          meta: { prNumber: 12, branch: 'feature/notes' },
          domain: 'shop-api-shop-pr-12.up.railway.app',
        },
      ],
      deployments: [
        // Production (the base environment), which the job must never touch.
        { id: RW_PRODUCTION, status: 'SUCCESS', createdAt: at(200), commitHash: OLDER_SHA },
        { id: RW_PR_OLD, status: 'SUCCESS', createdAt: at(40), commitHash: OLD_SHA, environmentId: PR12_ENV },
        { id: RW_PR_OURS, status: 'QUEUED', createdAt: at(1), commitHash: SHA, environmentId: PR12_ENV },
      ],
    });
    emulator.script(RW_PR_OURS, ['BUILDING', 'DEPLOYING', 'SUCCESS'], {
      onSuccess: () => svc.restart({ version: SHA }),
    });
    const gh = await github(workflow, 'railway-pr', MERGE_SHA, [pull]);
    const hosts = await internet({
      'backboard.railway.com': emulator.url,
      'shop-api-shop-pr-12.up.railway.app': svc.url,
    });
    const runs = await runAll({
      event: { name: 'pull_request', payload: pullRequestPayload() },
      github: { sha: MERGE_SHA, ref: 'refs/pull/12/merge', repository: `${OWNER}/${REPO}` },
      vars: { RAILWAY_SERVICE_ID: RAILWAY_SERVICE, RAILWAY_ENVIRONMENT_ID: RAILWAY_ENV },
      gh,
      publicHosts: hosts,
      truth: truthOf(false, 'not-allowed'),
    });
    expect(Object.values(runs).map((job) => job.ran)).toEqual([false, false, true]);
    const job = runs['railway-pr'] as WorkflowJobRun;
    expect(job.steps.find((step) => step.kind === 'action')?.outputs).toMatchObject({
      result: 'passed',
      'deploy-id': RW_PR_OURS,
      url: 'https://shop-api-shop-pr-12.up.railway.app',
      version: SHA,
    });
    expect(emulator.requests.filter((r) => r.operationType === 'mutation')).toEqual([]);
    expect(job.result).toBe('success');
    expectComment(gh, 12, 'shop-pr-12');
    expectPublished(job, gh, 'success');
  });

  it('a pull request from a fork gets no secrets: both provider jobs are skipped', async () => {
    const gh = await github(workflow, 'render-pr', MERGE_SHA);
    const runs = await runAll({
      event: {
        name: 'pull_request',
        payload: pullRequestEvent({ repository, ...pull, headRepo: 'mallory/shop' }),
      },
      github: { sha: MERGE_SHA, ref: 'refs/pull/12/merge', repository: `${OWNER}/${REPO}` },
      vars: { RENDER_SERVICE_ID: RENDER_SERVICE, RAILWAY_SERVICE_ID: RAILWAY_SERVICE },
      gh,
    });
    expect(Object.values(runs).map((job) => job.ran)).toEqual([false, false, false]);
    expect(gh.requests).toEqual([]);
  });
});

// --- matrix.yml --------------------------------------------------------------------------------------------

describe('matrix.yml (push to main): one job per service, then a table of every verdict', () => {
  const workflow = workflowFile('matrix.yml');
  const entries = matrixEntries(workflow.jobs.verify!);
  const WORKER_PREVIOUS = '0b0b0b0b-2222-4222-8222-00000000d002';
  const WORKER_OURS = '0c0c0c0c-3333-4333-8333-00000000d003';
  const WORKER_ROLLBACK = '0e0e0e0e-5555-4555-8555-00000000d005';
  const event = { name: 'push', payload: pushEvent({ repository, after: SHA, before: OLD_SHA }) };
  const githubContext = { sha: SHA, ref: 'refs/heads/main', repository: `${OWNER}/${REPO}` };

  /**
   * One matrix job: the entry's provider (its service IDs are written in the file), a deploy of SHA going
   * live, and the service behind the public name the job probes: the provider's domain, or the entry's
   * `url` (a custom domain).
   */
  async function entryJob(
    entry: Record<string, unknown>,
    index: number,
    artifacts: ArtifactStore,
    broken: boolean,
  ) {
    const svc = await service({ version: OLD_SHA });
    const afterDeploy = { version: SHA, faults: broken ? 'degraded' : '' };
    const restored = () => svc.restart({ version: OLD_SHA, faults: '' });
    const serviceId = String(entry['service-id']);
    const routes: Record<string, string> = {};
    if (entry.provider === 'render') {
      const emulator = await render({
        serviceId,
        serviceName: String(entry.service),
        serviceUrl: `https://${String(entry.service)}.onrender.com`,
        deploys: [
          {
            id: 'dep-previous0000000000',
            commit: OLD_SHA,
            status: 'live',
            createdAt: at(60),
            finishedAt: at(55),
          },
          { id: 'dep-ours00000000000000', commit: SHA, status: 'build_in_progress', createdAt: at(1) },
        ],
      });
      emulator.script('dep-ours00000000000000', ['update_in_progress', 'live'], {
        onLive: () => svc.restart(afterDeploy),
      });
      emulator.onRollback(async () => ({ status: 201, statuses: ['live'], onLive: restored }));
      routes['api.render.com'] = emulator.url;
    } else {
      const emulator = await railway({
        serviceId,
        environmentId: String(entry['environment-id']),
        serviceName: String(entry.service),
        domain: `${String(entry.service)}-production.up.railway.app`,
        deployments: [
          { id: WORKER_PREVIOUS, status: 'SUCCESS', createdAt: at(60), commitHash: OLD_SHA },
          { id: WORKER_OURS, status: 'QUEUED', createdAt: at(1), commitHash: SHA },
        ],
      });
      emulator.script(WORKER_OURS, ['BUILDING', 'DEPLOYING', 'SUCCESS'], {
        onSuccess: () => svc.restart(afterDeploy),
      });
      emulator.onRollback(async () => ({ deploymentId: WORKER_ROLLBACK, onSuccess: restored }));
      routes['backboard.railway.com'] = emulator.url;
    }
    const publicUrl = entry.url
      ? String(entry.url)
      : entry.provider === 'render'
        ? `https://${String(entry.service)}.onrender.com`
        : `https://${String(entry.service)}-production.up.railway.app`;
    routes[new URL(publicUrl).hostname] = svc.url;
    const gh = await github(workflow, 'verify', SHA);
    const job = await run({
      workflow,
      jobId: 'verify',
      event,
      github: githubContext,
      matrix: entry,
      strategy: { index, total: entries.length, failFast: false },
      truth: truthOf(broken, 'allowed'),
      artifacts,
      gh,
      publicHosts: await internet(routes),
    });
    return { job, gh, publicUrl };
  }

  /** Every matrix job (one after the other), then the summary job with their combined result. */
  async function runMatrix(broken: string | undefined) {
    const artifacts = new ArtifactStore();
    const verifies = [];
    for (const [index, entry] of entries.entries()) {
      verifies.push({ entry, ...(await entryJob(entry, index, artifacts, entry.service === broken)) });
    }
    const gh = await github(workflow, 'summary', SHA);
    const summary = await run({
      workflow,
      jobId: 'summary',
      event,
      github: githubContext,
      needs: { verify: { result: combinedResult(verifies.map(({ job }) => job)) } },
      artifacts,
      gh,
    });
    return { verifies, summary, artifacts };
  }

  it('three good deploys (Render, Render on a custom domain, Railway): all pass, one table', async () => {
    expect(entries.map((entry) => entry.service)).toEqual(['api', 'web', 'worker']);
    const { verifies, summary, artifacts } = await runMatrix(undefined);
    for (const { entry, job, gh, publicUrl } of verifies) {
      const verify = job.step('verify');
      expect(verify.name).toBe(`Verify ${String(entry.service)}`);
      // An entry without `url` or `environment-id` passes '': the action treats it as not given.
      expect(verify.with).toMatchObject({
        url: String(entry.url ?? ''),
        'environment-id': String(entry['environment-id'] ?? ''),
      });
      expect(verify.outputs).toMatchObject({ result: 'passed', url: publicUrl, version: SHA });
      expect(job.step('Upload the report').outcome).toBe('success');
      const group = resolveConcurrency(workflow, 'verify', job.contexts)?.group;
      expect(group).toBe(
        `deploy-sentinel-${String(entry['service-id'])}${entry['environment-id'] ? `-${String(entry['environment-id'])}` : ''}`,
      );
      expectPublished(job, gh, 'success');
    }
    expect(artifacts.names()).toEqual([
      'deploy-sentinel-report-api',
      'deploy-sentinel-report-web',
      'deploy-sentinel-report-worker',
    ]);
    expect(summary.ran).toBe(true);
    const table = summary.step('Table of results');
    expect(table.outcome).toBe('success');
    expect(summary.job?.summary()).toBe(
      [
        '| service | result | failure reason | url |',
        '| --- | --- | --- | --- |',
        '| api | passed |  | https://api.onrender.com |',
        '| web | passed |  | https://shop.example.com |',
        '| worker | passed |  | https://worker-production.up.railway.app |',
        '',
        'All services: success',
        '',
      ].join('\n'),
    );
  });

  it('one broken service (web) is rolled back; the others still run and pass; the table shows both', async () => {
    const { verifies, summary } = await runMatrix('web');
    expect(verifies.map(({ job }) => job.step('verify').outputs.result)).toEqual([
      'passed',
      'rolled-back',
      'passed',
    ]);
    expect(verifies.map(({ job }) => job.result)).toEqual(['success', 'failure', 'success']);
    // `if: always() && ...report != ''`: the failed job's report is uploaded too.
    expect(verifies[1]?.job.step('Upload the report').outcome).toBe('success');
    expect(summary.ran).toBe(true);
    expect(summary.job?.summary()).toContain(
      '| web | rolled-back | health-schema | https://shop.example.com |',
    );
    expect(summary.job?.summary()).toContain('All services: failure');
  });
});
