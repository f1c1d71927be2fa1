import * as core from '@actions/core';
import { WebSocket, type Agent } from 'undici';
import { execCommand } from '../checks/command.js';
import type { Logger, RunDeps } from '../deps.js';
import { createDispatcher, createHttpClient } from '../http.js';
import { realSleep, systemClock } from '../poll.js';
import { SecretRegistry } from '../secrets.js';
import { ActionState } from '../state.js';

/**
 * The runner's logger: plain lines, warnings as annotations, one collapsible group per phase. Every line
 * is redacted first: progress lines quote what the service said, and a service can echo a secret in a
 * form the runner's own masking does not know.
 */
export function runnerLogger(secrets: SecretRegistry): Logger {
  return {
    info: (message) => core.info(secrets.redact(message)),
    warning: (message) => core.warning(secrets.redact(message)),
    group: (name, fn) => core.group(secrets.redact(name), fn),
  };
}

/** The real dependencies of one step, with the dispatcher they share; `close` it when the step ends. */
export type Runtime = RunDeps & { dispatcher: Agent; close(): Promise<void> };

/**
 * Wires the real dependencies for one entry point (pre, main or post): one keep-alive dispatcher, the
 * secret registry, the clock. Call `close` when done so open sockets do not keep the process alive.
 */
export function createRuntime(requestTimeoutMs: number, secrets = new SecretRegistry()): Runtime {
  const dispatcher = createDispatcher();
  return {
    http: createHttpClient({ dispatcher, secrets, timeoutMs: requestTimeoutMs }),
    clock: systemClock,
    sleep: realSleep,
    log: runnerLogger(secrets),
    secrets,
    state: new ActionState(),
    exec: execCommand,
    openWebSocket: (url, protocol) =>
      new WebSocket(url, { protocols: [protocol], dispatcher }) as unknown as globalThis.WebSocket,
    dispatcher,
    close: () => dispatcher.close(),
  };
}
