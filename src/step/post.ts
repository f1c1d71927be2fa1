import * as core from '@actions/core';
import { deleteCanary } from '../checks/canary.js';
import { checkContext } from '../checks/run.js';
import { getConfig, runnerConfigSource } from '../config/index.js';
import { Deadline } from '../poll.js';
import { runSettings } from '../run/settings.js';
import { runStep } from './harness.js';

/**
 * The post step runs at the end of the job, whatever main's result (`post-if: always()`): it deletes the
 * canary pre wrote, unless the checks file keeps it. Problems here are warnings: the verdict was already
 * given by main.
 */
export async function run(): Promise<void> {
  await runStep({
    name: 'post',
    wanted: ({ state }) => state.canary()?.status === 'written',
    configure: ({ state, event, secrets }) => {
      const saved = state.canary();
      if (saved?.status === 'written') for (const value of Object.values(saved.captured)) secrets.add(value);
      return getConfig({ ...runnerConfigSource, runNonce: state.runNonce(), event }, secrets);
    },
    configError: async (error, { secrets }) => {
      core.warning(
        secrets.redact(
          `Deploy Sentinel post: the canary was not deleted, the configuration is invalid: ${error.message}`,
        ),
      );
      return undefined;
    },
    body: async (config, runtime, { state, secrets }) => {
      const saved = state.canary();
      if (saved?.status !== 'written') return undefined;
      const settings = runSettings(config);
      const canary = settings.verify.checks.file?.canary;
      const baseUrl = saved.baseUrl ? new URL(saved.baseUrl) : settings.url;
      if (!canary || !baseUrl) return undefined;
      const deadline = Deadline.after(runtime.clock, settings.timeoutMs);
      const deleted = await deleteCanary(
        canary,
        saved.captured,
        checkContext(settings.verify.checks, baseUrl, runtime, () => deadline.remainingMs()),
      );
      if (!deleted) return { info: 'Deploy Sentinel post: canary kept (keep: true or no delete request).' };
      if (deleted.passed) return { info: 'Deploy Sentinel post: canary deleted.' };
      core.warning(
        secrets.redact(`Deploy Sentinel post: the canary could not be deleted: ${deleted.failure ?? ''}`),
      );
      return undefined;
    },
  });
}
