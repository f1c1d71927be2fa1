/**
 * Fault suite, provider side: dist/main with `provider: render` and `provider: railway` against the API
 * emulators, behind a proxy that records every call (and breaks the answers the emulators cannot), with
 * the example service as what the deploys run. Every case goes through `judge`: the exact result and
 * failure-reason, the run ends within its budget plus a margin (`timeout`, twice that once a rollback gets
 * its own), peak RSS under 150 MB, no pass the evidence does not support, a rollback call only for a deploy
 * that went live and then failed (and never sent twice), and no secret (the API token, the GitHub token, a
 * `headers` value, a captured value) in stdout, the summary, the outputs, the JSON report or the PR
 * comment and check run. The cases are recorded for the README's Reliability table.
 */
import { afterAll, afterEach, beforeAll, describe, expect } from '@jest/globals';
import { Job, type StepRun } from '../../test-kit/runner/job.js';
import { startExampleService, type ExampleService } from '../../test-kit/example-service.js';
import {
  judge,
  ReliabilityLedger,
  startFaultProxy,
  type CaseExpectation,
  type CaseRecord,
  type FaultProxy,
  type ProxiedRequest,
} from '../helpers/fault-kit.js';
import { deploymentStatusEvent } from '../helpers/events.js';
import {
  PERMISSIVE_PERMISSIONS,
  startGitHubEmulator,
  type GitHubEmulator,
} from '../../test-kit/emulators/github-emulator.js';
import { startRailwayEmulator, type RailwayEmulator } from '../../test-kit/emulators/railway-emulator.js';
import { startRenderEmulator, type RenderEmulator } from '../../test-kit/emulators/render-emulator.js';

// Random-looking, so that no piece of them shows up by chance (the scan looks for pieces too).
const RENDER_TOKEN = 'rnd_Xp5gH2kT8vB1mQ7zL4cR9wN3';
const RAILWAY_TOKEN = 'rwy-Fd8kM3qW6zJ1tY9pB4vH7xC2';
const GITHUB_TOKEN = 'ghs_Lm4rT9xV2bK7pQ1zN6wC3hJ8yD5fG0e';
const HEADER_SECRET = 'hdr-Wq3nB8tZ5kM1vR7xL2pD';
const CAPTURED_SECRET = 'cap-Yc6hJ1sF9mT4qK8wN3zV';
const PR = 9;

const OLD_SHA = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
/** The `timeout` input; a run that rolls back gets it twice (the rollback has its own budget). */
const TIMEOUT_S = 8;
const TIMEOUT_MS = TIMEOUT_S * 1000;

const RENDER_SERVICE = 'srv-faultsuite000000001';
const RENDER_OURS = 'dep-faultours000000001';
const RAILWAY = {
  project: 'b7a1c9e2-5d3f-4e8a-9c1b-2f6d8e4a0f01',
  service: 'c3d4e5f6-7a8b-4c9d-8e0f-1a2b3c4d5f02',
  environment: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4f03',
  older: '0a0a0a0a-1111-4111-8111-00000000f001',
  previous: '0b0b0b0b-2222-4222-8222-00000000f002',
  ours: '0c0c0c0c-3333-4333-8333-00000000f003',
  rollback: '0e0e0e0e-5555-4555-8555-00000000f005',
};

/** Only what a broken deploy of the example service gets wrong (`status: degraded`); no database needed. */
const HEALTH_SCHEMA = JSON.stringify({
  type: 'object',
  required: ['status', 'version'],
  properties: { status: { const: 'ok' } },
});
/** A round-trip whose captured value is a secret the scan looks for. */
const CHECKS = `
checks:
  - name: notes round-trip
    steps:
      - request: POST /api/notes
        json: { text: '${CAPTURED_SECRET}' }
        expect: { status: 201 }
        capture: { text: /text, id: /id }
      - request: 'GET /api/notes/{{ id }}'
        expect: { status: 200, json: { /text: '{{ text }}' } }
      - request: 'DELETE /api/notes/{{ id }}'
        cleanup: true
`;

let github: GitHubEmulator;
let svc: ExampleService;
let event: { name: string; payload: Record<string, unknown> };
const closers: (() => Promise<void>)[] = [];
const ledger = new ReliabilityLedger('provider-faults');

beforeAll(async () => {
  [github, svc] = await Promise.all([
    startGitHubEmulator({
      tokens: [{ token: GITHUB_TOKEN, permissions: PERMISSIVE_PERMISSIONS }],
      pullRequests: [{ number: PR, headRef: 'feature/orders', headSha: SHA }],
    }),
    startExampleService({ version: SHA, smokePassword: 'pw-for-smoke' }),
  ]);
  // A deployment_status event, as Render's and Railway's GitHub apps send it: the verdict lands on the PR.
  event = {
    name: 'deployment_status',
    payload: deploymentStatusEvent({
      repository: { owner: github.owner, repo: github.repo },
      state: 'success',
      environment: 'production',
      environmentUrl: svc.url,
      sha: SHA,
      transient: false,
      production: true,
    }),
  };
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await svc.setFaults('');
});
afterAll(async () => {
  await Promise.all([github?.close(), svc?.stop()]);
});

const at = (minutesAgo: number): string => new Date(Date.now() - minutesAgo * 60_000).toISOString();

/** What one run published to GitHub (the PR comment, the check run): the bodies it sent since `from`. */
function publishedSince(from: number): string[] {
  return github.requests
    .slice(from)
    .filter((request) => request.method !== 'GET' && request.body !== undefined)
    .map((request) => JSON.stringify(request.body));
}

/** dist/main on the deployment_status event, the job's token (`github-token`'s default) on the emulator. */
async function runMain(
  inputs: Record<string, string>,
  expected: CaseExpectation,
  secrets: readonly string[],
): Promise<StepRun> {
  return new Job({
    event,
    github: { sha: SHA, repository: `${github.owner}/${github.repo}` },
    githubApi: { url: github.url, token: GITHUB_TOKEN },
  }).run(
    'main',
    {
      commit: SHA,
      'expect-version': SHA,
      'health-schema': HEALTH_SCHEMA,
      checks: CHECKS,
      headers: `X-Api-Key: ${HEADER_SECRET}`,
      timeout: `${TIMEOUT_S}s`,
      interval: '200ms',
      'request-timeout': '2s',
      // The soak has its own tests; a fault case's budget is the timeout's.
      soak: '0s',
      ...inputs,
    },
    {
      timeoutMs: expected.budgetMs + 30_000,
      // The case's truth: only a pass with the whole evidence is right; a rollback only after live.
      truth: {
        deploy: expected.mayPass ? 'healthy' : 'broken',
        rollback: expected.failedAfterLive ? 'right' : 'wrong',
      },
      secrets,
    },
  );
}

interface Expect {
  result: CaseExpectation['result'];
  reason: string;
  message?: RegExp;
  /** Our deploy went live and then failed verification: the one case a rollback call is right. */
  failedAfterLive?: boolean;
  rollbackCalls?: number;
}

/** A pass rests on the checks too: the round-trip ran and captured its value, so the scan had one to find. */
function expectChecksPassed(run: StepRun): void {
  expect(run.report?.probes.find((probe) => probe.name === 'notes round-trip')?.passed).toBe(true);
  expect(run.report?.probes.every((probe) => probe.passed)).toBe(true);
}

function expectation(e: Expect): CaseExpectation {
  const rollback = e.failedAfterLive ?? false;
  return {
    result: e.result,
    reason: e.reason,
    message: e.message,
    mayPass: e.result === 'passed',
    failedAfterLive: rollback,
    rollbackCalls: e.rollbackCalls ?? 0,
    budgetMs: rollback ? 2 * TIMEOUT_MS : TIMEOUT_MS,
  };
}

// ---------------------------------------------------------------------------------------------------
// Render
// ---------------------------------------------------------------------------------------------------

interface RenderSetup {
  render: RenderEmulator;
  proxy: FaultProxy;
  /** The example service's faults once ours goes live ('' healthy, 'degraded' broken); before, it serves OLD_SHA. */
  live: { faults: string };
}

/** The Render emulator with the previous deploy live and ours building, behind a fault proxy. */
async function renderSetup(): Promise<RenderSetup> {
  const render = await startRenderEmulator({
    token: RENDER_TOKEN,
    serviceId: RENDER_SERVICE,
    ownerId: 'tea-faultsuite00000001',
    serviceName: 'shop-api',
    serviceUrl: svc.url,
    deploys: [
      { id: 'dep-faultolder00000001', commit: '2'.repeat(40), status: 'deactivated', createdAt: at(120) },
      {
        id: 'dep-faultprev000000001',
        commit: OLD_SHA,
        status: 'live',
        createdAt: at(60),
        finishedAt: at(55),
      },
      { id: RENDER_OURS, commit: SHA, status: 'build_in_progress', createdAt: at(1) },
    ],
  });
  const proxy = await startFaultProxy(new URL(render.url).origin);
  closers.push(
    () => proxy.close(),
    () => render.close(),
  );
  // Before ours goes live the previous deploy serves (healthy, the old version); when Render says live, ours.
  const live = { faults: '' };
  await svc.setFaults(`stale-version=${OLD_SHA}`);
  render.script(RENDER_OURS, ['update_in_progress', 'live'], { onLive: () => svc.setFaults(live.faults) });
  return { render, proxy, live };
}

const renderRollbacks = (proxy: FaultProxy) =>
  proxy.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/rollback')).length;
const isDeployList = (r: ProxiedRequest) => r.method === 'GET' && /\/services\/[^/]+\/deploys$/.test(r.path);

/** Registers a Render case: `arrange` breaks something, `verify` checks what is particular to the case. */
function renderFault(
  name: string,
  e: Expect,
  arrange: (setup: RenderSetup) => void | Promise<void>,
  verify?: (run: StepRun, setup: RenderSetup) => void,
): void {
  ledger.case(name, () => renderCase(name, e, arrange, verify));
}

async function renderCase(
  name: string,
  e: Expect,
  arrange: (setup: RenderSetup) => void | Promise<void>,
  verify?: (run: StepRun, setup: RenderSetup) => void,
): Promise<CaseRecord> {
  const setup = await renderSetup();
  await arrange(setup);
  const githubBefore = github.requests.length;
  const expected = expectation(e);
  const run = await runMain(
    {
      provider: 'render',
      'api-token': RENDER_TOKEN,
      'service-id': RENDER_SERVICE,
      'api-url': `${setup.proxy.url}/v1`,
    },
    expected,
    [RENDER_TOKEN, GITHUB_TOKEN, HEADER_SECRET, CAPTURED_SECRET],
  );
  const record = judge(name, expected, {
    run,
    rollbackCalls: renderRollbacks(setup.proxy),
    secrets: [RENDER_TOKEN, GITHUB_TOKEN, HEADER_SECRET, CAPTURED_SECRET],
    published: publishedSince(githubBefore),
  });
  // Every call that reached the emulator was valid against Render's OpenAPI document.
  expect(setup.render.violations).toEqual([]);
  if (e.result === 'passed') expectChecksPassed(run);
  verify?.(run, setup);
  return record;
}

/** A full page of deploys (Render's limit is 100), each carrying `cursor`. */
function fullPage(cursor: string): string {
  return JSON.stringify(
    Array.from({ length: 100 }, (_, i) => ({
      deploy: {
        id: `dep-faultfill${String(i).padStart(8, '0')}`,
        commit: { id: '4'.repeat(40) },
        status: 'deactivated',
        trigger: 'new_commit',
        createdAt: at(600 + i),
        updatedAt: at(600 + i),
        finishedAt: at(600 + i),
      },
      cursor,
    })),
  );
}

describe('Render API faults', () => {
  for (const status of [500, 502, 503]) {
    renderFault(
      `Render: a short burst of ${status} is retried and the run passes`,
      { result: 'passed', reason: '' },
      ({ render }) => render.failNext(3, status),
      (run, { proxy }) => {
        expect(proxy.requests.slice(0, 4).map((r) => r.status)).toEqual([status, status, status, 200]);
        expect(run.stdout).toContain(`reading the service: HTTP ${status}`);
        expect(run.stdout).toContain('retrying in');
        expect(run.outputs['deploy-id']).toBe(RENDER_OURS);
      },
    );
  }

  renderFault(
    'Render: a long burst of 503 is a provider error, not a verdict',
    {
      result: 'failed',
      reason: 'provider-error',
      message: /Render API: reading the service kept failing \(HTTP 503.*gave up after 5 requests/,
    },
    ({ render }) => render.failNext(50, 503),
    (_run, { proxy }) => {
      // Five attempts, then it stops asking: no storm against a struggling API.
      expect(proxy.requests).toHaveLength(5);
    },
  );

  renderFault(
    'Render: a long burst of 502 after the deploy went live is not a pass',
    {
      result: 'failed',
      reason: 'provider-error',
      message: /Render API: reading deploy dep-faultours000000001 kept failing \(HTTP 502/,
    },
    ({ render }) =>
      render.script(RENDER_OURS, ['update_in_progress', 'live'], {
        // Healthy service, checks pass, but whether ours is still live cannot be confirmed.
        onLive: async () => {
          await svc.setFaults('');
          render.failNext(50, 502);
        },
      }),
    (run) => expect(run.report?.probes.every((p) => p.passed)).toBe(true),
  );

  renderFault(
    'Render: 429 with Retry-After is honoured and the run passes',
    { result: 'passed', reason: '' },
    ({ render }) => render.failNext(1, 429, { 'Retry-After': '2' }),
    (run, { proxy }) => {
      const [limited, next] = proxy.requests;
      expect(limited?.status).toBe(429);
      expect(next?.status).toBe(200);
      expect((next?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1900);
      expect(run.stdout).toMatch(/rate limited by Render/);
    },
  );

  renderFault(
    'Render: malformed JSON on a 200 is a provider error',
    {
      result: 'failed',
      reason: 'provider-error',
      message: /reading deploy dep-faultours000000001 answered HTTP 200 with a body that is not JSON/,
    },
    ({ proxy }) =>
      proxy.intercept({
        match: (r) => r.method === 'GET' && r.path.endsWith(`/deploys/${RENDER_OURS}`),
        times: 1,
        respond: () => ({
          status: 200,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: `{"id":"${RENDER_OURS}","status":"li`,
        }),
      }),
  );

  renderFault(
    'Render: a cursor that never ends (the same one forever) stops with a provider error',
    {
      result: 'failed',
      reason: 'provider-error',
      message: /listing deploys did not end \(the same cursor came back twice\)/,
    },
    ({ proxy }) =>
      proxy.intercept({
        match: isDeployList,
        respond: () => ({
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: fullPage('Y3Vyc29yLWZvcmV2ZXI='),
        }),
      }),
    (_run, { proxy }) => expect(proxy.requests.filter(isDeployList)).toHaveLength(2),
  );

  renderFault(
    'Render: a cursor that never ends (a new one every page) stops after 100 pages',
    {
      result: 'failed',
      reason: 'provider-error',
      message: /listing deploys did not end \(more than 100 pages\)/,
    },
    ({ proxy }) => {
      let page = 0;
      proxy.intercept({
        match: isDeployList,
        respond: () => ({
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: fullPage(Buffer.from(`page-${++page}`).toString('base64')),
        }),
      });
    },
    (_run, { proxy }) => expect(proxy.requests.filter(isDeployList)).toHaveLength(100),
  );

  renderFault(
    'Render: a health check that failed before the deploy too is not rolled back',
    { result: 'failed', reason: 'health-schema', message: /\/status must be "ok" but was "degraded"/ },
    async ({ live }) => {
      // The previous deploy was as broken: the failure says nothing about ours, and a rollback would not help.
      await svc.setFaults(`stale-version=${OLD_SHA},degraded`);
      live.faults = 'degraded';
    },
    (run) => {
      expect(run.outputs['rolled-back']).toBe('false');
      expect(run.summary).toContain('the deploy that served before this one failed the same health check');
    },
  );

  renderFault(
    'Render: a rollback call that returns 500 is rollback-failed, sent once',
    {
      result: 'rollback-failed',
      reason: 'health-schema',
      message:
        /the rollback failed: .*rolling back to dep-faultprev000000001 failed \(HTTP 500.*not sent again/,
      failedAfterLive: true,
      rollbackCalls: 1,
    },
    ({ render, live }) => {
      live.faults = 'degraded';
      render.onRollback(async () => ({ status: 500, message: 'internal server error' }));
    },
    (run) => {
      expect(run.outputs['rolled-back']).toBe('false');
      expect(run.summary).toContain('roll back by hand');
    },
  );

  renderFault(
    'Render: a rollback that is accepted and whose deploy then fails is rollback-failed',
    {
      result: 'rollback-failed',
      reason: 'health-schema',
      message: /the rollback failed: the rollback deploy dep-\S+ ended update_failed/,
      failedAfterLive: true,
      rollbackCalls: 1,
    },
    ({ render, live }) => {
      live.faults = 'degraded';
      render.onRollback(async () => ({ status: 201, statuses: ['update_in_progress', 'update_failed'] }));
    },
    (run) => {
      expect(run.outputs['rolled-back']).toBe('true');
      expect(run.outputs['rollback-deploy-id']).toMatch(/^dep-/);
    },
  );
});

// ---------------------------------------------------------------------------------------------------
// Railway
// ---------------------------------------------------------------------------------------------------

interface RailwaySetup {
  railway: RailwayEmulator;
  proxy: FaultProxy;
  /** The example service's faults once ours succeeds ('' healthy, 'degraded' broken); before, it serves OLD_SHA. */
  live: { faults: string };
}

/** The Railway emulator with the previous deployment live and ours queued, behind a fault proxy. */
async function railwaySetup(): Promise<RailwaySetup> {
  const railway = await startRailwayEmulator({
    token: RAILWAY_TOKEN,
    projectId: RAILWAY.project,
    serviceId: RAILWAY.service,
    serviceName: 'shop-api',
    environmentId: RAILWAY.environment,
    domain: 'shop-api-production.up.railway.app.invalid',
    deployments: [
      { id: RAILWAY.older, status: 'REMOVED', createdAt: at(120), commitHash: '2'.repeat(40) },
      { id: RAILWAY.previous, status: 'SUCCESS', createdAt: at(60), commitHash: OLD_SHA },
      { id: RAILWAY.ours, status: 'QUEUED', createdAt: at(1), commitHash: SHA },
    ],
  });
  const proxy = await startFaultProxy(new URL(railway.url).origin);
  closers.push(
    () => proxy.close(),
    () => railway.close(),
  );
  // Before ours succeeds the previous deployment serves (healthy, the old version); at SUCCESS, ours.
  const live = { faults: '' };
  await svc.setFaults(`stale-version=${OLD_SHA}`);
  railway.script(RAILWAY.ours, ['BUILDING', 'DEPLOYING', 'SUCCESS'], {
    onSuccess: () => svc.setFaults(live.faults),
  });
  return { railway, proxy, live };
}

const railwayRollbacks = (proxy: FaultProxy) =>
  proxy.requests.filter((r) => r.body.includes('deploymentRollback')).length;

/** Registers a Railway case: `arrange` breaks something, `verify` checks what is particular to the case. */
function railwayFault(
  name: string,
  e: Expect,
  arrange: (setup: RailwaySetup) => void | Promise<void>,
  verify?: (run: StepRun, setup: RailwaySetup) => void,
): void {
  ledger.case(name, () => railwayCase(name, e, arrange, verify));
}

async function railwayCase(
  name: string,
  e: Expect,
  arrange: (setup: RailwaySetup) => void | Promise<void>,
  verify?: (run: StepRun, setup: RailwaySetup) => void,
): Promise<CaseRecord> {
  const setup = await railwaySetup();
  await arrange(setup);
  const githubBefore = github.requests.length;
  const expected = expectation(e);
  const run = await runMain(
    {
      provider: 'railway',
      'api-token': RAILWAY_TOKEN,
      'api-token-type': 'account',
      'service-id': RAILWAY.service,
      'environment-id': RAILWAY.environment,
      'api-url': `${setup.proxy.url}/graphql/v2`,
      url: svc.url,
    },
    expected,
    [RAILWAY_TOKEN, GITHUB_TOKEN, HEADER_SECRET, CAPTURED_SECRET],
  );
  const record = judge(name, expected, {
    run,
    rollbackCalls: railwayRollbacks(setup.proxy),
    secrets: [RAILWAY_TOKEN, GITHUB_TOKEN, HEADER_SECRET, CAPTURED_SECRET],
    published: publishedSince(githubBefore),
  });
  // Every operation that reached the emulator was valid against Railway's schema.
  expect(setup.railway.violations).toEqual([]);
  if (e.result === 'passed') expectChecksPassed(run);
  verify?.(run, setup);
  return record;
}

describe('Railway API faults', () => {
  for (const status of [500, 502, 503]) {
    railwayFault(
      `Railway: a short burst of ${status} is retried and the run passes`,
      { result: 'passed', reason: '' },
      ({ railway }) => railway.failNext(3, status),
      (run, { proxy }) => {
        expect(proxy.requests.slice(0, 4).map((r) => r.status)).toEqual([status, status, status, 200]);
        expect(run.stdout).toContain(`the serviceInstance query: HTTP ${status}`);
        expect(run.outputs['deploy-id']).toBe(RAILWAY.ours);
      },
    );
  }

  railwayFault(
    'Railway: a long burst of 503 is a provider error, not a verdict',
    {
      result: 'failed',
      reason: 'provider-error',
      message: /Railway API: the serviceInstance query kept failing \(HTTP 503.*gave up after 5 requests/,
    },
    ({ railway }) => railway.failNext(50, 503),
    (_run, { proxy }) => expect(proxy.requests).toHaveLength(5),
  );

  railwayFault(
    'Railway: 429 with Retry-After is honoured and the run passes',
    { result: 'passed', reason: '' },
    ({ railway }) => railway.failNext(1, 429, { 'Retry-After': '2' }),
    (run, { proxy }) => {
      const [limited, next] = proxy.requests;
      expect(limited?.status).toBe(429);
      expect(next?.status).toBe(200);
      expect((next?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1900);
      expect(run.stdout).toMatch(/rate limited by Railway/);
    },
  );

  railwayFault(
    'Railway: a GraphQL errors array on HTTP 200 is a provider error quoting it',
    {
      result: 'failed',
      reason: 'provider-error',
      message: /returned errors: "Problem processing request: upstream connect error"/,
    },
    ({ railway }) => railway.graphqlErrorsNext(1, 'Problem processing request: upstream connect error'),
    (run) => expect(run.summary).toContain('Problem processing request: upstream connect error'),
  );

  railwayFault(
    'Railway: malformed JSON on a 200 is a provider error',
    {
      result: 'failed',
      reason: 'provider-error',
      message: /the serviceInstance query answered HTTP 200 with a body that is not JSON/,
    },
    ({ railway }) => railway.malformedNext(1),
  );

  railwayFault(
    'Railway: a WebSocket dropped mid-stream falls back to polling and passes',
    { result: 'passed', reason: '' },
    ({ railway }) => railway.dropSocketAfter(1),
    (run, { railway, proxy }) => {
      expect(proxy.upgrades).toBeGreaterThan(0);
      expect(railway.sockets[0]).toMatchObject({ accepted: true, dropped: true });
      expect(run.stdout).toContain('falling back to polling');
      expect(run.stdout).toMatch(/Railway deploy \S+: SUCCESS/);
      // The statuses after the drop came from polls.
      expect(railway.requests.some((r) => r.transport === 'http' && r.fields.includes('deployment'))).toBe(
        true,
      );
    },
  );

  railwayFault(
    'Railway: a health check that failed before the deploy too is not rolled back',
    { result: 'failed', reason: 'health-schema', message: /\/status must be "ok" but was "degraded"/ },
    async ({ live }) => {
      // The previous deployment was as broken: the failure says nothing about ours.
      await svc.setFaults(`stale-version=${OLD_SHA},degraded`);
      live.faults = 'degraded';
    },
    (run) => {
      expect(run.outputs['rolled-back']).toBe('false');
      expect(run.summary).toContain('the deploy that served before this one failed the same health check');
    },
  );

  railwayFault(
    'Railway: a rollback call that returns 500 is rollback-failed, sent once',
    {
      result: 'rollback-failed',
      reason: 'health-schema',
      message: /the rollback failed: .*the rollback mutation failed \(HTTP 500.*not sent again/,
      failedAfterLive: true,
      rollbackCalls: 1,
    },
    ({ proxy, live }) => {
      live.faults = 'degraded';
      proxy.intercept({
        match: (r) => r.body.includes('deploymentRollback'),
        respond: () => ({
          status: 500,
          headers: { 'content-type': 'text/html' },
          body: '<html><body><h1>500</h1>upstream error</body></html>',
        }),
      });
    },
    (run, { railway }) => {
      expect(run.outputs['rolled-back']).toBe('false');
      expect(railway.requests.some((r) => r.fields.includes('deploymentRollback'))).toBe(false);
    },
  );

  railwayFault(
    'Railway: a rollback that is accepted and whose deployment then fails is rollback-failed',
    {
      result: 'rollback-failed',
      reason: 'health-schema',
      message: new RegExp(`the rollback failed: the rollback deploy ${RAILWAY.rollback} ended FAILED`),
      failedAfterLive: true,
      rollbackCalls: 1,
    },
    ({ railway, live }) => {
      live.faults = 'degraded';
      railway.onRollback(async () => ({ deploymentId: RAILWAY.rollback, statuses: ['DEPLOYING', 'FAILED'] }));
    },
    (run) => {
      expect(run.outputs['rolled-back']).toBe('true');
      expect(run.outputs['rollback-deploy-id']).toBe(RAILWAY.rollback);
    },
  );
});
