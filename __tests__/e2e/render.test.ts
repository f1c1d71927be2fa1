/**
 * End-to-end with `provider: render`: the committed dist/ bundle, run the way the runner runs it, against
 * the Render API emulator (which checks every call against Render's OpenAPI document) and the example
 * service, whose restarts are the deploys the emulator reports. Each case asserts the outputs, the
 * summary and the exact API calls.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Job } from '../../test-kit/runner/job.js';
import type { Truth } from '../../test-kit/ground-truth.js';
import { summaryAsText } from '../../test-kit/summary-text.js';
import {
  contentsReads,
  DEMO_REPOSITORY,
  startRepository,
  type Repository,
} from '../../test-kit/repository.js';
import {
  startEmbeddedPostgres,
  startExampleService,
  type EmbeddedPostgres,
  type ExampleService,
  POSTGRES_SETUP_TIMEOUT_MS,
} from '../../test-kit/example-service.js';
import {
  startRenderEmulator,
  type RecordedRequest,
  type RenderDeploySpec,
  type RenderEmulator,
  type RenderEmulatorOptions,
} from '../../test-kit/emulators/render-emulator.js';

const TOKEN = 'rnd_e2eSecretApiKey0123456789';
const SERVICE_ID = 'srv-e2erender0000000001';
const OWNER_ID = 'tea-e2erender0000000001';
const OLD_SHA = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const NEWER_SHA = '9999999aaaaaaaabbbbbbbbccccccccdddddddd';
// `soak` (default 30s) has its own tests; here a pass is final at once.
const fast = { timeout: '20s', interval: '200ms', 'request-timeout': '2s', soak: '0s' };

let postgres: EmbeddedPostgres;
const services: ExampleService[] = [];
const emulators: RenderEmulator[] = [];
const repositories: Repository[] = [];

beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
}, POSTGRES_SETUP_TIMEOUT_MS);
afterEach(async () => {
  const github = repositories.splice(0);
  try {
    for (const repository of github) expect(repository.github.violations).toEqual([]);
  } finally {
    await Promise.all([
      ...emulators.splice(0).map((e) => e.close()),
      ...services.splice(0).map((s) => s.stop()),
      ...github.map((r) => r.close()),
    ]);
  }
});
afterAll(async () => {
  await postgres?.stop();
});

async function service(options: Parameters<typeof startExampleService>[0]): Promise<ExampleService> {
  const started = await startExampleService({ smokePassword: 'pw-for-smoke', ...options });
  services.push(started);
  return started;
}

const at = (minutesAgo: number): string => new Date(Date.now() - minutesAgo * 60_000).toISOString();

/** The previous good deploy (live) and an older one. */
const history: RenderDeploySpec[] = [
  {
    id: 'dep-older0000000000000',
    commit: '2222222aaaaaaaabbbbbbbbccccccccdddddddd',
    status: 'deactivated',
    createdAt: at(120),
    finishedAt: at(115),
  },
  { id: 'dep-previous0000000000', commit: OLD_SHA, status: 'live', createdAt: at(60), finishedAt: at(55) },
];
const ours = (status: RenderDeploySpec['status'] = 'build_in_progress'): RenderDeploySpec => ({
  id: 'dep-ours00000000000000',
  commit: SHA,
  status,
  createdAt: at(1),
});

async function emulator(
  svc: ExampleService,
  options: Partial<RenderEmulatorOptions> = {},
): Promise<RenderEmulator> {
  const started = await startRenderEmulator({
    token: TOKEN,
    serviceId: SERVICE_ID,
    ownerId: OWNER_ID,
    serviceName: 'shop-api',
    serviceUrl: svc.url,
    deploys: [...history, ours()],
    pageOrder: 'shuffled',
    ...options,
  });
  emulators.push(started);
  return started;
}

const inputs = (render: RenderEmulator, extra: Record<string, string> = {}) => ({
  provider: 'render',
  'api-token': TOKEN,
  'service-id': SERVICE_ID,
  'api-url': render.url,
  commit: SHA,
  'expect-version': SHA,
  'health-schema': 'health-schema.yaml',
  checks: 'checks.yml',
  ...fast,
  ...extra,
});

const env = { SMOKE_PASSWORD: 'pw-for-smoke' };
/*
 * `truth` is what is true of a job's main (test-kit/ground-truth.ts): a rollback is `right` only for our
 * deploy that went live and then failed on its own account, `rollback` allowing it; else `wrong`.
 */
const HEALTHY: Truth = { deploy: 'healthy', rollback: 'wrong' };
const BROKEN: Truth = { deploy: 'broken', rollback: 'wrong' };
const ROLL_BACK: Truth = { deploy: 'broken', rollback: 'right' };
/** A job of the example repository at SHA, checked out before main; no GitHub API, so no token. */
const job = (truth: Truth) => new Job({ repository: DEMO_REPOSITORY, github: { sha: SHA }, env, truth });
/**
 * A job whose `pre` reads checks.yml (with its canary) before checkout, as on GitHub: through the contents
 * API of the GitHub emulator, at the job's commit, with the job's token.
 */
async function jobWithRepository(truth: Truth): Promise<{ runner: Job; repository: Repository }> {
  const repository = await startRepository({ sha: SHA });
  repositories.push(repository);
  return { runner: repository.job({ env, truth }), repository };
}

/** `METHOD path` of every call, with the service prefix shortened, for exact call assertions. */
function calls(requests: readonly RecordedRequest[]): string[] {
  return requests.map((r) => `${r.method} ${r.path.replace('/v1', '').replace(SERVICE_ID, 'srv')}`);
}

/** Feeds the example service's own output to the emulator as Render `app` logs, as Render would. */
function shipLogs(render: RenderEmulator, svc: ExampleService): void {
  const lines = svc
    .logs()
    .split('\n')
    .filter((line) => line.trim() !== '');
  render.addLogs(
    lines.map((message) => ({ message, timestamp: new Date().toISOString(), type: 'app' as const })),
  );
}

/** The token may appear only in the runner's own `::add-mask::` command, which is how it gets masked. */
function expectNoLeak(
  run: { stdout: string; summary: string; outputs: Record<string, string>; report?: unknown },
  text: string,
) {
  const stdout = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  for (const where of [stdout, run.summary, JSON.stringify(run.outputs), JSON.stringify(run.report)])
    expect(where).not.toContain(text);
}

describe('dist/main with provider: render', () => {
  it('passes the happy path: finds the deploy by commit, follows it to live, verifies it', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc);
    // pre's deploy list (which deploy serves as it writes the canary) takes the first step.
    render.script(
      'dep-ours00000000000000',
      ['build_in_progress', 'build_in_progress', 'update_in_progress', 'live'],
      {
        onLive: () => svc.restart({ version: SHA }),
      },
    );
    const { runner, repository } = await jobWithRepository(HEALTHY);
    const pre = await runner.run('pre', inputs(render));
    expect(pre.stdout).toContain('canary written');
    expect(contentsReads(repository.github)).toEqual([
      `GET /repos/acme/shop/contents/checks.yml?ref=${SHA} -> 200`,
    ]);
    const run = await runner.run('main', inputs(render));
    expect(run.outputs).toMatchObject({
      result: 'passed',
      'failure-reason': '',
      'deploy-id': 'dep-ours00000000000000',
      'deploy-status': 'live',
      url: svc.url,
      version: SHA,
      'rolled-back': 'false',
      'rollback-deploy-id': '',
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(
      /Render deploy dep-ours0+: update_in_progress \(after .* in build_in_progress\)/,
    );
    expect(run.summary).toContain('Render `dep-ours00000000000000` (live)');
    expect(run.report?.probes.every((p) => p.passed)).toBe(true);
    expect(calls(render.requests)).toEqual([
      'GET /services/srv', // pre: the service URL for the canary
      'GET /services/srv/deploys', // pre: the deploy serving as the canary is written
      'GET /services/srv',
      'GET /services/srv/deploys',
      // The list applied the script's first step (build_in_progress); two polls saw the other two.
      'GET /services/srv/deploys/dep-ours00000000000000',
      'GET /services/srv/deploys/dep-ours00000000000000',
      // After the checks passed: still live (not crashed, not replaced) before the verdict.
      'GET /services/srv/deploys/dep-ours00000000000000',
    ]);
    expect(render.requests[3]?.query).toMatchObject({ limit: '100' });
    expect(render.requests.every((r) => r.status < 300)).toBe(true);
    expect(render.violations).toEqual([]);
    expect((await runner.run('post', inputs(render))).stdout).toContain('canary deleted');
    expectNoLeak(run, TOKEN);
  });

  it('F1: a SQLite fallback after live fails the schema, rolls back and verifies the restored deploy', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc);
    render.script('dep-ours00000000000000', ['update_in_progress', 'live'], {
      onLive: async () => {
        await svc.restart({ version: SHA, databaseUrl: 'postgres://postgres:postgres@127.0.0.1:1/postgres' });
        shipLogs(render, svc);
      },
    });
    let target = '';
    render.onRollback(async (deployId) => {
      target = deployId;
      return { status: 201, onLive: () => svc.restart({ version: OLD_SHA, databaseUrl: postgres.url }) };
    });
    const { runner } = await jobWithRepository(ROLL_BACK);
    await runner.run('pre', inputs(render));
    const run = await runner.run('main', inputs(render));
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      'failure-reason': 'health-schema',
      'deploy-id': 'dep-ours00000000000000',
      'rolled-back': 'true',
    });
    expect(run.outputs['rollback-deploy-id']).toMatch(/^dep-/);
    expect(run.outputs['rollback-deploy-id']).not.toBe('dep-ours00000000000000');
    expect(run.exitCode).toBe(1);
    expect(target).toBe('dep-previous0000000000');
    const text = summaryAsText(run.summary);
    expect(text).toContain('/database/type must be "postgresql" but was "sqlite"');
    expect(text).toContain('The app fell back to SQLite');
    expect(text).toContain('rolled back to dep-previous0000000000 (commit 1111111aaaaa) as deploy dep-');
    expect(text).toContain('the restored deploy passed the health check and the checks');
    // The restored deploy was verified against the previous commit, with the same checks.
    const restored = run.report?.probes.filter((p) => p.name.startsWith('Restored deploy: ')) ?? [];
    expect(restored.length).toBeGreaterThan(1);
    expect(restored.every((p) => p.passed)).toBe(true);
    const sent = calls(render.requests);
    expect(sent.filter((c) => c === 'POST /services/srv/rollback')).toHaveLength(1);
    expect(render.requests.find((r) => r.method === 'POST')?.body).toEqual({
      deployId: 'dep-previous0000000000',
    });
    expect(sent).toContain('GET /logs');
    expect(render.requests.find((r) => r.path.endsWith('/logs'))?.query).toMatchObject({
      ownerId: OWNER_ID,
      resource: SERVICE_ID,
      type: 'app',
    });
    expect(render.violations).toEqual([]);
    expect(run.stdout).toContain('leaves auto-deploy on');
  });

  it('F6: update_failed with a migration error: diagnosed, production version reported, no rollback', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc);
    render.script('dep-ours00000000000000', ['build_in_progress', 'pre_deploy_in_progress', 'update_failed']);
    render.addLogs([
      { type: 'build', timestamp: at(0.9), message: '==> Build successful 🎉' },
      {
        type: 'app',
        timestamp: at(0.5),
        message: 'INFO  [alembic.runtime.migration] Running upgrade 3a1f -> 7c2e, add orders.total',
      },
      {
        type: 'app',
        timestamp: at(0.4),
        message:
          'sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedColumn) column "total" does not exist',
      },
      { type: 'app', timestamp: at(0.4), message: `FAILED: Can't proceed with migration; token=${TOKEN}` },
    ]);
    render.addEvent({
      type: 'deploy_ended',
      timestamp: at(0.3),
      details: {
        deployId: 'dep-ours00000000000000',
        deployStatus: 'failed',
        status: 3,
        reason: { failure: { evicted: false, nonZeroExit: 1 } },
      },
    });
    const run = await job(BROKEN).run('main', inputs(render));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'deploy-failed',
      'deploy-status': 'update_failed',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    const text = summaryAsText(run.summary);
    expect(text).toContain('failed at the deploy stage (update_failed: exited with status 1)');
    expect(text).toContain(
      `production still serves version ${OLD_SHA} (deploy dep-previous0000000000) and it is healthy`,
    );
    expect(text).toMatch(/migration/i);
    expect(text).toContain('not needed: deploy dep-ours00000000000000 never went live');
    const sent = calls(render.requests);
    expect(sent.some((c) => c.startsWith('POST'))).toBe(false);
    expect(sent).toContain('GET /services/srv/events');
    expect(render.violations).toEqual([]);
    expectNoLeak(run, TOKEN);
    expect(JSON.stringify(run.report)).not.toContain(TOKEN);
  });

  it('F8: build_failed with ModuleNotFoundError stops at once and is diagnosed', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc);
    render.script('dep-ours00000000000000', ['build_failed']);
    render.addLogs([
      {
        type: 'build',
        timestamp: at(0.8),
        message: '==> Running build command: pip install -r requirements.txt',
      },
      { type: 'build', timestamp: at(0.7), message: 'Traceback (most recent call last):' },
      { type: 'build', timestamp: at(0.7), message: "ModuleNotFoundError: No module named 'psycopg2'" },
    ]);
    const run = await job(BROKEN).run('main', { ...inputs(render), timeout: '5m' });
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'deploy-failed',
      'deploy-status': 'build_failed',
    });
    expect(run.durationMs).toBeLessThan(15_000); // stopped at once, not at the 5-minute timeout
    const text = summaryAsText(run.summary);
    expect(text).toContain('failed at the build stage');
    expect(text).toContain("No module named 'psycopg2'");
    expect(render.requests.find((r) => r.path.endsWith('/logs'))?.query).toMatchObject({ type: 'build' });
    // The deploy list already said build_failed: no status poll at all, straight to the evidence.
    expect(calls(render.requests).filter((c) => c.includes('/deploys/dep-ours'))).toHaveLength(0);
    expect(render.violations).toEqual([]);
  });

  it('a rollback call that fails is rollback-failed, with an instruction for the human on call', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc);
    render.script('dep-ours00000000000000', ['live'], {
      onLive: () => svc.restart({ version: SHA, faults: 'degraded' }),
    });
    render.onRollback(async () => ({ status: 400, message: 'deploy cannot be rolled back to' }));
    // Sending the rollback is right; Render refusing it is the case.
    const run = await job(ROLL_BACK).run('main', inputs(render));
    expect(run.outputs).toMatchObject({
      result: 'rollback-failed',
      'failure-reason': 'health-schema',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    const text = summaryAsText(run.summary);
    expect(text).toContain('deploy cannot be rolled back to');
    expect(text).toContain('roll back by hand');
    expect(text).toContain(
      `POST ${render.url}/services/${SERVICE_ID}/rollback {"deployId":"dep-previous0000000000"}`,
    );
    expect(calls(render.requests).filter((c) => c === 'POST /services/srv/rollback')).toHaveLength(1);
  });

  it('a newer deploy during verification is superseded: a warning, no rollback', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc);
    render.script('dep-ours00000000000000', ['live'], {
      onLive: async () => {
        await svc.restart({ version: SHA, faults: 'degraded' });
        render.addDeploy({
          id: 'dep-newer0000000000000',
          commit: NEWER_SHA,
          status: 'build_in_progress',
          createdAt: new Date().toISOString(),
        });
      },
    });
    // Ours is degraded, but a newer deploy replaces it: rolling back would undo the newer one.
    const run = await job(BROKEN).run('main', inputs(render));
    expect(run.outputs).toMatchObject({ result: 'superseded', 'failure-reason': '', 'rolled-back': 'false' });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/::warning title=Deploy Sentinel%3A superseded::.*dep-newer0000000000000/);
    expect(calls(render.requests).some((c) => c.startsWith('POST'))).toBe(false);
    expect(render.requests.some((r) => typeof r.query.createdAfter === 'string')).toBe(true);
    expect(render.violations).toEqual([]);
  });

  it('pause-auto-deploy turns auto-deploy off after a rollback', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc);
    render.script('dep-ours00000000000000', ['live'], {
      onLive: () => svc.restart({ version: SHA, faults: 'degraded' }),
    });
    render.onRollback(async () => ({
      status: 201,
      onLive: () => svc.restart({ version: OLD_SHA, databaseUrl: postgres.url, faults: '' }),
    }));
    const run = await job(ROLL_BACK).run('main', {
      ...inputs(render, { checks: '' }),
      'pause-auto-deploy': 'true',
    });
    expect(run.outputs).toMatchObject({ result: 'rolled-back', 'failure-reason': 'health-schema' });
    const patch = render.requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe(`/v1/services/${SERVICE_ID}`);
    expect(patch?.body).toEqual({ autoDeploy: 'no' });
    expect(render.service().autoDeploy).toBe('no');
    expect(run.stdout).toContain('auto-deploy turned off');
    expect(run.stdout).not.toContain('leaves auto-deploy on');
    expect(render.violations).toEqual([]);
  });

  it('a deploy canceled for a newer one is superseded; canceled alone is deploy-canceled', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc);
    render.script('dep-ours00000000000000', ['build_in_progress', 'canceled']);
    render.addDeploy({
      id: 'dep-newer0000000000000',
      commit: NEWER_SHA,
      status: 'build_in_progress',
      createdAt: new Date().toISOString(),
    });
    // Canceled before it went live, for a newer deploy or for nothing: never live.
    const superseded = await job(BROKEN).run('main', inputs(render, { checks: '' }));
    expect(superseded.outputs).toMatchObject({
      result: 'superseded',
      'deploy-status': 'canceled',
      'rolled-back': 'false',
    });
    expect(superseded.exitCode).toBe(0);
    expect(summaryAsText(superseded.summary)).toContain('superseded by deploy dep-newer0000000000000');

    const alone = await emulator(svc);
    alone.script('dep-ours00000000000000', ['canceled']);
    const canceled = await job(BROKEN).run('main', inputs(alone, { checks: '' }));
    expect(canceled.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'deploy-canceled' });
    expect(summaryAsText(canceled.summary)).toContain(`production still serves version ${OLD_SHA}`);
    expect(render.violations).toEqual([]);
    expect(alone.violations).toEqual([]);
  });

  it('honours 429 Retry-After from the API', async () => {
    const svc = await service({ version: SHA, databaseUrl: postgres.url });
    const render = await emulator(svc, {
      deploys: [...history.map((d) => ({ ...d, status: 'deactivated' as const })), ours('live')],
    });
    render.failNext(1, 429, { 'Retry-After': '2', 'Ratelimit-Remaining': '0', 'Ratelimit-Reset': '2' });
    const run = await job(HEALTHY).run('main', inputs(render, { checks: '' }));
    expect(run.outputs.result).toBe('passed');
    expect(render.requests[0]?.status).toBe(429);
    expect((render.requests[1]?.at ?? 0) - (render.requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    expect(run.stdout).toContain('rate limited by Render');
    expect(render.violations).toEqual([]);
  });

  it('a deploy that never appears ends at the timeout, naming the commit and the service', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc, { deploys: history });
    const run = await job(BROKEN).run('main', { ...inputs(render), timeout: '3s' });
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'deploy-not-found',
      'deploy-id': '',
    });
    expect(run.outputs.result).toBe('failed');
    const text = summaryAsText(run.summary);
    expect(text).toContain(
      `created no deploy of commit ${SHA.slice(0, 12)} on service shop-api (${SERVICE_ID}) within 3s`,
    );
    expect(run.durationMs).toBeLessThan(12_000);
    // Later looks ask only for deploys newer than the newest one seen.
    const looks = render.requests.filter((r) => r.path.endsWith('/deploys'));
    expect(looks.length).toBeGreaterThan(1);
    expect(looks.slice(1).every((r) => typeof r.query.createdAfter === 'string')).toBe(true);
    expect(render.violations).toEqual([]);
  });

  it('finds the deploy in a list spanning several pages, in no particular order', async () => {
    const svc = await service({ version: SHA, databaseUrl: postgres.url });
    const many: RenderDeploySpec[] = Array.from({ length: 230 }, (_, i) => ({
      id: `dep-page${String(i).padStart(14, '0')}`,
      commit: `${(i % 9) + 1}`.repeat(40),
      status: 'deactivated',
      createdAt: at(1000 - i),
      finishedAt: at(999 - i),
    }));
    // An older deploy of the same commit must lose to the newest one.
    many.push({
      id: 'dep-oldsamecommit00000',
      commit: SHA,
      status: 'deactivated',
      createdAt: at(2000),
      finishedAt: at(1999),
    });
    const render = await emulator(svc, { deploys: [...many, ours('live')] });
    const run = await job(HEALTHY).run('main', inputs(render, { checks: '' }));
    expect(run.outputs).toMatchObject({ result: 'passed', 'deploy-id': 'dep-ours00000000000000' });
    const pages = render.requests.filter((r) => r.path.endsWith('/deploys'));
    expect(pages).toHaveLength(3);
    expect(pages[1]?.query.cursor).toBeDefined();
    expect(render.violations).toEqual([]);
  });

  it('dry-run prints the exact rollback call and sends nothing', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc);
    render.script('dep-ours00000000000000', ['live'], {
      onLive: () => svc.restart({ version: SHA, faults: 'degraded' }),
    });
    const run = await job(BROKEN).run('main', { ...inputs(render), rollback: 'dry-run' });
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'health-schema',
      'rolled-back': 'false',
    });
    const call = `POST ${render.url}/services/${SERVICE_ID}/rollback {"deployId":"dep-previous0000000000"}`;
    expect(run.stdout).toContain(
      `dry-run: would roll back to dep-previous0000000000 (commit ${OLD_SHA.slice(0, 12)}) with: ${call}`,
    );
    expect(summaryAsText(run.summary)).toContain('Nothing was sent');
    expect(run.report?.rollback).toMatchObject({
      performed: false,
      targetId: 'dep-previous0000000000',
      call,
    });
    expect(calls(render.requests).some((c) => c.startsWith('POST'))).toBe(false);
  });

  it('triggers the deploy with deploy: true, finding a 202-queued deploy by listing', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc, { deploys: history });
    render.onDeployTriggered(async () => ({
      status: 202,
      deployId: 'dep-triggered000000000',
      statuses: ['build_in_progress', 'live'],
      onLive: () => svc.restart({ version: SHA }),
    }));
    const { runner } = await jobWithRepository(HEALTHY);
    await runner.run('pre', inputs(render));
    const run = await runner.run('main', { ...inputs(render), deploy: 'true' });
    expect(run.outputs).toMatchObject({ result: 'passed', 'deploy-id': 'dep-triggered000000000' });
    const trigger = render.requests.find((r) => r.method === 'POST');
    expect(trigger?.path).toBe(`/v1/services/${SERVICE_ID}/deploys`);
    expect(trigger?.body).toEqual({ commitId: SHA });
    expect(trigger?.status).toBe(202);
    expect(render.violations).toEqual([]);
  });

  it('a 409 on deploy: true is a clear error', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc, { deploys: history });
    render.onDeployTriggered(async () => ({ status: 409, message: 'a deploy is already in progress' }));
    // No deploy of ours is made: nothing to pass, nothing to roll back.
    const run = await job(BROKEN).run('main', { ...inputs(render), deploy: 'true' });
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'provider-error' });
    expect(summaryAsText(run.summary)).toContain('409 conflict: a deploy is already in progress');
  });

  it.each([
    ['a bad API key (401)', { 'api-token': 'rnd_wrongKey000000000' }, 'api-token'],
    ['an unknown service (404)', { 'service-id': 'srv-doesnotexist000000' }, 'service-id'],
  ])('%s is a config-class failure with no rollback', async (_name, override, input) => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const render = await emulator(svc);
    // A configuration error; and our deploy stays building, the service on the old commit: nothing to pass.
    const run = await job(BROKEN).run('main', { ...inputs(render), ...override });
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'config-error',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    const text = summaryAsText(run.summary);
    expect(text).toContain(`input \`${input}\``);
    expect(text).toContain('Fix:');
    expect(text).toContain('not considered: the configuration is wrong');
    expect(render.requests).toHaveLength(1);
    expect(render.requests.some((r) => r.method !== 'GET')).toBe(false);
    expectNoLeak(run, TOKEN);
    expectNoLeak(run, 'rnd_wrongKey000000000');
  });
});
