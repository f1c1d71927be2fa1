/**
 * The action's three steps in one job, as GitHub's runner runs them (test-kit/runner): `pre` first, in an
 * empty workspace (actions/checkout has not run), reading the checks file through the contents API of the
 * GitHub emulator; checkout; the deploy; `main`; and `post` whatever main decided, even after a cancelled
 * main. Each case asserts the outputs, the summary or the report, the calls to the provider, and what is
 * left of the canary on the example service.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { listFiles, type Job, type StepRun } from '../../test-kit/runner/job.js';
import { summaryAsText } from '../../test-kit/summary-text.js';
import { contentsReads, startRepository, type Repository } from '../../test-kit/repository.js';
import {
  startEmbeddedPostgres,
  startExampleService,
  type EmbeddedPostgres,
  type ExampleService,
  POSTGRES_SETUP_TIMEOUT_MS,
} from '../../test-kit/example-service.js';
import {
  startRenderEmulator,
  type RenderDeploySpec,
  type RenderEmulator,
} from '../../test-kit/emulators/render-emulator.js';
import type { Permissions } from '../../test-kit/emulators/github-emulator.js';
import type { Truth } from '../../test-kit/ground-truth.js';

const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const OLD_SHA = '1111111aaaaaaaabbbbbbbbccccccccdddddddd0';
const TOKEN = 'rnd_e2eStepsApiKey0123456789';
const SERVICE_ID = 'srv-e2esteps00000000001';
const PREVIOUS = 'dep-previous0000000000';
const OURS = 'dep-ours00000000000000';
const BROKEN_DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:1/postgres';
const env = { SMOKE_PASSWORD: 'pw-for-smoke' };
// `soak` (default 30s) has its own tests; here a pass is final at once.
const fast = { timeout: '20s', interval: '200ms', 'request-timeout': '2s', soak: '0s' };

let postgres: EmbeddedPostgres;
const services: ExampleService[] = [];
const renders: RenderEmulator[] = [];
const repositories: Repository[] = [];

beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
}, POSTGRES_SETUP_TIMEOUT_MS);
afterEach(async () => {
  const started = { renders: renders.splice(0), repositories: repositories.splice(0) };
  try {
    // Every call to Render and to GitHub, in every case, valid against their contracts.
    for (const emulator of [...started.renders, ...started.repositories.map((r) => r.github)])
      expect(emulator.violations).toEqual([]);
  } finally {
    await Promise.all([
      ...started.renders.map((e) => e.close()),
      ...started.repositories.map((r) => r.close()),
      ...services.splice(0).map((s) => s.stop()),
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

/** The example repository (checks.yml with its canary) on the GitHub emulator, at SHA. */
async function repository(options: { permissions?: Permissions } = {}): Promise<Repository> {
  const started = await startRepository({ sha: SHA, ...options });
  repositories.push(started);
  return started;
}

const at = (minutesAgo: number): string => new Date(Date.now() - minutesAgo * 60_000).toISOString();

/** Render: the previous deploy live (OLD_SHA), ours (SHA) building, unless `deploys` says otherwise. */
async function render(svc: ExampleService, deploys?: RenderDeploySpec[]): Promise<RenderEmulator> {
  const started = await startRenderEmulator({
    token: TOKEN,
    serviceId: SERVICE_ID,
    serviceName: 'shop-api',
    serviceUrl: svc.url,
    deploys: deploys ?? [
      { id: PREVIOUS, commit: OLD_SHA, status: 'live', createdAt: at(60), finishedAt: at(55) },
      { id: OURS, commit: SHA, status: 'build_in_progress', createdAt: at(1) },
    ],
  });
  renders.push(started);
  return started;
}

/** The workflow's `with:` for a Render deploy of SHA, with the repository's schema and checks file. */
const renderInputs = (emulator: RenderEmulator, extra: Record<string, string> = {}) => ({
  provider: 'render',
  'api-token': TOKEN,
  'service-id': SERVICE_ID,
  'api-url': emulator.url,
  'expect-version': SHA,
  'health-schema': 'health-schema.yaml',
  checks: 'checks.yml',
  ...fast,
  ...extra,
});

/** The workflow's `with:` for a deploy of SHA to `svc` (`provider: none`), with the repository's files. */
const urlInputs = (svc: ExampleService, extra: Record<string, string> = {}) => ({
  url: svc.url,
  'expect-version': SHA,
  'health-schema': 'health-schema.yaml',
  checks: 'checks.yml',
  ...fast,
  ...extra,
});

/** `METHOD path` of every Render call, the service ID shortened. */
const renderCalls = (emulator: RenderEmulator): string[] =>
  emulator.requests.map((r) => `${r.method} ${r.path.replace('/v1', '').replace(SERVICE_ID, 'srv')}`);

/** The notes on the service, by id. */
async function notes(svc: ExampleService): Promise<Map<string, string>> {
  const body = (await (await fetch(`${svc.url}/api/notes`)).json()) as {
    notes: { id: string; text: string }[];
  };
  return new Map(body.notes.map((note) => [note.id, note.text]));
}

/** The note pre wrote: the one that is on the service after pre and was not before. */
async function canaryWritten(svc: ExampleService, before: Map<string, string>): Promise<string> {
  const added = [...(await notes(svc))].filter(([id]) => !before.has(id));
  expect(added).toHaveLength(1);
  const [id, text] = added[0] as [string, string];
  expect(text).toMatch(/^canary /);
  return id;
}

/** Whether the service still holds the note `id`. */
async function holds(svc: ExampleService, id: string): Promise<boolean> {
  const response = await fetch(`${svc.url}/api/notes/${id}`);
  await response.body?.cancel();
  return response.status === 200;
}

/**
 * A job of the example repository at SHA (`truth`: what is true of its main), and its `pre`, which must
 * write the canary: the job, the id of the canary note, and the notes the service held before.
 */
async function preWroteCanary(
  svc: ExampleService,
  inputs: Record<string, string>,
  truth: Truth,
): Promise<{ job: Job; canary: string; before: Map<string, string> }> {
  const job = (await repository()).job({ env, truth });
  const before = await notes(svc);
  const pre = await job.run('pre', inputs);
  expect(pre).toMatchObject({ ran: true, exitCode: 0 });
  expect(pre.stdout).toContain('canary written');
  return { job, canary: await canaryWritten(svc, before), before };
}

const canaryProbe = (run: StepRun) => run.report?.probes.find((p) => p.kind === 'canary');

describe('pre, checkout, the deploy, main, post', () => {
  it('pre reads the checks file through the contents API in an empty workspace; main reads the canary; post deletes it', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const repo = await repository();
    const job = repo.job({ env, truth: { deploy: 'healthy', rollback: 'n/a' } });
    const inputs = urlInputs(svc);
    const before = await notes(svc);

    // pre: the first step of the job, before actions/checkout. The workspace is empty.
    expect(listFiles(job.workspace)).toEqual([]);
    const pre = await job.run('pre', inputs);
    expect(pre.exitCode).toBe(0);
    expect(pre.stdout).toContain('read checks.yml from the repository (checkout has not run yet)');
    expect(pre.stdout).toContain(`canary written to ${svc.url}`);
    expect(contentsReads(repo.github)).toEqual([
      `GET /repos/acme/shop/contents/checks.yml?ref=${SHA} -> 200`,
    ]);
    expect(repo.github.requests[0]?.token).toBe(repo.token);
    expect(listFiles(job.workspace)).toEqual([]);
    const canary = await canaryWritten(svc, before);

    // actions/checkout, then the deploy.
    job.checkout();
    expect(listFiles(job.workspace)).toEqual(['checks.yml', 'health-schema.yaml']);
    await svc.restart({ version: SHA });

    const main = await job.run('main', inputs);
    expect(main.outputs).toMatchObject({
      result: 'passed',
      'failure-reason': '',
      version: SHA,
      'rolled-back': 'false',
    });
    expect(main.exitCode).toBe(0);
    expect(canaryProbe(main)).toMatchObject({ name: 'canary survives the deploy', passed: true });
    expect(main.report?.probes.every((p) => p.passed)).toBe(true);
    expect(main.summary).toContain('Deploy verified');
    expect(main.summary).toMatch(/\| canary survives the deploy \| ✅ pass \|/);
    // main read the file from the workspace: no second read through the API.
    expect(contentsReads(repo.github)).toHaveLength(1);
    expect(await holds(svc, canary)).toBe(true);

    const post = await job.run('post', inputs);
    expect(post).toMatchObject({ ran: true, exitCode: 0 });
    expect(post.stdout).toContain('canary deleted');
    expect(await holds(svc, canary)).toBe(false);
    expect(job.summary()).toContain('Deploy verified');
  });
});

describe('pre cannot read the checks file', () => {
  it.each([
    [
      'the token has no `contents: read`',
      { checks: 'write', 'pull-requests': 'write' } as Permissions,
      'checks.yml',
      403,
      /permissions: \{ contents: read \}/,
    ],
    [
      'the file is not in the repository (written by a step after checkout)',
      undefined,
      'ci/checks.yml',
      404,
      /ci\/checks\.yml.*is not in the repository/,
    ],
  ])(
    '%s: main fails canary-unverified saying why, and nothing is rolled back',
    async (_how, permissions, path, status, why) => {
      const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
      const emulator = await render(svc);
      emulator.script(OURS, ['build_in_progress', 'update_in_progress', 'live'], {
        onLive: () => svc.restart({ version: SHA }),
      });
      const repo = await repository({ permissions });
      // The service works, but without a canary the persistence a pass needs is not proven; a failure that
      // is not the deploy's own is never rolled back.
      const job = repo.job({ env, truth: { deploy: 'broken', rollback: 'wrong' } });
      const inputs = renderInputs(emulator, { checks: path });
      const before = await notes(svc);

      const pre = await job.run('pre', inputs);
      expect(pre.exitCode).toBe(0);
      expect(pre.stdout).toContain('no canary written');
      expect(contentsReads(repo.github)).toEqual([
        `GET /repos/acme/shop/contents/${path}?ref=${SHA} -> ${status}`,
      ]);
      expect(await notes(svc)).toEqual(before);

      job.checkout();
      // A `run:` step between checkout and this one generates the checks file: main reads it, pre could not.
      if (path !== 'checks.yml') {
        expect((await job.runScript(`mkdir -p ci && cp checks.yml ${path}`)).exitCode).toBe(0);
      }
      const main = await job.run('main', inputs);
      expect(main.outputs).toMatchObject({
        result: 'failed',
        'failure-reason': 'canary-unverified',
        'deploy-id': OURS,
        'rolled-back': 'false',
        'rollback-deploy-id': '',
      });
      expect(main.exitCode).toBe(1);
      const failure = canaryProbe(main)?.failure ?? '';
      expect(failure).toContain('no canary was written before the deploy');
      expect(failure).toMatch(why);
      expect(summaryAsText(main.summary)).toMatch(why);
      expect(main.report?.failureMessage).toMatch(why);
      // The deploy itself is healthy: the other probes passed, and nothing was rolled back.
      expect(main.report?.probes.filter((p) => p.kind !== 'canary').every((p) => p.passed)).toBe(true);
      expect(renderCalls(emulator).some((c) => c.startsWith('POST'))).toBe(false);

      const post = await job.run('post', inputs);
      expect(post).toMatchObject({ ran: true, exitCode: 0 });
      expect(await notes(svc)).toEqual(before);
    },
  );
});

describe('post after main failed', () => {
  it.each([
    [
      'failed: the build failed, production kept the previous deploy',
      async (emulator: RenderEmulator) => {
        emulator.script(OURS, ['build_in_progress', 'build_failed']);
      },
      { result: 'failed', 'failure-reason': 'deploy-failed', 'rolled-back': 'false' },
      0,
      // Never live: nothing to roll back.
      { deploy: 'broken', rollback: 'wrong' } as Truth,
    ],
    [
      'rolled back: the release fell back to SQLite, the previous deploy was restored',
      async (emulator: RenderEmulator, svc: ExampleService) => {
        emulator.script(OURS, ['build_in_progress', 'update_in_progress', 'live'], {
          onLive: () => svc.restart({ version: SHA, databaseUrl: BROKEN_DATABASE_URL }),
        });
        emulator.onRollback(async () => ({
          status: 201,
          onLive: () => svc.restart({ version: OLD_SHA, databaseUrl: postgres.url }),
        }));
      },
      { result: 'rolled-back', 'failure-reason': 'health-schema', 'rolled-back': 'true' },
      1,
      { deploy: 'broken', rollback: 'right' } as Truth,
    ],
  ])('%s: post deletes the canary', async (_how, scenario, outputs, rollbackCalls, truth) => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const emulator = await render(svc);
    await scenario(emulator, svc);
    const inputs = renderInputs(emulator);
    const { job, canary, before } = await preWroteCanary(svc, inputs, truth);

    const main = await job.run('main', inputs);
    expect(main.outputs).toMatchObject({ ...outputs, 'deploy-id': OURS });
    expect(main.exitCode).toBe(1);
    expect(renderCalls(emulator).filter((c) => c === 'POST /services/srv/rollback')).toHaveLength(
      rollbackCalls,
    );
    // What serves now (the previous deploy, kept or restored) still holds the canary pre wrote to it.
    expect(await holds(svc, canary)).toBe(true);

    // post-if: always(): post runs after the failed main and cleans up.
    const post = await job.run('post', inputs);
    expect(post).toMatchObject({ ran: true, exitCode: 0 });
    expect(post.stdout).toContain('canary deleted');
    expect(await holds(svc, canary)).toBe(false);
    expect(await notes(svc)).toEqual(before);
  });
});

describe('auto-deploy raced the job', () => {
  it('our deploy was already live when pre wrote the canary: persistence not proven, no rollback', async () => {
    // Render deployed the push at once; the job started after it went live (e.g. queued behind another run).
    const svc = await service({ version: SHA, databaseUrl: postgres.url });
    const emulator = await render(svc, [
      { id: PREVIOUS, commit: OLD_SHA, status: 'deactivated', createdAt: at(60), finishedAt: at(5) },
      { id: OURS, commit: SHA, status: 'live', createdAt: at(8), finishedAt: at(5) },
    ]);
    const inputs = renderInputs(emulator);
    // The service works, but the canary cannot prove persistence across a deploy already serving; a
    // failure that is not the deploy's own is never rolled back.
    const { job, canary } = await preWroteCanary(svc, inputs, { deploy: 'broken', rollback: 'wrong' });

    const main = await job.run('main', inputs);
    expect(main.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'canary-unverified',
      'deploy-id': OURS,
      'deploy-status': 'live',
      'rolled-back': 'false',
      'rollback-deploy-id': '',
    });
    expect(main.exitCode).toBe(1);
    const failure = canaryProbe(main)?.failure ?? '';
    expect(failure).toContain(
      `persistence not proven: the canary was written when deploy ${OURS}, the one verified here, was already serving`,
    );
    // The advice for auto-deploy teams: let this step start the deploy.
    expect(failure).toContain('auto-deploy');
    expect(failure).toContain('`deploy: true`');
    const text = summaryAsText(main.summary);
    expect(text).toContain('persistence not proven');
    expect(text).toContain('`deploy: true`');
    expect(main.report?.failureMessage).toContain('persistence not proven');
    expect(renderCalls(emulator).some((c) => c.startsWith('POST'))).toBe(false);

    const post = await job.run('post', inputs);
    expect(post.stdout).toContain('canary deleted');
    expect(await holds(svc, canary)).toBe(false);
  });
});

describe('the job is cancelled during main', () => {
  it('while waiting for the service: run-canceled, no rollback was in flight; post still runs', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const inputs = urlInputs(svc, { timeout: '60s' });
    // Still warming up when cancelled: nothing proven.
    const { job, canary } = await preWroteCanary(svc, inputs, { deploy: 'broken', rollback: 'n/a' });
    await svc.restart({ version: SHA, faults: 'warmup=60000' });

    const main = await job.run('main', inputs, {
      cancel: { whenOutput: /waiting for the service to become ready/ },
    });
    expect(main.cancelled).toBe(true);
    expect(main.exitCode).toBe(1);
    expect(main.durationMs).toBeLessThan(15_000); // not the 60 s timeout
    expect(main.stdout).toContain('the job was cancelled (SIGINT)');
    expect(main.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'run-canceled',
      'rolled-back': 'false',
      'rollback-deploy-id': '',
    });
    expect(main.report?.failureMessage).toMatch(
      /^the job was cancelled \(SIGINT\) during "Wait until live and healthy" before a verdict; no rollback was in flight/,
    );
    expect(summaryAsText(main.summary)).toContain('no rollback was in flight: nothing was rolled back');

    // The warm-up ends after the job was cancelled; post-if: always() still cleans up.
    await svc.setFaults('');
    const post = await job.run('post', inputs);
    expect(post).toMatchObject({ ran: true, exitCode: 0 });
    expect(post.stdout).toContain('canary deleted');
    expect(await holds(svc, canary)).toBe(false);
  });

  it.each([
    [
      'accepted, the restored deploy still updating',
      /rollback deploy dep-\S+: .*update_in_progress/,
      /a rollback was in flight: the provider accepted the rollback to deploy dep-previous0000000000 \(new deploy (dep-\S+)\), which was not yet verified/,
    ],
    [
      'sent, with no answer yet',
      /Rolling back to dep-previous0000000000/,
      /a rollback was in flight: the call to roll back to deploy dep-previous0000000000 had been sent, with no answer yet/,
    ],
  ])(
    'while a rollback is in flight (%s): the report names its target; post still runs',
    async (how, cancelWhen, inFlight) => {
      const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
      const emulator = await render(svc);
      emulator.script(OURS, ['build_in_progress', 'update_in_progress', 'live'], {
        onLive: () => svc.restart({ version: SHA, faults: 'degraded' }),
      });
      // Render holds the rollback: its answer until the test lets go, or the restored deploy's progress.
      let answer: () => void = () => {};
      const answered = new Promise<void>((resolve) => (answer = resolve));
      emulator.onRollback(async () => {
        if (how.startsWith('sent')) await answered;
        return { status: 201, statuses: ['update_in_progress'] };
      });
      const inputs = renderInputs(emulator);
      // Live and degraded: the rollback was right; the job was cancelled while it was under way.
      const { job, canary } = await preWroteCanary(svc, inputs, { deploy: 'broken', rollback: 'right' });

      const main = await job.run('main', inputs, { cancel: { whenOutput: cancelWhen } });
      answer();
      expect(main.cancelled).toBe(true);
      expect(main.exitCode).toBe(1);
      expect(main.outputs).toMatchObject({
        result: 'failed',
        'failure-reason': 'run-canceled',
        'deploy-id': OURS,
      });
      const message = main.report?.failureMessage ?? '';
      expect(message).toMatch(/^the job was cancelled \(SIGINT\) during "Roll back" before a verdict/);
      expect(message).toMatch(inFlight);
      expect(message).toContain("On call: check in the provider's dashboard");
      expect(summaryAsText(main.summary)).toMatch(inFlight);
      expect(main.report?.rollback).toMatchObject({ targetId: PREVIOUS });
      expect(renderCalls(emulator).filter((c) => c === 'POST /services/srv/rollback')).toHaveLength(1);
      const restored = inFlight.exec(message)?.[1];
      if (restored) {
        // Accepted: the outputs say a rollback was sent, and to which deploy.
        expect(main.outputs).toMatchObject({ 'rolled-back': 'true', 'rollback-deploy-id': restored });
      } else {
        expect(main.outputs).toMatchObject({ 'rolled-back': 'false', 'rollback-deploy-id': '' });
      }

      const post = await job.run('post', inputs);
      expect(post).toMatchObject({ ran: true, exitCode: 0 });
      expect(post.stdout).toContain('canary deleted');
      expect(await holds(svc, canary)).toBe(false);
    },
  );
});
