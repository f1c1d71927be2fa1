import * as core from '@actions/core';
import { deleteCanary } from './checks/canary.js';
import { getConfig, runnerConfigSource } from './config.js';
import { ConfigError } from './errors.js';
import { readRunEvent } from './event.js';
import { checkContext } from './verify.js';
import { Deadline } from './poll.js';
import { createRuntime } from './runtime.js';
import { SecretRegistry } from './secrets.js';
import { ActionState } from './state.js';

/**
 * The post step runs at the end of the job: it deletes the canary pre wrote, unless the checks file
 * keeps it. Problems here are warnings: the verdict was already given by main.
 */
export async function runPost(): Promise<void> {
  const state = new ActionState();
  const saved = state.canary();
  if (saved?.status !== 'written') return;
  const secrets = new SecretRegistry();
  for (const value of Object.values(saved.captured)) secrets.add(value);
  let config;
  try {
    config = getConfig(
      { ...runnerConfigSource, runNonce: state.runNonce(), event: readRunEvent(process.env) },
      secrets,
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    core.warning(
      secrets.redact(
        `Deploy Sentinel post: the canary was not deleted, the configuration is invalid: ${error.message}`,
      ),
    );
    return;
  }
  const canary = config.checks?.file.canary;
  const baseUrl = saved.baseUrl ? new URL(saved.baseUrl) : config.url;
  if (!canary || !baseUrl) return;
  const runtime = createRuntime(config.requestTimeoutMs, secrets);
  const deadline = Deadline.after(runtime.clock, config.timeoutMs);
  try {
    const deleted = await deleteCanary(
      canary,
      saved.captured,
      checkContext(config, baseUrl, runtime, () => deadline.remainingMs()),
    );
    if (!deleted) core.info('Deploy Sentinel post: canary kept (keep: true or no delete request).');
    else if (deleted.passed) core.info('Deploy Sentinel post: canary deleted.');
    else
      core.warning(
        secrets.redact(`Deploy Sentinel post: the canary could not be deleted: ${deleted.failure ?? ''}`),
      );
  } finally {
    await runtime.close();
  }
}

runPost().catch((error: unknown) => {
  core.warning(`Deploy Sentinel post crashed: ${(error as Error).stack ?? String(error)}`);
});
