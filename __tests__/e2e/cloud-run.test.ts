/**
 * End-to-end with `provider: cloud-run`: the built action (dist/, or the directory
 * DEPLOY_SENTINEL_ACTION_DIR names), run the way the runner runs it, against the Cloud Run + Cloud Logging
 * emulator (which checks every request and response against Google's protos) and the example service,
 * whose restarts are the revisions Cloud Run reports serving. Each case asserts the outputs, the summary
 * and the exact API calls, and that the emulator saw no contract violation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from '../../test-kit/runner/job.js';
import type { Truth } from '../../test-kit/ground-truth.js';
import { ACTION_ROOT } from '../../test-kit/runner/action.js';
import { summaryAsText } from '../../test-kit/summary-text.js';
import {
  startEmbeddedPostgres,
  startExampleService,
  type EmbeddedPostgres,
  type ExampleService,
  type ExampleServiceOptions,
} from '../../test-kit/example-service.js';
import {
  cloudRunLogLines,
  startCloudRunEmulator,
  type CloudRunEmulator,
  type CloudRunEmulatorOptions,
  type CloudRunRecordedRequest,
  type RevisionStep,
} from '../../test-kit/emulators/cloud-run-emulator.js';

/** The action under test: dist/ of this repository, or a private build (see the report of issue #14). */
const ACTION_DIR = process.env.DEPLOY_SENTINEL_ACTION_DIR || ACTION_ROOT;
const DEMO = join(ACTION_ROOT, 'examples', 'demo');

const TOKEN = 'ya29.e2eCloudRunAccessToken0123456789abcdef';
const SERVICE = 'projects/deploy-sentinel/locations/us-central1/services/shop-api';
const OLDER_SHA = '2222222aaaaaaaabbbbbbbbccccccccdddddddd';
const OLD_SHA = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const NEWER_SHA = '9999999aaaaaaaabbbbbbbbccccccccdddddddd';
const OLDER = 'shop-api-00001-old';
const PREVIOUS = 'shop-api-00002-prv';
const OURS = 'shop-api-00003-new';
const NEWER = 'shop-api-00004-nxt';
const TO_LATEST =
  'gcloud run services update-traffic shop-api --region us-central1 --project deploy-sentinel --to-latest';
const fast = { timeout: '20s', interval: '200ms', 'request-timeout': '2s', soak: '0s' };
const env = { SMOKE_PASSWORD: 'pw-for-smoke' };
/** The database URL of a broken release: nothing listens there, so the app falls back to SQLite (F1). */
const NO_DATABASE = 'postgres://postgres:postgres@127.0.0.1:1/postgres';

let postgres: EmbeddedPostgres;
const services: ExampleService[] = [];
const emulators: CloudRunEmulator[] = [];
const dirs: string[] = [];

// Starting the embedded PostgreSQL can take most of 30 s on a loaded machine.
beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
}, 90_000);
afterEach(async () => {
  await Promise.all([
    ...emulators.splice(0).map((e) => e.close()),
    ...services.splice(0).map((s) => s.stop()),
  ]);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await postgres?.stop();
});

async function service(options: ExampleServiceOptions = {}): Promise<ExampleService> {
  const started = await startExampleService({
    smokePassword: 'pw-for-smoke',
    version: OLD_SHA,
    databaseUrl: postgres.url,
    ...options,
  });
  services.push(started);
  return started;
}

/**
 * The Cloud Run emulator for service `shop-api` at `svc.url`: an older revision, then the previous one
 * (serving), each labelled with its commit as deploy-cloudrun labels them. When a revision starts serving,
 * the example service restarts on its commit, with the options `releases` gives that commit.
 */
async function emulator(
  svc: ExampleService,
  options: Partial<CloudRunEmulatorOptions> & { releases?: Record<string, ExampleServiceOptions> } = {},
): Promise<CloudRunEmulator> {
  const { releases = {}, ...rest } = options;
  const started = await startCloudRunEmulator({
    tokens: [TOKEN],
    service: 'shop-api',
    serviceUrl: svc.url,
    revisions: [
      { id: OLDER, commit: OLDER_SHA },
      { id: PREVIOUS, commit: OLD_SHA },
    ],
    onServing: (revision) =>
      svc.restart({
        version: revision.commit,
        databaseUrl: postgres.url,
        faults: '',
        ...releases[revision.commit],
      }),
    ...rest,
  });
  emulators.push(started);
  return started;
}

/** Our revision of SHA, deployed as deploy-cloudrun would: `steps` of its Ready condition, one per report. */
function deploy(
  cloudRun: CloudRunEmulator,
  steps: RevisionStep[],
  extra: { traffic?: 'latest' | 'none'; tag?: string } = {},
) {
  return cloudRun.deployRevision({ id: OURS, commit: SHA, steps, ...extra });
}

const reconciling = (n: number): RevisionStep[] => Array.from({ length: n }, () => 'RECONCILING' as const);

const inputs = (cloudRun: CloudRunEmulator, extra: Record<string, string> = {}) => ({
  provider: 'cloud-run',
  'api-token': TOKEN,
  'service-id': SERVICE,
  'api-url': cloudRun.url,
  commit: SHA,
  'expect-version': SHA,
  'health-schema': 'health-schema.yaml',
  checks: 'checks.yml',
  ...fast,
  ...extra,
});

/**
 * A job of the example repository at SHA, checked out before main. `truth` is what is true of its deploy,
 * for the Reliability table (test-kit/ground-truth.ts): healthy with no rollback unless a case says so.
 */
const job = (options: { env?: Record<string, string>; truth?: Truth } = {}) =>
  new Job({
    repository: DEMO,
    github: { sha: SHA },
    env: { ...env, ...options.env },
    actionDir: ACTION_DIR,
    truth: options.truth ?? HEALTHY,
  });
const HEALTHY: Truth = { deploy: 'healthy', rollback: 'wrong' };
/** Broken after it went live: moving the traffic back is right. */
const BROKEN_LIVE: Truth = { deploy: 'broken', rollback: 'right' };
/** Broken, and a rollback is not right (it never went live, dry-run, or a newer revision came). */
const BROKEN_NO_ROLLBACK: Truth = { deploy: 'broken', rollback: 'wrong' };

/** Each call as `RPC target`: the RPC's method (or token endpoint), and the revision or operation it names. */
function calls(requests: readonly CloudRunRecordedRequest[]): string[] {
  return requests.map((r) => {
    const operation = r.operation ?? `${r.method} ${r.path}`;
    // An RPC by its method (`GetService`); a token endpoint by its whole name (`sts.token`).
    const rpc = operation.startsWith('google.') ? operation.split('.').pop() : operation;
    const revision = /\/revisions\/([^/?]+)$/.exec(r.path)?.[1];
    const failed = r.status >= 300 ? ` -> ${r.status}` : '';
    return `${rpc}${revision ? ` ${revision}` : ''}${failed}`;
  });
}

/** Feeds the example service's own output to the emulator as the revision's stdout, as Cloud Run would. */
function shipLogs(cloudRun: CloudRunEmulator, svc: ExampleService, revision: string): void {
  const lines = svc
    .logs()
    .split('\n')
    .filter((line) => line.trim() !== '');
  cloudRun.addLogs(lines.map((text) => ({ log: 'stdout' as const, revision, text })));
}

/** A secret may appear only in the runner's own `::add-mask::` command, which is how it gets masked. */
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

describe('the action with provider: cloud-run', () => {
  it('passes the happy path: finds the revision by its commit-sha label, follows it to serving, verifies it', async () => {
    const svc = await service();
    const cloudRun = await emulator(svc);
    // Three reports during the lookup (service, revisions, their traffic), then the first poll sees it ready.
    deploy(cloudRun, [...reconciling(3), 'SUCCEEDED']);
    const run = await job().run('main', inputs(cloudRun, { checks: '' }));
    expect(run.outputs).toMatchObject({
      result: 'passed',
      'failure-reason': '',
      'deploy-id': OURS,
      'deploy-status': 'SERVING',
      url: svc.url,
      version: SHA,
      'rolled-back': 'false',
      'rollback-deploy-id': '',
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      `Cloud Run: verifying deploy ${OURS} (RECONCILING, commit ${SHA.slice(0, 12)}) of shop-api.`,
    );
    expect(run.stdout).toContain(`Cloud Run: last known good deploy is ${PREVIOUS} (SERVING).`);
    expect(run.stdout).toMatch(new RegExp(`Cloud Run deploy ${OURS}: SERVING \\(after .* in RECONCILING\\)`));
    expect(summaryAsText(run.summary)).toContain(`Cloud Run \`${OURS}\` (SERVING)`);
    expect(calls(cloudRun.requests)).toEqual([
      'GetService',
      'ListRevisions',
      'GetService',
      `GetRevision ${OURS}`, // ready: the routing is read with it
      'GetService',
      // After the checks passed: still ready and serving before the verdict.
      `GetRevision ${OURS}`,
      'GetService',
    ]);
    expect(cloudRun.requests[1]?.query).toEqual({ pageSize: '100' });
    expect(cloudRun.requests.every((r) => r.headers.authorization === 'Bearer ***')).toBe(true);
    expect(cloudRun.requests.every((r) => r.principal === 'static:0')).toBe(true);
    expect(cloudRun.violations).toEqual([]);
    expectNoLeak(run, TOKEN);
  });

  it('F8: a revision that fails to start stops at once, is diagnosed, names what production serves, no rollback', async () => {
    const svc = await service();
    const cloudRun = await emulator(svc);
    deploy(cloudRun, ['RECONCILING', { state: 'FAILED' }]);
    cloudRun.addLogs([
      ...cloudRunLogLines.pythonModuleNotFound(OURS),
      ...cloudRunLogLines.containerFailedToStart(OURS),
    ]);
    const run = await job({ truth: BROKEN_NO_ROLLBACK }).run('main', inputs(cloudRun, { timeout: '5m' }));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'deploy-failed',
      'deploy-id': OURS,
      'deploy-status': 'FAILED',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    expect(run.durationMs).toBeLessThan(20_000); // stopped at once, not at the 5-minute timeout
    const text = summaryAsText(run.summary);
    expect(text).toContain(
      `Cloud Run deploy ${OURS} failed at the deploy stage (FAILED: The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable`,
    );
    expect(text).toContain(
      `production still serves version ${OLD_SHA} (deploy ${PREVIOUS}) and it is healthy`,
    );
    expect(text).toContain('A module could not be found');
    expect(text).toContain("No module named 'Back_End'");
    expect(text).toContain('The app never opened its port');
    expect(text).toContain(`not needed: deploy ${OURS} never went live`);
    // The revision list already said FAILED: no status poll, straight to the logs.
    expect(calls(cloudRun.requests)).toEqual(['GetService', 'ListRevisions', 'GetService', 'ListLogEntries']);
    const logs = cloudRun.requests[3]?.body as { resourceNames: string[]; filter: string; orderBy: string };
    expect(logs.resourceNames).toEqual(['projects/deploy-sentinel']);
    expect(logs.orderBy).toBe('timestamp desc');
    expect(logs.filter).toContain(`resource.labels.revision_name="${OURS}"`);
    expect(logs.filter).toContain('log_id("run.googleapis.com/varlog/system")');
    expect(cloudRun.servingRevision()).toBe(PREVIOUS);
    expect(cloudRun.violations).toEqual([]);
    expectNoLeak(run, TOKEN);
  });

  it('F1: a SQLite fallback after the revision went live moves the traffic back and verifies the restored revision', async () => {
    const svc = await service();
    const cloudRun: CloudRunEmulator = await emulator(svc, {
      onServing: async (revision) => {
        const broken = revision.commit === SHA;
        await svc.restart({ version: revision.commit, databaseUrl: broken ? NO_DATABASE : postgres.url });
        // What the broken release prints reaches Cloud Logging as its stdout, as on Cloud Run.
        if (broken) shipLogs(cloudRun, svc, OURS);
      },
    });
    deploy(cloudRun, [...reconciling(3), 'SUCCEEDED']);
    const run = await job({ truth: BROKEN_LIVE }).run('main', inputs(cloudRun, { checks: '' }));
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      'failure-reason': 'health-schema',
      'deploy-id': OURS,
      'rolled-back': 'true',
      'rollback-deploy-id': PREVIOUS,
    });
    expect(run.exitCode).toBe(1);
    const text = summaryAsText(run.summary);
    expect(text).toContain('/database/type must be "postgresql" but was "sqlite"');
    expect(text).toContain(
      `rolled back to ${PREVIOUS} (commit ${OLD_SHA.slice(0, 12)}) as deploy ${PREVIOUS}`,
    );
    expect(text).toContain('the restored deploy passed the health check');
    expect(text).toContain('The app fell back to SQLite');
    expect(text).toContain(
      `Traffic is now pinned to revision ${PREVIOUS}: until someone routes traffic to the latest revision again, new deploys to this service receive no traffic`,
    );
    expect(text).toContain(TO_LATEST);
    const restored = run.report?.probes.filter((p) => p.name.startsWith('Restored deploy: ')) ?? [];
    expect(restored.length).toBeGreaterThan(0);
    expect(restored.every((p) => p.passed)).toBe(true);
    expect(calls(cloudRun.requests)).toEqual([
      'GetService',
      'ListRevisions',
      'GetService',
      `GetRevision ${OURS}`,
      'GetService',
      // The guards: no newer revision, ours still serving; and once more after the random pause.
      'ListRevisions',
      `GetRevision ${OURS}`,
      'GetService',
      'ListRevisions',
      // Read, change traffic, write with the etag read; then the operation, then the restored revision.
      'GetService',
      'UpdateService',
      'GetOperation',
      `GetRevision ${PREVIOUS}`,
      'GetService',
      'ListLogEntries',
    ]);
    const read = cloudRun.requests[9]!;
    const write = cloudRun.requests[10]!;
    expect(write.method).toBe('PATCH');
    expect(write.query).toEqual({ updateMask: 'traffic' });
    const body = write.body as { traffic: unknown; etag: string };
    expect(body.traffic).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: PREVIOUS, percent: 100 },
    ]);
    expect(read.status).toBe(200);
    expect(body.etag).toMatch(/^".+"$/);
    expect(cloudRun.servingRevision()).toBe(PREVIOUS);
    expect(cloudRun.service().traffic).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: PREVIOUS, percent: 100 },
    ]);
    expect(cloudRun.violations).toEqual([]);
    expectNoLeak(run, TOKEN);
  });

  it('a write refused for a stale etag (someone changed the service) is superseded, and not retried', async () => {
    const svc = await service();
    let concurrent = false;
    const cloudRun = await emulator(svc, {
      releases: { [SHA]: { faults: 'degraded' } },
      onServing: async (revision) => {
        await svc.restart({
          version: revision.commit,
          databaseUrl: postgres.url,
          faults: revision.commit === SHA ? 'degraded' : '',
        });
        // From now on someone else keeps changing the service: every read's etag is stale by the write.
        concurrent = revision.commit === SHA;
      },
    });
    cloudRun.tamperResponses('GetService', (body) => {
      if (concurrent) cloudRun.bumpEtag();
      return body;
    });
    deploy(cloudRun, [...reconciling(3), 'SUCCEEDED']);
    const run = await job({ truth: BROKEN_LIVE }).run('main', inputs(cloudRun, { checks: '' }));
    expect(run.outputs).toMatchObject({ result: 'superseded', 'rolled-back': 'false', 'deploy-id': OURS });
    expect(run.exitCode).toBe(0);
    const text = summaryAsText(run.summary);
    expect(text).toContain(
      `Cloud Run refused the rollback to ${PREVIOUS} (commit ${OLD_SHA.slice(0, 12)}) because the service changed while this run decided`,
    );
    expect(text).toContain('ABORTED (409)');
    expect(text).toContain('was not retried');
    const writes = cloudRun.requests.filter((r) => r.operation?.endsWith('UpdateService'));
    expect(writes.map((w) => w.status)).toEqual([409]);
    expect(calls(cloudRun.requests).slice(-3)).toEqual([
      'GetService',
      'UpdateService -> 409',
      'ListLogEntries',
    ]);
    expect(cloudRun.servingRevision()).toBe(OURS);
    expect(cloudRun.violations).toEqual([]);
  });

  it('a newer revision created during verification is superseded: a warning, no rollback', async () => {
    const svc = await service();
    const cloudRun = await emulator(svc, {
      onServing: async (revision) => {
        await svc.restart({ version: revision.commit, databaseUrl: postgres.url, faults: 'degraded' });
        if (revision.commit === SHA) {
          cloudRun.deployRevision({ id: NEWER, commit: NEWER_SHA, steps: reconciling(50) });
        }
      },
    });
    deploy(cloudRun, [...reconciling(3), 'SUCCEEDED']);
    const run = await job({ truth: BROKEN_NO_ROLLBACK }).run('main', inputs(cloudRun, { checks: '' }));
    expect(run.outputs).toMatchObject({ result: 'superseded', 'failure-reason': '', 'rolled-back': 'false' });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`::warning title=Deploy Sentinel%3A superseded::.*${NEWER}`));
    expect(summaryAsText(run.summary)).toContain(
      `a newer deploy (${NEWER}, RECONCILING) was created while this run verified ${OURS}`,
    );
    expect(calls(cloudRun.requests).some((c) => c.startsWith('UpdateService'))).toBe(false);
    // The guard asked for the newest revisions only: one page, then their traffic.
    expect(calls(cloudRun.requests).slice(5, 7)).toEqual(['ListRevisions', 'GetService']);
    expect(cloudRun.violations).toEqual([]);
  });

  it('dry-run prints the exact traffic change and sends nothing', async () => {
    const svc = await service();
    const cloudRun = await emulator(svc, { releases: { [SHA]: { faults: 'degraded' } } });
    deploy(cloudRun, [...reconciling(3), 'SUCCEEDED']);
    const run = await job({ truth: BROKEN_NO_ROLLBACK }).run(
      'main',
      inputs(cloudRun, { checks: '', rollback: 'dry-run' }),
    );
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'health-schema',
      'rolled-back': 'false',
    });
    const call =
      `PATCH ${cloudRun.url}/v2/${SERVICE}?updateMask=traffic ` +
      `{"traffic":[{"type":"TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION","revision":"${PREVIOUS}","percent":100}]} ` +
      `(the service as read, with its etag; gcloud: \`gcloud run services update-traffic shop-api --region us-central1 --project deploy-sentinel --to-revisions ${PREVIOUS}=100\`)`;
    expect(run.stdout).toContain(
      `dry-run: would roll back to ${PREVIOUS} (commit ${OLD_SHA.slice(0, 12)}) with: ${call}`,
    );
    expect(summaryAsText(run.summary)).toContain('Nothing was sent');
    expect(run.report?.rollback).toMatchObject({ performed: false, targetId: PREVIOUS, call });
    expect(calls(cloudRun.requests).some((c) => c.startsWith('UpdateService'))).toBe(false);
    expect(cloudRun.servingRevision()).toBe(OURS);
    expect(cloudRun.violations).toEqual([]);
  });

  it('a ready revision that receives no traffic fails with where traffic is pinned and how to route it', async () => {
    const svc = await service();
    const cloudRun = await emulator(svc);
    deploy(cloudRun, ['RECONCILING', 'SUCCEEDED'], { traffic: 'none' });
    const run = await job({ truth: BROKEN_NO_ROLLBACK }).run('main', inputs(cloudRun));
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'deploy-failed',
      'deploy-status': 'NO_TRAFFIC',
      'rolled-back': 'false',
    });
    const text = summaryAsText(run.summary);
    expect(text).toContain(
      `revision ${OURS} is ready but receives no traffic: all of it goes to revision ${PREVIOUS} (100%) (deployed with --no-traffic, or traffic is pinned to an older revision)`,
    );
    expect(text).toContain(`Route it with \`${TO_LATEST}\` (or \`--to-revisions ${OURS}=100\`)`);
    expect(text).toContain(
      `production still serves version ${OLD_SHA} (deploy ${PREVIOUS}) and it is healthy`,
    );
    expect(calls(cloudRun.requests)).toEqual(['GetService', 'ListRevisions', 'GetService', 'ListLogEntries']);
    expect(cloudRun.violations).toEqual([]);
  });

  it('verifies a tagged revision without traffic at its tag URL', async () => {
    const svc = await service();
    const candidate = await service({ version: SHA });
    const cloudRun = await emulator(svc, { tagUrl: () => candidate.url });
    // deploy-cloudrun (gcloud) waits until the revision is ready: ready by the first read.
    deploy(cloudRun, ['SUCCEEDED'], { traffic: 'none', tag: 'candidate' });
    const run = await job().run('main', inputs(cloudRun, { checks: '' }));
    expect(run.outputs).toMatchObject({
      result: 'passed',
      'deploy-id': OURS,
      'deploy-status': 'TAGGED',
      url: candidate.url,
      version: SHA,
    });
    expect(run.stdout).toContain(
      `Cloud Run: revision ${OURS} receives no traffic; it is verified at the URL of its tag "candidate", ${candidate.url}`,
    );
    expect(cloudRun.servingRevision()).toBe(PREVIOUS);
    expect(cloudRun.violations).toEqual([]);
  });

  it.each([
    [
      'a missing permission (403 PERMISSION_DENIED)',
      { deniedPermissions: ['run.services.get'] },
      {},
      ['the permission run.services.get', 'roles/run.viewer', 'input `api-token`'],
      'GetService -> 403',
    ],
    [
      'an unknown service (404 NOT_FOUND)',
      {},
      { 'service-id': 'projects/deploy-sentinel/locations/us-central1/services/nope' },
      [
        'Cloud Run does not know service projects/deploy-sentinel/locations/us-central1/services/nope',
        'input `service-id`',
      ],
      'GetService -> 404',
    ],
  ])('%s is a config-class failure with no rollback', async (_name, options, override, texts, call) => {
    const svc = await service();
    const cloudRun = await emulator(svc, options);
    const run = await job().run('main', { ...inputs(cloudRun), ...override });
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'config-error',
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(1);
    const text = summaryAsText(run.summary);
    for (const expected of texts) expect(text).toContain(expected);
    expect(text).toContain('Fix:');
    expect(text).toContain('not considered: the configuration is wrong');
    expect(calls(cloudRun.requests)).toEqual([call]);
    expect(cloudRun.violations).toEqual([]);
    expectNoLeak(run, TOKEN);
  });

  it('honours 429 RESOURCE_EXHAUSTED with its Retry-After', async () => {
    const svc = await service({ version: SHA });
    const cloudRun = await emulator(svc, {
      revisions: [
        { id: PREVIOUS, commit: OLD_SHA },
        { id: OURS, commit: SHA },
      ],
    });
    cloudRun.failNext(1, 429, { rpc: 'GetService' });
    const run = await job().run('main', inputs(cloudRun, { checks: '' }));
    expect(run.outputs).toMatchObject({ result: 'passed', 'deploy-id': OURS, 'deploy-status': 'SERVING' });
    expect(calls(cloudRun.requests).slice(0, 2)).toEqual(['GetService -> 429', 'GetService']);
    expect((cloudRun.requests[1]?.at ?? 0) - (cloudRun.requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(run.stdout).toContain('rate limited by Cloud Run');
    expect(cloudRun.violations).toEqual([]);
  });

  it('authenticates with Application Default Credentials: a Workload Identity Federation file, through STS', async () => {
    const audience =
      '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/providers/github';
    const account = 'deploy-sentinel@deploy-sentinel.iam.gserviceaccount.com';
    const oidc = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"repo:acme/shop:ref:refs/heads/main"}').toString('base64url')}.sig`;
    const svc = await service({ version: SHA });
    const cloudRun = await emulator(svc, {
      tokens: [],
      workloadIdentity: [{ audience, subjectTokens: [oidc] }],
      serviceAccounts: [{ email: account }],
      revisions: [
        { id: PREVIOUS, commit: OLD_SHA },
        { id: OURS, commit: SHA },
      ],
    });
    // What google-github-actions/auth writes for Workload Identity Federation.
    const dir = mkdtempSync(join(tmpdir(), 'cloud-run-adc-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'oidc-token'), oidc);
    const credentials = join(dir, 'gha-creds-0123456789abcdef.json');
    writeFileSync(
      credentials,
      JSON.stringify({
        type: 'external_account',
        audience,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: cloudRun.stsUrl,
        service_account_impersonation_url: cloudRun.impersonationUrl(account),
        credential_source: { file: join(dir, 'oidc-token'), format: { type: 'text' } },
      }),
    );
    const run = await job({ env: { GOOGLE_APPLICATION_CREDENTIALS: credentials } }).run(
      'main',
      inputs(cloudRun, { 'api-token': '', checks: '' }),
    );
    expect(run.outputs).toMatchObject({ result: 'passed', 'deploy-id': OURS });
    expect(calls(cloudRun.requests)).toEqual([
      'sts.token',
      'iamcredentials.generateAccessToken',
      'GetService',
      'ListRevisions',
      'GetService',
      `GetRevision ${OURS}`,
      'GetService',
    ]);
    const api = cloudRun.requests.filter((r) => r.operation?.startsWith('google.'));
    expect(api.every((r) => r.principal === `serviceAccount:${account}`)).toBe(true);
    // The access token was masked the moment it existed, and appears nowhere else.
    const masked = run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::ya29.'));
    expect(masked.length).toBeGreaterThan(0);
    expectNoLeak(run, masked[0]!.slice('::add-mask::'.length));
    expect(cloudRun.violations).toEqual([]);
  });

  it('without api-token or credentials, stops at a configuration error that shows both ways, before any request', async () => {
    const svc = await service();
    const cloudRun = await emulator(svc);
    const run = await job({ env: { HOME: mkdtempSync(join(tmpdir(), 'cloud-run-home-')) } }).run(
      'main',
      inputs(cloudRun, { 'api-token': '' }),
    );
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'config-error' });
    const text = summaryAsText(run.summary);
    expect(text).toContain('no Application Default Credentials were found');
    expect(text).toContain('token_format: access_token');
    expect(text).toContain('GOOGLE_APPLICATION_CREDENTIALS');
    expect(cloudRun.requests).toEqual([]);
  });

  it('soak: a revision that stops being ready while it is watched is rolled back', async () => {
    const svc = await service();
    const cloudRun = await emulator(svc, {
      onServing: async (revision) => {
        await svc.restart({ version: revision.commit, databaseUrl: postgres.url });
        // Once it serves, the revision stays ready for a few more reports (the verification's), then fails
        // as a revision that runs out of memory on its instances does.
        if (revision.commit === SHA) {
          cloudRun.script(OURS, [
            ...Array.from({ length: 6 }, () => 'SUCCEEDED' as const),
            {
              state: 'FAILED',
              message:
                'Memory limit of 512 MiB exceeded with 530 MiB used. Consider increasing the memory limit.',
            },
          ]);
        }
      },
    });
    deploy(cloudRun, [...reconciling(3), 'SUCCEEDED']);
    const run = await job({ truth: BROKEN_LIVE }).run('main', inputs(cloudRun, { checks: '', soak: '5s' }));
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      'failure-reason': 'deploy-failed',
      'rolled-back': 'true',
      'rollback-deploy-id': PREVIOUS,
    });
    const text = summaryAsText(run.summary);
    expect(text).toMatch(
      new RegExp(`Cloud Run deploy ${OURS} stopped serving during the soak, .* it is FAILED now`),
    );
    expect(text).toContain('The process ran out of memory');
    expect(text).toContain(`rolled back to ${PREVIOUS}`);
    expect(cloudRun.servingRevision()).toBe(PREVIOUS);
    expect(calls(cloudRun.requests).filter((c) => c === 'UpdateService')).toHaveLength(1);
    expect(cloudRun.violations).toEqual([]);
  });
});
