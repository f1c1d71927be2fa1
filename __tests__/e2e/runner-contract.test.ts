/**
 * The action as GitHub's runner starts it (test-kit/runner): every action.yml default filled in, pre before
 * checkout, post after a failed main, cancellation. These are the runs that failed on a real runner while
 * a suite that set only the inputs a test passed stayed green.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { Job } from '../../test-kit/runner/job.js';
import { startExampleService, type ExampleService } from '../../test-kit/example-service.js';
import { startRenderEmulator, type RenderEmulator } from '../../test-kit/emulators/render-emulator.js';

const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
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

describe('dist/main started as the runner starts it', () => {
  it('passes a healthy service given nothing but `url`', async () => {
    const svc = await service({ version: SHA });
    const run = await new Job({ github: { sha: SHA } }).run('main', { url: svc.url });
    expect(run.outputs['failure-reason']).toBe('');
    expect(run.outputs.result).toBe('passed');
    expect(run.exitCode).toBe(0);
  });

  it('adapts the default interval and request-timeout to a short timeout, and says so', async () => {
    const svc = await service({ version: SHA });
    const run = await new Job({ github: { sha: SHA } }).run('main', { url: svc.url, timeout: '2s' });
    expect(run.outputs.result).toBe('passed');
    expect(run.stdout).toContain('`interval` is 1s instead of its default 5s: `timeout` is 2s');
    expect(run.stdout).toContain('`request-timeout` is 2s instead of its default 10s');
  });

  it('follows a Render deploy given provider, api-token and service-id', async () => {
    const svc = await service({ version: SHA });
    const render = await startRenderEmulator({
      token: 'rnd_runnerContractKey01234',
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
    const run = await new Job({ github: { sha: SHA } }).run('main', {
      provider: 'render',
      'api-token': 'rnd_runnerContractKey01234',
      'service-id': 'srv-runnercontract000001',
      'api-url': render.url,
    });
    expect(run.outputs).toMatchObject({ result: 'passed', 'deploy-id': 'dep-runnercontract00001' });
    expect(render.violations).toEqual([]);
  });

  it('on deployment_status, expects the deployed commit unless `version-from: none` opts out, and says so', async () => {
    const svc = await service({ version: 'release-without-a-sha' });
    const event = {
      name: 'deployment_status',
      payload: {
        deployment_status: { state: 'success', environment_url: svc.url },
        deployment: { sha: SHA, environment: 'production' },
      },
    };
    const expecting = await new Job({ event, github: { sha: SHA } }).run('main', { timeout: '3s' });
    expect(expecting.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'version-mismatch' });
    const optedOut = await new Job({ event, github: { sha: SHA } }).run('main', { 'version-from': 'none' });
    expect(optedOut.outputs).toMatchObject({ result: 'passed', version: '' });
    expect(optedOut.summary).toContain('The version was not proven: `version-from: none`');
    expect(optedOut.report?.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('The version was not proven')]),
    );
  });
});
