import type { CommandRunner } from './checks/types.js';
import type { HttpClient } from './http.js';
import type { Clock, Random, Sleep } from './poll.js';
import type { SecretRegistry } from './secrets.js';
import type { ActionState } from './state.js';

/** Where the run writes progress; `group` wraps one phase (a `core.group` on the runner). */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** Opens a WebSocket on the run's dispatcher (Railway's status push); without it providers poll. */
export type OpenWebSocket = (url: string, protocol: string) => WebSocket;

/**
 * Everything the run touches outside itself, passed in so the core is tested without module mocks: the
 * one HTTP client, the clock and sleep (tests drive time), the logger, the secrets, the step state and the
 * command runner.
 */
export interface RunDeps {
  http: HttpClient;
  clock: Clock;
  sleep: Sleep;
  log: Logger;
  secrets: SecretRegistry;
  state: ActionState;
  exec: CommandRunner;
  random?: Random;
  openWebSocket?: OpenWebSocket;
}
