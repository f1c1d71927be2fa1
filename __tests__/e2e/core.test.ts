/**
 * End-to-end: the committed dist/ bundle, run the way the runner runs it, against the example service.
 * Each case asserts the exact `result` and `failure-reason` outputs and that the summary names the
 * failing field or probe.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Job } from '../../test-kit/runner/job.js';
import type { Truth } from '../../test-kit/ground-truth.js';
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

const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
// `soak` (default 30s) has its own tests; here a pass is final at once.
const fast = { timeout: '20s', interval: '200ms', 'request-timeout': '2s', soak: '0s' };

let postgres: EmbeddedPostgres;
const services: ExampleService[] = [];
async function service(options: Parameters<typeof startExampleService>[0]): Promise<ExampleService> {
  const started = await startExampleService({ smokePassword: 'pw-for-smoke', ...options });
  services.push(started);
  return started;
}
const env = { SMOKE_PASSWORD: 'pw-for-smoke' };
/**
 * A job of the example repository (checked out before main); no GitHub API, so no token. `deploy` is the
 * truth of its main: every case here is URL mode, where nothing can be rolled back.
 */
const job = (deploy: Truth['deploy']) =>
  new Job({ repository: DEMO_REPOSITORY, github: { sha: SHA }, env, truth: { deploy, rollback: 'n/a' } });
const repositories: Repository[] = [];
/** The example repository on the GitHub emulator, for a `pre` that reads checks.yml before checkout. */
async function repository(): Promise<Repository> {
  const started = await startRepository({ sha: SHA });
  repositories.push(started);
  return started;
}

beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
}, POSTGRES_SETUP_TIMEOUT_MS);
afterEach(async () => {
  const started = repositories.splice(0);
  try {
    for (const { github } of started) expect(github.violations).toEqual([]);
  } finally {
    await Promise.all(started.map((r) => r.close()));
  }
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await postgres?.stop();
});

describe('dist/main against the example service', () => {
  it('passes a good deploy on PostgreSQL, with the checks and the schema', async () => {
    const svc = await service({ version: 'previous', databaseUrl: postgres.url });
    const repo = await repository();
    const runner = repo.job({ env, truth: { deploy: 'healthy', rollback: 'n/a' } });
    const inputs = {
      url: svc.url,
      'expect-version': SHA.slice(0, 7),
      'health-schema': 'health-schema.yaml',
      checks: 'checks.yml',
      ...fast,
    };
    expect((await runner.run('pre', inputs)).exitCode).toBe(0);
    // pre ran before checkout: it read checks.yml through the contents API, at the job's commit.
    expect(contentsReads(repo.github)).toEqual([
      `GET /repos/acme/shop/contents/checks.yml?ref=${SHA} -> 200`,
    ]);
    await svc.restart({ version: SHA });
    const run = await runner.run('main', inputs);
    expect(run.outputs).toMatchObject({
      result: 'passed',
      'failure-reason': '',
      version: SHA,
      'rolled-back': 'false',
    });
    expect(run.exitCode).toBe(0);
    expect(run.summary).toContain('Deploy verified');
    expect(run.summary).toContain('login, then notes round-trip');
    expect(run.summary).toContain('```mermaid');
    expect(run.report?.probes.map((p) => [p.name, p.passed])).toEqual([
      ['health /health', true],
      ['canary survives the deploy', true],
      ['home page', true],
      ['login, then notes round-trip', true],
    ]);
    expect((await runner.run('post', inputs)).stdout).toContain('canary deleted');
    expect(await noteCount(svc)).toBe(0);
  });

  it('F1: fails a silent fallback to SQLite and names /database/type', async () => {
    const svc = await service({
      version: SHA,
      databaseUrl: 'postgres://postgres:postgres@127.0.0.1:1/postgres',
    });
    const run = await job('broken').run('main', {
      url: svc.url,
      'expect-version': SHA,
      'health-schema': 'health-schema.yaml',
      ...fast,
    });
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'health-schema' });
    expect(run.exitCode).toBe(1);
    expect(run.summary).toContain('/database/type must be "postgresql" but was "sqlite"');
    expect(run.stdout).toContain('::error');
  });

  it('F2: fails when the canary written before the deploy is gone after it', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'f2-')), 'notes.json');
    const svc = await service({ version: 'old', dataFile });
    const runner = job('broken');
    const inputs = { url: svc.url, checks: CANARY_CHECKS, ...fast };
    const pre = await runner.run('pre', inputs);
    expect(pre.exitCode).toBe(0);
    await svc.restart({ version: SHA, faults: 'ephemeral' });
    const run = await runner.run('main', inputs);
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'canary-lost' });
    expect(run.summary).toContain('canary');
    expect(run.report?.probes.find((p) => p.kind === 'canary')?.failure).toMatch(/404/);
  });

  it('F2 control: a canary that survives passes, and post deletes it', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'f2ok-')), 'notes.json');
    const svc = await service({ version: 'old', dataFile });
    const runner = job('healthy');
    const inputs = { url: svc.url, checks: CANARY_CHECKS, ...fast };
    await runner.run('pre', inputs);
    expect(await noteCount(svc)).toBe(1);
    await svc.restart({ version: SHA });
    const run = await runner.run('main', inputs);
    expect(run.outputs.result).toBe('passed');
    const post = await runner.run('post', inputs);
    expect(post.exitCode).toBe(0);
    expect(await noteCount(svc)).toBe(0);
  });

  it('F2: a canary written to the new version itself proves nothing, and fails as not proven', async () => {
    const svc = await service({
      version: SHA,
      dataFile: join(mkdtempSync(join(tmpdir(), 'f2late-')), 'n.json'),
    });
    // The service keeps its data, but the persistence a pass needs cannot be proven: broken.
    const runner = job('broken');
    const inputs = { url: svc.url, checks: CANARY_CHECKS, 'expect-version': SHA, ...fast };
    await runner.run('pre', inputs); // the deploy already happened before the job: pre sees SHA
    const run = await runner.run('main', inputs);
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'canary-unverified' });
    expect(run.report?.probes.find((p) => p.kind === 'canary')?.failure).toMatch(
      /persistence not proven: the canary was written when the service already reported 3f9c2e1/,
    );
  });

  it('F3: fails a login check that gets "invalid credentials"', async () => {
    const svc = await service({ version: SHA, faults: 'bad-credentials' });
    const run = await job('broken').run('main', { url: svc.url, checks: LOGIN_CHECKS, ...fast });
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'check-failed' });
    expect(run.summary).toContain('login round-trip');
    expect(run.summary).toMatch(/status 401, expected 200/);
  });

  it('F4: waits out a 503 warm-up and passes', async () => {
    const svc = await service({ version: SHA, faults: 'warmup=1500' });
    const run = await job('healthy').run('main', { url: svc.url, 'expect-version': SHA, ...fast });
    expect(run.outputs).toMatchObject({ result: 'passed', version: SHA });
    expect(run.stdout).toMatch(/waiting for the service to become ready/);
  });

  it('F4: a warm-up longer than the timeout fails as not-ready within the timeout', async () => {
    const svc = await service({ version: SHA, faults: 'warmup=60000' });
    const run = await job('broken').run('main', {
      url: svc.url,
      'expect-version': SHA,
      ...fast,
      timeout: '2s',
    });
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'not-ready' });
    expect(run.summary).toContain('answered 503');
    expect(run.durationMs).toBeLessThan(2000 + 3000);
  });

  it('F5: fails a degraded service on status', async () => {
    const svc = await service({ version: SHA, faults: 'degraded' });
    const run = await job('broken').run('main', {
      url: svc.url,
      'health-schema': 'health-schema.yaml',
      ...fast,
    });
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'health-schema' });
    expect(run.summary).toContain('/status must be "ok" but was "degraded"');
  });

  it('F7: fails when the old version keeps answering', async () => {
    // The old release's commit: a version written like the expected one (a non-hex name would be a
    // configuration mistake, config-error, since bc6df3c).
    const svc = await service({ version: SHA, faults: 'stale-version=0ab0ab0' });
    const run = await job('broken').run('main', {
      url: svc.url,
      'expect-version': SHA,
      ...fast,
      timeout: '2s',
    });
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'version-mismatch',
      version: '0ab0ab0',
    });
    expect(run.summary).toContain('reports version "0ab0ab0"');
    expect(run.summary).toContain(SHA);
  });

  it('F9: names a dead URL and the network error', async () => {
    const run = await job('broken').run('main', { url: 'http://127.0.0.1:1', ...fast, timeout: '2s' });
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'unreachable' });
    expect(run.summary).toContain('http://127.0.0.1:1/health');
    expect(run.summary).toContain('connection refused');
  });

  it('never passes a flapping service on a single lucky response', async () => {
    const svc = await service({ version: SHA, faults: 'flaky=2' });
    const run = await job('broken').run('main', { url: svc.url, ...fast, timeout: '3s' });
    expect(run.outputs.result).toBe('failed');
    expect(run.outputs['failure-reason']).toBe('unstable');
    expect(run.summary).toContain('never 2 in a row');
    expect(run.summary).toContain('answered 500');
  });

  it('does not fail a service that hiccups once after going healthy', async () => {
    const svc = await service({ version: SHA, faults: 'blip-at=2' });
    const run = await job('healthy').run('main', { url: svc.url, 'expect-version': SHA, ...fast });
    expect(run.outputs.result).toBe('passed');
  });
});

async function noteCount(svc: ExampleService): Promise<number> {
  const body = (await (await fetch(`${svc.url}/api/notes`)).json()) as { notes: unknown[] };
  return body.notes.length;
}

const CANARY_CHECKS = `
canary:
  write: { request: POST /api/notes, json: { text: 'canary {{ run.nonce }}' }, capture: { id: /id } }
  read: { request: 'GET /api/notes/{{ id }}', expect: { status: 200, json: { /text: 'canary {{ run.nonce }}' } } }
  delete: { request: 'DELETE /api/notes/{{ id }}' }
`;

const LOGIN_CHECKS = `
checks:
  - name: login round-trip
    steps:
      - request: POST /api/login
        json: { email: smoke@example.com, password: '{{ env.SMOKE_PASSWORD }}' }
        expect: { status: 200 }
        capture: { token: /token }
      - request: GET /api/notes
        headers: { Authorization: 'Bearer {{ token }}' }
`;
