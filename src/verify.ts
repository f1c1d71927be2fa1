import type { Config } from './config.js';
import type { CheckContext } from './checks/run.js';
import { readCanary, runChecks } from './checks/run.js';
import type { ExecuteDeps } from './execute.js';
import { resolveProbeUrl } from './http.js';
import {
  checkHealth,
  versionMatches,
  waitUntilHealthy,
  type HealthOutcome,
  type HealthTarget,
} from './health.js';
import type { Deadline } from './poll.js';
import type { FailureReason, ProbeResult } from './results.js';

/** Runs one phase of the run: a log group plus a timeline entry. */
export type PhaseRunner = <T>(
  name: string,
  fn: () => Promise<{ value: T; ok: boolean; note?: string }>,
) => Promise<T>;

export interface VerifyTarget {
  base: URL;
  /** The version the service must report before anything passes. */
  expectVersion?: string;
  /** Read back the canary `pre` wrote (not after a rollback: the restored deploy did not cross it). */
  includeCanary: boolean;
  deadline: Deadline;
  /** Prefix for phase and probe names, e.g. "Restored deploy: ". */
  label?: string;
}

/** What verifying one service found. `failure` is absent when everything passed. */
export interface Verification {
  probes: ProbeResult[];
  version?: string;
  failure?: { reason: FailureReason; message: string };
  /**
   * Why the failure does not show the deploy is broken (a canary that was never written, checks the
   * timeout left no time for): the run fails, but nothing is rolled back on it.
   */
  inconclusive?: string;
  /** True once the service passed its health check (a failure after it is the deploy's, not the warm-up's). */
  healthy: boolean;
}

/**
 * Waits until the service is live, on the expected version and healthy, then runs the checks (and the
 * canary read). Used for the new deploy and again for the deploy a rollback restored.
 */
export async function verifyService(
  config: Config,
  deps: ExecuteDeps,
  target: VerifyTarget,
  phase: PhaseRunner,
): Promise<Verification> {
  const { deadline, label = '' } = target;
  const probes: ProbeResult[] = [];
  const healthTarget = healthTargetFor(config, target.base, deps, { expectVersion: target.expectVersion });
  const health = await phase(`${label}Wait until live and healthy`, async () => {
    const waited = await waitUntilHealthy(deps.http, healthTarget, {
      intervalMs: config.intervalMs,
      successThreshold: config.successThreshold,
      failureThreshold: config.failureThreshold,
      deadline,
      clock: deps.clock,
      sleep: deps.sleep,
      log: deps.log.info,
      random: deps.random,
    });
    return { value: waited, ok: waited.healthy, note: `${waited.attempts} health checks` };
  });
  probes.push({
    name: `${label}health ${healthTarget.url.pathname}`,
    kind: 'health',
    passed: health.healthy,
    durationMs: (health.healthy ? health.last.durationMs : health.durationMs) ?? 0,
    failure: health.healthy ? undefined : health.message,
  });
  if (!health.healthy) {
    return {
      probes,
      version: health.version,
      healthy: false,
      failure: { reason: health.reason, message: health.message },
    };
  }

  const checks = config.checks?.file;
  const canary = target.includeCanary ? checks?.canary : undefined;
  if (checks && (checks.checks.length > 0 || canary)) {
    const context = checkContext(config, target.base, deps, () => deadline.remainingMs());
    const rows = await phase(`${label}Run checks`, async () => {
      const results: ProbeResult[] = [];
      if (canary) results.push(await canaryProbe(canary, context, deps, target.expectVersion));
      results.push(...(await runChecks(checks, context)));
      return { value: results, ok: results.every((row) => row.passed), note: `${results.length} probes` };
    });
    probes.push(...rows.map((row) => (label ? { ...row, name: `${label}${row.name}` } : row)));
  }
  const failing = probes.filter((probe) => !probe.passed);
  // A conclusive failure (a check that ran and failed) outranks one that could not test anything.
  const failed = failing.find((probe) => !isInconclusive(probe)) ?? failing[0];
  if (!failed) return { probes, version: health.version, healthy: true };
  const inconclusive = isInconclusive(failed);
  return {
    probes,
    version: health.version,
    healthy: true,
    failure: {
      reason:
        failed.kind === 'canary' ? (inconclusive ? 'canary-unverified' : 'canary-lost') : 'check-failed',
      message: `${failed.name}: ${failed.failure ?? 'failed'}`,
    },
    inconclusive: inconclusive
      ? failed.kind === 'canary'
        ? 'the canary could not test persistence'
        : 'the timeout ran out before the checks could run'
      : undefined,
  };
}

/**
 * The health check the inputs define, against `base`. `expectVersion` is what must be reported;
 * `schema: false` skips the health schema (only the version is wanted).
 */
export function healthTargetFor(
  config: Config,
  base: URL,
  deps: Pick<ExecuteDeps, 'secrets'>,
  options: { expectVersion?: string; schema?: boolean; requestTimeoutMs?: number } = {},
): HealthTarget {
  return {
    url: resolveProbeUrl(base, config.healthPath),
    headers: config.headers,
    expectVersion: options.expectVersion,
    versionFrom: config.versionFrom,
    validate: options.schema === false ? undefined : config.healthSchema?.validate,
    requestTimeoutMs: options.requestTimeoutMs ?? config.requestTimeoutMs,
    redact: (text) => deps.secrets.redact(text),
  };
}

/** One health request against whatever serves now; the version is read, not required. */
export function probeHealth(
  config: Config,
  base: URL,
  deps: Pick<ExecuteDeps, 'http' | 'clock' | 'secrets'>,
  options: { schema?: boolean; requestTimeoutMs?: number } = {},
): Promise<HealthOutcome> {
  return checkHealth(deps.http, healthTargetFor(config, base, deps, options), deps.clock.now());
}

/** A failed probe that never tested the deploy: the canary was never written, or no request was sent. */
function isInconclusive(probe: ProbeResult): boolean {
  return probe.inconclusive === true;
}

/** What the checks runner needs, for main, pre and post alike. */
export function checkContext(
  config: Config,
  baseUrl: URL,
  deps: Pick<ExecuteDeps, 'http' | 'secrets' | 'exec'>,
  remainingMs: () => number,
): CheckContext {
  return {
    http: deps.http,
    baseUrl,
    headers: config.headers,
    vars: { env: process.env, run: config.run },
    secrets: deps.secrets,
    requestTimeoutMs: config.requestTimeoutMs,
    remainingMs,
    exec: deps.exec,
  };
}

/** Reads back the canary `pre` wrote; a canary that was never written is a failure, not a skip. */
async function canaryProbe(
  canary: NonNullable<NonNullable<Config['checks']>['file']['canary']>,
  context: CheckContext,
  deps: ExecuteDeps,
  expectVersion: string | undefined,
): Promise<ProbeResult> {
  const saved = deps.state.canary();
  if (!saved || saved.status !== 'written') {
    const reason = saved
      ? saved.reason
      : 'the pre step did not run (pre runs only when the action is used from a repository ref, at the start of the job)';
    return {
      name: 'canary survives the deploy',
      kind: 'canary',
      passed: false,
      durationMs: 0,
      failure: `no canary was written before the deploy, so persistence could not be checked: ${reason}`,
      inconclusive: true,
    };
  }
  for (const value of Object.values(saved.captured)) deps.secrets.add(value);
  if (expectVersion && saved.versionAtWrite && versionMatches(expectVersion, saved.versionAtWrite)) {
    return {
      name: 'canary survives the deploy',
      kind: 'canary',
      passed: false,
      durationMs: 0,
      failure:
        `persistence not proven: the canary was written when the service already reported ${saved.versionAtWrite}, ` +
        'the expected version, so it never crossed the deploy. Run the action in the same job as the deploy, ' +
        'before the deploy step, so pre writes the canary to the previous version.',
      inconclusive: true,
    };
  }
  return readCanary(canary, saved.captured, context);
}
