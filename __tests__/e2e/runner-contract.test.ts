/**
 * The action as GitHub's runner starts it (test-kit/runner): every action.yml default filled in, pre before
 * checkout, post after a failed main, cancellation. These are the runs that failed on a real runner while
 * a suite that set only the inputs a test passed stayed green.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { Job } from '../../test-kit/runner/job.js';
import { startExampleService, type ExampleService } from '../../test-kit/example-service.js';
import { startRenderEmulator, type RenderEmulator } from '../../test-kit/emulators/render-emulator.js';

const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
/** What is true of each case, for the Reliability table (test-kit/ground-truth.ts). */
const HEALTHY_URL = { deploy: 'healthy', rollback: 'n/a' } as const;
const HEALTHY_RENDER = { deploy: 'healthy', rollback: 'wrong' } as const;
/** The old release still answers: the deployed commit is not serving. */
const OLD_RELEASE = { deploy: 'broken', rollback: 'n/a' } as const;
/**
 * The service answers healthy; the team opted out of proving the version (`version-from: none`), and the
 * verdict says it was not proven.
 */
const UNPROVEN_BY_CHOICE = { deploy: 'healthy', rollback: 'n/a' } as const;
const services: ExampleService[] = [];
const emulators: RenderEmulator[] = [];
async function service(options: Parameters<typeof startExampleService>[0] = {}): Promise<ExampleService> {
  const started = await startExampleService(options);
  services.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
});

describe('the runner contract itself', () => {
  it('sets INPUT_* for every declared input: the given value, else the default with ${{ }} evaluated, else empty', async () => {
    // A minimal action whose main prints the INPUT_* variables it was started with.
    const dir = mkdtempSync(join(tmpdir(), 'runner-contract-'));
    writeFileSync(
      join(dir, 'action.yml'),
      [
        'name: inputs',
        'inputs:',
        '  given: { default: from-action-yml }',
        '  defaulted: { default: auto }',
        '  token: { default: "${{ github.token }}" }',
        '  sha: { default: "${{ github.sha }}" }',
        '  optional: { required: false }',
        'runs: { using: node24, main: main.mjs }',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'main.mjs'),
      `const inputs = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('INPUT_')));\n` +
        `console.log(JSON.stringify(inputs));\n`,
    );
    const run = await new Job({
      actionDir: dir,
      github: { sha: SHA },
      githubApi: { url: 'http://127.0.0.1:9', token: 'ghs_Nd3Vx8Kq5Tz1Wm7Rb4Hp9Yc2' },
      truth: { deploy: 'healthy', rollback: 'n/a' },
    }).run('main', { given: 'from-the-step' });
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({
      INPUT_GIVEN: 'from-the-step',
      INPUT_DEFAULTED: 'auto',
      INPUT_TOKEN: 'ghs_Nd3Vx8Kq5Tz1Wm7Rb4Hp9Yc2',
      INPUT_SHA: SHA,
      INPUT_OPTIONAL: '',
    });
  });
});

describe('dist/main started as the runner starts it', () => {
  it('passes a healthy service given nothing but `url`, after the default 30s soak', async () => {
    const svc = await service({ version: SHA });
    const run = await new Job({ github: { sha: SHA }, truth: HEALTHY_URL }).run('main', { url: svc.url });
    expect(run.outputs['failure-reason']).toBe('');
    expect(run.outputs.result).toBe('passed');
    expect(run.exitCode).toBe(0);
    // Every default applies, `soak` among them: the verdict waits for the whole window.
    expect(run.summary).toMatch(/Soak\W+keep watching for 30s/);
    expect(run.durationMs).toBeGreaterThanOrEqual(30_000);
  }, 90_000);

  it('adapts the default interval and request-timeout to a short timeout, and says so', async () => {
    const svc = await service({ version: SHA });
    const run = await new Job({ github: { sha: SHA }, truth: HEALTHY_URL }).run('main', {
      url: svc.url,
      timeout: '2s',
      soak: '0s',
    });
    expect(run.outputs.result).toBe('passed');
    expect(run.stdout).toContain('`interval` is 1s instead of its default 5s: `timeout` is 2s');
    expect(run.stdout).toContain('`request-timeout` is 2s instead of its default 10s');
  });

  it('follows a Render deploy given provider, api-token and service-id', async () => {
    const svc = await service({ version: SHA });
    const render = await startRenderEmulator({
      token: 'rnd_Wq5Zk8Xt2Mv7Pb4Rn9Hc1Ly6',
      serviceId: 'srv-runnercontract000001',
      ownerId: 'tea-runnercontract000001',
      serviceUrl: svc.url,
      deploys: [
        {
          id: 'dep-runnercontract00001',
          commit: SHA,
          status: 'live',
          createdAt: new Date(Date.now() - 60_000).toISOString(),
        },
      ],
    });
    emulators.push(render);
    const run = await new Job({ github: { sha: SHA }, truth: HEALTHY_RENDER }).run('main', {
      provider: 'render',
      'api-token': 'rnd_Wq5Zk8Xt2Mv7Pb4Rn9Hc1Ly6',
      'service-id': 'srv-runnercontract000001',
      'api-url': render.url,
      soak: '0s',
    });
    expect(run.outputs).toMatchObject({ result: 'passed', 'deploy-id': 'dep-runnercontract00001' });
    expect(render.violations).toEqual([]);
  });

  it('on deployment_status, expects the deployed commit unless `version-from: none` opts out, and says so', async () => {
    // The release still serving is an older commit (a name such as a tag would be a configuration mistake).
    const svc = await service({ version: '9'.repeat(40) });
    const event = {
      name: 'deployment_status',
      payload: {
        deployment_status: { state: 'success', environment_url: svc.url },
        deployment: { sha: SHA, environment: 'production' },
      },
    };
    const expecting = await new Job({ event, github: { sha: SHA }, truth: OLD_RELEASE }).run('main', {
      timeout: '3s',
    });
    expect(expecting.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'version-mismatch' });
    const optedOut = await new Job({ event, github: { sha: SHA }, truth: UNPROVEN_BY_CHOICE }).run('main', {
      'version-from': 'none',
      soak: '0s',
    });
    expect(optedOut.outputs).toMatchObject({ result: 'passed', version: '' });
    expect(optedOut.summary).toContain('The version was not proven: `version-from: none`');
    expect(optedOut.report?.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('The version was not proven')]),
    );
  });
});

/**
 * The Reliability table's own check: with RELIABILITY_PLANT_WRONG_CASE=1, a healthy service that passes is
 * declared broken, and `scripts/reliability.mjs` must then report one false pass (and refuse to write the
 * README). Skipped otherwise; its red run is the proof that the table counts from the records.
 */
describe('a planted wrong case', () => {
  (process.env.RELIABILITY_PLANT_WRONG_CASE ? it : it.skip)(
    'a healthy pass, declared broken, is counted as a false pass',
    async () => {
      const svc = await service({ version: SHA });
      const run = await new Job({ github: { sha: SHA }, truth: { deploy: 'broken', rollback: 'n/a' } }).run(
        'main',
        { url: svc.url, soak: '0s' },
      );
      expect(run.outputs.result).toBe('passed');
    },
  );
});
