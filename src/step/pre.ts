import * as core from '@actions/core';
import { writeCanary } from '../checks/canary.js';
import { checkContext } from '../checks/run.js';
import { getConfig, runnerConfigSource } from '../config/index.js';
import { errorMessage } from '../errors.js';
import type { RunEvent } from '../event.js';
import { healthTarget, probeHealth } from '../health.js';
import { resolveProbeUrl } from '../http.js';
import { Deadline } from '../poll.js';
import { createProvider } from '../providers/registry.js';
import { runSettings, type RunSettings } from '../run/settings.js';
import { runStep } from './harness.js';
import type { Runtime } from './runtime.js';

/**
 * The pre step runs at the start of the job, before the deploy: it writes the canary to the service that
 * is live now and saves its handle. It never fails the job; when it cannot write the canary it records
 * why, and main then fails the canary probe with that reason (a persistence check that could not run is
 * a failure, not a pass).
 */
export async function run(): Promise<void> {
  await runStep({
    name: 'pre',
    // pre runs before actions/checkout: inputs pre does not need must not stop the canary, and
    // health-schema is often a file in the repository. main validates it.
    configure: ({ event, secrets }) =>
      getConfig(
        {
          ...runnerConfigSource,
          event,
          input: (name) => (name === 'health-schema' ? '' : runnerConfigSource.input(name)),
        },
        secrets,
      ),
    configError: async (error, { state }) => {
      // Typical cause: pre runs before actions/checkout, so a checks file in the repo is not there yet.
      // Main re-reads the config and reports the problems properly; here we only note the canary's fate.
      state.saveCanary({
        status: 'not-written',
        reason: `the configuration could not be read in pre: ${error.message}`,
      });
      return {
        info: 'Deploy Sentinel pre: configuration not readable yet; no canary written (main reports details).',
      };
    },
    body: async (config, runtime, { event, state, secrets }) => {
      state.saveRunNonce(config.run.nonce);
      const canary = config.checks?.file.canary;
      if (!canary) return undefined;
      const unfit = canaryUnfitFor(event);
      if (unfit) {
        // Writing anyway would prove nothing (or, for a preview, write into production): say why instead.
        state.saveCanary({ status: 'not-written', reason: unfit });
        return { info: `Deploy Sentinel pre: no canary written: ${unfit}` };
      }
      const settings = runSettings(config);
      const deadline = Deadline.after(runtime.clock, settings.timeoutMs);
      const baseUrl = settings.url ?? (await providerServiceUrl(settings, runtime, deadline));
      if (!baseUrl) {
        state.saveCanary({ status: 'not-written', reason: 'no service URL was known before the deploy' });
        return undefined;
      }
      const written = await writeCanary(
        canary,
        checkContext(settings.verify.checks, baseUrl, runtime, () => deadline.remainingMs()),
      );
      if (!written.probe.passed || !written.captured) {
        const reason = `writing it failed: ${written.probe.failure ?? 'unknown error'}`;
        state.saveCanary({ status: 'not-written', reason });
        core.warning(secrets.redact(`Deploy Sentinel pre: canary not written; ${reason}`));
        return undefined;
      }
      const target = healthTarget(settings.verify.health, baseUrl, secrets, { schema: false });
      const versionAtWrite = (await probeHealth(runtime.http, target, runtime.clock.now())).version;
      state.saveCanary({
        status: 'written',
        captured: written.captured,
        baseUrl: baseUrl.href,
        versionAtWrite,
      });
      return { info: `Deploy Sentinel pre: canary written to ${resolveProbeUrl(baseUrl, '/').origin}.` };
    },
  });
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
  settings: RunSettings,
  runtime: Runtime,
  deadline: Deadline,
): Promise<URL | undefined> {
  if (!settings.provider) return undefined;
  try {
    const service = await (await createProvider(settings.provider, runtime, deadline)).service();
    return service.url ? new URL(service.url) : undefined;
  } catch (error) {
    core.warning(
      runtime.secrets.redact(`Deploy Sentinel pre: could not read the service URL: ${errorMessage(error)}`),
    );
    return undefined;
  }
}
