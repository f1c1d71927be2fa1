import * as core from '@actions/core';
import type { Config } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { readRunEvent, type RunEvent } from '../event.js';
import { SecretRegistry } from '../secrets.js';
import { ActionState } from '../state.js';
import { createRuntime, type Runtime } from './runtime.js';

/** What every step starts with: the secrets registry, the triggering event and the state pre, main and post share. */
export interface StepContext {
  secrets: SecretRegistry;
  event: RunEvent;
  state: ActionState;
}

/** How a step ended, for its exit status: only main ever fails the step. */
export type StepEnd = { failed: string } | { info: string } | undefined;

/** One of the action's three steps, as the harness runs it. */
export interface Step {
  name: 'pre' | 'main' | 'post';
  /** False when there is nothing to do (the harness then stops before reading the configuration). */
  wanted?(context: StepContext): boolean;
  /** Reads the configuration the step needs; a ConfigError goes to `configError`. */
  configure(context: StepContext): Config | Promise<Config>;
  /** What a configuration error means for this step (main: a published verdict; pre and post: a note). */
  configError(error: ConfigError, context: StepContext): Promise<StepEnd>;
  /** The step's work. */
  body(config: Config, runtime: Runtime, context: StepContext): Promise<StepEnd>;
  /**
   * The job was cancelled while the body ran (the runner sends SIGINT, then SIGTERM): write what is known,
   * quickly, before the runner kills the process.
   */
  cancelled?(signal: string, context: StepContext): Promise<StepEnd>;
  /** A bug: what the step leaves behind (main: a failed verdict), before the harness reports the crash. */
  crashed?(error: unknown, context: StepContext): Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs one step the way all three share: secrets first, the event, the configuration and its error, the
 * runtime (closed at the end), cancellation, crash reporting, and the exit status, set once. A crash in
 * main fails the step; in pre and post it is a warning, since the verdict is main's.
 */
export async function runStep(step: Step): Promise<void> {
  const context: StepContext = {
    secrets: new SecretRegistry(),
    event: readRunEvent(process.env),
    state: new ActionState(),
  };
  try {
    if (step.wanted && !step.wanted(context)) return;
    let config: Config;
    try {
      config = await step.configure(context);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      end(await step.configError(error, context), context);
      return;
    }
    const runtime = createRuntime(config.requestTimeoutMs, context.secrets);
    const onSignal = (signal: string): void => void cancel(step, signal, context);
    for (const signal of SIGNALS) process.once(signal, onSignal);
    try {
      end(await step.body(config, runtime, context), context);
    } finally {
      for (const signal of SIGNALS) process.removeListener(signal, onSignal);
      await runtime.close();
    }
  } catch (error) {
    await step.crashed?.(error, context);
    const text = `Deploy Sentinel ${step.name === 'main' ? '' : `${step.name} `}crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    if (step.name === 'main') core.setFailed(context.secrets.redact(text));
    else core.warning(context.secrets.redact(text));
  }
}

/** Writes what the step knows and exits: the runner kills the process a few seconds after its signal. */
async function cancel(step: Step, signal: string, context: StepContext): Promise<void> {
  core.info(`Deploy Sentinel ${step.name}: the job was cancelled (${signal}); stopping.`);
  try {
    end(await step.cancelled?.(signal, context), context);
  } finally {
    // No dispatcher.close(): it waits for requests in flight, and there is no time left to wait.
    process.exit(step.name === 'main' ? 1 : 0);
  }
}

function end(status: StepEnd, context: StepContext): void {
  if (!status) return;
  if ('failed' in status) core.setFailed(context.secrets.redact(status.failed));
  else core.info(context.secrets.redact(status.info));
}
