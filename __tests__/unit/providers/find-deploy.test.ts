/**
 * Finding the deploy (src/providers/locate.ts) and choosing and guarding the rollback
 * (src/rollback.ts), against an in-memory Provider whose deploys appear on a fake clock.
 */
import { describe, expect, it } from '@jest/globals';
import type { RunDeps } from '../../../src/deps.js';
import { Deadline } from '../../../src/poll.js';
import { BudgetExhaustedError, DeployNotFoundError } from '../../../src/errors.js';
import { locateDeploy } from '../../../src/providers/find-deploy.js';
import { chooseRollbackTarget, findLastKnownGood } from '../../../src/providers/history.js';
import type { Deploy, DeployState, Provider, ServiceInfo } from '../../../src/providers/types.js';
import { rollBack, type RollbackMode, type RollbackSettings } from '../../../src/rollback.js';
import type { PhaseRunner } from '../../../src/results.js';
import { fakeTime } from '../../helpers/time.js';

const T0 = Date.parse('2026-05-01T12:00:00Z');
const MIN = 60_000;
const SHA = 'abcdef1234567890abcdef1234567890abcdef12';
const OTHER = '0123456789abcdef0123456789abcdef01234567';

const PHASE: Record<string, DeployState> = {
  created: 'pending',
  build_in_progress: 'pending',
  live: 'live',
  build_failed: 'failed',
  update_failed: 'failed',
  canceled: 'canceled',
  deactivated: 'replaced',
};

/** A provider-neutral deploy; times are minutes from T0. */
function dep(
  id: string,
  status: string,
  createdMin: number | undefined,
  extra: { commit?: string; finishedMin?: number } = {},
): Deploy {
  return {
    id,
    status,
    state: PHASE[status] ?? 'pending',
    canRollbackTo: status === 'live' || status === 'deactivated',
    commit: extra.commit,
    createdAt: createdMin === undefined ? undefined : T0 + createdMin * MIN,
    finishedAt: extra.finishedMin === undefined ? undefined : T0 + extra.finishedMin * MIN,
  };
}

const SERVICE: ServiceInfo = { id: 'srv-1', name: 'shop-api', url: 'https://shop-api.onrender.com' };

interface Entry {
  deploy: Deploy;
  /** Epoch ms from which the deploy shows in lists (webhook lag); default: always. */
  visibleAt?: number;
}

/** An in-memory Provider: lists what is visible at the fake clock's time, newest first. */
class FakeProvider implements Provider {
  readonly noRollbackTarget = 'nothing was live before';
  readonly autoDeployAdvice = 'turn auto-deploy off';
  usePreview(): Promise<ServiceInfo | undefined> {
    return Promise.resolve(undefined);
  }
  readonly label = 'Render';
  readonly capabilities = { pauseAutoDeploy: true, pushStatus: false, previews: true };
  readonly calls: string[] = [];
  readonly listArgs: ({ createdAfter?: number } | undefined)[] = [];
  readonly rolledBackTo: string[] = [];
  triggerResult: () => Deploy | undefined = () => undefined;
  rollbackResult: (target: Deploy) => Promise<Deploy> = async () => dep('dep-rb', 'created', 1);
  waitResult: Deploy | undefined;

  constructor(
    private readonly clock: { now(): number },
    readonly entries: Entry[],
  ) {}

  private visible(): Deploy[] {
    return this.entries.filter((e) => (e.visibleAt ?? 0) <= this.clock.now()).map((e) => e.deploy);
  }

  async service(): Promise<ServiceInfo> {
    this.calls.push('service');
    return SERVICE;
  }
  async getDeploy(id: string): Promise<Deploy> {
    this.calls.push(`getDeploy ${id}`);
    const found = this.visible().find((d) => d.id === id);
    if (!found) throw new Error(`no deploy ${id}`);
    return found;
  }
  async listDeploys(options?: { createdAfter?: number }): Promise<Deploy[]> {
    this.calls.push('listDeploys');
    this.listArgs.push(options);
    const after = options?.createdAfter;
    return this.visible()
      .filter((d) => after === undefined || (d.createdAt ?? 0) > after)
      .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  }
  async triggerDeploy(commit: string): Promise<Deploy | undefined> {
    this.calls.push(`triggerDeploy ${commit}`);
    return this.triggerResult();
  }
  async waitForDeploy(id: string) {
    this.calls.push(`waitForDeploy ${id}`);
    const deploy = this.waitResult ?? dep(id, 'live', 1);
    return { settled: true as const, deploy };
  }
  async watchLive(deploy: Deploy) {
    return { live: true as const, deploy };
  }
  async evidence() {
    return { lines: [], events: [], notes: [] };
  }
  describeRollback(target: Deploy): string {
    return `POST /rollback {"deployId":"${target.id}"}`;
  }
  async rollback(target: Deploy): Promise<Deploy> {
    this.calls.push(`rollback ${target.id}`);
    this.rolledBackTo.push(target.id);
    return this.rollbackResult(target);
  }
  async pauseAutoDeploy(): Promise<void> {
    this.calls.push('pauseAutoDeploy');
  }
  requestCount(): number {
    return this.calls.length;
  }
}

function locate(
  entries: Entry[],
  options: {
    commit?: string;
    deployId?: string;
    trigger?: boolean;
    budgetMs?: number;
    intervalMs?: number;
  } = {},
) {
  const time = fakeTime(T0);
  const provider = new FakeProvider(time.clock, entries);
  const logs: string[] = [];
  const deadline = Deadline.after(time.clock, options.budgetMs ?? 600_000);
  const run = () =>
    locateDeploy(provider, {
      deployId: options.deployId,
      commit: options.commit ?? SHA,
      trigger: options.trigger ?? false,
      intervalMs: options.intervalMs ?? 5000,
      deadline,
      sleep: time.sleep,
      random: () => 0.5,
      log: (line) => logs.push(line),
    });
  return { ...time, provider, logs, run };
}

describe('locateDeploy', () => {
  const history: Entry[] = [
    { deploy: dep('dep-old', 'deactivated', -120, { commit: OTHER, finishedMin: -115 }) },
    { deploy: dep('dep-live', 'live', -60, { commit: OTHER, finishedMin: -55 }) },
  ];

  it('uses deploy-id as given, and records what was live', async () => {
    const ours = dep('dep-given', 'build_in_progress', -1, { commit: SHA });
    const l = locate([...history, { deploy: ours }], { deployId: 'dep-given', commit: OTHER });
    const located = await l.run();
    expect(located.deploy).toBe(ours);
    expect(located.service).toBe(SERVICE);
    expect(located.lastKnownGood?.id).toBe('dep-live');
    expect(located.deploys.map((d) => d.id)).toEqual(['dep-given', 'dep-live', 'dep-old']);
    expect(l.provider.calls).toEqual(['service', 'listDeploys', 'getDeploy dep-given']);
    expect(l.sleeps).toEqual([]);
    expect(l.logs.join('\n')).toContain('last known good deploy is dep-live (live)');
  });

  it('with deploy-id current, verifies what serves the traffic, not a newer deploy live only at a tag URL', async () => {
    // Cloud Run: a revision deployed with a tag and no traffic is ready (verifiable at its tag URL), but
    // the service's URL still serves the older revision; that one is "current".
    const tagged = { ...dep('rev-tagged', 'live', -1, { commit: SHA }), servesTraffic: false };
    const l = locate([...history, { deploy: tagged }], { deployId: 'current', commit: OTHER });
    const located = await l.run();
    expect(located.deploy.id).toBe('dep-live');
  });

  it('picks the newest deploy of the commit over an older one of the same commit', async () => {
    const l = locate([
      { deploy: dep('dep-same-old', 'deactivated', -200, { commit: SHA, finishedMin: -195 }) },
      ...history,
      { deploy: dep('dep-same-new', 'build_in_progress', -2, { commit: SHA }) },
      { deploy: dep('dep-other-newer', 'queued', -1, { commit: OTHER }) },
    ]);
    const located = await l.run();
    expect(located.deploy.id).toBe('dep-same-new');
    expect(located.lastKnownGood?.id).toBe('dep-live');
    expect(l.sleeps).toEqual([]);
    expect(l.logs.join('\n')).toContain(
      'verifying deploy dep-same-new (build_in_progress, commit abcdef123456) of shop-api',
    );
  });

  it('matches a short commit input against the full SHA Render reports', async () => {
    const l = locate([...history, { deploy: dep('dep-ours', 'created', -1, { commit: SHA }) }], {
      commit: 'abcdef1',
    });
    expect((await l.run()).deploy.id).toBe('dep-ours');
  });

  it('matches a full commit input against a short SHA the provider reports', async () => {
    const l = locate([...history, { deploy: dep('dep-ours', 'created', -1, { commit: 'ABCDEF12' }) }]);
    expect((await l.run()).deploy.id).toBe('dep-ours');
  });

  it('does not match a different commit that shares a prefix shorter than 7', async () => {
    const l = locate([...history, { deploy: dep('dep-x', 'created', -1, { commit: 'abcdef0999999' }) }], {
      budgetMs: 10_000,
    });
    await expect(l.run()).rejects.toThrow(DeployNotFoundError);
  });

  it('waits for the deploy to appear, asking only for deploys newer than the newest seen', async () => {
    const l = locate([
      ...history,
      { deploy: dep('dep-unrelated', 'created', 0.1, { commit: OTHER }), visibleAt: T0 + 10_000 },
      { deploy: dep('dep-ours', 'created', 0.3, { commit: SHA }), visibleAt: T0 + 25_000 },
    ]);
    const located = await l.run();
    expect(located.deploy.id).toBe('dep-ours');
    expect(l.sleeps).toEqual([5000, 7500, 11_250, 15_000]);
    expect(l.provider.listArgs).toEqual([
      undefined, // the full list, for the last known good deploy
      { createdAfter: T0 - 60 * MIN }, // at 5s: newest seen so far is dep-live
      { createdAfter: T0 - 60 * MIN }, // at 12.5s: dep-unrelated shows up
      { createdAfter: T0 + 0.1 * MIN }, // at 23.75s: only newer than dep-unrelated
      { createdAfter: T0 + 0.1 * MIN }, // at 38.75s: dep-ours
    ]);
    expect(located.lastKnownGood?.id).toBe('dep-live');
    expect(l.logs.join('\n')).toContain(
      'no deploy of commit abcdef123456 yet on shop-api; waiting for it to appear',
    );
  });

  it('times out with DeployNotFoundError naming the commit and the service', async () => {
    const l = locate(history, { budgetMs: 10 * MIN });
    const error = await l.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain('commit abcdef123456');
    expect(message).toContain('service shop-api (srv-1)');
    expect(message).toContain('within 10m00s (timeout)');
    expect(message).toContain('`deploy-id`');
    expect(l.clock.now()).toBe(T0 + 10 * MIN); // not a moment past the deadline
    const polls = l.provider.listArgs.length - 1;
    expect(polls).toBe(41);
    expect(polls).toBeLessThan(60);
  });

  it('is not found, not a provider error, when the deadline passes between a look and the next call', async () => {
    const l = locate(history, { budgetMs: 2 * MIN });
    const list = l.provider.listDeploys.bind(l.provider);
    // The API client refuses to send once the budget is spent: what it throws when the clock has just
    // passed the deadline after the loop looked at it.
    l.provider.listDeploys = async (options) => {
      if (l.provider.listArgs.length < 2) return list(options);
      l.clock.t = T0 + 2 * MIN;
      throw new BudgetExhaustedError(
        'Render API: listing deploys was not sent: the time budget (`timeout`) ran out',
      );
    };
    const error = await l.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployNotFoundError);
  });

  it('deploy: true with a 201 verifies the deploy Render created', async () => {
    const l = locate(history, { trigger: true });
    const created = dep('dep-201', 'created', 0, { commit: SHA });
    l.provider.triggerResult = () => created;
    const located = await l.run();
    expect(located.deploy).toBe(created);
    expect(l.provider.calls).toEqual(['service', 'listDeploys', `triggerDeploy ${SHA}`]);
    expect(located.lastKnownGood?.id).toBe('dep-live');
    expect(l.logs.join('\n')).toContain(`triggered deploy dep-201 of ${SHA}`);
  });

  it('deploy: true with a 202 finds the new deploy, created after the newest seen, not an old one of the commit', async () => {
    const l = locate(
      [
        { deploy: dep('dep-old', 'deactivated', -120, { commit: OTHER, finishedMin: -115 }) },
        { deploy: dep('dep-same-live', 'live', -60, { commit: SHA, finishedMin: -55 }) }, // a redeploy of a live commit
        { deploy: dep('dep-queued', 'created', 0.05, { commit: SHA }), visibleAt: T0 + 4000 },
      ],
      { trigger: true },
    );
    l.provider.triggerResult = () => undefined;
    const located = await l.run();
    expect(located.deploy.id).toBe('dep-queued');
    expect(l.provider.calls.slice(0, 3)).toEqual(['service', 'listDeploys', `triggerDeploy ${SHA}`]);
    expect(l.provider.listArgs[1]).toEqual({ createdAfter: T0 - 60 * MIN });
    expect(located.lastKnownGood?.id).toBe('dep-same-live');
    expect(l.logs.join('\n')).toContain('queued; looking for it in the deploy list');
  });

  it('deploy: true with a 202 on a service without deploys finds the first one', async () => {
    const l = locate([{ deploy: dep('dep-first', 'created', 0.05, { commit: SHA }), visibleAt: T0 + 4000 }], {
      trigger: true,
    });
    const located = await l.run();
    expect(located.deploy.id).toBe('dep-first');
    expect(located.lastKnownGood).toBeUndefined();
  });
});

describe('findLastKnownGood', () => {
  it('is the live deploy other than ours', () => {
    const ours = dep('ours', 'build_in_progress', 0, { commit: SHA });
    const deploys = [
      ours,
      dep('live', 'live', -30, { finishedMin: -25 }),
      dep('deact', 'deactivated', -60, { finishedMin: -10 }), // finished later, but not live
    ];
    expect(findLastKnownGood(deploys, ours)?.id).toBe('live');
  });

  it('when ours is already live: the newest rollback-able deploy by finishedAt, created before ours', () => {
    const ours = dep('ours', 'live', 0, { finishedMin: 2 });
    const deploys = [
      dep('newer-live', 'deactivated', 5, { finishedMin: 6 }), // created after ours
      ours,
      dep('failed', 'build_failed', -5, { finishedMin: -1 }),
      dep('a', 'deactivated', -40, { finishedMin: -8 }), // created earlier, finished later
      dep('b', 'deactivated', -20, { finishedMin: -15 }),
    ];
    expect(findLastKnownGood(deploys, ours)?.id).toBe('a');
  });

  it('ignores a live deploy created after ours (ours is an older deploy named by deploy-id)', () => {
    const ours = dep('ours', 'deactivated', -30, { finishedMin: -28 });
    const deploys = [
      dep('now-live', 'live', -5, { finishedMin: -4 }),
      ours,
      dep('before', 'deactivated', -60, { finishedMin: -58 }),
    ];
    expect(findLastKnownGood(deploys, ours)?.id).toBe('before');
  });

  it('is undefined when nothing before ours was live', () => {
    const ours = dep('ours', 'created', 0);
    expect(
      findLastKnownGood([ours, dep('f', 'build_failed', -5), dep('c', 'canceled', -9)], ours),
    ).toBeUndefined();
    expect(findLastKnownGood([], ours)).toBeUndefined();
  });
});

describe('chooseRollbackTarget', () => {
  const ours = dep('ours', 'live', 0, { finishedMin: 3 });

  it('takes the last known good deploy first', () => {
    const lkg = dep('lkg', 'deactivated', -60, { finishedMin: -55 });
    const newerCandidate = dep('cand', 'deactivated', -10, { finishedMin: -5 });
    expect(chooseRollbackTarget(ours, lkg, [ours, newerCandidate, lkg])?.id).toBe('lkg');
  });

  it('else the newest rollback-able deploy created before ours, by finishedAt', () => {
    const deploys = [
      dep('after-ours', 'deactivated', 1, { finishedMin: 10 }),
      ours,
      dep('failed', 'update_failed', -2, { finishedMin: -1 }),
      dep('canceled', 'canceled', -3, { finishedMin: -2 }),
      dep('early-created-late-finished', 'deactivated', -50, { finishedMin: -4 }),
      dep('late-created-early-finished', 'deactivated', -20, { finishedMin: -18 }),
    ];
    expect(chooseRollbackTarget(ours, undefined, deploys)?.id).toBe('early-created-late-finished');
  });

  it('never picks ours, even when ours is named as last known good', () => {
    const other = dep('other', 'deactivated', -20, { finishedMin: -18 });
    expect(chooseRollbackTarget(ours, ours, [ours, other])?.id).toBe('other');
    expect(chooseRollbackTarget(ours, ours, [ours])).toBeUndefined();
  });

  it('skips a last known good deploy that cannot be rolled back to', () => {
    const lkg = { ...dep('lkg', 'deactivated', -60, { finishedMin: -55 }), canRollbackTo: false };
    const other = dep('other', 'deactivated', -90, { finishedMin: -85 });
    expect(chooseRollbackTarget(ours, lkg, [ours, lkg, other])?.id).toBe('other');
  });

  it('is undefined when there is none', () => {
    expect(
      chooseRollbackTarget(ours, undefined, [ours, dep('f', 'build_failed', -5, { finishedMin: -4 })]),
    ).toBeUndefined();
    expect(chooseRollbackTarget(ours, undefined, [])).toBeUndefined();
  });
});

describe('rollBack guards (never act on a deploy other than the verified one)', () => {
  function guard(entries: Entry[], ours: Deploy, mode: RollbackMode = 'on-failure') {
    const time = fakeTime(T0);
    const provider = new FakeProvider(time.clock, entries);
    const logs: string[] = [];
    const settings = { mode, timeoutMs: 5 * MIN, pauseAutoDeploy: false } as unknown as RollbackSettings;
    const deps = {
      clock: time.clock,
      sleep: time.sleep,
      log: {
        info: (m: string) => logs.push(m),
        warning: (m: string) => logs.push(m),
        group: (_n: string, fn: () => Promise<unknown>) => fn(),
      },
    } as unknown as RunDeps;
    const phase: PhaseRunner = async (_name, fn) => (await fn()).value;
    const budgets: Deadline[] = [];
    const lkg = entries.map((e) => e.deploy).find((d) => d.id === 'lkg');
    const run = () =>
      rollBack({
        settings,
        deps,
        provider,
        ours,
        lastKnownGood: lkg,
        deploys: entries.map((e) => e.deploy),
        base: new URL('https://shop-api.onrender.com'),
        progress: { phase, rollbackInFlight: () => undefined },
        within: (d, fn) => {
          budgets.push(d);
          return fn();
        },
      });
    return { provider, logs, run, budgets };
  }
  const lkg = dep('lkg', 'deactivated', -60, { commit: OTHER, finishedMin: -55 });

  it('does nothing when a newer deploy exists: superseded', async () => {
    const ours = dep('ours', 'live', -5, { commit: SHA, finishedMin: -2 });
    const g = guard(
      [{ deploy: lkg }, { deploy: ours }, { deploy: dep('newer', 'build_in_progress', -1) }],
      ours,
    );
    const decision = await g.run();
    expect(decision).toMatchObject({ result: 'superseded', performed: false });
    expect(decision.message).toContain('a newer deploy (newer, build_in_progress)');
    expect(g.provider.rolledBackTo).toEqual([]);
    expect(g.provider.listArgs).toEqual([{ createdAfter: ours.createdAt }]);
    expect(g.budgets).toHaveLength(1); // the rollback got its own budget
  });

  it('a newer deploy that already failed does not take over: ours is still rolled back', async () => {
    const ours = dep('ours', 'live', -5, { commit: SHA, finishedMin: -2 });
    const g = guard([{ deploy: lkg }, { deploy: ours }, { deploy: dep('newer', 'build_failed', -1) }], ours);
    g.provider.rollbackResult = async () => {
      throw new Error('rollback attempted');
    };
    const decision = await g.run();
    expect(decision.result).toBe('rollback-failed');
    expect(decision.note).toContain('rollback attempted');
  });

  it('does nothing when ours is no longer live', async () => {
    const ours = dep('ours', 'live', -5, { commit: SHA });
    const g = guard(
      [{ deploy: lkg }, { deploy: { ...ours, status: 'deactivated', state: 'replaced' } }],
      ours,
    );
    const decision = await g.run();
    expect(decision).toMatchObject({ result: 'failed', performed: false });
    expect(decision.note).toContain('no longer live (deactivated)');
    expect(g.provider.rolledBackTo).toEqual([]);
  });

  it('rolls back to the target, not to ours, and reports a rollback deploy that fails', async () => {
    const ours = dep('ours', 'live', -5, { commit: SHA });
    const g = guard([{ deploy: lkg }, { deploy: ours }], ours);
    g.provider.waitResult = dep('dep-rb', 'update_failed', 1);
    const decision = await g.run();
    expect(g.provider.rolledBackTo).toEqual(['lkg']);
    expect(decision).toMatchObject({
      result: 'rollback-failed',
      performed: true,
      targetId: 'lkg',
      deployId: 'dep-rb',
    });
    expect(g.provider.calls).toEqual([
      'listDeploys',
      'getDeploy ours',
      'listDeploys', // the second look, after the random pause that separates racing runs
      'rollback lkg',
      'waitForDeploy dep-rb',
    ]);
  });

  it('turns a refused rollback call into rollback-failed with the call for the human on call', async () => {
    const ours = dep('ours', 'live', -5, { commit: SHA });
    const g = guard([{ deploy: lkg }, { deploy: ours }], ours);
    g.provider.rollbackResult = async () => {
      throw new Error('Render API: rolling back to lkg failed with HTTP 400');
    };
    const decision = await g.run();
    expect(decision).toMatchObject({ result: 'rollback-failed', performed: false, targetId: 'lkg' });
    expect(decision.note).toContain('POST /rollback {"deployId":"lkg"}');
  });

  it('dry-run sends nothing and names the exact call', async () => {
    const ours = dep('ours', 'live', -5, { commit: SHA });
    const g = guard([{ deploy: lkg }, { deploy: ours }], ours, 'dry-run');
    const decision = await g.run();
    expect(decision).toMatchObject({
      result: 'failed',
      performed: false,
      targetId: 'lkg',
      call: 'POST /rollback {"deployId":"lkg"}',
    });
    expect(g.provider.rolledBackTo).toEqual([]);
  });

  it('never: sends nothing at all', async () => {
    const ours = dep('ours', 'live', -5, { commit: SHA });
    const g = guard([{ deploy: lkg }, { deploy: ours }], ours, 'never');
    const decision = await g.run();
    expect(decision.result).toBe('failed');
    expect(g.provider.calls).toEqual([]);
  });

  it('no target: rollback-failed without a call', async () => {
    const ours = dep('ours', 'live', -5, { commit: SHA });
    const g = guard([{ deploy: ours }], ours);
    const decision = await g.run();
    expect(decision.result).toBe('rollback-failed');
    expect(g.provider.rolledBackTo).toEqual([]);
  });

  // Regression, fixed: rollback.ts:97 (and execute.ts:315) ask for deploys created after `ours.createdAt ?? 0`. When the
  // provider gave no createdAt for ours, createdAfter 0 means "every deploy", so any older deploy counts
  // as "newer" and the result is `superseded`, which passes the step: a broken deploy ships green. Fix:
  // without createdAt, compare against ours by position in a fresh list (or refuse with `failed` and say
  // why), never fall back to the epoch.
  it('does not call an older deploy "newer" when ours has no createdAt', async () => {
    const ours = dep('ours', 'live', undefined, { commit: SHA });
    const g = guard([{ deploy: lkg }, { deploy: ours }], ours);
    g.provider.rollbackResult = async () => {
      throw new Error('stop here: the rollback was attempted');
    };
    const decision = await g.run();
    expect(decision.result).not.toBe('superseded');
  });
});
