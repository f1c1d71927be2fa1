/**
 * pollUntilSettled and providerPacing (src/providers/follow.ts), with a scripted getDeploy and a fake
 * clock whose `sleep` only advances time.
 */
import { describe, expect, it } from '@jest/globals';
import { BudgetExhaustedError } from '../../../src/errors.js';
import { Deadline } from '../../../src/poll.js';
import { POLL_CEILING_MS, pollUntilSettled, providerPacing } from '../../../src/providers/poll-deploy.js';
import type { Deploy, DeployState } from '../../../src/providers/types.js';

const T0 = Date.parse('2026-05-01T12:00:00Z');

const PHASE: Record<string, DeployState> = {
  queued: 'pending',
  build_in_progress: 'pending',
  update_in_progress: 'pending',
  live: 'live',
  build_failed: 'failed',
  canceled: 'canceled',
};

const deploy = (status: string): Deploy => ({
  id: 'dep-1',
  status,
  state: PHASE[status] ?? 'pending',
  canRollbackTo: status === 'live',
  ...(status === 'update_in_progress' ? { deploying: true } : {}),
});

/** Polls a deploy whose status follows `statuses` (the last repeats). */
function follow(
  statuses: string[],
  options: {
    budgetMs?: number;
    initialMs?: number;
    maxMs?: number;
    random?: () => number;
    /** The live hint's answers, by the fake time (ms since T0) it is asked at. */
    hint?: (elapsedMs: number) => boolean;
    hintEveryMs?: number;
  } = {},
) {
  const clock = { t: T0, now: () => clock.t };
  const sleeps: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    sleeps.push(ms);
    clock.t += ms;
  };
  const polls: number[] = [];
  const changes: [string, string | undefined][] = [];
  const hints: number[] = [];
  const deadline = Deadline.after(clock, options.budgetMs ?? 600_000);
  const run = pollUntilSettled('dep-1', {
    getDeploy: async (id) => {
      expect(id).toBe('dep-1');
      polls.push(clock.now() - T0);
      return deploy(statuses[Math.min(polls.length - 1, statuses.length - 1)] as string);
    },
    pacing: { initialMs: options.initialMs ?? 1000, maxMs: options.maxMs ?? 15_000 },
    deadline,
    clock,
    sleep,
    random: options.random ?? (() => 0.5),
    onStatus: (d, previous) => changes.push([d.status, previous]),
    ...(options.hint
      ? {
          liveHint: async () => {
            hints.push(clock.now() - T0);
            return (options.hint as (elapsedMs: number) => boolean)(clock.now() - T0);
          },
          hintEveryMs: options.hintEveryMs ?? 1000,
        }
      : {}),
  });
  return { run, sleeps, polls, changes, clock, hints };
}

describe('providerPacing', () => {
  it('starts at the interval and grows to the ceiling', () => {
    expect(POLL_CEILING_MS).toBe(15_000);
    expect(providerPacing(5000)).toEqual({ initialMs: 5000, maxMs: 15_000 });
    expect(providerPacing(200)).toEqual({ initialMs: 200, maxMs: 15_000 });
    expect(providerPacing(30_000)).toEqual({ initialMs: 30_000, maxMs: 30_000 });
  });
});

describe('pollUntilSettled', () => {
  it('returns as soon as the deploy leaves pending', async () => {
    const f = follow(['queued', 'build_in_progress', 'live']);
    const result = await f.run;
    expect(result).toEqual({ settled: true, deploy: deploy('live') });
    expect(f.polls).toHaveLength(3);
  });

  it.each([['build_failed'], ['canceled']])('stops at once on %s', async (status) => {
    const f = follow([status]);
    expect(await f.run).toEqual({ settled: true, deploy: deploy(status) });
    expect(f.polls).toEqual([0]);
    expect(f.sleeps).toEqual([]);
  });

  it('grows the delay while the status stands still and resets it after a change', async () => {
    const f = follow([
      'queued',
      'queued',
      'queued',
      'build_in_progress',
      'build_in_progress',
      'build_in_progress',
      'live',
    ]);
    await f.run;
    expect(f.sleeps).toEqual([1000, 1500, 2250, 1000, 1500, 2250]);
  });

  it('caps the delay at maxMs', async () => {
    const f = follow([...Array<string>(12).fill('queued'), 'live'], { initialMs: 1000, maxMs: 4000 });
    await f.run;
    expect(Math.max(...f.sleeps)).toBe(4000);
    expect(f.sleeps.slice(0, 5)).toEqual([1000, 1500, 2250, 3375, 4000]);
  });

  it('keeps jitter within ±10% of the base delay', async () => {
    const low = follow(['queued', 'queued', 'live'], { random: () => 0 });
    await low.run;
    expect(low.sleeps).toEqual([900, 1350]);
    const high = follow(['queued', 'queued', 'live'], { random: () => 0.999999 });
    await high.run;
    expect(high.sleeps).toEqual([1100, 1650]);
  });

  it('returns {settled: false, reason: "timeout"} at the deadline with the last deploy seen', async () => {
    const f = follow(['queued', 'build_in_progress'], { budgetMs: 10_000 });
    const result = await f.run;
    expect(result).toEqual({ settled: false, reason: 'timeout', deploy: deploy('build_in_progress') });
    expect(f.clock.now() - T0).toBe(10_000);
    expect(f.sleeps.reduce((a, b) => a + b, 0)).toBe(10_000); // the last sleep is cut at the deadline
    expect(f.polls.every((at) => at < 10_000)).toBe(true); // no request at or after the deadline
  });

  it('fires onStatus on the first status and on each change only', async () => {
    const f = follow([
      'queued',
      'queued',
      'build_in_progress',
      'build_in_progress',
      'update_in_progress',
      'live',
    ]);
    await f.run;
    expect(f.changes).toEqual([
      ['queued', undefined],
      ['build_in_progress', 'queued'],
      ['update_in_progress', 'build_in_progress'],
      ['live', 'update_in_progress'],
    ]);
  });

  it('ends as a timeout, not a provider error, when the budget runs out just before a status read', async () => {
    const clock = { t: T0, now: () => clock.t };
    let reads = 0;
    const result = await pollUntilSettled('dep-1', {
      getDeploy: async () => {
        if (++reads === 1) return deploy('build_in_progress');
        clock.t = T0 + 60_000; // the deadline passed between the loop's look and the client's
        throw new BudgetExhaustedError(
          'Render API: reading deploy dep-1 was not sent: the time budget ran out',
        );
      },
      pacing: providerPacing(1000),
      deadline: Deadline.after(clock, 60_000),
      clock,
      sleep: async () => undefined,
      onStatus: () => undefined,
    });
    expect(result).toEqual({ settled: false, reason: 'timeout', deploy: deploy('build_in_progress') });
  });

  it('lets a provider error through (it is not a timeout)', async () => {
    const clock = { now: () => T0 };
    await expect(
      pollUntilSettled('dep-1', {
        getDeploy: async () => {
          throw new Error('Render API: reading deploy dep-1 kept failing');
        },
        pacing: providerPacing(1000),
        deadline: Deadline.after(clock, 60_000),
        clock,
        sleep: async () => undefined,
        onStatus: () => undefined,
      }),
    ).rejects.toThrow('kept failing');
  });

  it.each([
    [5000, () => 0],
    [5000, () => 0.999999],
    [200, () => 0],
    [200, () => 0.999999],
  ])(
    'a 10-minute wait at interval %i ms stays ≤ 60 requests whatever the jitter',
    async (intervalMs, random) => {
      const pacing = providerPacing(intervalMs);
      const f = follow(['build_in_progress'], { initialMs: pacing.initialMs, maxMs: pacing.maxMs, random });
      const result = await f.run;
      expect(result.settled).toBe(false);
      expect(f.polls.length).toBeLessThanOrEqual(60);
      expect(f.polls.length).toBeGreaterThan(30); // still watching: at least every 15s ±10% or so
    },
  );
});

describe('pollUntilSettled with a live hint', () => {
  it('is not consulted while the deploy builds (not yet deploying)', async () => {
    const f = follow(['build_in_progress', 'build_in_progress', 'live'], { hint: () => true });
    await f.run;
    expect(f.hints).toEqual([]);
    expect(f.polls).toEqual([0, 1000, 2500]);
  });

  it('checks every hintEveryMs while deploying, and polls at once when it turns true', async () => {
    const f = follow(['update_in_progress', 'update_in_progress', 'live'], {
      initialMs: 5000,
      hint: (elapsed) => elapsed >= 3000,
    });
    const result = await f.run;
    expect(result.deploy.status).toBe('live');
    expect(f.hints).toEqual([1000, 2000, 3000]);
    // The second poll comes at 3s, not at 5s. Render still says update_in_progress, so the hint is spent
    // for this status and the third poll keeps the normal pacing (7.5 s later), not one a second.
    expect(f.polls).toEqual([0, 3000, 10_500]);
  });

  it('keeps the normal pacing while the hint stays false', async () => {
    const f = follow(['update_in_progress', 'update_in_progress', 'update_in_progress', 'live'], {
      initialMs: 5000,
      hint: () => false,
    });
    await f.run;
    expect(f.polls).toEqual([0, 5000, 12_500, 23_750]);
    expect(f.hints).toHaveLength(5 + 8 + 12); // after every slice of 1s (the last one shorter)
  });

  it('stops at the deadline while sleeping in slices', async () => {
    const f = follow(['update_in_progress'], { budgetMs: 10_000, initialMs: 5000, hint: () => false });
    const result = await f.run;
    expect(result).toMatchObject({ settled: false, reason: 'timeout' });
    expect(f.clock.now() - T0).toBe(10_000);
  });

  // Regression: a hint that stays true (the service reports the new version while Render still says
  // update_in_progress) once made every loop poll after a 1 s slice: 600 requests in 10 minutes. The hint
  // is now spent once per status.
  it('a hint stuck at true does not turn polling into one request a second', async () => {
    const f = follow(['update_in_progress'], { initialMs: 5000, hint: () => true });
    const result = await f.run;
    expect(result.settled).toBe(false);
    expect(f.polls.length).toBeLessThanOrEqual(60);
  });
});
