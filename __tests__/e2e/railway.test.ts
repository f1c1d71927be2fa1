/**
 * End-to-end with `provider: railway`: the committed dist/ bundle, run the way the runner runs it, against
 * the Railway emulator (which validates every operation, over HTTP and over the WebSocket, against Railway's
 * introspected schema) and the example service, whose restarts are the deployments the emulator reports.
 * Each case asserts the outputs, the summary and the exact operations sent.
 *
 * The emulator serves the service a Railway domain that tests cannot reach, so every case passes `url`
 * except the one that checks the URL is derived from that domain.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Job, type StepRun } from '../../test-kit/runner/job.js';
import type { Truth } from '../../test-kit/ground-truth.js';
import { summaryAsText } from '../../test-kit/summary-text.js';
import { DEMO_REPOSITORY, startRepository, type Repository } from '../../test-kit/repository.js';
import {
  startEmbeddedPostgres,
  startExampleService,
  type EmbeddedPostgres,
  type ExampleService,
  POSTGRES_SETUP_TIMEOUT_MS,
} from '../../test-kit/example-service.js';
import {
  startRailwayEmulator,
  type DeploymentStatus,
  type ProgressHooks,
  type RailwayDeploymentSpec,
  type RailwayEmulator,
  type RailwayEmulatorOptions,
  type RecordedRequest,
} from '../../test-kit/emulators/railway-emulator.js';

jest.setTimeout(60_000);

const TOKEN = 'rwy-e2eSecretToken-7f3a9c21d4e8b6a05f1c';
const WRONG_TOKEN = 'rwy-e2eWrongToken-00000000000000000000';
const PROJECT_ID = 'b7a1c9e2-5d3f-4e8a-9c1b-2f6d8e4a0a01';
const SERVICE_ID = 'c3d4e5f6-7a8b-4c9d-8e0f-1a2b3c4d5e02';
const ENV_ID = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a03';
const SERVICE_NAME = 'shop-api';
/** The service's Railway domain. `.invalid` (RFC 6761) so that no lookup of it can reach the internet. */
const DOMAIN = 'shop-api-production.up.railway.app.invalid';

const OLDER = '0a0a0a0a-1111-4111-8111-000000000001';
const PREVIOUS = '0b0b0b0b-2222-4222-8222-000000000002';
const OURS = '0c0c0c0c-3333-4333-8333-000000000003';
const NEWER = '0d0d0d0d-4444-4444-8444-000000000004';
const ROLLBACK = '0e0e0e0e-5555-4555-8555-000000000005';
const TRIGGERED = '0f0f0f0f-6666-4666-8666-000000000006';
const OURS_EARLIER = '01010101-7777-4777-8777-000000000007';

const OLDER_SHA = '2222222aaaaaaaabbbbbbbbccccccccdddddddd';
const OLD_SHA = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const NEWER_SHA = '9999999aaaaaaaabbbbbbbbccccccccdddddddd';

/** Log lines the action asks for per read (the CLI's default too). */
const LOG_LIMIT = 500;
// `soak` (default 30s) has its own tests; here a pass is final at once.
const fast = { timeout: '20s', interval: '200ms', 'request-timeout': '2s', soak: '0s' };

let postgres: EmbeddedPostgres;
const services: ExampleService[] = [];
const emulators: RailwayEmulator[] = [];
const repositories: Repository[] = [];

beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
}, POSTGRES_SETUP_TIMEOUT_MS);
afterEach(async () => {
  const started = emulators.splice(0);
  const github = repositories.splice(0);
  try {
    // Every operation the action sent, in every case, validated against Railway's schema (and GitHub's).
    for (const emulator of [...started, ...github.map((r) => r.github)])
      expect(emulator.violations).toEqual([]);
  } finally {
    await Promise.all([
      ...started.map((e) => e.close()),
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

/** An older deployment (replaced) and the previous good one (live). */
const history = (overrides: Partial<RailwayDeploymentSpec> = {}): RailwayDeploymentSpec[] => [
  {
    id: OLDER,
    status: 'REMOVED',
    createdAt: at(120),
    commitHash: OLDER_SHA,
    commitMessage: 'Older release',
    ...overrides,
  },
  {
    id: PREVIOUS,
    status: 'SUCCESS',
    createdAt: at(60),
    commitHash: OLD_SHA,
    commitMessage: 'Previous release',
    ...overrides,
  },
];
const ours = (status: DeploymentStatus = 'QUEUED'): RailwayDeploymentSpec => ({
  id: OURS,
  status,
  createdAt: at(1),
  commitHash: SHA,
  commitMessage: 'Add notes',
});

async function emulator(options: Partial<RailwayEmulatorOptions> = {}): Promise<RailwayEmulator> {
  const started = await startRailwayEmulator({
    token: TOKEN,
    projectId: PROJECT_ID,
    serviceId: SERVICE_ID,
    serviceName: SERVICE_NAME,
    environmentId: ENV_ID,
    domain: DOMAIN,
    deployments: [...history(), ours()],
    ...options,
  });
  emulators.push(started);
  return started;
}

const inputs = (railway: RailwayEmulator, svc: ExampleService, extra: Record<string, string> = {}) => ({
  provider: 'railway',
  'api-token': TOKEN,
  'service-id': SERVICE_ID,
  'environment-id': ENV_ID,
  'api-url': railway.url,
  url: svc.url,
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
 * deployment that went live and then failed on its own account, `rollback` allowing it; else `wrong`.
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
async function jobWithRepository(truth: Truth): Promise<Job> {
  const repository = await startRepository({ sha: SHA });
  repositories.push(repository);
  return repository.job({ env, truth });
}

const httpRequests = (requests: readonly RecordedRequest[]) => requests.filter((r) => r.transport === 'http');
/** Operations with `field` among their root fields. */
const sent = (railway: RailwayEmulator, field: string) =>
  railway.requests.filter((r) => r.fields.includes(field));
const mutations = (railway: RailwayEmulator) =>
  railway.requests.filter((r) => r.operationType === 'mutation');
/** Whether an operation names `id`, as a variable or inline. */
const names = (r: RecordedRequest, id: string) =>
  JSON.stringify(r.variables).includes(id) || r.query.includes(id);
/** `deployment(id)` subscriptions to `id`. */
const subscriptionsTo = (railway: RailwayEmulator, id: string) =>
  railway.requests.filter(
    (r) =>
      r.transport === 'ws' &&
      r.operationType === 'subscription' &&
      r.fields.includes('deployment') &&
      names(r, id),
  );

/** A summary section's text, from its heading to the next one. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`### ${heading}`);
  if (start < 0) return '';
  const next = text.indexOf('\n### ', start + 4);
  return text.slice(start, next < 0 ? undefined : next);
}

/** Feeds the example service's own output to the emulator as the deployment's logs, as Railway would. */
function shipLogs(railway: RailwayEmulator, svc: ExampleService, deploymentId: string): void {
  const lines = svc
    .logs()
    .split('\n')
    .filter((line) => line.trim() !== '');
  railway.addLogs(
    deploymentId,
    'deploy',
    lines.map((message) => ({ message })),
  );
}

/**
 * Plays a deployment's progress over time, as Railway would: waits for the action to subscribe to it (up
 * to 10 s, then plays anyway, so a client that never subscribes still sees the statuses by polling), then
 * scripts `statuses` and applies one every `gapMs`. Nothing moves before the subscription, so reports sent
 * while finding the deployment do not skip statuses.
 */
async function playOverSocket(
  railway: RailwayEmulator,
  id: string,
  statuses: DeploymentStatus[],
  hooks: ProgressHooks,
  gapMs: number,
): Promise<void> {
  const giveUp = Date.now() + 10_000;
  while (subscriptionsTo(railway, id).length === 0 && Date.now() < giveUp) await delay(25);
  railway.script(id, statuses, hooks);
  for (let i = 0; i < statuses.length; i++) {
    await delay(gapMs);
    await railway.advance(id);
  }
}

/** `deploymentRollback(...)` must be sent with no selection set: the field is a `Boolean!`. */
function expectNoSelectionOnRollback(query: string): void {
  const call = /deploymentRollback\s*\([^)]*\)\s*(\S)?/.exec(query);
  expect(call).not.toBeNull();
  expect(call?.[1]).not.toBe('{');
}

/** The token may appear only in the runner's own `::add-mask::` command, which is how it gets masked. */
function expectNoLeak(run: StepRun, text: string) {
  const stdout = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  for (const where of [
    stdout,
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs),
    JSON.stringify(run.report),
  ])
    expect(where).not.toContain(text);
}

describe('dist/main with provider: railway', () => {
  it('passes the happy path: finds the deployment by commit, follows it over the socket, verifies it', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator({
      deployments: [...history(), ours('INITIALIZING')],
      wsProgress: 'manual',
    });
    let successAt = 0;
    const onSuccess = async () => {
      await svc.restart({ version: SHA });
      successAt = Date.now();
    };
    const runner = await jobWithRepository(HEALTHY);
    const pre = await runner.run('pre', inputs(railway, svc));
    expect(pre.stdout).toContain('canary written');
    const before = railway.requests.length;
    const [run] = await Promise.all([
      runner.run('main', inputs(railway, svc)),
      playOverSocket(railway, OURS, ['QUEUED', 'BUILDING', 'DEPLOYING', 'SUCCESS'], { onSuccess }, 800),
    ]);
    expect(run.outputs).toMatchObject({
      result: 'passed',
      'failure-reason': '',
      'deploy-id': OURS,
      'deploy-status': 'SUCCESS',
      url: svc.url,
      version: SHA,
      'rolled-back': 'false',
      'rollback-deploy-id': '',
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`Railway deploy ${OURS}: SUCCESS \\(after .+ in DEPLOYING\\); deadline in \\S+`),
    );
    expect(run.stdout).toMatch(new RegExp(`Railway deploy ${OURS}: DEPLOYING \\(after .+ in BUILDING\\)`));
    expect(summaryAsText(run.summary)).toContain(`Railway \`${OURS}\` (SUCCESS)`);
    expect(run.report?.probes.length).toBeGreaterThan(1);
    expect(run.report?.probes.every((p) => p.passed)).toBe(true);

    // Status came over a graphql-transport-ws subscription, not by polling.
    const main = railway.requests.slice(before);
    expect(railway.sockets.some((s) => s.accepted && s.protocol === 'graphql-transport-ws')).toBe(true);
    const [subscription] = subscriptionsTo(railway, OURS);
    expect(subscription).toBeDefined();
    const during = httpRequests(main).filter((r) => r.at >= (subscription?.at ?? 0) && r.at <= successAt);
    expect(during.length).toBeLessThanOrEqual(2); // 4 statuses over ~3 s; polling from 200 ms would send ~10
    // Frugal over the whole run: the Hobby plan allows 1000 requests an hour.
    expect(httpRequests(main).length).toBeLessThanOrEqual(6);
    expect(main.filter((r) => r.fields.includes('deployments')).length).toBeGreaterThan(0);
    expect(mutations(railway)).toEqual([]);
    expect(main.every((r) => r.transport === 'ws' || r.status === 200)).toBe(true);
    expect(main.every((r) => r.errors.length === 0 || r.fields.includes('projectToken'))).toBe(true);
    expect(railway.violations).toEqual([]);
    expect((await runner.run('post', inputs(railway, svc))).stdout).toContain('canary deleted');
    expectNoLeak(run, TOKEN);
  });

  it.each([
    ['refused', (railway: RailwayEmulator) => railway.rejectSockets(503)],
    ['dropped mid-stream', (railway: RailwayEmulator) => railway.dropSocketAfter(1)],
  ])('falls back to polling when the socket is %s, and still passes', async (how, breakSockets) => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    // pre's reads (the service, and the deployments as it writes the canary) take the first steps.
    railway.script(OURS, ['BUILDING', 'BUILDING', 'BUILDING', 'DEPLOYING', 'SUCCESS'], {
      onSuccess: () => svc.restart({ version: SHA }),
    });
    breakSockets(railway);
    const runner = await jobWithRepository(HEALTHY);
    await runner.run('pre', inputs(railway, svc));
    const run = await runner.run('main', inputs(railway, svc));
    expect(run.outputs).toMatchObject({
      result: 'passed',
      'deploy-id': OURS,
      'deploy-status': 'SUCCESS',
      version: SHA,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('falling back to polling');
    expect(railway.sockets.length).toBeGreaterThan(0);
    if (how === 'refused') {
      expect(railway.sockets.every((s) => !s.accepted && s.refusedWith === 503)).toBe(true);
    } else {
      expect(railway.sockets[0]).toMatchObject({ accepted: true, dropped: true });
    }
    // The statuses after the socket failed came from `deployment(id)` polls.
    expect(sent(railway, 'deployment').filter((r) => r.transport === 'http').length).toBeGreaterThan(0);
    expect(run.stdout).toMatch(new RegExp(`Railway deploy ${OURS}: SUCCESS \\(after .+ in DEPLOYING\\)`));
    expect(httpRequests(railway.requests).length).toBeLessThanOrEqual(15);
    expect(railway.violations).toEqual([]);
    expectNoLeak(run, TOKEN);
  });

  it('F1: a SQLite fallback after SUCCESS fails the schema, rolls back and verifies the restored deployment', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    railway.script(OURS, ['BUILDING', 'DEPLOYING', 'SUCCESS'], {
      onSuccess: async () => {
        await svc.restart({ version: SHA, databaseUrl: 'postgres://postgres:postgres@127.0.0.1:1/postgres' });
        shipLogs(railway, svc, OURS);
      },
    });
    const targets: string[] = [];
    railway.onRollback(async (target) => {
      targets.push(target);
      return {
        deploymentId: ROLLBACK,
        statuses: ['DEPLOYING', 'SUCCESS'],
        onSuccess: () => svc.restart({ version: OLD_SHA, databaseUrl: postgres.url }),
      };
    });
    const runner = await jobWithRepository(ROLL_BACK);
    await runner.run('pre', inputs(railway, svc));
    const run = await runner.run('main', inputs(railway, svc));
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      'failure-reason': 'health-schema',
      'deploy-id': OURS,
      'deploy-status': 'SUCCESS',
      'rolled-back': 'true',
      'rollback-deploy-id': ROLLBACK,
    });
    expect(run.exitCode).toBe(1);
    // The last known good deployment: the SUCCESS one before ours.
    expect(targets).toEqual([PREVIOUS]);
    const text = summaryAsText(run.summary);
    expect(text).toContain('/database/type must be "postgresql" but was "sqlite"');
    expect(text).toContain('The app fell back to SQLite');
    expect(text).toContain(
      `rolled back to ${PREVIOUS} (commit ${OLD_SHA.slice(0, 12)}) as deploy ${ROLLBACK}`,
    );
    expect(text).toContain('the restored deploy passed the health check and the checks');
    const restored = run.report?.probes.filter((p) => p.name.startsWith('Restored deploy: ')) ?? [];
    expect(restored.length).toBeGreaterThan(1);
    expect(restored.every((p) => p.passed)).toBe(true);

    // One rollback mutation, with no selection set (it returns a Boolean), then the new deployment found
    // with deployments(first: …) and followed to SUCCESS.
    const rollbacks = sent(railway, 'deploymentRollback');
    expect(rollbacks).toHaveLength(1);
    expect(rollbacks[0]?.operationType).toBe('mutation');
    expect(rollbacks[0]?.transport).toBe('http');
    expect(names(rollbacks[0]!, PREVIOUS)).toBe(true);
    expectNoSelectionOnRollback(rollbacks[0]!.query);
    expect(rollbacks[0]?.errors).toEqual([]);
    const after = railway.requests.slice(railway.requests.indexOf(rollbacks[0]!) + 1);
    const lookup = after.find((r) => r.fields.includes('deployments'));
    expect(lookup).toBeDefined();
    expect(lookup?.query).toMatch(/\bfirst\b/);
    expect(railway.deployment(ROLLBACK).status).toBe('SUCCESS');
    expect(mutations(railway)).toHaveLength(1);
    expect(run.stdout).toMatch(new RegExp(`Railway rollback deploy ${ROLLBACK}: .*SUCCESS`));
    // Auto-deploy stays on after a Railway rollback; the advice must be one Railway accepts
    // (`pause-auto-deploy` is a config error with `provider: railway`).
    expect(section(text, 'Warnings')).toMatch(/turn off automatic deploys for the branch/);
    expect(text).not.toContain('pause-auto-deploy: true');
    // The runtime logs were read as evidence.
    expect(sent(railway, 'deploymentLogs').length).toBeGreaterThan(0);
    expect(railway.violations).toEqual([]);
    expectNoLeak(run, TOKEN);
  });

  it('F4: a CRASHED that arrives after SUCCESS while the checks run is a failure that is rolled back', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    // SUCCESS, then CRASHED: on the next report of the deployment, or 100 ms into the verification,
    // whichever comes first (a socket subscriber gets it pushed).
    railway.script(OURS, ['BUILDING', 'DEPLOYING', 'SUCCESS', 'CRASHED'], {
      onSuccess: async () => {
        await svc.restart({ version: SHA, databaseUrl: postgres.url });
        setTimeout(() => void railway.advance(OURS).catch(() => undefined), 100);
      },
    });
    railway.addLogs(OURS, 'deploy', [
      { message: 'Server listening on :8080' },
      { message: 'FATAL: unhandled rejection: connection pool exhausted', severity: 'error' },
    ]);
    railway.onRollback(async () => ({
      deploymentId: ROLLBACK,
      statuses: ['DEPLOYING', 'SUCCESS'],
      onSuccess: () => svc.restart({ version: OLD_SHA, databaseUrl: postgres.url }),
    }));
    const runner = await jobWithRepository(ROLL_BACK);
    await runner.run('pre', inputs(railway, svc));
    const run = await runner.run('main', inputs(railway, svc));
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      'deploy-id': OURS,
      'rolled-back': 'true',
      'rollback-deploy-id': ROLLBACK,
    });
    expect(run.outputs['failure-reason']).not.toBe('');
    expect(run.exitCode).toBe(1);
    expect(railway.deployment(OURS).status).toBe('CRASHED');
    expect(summaryAsText(run.summary)).toContain('CRASHED');
    const rollbacks = sent(railway, 'deploymentRollback');
    expect(rollbacks).toHaveLength(1);
    expect(names(rollbacks[0]!, PREVIOUS)).toBe(true);
    expectNoSelectionOnRollback(rollbacks[0]!.query);
    expect(railway.violations).toEqual([]);
  });

  it('F8: FAILED with ModuleNotFoundError in the build logs stops at once and is diagnosed', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    railway.script(OURS, ['BUILDING', 'FAILED']);
    const start = Date.now() - 50_000;
    // Far more lines than any sane cap, numbered, so duplicates or gaps show.
    const filler = Array.from({ length: 1500 }, (_, i) => ({
      message: `#${String(i).padStart(4, '0')} copying layer ${i}`,
      timestamp: new Date(start + i * 10).toISOString(),
    }));
    railway.addLogs(OURS, 'build', [
      ...filler,
      { message: 'Traceback (most recent call last):', timestamp: new Date(start + 20_000).toISOString() },
      {
        message: "ModuleNotFoundError: No module named 'psycopg2'",
        timestamp: new Date(start + 20_001).toISOString(),
        severity: 'error',
      },
      {
        message: `build failed; RAILWAY_TOKEN=${TOKEN}`,
        timestamp: new Date(start + 20_002).toISOString(),
        severity: 'error',
      },
    ]);
    const run = await job(BROKEN).run('main', inputs(railway, svc, { timeout: '5m' }));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'deploy-failed',
      'deploy-id': OURS,
      'deploy-status': 'FAILED',
      'rolled-back': 'false',
      'rollback-deploy-id': '',
    });
    expect(run.exitCode).toBe(1);
    expect(run.durationMs).toBeLessThan(15_000); // stopped at once, not at the 5-minute timeout
    const text = summaryAsText(run.summary);
    expect(text).toContain('A module could not be found');
    expect(text).toContain("No module named 'psycopg2'");
    expect(text).toContain(`production still serves version ${OLD_SHA}`);
    expect(text).toContain(`not needed: deploy ${OURS} never went live`);
    expect(mutations(railway)).toEqual([]);

    // Build logs were read, capped, without duplicated lines from the limit+1 quirk.
    const reads = sent(railway, 'buildLogs');
    expect(reads.length).toBeGreaterThan(0);
    const tail = (run.report?.evidence as { tail: { message: string }[] } | undefined)?.tail ?? [];
    expect(tail.length).toBeGreaterThan(0);
    expect(tail.length).toBeLessThanOrEqual(40);
    const messages = tail.map((line) => line.message);
    expect(new Set(messages).size).toBe(messages.length);
    expect(messages.at(-1)).toContain('build failed');
    expect(messages.at(-2)).toContain('ModuleNotFoundError');
    // The numbered lines of the tail are consecutive: nothing repeated, nothing skipped.
    const numbers = messages.flatMap((m) => /^#(\d{4}) copying/.exec(m)?.[1] ?? []).map(Number);
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers).toEqual(numbers.map((_, i) => (numbers[0] ?? 0) + i));
    expect(numbers.at(-1)).toBe(filler.length - 1);
    expect(railway.violations).toEqual([]);
    expectNoLeak(run, TOKEN);
  });

  it("trims the extra line Railway answers past a log read's limit (the limit+1 quirk)", async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    railway.script(OURS, ['BUILDING', 'FAILED']);
    const start = Date.now() - 50_000;
    const total = LOG_LIMIT + 200;
    // Railway answers the newest limit+1 lines. The one extra, oldest line carries a failure signature of
    // its own: kept, it would show up as a diagnosis; trimmed, as the CLI does, it leaves no trace.
    const extra = total - LOG_LIMIT - 1;
    railway.addLogs(
      OURS,
      'build',
      Array.from({ length: total }, (_, i) => ({
        message: i === extra ? "ModuleNotFoundError: No module named 'stale_extra_line'" : `step ${i} ok`,
        timestamp: new Date(start + i).toISOString(),
      })),
    );
    const run = await job(BROKEN).run('main', inputs(railway, svc));
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'deploy-failed' });
    const reads = sent(railway, 'buildLogs');
    expect(reads).toHaveLength(1);
    expect(reads[0]?.transport).toBe('http');
    expect(reads[0]?.variables.limit).toBe(LOG_LIMIT);
    expect(JSON.stringify(run.report)).not.toContain('stale_extra_line');
    expect(summaryAsText(run.summary)).not.toContain('A module could not be found');
    const tail = (run.report?.evidence as { tail: { message: string }[] } | undefined)?.tail ?? [];
    const messages = tail.map((line) => line.message);
    expect(new Set(messages).size).toBe(messages.length);
    expect(messages.at(-1)).toBe(`step ${total - 1} ok`);
    expect(railway.violations).toEqual([]);
  });

  it('CRASHED before going live: deploy-failed, the HEALTHCHECK event and the deploy logs in the summary', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    railway.script(OURS, ['BUILDING', 'DEPLOYING', 'CRASHED']);
    railway.addEvents(OURS, [
      { step: 'BUILD_IMAGE', completedAt: at(0.9) },
      { step: 'CREATE_CONTAINER', completedAt: at(0.8) },
      {
        step: 'HEALTHCHECK',
        payload: { error: 'service unavailable', reason: 'healthcheck failed', attempt: 5, maxAttempts: 5 },
      },
    ]);
    railway.addLogs(OURS, 'deploy', [
      { message: 'Starting Container' },
      { message: 'Error: listen EADDRINUSE: address already in use 0.0.0.0:8080', severity: 'error' },
    ]);
    const run = await job(BROKEN).run('main', inputs(railway, svc));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'deploy-failed',
      'deploy-status': 'CRASHED',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    const text = summaryAsText(run.summary);
    const events = section(text, 'Provider events');
    expect(events).toMatch(/HEALTHCHECK/i);
    expect(events).toContain('service unavailable');
    expect(text).toContain('EADDRINUSE');
    expect(text).toContain(`production still serves version ${OLD_SHA}`);
    expect(sent(railway, 'deploymentEvents').length).toBeGreaterThan(0);
    expect(sent(railway, 'deploymentLogs').length).toBeGreaterThan(0);
    expect(mutations(railway)).toEqual([]);
    expect(railway.violations).toEqual([]);
  });

  it('SKIPPED: CI checks blocked the deployment', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    railway.script(OURS, ['WAITING', 'SKIPPED']);
    // Our deployment never runs: nothing to pass, and nothing of ours went live to roll back.
    const run = await job(BROKEN).run('main', inputs(railway, svc));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'deploy-failed',
      'deploy-status': 'SKIPPED',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    expect(run.report?.failureMessage).toMatch(/\bCI\b/);
    expect(mutations(railway)).toEqual([]);
    expect(railway.violations).toEqual([]);
  });

  it('NEEDS_APPROVAL: fails, saying a project member must approve it in the Railway dashboard', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    railway.script(OURS, ['NEEDS_APPROVAL']);
    // Not deployed (yet): nothing to pass, nothing to roll back.
    const run = await job(BROKEN).run('main', inputs(railway, svc));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'needs-approval',
      'deploy-status': 'NEEDS_APPROVAL',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    expect(run.report?.failureMessage).toMatch(/member of the project must approve/);
    expect(run.report?.failureMessage).toContain('Railway dashboard');
    // The action does not approve its own deployment.
    expect(mutations(railway)).toEqual([]);
    expect(railway.violations).toEqual([]);
  });

  it('REMOVED for a newer deployment is superseded; REMOVED alone is deploy-canceled', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator({ deployments: [...history(), ours('BUILDING')] });
    railway.script(OURS, ['REMOVED']);
    railway.addDeployment({
      id: NEWER,
      status: 'BUILDING',
      createdAt: new Date().toISOString(),
      commitHash: NEWER_SHA,
    });
    // Removed before it ran, for a newer deployment or for nothing: never live.
    const superseded = await job(BROKEN).run('main', inputs(railway, svc, { checks: '' }));
    expect(superseded.outputs).toMatchObject({
      result: 'superseded',
      'failure-reason': '',
      'deploy-status': 'REMOVED',
      'rolled-back': 'false',
    });
    expect(superseded.exitCode).toBe(0);
    expect(summaryAsText(superseded.summary)).toContain(`superseded by deploy ${NEWER}`);
    expect(mutations(railway)).toEqual([]);

    const alone = await emulator({ deployments: [...history(), ours('BUILDING')] });
    alone.script(OURS, ['REMOVED']);
    const canceled = await job(BROKEN).run('main', inputs(alone, svc, { checks: '' }));
    expect(canceled.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'deploy-canceled',
      'deploy-status': 'REMOVED',
      'rolled-back': 'false',
    });
    expect(canceled.exitCode).toBe(1);
    expect(summaryAsText(canceled.summary)).toContain(`production still serves version ${OLD_SHA}`);
    expect(mutations(alone)).toEqual([]);
    expect(railway.violations).toEqual([]);
    expect(alone.violations).toEqual([]);
  });

  it('a newer deployment during verification is superseded: a warning, no rollback', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    railway.script(OURS, ['DEPLOYING', 'SUCCESS'], {
      onSuccess: async () => {
        await svc.restart({ version: SHA, faults: 'degraded' });
        railway.addDeployment({
          id: NEWER,
          status: 'BUILDING',
          createdAt: new Date().toISOString(),
          commitHash: NEWER_SHA,
        });
      },
    });
    // Ours is degraded, but a newer deployment replaces it: rolling back would undo the newer one.
    const run = await job(BROKEN).run('main', inputs(railway, svc));
    expect(run.outputs).toMatchObject({ result: 'superseded', 'failure-reason': '', 'rolled-back': 'false' });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`::warning title=Deploy Sentinel%3A superseded::.*${NEWER}`));
    expect(mutations(railway)).toEqual([]);
    expect(railway.violations).toEqual([]);
  });

  it('SLEEPING counts as live: the first probe wakes the service, within the warm-up', async () => {
    const svc = await service({ version: SHA, databaseUrl: postgres.url, faults: 'warmup=1500' });
    const previous = history().map((d) => ({ ...d, status: 'REMOVED' as const }));
    const railway = await emulator({ deployments: [...previous, ours('SLEEPING')] });
    const run = await job(HEALTHY).run('main', inputs(railway, svc, { checks: '' }));
    expect(run.outputs).toMatchObject({
      result: 'passed',
      'deploy-id': OURS,
      'deploy-status': 'SLEEPING',
      version: SHA,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/sleep/i);
    expect(mutations(railway)).toEqual([]);
    expect(railway.violations).toEqual([]);
  });

  it('rollback-failed when no earlier deployment can be rolled back to (canRollback false everywhere)', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator({ deployments: [...history({ canRollback: false }), ours()] });
    railway.script(OURS, ['DEPLOYING', 'SUCCESS'], {
      onSuccess: () => svc.restart({ version: SHA, faults: 'degraded' }),
    });
    // Live and failing, but Railway can roll back to none of the earlier deployments: no call is right.
    const run = await job(BROKEN).run('main', inputs(railway, svc));
    expect(run.outputs).toMatchObject({
      result: 'rollback-failed',
      'failure-reason': 'health-schema',
      'rolled-back': 'false',
      'rollback-deploy-id': '',
    });
    expect(run.exitCode).toBe(1);
    // Why: the earlier deployments were live, but Railway can no longer roll back to them.
    expect(run.report?.failureMessage).toMatch(
      /canRollback|can(not| no longer|'t) be rolled back|image|retention/i,
    );
    expect(run.report?.failureMessage).not.toContain('no earlier deploy of this service was live');
    // What to do.
    expect(section(summaryAsText(run.summary), 'Rollback')).toMatch(/fix forward|redeploy|by hand/i);
    expect(sent(railway, 'deploymentRollback')).toEqual([]);
    expect(railway.violations).toEqual([]);
  });

  it('dry-run prints the exact rollback call and sends nothing', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    railway.script(OURS, ['DEPLOYING', 'SUCCESS'], {
      onSuccess: () => svc.restart({ version: SHA, faults: 'degraded' }),
    });
    const run = await job(BROKEN).run('main', inputs(railway, svc, { rollback: 'dry-run' }));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'health-schema',
      'rolled-back': 'false',
      'rollback-deploy-id': '',
    });
    expect(run.exitCode).toBe(1);
    const line = run.stdout
      .split('\n')
      .find((l) => l.includes(`dry-run: would roll back to ${PREVIOUS} (commit ${OLD_SHA.slice(0, 12)})`));
    expect(line).toBeDefined();
    expect(line).toContain('deploymentRollback');
    expect(line).toContain(railway.url);
    expectNoSelectionOnRollback(line!);
    expect(summaryAsText(run.summary)).toContain('Nothing was sent');
    const rollback = run.report?.rollback as { performed: boolean; targetId: string; call: string };
    expect(rollback).toMatchObject({ performed: false, targetId: PREVIOUS });
    expect(rollback.call).toContain('deploymentRollback');
    expect(rollback.call).toContain(PREVIOUS);
    expect(mutations(railway)).toEqual([]);
    expect(railway.violations).toEqual([]);
    expectNoLeak(run, TOKEN);
  });

  it('triggers the deployment with deploy: true through serviceInstanceDeployV2', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator({ deployments: history() });
    const triggers: { commitSha?: string; serviceId: string; environmentId: string; mutation: string }[] = [];
    railway.onDeployTriggered(async (request) => {
      triggers.push(request);
      return {
        deploymentId: TRIGGERED,
        statuses: ['BUILDING', 'DEPLOYING', 'SUCCESS'],
        onSuccess: () => svc.restart({ version: SHA }),
      };
    });
    const runner = await jobWithRepository(HEALTHY);
    await runner.run('pre', inputs(railway, svc));
    const run = await runner.run('main', inputs(railway, svc, { deploy: 'true' }));
    expect(run.outputs).toMatchObject({
      result: 'passed',
      'deploy-id': TRIGGERED,
      'deploy-status': 'SUCCESS',
      version: SHA,
    });
    expect(triggers).toEqual([
      { mutation: 'serviceInstanceDeployV2', serviceId: SERVICE_ID, environmentId: ENV_ID, commitSha: SHA },
    ]);
    const sentMutations = mutations(railway);
    expect(sentMutations).toHaveLength(1);
    expect(sentMutations[0]?.fields).toEqual(['serviceInstanceDeployV2']);
    expect(sentMutations[0]?.errors).toEqual([]);
    expect(railway.violations).toEqual([]);
  });

  it('follows the deployment named by deploy-id, even when a newer one of the same commit exists', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator({
      deployments: [
        ...history(),
        ours('QUEUED'),
        { id: NEWER, status: 'FAILED', createdAt: at(0.5), commitHash: SHA },
      ],
    });
    railway.script(OURS, ['BUILDING', 'SUCCESS'], { onSuccess: () => svc.restart({ version: SHA }) });
    const run = await job(HEALTHY).run('main', inputs(railway, svc, { 'deploy-id': OURS, checks: '' }));
    expect(run.outputs).toMatchObject({ result: 'passed', 'deploy-id': OURS, 'deploy-status': 'SUCCESS' });
    expect(railway.requests.some((r) => r.fields.includes('deployment') && names(r, OURS))).toBe(true);
    expect(railway.requests.some((r) => names(r, NEWER))).toBe(false);
    expect(railway.violations).toEqual([]);
  });

  it('matches meta.commitHash by prefix, and the newest deployment of the commit wins', async () => {
    const svc = await service({ version: SHA, databaseUrl: postgres.url });
    const railway = await emulator({
      deployments: [
        ...history(),
        { id: OURS_EARLIER, status: 'FAILED', createdAt: at(30), commitHash: SHA },
        ours('SUCCESS'),
      ],
    });
    const run = await job(HEALTHY).run(
      'main',
      inputs(railway, svc, { commit: SHA.slice(0, 12), checks: '' }),
    );
    expect(run.outputs).toMatchObject({ result: 'passed', 'deploy-id': OURS, 'deploy-status': 'SUCCESS' });
    const lists = sent(railway, 'deployments');
    expect(lists.length).toBeGreaterThan(0);
    // Listed for this service in this environment.
    expect(lists.every((r) => names(r, SERVICE_ID) && names(r, ENV_ID))).toBe(true);
    expect(railway.violations).toEqual([]);
  });

  it('a deployment that never appears ends at the timeout, naming the commit and the service', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator({ deployments: history() });
    const run = await job(BROKEN).run('main', inputs(railway, svc, { timeout: '3s' }));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'deploy-not-found',
      'deploy-id': '',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    const message = run.report?.failureMessage ?? '';
    expect(message).toContain(SHA.slice(0, 12));
    expect(message).toContain(SERVICE_NAME);
    expect(message).toContain(SERVICE_ID);
    expect(run.durationMs).toBeLessThan(12_000);
    expect(sent(railway, 'deployments').length).toBeGreaterThan(1);
    expect(httpRequests(railway.requests).length).toBeLessThanOrEqual(12);
    expect(mutations(railway)).toEqual([]);
    expect(railway.violations).toEqual([]);
  });

  it.each([
    ['a wrong token', { 'api-token': WRONG_TOKEN }, undefined],
    ['Not Authorized on HTTP 200', { 'api-token-type': 'account' }, 'Not Authorized'],
  ])('%s is a config-class failure naming api-token, with no rollback', async (_name, extra, inject) => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    railway.script(OURS, ['SUCCESS'], { onSuccess: () => svc.restart({ version: SHA, faults: 'degraded' }) });
    if (inject) railway.graphqlErrorsNext(1, inject);
    // The deployment is degraded once live, but with a token that does not work nothing can be proven, and a
    // configuration error never rolls back.
    const run = await job(BROKEN).run('main', inputs(railway, svc, extra));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'config-error',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    const text = summaryAsText(run.summary);
    expect(text).toContain('input `api-token`');
    expect(text).toContain('Fix:');
    expect(text).toContain('not considered: the configuration is wrong');
    expect(mutations(railway)).toEqual([]);
    expect(httpRequests(railway.requests).length).toBeLessThanOrEqual(3);
    expect(railway.violations).toEqual([]);
    expectNoLeak(run, TOKEN);
    expectNoLeak(run, WRONG_TOKEN);
  });

  it('a GraphQL errors array on HTTP 200 is an error, quoted in the summary', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    railway.graphqlErrorsNext(5, 'Problem processing request: upstream timed out');
    // The API fails: nothing about our (still queued) deployment can be proven.
    const run = await job(BROKEN).run('main', inputs(railway, svc, { 'api-token-type': 'account' }));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'provider-error',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    expect(summaryAsText(run.summary)).toContain('Problem processing request: upstream timed out');
    expect(mutations(railway)).toEqual([]);
    expect(railway.violations).toEqual([]);
  });

  it.each([
    ['a per-second burst (hourly quota left)', { 'Retry-After': '2', 'X-RateLimit-Remaining': '998' }],
    // The emulator's default 429: X-RateLimit-Remaining 0, X-RateLimit-Reset at the end of the hour window.
    ["X-RateLimit-Remaining 0 (the emulator's default 429)", { 'Retry-After': '2' }],
  ])('honours 429 Retry-After from the API: %s', async (_name, headers) => {
    const svc = await service({ version: SHA, databaseUrl: postgres.url });
    const previous = history().map((d) => ({ ...d, status: 'REMOVED' as const }));
    const railway = await emulator({ deployments: [...previous, ours('SUCCESS')] });
    railway.failNext(1, 429, headers);
    const run = await job(HEALTHY).run('main', inputs(railway, svc, { checks: '' }));
    expect(run.outputs).toMatchObject({ result: 'passed', 'deploy-id': OURS });
    const http = httpRequests(railway.requests);
    expect(http[0]?.status).toBe(429);
    expect(http[1]?.status).toBe(200);
    const gap = (http[1]?.at ?? 0) - (http[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(1900);
    expect(gap).toBeLessThan(6000);
    expect(run.stdout).toMatch(/rate.limited/i);
    expect(railway.violations).toEqual([]);
  });

  it.each([
    ['auto', 'project', 'Project-Access-Token'],
    ['project', 'project', 'Project-Access-Token'],
    ['account', 'account', 'Authorization'],
  ] as const)(
    'api-token-type %s with token kind %s: sent as %s over HTTP and the socket',
    async (tokenType, tokenKind, header) => {
      const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
      const railway = await emulator({ tokenKind });
      railway.script(OURS, ['BUILDING', 'DEPLOYING', 'SUCCESS'], {
        onSuccess: () => svc.restart({ version: SHA }),
      });
      const run = await job(HEALTHY).run(
        'main',
        inputs(railway, svc, { 'api-token-type': tokenType, checks: '' }),
      );
      expect(run.outputs).toMatchObject({ result: 'passed', 'deploy-id': OURS });
      const http = httpRequests(railway.requests);
      const detection = http.findIndex((r) => r.fields.includes('projectToken') && r.errors.length === 0);
      if (tokenType === 'auto') expect(detection).toBeGreaterThanOrEqual(0);
      if (tokenType === 'account') expect(sent(railway, 'projectToken')).toEqual([]);
      // Once the kind is known, every request carries the token in the right header.
      expect(http.slice(Math.max(0, detection)).every((r) => r.auth === header)).toBe(true);
      const [subscription] = subscriptionsTo(railway, OURS);
      expect(subscription?.auth).toBe(header);
      expect(subscription?.errors).toEqual([]);
      expect(JSON.stringify(railway.requests)).not.toContain(TOKEN);
      expect(railway.violations).toEqual([]);
      expectNoLeak(run, TOKEN);
    },
  );

  it('a deployment already SUCCESS at the start passes at once, without waiting for a push', async () => {
    // Whether Railway's `deployment` subscription first repeats the current state is not documented; a
    // settled deployment must not depend on it.
    const svc = await service({ version: SHA, databaseUrl: postgres.url });
    const previous = history().map((d) => ({ ...d, status: 'REMOVED' as const }));
    const railway = await emulator({ deployments: [...previous, ours('SUCCESS')], pushInitialStatus: false });
    const run = await job(HEALTHY).run('main', inputs(railway, svc, { checks: '' }));
    expect(run.outputs).toMatchObject({ result: 'passed', 'deploy-id': OURS, 'deploy-status': 'SUCCESS' });
    expect(run.durationMs).toBeLessThan(10_000); // the timeout is 20 s
    expect(railway.violations).toEqual([]);
  });

  it.each([
    ['an unknown service', { 'service-id': 'a9a9a9a9-0000-4000-8000-00000000dead' }, 'service-id'],
    [
      'an unknown environment',
      { 'environment-id': 'a9a9a9a9-0000-4000-8000-00000000beef' },
      'environment-id',
    ],
    ['an unknown deploy-id', { 'deploy-id': 'a9a9a9a9-0000-4000-8000-00000000f00d' }, 'deploy-id'],
  ])('%s is a config-class failure naming the input, with no rollback', async (_name, extra, input) => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    // A configuration error; and our deployment stays QUEUED, the service on the old commit: nothing to pass.
    const run = await job(BROKEN).run('main', inputs(railway, svc, extra));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'config-error',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    const text = summaryAsText(run.summary);
    expect(text).toContain(`\`${input}\``);
    expect(text).toContain('Fix:');
    expect(text).toContain('not considered: the configuration is wrong');
    expect(mutations(railway)).toEqual([]);
    expect(railway.violations).toEqual([]);
  });

  it('deploy: true that Railway refuses is a provider error quoting Railway', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator({ deployments: history() });
    railway.onDeployTriggered(async () => ({ error: 'Service has no source repository to deploy from' }));
    // No deployment is made: nothing to pass, nothing to roll back.
    const run = await job(BROKEN).run('main', inputs(railway, svc, { deploy: 'true' }));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'provider-error',
      'deploy-id': '',
      'rolled-back': 'false',
    });
    expect(summaryAsText(run.summary)).toContain('Service has no source repository to deploy from');
    // A mutation is never sent twice: Railway may have acted on it.
    expect(sent(railway, 'serviceInstanceDeployV2')).toHaveLength(1);
    expect(railway.violations).toEqual([]);
  });

  it('a rollback Railway refuses is rollback-failed, with the call for the human on call', async () => {
    const svc = await service({ version: OLD_SHA, databaseUrl: postgres.url });
    const railway = await emulator();
    railway.script(OURS, ['DEPLOYING', 'SUCCESS'], {
      onSuccess: () => svc.restart({ version: SHA, faults: 'degraded' }),
    });
    railway.onRollback(async () => ({ error: 'Deployment image has expired' }));
    const run = await job(ROLL_BACK).run('main', inputs(railway, svc));
    expect(run.outputs).toMatchObject({
      result: 'rollback-failed',
      'failure-reason': 'health-schema',
      'rolled-back': 'false',
      'rollback-deploy-id': '',
    });
    expect(run.exitCode).toBe(1);
    const text = summaryAsText(run.summary);
    expect(text).toContain('Deployment image has expired');
    expect(text).toContain('roll back by hand');
    expect(text).toContain(`deploymentRollback(id: "${PREVIOUS}")`);
    expect(sent(railway, 'deploymentRollback')).toHaveLength(1);
    expect(railway.violations).toEqual([]);
    expectNoLeak(run, TOKEN);
  });

  it("without `url`, probes https:// plus the service's Railway domain", async () => {
    const svc = await service({ version: SHA, databaseUrl: postgres.url });
    const previous = history().map((d) => ({ ...d, status: 'REMOVED' as const }));
    const railway = await emulator({ deployments: [...previous, ours('SUCCESS')] });
    // The Railway domain cannot be reached from here: no evidence, and `rollback: never`.
    const run = await job(BROKEN).run('main', {
      ...inputs(railway, svc, { checks: '', timeout: '3s', rollback: 'never' }),
      url: '',
    });
    expect(run.outputs.url).toBe(`https://${DOMAIN}`);
    expect(run.outputs).toMatchObject({ result: 'failed', 'deploy-id': OURS, 'rolled-back': 'false' });
    expect(run.report?.failureMessage).toContain(DOMAIN);
    expect(mutations(railway)).toEqual([]);
    expect(railway.violations).toEqual([]);
  });
});
