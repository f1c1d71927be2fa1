/**
 * The rollback's fallback target, end to end: when the deploy that was live before ours cannot be rolled
 * back to, the action picks the newest earlier deploy that can (src/providers/history.ts,
 * chooseRollbackTarget), rolls back to it and verifies it. Every other end-to-end case has a rollbackable
 * last known good deploy, so without this one the fallback never runs outside a unit test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Job } from '../../test-kit/runner/job.js';
import { summaryAsText } from '../../test-kit/summary-text.js';
import { DEMO_REPOSITORY } from '../../test-kit/repository.js';
import {
  startEmbeddedPostgres,
  startExampleService,
  type EmbeddedPostgres,
  type ExampleService,
} from '../../test-kit/example-service.js';
import { startRailwayEmulator, type RailwayEmulator } from '../../test-kit/emulators/railway-emulator.js';

jest.setTimeout(90_000);

const TOKEN = 'rwy-Gk6Tz3Xq8Wv1Nm5Rb2Hd7-4b8d2f61a9c3e7051d2e';
const PROJECT_ID = 'b7a1c9e2-5d3f-4e8a-9c1b-2f6d8e4a0b11';
const SERVICE_ID = 'c3d4e5f6-7a8b-4c9d-8e0f-1a2b3c4d5b12';
const ENV_ID = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4b13';
const OLDER = '0a0a0a0a-1111-4111-8111-00000000b001';
const PREVIOUS = '0b0b0b0b-2222-4222-8222-00000000b002';
const OURS = '0c0c0c0c-3333-4333-8333-00000000b003';
const ROLLBACK = '0e0e0e0e-5555-4555-8555-00000000b005';
const OLDER_SHA = '2222222aaaaaaaabbbbbbbbccccccccdddddddd';
const OLD_SHA = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';

let postgres: EmbeddedPostgres;
const closers: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
}, 90_000);
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(async () => {
  await postgres?.stop();
});

const at = (minutesAgo: number): string => new Date(Date.now() - minutesAgo * 60_000).toISOString();

describe('the rollback target when the last known good deploy cannot be rolled back to', () => {
  it('Railway: rolls back to the newest earlier deployment that can be, and verifies it', async () => {
    const svc: ExampleService = await startExampleService({ version: OLD_SHA, databaseUrl: postgres.url });
    closers.push(() => svc.stop());
    const railway: RailwayEmulator = await startRailwayEmulator({
      token: TOKEN,
      projectId: PROJECT_ID,
      serviceId: SERVICE_ID,
      serviceName: 'shop-api',
      environmentId: ENV_ID,
      domain: 'shop-api-production.up.railway.app.invalid',
      deployments: [
        // Older, and Railway can still roll back to it.
        { id: OLDER, status: 'REMOVED', createdAt: at(120), commitHash: OLDER_SHA, canRollback: true },
        // Live before ours, but Railway can no longer roll back to it (its image is gone).
        { id: PREVIOUS, status: 'SUCCESS', createdAt: at(60), commitHash: OLD_SHA, canRollback: false },
        { id: OURS, status: 'QUEUED', createdAt: at(1), commitHash: SHA },
      ],
    });
    closers.push(() => railway.close());
    railway.script(OURS, ['DEPLOYING', 'SUCCESS'], {
      onSuccess: () => svc.restart({ version: SHA, faults: 'degraded' }),
    });
    const targets: string[] = [];
    railway.onRollback(async (target) => {
      targets.push(target);
      return {
        deploymentId: ROLLBACK,
        statuses: ['DEPLOYING', 'SUCCESS'],
        onSuccess: () => svc.restart({ version: OLDER_SHA, faults: '' }),
      };
    });

    const run = await new Job({
      repository: DEMO_REPOSITORY,
      github: { sha: SHA },
      // Our deployment went live and failed its schema: a rollback is right, to what can be restored.
      truth: { deploy: 'broken', rollback: 'right' },
    }).run('main', {
      provider: 'railway',
      'api-token': TOKEN,
      'service-id': SERVICE_ID,
      'environment-id': ENV_ID,
      'api-url': railway.url,
      url: svc.url,
      commit: SHA,
      'health-schema': 'health-schema.yaml',
      timeout: '20s',
      interval: '200ms',
      'request-timeout': '2s',
      soak: '0s',
    });

    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      'failure-reason': 'health-schema',
      'rolled-back': 'true',
      'rollback-deploy-id': ROLLBACK,
    });
    // Not the deployment that was live before ours: Railway cannot roll back to it.
    expect(targets).toEqual([OLDER]);
    const text = summaryAsText(run.summary);
    expect(text).toContain(
      `rolled back to ${OLDER} (commit ${OLDER_SHA.slice(0, 12)}) as deploy ${ROLLBACK}`,
    );
    expect(text).toContain('the restored deploy passed the health check');
    // The restored deploy was verified, expecting its own commit.
    const restored = run.report?.probes.filter((probe) => probe.name.startsWith('Restored deploy: ')) ?? [];
    expect(restored.length).toBeGreaterThan(0);
    expect(restored.every((probe) => probe.passed)).toBe(true);
    expect(railway.violations).toEqual([]);
  });
});
