/**
 * The rollback (src/rollback.ts) against an in-memory provider and a scripted health endpoint on a fake
 * clock: every guard, every way the rollback call and the restored deploy can end, and what each decision
 * says to the human on call.
 */
import { describe, expect, it } from '@jest/globals';
import type { ChecksFile } from '../../src/checks/types.js';
import type { RunDeps } from '../../src/deps.js';
import { RollbackConflictError, RollbackUnconfirmedError } from '../../src/errors.js';
import type { HealthSettings } from '../../src/health.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/http.js';
import type { Deadline } from '../../src/poll.js';
import type {
  Deploy,
  DeployState,
  LiveSignal,
  Provider,
  ServiceInfo,
  StatusListener,
  WaitForDeployResult,
} from '../../src/providers/types.js';
import type { PhaseRunner } from '../../src/results.js';
import {
  rollBack,
  type RollbackInFlight,
  type RollbackMode,
  type RollbackSettings,
} from '../../src/rollback.js';
import { SecretRegistry } from '../../src/secrets.js';
import { fakeTime } from '../helpers/time.js';

const T0 = Date.parse('2026-05-01T12:00:00Z');
const MIN = 60_000;
const OURS_SHA = 'abcdef1234567890abcdef1234567890abcdef12';
const GOOD_SHA = '0123456789abcdef0123456789abcdef01234567';

function dep(id: string, state: DeployState, createdMin?: number, extra: Partial<Deploy> = {}): Deploy {
  return {
    id,
    status: extra.status ?? state,
    state,
    canRollbackTo: state === 'live' || state === 'replaced',
    createdAt: createdMin === undefined ? undefined : T0 + createdMin * MIN,
    finishedAt: createdMin === undefined ? undefined : T0 + (createdMin + 1) * MIN,
    ...extra,
  };
}

const good = dep('good', 'replaced', -60, { commit: GOOD_SHA, status: 'deactivated' });
const ours = dep('ours', 'live', -5, { commit: OURS_SHA });

/** An in-memory provider: each behaviour can be replaced by a test. */
class FakeProvider implements Provider {
  readonly label = 'Render';
  readonly capabilities = { pauseAutoDeploy: true, pushStatus: false, previews: false };
  readonly noRollbackTarget = 'no earlier deploy was live';
  readonly autoDeployAdvice = 'Turn auto-deploy off until a fix is merged.';
  resumeAutoDeploy?: string = 'Turn auto-deploy back on in Settings.';
  readonly calls: string[] = [];
  deploys: Deploy[] = [good, ours];
  /** Deploys that appear in lists only from the second listing on (the race check). */
  lateDeploys: Deploy[] = [];
  current: Deploy = ours;
  rollbackResult: (target: Deploy) => Promise<Deploy> = async () => dep('restored', 'pending', 1);
  waitResult: (id: string, onStatus: StatusListener) => Promise<WaitForDeployResult> = async (
    id,
    onStatus,
  ) => {
    onStatus(dep(id, 'pending', 1, { status: 'build_in_progress' }), undefined);
    onStatus(dep(id, 'live', 1), 'build_in_progress');
    return { settled: true, deploy: dep(id, 'live', 1) };
  };
  watchResult: (deploy: Deploy) => Promise<LiveSignal> = async (deploy) => ({ live: true, deploy });
  pauseResult: () => Promise<void> = async () => undefined;
  private listings = 0;

  async service(): Promise<ServiceInfo> {
    return { id: 'srv-1', name: 'shop' };
  }
  async getDeploy(id: string): Promise<Deploy> {
    this.calls.push(`getDeploy ${id}`);
    return this.current;
  }
  async listDeploys(options?: { createdAfter?: number }): Promise<Deploy[]> {
    this.calls.push(`listDeploys ${options?.createdAfter ?? ''}`);
    this.listings++;
    const all = this.listings > 1 ? [...this.deploys, ...this.lateDeploys] : this.deploys;
    return all
      .filter((d) => options?.createdAfter === undefined || (d.createdAt ?? 0) > options.createdAfter)
      .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  }
  async triggerDeploy(): Promise<Deploy | undefined> {
    return undefined;
  }
  waitForDeploy(id: string, _deadline: Deadline, onStatus: StatusListener): Promise<WaitForDeployResult> {
    this.calls.push(`waitForDeploy ${id}`);
    return this.waitResult(id, onStatus);
  }
  watchLive(deploy: Deploy): Promise<LiveSignal> {
    this.calls.push(`watchLive ${deploy.id}`);
    return this.watchResult(deploy);
  }
  async evidence() {
    return { lines: [], events: [], notes: [] };
  }
  describeRollback(target: Deploy): string {
    return `POST /rollback {"deployId":"${target.id}"}`;
  }
  rollback(target: Deploy): Promise<Deploy> {
    this.calls.push(`rollback ${target.id}`);
    return this.rollbackResult(target);
  }
  pauseAutoDeploy(): Promise<void> {
    this.calls.push('pauseAutoDeploy');
    return this.pauseResult();
  }
  async usePreview(): Promise<ServiceInfo | undefined> {
    return undefined;
  }
  requestCount(): number {
    return this.calls.length;
  }
}

/** A health endpoint that reports `version` (a function of the request count), or fails as told. */
function healthEndpoint(answer: (n: number) => { status: number; version?: string }) {
  let n = 0;
  const requests: HttpRequest[] = [];
  const http: HttpClient = {
    request: async (req): Promise<HttpResponse> => {
      requests.push(req);
      const { status, version } = answer(n++);
      const text = JSON.stringify(version === undefined ? {} : { version });
      return {
        status,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(text),
        url: String(req.url),
        durationMs: 5,
        text: () => text,
        json: () => JSON.parse(text) as unknown,
      };
    },
  };
  return { http, requests };
}

function setup(
  options: {
    mode?: RollbackMode;
    lastKnownGood?: Deploy;
    pauseAutoDeploy?: boolean;
    checksVersion?: boolean;
    checksFile?: ChecksFile;
    soakMs?: number;
    health?: (n: number) => { status: number; version?: string };
    random?: () => number;
  } = {},
) {
  const time = fakeTime(T0);
  const provider = new FakeProvider();
  const logs: string[] = [];
  const phases: string[] = [];
  /** Whether each phase ended well, as the timeline shows it. */
  const phaseOk: boolean[] = [];
  const inFlight: (RollbackInFlight | undefined)[] = [];
  const budgets: number[] = [];
  const endpoint = healthEndpoint(options.health ?? (() => ({ status: 200, version: GOOD_SHA })));
  const health: HealthSettings = {
    path: '/health',
    headers: {},
    versionFrom: { kind: 'pointer', pointer: '/version' },
    requestTimeoutMs: 1000,
  };
  const polling = { intervalMs: 1000, successThreshold: 1, failureThreshold: 1 };
  const settings: RollbackSettings = {
    mode: options.mode ?? 'on-failure',
    pauseAutoDeploy: options.pauseAutoDeploy ?? false,
    timeoutMs: 5 * MIN,
    checksVersion: options.checksVersion ?? true,
    verify: {
      health,
      polling,
      checks: {
        file: options.checksFile,
        headers: {},
        run: { id: '1', attempt: '1', nonce: 'n', sha: OURS_SHA },
        requestTimeoutMs: 1000,
      },
    },
    soak: { soakMs: options.soakMs ?? 0, health, polling },
  };
  const deps = {
    http: endpoint.http,
    clock: time.clock,
    sleep: time.sleep,
    random: options.random ?? (() => 0.5),
    secrets: new SecretRegistry(() => undefined),
    log: {
      info: (m: string) => logs.push(m),
      warning: (m: string) => logs.push(`warning: ${m}`),
      group: (_n: string, fn: () => Promise<unknown>) => fn(),
    },
  } as unknown as RunDeps;
  const phase: PhaseRunner = async (name, fn) => {
    phases.push(name);
    const { value, ok } = await fn();
    phaseOk.push(ok);
    return value;
  };
  const run = () =>
    rollBack({
      settings,
      deps,
      provider,
      ours,
      lastKnownGood: 'lastKnownGood' in options ? options.lastKnownGood : good,
      deploys: provider.deploys,
      base: new URL('https://shop.example.com'),
      progress: { phase, rollbackInFlight: (state) => inFlight.push(state) },
      within: (deadline, fn) => {
        budgets.push(deadline.remainingMs());
        return fn();
      },
    });
  return { provider, logs, phases, phaseOk, inFlight, budgets, time, run, endpoint };
}

const BY_HAND =
  'roll back by hand: in the Render dashboard, roll back to deploy good (commit 0123456789ab), or send `POST /rollback {"deployId":"good"}` with your API key';

describe('rollBack: when it does not act', () => {
  it('never: names the call and the way to undo by hand, and reads nothing', async () => {
    const s = setup({ mode: 'never' });
    expect(await s.run()).toStrictEqual({
      performed: false,
      probes: [],
      warnings: [],
      result: 'failed',
      call: 'POST /rollback {"deployId":"good"}',
      note: `not performed (\`rollback: never\`). To undo the deploy, ${BY_HAND}.`,
    });
    expect(s.provider.calls).toEqual([]);
    expect(s.inFlight).toStrictEqual([]);
    expect(s.budgets).toEqual([5 * MIN]);
  });

  it('never, with nothing to roll back to: says to fix forward', async () => {
    const s = setup({ mode: 'never', lastKnownGood: undefined });
    s.provider.deploys = [ours];
    const decision = await s.run();
    expect(decision.note).toBe(
      'not performed (`rollback: never`). To undo the deploy, fix forward: no earlier deploy of this service can be rolled back to.',
    );
    expect(decision.call).toBeUndefined();
  });

  it('cannot tell a newer deploy without a creation time for ours', async () => {
    const s = setup();
    const undated = { ...ours, createdAt: undefined };
    const decision = await rollBack({
      settings: { mode: 'on-failure', timeoutMs: MIN } as RollbackSettings,
      deps: {
        clock: s.time.clock,
        sleep: s.time.sleep,
        log: { info: () => undefined },
      } as unknown as RunDeps,
      provider: s.provider,
      ours: undated,
      lastKnownGood: good,
      deploys: [good, undated],
      base: new URL('https://shop.example.com'),
      progress: { phase: async (_n, fn) => (await fn()).value, rollbackInFlight: () => undefined },
      within: (_d, fn) => fn(),
    });
    expect(decision).toStrictEqual({
      performed: false,
      probes: [],
      warnings: [],
      result: 'failed',
      call: 'POST /rollback {"deployId":"good"}',
      note: `not performed: Render gave deploy ours no creation time, so whether a newer deploy took over cannot be told. To undo the deploy, ${BY_HAND}.`,
    });
    expect(s.provider.calls).toEqual([]);
  });

  it('stands down for a newer deploy still on its way, saying ours keeps serving until it goes live', async () => {
    const s = setup();
    s.provider.deploys = [good, ours, dep('newer', 'pending', -1, { status: 'build_in_progress' })];
    const message =
      'a newer deploy (newer, build_in_progress) was created while this run verified ours; the newer deploy decides what serves, so nothing was rolled back; until it goes live, ours keeps serving, so watch that it does';
    expect(await s.run()).toStrictEqual({
      performed: false,
      probes: [],
      warnings: [],
      result: 'superseded',
      message,
      note: `not performed: ${message}.`,
    });
    expect(s.provider.calls).toEqual([`listDeploys ${T0 - 5 * MIN}`]);
  });

  it('stands down for a newer deploy that is live', async () => {
    const s = setup();
    s.provider.deploys = [good, ours, dep('newer', 'live', -1)];
    expect((await s.run()).message).toBe(
      'a newer deploy (newer, live) was created while this run verified ours; the newer deploy decides what serves, so nothing was rolled back',
    );
  });

  it('does not act when ours is no longer live', async () => {
    const s = setup();
    s.provider.current = { ...ours, state: 'replaced', status: 'deactivated' };
    expect(await s.run()).toStrictEqual({
      performed: false,
      probes: [],
      warnings: [],
      result: 'failed',
      note: 'not performed: deploy ours is no longer live (deactivated), so rolling back now could undo a deploy this run did not verify. Check what serves now.',
    });
    expect(s.provider.calls).not.toContain('rollback good');
  });

  it('does not act when ours failed other than by crashing while serving', async () => {
    const s = setup();
    s.provider.current = { ...ours, state: 'failed', status: 'update_failed', failedStage: 'deploy' };
    expect(await s.run()).toMatchObject({ result: 'failed', performed: false });
  });

  it('has nothing to roll back to', async () => {
    const s = setup({ lastKnownGood: undefined });
    s.provider.deploys = [ours];
    expect(await s.run()).toStrictEqual({
      performed: false,
      probes: [],
      warnings: [],
      result: 'rollback-failed',
      message: 'no earlier deploy was live',
      note: 'not possible: no earlier deploy was live. On call: fix forward: no earlier deploy of this service can be rolled back to, and disable the broken feature or restore from backup until a fix deploys.',
    });
  });

  it('dry-run: says what it would send, and sends nothing', async () => {
    const s = setup({ mode: 'dry-run' });
    expect(await s.run()).toStrictEqual({
      performed: false,
      probes: [],
      warnings: [],
      result: 'failed',
      targetId: 'good',
      call: 'POST /rollback {"deployId":"good"}',
      note: 'dry-run: would roll back to good (commit 0123456789ab) with `POST /rollback {"deployId":"good"}`. Nothing was sent.',
    });
    expect(s.logs).toEqual([
      'dry-run: would roll back to good (commit 0123456789ab) with: POST /rollback {"deployId":"good"}',
    ]);
    expect(s.provider.calls).not.toContain('rollback good');
  });

  it('stands down when a newer deploy appears during the pause before the call', async () => {
    const s = setup();
    s.provider.lateDeploys = [dep('other-rollback', 'pending', -1, { status: 'created' })];
    const message =
      "a newer deploy (other-rollback, created) appeared just before the rollback, perhaps another run's rollback; nothing was sent";
    expect(await s.run()).toStrictEqual({
      performed: false,
      probes: [],
      warnings: [],
      result: 'superseded',
      message,
      note: `not performed: ${message}.`,
    });
    expect(s.time.sleeps).toEqual([1000]);
    expect(s.provider.calls).not.toContain('rollback good');
  });

  it('waits a random moment of up to two seconds before the call', async () => {
    const s = setup({ random: () => 1 });
    await s.run();
    expect(s.time.sleeps[0]).toBe(2000);
    const t = setup({ random: () => 0.1234 });
    await t.run();
    expect(t.time.sleeps[0]).toBe(247);
  });

  it('says the rollback could not be carried out when a guard’s read fails', async () => {
    const s = setup();
    s.provider.listDeploys = async () => {
      throw new Error('api.render.com answered 503.');
    };
    expect(await s.run()).toStrictEqual({
      result: 'rollback-failed',
      performed: false,
      probes: [],
      warnings: [],
      message: 'the rollback could not be carried out: api.render.com answered 503',
      note: 'failed before acting: api.render.com answered 503. On call: roll back by hand in the Render dashboard.',
    });
    expect(s.inFlight).toStrictEqual([undefined]);
  });
});

describe('rollBack: the call', () => {
  it('reports a refused call with the way to roll back by hand', async () => {
    const s = setup();
    s.provider.rollbackResult = async () => {
      throw new Error('HTTP 400 from api.render.com: bad deploy.');
    };
    expect(await s.run()).toStrictEqual({
      performed: false,
      probes: [],
      warnings: [],
      result: 'rollback-failed',
      targetId: 'good',
      call: 'POST /rollback {"deployId":"good"}',
      message: 'the rollback call failed: HTTP 400 from api.render.com: bad deploy',
      note: `failed: Render did not accept the rollback (HTTP 400 from api.render.com: bad deploy). On call: ${BY_HAND}.`,
    });
    expect(s.inFlight).toStrictEqual([{ target: good }, undefined, undefined]);
    expect(s.logs).toContain(
      'Rolling back to good (commit 0123456789ab): POST /rollback {"deployId":"good"}',
    );
  });

  it('stands down when the provider refuses for a concurrent change', async () => {
    const s = setup();
    s.provider.rollbackResult = async () => {
      throw new RollbackConflictError('etag mismatch.');
    };
    const message =
      'Render refused the rollback to good (commit 0123456789ab) because the service changed while this run decided (etag mismatch); someone else acted at the same moment, so nothing was rolled back and the rollback was not retried';
    expect(await s.run()).toStrictEqual({
      performed: false,
      probes: [],
      warnings: [],
      result: 'superseded',
      targetId: 'good',
      call: 'POST /rollback {"deployId":"good"}',
      message,
      note: `not performed: ${message}.`,
    });
  });

  it('says a rollback was sent when the provider accepted it but named no deploy', async () => {
    const s = setup();
    s.provider.rollbackResult = async () => {
      throw new RollbackUnconfirmedError('the new deploy could not be found.');
    };
    expect(await s.run()).toStrictEqual({
      probes: [],
      warnings: [],
      result: 'rollback-failed',
      performed: true,
      targetId: 'good',
      call: 'POST /rollback {"deployId":"good"}',
      message: 'the rollback to good (commit 0123456789ab) was sent, but the new deploy could not be found',
      note: 'sent, not confirmed: Render accepted the rollback to good (commit 0123456789ab), but the new deploy could not be found. On call: check in the Render dashboard that it went live.',
    });
  });

  it('says a rollback was sent when following it failed', async () => {
    const s = setup();
    s.provider.waitResult = async () => {
      throw new Error('stream to api.render.com closed.');
    };
    expect(await s.run()).toStrictEqual({
      probes: [],
      warnings: [],
      performed: true,
      deployId: 'restored',
      targetId: 'good',
      call: 'POST /rollback {"deployId":"good"}',
      result: 'rollback-failed',
      message:
        'the rollback to good (commit 0123456789ab) was sent as deploy restored, but following it failed: stream to api.render.com closed',
      note: 'sent, not confirmed: Render accepted the rollback to good (commit 0123456789ab) (deploy restored), but following it failed (stream to api.render.com closed). On call: check in the Render dashboard that deploy restored went live.',
    });
    expect(s.inFlight).toStrictEqual([{ target: good }, { target: good, restoredId: 'restored' }, undefined]);
  });

  it('reports a rollback deploy that failed, or never went live in time', async () => {
    const s = setup();
    s.provider.waitResult = async (id) => ({
      settled: true,
      deploy: dep(id, 'failed', 1, { status: 'update_failed' }),
    });
    expect(await s.run()).toStrictEqual({
      probes: [],
      warnings: [],
      performed: true,
      deployId: 'restored',
      targetId: 'good',
      call: 'POST /rollback {"deployId":"good"}',
      result: 'rollback-failed',
      message: 'the rollback deploy restored ended update_failed',
      note: `failed: the rollback deploy restored to good (commit 0123456789ab) ended update_failed. On call: check the Render dashboard now; ${BY_HAND}.`,
    });
    const t = setup();
    t.provider.waitResult = async (id) => ({
      settled: false,
      reason: 'timeout',
      deploy: dep(id, 'pending', 1, { status: 'build_in_progress' }),
    });
    expect((await t.run()).message).toBe(
      'the rollback deploy restored was still build_in_progress at the timeout',
    );
  });

  it('logs each status of the rollback deploy', async () => {
    const s = setup();
    await s.run();
    expect(s.logs).toEqual(
      expect.arrayContaining([
        'Render rollback deploy restored: build_in_progress',
        'Render rollback deploy restored: build_in_progress → live',
      ]),
    );
  });

  it('rolls back a deploy that crashed while serving', async () => {
    const s = setup();
    s.provider.current = { ...ours, state: 'failed', status: 'CRASHED', failedStage: 'runtime' };
    expect((await s.run()).result).toBe('rolled-back');
  });
});

describe('rollBack: the restored deploy', () => {
  it('verifies the restored deploy on the target’s commit and says it passed', async () => {
    const s = setup();
    const decision = await s.run();
    expect(decision).toStrictEqual({
      performed: true,
      deployId: 'restored',
      targetId: 'good',
      call: 'POST /rollback {"deployId":"good"}',
      result: 'rolled-back',
      note: 'rolled back to good (commit 0123456789ab) as deploy restored; the restored deploy passed the health check.',
      restored: dep('restored', 'live', 1),
      probes: [
        {
          name: 'Restored deploy: health /health',
          kind: 'health',
          passed: true,
          durationMs: 5,
          failure: undefined,
        },
      ],
      warnings: ['Turn auto-deploy off until a fix is merged.'],
      autoDeployPaused: undefined,
    });
    expect(s.phases).toEqual(['Roll back', 'Restored deploy: Wait until live and healthy']);
    expect(s.inFlight).toStrictEqual([{ target: good }, { target: good, restoredId: 'restored' }, undefined]);
    expect(String(s.endpoint.requests[0]?.url)).toBe('https://shop.example.com/health');
  });

  it('names the checks when there were some', async () => {
    const s = setup({ checksFile: { checks: [] } as unknown as ChecksFile });
    expect((await s.run()).note).toBe(
      'rolled back to good (commit 0123456789ab) as deploy restored; the restored deploy passed the health check and the checks.',
    );
  });

  it('fails the restored deploy when it does not report the target’s commit', async () => {
    const s = setup({ health: () => ({ status: 200, version: OURS_SHA }) });
    const decision = await s.run();
    expect(decision.result).toBe('rollback-failed');
    expect(decision.message).toMatch(
      /^the restored deploy restored failed verification: .*"abcdef1234567890abcdef1234567890abcdef12"/,
    );
    expect(decision.note).toMatch(
      /^rolled back to good \(commit 0123456789ab\) as deploy restored, but the restored deploy failed verification \(.+\)\. On call: the service is broken on both versions; check the Render dashboard and the logs below\.$/,
    );
    expect(decision.probes).toHaveLength(1);
    expect(decision.performed).toBe(true);
  });

  it('does not check the version when the run did not', async () => {
    const s = setup({ checksVersion: false, health: () => ({ status: 200, version: OURS_SHA }) });
    const decision = await s.run();
    expect(decision.result).toBe('rolled-back');
    expect(decision.warnings).toEqual(['Turn auto-deploy off until a fix is merged.']);
  });

  it('warns that the version went unchecked when the target’s commit is unknown', async () => {
    const s = setup({ health: () => ({ status: 200, version: 'anything' }) });
    const unknown = { ...good, commit: undefined };
    s.provider.deploys = [unknown, ours];
    const decision = await rollBack({
      settings: {
        mode: 'on-failure',
        pauseAutoDeploy: false,
        timeoutMs: 5 * MIN,
        checksVersion: true,
        verify: {
          health: {
            path: '/health',
            headers: {},
            versionFrom: { kind: 'pointer', pointer: '/version' },
            requestTimeoutMs: 1000,
          },
          polling: { intervalMs: 1000, successThreshold: 1, failureThreshold: 1 },
          checks: {
            headers: {},
            run: { id: '1', attempt: '1', nonce: 'n', sha: OURS_SHA },
            requestTimeoutMs: 1000,
          },
        },
        soak: {
          soakMs: 0,
          health: {
            path: '/health',
            headers: {},
            versionFrom: { kind: 'pointer', pointer: '/version' },
            requestTimeoutMs: 1000,
          },
          polling: { intervalMs: 1000, successThreshold: 1, failureThreshold: 1 },
        },
      },
      deps: {
        http: healthEndpoint(() => ({ status: 200, version: 'anything' })).http,
        clock: s.time.clock,
        sleep: s.time.sleep,
        random: () => 0,
        secrets: new SecretRegistry(() => undefined),
        log: {
          info: () => undefined,
          warning: () => undefined,
          group: (_n: string, fn: () => Promise<unknown>) => fn(),
        },
      } as unknown as RunDeps,
      provider: s.provider,
      ours,
      lastKnownGood: unknown,
      deploys: [unknown, ours],
      base: new URL('https://shop.example.com'),
      progress: { phase: async (_n, fn) => (await fn()).value, rollbackInFlight: () => undefined },
      within: (_d, fn) => fn(),
    });
    expect(decision).toMatchObject({
      result: 'rolled-back',
      note: 'rolled back to good as deploy restored; the restored deploy passed the health check.',
      warnings: [
        "Render did not say which commit deploy good runs, so the restored deploy's version was not checked; only its health and checks were.",
        'Turn auto-deploy off until a fix is merged.',
      ],
    });
  });

  it('turns auto-deploy off when asked, and says how to turn it back on', async () => {
    const s = setup({ pauseAutoDeploy: true });
    const decision = await s.run();
    expect(decision).toMatchObject({
      result: 'rolled-back',
      warnings: [],
      autoDeployPaused: 'Turn auto-deploy back on in Settings.',
    });
    expect(s.provider.calls).toContain('pauseAutoDeploy');
    expect(s.logs).toContain('Render: auto-deploy turned off so the next push does not undo the rollback.');
    const t = setup({ pauseAutoDeploy: true });
    t.provider.resumeAutoDeploy = undefined;
    expect((await t.run()).autoDeployPaused).toBe(
      'Turn it back on in the provider dashboard once a fix is merged.',
    );
  });

  it('warns when turning auto-deploy off fails, and still reports the rollback', async () => {
    const s = setup({ pauseAutoDeploy: true });
    s.provider.pauseResult = async () => {
      throw new Error('HTTP 403');
    };
    expect(await s.run()).toMatchObject({
      result: 'rolled-back',
      warnings: ['Could not turn auto-deploy off after the rollback: HTTP 403'],
      autoDeployPaused: undefined,
    });
  });

  it('soaks the restored deploy, and reports one replaced meanwhile as superseded', async () => {
    const s = setup({ soakMs: 30_000 });
    s.provider.watchResult = async (deploy) => ({
      live: false,
      deploy: { ...deploy, state: 'replaced', status: 'deactivated' },
      why: 'a newer deploy went live',
    });
    const decision = await s.run();
    expect(decision.result).toBe('superseded');
    expect(decision.warnings).toEqual([]);
    expect(decision.probes).toHaveLength(1);
    expect(decision.message).toMatch(/^deploy restored was replaced during the soak/);
    expect(decision.note).toBe(
      `rolled back to good (commit 0123456789ab) as deploy restored; then ${decision.message}.`,
    );
    expect(s.provider.calls).toContain('watchLive restored');
  });

  it('fails the restored deploy when it fails during the soak', async () => {
    const s = setup({ soakMs: 30_000 });
    s.provider.watchResult = async (deploy) => ({
      live: false,
      deploy: { ...deploy, state: 'failed', status: 'CRASHED', failedStage: 'runtime' },
      why: 'it crashed',
    });
    const decision = await s.run();
    expect(decision.result).toBe('rollback-failed');
    expect(decision.message).toMatch(
      /^the restored deploy restored failed verification: Render deploy restored stopped serving during the soak, .+: it crashed$/,
    );
    expect(decision.note).toContain(
      'but the restored deploy failed verification (Render deploy restored stopped serving',
    );
  });

  it('skips the soak when the restored deploy failed its health check', async () => {
    const s = setup({ soakMs: 30_000, health: () => ({ status: 500 }) });
    expect((await s.run()).result).toBe('rollback-failed');
    expect(s.provider.calls).not.toContain('watchLive restored');
  });
});

describe('rollBack: what the timeline shows', () => {
  type Setup = ReturnType<typeof setup>;
  const fail = (error: Error) => async (): Promise<Deploy> => {
    throw error;
  };
  it.each<[string, boolean, (s: Setup) => void]>([
    ['a newer deploy', true, (s) => s.provider.deploys.push(dep('newer', 'live', -1))],
    ['ours no longer live', false, (s) => (s.provider.current = { ...ours, state: 'replaced' })],
    ['no target', false, (s) => (s.provider.deploys = [ours])],
    ['a deploy appearing before the call', true, (s) => (s.provider.lateDeploys = [dep('x', 'pending', -1)])],
    ['a refused call', false, (s) => (s.provider.rollbackResult = fail(new Error('no')))],
    ['a conflict', true, (s) => (s.provider.rollbackResult = fail(new RollbackConflictError('etag')))],
    [
      'an unconfirmed call',
      false,
      (s) => (s.provider.rollbackResult = fail(new RollbackUnconfirmedError('lost'))),
    ],
    [
      'a rollback that could not be followed',
      false,
      (s) =>
        (s.provider.waitResult = async () => {
          throw new Error('gone');
        }),
    ],
    [
      'a rollback deploy that failed',
      false,
      (s) => (s.provider.waitResult = async (id) => ({ settled: true, deploy: dep(id, 'failed', 1) })),
    ],
    ['a rollback deploy that went live', true, () => undefined],
  ])('the Roll back phase after %s: ok %s', async (_what, ok, arrange) => {
    const s = setup({ lastKnownGood: undefined });
    arrange(s);
    await s.run();
    expect(s.phases[0]).toBe('Roll back');
    expect(s.phaseOk[0]).toBe(ok);
  });

  it('marks the phase failed when the creation time of ours is unknown', async () => {
    const s = setup();
    const phaseOk: boolean[] = [];
    const undated = { ...ours, createdAt: undefined };
    await rollBack({
      settings: { mode: 'on-failure', timeoutMs: MIN } as RollbackSettings,
      deps: {
        clock: s.time.clock,
        sleep: s.time.sleep,
        log: { info: () => undefined },
      } as unknown as RunDeps,
      provider: s.provider,
      ours: undated,
      deploys: [good, undated],
      base: new URL('https://shop.example.com'),
      progress: {
        phase: async (_n, fn) => {
          const { value, ok } = await fn();
          phaseOk.push(ok);
          return value;
        },
        rollbackInFlight: () => undefined,
      },
      within: (_d, fn) => fn(),
    });
    expect(phaseOk).toEqual([false]);
  });

  it('marks dry-run as a phase that went well', async () => {
    const s = setup({ mode: 'dry-run' });
    await s.run();
    expect(s.phaseOk).toEqual([true]);
  });

  it('does not roll back a deploy that was replaced, even one that crashed before', async () => {
    const s = setup();
    s.provider.current = { ...ours, state: 'replaced', status: 'deactivated', failedStage: 'runtime' };
    expect(await s.run()).toMatchObject({ result: 'failed', performed: false });
  });

  it('does not read the canary back from the restored deploy', async () => {
    const s = setup({ checksFile: { checks: [], canary: {} } as unknown as ChecksFile });
    expect((await s.run()).result).toBe('rolled-back');
    expect(s.phases).toEqual(['Roll back', 'Restored deploy: Wait until live and healthy']);
  });
});
