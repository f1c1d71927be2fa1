import * as core from '@actions/core';
import { writeCanary } from '../checks/canary.js';
import { checkContext } from '../checks/run.js';
import { getConfig, repositoryRead, runnerConfigSource, type ConfigSource } from '../config/index.js';
import { ConfigError, errorMessage } from '../errors.js';
import { readRepositoryFile, RepositoryFileError } from '../github.js';
import type { SecretRegistry } from '../secrets.js';
import type { RunEvent } from '../event.js';
import { healthTarget, probeHealth } from '../health.js';
import { resolveProbeUrl } from '../http.js';
import { Deadline } from '../poll.js';
import { createProvider } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';
import { runSettings } from '../run/settings.js';
import { runStep } from './harness.js';
import { createRuntime, type Runtime } from './runtime.js';

/** The `request-timeout` default, for the one request pre sends before the configuration is read. */
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The pre step runs at the start of the job, before the deploy: it writes the canary to the service that
 * is live now and saves its handle. It never fails the job; when it cannot write the canary it records
 * why, and main then fails the canary probe with that reason (a persistence check that could not run is
 * a failure, not a pass).
 */
export async function run(): Promise<void> {
  await runStep({
    name: 'pre',
    configure: async ({ event, secrets }) => {
      // pre runs before actions/checkout: inputs pre does not need must not stop the canary, and
      // health-schema is often a file in the repository. main validates it.
      const source: ConfigSource = {
        ...runnerConfigSource,
        event,
        input: (name) => (name === 'health-schema' ? '' : runnerConfigSource.input(name)),
      };
      return getConfig({ ...source, repositoryFiles: await checksFromRepository(source, secrets) }, secrets);
    },
    configError: async (error, { state }) => {
      // Main re-reads the configuration and reports the problems properly; here we only note the
      // canary's fate, with the problems, which say what to do.
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
      const provider = settings.provider
        ? await createProvider(settings.provider, runtime, deadline)
        : undefined;
      const baseUrl = settings.url ?? (provider ? await providerServiceUrl(provider, runtime) : undefined);
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
      // Which deploy served the write: main fails the canary as "not proven" if that is the one it verifies.
      const deployAtWrite = provider ? await servingDeploy(provider, runtime) : undefined;
      state.saveCanary({
        status: 'written',
        captured: written.captured,
        baseUrl: baseUrl.href,
        versionAtWrite,
        deployAtWrite,
      });
      return { info: `Deploy Sentinel pre: canary written to ${resolveProbeUrl(baseUrl, '/').origin}.` };
    },
  });
}

/**
 * pre runs before actions/checkout, so a checks file of the repository is not in the workspace yet: read it
 * at the workflow's commit through the contents API with the job's token, the same file main reads after
 * checkout. A file that cannot be read is a problem with the `checks` input that says what to do.
 */
async function checksFromRepository(
  source: ConfigSource,
  secrets: SecretRegistry,
): Promise<ConfigSource['repositoryFiles']> {
  const read = repositoryRead(source, secrets);
  if (!read.checksPath) return undefined;
  const runtime = createRuntime(DEFAULT_REQUEST_TIMEOUT_MS, secrets);
  try {
    const text = await readRepositoryFile({
      http: runtime.http,
      token: read.token,
      env: process.env,
      path: read.checksPath,
      ref: read.ref,
    });
    core.info(`Deploy Sentinel pre: read ${read.checksPath} from the repository (checkout has not run yet).`);
    return { [read.checksPath]: { text, ref: read.ref ?? '' } };
  } catch (error) {
    if (!(error instanceof RepositoryFileError)) throw error;
    throw new ConfigError([
      {
        input: 'checks',
        value: read.checksPath,
        problem: `pre runs before actions/checkout, so it reads the file through the GitHub API, and the file ${error.problem}`,
        fix: error.fix,
      },
    ]);
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
async function providerServiceUrl(provider: Provider, runtime: Runtime): Promise<URL | undefined> {
  try {
    const service = await provider.service();
    return service.url ? new URL(service.url) : undefined;
  } catch (error) {
    core.warning(
      runtime.secrets.redact(`Deploy Sentinel pre: could not read the service URL: ${errorMessage(error)}`),
    );
    return undefined;
  }
}

/** The deploy serving now, or undefined (with a warning) when the provider cannot say. */
async function servingDeploy(
  provider: Provider,
  runtime: Runtime,
): Promise<{ id: string; commit?: string } | undefined> {
  try {
    const live = (await provider.listDeploys()).find((deploy) => deploy.state === 'live');
    return live && { id: live.id, commit: live.commit };
  } catch (error) {
    core.warning(
      runtime.secrets.redact(
        `Deploy Sentinel pre: could not read which deploy serves now: ${errorMessage(error)}`,
      ),
    );
    return undefined;
  }
}
