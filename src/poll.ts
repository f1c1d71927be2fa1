import { formatDuration } from './duration.js';

/** Milliseconds since some fixed point; injected so tests can drive time. */
export interface Clock {
  now(): number;
}

/**
 * Waits `ms` milliseconds, or until `signal` aborts; injected so tests never sleep for real (a fake sleep
 * may ignore the signal: its waits take no time).
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real clock and sleep, used by the action itself. */
export const systemClock: Clock = { now: () => Date.now() };
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    // An abort ends the wait and clears the timer, so a stopped watcher does not hold the process open.
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });

/** Random source in [0, 1); injected so jitter is deterministic in tests. */
export type Random = () => number;

export interface BackoffOptions {
  /** First delay. */
  initialMs: number;
  /** Ceiling for the growing delay (before jitter). */
  maxMs: number;
  /** Growth factor per attempt. */
  factor?: number;
  /** Fraction of the delay randomised either way (0.1 = ±10%), so parallel runs do not beat in step. */
  jitter?: number;
  random?: Random;
}

/** Exponential backoff with jitter: initial, initial*factor, ... capped at max. */
export class Backoff {
  private current: number;

  constructor(private readonly options: BackoffOptions) {
    this.current = options.initialMs;
  }

  /** The next delay, then grows the base for the call after. */
  next(): number {
    const { factor = 1.5, jitter = 0.1, random = Math.random, maxMs } = this.options;
    const base = Math.min(this.current, maxMs);
    this.current = Math.min(base * factor, maxMs);
    const spread = base * jitter * (2 * random() - 1);
    return Math.max(0, Math.round(base + spread));
  }

  /** Back to the initial delay (after progress, e.g. a status change). */
  reset(): void {
    this.current = this.options.initialMs;
  }
}

/** A fixed point in time the run must finish by. */
export class Deadline {
  constructor(
    private readonly clock: Clock,
    readonly startedAt: number,
    readonly budgetMs: number,
  ) {}

  static after(clock: Clock, budgetMs: number): Deadline {
    return new Deadline(clock, clock.now(), budgetMs);
  }

  get at(): number {
    return this.startedAt + this.budgetMs;
  }

  remainingMs(): number {
    return Math.max(0, this.at - this.clock.now());
  }

  elapsedMs(): number {
    return this.clock.now() - this.startedAt;
  }

  expired(): boolean {
    return this.remainingMs() <= 0;
  }

  /** Sleeps `ms`, cut short at the deadline (or by `signal`); returns false when no time was left to sleep. */
  async sleep(sleep: Sleep, ms: number, signal?: AbortSignal): Promise<boolean> {
    const left = this.remainingMs();
    if (left <= 0 || signal?.aborted) return false;
    await sleep(Math.min(ms, left), signal);
    return !signal?.aborted;
  }
}

/** How long something may keep trying: a Deadline, or a ScopedBudget that follows the current phase. */
export interface Budget {
  remainingMs(): number;
}

/**
 * A budget whose deadline is the one of the phase running now: `within(deadline, fn)` makes `deadline` the
 * budget for everything `fn` does, and restores the previous one after. The run's phases (verification,
 * rollback, reading evidence) each get their own deadline this way, named where the phase starts.
 */
export class ScopedBudget implements Budget {
  private readonly scopes: Budget[] = [];

  constructor(private readonly base: Budget) {}

  remainingMs(): number {
    return (this.scopes.at(-1) ?? this.base).remainingMs();
  }

  async within<T>(deadline: Budget, fn: () => Promise<T>): Promise<T> {
    this.scopes.push(deadline);
    try {
      return await fn();
    } finally {
      this.scopes.splice(this.scopes.lastIndexOf(deadline), 1);
    }
  }
}

/**
 * Emits a progress line when the phase changes and at most every `everyMs` otherwise, so a long wait
 * shows it is alive without flooding the log.
 */
export class ProgressReporter {
  private lastPhase: string | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly deadline: Deadline,
    private readonly log: (line: string) => void,
    private readonly everyMs = 30_000,
  ) {}

  update(phase: string, detail: string): void {
    const now = this.clock.now();
    if (phase === this.lastPhase && now - this.lastAt < this.everyMs) return;
    this.lastPhase = phase;
    this.lastAt = now;
    this.log(
      `${phase}: ${detail} (elapsed ${formatDuration(this.deadline.elapsedMs())}, ` +
        `deadline in ${formatDuration(this.deadline.remainingMs())})`,
    );
  }
}
