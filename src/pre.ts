import * as core from '@actions/core';
import { writeCanary } from './checks/canary.js';
import { getConfig, runnerConfigSource } from './config.js';
import { ConfigError } from './errors.js';
import { resolveProbeUrl } from './http.js';
import { checkContext } from './execute.js';
import { Deadline } from './poll.js';
import { createRuntime } from './runtime.js';
import { SecretRegistry } from './secrets.js';
import { ActionState } from './state.js';

/**
 * The pre step runs at the start of the job, before the deploy: it writes the canary to the service that
 * is live now and saves its handle. It never fails the job; when it cannot write the canary it records
 * why, and main then fails the canary probe with that reason (a persistence check that could not run is
 * a failure, not a pass).
 */
export async function runPre(): Promise<void> {
  const state = new ActionState();
  const secrets = new SecretRegistry();
  let config;
  try {
    // pre runs before actions/checkout: inputs pre does not need must not stop the canary, and
    // health-schema is often a file in the repository. main validates it.
    config = getConfig(
      {
        ...runnerConfigSource,
        input: (name) => (name === 'health-schema' ? '' : runnerConfigSource.input(name)),
      },
      secrets,
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Typical cause: pre runs before actions/checkout, so a checks file in the repo is not there yet.
    // Main re-reads the config and reports the problems properly; here we only note the canary's fate.
    state.saveCanary({
      status: 'not-written',
      reason: `the configuration could not be read in pre: ${error.message}`,
    });
    core.info(
      'Deploy Sentinel pre: configuration not readable yet; no canary written (main reports details).',
    );
    return;
  }
  state.saveRunNonce(config.run.nonce);
  const canary = config.checks?.file.canary;
  if (!canary) return;
  if (!config.url) {
    state.saveCanary({ status: 'not-written', reason: 'no `url` was known before the deploy' });
    return;
  }

  const runtime = createRuntime(config.requestTimeoutMs, secrets);
  const deadline = Deadline.after(runtime.clock, config.timeoutMs);
  try {
    const written = await writeCanary(
      canary,
      checkContext(config, config.url, runtime, () => deadline.remainingMs()),
    );
    if (written.probe.passed && written.captured) {
      state.saveCanary({ status: 'written', captured: written.captured });
      core.info(`Deploy Sentinel pre: canary written to ${resolveProbeUrl(config.url, '/').origin}.`);
    } else {
      const reason = `writing it failed: ${written.probe.failure ?? 'unknown error'}`;
      state.saveCanary({ status: 'not-written', reason });
      core.warning(secrets.redact(`Deploy Sentinel pre: canary not written; ${reason}`));
    }
  } finally {
    await runtime.close();
  }
}

runPre().catch((error: unknown) => {
  core.warning(`Deploy Sentinel pre crashed: ${(error as Error).stack ?? String(error)}`);
});
