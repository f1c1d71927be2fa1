import type { RunDeps } from './deps.js';
import { formatDuration } from './duration.js';
import {
  healthTarget,
  probeHealth,
  versionMatches,
  type HealthPolling,
  type HealthSettings,
} from './health.js';
import { errorMessage } from './errors.js';
import { Deadline } from './poll.js';
import { newerDeploys } from './providers/history.js';
import type { Deploy, Provider } from './providers/types.js';
import type { FailureReason, PhaseRunner } from './results.js';

/** What watching needs from the inputs. */
export interface SoakSettings {
  /** The `soak` input: how long to keep watching after everything passed; 0 turns it off. */
  soakMs: number;
  health: HealthSettings;
  polling: HealthPolling;
}

/** How the soak ended. */
export type SoakResult =
  /** `warnings`: what the soak could not watch (the provider's API failing), for the run's warnings. */
  | { kind: 'passed'; warnings?: string[] }
  | { kind: 'failed'; reason: FailureReason; message: string; version?: string }
  | { kind: 'superseded'; message: string };

export interface SoakTarget {
  base: URL;
  /** The version the deploy reported when it passed; a change is a failure unless a newer deploy explains it. */
  version?: string;
  expectVersion?: string;
  /** Provider mode: the deploy to keep watching, and its provider. */
  deploy?: Deploy;
  provider?: Provider;
  /** The longest the soak may take (the rollback's remaining budget, for a restored deploy). */
  withinMs?: number;
  /** Prefix for the phase name, e.g. "Restored deploy: ". */
  label?: string;
}

/**
 * Keeps watching a deploy that passed, for `soak`: the health check at `interval` (with the version and
 * the schema), and the provider's own signals (Railway's status stream, Render's status and server
 * failures). `failure-threshold` failures in a row, a provider saying the deploy no longer serves, or a
 * changed version fail it; a version changed by a newer deploy is `superseded`. Its time is its own:
 * `timeout` does not include it.
 */
export async function soak(
  settings: SoakSettings,
  target: SoakTarget,
  deps: RunDeps,
  phase: PhaseRunner,
): Promise<SoakResult> {
  const windowMs = Math.min(settings.soakMs, target.withinMs ?? Number.POSITIVE_INFINITY);
  if (windowMs <= 0) return { kind: 'passed' };
  return phase(`${target.label ?? ''}Soak: keep watching for ${formatDuration(windowMs)}`, async () => {
    const result = await watch(settings, target, deps, Deadline.after(deps.clock, windowMs));
    const warnings = result.kind === 'passed' ? (result.warnings ?? []) : [];
    return { value: result, ok: result.kind !== 'failed', note: [result.kind, ...warnings].join('; ') };
  });
}

async function watch(
  settings: SoakSettings,
  target: SoakTarget,
  deps: RunDeps,
  deadline: Deadline,
): Promise<SoakResult> {
  const stop = new AbortController();
  const started = deps.clock.now();
  const during = (): string => {
    const now = deps.clock.now();
    return `during the soak, ${formatDuration(now - started)} after it began (at ${new Date(now).toISOString()})`;
  };
  let unwatched: string | undefined;
  const provider =
    target.provider && target.deploy
      ? target.provider
          .watchLive(target.deploy, deadline, stop.signal)
          .then(async (signal): Promise<SoakResult | undefined> => {
            if (signal.live) return undefined;
            if (signal.deploy.state === 'replaced') {
              return {
                kind: 'superseded',
                message: `deploy ${signal.deploy.id} was replaced ${during()} (${signal.why}): a newer deploy took over`,
              };
            }
            return {
              kind: 'failed',
              reason: 'deploy-failed',
              message: `${target.provider?.label} deploy ${signal.deploy.id} stopped serving ${during()}: ${signal.why}`,
            };
          })
          .catch((error: unknown): undefined => {
            // The provider's API failing (after the client's retries) says nothing about the deploy: the
            // health check keeps watching alone, and the run says what was not watched. Once the soak has
            // ended, an error from stopping the watch is no news.
            if (stop.signal.aborted) return undefined;
            unwatched = deps.secrets.redact(
              `${target.provider?.label ?? 'The provider'}'s status of deploy ${target.deploy?.id} could not be read ${during()} (${errorMessage(error)}); for the rest of the soak only the health check watched it`,
            );
            deps.log.warning(unwatched);
            return undefined;
          })
      : Promise.resolve(undefined);
  const health = probeLoop(settings, target, deps, deadline, stop.signal, during);
  try {
    // Whichever finds a failure first ends the soak; the other is stopped.
    const result = await Promise.race([health, provider.then((found) => found ?? health)]);
    return result.kind === 'passed' && unwatched ? { kind: 'passed', warnings: [unwatched] } : result;
  } finally {
    stop.abort();
    await Promise.allSettled([health, provider]);
  }
}

/** The health check at `interval` until the deadline: `failure-threshold` failures in a row fail. */
async function probeLoop(
  settings: SoakSettings,
  target: SoakTarget,
  deps: RunDeps,
  deadline: Deadline,
  signal: AbortSignal,
  during: () => string,
): Promise<SoakResult> {
  const check = healthTarget(settings.health, target.base, deps.secrets, {
    expectVersion: target.expectVersion,
  });
  let failures = 0;
  while (await deadline.sleep(deps.sleep, settings.polling.intervalMs, signal)) {
    // The last check of the window may finish up to a second after it: the soak has no budget to keep.
    const requestTimeoutMs = Math.max(1000, Math.min(check.requestTimeoutMs, deadline.remainingMs()));
    const outcome = await probeHealth(deps.http, { ...check, requestTimeoutMs }, deps.clock.now());
    const changed =
      outcome.version !== undefined &&
      target.version !== undefined &&
      !versionMatches(target.version, outcome.version);
    if (changed) {
      const newer =
        target.provider && target.deploy ? await newerDeploys(target.provider, target.deploy) : undefined;
      if (newer?.[0]) {
        return {
          kind: 'superseded',
          message: `the service began to report version ${JSON.stringify(outcome.version)} ${during()}, served by the newer deploy ${newer[0].id} (${newer[0].status})`,
        };
      }
      return {
        kind: 'failed',
        reason: 'version-mismatch',
        version: outcome.version,
        message: `the service began to report version ${JSON.stringify(outcome.version)} instead of ${JSON.stringify(target.version)} ${during()}, and no newer deploy explains it`,
      };
    }
    if (outcome.ok) {
      failures = 0;
      continue;
    }
    failures++;
    if (failures >= settings.polling.failureThreshold) {
      return {
        kind: 'failed',
        // What a warm-up would excuse, after a pass, is instability.
        reason: outcome.waitable ? 'unstable' : outcome.reason,
        version: outcome.version,
        message: `${outcome.message} (${failures} consecutive failed checks ${during()})`,
      };
    }
  }
  return { kind: 'passed' };
}
