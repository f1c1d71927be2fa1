import * as core from '@actions/core';
import { writeCanary } from './checks/canary.js';
import { getConfig, runnerConfigSource, type Config } from './config.js';
import { readRunEvent, type RunEvent } from './event.js';
import { ConfigError, errorMessage } from './errors.js';
import { resolveProbeUrl } from './http.js';
import { checkContext, probeHealth } from './verify.js';
import { Deadline } from './poll.js';
import { createProvider } from './providers/index.js';
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
  const event = readRunEvent(process.env);
  let config;
  try {
    // pre runs before actions/checkout: inputs pre does not need must not stop the canary, and
    // health-schema is often a file in the repository. main validates it.
    config = getConfig(
      {
        ...runnerConfigSource,
        event,
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
  const unfit = canaryUnfitFor(event);
  if (unfit) {
    // Writing anyway would prove nothing (or, for a preview, write into production): say why instead.
    state.saveCanary({ status: 'not-written', reason: unfit });
    core.info(`Deploy Sentinel pre: no canary written: ${unfit}`);
    return;
  }

  const runtime = createRuntime(config.requestTimeoutMs, secrets);
  const deadline = Deadline.after(runtime.clock, config.timeoutMs);
  try {
    const baseUrl = config.url ?? (await providerServiceUrl(config, runtime, deadline));
    if (!baseUrl) {
      state.saveCanary({ status: 'not-written', reason: 'no service URL was known before the deploy' });
      return;
    }
    const written = await writeCanary(
      canary,
      checkContext(config, baseUrl, runtime, () => deadline.remainingMs()),
    );
    if (written.probe.passed && written.captured) {
      const versionAtWrite = (await probeHealth(config, baseUrl, runtime, { schema: false })).version;
      state.saveCanary({
        status: 'written',
        captured: written.captured,
        baseUrl: baseUrl.href,
        versionAtWrite,
      });
      core.info(`Deploy Sentinel pre: canary written to ${resolveProbeUrl(baseUrl, '/').origin}.`);
    } else {
      const reason = `writing it failed: ${written.probe.failure ?? 'unknown error'}`;
      state.saveCanary({ status: 'not-written', reason });
      core.warning(secrets.redact(`Deploy Sentinel pre: canary not written; ${reason}`));
    }
  } finally {
    await runtime.close();
  }
}

/** Why a canary cannot cross the deploy on this event, or undefined when it can. */
function canaryUnfitFor(event: RunEvent): string | undefined {
  if (event.deploymentStatus) {
    return (
      'on deployment_status the deploy finished before this job started, so nothing can be written before it; ' +
      'remove `canary` from the checks of this workflow, and keep it in the workflow that deploys'
    );
  }
  if (event.pullRequest) {
    return (
      'a pull-request preview starts as a new service with no data from before, so there is nothing to keep ' +
      '(and the base service is production); remove `canary` from the checks of preview workflows'
    );
  }
  return undefined;
}

/** The service URL the provider reports, for a canary when `url` is not set. */
async function providerServiceUrl(
  config: Config,
  runtime: ReturnType<typeof createRuntime>,
  deadline: Deadline,
): Promise<URL | undefined> {
  if (config.provider === 'none') return undefined;
  try {
    const service = await createProvider(config, runtime, deadline).service();
    return service.url ? new URL(service.url) : undefined;
  } catch (error) {
    core.warning(
      runtime.secrets.redact(`Deploy Sentinel pre: could not read the service URL: ${errorMessage(error)}`),
    );
    return undefined;
  }
}

runPre().catch((error: unknown) => {
  core.warning(`Deploy Sentinel pre crashed: ${(error as Error).stack ?? String(error)}`);
});
