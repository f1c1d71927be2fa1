import type { Config } from '../config/index.js';
import type { ProviderSettings } from '../providers/types.js';
import type { LocateSettings } from '../providers/find-deploy.js';
import type { RollbackSettings } from '../rollback.js';
import type { VerifySettings } from '../verify.js';
import type { SoakSettings } from '../soak.js';

/**
 * What one run needs, cut from the Config once: each part the module that uses it declares (verify,
 * provider, locate, rollback), so data flows down and no module sees inputs it does not use.
 */
export interface RunSettings {
  timeoutMs: number;
  /** The `url` input (or the event's); with a provider, the provider's service URL when absent. */
  url?: URL;
  expectVersion?: string;
  verify: VerifySettings;
  /** Absent with `provider: none`. */
  provider?: ProviderSettings;
  locate: LocateSettings;
  rollback: RollbackSettings;
  soak: SoakSettings;
  /** Whether any evidence beyond a 2xx is asked for (a version, a schema, checks). */
  checksMoreThanStatus: boolean;
}

/** Builds every module's settings from the Config. */
export function runSettings(config: Config): RunSettings {
  const verify: VerifySettings = {
    health: {
      path: config.healthPath,
      headers: config.headers,
      versionFrom: config.versionFrom,
      validate: config.healthSchema?.validate,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    polling: {
      intervalMs: config.intervalMs,
      successThreshold: config.successThreshold,
      failureThreshold: config.failureThreshold,
    },
    checks: {
      file: config.checks?.file,
      headers: config.headers,
      run: config.run,
      requestTimeoutMs: config.requestTimeoutMs,
    },
  };
  const soak: SoakSettings = { soakMs: config.soakMs, health: verify.health, polling: verify.polling };
  return {
    timeoutMs: config.timeoutMs,
    soak,
    url: config.url,
    expectVersion: config.expectVersion,
    verify,
    provider:
      config.provider === 'none'
        ? undefined
        : {
            name: config.provider,
            apiToken: config.apiToken ?? '',
            serviceId: config.serviceId ?? '',
            apiUrl: config.apiUrl,
            environmentId: config.environmentId ?? '',
            tokenType: config.apiTokenType,
            requestTimeoutMs: config.requestTimeoutMs,
            intervalMs: config.intervalMs,
          },
    locate: {
      deployId: config.deployId,
      commit: config.commit,
      trigger: config.deploy,
      intervalMs: config.intervalMs,
      pullRequest: config.pullRequest,
    },
    rollback: {
      mode: config.rollback,
      pauseAutoDeploy: config.pauseAutoDeploy,
      timeoutMs: config.timeoutMs,
      checksVersion: config.expectVersion !== undefined,
      verify,
      soak,
    },
    checksMoreThanStatus: Boolean(config.expectVersion || config.healthSchema || config.checks),
  };
}
