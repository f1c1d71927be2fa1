import * as core from '@actions/core';
import { getConfig, runnerConfigSource } from './config.js';
import { ConfigError } from './errors.js';
import { execute, type RunOutcome } from './execute.js';
import { publishConfigError, publishOutcome, runnerPublisher } from './report.js';
import { createRuntime } from './runtime.js';
import { SecretRegistry } from './secrets.js';
import { ActionState } from './state.js';

/** Results that fail the step (DESIGN.md): `superseded` warns and passes. */
const FAILING_RESULTS = new Set(['failed', 'rolled-back', 'rollback-failed']);

/** The main step: read config, verify, publish, and set the step's exit status once. */
export async function run(): Promise<void> {
  const secrets = new SecretRegistry();
  const publisher = runnerPublisher();
  let config;
  try {
    config = getConfig({ ...runnerConfigSource, runNonce: new ActionState().runNonce() }, secrets);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await publishConfigError(error, publisher, secrets, Date.now());
    core.setFailed(secrets.redact(error.message));
    return;
  }

  const runtime = createRuntime(config.requestTimeoutMs, secrets);
  let outcome: RunOutcome;
  try {
    outcome = await execute(config, runtime);
  } catch (error) {
    // A bug, not a verdict: still publish a failed result with the evidence, so nothing passes silently.
    const now = Date.now();
    outcome = {
      result: 'failed',
      failureReason: 'internal-error',
      failureMessage: `Deploy Sentinel crashed: ${(error as Error).stack ?? String(error)}`,
      probes: [],
      phases: [],
      rollback: { performed: false, note: 'not considered: the run crashed before a verdict' },
      warnings: [],
      startedAt: now,
      finishedAt: now,
    };
  } finally {
    await runtime.close();
  }
  await publishOutcome(outcome, publisher, secrets);
  const verdict = `Deploy Sentinel: ${outcome.result}${outcome.failureMessage ? ` — ${outcome.failureMessage}` : ''}`;
  if (FAILING_RESULTS.has(outcome.result)) core.setFailed(secrets.redact(verdict));
  else core.info(secrets.redact(verdict));
}

run().catch((error: unknown) => {
  // A bug, not a verdict: say so plainly, with the stack, and fail the step.
  core.setFailed(`Deploy Sentinel crashed: ${(error as Error).stack ?? String(error)}`);
});
