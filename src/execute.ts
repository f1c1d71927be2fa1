import type { Config } from './config.js';
import type { CheckContext, CommandRunner } from './checks/run.js';
import { readCanary, runChecks } from './checks/run.js';
import type { HttpClient } from './http.js';
import { resolveProbeUrl } from './http.js';
import { waitUntilHealthy, type HealthTarget } from './health.js';
import { Deadline, type Clock, type Sleep } from './poll.js';
import type { FailureReason, PhaseRecord, ProbeResult, Result } from './results.js';
import type { SecretRegistry } from './secrets.js';
import type { ActionState } from './state.js';

/** Where the run writes progress; `group` wraps one phase (a `core.group` on the runner). */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** Everything `execute` touches outside itself, passed in so the core is tested without module mocks. */
export interface ExecuteDeps {
  http: HttpClient;
  clock: Clock;
  sleep: Sleep;
  log: Logger;
  secrets: SecretRegistry;
  state: ActionState;
  exec: CommandRunner;
  random?: () => number;
}

/** The outcome of a run, before it is published. `report.ts` turns it into outputs and the summary. */
export interface RunOutcome {
  result: Result;
  failureReason?: FailureReason;
  /** One plain-language sentence: what failed and the evidence. */
  failureMessage?: string;
  url?: string;
  expectedVersion?: string;
  version?: string;
  probes: ProbeResult[];
  phases: PhaseRecord[];
  /** What happened about rollback, in words (none needed, not available, done, ...). */
  rollback: { performed: boolean; note: string };
  warnings: string[];
  startedAt: number;
  finishedAt: number;
}

/**
 * Runs one verification: wait until the deploy is live and healthy, then run the checks and the canary
 * read. Provider-specific phases (finding the deploy, rollback) plug in around this core.
 */
export async function execute(config: Config, deps: ExecuteDeps): Promise<RunOutcome> {
  const { clock, log } = deps;
  const startedAt = clock.now();
  const deadline = Deadline.after(clock, config.timeoutMs);
  const phases: PhaseRecord[] = [];
  const probes: ProbeResult[] = [];
  const warnings: string[] = [];
  const base = config.url as URL; // provider none: config guarantees url
  const outcome = (fields: Partial<RunOutcome> & Pick<RunOutcome, 'result'>): RunOutcome => ({
    url: base.href,
    expectedVersion: config.expectVersion,
    probes,
    phases,
    rollback: { performed: false, note: rollbackNote(config, fields.result) },
    warnings,
    startedAt,
    finishedAt: clock.now(),
    ...fields,
  });
  const phase = async <T>(
    name: string,
    fn: () => Promise<{ value: T; ok: boolean; note?: string }>,
  ): Promise<T> => {
    const started = clock.now();
    const { value, ok, note } = await log.group(name, fn);
    phases.push({ name, startedAt: started, endedAt: clock.now(), outcome: ok ? 'ok' : 'failed', note });
    return value;
  };

  const target: HealthTarget = {
    url: resolveProbeUrl(base, config.healthPath),
    headers: config.headers,
    expectVersion: config.expectVersion,
    versionFrom: config.versionFrom,
    validate: config.healthSchema?.validate,
    requestTimeoutMs: config.requestTimeoutMs,
  };
  const health = await phase('Wait until live and healthy', async () => {
    const waited = await waitUntilHealthy(deps.http, target, {
      intervalMs: config.intervalMs,
      successThreshold: config.successThreshold,
      failureThreshold: config.failureThreshold,
      deadline,
      clock,
      sleep: deps.sleep,
      log: log.info,
      random: deps.random,
    });
    return { value: waited, ok: waited.healthy, note: `${waited.attempts} health checks` };
  });
  probes.push({
    name: `health ${target.url.pathname}`,
    kind: 'health',
    passed: health.healthy,
    durationMs: (health.healthy ? health.last.durationMs : health.durationMs) ?? 0,
    failure: health.healthy ? undefined : health.message,
  });
  if (!health.healthy) {
    return outcome({
      result: 'failed',
      failureReason: health.reason,
      failureMessage: health.message,
      version: health.version,
    });
  }

  if (!config.expectVersion && !config.healthSchema && !config.checks) {
    warnings.push(
      `Only verified that GET ${target.url.pathname} answered 2xx: the version, the health body and the data were not checked. ` +
        'Set `expect-version`, `health-schema` or `checks` for evidence that the deploy works.',
    );
  }

  const checks = config.checks?.file;
  if (checks && (checks.checks.length > 0 || checks.canary)) {
    const context = checkContext(config, base, deps, () => deadline.remainingMs());
    const results = await phase('Run checks', async () => {
      const rows: ProbeResult[] = [];
      if (checks.canary) rows.push(await canaryProbe(checks.canary, context, deps));
      rows.push(...(await runChecks(checks, context)));
      return { value: rows, ok: rows.every((row) => row.passed), note: `${rows.length} probes` };
    });
    probes.push(...results);
  }

  const failed = probes.find((probe) => !probe.passed);
  if (failed) {
    return outcome({
      result: 'failed',
      failureReason: failed.kind === 'canary' ? 'canary-lost' : 'check-failed',
      failureMessage: `${failed.name}: ${failed.failure ?? 'failed'}`,
      version: health.version,
    });
  }
  return outcome({ result: 'passed', version: health.version });
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
    };
  }
  for (const value of Object.values(saved.captured)) deps.secrets.add(value);
  return readCanary(canary, saved.captured, context);
}

function rollbackNote(config: Config, result: Result): string {
  if (result === 'passed') return 'not needed';
  if (config.provider === 'none')
    return 'not available: rollback needs a provider (`provider: render` or `railway`)';
  return 'not performed';
}
