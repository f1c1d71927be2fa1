/**
 * A fake clock and the sleep that moves it, for code that takes its clock and sleep as dependencies
 * (src/poll.ts's `Clock`): no test waits for real. `sleeps` records every sleep asked for, in order.
 */
export interface FakeTime {
  /** `clock.t` is the time in epoch ms; a test may read or set it. */
  clock: { t: number; now(): number };
  /** Resolves at once, having moved the clock by `ms`. */
  sleep(ms: number): Promise<void>;
  sleeps: number[];
  /** Moves the clock without a sleep (time that passes while something else runs). */
  advance(ms: number): void;
}

/** A clock at `start` (epoch ms; defaults to 1 000 000) that only sleeps move. */
export function fakeTime(start = 1_000_000): FakeTime {
  const clock = { t: start, now: () => clock.t };
  const sleeps: number[] = [];
  return {
    clock,
    sleeps,
    sleep: async (ms: number): Promise<void> => {
      sleeps.push(ms);
      clock.t += ms;
    },
    advance: (ms: number) => {
      clock.t += ms;
    },
  };
}
