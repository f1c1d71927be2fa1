/**
 * The judge decides from structured facts only: rewording any message must leave every verdict as it was.
 */
import { describe, expect, it } from '@jest/globals';
import type { HealthOutcome } from '../../../src/health.js';
import type { Deploy } from '../../../src/providers/types.js';
import type { FailureReason, ProbeResult } from '../../../src/results.js';
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

describe('judge: each fact on its own (mutation testing)', () => {
  const failing = (reason: FailureReason, extra: Partial<Verification> = {}): Verification => ({
    probes: [],
    healthy: true,
    failure: { reason, message: `${reason} happened` },
    ...extra,
  });
  const own = (reason: string, version?: string) => ({
    kind: 'failed',
    reason,
    message: `${reason} happened`,
    version,
    inconclusive: undefined,
  });

  it('names the deploy that stopped being live, with or without a provider label', () => {
    const crashed: Deploy = { ...live, status: 'CRASHED', state: 'failed' };
    expect(judge(facts({ probes: [], healthy: true, version: 'v1' }, { afterChecks: crashed }))).toEqual({
      kind: 'failed',
      reason: 'deploy-failed',
      message: 'Render deploy dep-1 became CRASHED while the checks ran, although they passed',
      version: 'v1',
    });
    expect(
      judge({ verification: { probes: [], healthy: true }, versionFrom, afterChecks: crashed }),
    ).toMatchObject({
      message: 'The provider deploy dep-1 became CRASHED while the checks ran, although they passed',
    });
  });

  it('passes without a status read after the checks', () => {
    expect(judge(facts({ probes: [], healthy: true }))).toEqual({ kind: 'passed', version: undefined });
  });

  it('calls a failure the deploy’s own when nothing points elsewhere', () => {
    expect(judge(facts(failing('check-failed', { version: 'v2' })))).toEqual(own('check-failed', 'v2'));
    // Never healthy, but no input to blame.
    expect(judge(facts(failing('health-schema', { healthy: false })))).toEqual(own('health-schema'));
    // An input to blame, but the service had passed.
    const hinted = failing('health-status');
    hinted.failure = {
      reason: 'health-status',
      message: 'health-status happened',
      hint: 'check `health-path`',
    };
    expect(judge(facts(hinted))).toMatchObject({ inconclusive: undefined });
  });

  it('says the health check never passed and which input it points at', () => {
    const verification: Verification = {
      probes: [],
      healthy: false,
      failure: { reason: 'health-status', message: 'x', hint: 'check `health-path`' },
    };
    expect(judge(facts(verification))).toMatchObject({
      inconclusive: 'the health check never passed, and check `health-path`',
    });
    expect(
      judge(
        facts(verification, { baseline: { ok: false, reason: 'unreachable', waitable: true, message: 'm' } }),
      ),
    ).toMatchObject({ inconclusive: 'the health check never passed, and check `health-path`' });
  });

  it('quotes the earlier deploy’s failure when it failed the same way', () => {
    const baseline: HealthOutcome = {
      ok: false,
      reason: 'health-schema',
      waitable: false,
      message: 'db is sqlite',
    };
    expect(judge(facts(failing('health-schema'), { baseline }))).toMatchObject({
      inconclusive: 'the deploy that served before this one failed the same health check (db is sqlite)',
    });
  });

  it('does not blame the check when the earlier deploy failed it another way, or was only starting', () => {
    const other: HealthOutcome = { ok: false, reason: 'unreachable', waitable: true, message: 'refused' };
    expect(judge(facts(failing('health-schema'), { baseline: other }))).toEqual(own('health-schema'));
    const starting: HealthOutcome = { ok: false, reason: 'not-ready', waitable: true, message: '503' };
    expect(judge(facts(failing('not-ready'), { baseline: starting }))).toEqual(own('not-ready'));
    const passing: HealthOutcome = { ok: true, status: 200, durationMs: 1 };
    expect(judge(facts(failing('health-schema'), { baseline: passing, expectVersion: 'abc1234' }))).toEqual(
      own('health-schema'),
    );
  });

  it('blames version-from only when the earlier deploy passed without a version, one was expected, and none came', () => {
    const silent: HealthOutcome = { ok: true, status: 200, durationMs: 1 };
    const expectVersion = 'abc1234';
    expect(
      judge({
        ...facts(failing('version-mismatch'), { baseline: silent, expectVersion }),
        versionFrom: { kind: 'header', name: 'x-v' },
      }),
    ).toMatchObject({
      inconclusive:
        'the deploy that served before this one failed the same health check: it reported no version either, so `version-from` (header:x-v) does not point at the version',
    });
    // The earlier deploy reported a version: the pointer works.
    expect(
      judge(
        facts(failing('version-mismatch'), { baseline: { ...silent, version: 'old1234' }, expectVersion }),
      ),
    ).toEqual(own('version-mismatch'));
    // Nothing was expected.
    expect(judge(facts(failing('version-mismatch'), { baseline: silent }))).toEqual(own('version-mismatch'));
    // The earlier deploy failed (another way): nothing to compare.
    const down: HealthOutcome = { ok: false, reason: 'unreachable', waitable: true, message: 'refused' };
    expect(judge(facts(failing('version-mismatch'), { baseline: down, expectVersion }))).toEqual(
      own('version-mismatch'),
    );
  });
});
