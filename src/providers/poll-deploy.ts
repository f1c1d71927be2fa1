import { BudgetExhaustedError } from '../errors.js';
import { Backoff, type Clock, type Deadline, type Random, type Sleep } from '../poll.js';
import type { Deploy, LiveHint, LiveSignal, StatusListener, WaitForDeployResult } from './types.js';

/** How often a provider may be asked about one deploy. */
export interface PollPacing {
  /** First delay after a status change (at least the `interval` input). */
  initialMs: number;
  /** Ceiling the delay grows to while nothing changes; sets the request budget of a long wait. */
  maxMs: number;
}

/** Where polling settles while nothing changes: 40 requests per 10 minutes, a third of Render's budget. */
export const POLL_CEILING_MS = 15_000;

/**
 * Pacing for provider polls: start at the `interval` input, grow to {@link POLL_CEILING_MS}. However
 * short the interval, the growth keeps a 10-minute wait near 50 requests (Render: fewer than 120;
 * Railway's polling fallback: its own ceiling).
 */
export function providerPacing(intervalMs: number, ceilingMs = POLL_CEILING_MS): PollPacing {
  return { initialMs: intervalMs, maxMs: Math.max(intervalMs, ceilingMs) };
}

export interface PollOptions {
  getDeploy: (id: string) => Promise<Deploy>;
  pacing: PollPacing;
  deadline: Deadline;
  clock: Clock;
  sleep: Sleep;
  random?: Random;
  onStatus: StatusListener;
  /** Checked every `hintEveryMs` while the deploy is `deploying`; true makes the next poll come now. */
  liveHint?: LiveHint;
  hintEveryMs?: number;
}

/**
 * Polls one deploy until it leaves `pending` or the deadline passes. The delay grows from `initialMs` to
 * `maxMs` while the status stands still and drops back at each change, because one change (build done)
 * tends to be followed soon by the next (live): quick to notice, frugal while a build grinds.
 */
export async function pollUntilSettled(id: string, options: PollOptions): Promise<WaitForDeployResult> {
  const { deadline, pacing } = options;
  const backoff = new Backoff({
    initialMs: pacing.initialMs,
    maxMs: pacing.maxMs,
    factor: 1.5,
    jitter: 0.1,
    random: options.random,
  });
  let previous: string | undefined;
  // The hint may fire once per status: a service that already serves the new version while the
  // provider still says `deploying` must not turn pacing into one request a second.
  let hintSpent = false;
  let last: Deploy | undefined;
  for (;;) {
    let deploy: Deploy;
    try {
      deploy = await options.getDeploy(id);
    } catch (error) {
      // The deadline passed between the last sleep and the client's look at it: that is the timeout.
      if (error instanceof BudgetExhaustedError && last)
        return { settled: false, deploy: last, reason: 'timeout' };
      throw error;
    }
    last = deploy;
    if (deploy.status !== previous) {
      options.onStatus(deploy, previous);
      if (previous !== undefined) backoff.reset();
      previous = deploy.status;
      hintSpent = false;
    }
    if (deploy.state !== 'pending') return { settled: true, deploy };
    const delay = backoff.next();
    let slept: boolean;
    if (deploy.deploying && options.liveHint && !hintSpent) {
      const woken = await sleepUnlessHinted(delay, options.liveHint, options.hintEveryMs ?? 1000, options);
      hintSpent = woken === 'hinted';
      slept = woken !== 'deadline';
    } else {
      slept = await deadline.sleep(options.sleep, delay);
    }
    if (!slept || deadline.expired()) return { settled: false, deploy, reason: 'timeout' };
  }
}

/** Sleeps `delay` in slices, checking the hint after each; stops early when it turns true. */
async function sleepUnlessHinted(
  delay: number,
  hint: LiveHint,
  sliceMs: number,
  options: Pick<PollOptions, 'deadline' | 'sleep' | 'clock'>,
): Promise<'slept' | 'hinted' | 'deadline'> {
  const until = options.clock.now() + delay;
  for (;;) {
    const left = until - options.clock.now();
    if (left <= 0) return 'slept';
    if (!(await options.deadline.sleep(options.sleep, Math.min(left, sliceMs)))) return 'deadline';
    if (options.deadline.expired()) return 'deadline';
    if (await hint()) return 'hinted';
  }
}

export interface WatchOptions {
  getDeploy: (id: string) => Promise<Deploy>;
  /** A further provider signal, checked on each poll: why the deploy no longer serves, or undefined. */
  failing?: () => Promise<string | undefined>;
  pacing: PollPacing;
  deadline: Deadline;
  sleep: Sleep;
  random?: Random;
  signal: AbortSignal;
}

/**
 * Polls a live deploy until it stops being live (or `failing` reports a failure), the deadline passes or
 * the signal aborts. Frugal: the delay grows from the interval to the ceiling while nothing changes.
 */
export async function pollWhileLive(deploy: Deploy, options: WatchOptions): Promise<LiveSignal> {
  const { deadline, signal } = options;
  const backoff = new Backoff({
    initialMs: options.pacing.initialMs,
    maxMs: options.pacing.maxMs,
    random: options.random,
  });
  let last = deploy;
  while (await deadline.sleep(options.sleep, backoff.next(), signal)) {
    if (deadline.expired()) break;
    try {
      last = await options.getDeploy(deploy.id);
      if (last.state !== 'live') return { live: false, deploy: last, why: `it is ${last.status} now` };
      const failing = await options.failing?.();
      if (failing) return { live: false, deploy: last, why: failing };
    } catch (error) {
      // The soak's budget ran out between the sleep and the call: the deploy was live at the last look.
      if (error instanceof BudgetExhaustedError) break;
      throw error;
    }
  }
  return { live: true, deploy: last };
}
