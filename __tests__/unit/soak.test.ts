/**
 * The soak after a pass (src/soak.ts), over a MockAgent service and a fake clock: it watches the health
 * check at `interval` and the provider's signals, and says when, in the window, anything failed.
 */
import { describe, expect, it } from '@jest/globals';
import { MockAgent } from 'undici';
import type { RunDeps } from '../../src/deps.js';
import { createHttpClient } from '../../src/http.js';
import type { Deploy, LiveSignal, Provider } from '../../src/providers/types.js';
import type { PhaseRunner } from '../../src/results.js';
import { SecretRegistry } from '../../src/secrets.js';
import { soak, type SoakSettings } from '../../src/soak.js';
import { fakeTime } from '../helpers/time.js';

const ORIGIN = 'http://svc.test';
const SHA = 'abcdef1234567890abcdef1234567890abcdef12';
type Answer = { status: number; version?: string };

/** The service answers /health from `answers(n)`, n counting from 0. */
function setup(answers: (n: number) => Answer, soakMs = 30_000) {
  const time = fakeTime();
  const agent = new MockAgent();
  agent.disableNetConnect();
  let n = 0;
  agent
    .get(ORIGIN)
    .intercept({ path: '/health', method: 'GET' })
    .reply(() => {
      const answer = answers(n++);
      return {
        statusCode: answer.status,
        data: JSON.stringify({ status: 'ok', version: answer.version ?? SHA }),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    })
    .persist();
  const secrets = new SecretRegistry(() => undefined);
  const deps = {
    http: createHttpClient({ dispatcher: agent, secrets, timeoutMs: 1000 }),
    clock: time.clock,
    sleep: time.sleep,
    secrets,
    log: {
      info: () => undefined,
      warning: () => undefined,
      group: (_n: string, fn: () => Promise<unknown>) => fn(),
    },
  } as unknown as RunDeps;
  const phases: string[] = [];
  const phase: PhaseRunner = async (name, fn) => {
    phases.push(name);
    return (await fn()).value;
  };
  const settings: SoakSettings = {
    soakMs,
    health: {
      path: '/health',
      headers: {},
      versionFrom: { kind: 'pointer', pointer: '/version' },
      requestTimeoutMs: 1000,
    },
    polling: { intervalMs: 5000, successThreshold: 2, failureThreshold: 3 },
  };
  return { time, deps, phases, phase, settings, probes: () => n };
}

const live: Deploy = { id: 'dep-ours', status: 'live', state: 'live', canRollbackTo: true, createdAt: 1 };

/** A provider whose watch reports `signal` after `afterMs` of fake time (or live at the deadline). */
function provider(signal?: { afterMs: number; result: LiveSignal }, newer: Deploy[] = []): Provider {
  return {
    label: 'Render',
    watchLive: async (deploy: Deploy, deadline: { remainingMs(): number }, abort: AbortSignal) => {
      void abort;
      if (signal && signal.afterMs < deadline.remainingMs()) return signal.result;
      return { live: true, deploy };
    },
    listDeploys: async () => newer,
  } as unknown as Provider;
}

describe('soak', () => {
  it('passes a deploy that stays healthy, only after the whole window, as a phase of its own', async () => {
    const s = setup(() => ({ status: 200 }));
    const result = await soak(
      s.settings,
      { base: new URL(ORIGIN), version: SHA, expectVersion: SHA },
      s.deps,
      s.phase,
    );
    expect(result).toEqual({ kind: 'passed' });
    expect(s.time.clock.now() - 1_000_000).toBeGreaterThanOrEqual(30_000);
    expect(s.probes()).toBe(6); // every 5 s for 30 s
    expect(s.phases).toEqual(['Soak: keep watching for 30s']);
  });

  it('fails a service that turns 503 after passing, saying when in the soak', async () => {
    const s = setup((n) => ({ status: n < 2 ? 200 : 503 }));
    const result = await soak(s.settings, { base: new URL(ORIGIN), version: SHA }, s.deps, s.phase);
    expect(result).toMatchObject({ kind: 'failed', reason: 'unstable' });
    expect(result.kind === 'failed' && result.message).toMatch(
      /answered 503 .*\(3 consecutive failed checks during the soak, 25s after it began \(at .*Z\)\)/,
    );
  });

  it('fails on a version no newer deploy explains, and calls one a newer deploy brought superseded', async () => {
    const changed = (n: number): Answer => ({ status: 200, version: n < 2 ? SHA : '9999999aaaaaaa' });
    const alone = setup(changed);
    expect(
      await soak(
        alone.settings,
        { base: new URL(ORIGIN), version: SHA, deploy: live, provider: provider() },
        alone.deps,
        alone.phase,
      ),
    ).toMatchObject({ kind: 'failed', reason: 'version-mismatch' });
    const newer: Deploy = {
      id: 'dep-newer',
      status: 'live',
      state: 'live',
      canRollbackTo: true,
      createdAt: 2,
    };
    const took = setup(changed);
    const result = await soak(
      took.settings,
      { base: new URL(ORIGIN), version: SHA, deploy: live, provider: provider(undefined, [newer]) },
      took.deps,
      took.phase,
    );
    expect(result).toMatchObject({ kind: 'superseded' });
    expect(result.kind === 'superseded' && result.message).toContain('newer deploy dep-newer');
  });

  it('fails when the provider says the deploy stopped serving (CRASHED after SUCCESS)', async () => {
    const s = setup(() => ({ status: 200 }));
    const crashed: Deploy = { ...live, status: 'CRASHED', state: 'failed', failedStage: 'runtime' };
    const result = await soak(
      s.settings,
      {
        base: new URL(ORIGIN),
        version: SHA,
        deploy: live,
        provider: provider({
          afterMs: 10_000,
          result: { live: false, deploy: crashed, why: 'it is CRASHED now' },
        }),
      },
      s.deps,
      s.phase,
    );
    expect(result).toMatchObject({ kind: 'failed', reason: 'deploy-failed' });
    expect(result.kind === 'failed' && result.message).toContain('stopped serving during the soak');
  });

  it("keeps watching with the health check when the provider's API fails, and says what was not watched", async () => {
    const s = setup(() => ({ status: 200 }));
    const failing = {
      label: 'Render',
      watchLive: async () => {
        throw new Error('Render API: 503 Service Unavailable after 5 attempts');
      },
      listDeploys: async () => [],
    } as unknown as Provider;
    const result = await soak(
      s.settings,
      { base: new URL(ORIGIN), version: SHA, deploy: live, provider: failing },
      s.deps,
      s.phase,
    );
    expect(result).toMatchObject({ kind: 'passed' });
    expect(result.kind === 'passed' && result.warnings).toEqual([
      expect.stringMatching(
        /^Render's status of deploy dep-ours could not be read during the soak, .*503 Service Unavailable.*only the health check watched it$/,
      ),
    ]);
    // The health check watched the whole window.
    expect(s.probes()).toBe(6);
  });

  it('with soak: 0s gives the verdict at once, with no soak phase', async () => {
    const s = setup(() => ({ status: 503 }), 0);
    expect(await soak(s.settings, { base: new URL(ORIGIN), version: SHA }, s.deps, s.phase)).toEqual({
      kind: 'passed',
    });
    expect(s.probes()).toBe(0);
    expect(s.phases).toEqual([]);
  });
});
