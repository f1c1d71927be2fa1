/**
 * The Reliability table's counting (scripts/lib/ground-truth.mjs) and the runner's observation
 * (test-kit/ground-truth.ts): a planted wrong case is counted, whatever its test asserted.
 */
import { describe, expect, it } from '@jest/globals';
import { countDisagreements } from '../../scripts/lib/ground-truth.mjs';
import {
  budgetMs,
  findLeaks,
  isRollbackRequest,
  LIMITS,
  type CaseRecord,
  type ObservedStep,
} from '../../test-kit/ground-truth.js';

const agreeing: CaseRecord = {
  file: '__tests__/e2e/render.test.ts',
  test: 'F1: a deploy that fell back to SQLite is rolled back',
  action: '.',
  truth: { deploy: 'broken', rollback: 'right' },
  result: 'rolled-back',
  reason: 'health-schema',
  exitCode: 1,
  rollbackCalls: 1,
  durationMs: 4_000,
  budgetMs: 40_000,
  peakRssMiB: 80,
  leaks: [],
};
const healthyPass: CaseRecord = {
  ...agreeing,
  file: '__tests__/fault/service-faults.test.ts',
  test: 'a healthy service passes',
  truth: { deploy: 'healthy', rollback: 'n/a' },
  result: 'passed',
  reason: '',
  exitCode: 0,
  rollbackCalls: 0,
};

describe('countDisagreements', () => {
  it('counts nothing when every case agrees with its truth', () => {
    const found = countDisagreements([agreeing, healthyPass], LIMITS);
    expect(found).toMatchObject({ cases: 2, e2e: 1, fault: 1, worstPeakRssMiB: 80 });
    for (const kind of [
      'falsePasses',
      'falseRollbacks',
      'missedRollbacks',
      'leaks',
      'hangs',
      'overMemory',
      'undeclared',
    ] as const) {
      expect(found[kind]).toEqual([]);
    }
  });

  it('leaves out the runs of another build (a planted mutation), saying how many', () => {
    const mutant = { ...agreeing, action: '.tmp/leaks-mutant', leaks: ['a piece in summary'] };
    const found = countDisagreements([agreeing, mutant], LIMITS);
    expect(found).toMatchObject({ cases: 1, otherBuilds: 1, leaks: [] });
  });

  it('counts a planted wrong case: a healthy pass declared broken is one false pass', () => {
    const planted = { ...healthyPass, truth: { deploy: 'broken', rollback: 'n/a' } } as const;
    const found = countDisagreements([agreeing, planted], LIMITS);
    expect(found.falsePasses).toEqual([planted]);
  });

  it.each<[string, Partial<CaseRecord>, keyof ReturnType<typeof countDisagreements>]>([
    ['a rollback where none was right', { truth: { deploy: 'broken', rollback: 'wrong' } }, 'falseRollbacks'],
    ['a rollback without a provider', { truth: { deploy: 'broken', rollback: 'n/a' } }, 'falseRollbacks'],
    ['a rollback sent twice', { rollbackCalls: 2 }, 'falseRollbacks'],
    ['no rollback where one was right', { rollbackCalls: 0, result: 'failed' }, 'missedRollbacks'],
    ['a leak', { leaks: ['rnd_… in summary'] }, 'leaks'],
    ['a run past its budget and the margin', { durationMs: 40_000 + LIMITS.marginMs + 1 }, 'hangs'],
    ['a run the runner killed', { exitCode: -1 }, 'hangs'],
    ['a run over the memory limit', { peakRssMiB: LIMITS.rssLimitMiB + 1 }, 'overMemory'],
    ['a case with no truth', { truth: null }, 'undeclared'],
  ])('counts %s', (_what, change, kind) => {
    const wrong = { ...agreeing, ...change };
    expect(countDisagreements([healthyPass, wrong], LIMITS)[kind]).toEqual([wrong]);
  });
});

describe('the runner’s observation', () => {
  it('knows a rollback call of each provider, and nothing else', () => {
    expect(isRollbackRequest('POST', '/v1/services/srv-1/rollback', '')).toBe(true);
    expect(
      isRollbackRequest('POST', '/graphql/v2', '{"query":"mutation { deploymentRollback(id: \\"d\\") }"}'),
    ).toBe(true);
    expect(isRollbackRequest('PATCH', '/v2/projects/p/locations/r/services/s', '{}')).toBe(true);
    expect(isRollbackRequest('GET', '/v1/services/srv-1/deploys', '')).toBe(false);
    expect(isRollbackRequest('POST', '/graphql/v2', '{"query":"query { deployments }"}')).toBe(false);
    expect(isRollbackRequest('POST', '/v1/services/srv-1/deploys', '')).toBe(false);
  });

  it('gives a run its timeout and soak, twice when a provider may roll back', () => {
    expect(budgetMs({ timeout: '20s', soak: '0s' })).toBe(20_000);
    expect(budgetMs({ timeout: '20s', soak: '5s', provider: 'render' })).toBe(50_000);
    expect(budgetMs({ timeout: '20s', provider: 'render', rollback: 'never' })).toBe(20_000);
    expect(budgetMs({})).toBe(600_000);
  });

  it('finds a secret, or a piece of 8 characters of it, in any channel; a masked value only whole', () => {
    const step: ObservedStep = {
      exitCode: 1,
      durationMs: 1,
      stdout: '::add-mask::application/json\nrequest sent with application/json',
      stderr: '',
      summary: 'the key ends in …wxyz1234abcd',
      outputs: { result: 'failed' },
    };
    expect(findLeaks(step, [], ['rnd_abcdefghwxyz1234abcd'])).toEqual([
      'rnd_abcdefghwxyz1234abcd (the piece "wxyz1234") in summary',
    ]);
    expect(findLeaks(step, [], [], ['application/json'])).toEqual(['a masked value in stdout']);
    expect(findLeaks(step, ['posted rnd_abcdefgh'], ['rnd_abcdefghwxyz1234abcd'])).toEqual([
      'rnd_abcdefghwxyz1234abcd (the piece "wxyz1234") in summary',
      'rnd_abcdefghwxyz1234abcd (the piece "rnd_abcd") in published',
    ]);
  });
});
