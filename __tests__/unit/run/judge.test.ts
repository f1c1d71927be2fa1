/**
 * The judge decides from structured facts only: rewording any message must leave every verdict as it was.
 */
import { describe, expect, it } from '@jest/globals';
import type { HealthOutcome } from '../../../src/health.js';
import type { Deploy } from '../../../src/providers/types.js';
import type { ProbeResult } from '../../../src/results.js';
import { judge, type JudgeFacts } from '../../../src/run/judge.js';
import type { Verification } from '../../../src/verify.js';

const versionFrom = { kind: 'pointer', pointer: '/version' } as const;
const live: Deploy = { id: 'dep-1', status: 'live', state: 'live', canRollbackTo: true };

const facts = (verification: Verification, extra: Partial<JudgeFacts> = {}): JudgeFacts => ({
  verification,
  versionFrom,
  providerLabel: 'Render',
  ...extra,
});

describe('judge', () => {
  it('passes a healthy deploy that is still live after the checks', () => {
    const verdict = judge(facts({ probes: [], healthy: true, version: 'abc1234' }, { afterChecks: live }));
    expect(verdict).toEqual({ kind: 'passed', version: 'abc1234' });
  });

  it('fails, as the deploy’s own failure, a deploy that crashed while the checks passed', () => {
    const crashed: Deploy = { ...live, status: 'CRASHED', state: 'failed', failedStage: 'runtime' };
    const verdict = judge(facts({ probes: [], healthy: true }, { afterChecks: crashed }));
    expect(verdict).toMatchObject({ kind: 'failed', reason: 'deploy-failed' });
    expect(verdict.kind === 'failed' && verdict.inconclusive).toBeFalsy();
  });

  it('calls a failure the previous deploy shared inconclusive, whatever the messages say', () => {
    const baseline: HealthOutcome = {
      ok: false,
      reason: 'health-schema',
      waitable: false,
      message: 'any words at all',
    };
    const verification: Verification = {
      probes: [],
      healthy: false,
      failure: { reason: 'health-schema', message: 'reworded beyond recognition' },
    };
    const verdict = judge(facts(verification, { baseline }));
    expect(verdict).toMatchObject({ kind: 'failed', reason: 'health-schema' });
    expect(verdict.kind === 'failed' && verdict.inconclusive).toContain('failed the same health check');
  });

  it('reads "no version reported" from the reported version, not from the words "reports no version"', () => {
    const baseline: HealthOutcome = { ok: true, status: 200, durationMs: 5 };
    const silent: Verification = {
      probes: [],
      healthy: false,
      failure: {
        reason: 'version-mismatch',
        message: 'GET /health: a sentence that says nothing of versions',
      },
    };
    const reporting: Verification = {
      ...silent,
      version: 'deadbee',
      failure: {
        reason: 'version-mismatch',
        message: 'GET /health reports no version (a misleading message)',
      },
    };
    const expectVersion = '0123456789abcdef';
    const noVersion = judge(facts(silent, { baseline, expectVersion }));
    expect(noVersion.kind === 'failed' && noVersion.inconclusive).toContain('`version-from` (/version)');
    const mismatch = judge(facts(reporting, { baseline, expectVersion }));
    expect(mismatch.kind === 'failed' && mismatch.inconclusive).toBeFalsy();
  });

  it('keeps a verification’s inconclusive flag, which probes carry as a field rather than a phrase', () => {
    const timedOut: ProbeResult = {
      name: 'home',
      kind: 'request',
      passed: false,
      durationMs: 0,
      failure: 'GET /: any wording',
      inconclusive: true,
    };
    const verification: Verification = {
      probes: [timedOut],
      healthy: true,
      failure: { reason: 'check-failed', message: 'home: any wording' },
      inconclusive: 'the timeout ran out before the checks could run',
    };
    expect(judge(facts(verification))).toMatchObject({
      kind: 'failed',
      inconclusive: 'the timeout ran out before the checks could run',
    });
  });

  it('never rolls back on a version written another way (a configuration problem)', () => {
    const verification: Verification = {
      probes: [],
      healthy: false,
      failure: { reason: 'config-error', message: 'reports "1.2.3" and `expect-version` is "v1.2.3"' },
    };
    const verdict = judge(facts(verification));
    expect(verdict.kind === 'failed' && verdict.inconclusive).toContain('the inputs do not match');
  });

  it('calls a health check that never passed and points at an input inconclusive, unless the deploy before passed it', () => {
    const verification: Verification = {
      probes: [],
      healthy: false,
      failure: { reason: 'health-status', message: 'GET /helth answered 404', hint: 'check `health-path`' },
    };
    const unproven = judge(facts(verification));
    expect(unproven.kind === 'failed' && unproven.inconclusive).toContain('check `health-path`');
    const before: HealthOutcome = { ok: true, status: 200, durationMs: 3 };
    const broken = judge(facts(verification, { baseline: before }));
    expect(broken.kind === 'failed' && broken.inconclusive).toBeFalsy();
  });
});
