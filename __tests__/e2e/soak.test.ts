/**
 * End-to-end: the soak window (`soak`, src/soak.ts) on the built action, run the way the runner runs it.
 * After the health check and the checks pass, the action keeps watching the health endpoint at `interval`
 * and the provider's own signals (Render's deploy status and server failures, Railway's status stream) for
 * `soak`; a failure in that window is a failure after live, rolled back in provider mode.
 *
 * The example service has no fault that turns it bad a set time after it passed (its `warmup=` is bad
 * first, then good), so the service here is a small node:http server whose /health answers 200 on its
 * version until `turnAfterMs` after its first 200, then 503 for ever, until the test restores it (what a
 * rollback to a good deploy does).
 *
 * DEPLOY_SENTINEL_ACTION_DIR runs a private build (a directory with action.yml and dist/) instead of the
 * repository's dist/.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { Truth } from '../../test-kit/ground-truth.js';
import { Job, type StepRun } from '../../test-kit/runner/job.js';
import { summaryAsText } from '../../test-kit/summary-text.js';
import {
  startRenderEmulator,
  type RecordedRequest,
  type RenderDeploySpec,
  type RenderEmulator,
} from '../../test-kit/emulators/render-emulator.js';
import {
  startRailwayEmulator,
  type RailwayEmulator,
  type RailwayDeploymentSpec,
} from '../../test-kit/emulators/railway-emulator.js';

jest.setTimeout(90_000);

const actionDir = process.env.DEPLOY_SENTINEL_ACTION_DIR || undefined;
/** A job whose main's truth is `truth` (test-kit/ground-truth.ts), for the Reliability table. */
const job = (truth: Truth) => new Job({ actionDir, github: { sha: SHA }, truth });

const OLD_SHA = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
/** The service turns 503 this long after its first healthy answer: after the pass, inside the soak. */
const TURN_AFTER_MS = 3000;
const SOAK_MS = 10_000;
const fast = { interval: '200ms', 'request-timeout': '2s', soak: '10s' };

interface TurningService {
  readonly url: string;
  /** When /health first answered 200 (Date.now()), and when it turned 503. */
  readonly firstHealthyAt?: number;
  readonly turnedAt?: number;
  /** /health requests answered, 200 or 503. */
  readonly answers: { at: number; status: number }[];
  /**
   * What a deploy does: serves `version` from now on, turning 503 `turnAfterMs` after its first 200
   * (never without it: what the restored deploy does).
   */
  deploy(version: string, turnAfterMs?: number): void;
  close(): Promise<void>;
}

/** /health: 200 `{status, version}` until `turnAfterMs` (undefined: never) after the first 200, then 503. */
async function startTurningService(version: string, turnAfterMs?: number): Promise<TurningService> {
  let current = version;
  let turnAfter = turnAfterMs;
  let firstHealthyAt: number | undefined;
  let turnedAt: number | undefined;
  const answers: { at: number; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url !== '/health') {
      res.writeHead(404).end();
      return;
    }
    const now = Date.now();
    firstHealthyAt ??= now;
    const down = turnAfter !== undefined && now - firstHealthyAt >= turnAfter;
    if (down) turnedAt ??= firstHealthyAt + (turnAfter as number);
    answers.push({ at: now, status: down ? 503 : 200 });
    res.writeHead(down ? 503 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: down ? 'crashed' : 'ok', version: current }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get firstHealthyAt() {
      return firstHealthyAt;
    },
    get turnedAt() {
      return turnedAt;
    },
    answers,
    deploy(v, after) {
      current = v;
      turnAfter = after;
      firstHealthyAt = undefined;
      turnedAt = undefined;
      answers.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function turning(version: string, turnAfterMs?: number): Promise<TurningService> {
  const svc = await startTurningService(version, turnAfterMs);
  closers.push(svc.close);
  return svc;
}

/** The report's phases whose name starts with `prefix`. */
const phases = (run: StepRun, prefix: string) =>
  ((run.report?.phases ?? []) as { name: string; durationMs: number; outcome: string }[]).filter((p) =>
    p.name.startsWith(prefix),
  );

/** `12.3s` or `850ms` in a message, as milliseconds. */
function durationIn(text: string): number {
  const m = /(\d+(?:\.\d+)?)(ms|s)\b/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

// ---------------------------------------------------------------------------------------------------------
// URL mode
// ---------------------------------------------------------------------------------------------------------

describe('soak, provider: none', () => {
  it('a service that turns 503 after passing fails in the soak, which the summary names; no rollback', async () => {
    const svc = await turning(SHA, TURN_AFTER_MS);
    const run = await job({ deploy: 'broken', rollback: 'n/a' }).run('main', {
      url: svc.url,
      'expect-version': SHA,
      ...fast,
      timeout: '20s',
    });
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'unstable',
      'rolled-back': 'false',
    });
    expect(run.outputs['rollback-deploy-id']).toBe('');
    expect(run.exitCode).toBe(1);
    // It passed first: the soak ran, and ended in failure once failure-threshold (3) checks failed.
    const soak = phases(run, 'Soak: ');
    expect(soak).toHaveLength(1);
    expect(soak[0]?.name).toBe('Soak: keep watching for 10s');
    expect(soak[0]?.outcome).not.toBe('passed');
    // When, and after how long: "during the soak, 3.1s after it began (at 2026-…Z)".
    const message = run.report?.failureMessage ?? '';
    expect(message).toMatch(
      /3 consecutive failed checks during the soak, \d+(\.\d+)?(ms|s) after it began \(at \d{4}-\d\d-\d\dT[\d:.]+Z\)/,
    );
    const after = durationIn(/during the soak, (\S+) after it began/.exec(message)?.[1] ?? '');
    // It turned ~3 s after the first pass; three failures at a 200 ms interval follow within a second.
    expect(after).toBeGreaterThan(1500);
    expect(after).toBeLessThan(TURN_AFTER_MS + 2500);
    const text = summaryAsText(run.summary);
    expect(text).toContain('during the soak');
    expect(run.summary).toMatch(/^ {2}Soak {2}keep watching for 10s :crit, \d+, \d+$/m);
    // The run ended at the failure, not at the end of the window.
    const soakPhase = soak[0]?.durationMs ?? 0;
    expect(soakPhase).toBeLessThan(SOAK_MS - 2000);
    // Every /health answer after it turned was a 503, and the action stopped asking after the third.
    const afterTurn = svc.answers.filter((a) => a.at >= (svc.turnedAt ?? Infinity));
    expect(afterTurn.every((a) => a.status === 503)).toBe(true);
    expect(afterTurn).toHaveLength(3);
  });

  it('a healthy service passes only after the whole window, with the soak in the timeline', async () => {
    const svc = await turning(SHA);
    const run = await job({ deploy: 'healthy', rollback: 'n/a' }).run('main', {
      url: svc.url,
      'expect-version': SHA,
      ...fast,
      soak: '4s',
      timeout: '20s',
    });
    expect(run.outputs).toMatchObject({ result: 'passed', 'failure-reason': '', version: SHA });
    expect(run.exitCode).toBe(0);
    expect(run.durationMs).toBeGreaterThanOrEqual(4000);
    const soak = phases(run, 'Soak: ');
    expect(soak.map((p) => [p.name, p.outcome])).toEqual([['Soak: keep watching for 4s', 'ok']]);
    expect(soak[0]?.durationMs).toBeGreaterThanOrEqual(4000);
    // The timeline (a mermaid gantt, where a colon cannot appear in a task name) shows the soak.
    expect(run.summary).toMatch(/^ {2}Soak {2}keep watching for 4s :done, \d+, \d+$/m);
    // It kept checking at `interval` through the window: about 4 s / 200 ms checks after the pass.
    const pass = svc.firstHealthyAt as number;
    const during = svc.answers.filter((a) => a.at > pass + 100);
    expect(during.length).toBeGreaterThanOrEqual(12);
    expect(during.length).toBeLessThanOrEqual(22);
    // The verdict came after the window, not before.
    const last = svc.answers.at(-1)?.at as number;
    expect(last - pass).toBeGreaterThanOrEqual(3500);
  });

  it('soak: 0s gives the old behaviour: the verdict right after the pass, no soak phase', async () => {
    const svc = await turning(SHA, TURN_AFTER_MS);
    const run = await job({ deploy: 'healthy', rollback: 'n/a' }).run('main', {
      url: svc.url,
      'expect-version': SHA,
      ...fast,
      soak: '0s',
      timeout: '20s',
    });
    expect(run.outputs).toMatchObject({ result: 'passed', version: SHA });
    expect(run.exitCode).toBe(0);
    expect(phases(run, 'Soak')).toEqual([]);
    expect(summaryAsText(run.summary)).not.toContain('Soak');
    // Over before the service turned: it never saw a 503, and asked /health only to pass (2 in a row).
    expect(svc.turnedAt).toBeUndefined();
    expect(svc.answers.map((a) => a.status)).toEqual([200, 200]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Render
// ---------------------------------------------------------------------------------------------------------

const RENDER_TOKEN = 'rnd_soakE2eSecretApiKey012345';
const RENDER_SERVICE = 'srv-soake2e00000000001';
const RENDER_OWNER = 'tea-soake2e00000000001';
const at = (minutesAgo: number): string => new Date(Date.now() - minutesAgo * 60_000).toISOString();

async function render(serviceUrl: string): Promise<RenderEmulator> {
  const deploys: RenderDeploySpec[] = [
    { id: 'dep-previous0000000000', commit: OLD_SHA, status: 'live', createdAt: at(60), finishedAt: at(55) },
    { id: 'dep-ours00000000000000', commit: SHA, status: 'build_in_progress', createdAt: at(1) },
  ];
  const emulator = await startRenderEmulator({
    token: RENDER_TOKEN,
    serviceId: RENDER_SERVICE,
    ownerId: RENDER_OWNER,
    serviceName: 'shop-api',
    serviceUrl,
    deploys,
  });
  closers.push(() => emulator.close());
  return emulator;
}

/** `METHOD path` of every call, the service prefix shortened. */
const renderCalls = (requests: readonly RecordedRequest[]) =>
  requests.map((r) => `${r.method} ${r.path.replace('/v1', '').replace(RENDER_SERVICE, 'srv')}`);

describe('soak, provider: render', () => {
  it('a deploy that turns 503 after passing is rolled back; the restored deploy soaks too, within the rollback budget', async () => {
    // Production serves the previous commit; ours goes live, then turns 503 3 s after its first 200.
    const svc = await turning(OLD_SHA);
    const emulator = await render(svc.url);
    emulator.script('dep-ours00000000000000', ['update_in_progress', 'live'], {
      onLive: async () => svc.deploy(SHA, TURN_AFTER_MS),
    });
    const targets: string[] = [];
    emulator.onRollback(async (deployId) => {
      targets.push(deployId);
      return { status: 201, onLive: async () => svc.deploy(OLD_SHA) };
    });
    const timeout = 8000;
    const run = await job({ deploy: 'broken', rollback: 'right' }).run('main', {
      provider: 'render',
      'api-token': RENDER_TOKEN,
      'service-id': RENDER_SERVICE,
      'api-url': emulator.url,
      commit: SHA,
      'expect-version': SHA,
      ...fast,
      timeout: `${timeout / 1000}s`,
    });
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      'failure-reason': 'unstable',
      'deploy-id': 'dep-ours00000000000000',
      'rolled-back': 'true',
    });
    expect(run.outputs['rollback-deploy-id']).toMatch(/^dep-/);
    expect(run.exitCode).toBe(1);
    expect(targets).toEqual(['dep-previous0000000000']);
    const message = run.report?.failureMessage ?? '';
    expect(message).toMatch(
      /3 consecutive failed checks during the soak, \d+(\.\d+)?(ms|s) after it began \(at \d{4}-\d\d-\d\dT[\d:.]+Z\)/,
    );
    const text = summaryAsText(run.summary);
    expect(text).toContain('during the soak');
    expect(run.summary).toMatch(/^ {2}Soak {2}keep watching for 10s :crit, \d+, \d+$/m);
    expect(run.summary).toMatch(/^ {2}Restored deploy {2}Soak {2}keep watching for \S+ :done, \d+, \d+$/m);

    // Exactly one rollback call, to the previous deploy.
    const sent = renderCalls(emulator.requests);
    expect(sent.filter((c) => c === 'POST /services/srv/rollback')).toHaveLength(1);
    expect(emulator.requests.find((r) => r.method === 'POST')?.body).toEqual({
      deployId: 'dep-previous0000000000',
    });
    // During the soak the deploy itself was watched too: its status read again after the pass.
    const rollbackAt = sent.indexOf('POST /services/srv/rollback');
    const beforeRollback = sent.slice(0, rollbackAt);
    expect(
      beforeRollback.filter((c) => c === 'GET /services/srv/deploys/dep-ours00000000000000').length,
    ).toBeGreaterThan(1);
    expect(emulator.violations).toEqual([]);

    // The restored deploy was verified and soaked, for the window, cut to what is left of the budget.
    const restoredSoak = phases(run, 'Restored deploy: Soak: ');
    expect(restoredSoak).toHaveLength(1);
    expect(restoredSoak[0]?.outcome).toBe('ok');
    const window = durationIn(
      restoredSoak[0]?.name.replace('Restored deploy: Soak: keep watching for ', '') ?? '',
    );
    expect(window).toBeLessThan(timeout);
    expect(window).toBeGreaterThan(timeout - 3000);
    // The name rounds the window to a whole second.
    expect(restoredSoak[0]?.durationMs).toBeGreaterThanOrEqual(window - 1000);
    expect(text).toContain('the restored deploy passed');
  });

  it("a healthy deploy passes the soak while Render's API fails for a while: the health check still watches", async () => {
    const svc = await turning(OLD_SHA);
    const emulator = await render(svc.url);
    let outageFrom = 0;
    emulator.script('dep-ours00000000000000', ['update_in_progress', 'live'], {
      onLive: async () => {
        svc.deploy(SHA);
        // 1.5 s into the run's verification the API answers 503 to everything, more often than the client
        // retries one call (5 attempts): the soak's reads of the deploy fail for good.
        setTimeout(() => {
          outageFrom = emulator.requests.length;
          emulator.failNext(1000, 503);
        }, 1500);
      },
    });
    const run = await job({ deploy: 'healthy', rollback: 'wrong' }).run('main', {
      provider: 'render',
      'api-token': RENDER_TOKEN,
      'service-id': RENDER_SERVICE,
      'api-url': emulator.url,
      commit: SHA,
      'expect-version': SHA,
      ...fast,
      soak: '6s',
      timeout: '20s',
    });
    expect(outageFrom).toBeGreaterThan(0);
    // The outage was real: the soak's reads after it were refused, and retried.
    expect(emulator.requests.length - outageFrom).toBeGreaterThanOrEqual(5);
    expect(run.outputs).toMatchObject({ result: 'passed', 'failure-reason': '', 'rolled-back': 'false' });
    expect(run.exitCode).toBe(0);
    const soak = phases(run, 'Soak: ') as {
      name: string;
      outcome: string;
      durationMs: number;
      note?: string;
    }[];
    expect(soak.map((p) => [p.name, p.outcome])).toEqual([['Soak: keep watching for 6s', 'ok']]);
    expect(soak[0]?.durationMs).toBeGreaterThanOrEqual(6000);
    // Said, not hidden: the provider could not be watched for the rest of the window (an annotation, and
    // the soak's note in the report's timeline).
    const said =
      /Render's status of deploy dep-ours0+ could not be read during the soak, \S+ after it began \(at [^)]+\) \(.*\); for the rest of the soak only the health check watched it/;
    expect(run.stdout.split('\n').find((line) => line.startsWith('::warning'))).toMatch(said);
    expect(soak[0]?.note).toMatch(said);
    expect(soak[0]?.note).toMatch(/^passed; /);
    // And among the run's warnings, in the report and the summary.
    expect(run.report?.warnings).toEqual(expect.arrayContaining([expect.stringMatching(said)]));
    const stdout = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    expect(stdout).not.toContain(RENDER_TOKEN);
    expect(emulator.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(emulator.violations).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Railway
// ---------------------------------------------------------------------------------------------------------

const RAILWAY_TOKEN = 'rwy-soakE2eSecretToken-7f3a9c21d4e8b6a0';
const PROJECT_ID = 'b7a1c9e2-5d3f-4e8a-9c1b-2f6d8e4a0a11';
const SERVICE_ID = 'c3d4e5f6-7a8b-4c9d-8e0f-1a2b3c4d5e12';
const ENV_ID = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a13';
const PREVIOUS = '0b0b0b0b-2222-4222-8222-000000000012';
const OURS = '0c0c0c0c-3333-4333-8333-000000000013';
const ROLLBACK = '0e0e0e0e-5555-4555-8555-000000000015';

describe('soak, provider: railway', () => {
  it('CRASHED during the soak (pushed over the socket) is rolled back', async () => {
    const svc = await turning(OLD_SHA);
    const deployments: RailwayDeploymentSpec[] = [
      { id: PREVIOUS, status: 'SUCCESS', createdAt: at(60), commitHash: OLD_SHA, commitMessage: 'Previous' },
      { id: OURS, status: 'QUEUED', createdAt: at(1), commitHash: SHA, commitMessage: 'Ours' },
    ];
    const railway: RailwayEmulator = await startRailwayEmulator({
      token: RAILWAY_TOKEN,
      projectId: PROJECT_ID,
      serviceId: SERVICE_ID,
      serviceName: 'shop-api',
      environmentId: ENV_ID,
      domain: 'shop-api-production.up.railway.app.invalid',
      deployments,
    });
    closers.push(() => railway.close());
    let crashedAt = 0;
    // SUCCESS, then CRASHED 3 s later: well after the health check passed (200 ms interval), inside the
    // soak. The crash is scripted only then, so no read before it can see it; advance() pushes it to the
    // socket's subscribers at once.
    railway.script(OURS, ['BUILDING', 'DEPLOYING', 'SUCCESS'], {
      onSuccess: async () => {
        svc.deploy(SHA);
        setTimeout(() => {
          crashedAt = Date.now();
          railway.script(OURS, ['CRASHED']);
          void railway.advance(OURS).catch(() => undefined);
        }, TURN_AFTER_MS);
      },
    });
    const targets: string[] = [];
    railway.onRollback(async (target) => {
      targets.push(target);
      return {
        deploymentId: ROLLBACK,
        statuses: ['DEPLOYING', 'SUCCESS'],
        onSuccess: async () => svc.deploy(OLD_SHA),
      };
    });
    const run = await job({ deploy: 'broken', rollback: 'right' }).run('main', {
      provider: 'railway',
      'api-token': RAILWAY_TOKEN,
      'service-id': SERVICE_ID,
      'environment-id': ENV_ID,
      'api-url': railway.url,
      url: svc.url,
      commit: SHA,
      'expect-version': SHA,
      ...fast,
      timeout: '20s',
    });
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      'failure-reason': 'deploy-failed',
      'deploy-id': OURS,
      'rolled-back': 'true',
      'rollback-deploy-id': ROLLBACK,
    });
    expect(run.exitCode).toBe(1);
    expect(crashedAt).toBeGreaterThan(0);
    expect(railway.deployment(OURS).status).toBe('CRASHED');
    expect(targets).toEqual([PREVIOUS]);
    const message = run.report?.failureMessage ?? '';
    expect(message).toMatch(
      /stopped serving during the soak, .* after it began \(at .*Z\): it is CRASHED now/,
    );
    // The health check itself never failed: the provider's signal ended the soak, within a second of it.
    expect(svc.answers.every((a) => a.status === 200)).toBe(true);
    const soak = phases(run, 'Soak: ');
    expect(soak).toHaveLength(1);
    expect(soak[0]?.durationMs).toBeGreaterThan(TURN_AFTER_MS - 1500);
    expect(soak[0]?.durationMs).toBeLessThan(TURN_AFTER_MS + 1500);
    const rollbacks = railway.requests.filter((r) => r.fields.includes('deploymentRollback'));
    expect(rollbacks).toHaveLength(1);
    expect(JSON.stringify(rollbacks[0]?.variables) + rollbacks[0]?.query).toContain(PREVIOUS);
    // The restored deployment soaked too.
    expect(phases(run, 'Restored deploy: Soak: ')).toHaveLength(1);
    expect(railway.violations).toEqual([]);
  });
});
