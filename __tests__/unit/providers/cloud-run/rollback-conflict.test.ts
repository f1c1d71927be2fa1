/**
 * src/rollback.ts with a provider whose rollback write is refused because the service changed after it
 * was read (Cloud Run's etag, ABORTED): the decision is `superseded`, nothing counts as performed, and the
 * write is not tried again.
 */
import { describe, expect, it } from '@jest/globals';
import type { RunDeps } from '../../../../src/deps.js';
import { RollbackConflictError } from '../../../../src/errors.js';
import type { Deploy, Provider } from '../../../../src/providers/types.js';
import type { PhaseRunner } from '../../../../src/results.js';
import { rollBack, type RollbackSettings } from '../../../../src/rollback.js';
import { fakeTime } from '../../../helpers/time.js';

const T0 = Date.parse('2026-05-01T12:00:00Z');
const ours: Deploy = {
  id: 'api-3',
  status: 'SERVING',
  state: 'live',
  canRollbackTo: true,
  createdAt: T0 - 60_000,
};
const lkg: Deploy = {
  id: 'api-2',
  status: 'RETIRED',
  state: 'replaced',
  canRollbackTo: true,
  commit: '1111111aaaaaaaabbbbbbbbccccccccdddddddd',
  createdAt: T0 - 3_600_000,
  finishedAt: T0 - 3_500_000,
};

describe('rollBack: a write refused for a concurrent change', () => {
  it('is superseded, not performed, and the rollback is sent once', async () => {
    const time = fakeTime(T0);
    let writes = 0;
    const provider = {
      label: 'Cloud Run',
      autoDeployAdvice: 'pinned',
      listDeploys: async () => [],
      getDeploy: async () => ours,
      describeRollback: (target: Deploy) => `PATCH … ${target.id}`,
      rollback: async () => {
        writes++;
        throw new RollbackConflictError('Cloud Run refused the traffic change with ABORTED (409)');
      },
    } as unknown as Provider;
    const phase: PhaseRunner = async (_name, fn) => (await fn()).value;
    const logs: string[] = [];
    const deps = {
      clock: time.clock,
      sleep: time.sleep,
      random: () => 0,
      log: {
        info: (m: string) => logs.push(m),
        warning: () => undefined,
        group: (_n: string, fn: () => Promise<unknown>) => fn(),
      },
    } as unknown as RunDeps;
    const inFlight: unknown[] = [];
    const decision = await rollBack({
      settings: {
        mode: 'on-failure',
        timeoutMs: 300_000,
        pauseAutoDeploy: false,
      } as unknown as RollbackSettings,
      deps,
      provider,
      ours,
      lastKnownGood: lkg,
      deploys: [ours, lkg],
      base: new URL('https://shop-api-abc-ez.a.run.app'),
      progress: { phase, rollbackInFlight: (state) => inFlight.push(state) },
      within: (_deadline, fn) => fn(),
    });
    expect(decision).toMatchObject({
      result: 'superseded',
      performed: false,
      targetId: 'api-2',
      call: 'PATCH … api-2',
    });
    expect(decision.message).toBe(
      'Cloud Run refused the rollback to api-2 (commit 1111111aaaaa) because the service changed while this run decided ' +
        '(Cloud Run refused the traffic change with ABORTED (409)); someone else acted at the same moment, so nothing was ' +
        'rolled back and the rollback was not retried',
    );
    expect(decision.note).toBe(`not performed: ${decision.message}.`);
    expect(writes).toBe(1);
    // It was in flight while the write was out, and no longer once it was refused.
    expect(inFlight.at(-1)).toBeUndefined();
  });
});
