/**
 * End-to-end: a corpus of realistic configuration mistakes (issue 11, item 3), each run against a HEALTHY
 * deploy on every provider it applies to: without a provider (`url` mode), Render, Railway and Cloud Run.
 * The built action (dist/, or the directory DEPLOY_SENTINEL_ACTION_DIR names) runs pre and main as the
 * runner does, on a repository served by the GitHub emulator (so pre reads the checks file before checkout).
 *
 * A wrong configuration must never cost a healthy deploy: every case asserts that the run fails without a
 * verdict on the deploy, that the provider's emulator received no rollback (from its recorded requests, not
 * from outputs), that production still serves the healthy release, and that the step's error names the
 * input and says how to fix it. Control rows prove that the same setup passes with the correct inputs, and
 * with spellings that look wrong but are accepted (a capitalised provider, an upper-case or 7-character SHA).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTION_ROOT } from '../../test-kit/runner/action.js';
import type { StepRun } from '../../test-kit/runner/job.js';
import { DEMO_REPOSITORY, startRepository, type Repository } from '../../test-kit/repository.js';
import { startExampleService, type ExampleService } from '../../test-kit/example-service.js';
import { startRenderEmulator, type RenderEmulator } from '../../test-kit/emulators/render-emulator.js';
import { startRailwayEmulator, type RailwayEmulator } from '../../test-kit/emulators/railway-emulator.js';
import { startCloudRunEmulator, type CloudRunEmulator } from '../../test-kit/emulators/cloud-run-emulator.js';

/** The action under test: dist/ of this repository, or a private build. */
const ACTION_DIR = process.env.DEPLOY_SENTINEL_ACTION_DIR || ACTION_ROOT;

const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const OLD_SHA = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const OLDER_SHA = '2222222aaaaaaaabbbbbbbbccccccccdddddddd';
const SMOKE_PASSWORD = 'pw-for-smoke';

const RENDER_TOKEN = 'rnd_Kq8Zt2Vn5Xw3Lp9Rb6Yc1Hd4';
const RENDER_SERVICE = 'srv-mistakes00000000001';
const RAILWAY_TOKEN = 'rwy-Jm4Qx7Tz2Wk9Nb5Vc8Ld3Fh6-7f3a9c21d4e8b6a0';
const RAILWAY_PROJECT = 'b7a1c9e2-5d3f-4e8a-9c1b-2f6d8e4a0a01';
const RAILWAY_SERVICE = 'c3d4e5f6-7a8b-4c9d-8e0f-1a2b3c4d5e02';
const RAILWAY_ENV = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a03';
const CLOUD_RUN_TOKEN = 'ya29.Rv7Kx2Qp9Wm4Zt1Nb6Hc3Yd8Lg5Fj0';
const CLOUD_RUN_SERVICE = 'projects/deploy-sentinel/locations/us-central1/services/shop-api';

const fast = { timeout: '20s', interval: '200ms', 'request-timeout': '2s', soak: '0s' };

type Provider = 'none' | 'render' | 'railway' | 'cloud-run';
const PROVIDERS: Provider[] = ['none', 'render', 'railway', 'cloud-run'];

/**
 * The repository: the demo's checks.yml (smoke checks, a login round-trip, the canary), a health schema for
 * the example service on its default store, and the mistaken files some cases name.
 */
const HEALTH_SCHEMA = `$schema: https://json-schema.org/draft/2020-12/schema
type: object
required: [status, version, database]
properties:
  status: { const: ok }
  version: { type: string }
  database:
    type: object
    required: [connected]
    properties: { connected: { const: true } }
`;
/** A login step whose template is not quoted: YAML reads `{{ … }}` as a nested flow mapping. */
const UNQUOTED_TEMPLATE = `checks:
  - name: login
    steps:
      - request: POST /api/login
        json: { email: smoke@example.com, password: {{ env.SMOKE_PASSWORD }} }
        expect: { status: 200 }
`;
/** The same checks indented with tabs, which YAML forbids. */
const TAB_INDENTED = `checks:
\t- name: home page
\t  request: GET /
\t  expect: { status: 200 }
`;

let repoDir: string;
beforeAll(() => {
  repoDir = mkdtempSync(join(tmpdir(), 'mistakes-repo-'));
  cpSync(join(DEMO_REPOSITORY, 'checks.yml'), join(repoDir, 'checks.yml'));
  writeFileSync(join(repoDir, 'health-schema.yaml'), HEALTH_SCHEMA);
  writeFileSync(join(repoDir, 'checks-unquoted.yml'), UNQUOTED_TEMPLATE);
  writeFileSync(join(repoDir, 'checks-tabs.yml'), TAB_INDENTED);
});
afterAll(() => {
  if (repoDir) rmSync(repoDir, { recursive: true, force: true });
});

/** A value per provider, or one for all; `undefined` leaves the input out. */
type PerProvider = string | undefined | Partial<Record<Provider, string | undefined>>;

interface Mistake {
  name: string;
  /** Inputs over the provider's correct ones. */
  inputs: Record<string, PerProvider>;
  /** Providers the mistake applies to; all by default. */
  providers?: Provider[];
  /** What the healthy service reports as its version (APP_VERSION); the deployed commit by default. */
  serves?: string;
  /** The input the error must name (per provider when it differs). */
  input: PerProvider;
  /** The fix the error must give. */
  fix: RegExp | Partial<Record<Provider, RegExp>>;
  /**
   * `config`: caught while reading the inputs, so main sends nothing to the provider. `runtime`: shows only
   * in what the service or the provider answers, and is judged a configuration problem then.
   */
  caught: 'config' | 'runtime' | Partial<Record<Provider, 'config' | 'runtime'>>;
  /** The `failure-reason` output; `config-error` by default. */
  reason?: string | Partial<Record<Provider, string>>;
}

const pick = <T>(value: T | Partial<Record<Provider, T>>, provider: Provider): T | undefined =>
  value !== null && typeof value === 'object' && !(value instanceof RegExp)
    ? (value as Partial<Record<Provider, T>>)[provider]
    : (value as T);

const MISTAKES: Mistake[] = [
  {
    name: 'expect-version: 012345 (a SHA prefix too short to match)',
    inputs: { 'expect-version': '012345' },
    input: 'expect-version',
    fix: /at least 7 characters/,
    caught: 'config',
  },
  {
    name: 'expect-version: v1.2.3 while the service reports 1.2.3',
    inputs: { 'expect-version': 'v1.2.3' },
    serves: '1.2.3',
    input: 'expect-version',
    fix: /Fix `expect-version`/,
    caught: 'runtime',
  },
  {
    name: 'expect-version: a tag (v1.2.3) while the service reports the full commit SHA',
    inputs: { 'expect-version': 'v1.2.3' },
    input: 'expect-version',
    fix: /Fix `expect-version`/,
    caught: 'runtime',
  },
  {
    name: 'an unquoted {{ }} template in the checks file',
    inputs: { checks: 'checks-unquoted.yml' },
    input: 'checks',
    fix: /quote/i,
    caught: 'config',
  },
  {
    name: 'an unquoted {{ }} template in inline checks',
    inputs: { checks: UNQUOTED_TEMPLATE },
    input: 'checks',
    fix: /quote/i,
    caught: 'config',
  },
  {
    name: 'a checks file indented with tabs',
    inputs: { checks: 'checks-tabs.yml' },
    input: 'checks',
    fix: /Fix:/,
    caught: 'config',
  },
  {
    name: 'a checks path that does not exist',
    inputs: { checks: '.github/smoke-checks.yml' },
    input: 'checks',
    fix: /check the path/,
    caught: 'config',
  },
  {
    name: 'a health-schema path with the wrong extension',
    inputs: { 'health-schema': 'health-schema.yml' },
    input: 'health-schema',
    fix: /check the path/,
    caught: 'config',
  },
  {
    name: 'health-path: /healthz (an endpoint the service does not have)',
    inputs: { 'health-path': '/healthz' },
    input: 'health-path',
    fix: /check `health-path`/,
    caught: 'runtime',
    reason: 'health-status',
  },
  {
    name: 'health-path: / (the home page, not the health endpoint)',
    inputs: { 'health-path': '/' },
    input: 'health-path',
    fix: /seems to point at a web page/,
    caught: 'runtime',
    reason: 'health-body',
  },
  {
    name: 'health-path: health (no leading slash)',
    inputs: { 'health-path': 'health' },
    input: 'health-path',
    fix: /Fix: write it as an absolute path, e\.g\. \/health/,
    caught: 'config',
  },
  {
    name: 'a url that already ends in /health',
    inputs: { url: '{url}/health' },
    input: 'url',
    fix: /give the service's base URL/,
    caught: 'config',
  },
  {
    name: 'a misspelt provider',
    inputs: {
      provider: { none: 'vercel', render: 'render.com', railway: 'railway.app', 'cloud-run': 'cloudrun' },
    },
    input: 'provider',
    fix: /Fix: set `provider` to one of/,
    caught: 'config',
  },
  {
    name: 'interval: 5 (no unit)',
    inputs: { interval: '5' },
    input: 'interval',
    fix: /write a number with a unit/,
    caught: 'config',
  },
  {
    name: 'timeout: 10 minutes',
    inputs: { timeout: '10 minutes' },
    input: 'timeout',
    fix: /write a number with a unit/,
    caught: 'config',
  },
  {
    name: 'soak: 30 (no unit)',
    inputs: { soak: '30' },
    input: 'soak',
    fix: /write a number with a unit/,
    caught: 'config',
  },
  {
    name: 'a header line without its colon',
    inputs: { headers: 'Authorization Bearer smoke-token-123' },
    input: 'headers',
    fix: /Fix: write one header per line as `Name: value`/,
    caught: 'config',
  },
  {
    name: 'a header whose secret is empty (a secret that is not set)',
    // `Authorization: Bearer ${{ secrets.SMOKE_TOKEN }}` with the secret not set.
    inputs: { headers: 'Authorization: Bearer ' },
    input: 'headers',
    fix: /Fix: define the secret the value comes from/,
    caught: 'config',
  },
  {
    name: 'rollback: yes',
    inputs: { rollback: 'yes' },
    input: 'rollback',
    fix: /set `rollback` to one of: on-failure, never, dry-run/,
    caught: 'config',
  },
  {
    name: 'version-from: version (not a JSON Pointer)',
    inputs: { 'version-from': 'version' },
    input: 'version-from',
    fix: /such as \/version/,
    caught: 'config',
  },
  {
    name: 'version-from names a header the service does not send',
    inputs: { 'version-from': 'header:X-Version', timeout: '5s' },
    input: 'version-from',
    fix: /check `version-from`/,
    caught: 'runtime',
    reason: 'version-mismatch',
  },
  {
    name: 'commit: main (a branch, not a SHA)',
    inputs: { commit: 'main' },
    input: 'commit',
    fix: /hex SHA/,
    caught: 'config',
  },
  {
    name: 'api-token and service-id swapped',
    inputs: {
      'api-token': {
        none: RENDER_TOKEN,
        render: RENDER_SERVICE,
        railway: RAILWAY_SERVICE,
        'cloud-run': CLOUD_RUN_SERVICE,
      },
      'service-id': {
        none: undefined,
        render: RENDER_TOKEN,
        railway: RAILWAY_TOKEN,
        'cloud-run': CLOUD_RUN_TOKEN,
      },
    },
    // Render and Railway refuse the key first; Cloud Run's service-id is checked before any request.
    input: { none: 'api-token', render: 'api-token', railway: 'api-token', 'cloud-run': 'service-id' },
    fix: /Fix:/,
    caught: { none: 'config', render: 'runtime', railway: 'runtime', 'cloud-run': 'config' },
  },
  {
    name: "a deploy-id of another provider's form",
    inputs: {
      'deploy-id': {
        none: 'dep-ours00000000000000',
        render: '0c0c0c0c-3333-4333-8333-000000000003',
        railway: 'dep-ours00000000000000',
        'cloud-run': 'dep-ours00000000000000',
      },
    },
    input: 'deploy-id',
    fix: /Fix:/,
    caught: { none: 'config', render: 'runtime', railway: 'runtime', 'cloud-run': 'runtime' },
  },
  {
    name: 'api-url over plain http',
    inputs: {
      'api-url': {
        render: 'http://render-api.example.invalid/v1',
        railway: 'http://railway-api.example.invalid/graphql/v2',
        'cloud-run': 'http://cloud-run-api.example.invalid',
      },
    },
    providers: ['render', 'railway', 'cloud-run'],
    input: 'api-url',
    fix: /use https:\/\//,
    caught: 'config',
  },
  {
    name: 'railway without environment-id',
    inputs: { 'environment-id': undefined },
    providers: ['railway'],
    input: 'environment-id',
    fix: /set the Railway environment ID/,
    caught: 'config',
  },
  {
    name: 'a Cloud Run service-id that is only the service name',
    inputs: { 'service-id': 'shop-api' },
    providers: ['cloud-run'],
    input: 'service-id',
    fix: /projects\/PROJECT\/locations\/REGION\/services\/SERVICE/,
    caught: 'config',
  },
  {
    name: "a Cloud Run service-id that is the service's URL",
    inputs: { 'service-id': 'https://shop-api-abc123-uc.a.run.app' },
    providers: ['cloud-run'],
    input: 'service-id',
    fix: /projects\/PROJECT\/locations\/REGION\/services\/SERVICE/,
    caught: 'config',
  },
  {
    name: 'pause-auto-deploy where there is no auto-deploy to pause',
    inputs: { 'pause-auto-deploy': 'true' },
    providers: ['none', 'railway', 'cloud-run'],
    input: 'pause-auto-deploy',
    fix: /remove `pause-auto-deploy`/,
    caught: 'config',
  },
];

/** What one case started, so it can be stopped whatever happens. */
interface Started {
  svc: ExampleService;
  /** The release the healthy deploy serves. */
  served: string;
  repository: Repository;
  render?: RenderEmulator;
  railway?: RailwayEmulator;
  cloudRun?: CloudRunEmulator;
  dataDir: string;
}

const at = (minutesAgo: number): string => new Date(Date.now() - minutesAgo * 60_000).toISOString();
const RENDER_OURS = 'dep-ours00000000000000';
const RAILWAY_OURS = '0c0c0c0c-3333-4333-8333-000000000003';
const CLOUD_RUN_OURS = 'shop-api-00003-new';

/**
 * Production before the deploy: the example service on the previous release (its notes in a file, so they
 * survive a restart as a database would), and the provider reporting that release live, with our deploy
 * of SHA still building. A rollback, if one were ever sent, restarts the service on the previous release,
 * as the provider would: production would visibly stop serving the healthy one.
 */
async function start(provider: Provider, served: string): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mistakes-data-'));
  const svc = await startExampleService({
    smokePassword: SMOKE_PASSWORD,
    version: OLD_SHA,
    dataFile: join(dataDir, 'notes.json'),
  });
  const restoreOld = () => svc.restart({ version: OLD_SHA });
  const repository = await startRepository({ sha: SHA, dir: repoDir });
  const started: Started = { svc, served, repository, dataDir };
  if (provider === 'render') {
    started.render = await startRenderEmulator({
      token: RENDER_TOKEN,
      serviceId: RENDER_SERVICE,
      ownerId: 'tea-mistakes00000000001',
      serviceName: 'shop-api',
      serviceUrl: svc.url,
      deploys: [
        { id: 'dep-older0000000000000', commit: OLDER_SHA, status: 'deactivated', createdAt: at(120) },
        {
          id: 'dep-previous0000000000',
          commit: OLD_SHA,
          status: 'live',
          createdAt: at(60),
          finishedAt: at(55),
        },
        { id: RENDER_OURS, commit: SHA, status: 'build_in_progress', createdAt: at(2) },
      ],
    });
    started.render.onRollback(async () => ({ status: 201, onLive: restoreOld }));
  } else if (provider === 'railway') {
    started.railway = await startRailwayEmulator({
      token: RAILWAY_TOKEN,
      projectId: RAILWAY_PROJECT,
      serviceId: RAILWAY_SERVICE,
      serviceName: 'shop-api',
      environmentId: RAILWAY_ENV,
      domain: 'shop-api-production.up.railway.app.invalid',
      deployments: [
        {
          id: '0a0a0a0a-1111-4111-8111-000000000001',
          status: 'REMOVED',
          createdAt: at(120),
          commitHash: OLDER_SHA,
        },
        {
          id: '0b0b0b0b-2222-4222-8222-000000000002',
          status: 'SUCCESS',
          createdAt: at(60),
          commitHash: OLD_SHA,
        },
        { id: RAILWAY_OURS, status: 'BUILDING', createdAt: at(2), commitHash: SHA },
      ],
    });
    started.railway.onRollback(async () => ({ onSuccess: restoreOld }));
  } else if (provider === 'cloud-run') {
    started.cloudRun = await startCloudRunEmulator({
      tokens: [CLOUD_RUN_TOKEN],
      service: 'shop-api',
      serviceUrl: svc.url,
      revisions: [
        { id: 'shop-api-00001-old', commit: OLDER_SHA },
        { id: 'shop-api-00002-prv', commit: OLD_SHA },
      ],
      // Traffic moved to an older revision (a rollback) restarts the service on that revision's release;
      // our revision's release is started by deployHealthy.
      onServing: async (revision) => {
        if (revision.commit !== SHA) await svc.restart({ version: revision.commit });
      },
    });
  }
  return started;
}

/**
 * The deploy, between pre and main as on GitHub: the service restarts on the healthy release, and the
 * provider reports our deploy live (Render and Cloud Run on their next report, Railway now).
 */
async function deployHealthy(started: Started): Promise<void> {
  await started.svc.restart({ version: started.served });
  started.render?.script(RENDER_OURS, ['live']);
  if (started.railway) {
    started.railway.script(RAILWAY_OURS, ['SUCCESS']);
    await started.railway.advance(RAILWAY_OURS);
  }
  started.cloudRun?.deployRevision({ id: CLOUD_RUN_OURS, commit: SHA, steps: ['SUCCEEDED'] });
}

async function stop(started: Started): Promise<void> {
  await Promise.all([
    started.svc.stop(),
    started.repository.close(),
    started.render?.close(),
    started.railway?.close(),
    started.cloudRun?.close(),
  ]);
  rmSync(started.dataDir, { recursive: true, force: true });
}

/** The correct inputs for a provider: with them, the healthy deploy passes (the control row). */
function correctInputs(provider: Provider, started: Started): Record<string, string> {
  const common = {
    commit: SHA,
    'expect-version': SHA,
    'health-schema': 'health-schema.yaml',
    checks: 'checks.yml',
    ...fast,
  };
  const { svc, render, railway, cloudRun } = started;
  if (provider === 'render' && render) {
    return {
      provider,
      'api-token': RENDER_TOKEN,
      'service-id': RENDER_SERVICE,
      'api-url': render.url,
      ...common,
    };
  }
  if (provider === 'railway' && railway) {
    return {
      provider,
      'api-token': RAILWAY_TOKEN,
      'service-id': RAILWAY_SERVICE,
      'environment-id': RAILWAY_ENV,
      'api-url': railway.url,
      // The emulator's Railway domain is not reachable from tests.
      url: svc.url,
      ...common,
    };
  }
  if (provider === 'cloud-run' && cloudRun) {
    return {
      provider,
      'api-token': CLOUD_RUN_TOKEN,
      'service-id': CLOUD_RUN_SERVICE,
      'api-url': cloudRun.url,
      ...common,
    };
  }
  return { url: svc.url, ...common };
}

/** The correct inputs with the mistake's over them; `{url}` stands for the service's base URL. */
function mistakenInputs(mistake: Mistake, provider: Provider, started: Started): Record<string, string> {
  const inputs = correctInputs(provider, started);
  for (const [name, given] of Object.entries(mistake.inputs)) {
    const value = pick(given, provider);
    if (value === undefined) delete inputs[name];
    else inputs[name] = value.replaceAll('{url}', started.svc.url);
  }
  return inputs;
}

/** Rollbacks the provider's emulator received, from its recorded requests. */
function rollbackCalls(started: Started): string[] {
  const { render, railway, cloudRun } = started;
  return [
    ...(render?.requests ?? [])
      .filter((r) => r.method === 'POST' && r.path.endsWith('/rollback'))
      .map((r) => `render ${r.method} ${r.path}`),
    ...(railway?.requests ?? [])
      .filter((r) => r.fields.includes('deploymentRollback') || r.fields.includes('deploymentRedeploy'))
      .map((r) => `railway ${r.fields.join(',')}`),
    ...(cloudRun?.requests ?? [])
      .filter((r) => r.operation?.endsWith('.UpdateService'))
      .map((r) => `cloud-run ${r.operation ?? r.path}`),
  ];
}

/** Every write the provider's emulator received: a configuration mistake changes nothing. */
function writes(started: Started): string[] {
  const { render, railway, cloudRun } = started;
  return [
    ...(render?.requests ?? []).filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`),
    ...(railway?.requests ?? []).filter((r) => r.operationType === 'mutation').map((r) => r.fields.join(',')),
    ...(cloudRun?.requests ?? [])
      .filter(
        (r) =>
          r.method === 'PATCH' || r.method === 'DELETE' || /\.(Update|Delete|Create)/.test(r.operation ?? ''),
      )
      .map((r) => r.operation ?? r.path),
  ];
}

function requestCount(started: Started): number {
  return (
    (started.render?.requests.length ?? 0) +
    (started.railway?.requests.length ?? 0) +
    (started.cloudRun?.requests.length ?? 0)
  );
}

function violations(started: Started): string[] {
  return [
    ...started.repository.github.violations,
    ...(started.render?.violations ?? []),
    ...(started.railway?.violations ?? []),
    ...(started.cloudRun?.violations ?? []),
  ];
}

/** The step's error text: what `::error` workflow commands carry, decoded. */
function errorText(run: StepRun): string {
  return run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::error'))
    .map((line) =>
      line
        .replace(/^::error[^:]*::/, '')
        .replaceAll('%0A', '\n')
        .replaceAll('%0D', '\r')
        .replaceAll('%25', '%'),
    )
    .join('\n');
}

/** The version production serves now, asked directly. */
async function servedVersion(svc: ExampleService): Promise<string> {
  const response = await fetch(`${svc.url}/health`);
  return ((await response.json()) as { version: string }).version;
}

/** Runs pre and main of one job, as the runner does, with the given inputs. */
async function runJob(started: Started, inputs: Record<string, string>) {
  const job = started.repository.job({
    env: { SMOKE_PASSWORD },
    actionDir: ACTION_DIR,
    // Every deploy here is healthy; a mistake in the inputs never makes a rollback right.
    truth: {
      deploy: 'healthy',
      rollback: started.render || started.railway || started.cloudRun ? 'wrong' : 'n/a',
    },
  });
  const pre = await job.run('pre', inputs);
  await deployHealthy(started);
  const before = requestCount(started);
  const main = await job.run('main', inputs);
  return { pre, main, mainRequests: requestCount(started) - before };
}

/**
 * The same healthy deploy with the correct inputs, and with spellings that look like mistakes but are not
 * (the product accepts them, so they must pass): each proves the setup passes, so a failing mistake case
 * fails because of its mistake.
 */
const TOLERATED: [string, Record<string, string>, Provider[]][] = [
  ['the correct inputs', {}, PROVIDERS],
  // `provider` is accepted in any case (action.yml).
  [
    'a capitalised provider (Render, Railway, Cloud-Run)',
    { provider: '{provider}' },
    ['render', 'railway', 'cloud-run'],
  ],
  // SHA prefixes of 7+ hex characters match either way, in any case.
  ['expect-version as an upper-case SHA', { 'expect-version': SHA.toUpperCase() }, PROVIDERS],
  ['expect-version as a 7-character short SHA', { 'expect-version': SHA.slice(0, 7) }, PROVIDERS],
];
const capitalised = (provider: string): string =>
  provider.replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
const tolerated = TOLERATED.flatMap(([name, inputs, providers]) =>
  providers.map((provider) => {
    const given = { ...inputs };
    if (given.provider) given.provider = capitalised(provider);
    return [provider, name, given] as const;
  }),
);

const cases = MISTAKES.flatMap((mistake) =>
  (mistake.providers ?? PROVIDERS).map((provider) => [provider, mistake.name, mistake] as const),
);

describe('configuration mistakes against a healthy deploy', () => {
  it.concurrent.each(tolerated)(
    '%s: %s passes (control)',
    async (provider, _name, inputs) => {
      const started = await start(provider, SHA);
      try {
        const given = { ...correctInputs(provider, started), ...inputs };
        const { pre, main } = await runJob(started, given);
        expect(pre.exitCode).toBe(0);
        expect([main.outputs, errorText(main)]).toMatchObject([
          { result: 'passed', 'failure-reason': '', 'rolled-back': 'false', version: SHA },
          '',
        ]);
        expect(main.exitCode).toBe(0);
        expect(rollbackCalls(started)).toEqual([]);
        expect(writes(started)).toEqual([]);
        expect(await servedVersion(started.svc)).toBe(SHA);
        expect(violations(started)).toEqual([]);
      } finally {
        await stop(started);
      }
    },
    150_000,
  );

  it.concurrent.each(cases)(
    '%s: %s fails as a configuration problem, with no rollback',
    async (provider, _name, mistake) => {
      const served = mistake.serves ?? SHA;
      const started = await start(provider, served);
      try {
        const { pre, main, mainRequests } = await runJob(started, mistakenInputs(mistake, provider, started));
        const input = pick(mistake.input, provider) ?? '';
        const fix = pick(mistake.fix, provider) ?? /Fix/;
        const text = errorText(main);
        // pre never fails the job: it notes why it wrote no canary, and main reports the problem.
        expect(pre.exitCode).toBe(0);
        expect(main.outputs).toMatchObject({
          result: 'failed',
          'failure-reason': pick(mistake.reason ?? 'config-error', provider),
          'rolled-back': 'false',
          'rollback-deploy-id': '',
        });
        expect(main.exitCode).toBe(1);
        expect(text).toContain(`\`${input}\``);
        expect(text).toMatch(fix);
        // Nothing rolled back, nothing written, and production still serves the healthy release.
        expect(rollbackCalls(started)).toEqual([]);
        expect(writes(started)).toEqual([]);
        expect(await servedVersion(started.svc)).toBe(served);
        if (pick(mistake.caught, provider) === 'config') expect(mainRequests).toBe(0);
        expect(violations(started)).toEqual([]);
      } finally {
        await stop(started);
      }
    },
    150_000,
  );
});
