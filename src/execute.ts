import type { Config } from './config.js';
import type { CommandRunner } from './checks/run.js';
import { buildEvidence, type Evidence } from './diagnose.js';
import { formatDuration } from './duration.js';
import { ProviderConfigError, VerdictError, errorMessage } from './errors.js';
import { versionMatches, type HealthOutcome } from './health.js';
import type { HttpClient } from './http.js';
import { resolveProbeUrl } from './http.js';
import { Deadline, type Clock, type Sleep } from './poll.js';
import { createProvider } from './providers/index.js';
import type { OpenWebSocket } from './providers/railway.js';
import { locateDeploy, newerDeploys, waitForPreview, type LocatedDeploy } from './providers/locate.js';
import type { Deploy, FailedStage, Provider } from './providers/types.js';
import type { FailureReason, PhaseRecord, ProbeResult, Result } from './results.js';
import { rollBack } from './rollback.js';
import type { SecretRegistry } from './secrets.js';
import type { ActionState } from './state.js';
import { probeHealth, verifyService, type PhaseRunner } from './verify.js';

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
  /** Opens a WebSocket on the run's dispatcher (Railway's status push); without it providers poll. */
  openWebSocket?: OpenWebSocket;
}

/** The deploy the run verified, as the provider reported it last. */
export interface DeployRecord {
  provider: string;
  id: string;
  status: string;
  commit?: string;
  serviceName?: string;
  dashboardUrl?: string;
}

/** What production served after a deploy failed before going live (F6). */
export interface ProductionCheck {
  healthy: boolean;
  version?: string;
  /** One sentence: what answered, or why the check failed. */
  detail: string;
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
  rollback: { performed: boolean; note: string; deployId?: string; targetId?: string; call?: string };
  deploy?: DeployRecord;
  /** Provider logs, events and the diagnosis, when the deploy failed. */
  evidence?: Evidence & { notes: string[] };
  production?: ProductionCheck;
  /** Provider API requests the run sent. */
  apiRequests?: number;
  warnings: string[];
  startedAt: number;
  finishedAt: number;
}

/** Time allowed for reading logs and events after a failure, on top of `timeout`. */
const EVIDENCE_BUDGET_MS = 30_000;

/** The provider's request budget: the run's deadline, moved to the rollback's own when it starts. */
class MovableBudget {
  constructor(public deadline: Deadline) {}
  remainingMs(): number {
    return this.deadline.remainingMs();
  }
}

/**
 * Runs one verification. Without a provider: wait until the service is live and healthy, then run the
 * checks and the canary read. With one: find the deploy, follow it to live, verify it, and roll it back
 * when verification fails after it went live.
 */
export async function execute(config: Config, deps: ExecuteDeps): Promise<RunOutcome> {
  const { clock, log } = deps;
  const startedAt = clock.now();
  const deadline = Deadline.after(clock, config.timeoutMs);
  const phases: PhaseRecord[] = [];
  const probes: ProbeResult[] = [];
  const warnings: string[] = [];
  let url = config.url;
  const budget = new MovableBudget(deadline);
  const provider = config.provider === 'none' ? undefined : createProvider(config, deps, budget);
  let deployRecord: DeployRecord | undefined;
  const outcome = (fields: Partial<RunOutcome> & Pick<RunOutcome, 'result'>): RunOutcome => ({
    url: url && displayUrl(url),
    expectedVersion: config.expectVersion,
    probes,
    phases,
    rollback: { performed: false, note: rollbackNote(config, fields.result) },
    deploy: deployRecord,
    apiRequests: provider?.requestCount(),
    warnings,
    startedAt,
    finishedAt: clock.now(),
    ...fields,
  });
  const phase: PhaseRunner = async (name, fn) => {
    const started = clock.now();
    try {
      const { value, ok, note } = await log.group(name, fn);
      phases.push({ name, startedAt: started, endedAt: clock.now(), outcome: ok ? 'ok' : 'failed', note });
      return value;
    } catch (error) {
      phases.push({ name, startedAt: started, endedAt: clock.now(), outcome: 'failed', note: 'error' });
      throw error;
    }
  };

  const verifyAt = async (
    base: URL,
    until: Deadline = deadline,
  ): Promise<{ version?: string; failure?: RunOutcome; inconclusive?: string }> => {
    const verification = await verifyService(
      config,
      deps,
      { base, expectVersion: config.expectVersion, includeCanary: true, deadline: until },
      phase,
    );
    probes.push(...verification.probes);
    if (verification.healthy && !config.expectVersion && !config.healthSchema && !config.checks) {
      warnings.push(
        `Only verified that GET ${resolveProbeUrl(base, config.healthPath).pathname} answered 2xx: the version, the health body and the data were not checked. ` +
          'Set `expect-version`, `health-schema` or `checks` for evidence that the deploy works.',
      );
    }
    if (verification.failure) {
      return {
        failure: outcome({
          result: 'failed',
          failureReason: verification.failure.reason,
          failureMessage: verification.failure.message,
          version: verification.version,
        }),
        inconclusive: verification.inconclusive,
      };
    }
    return { version: verification.version };
  };

  if (!provider) {
    const verified = await verifyAt(config.url as URL); // provider none: config guarantees url
    return verified.failure ?? outcome({ result: 'passed', version: verified.version });
  }
  let located: LocatedDeploy;
  try {
    if (config.pullRequest) {
      const pr = config.pullRequest;
      await phase(`Find the preview of PR #${pr.number}`, async () => {
        const preview = await waitForPreview(provider, pr, deadline, deps);
        return { value: preview, ok: true, note: preview.name };
      });
    }
    located = await phase('Find the deploy', async () => {
      const found = await locateDeploy(provider as Provider, {
        deployId: config.deployId,
        commit: config.commit,
        trigger: config.deploy,
        intervalMs: config.intervalMs,
        deadline,
        sleep: deps.sleep,
        random: deps.random,
        log: log.info,
      });
      return { value: found, ok: true, note: found.deploy.id };
    });
  } catch (error) {
    return providerFailure(error, outcome);
  }
  const service = located.service;
  const record = (deploy: Deploy): DeployRecord => ({
    provider: provider.label,
    id: deploy.id,
    status: deploy.status,
    commit: deploy.commit,
    serviceName: service.name,
    dashboardUrl: service.dashboardUrl,
  });
  deployRecord = record(located.deploy);
  const serviceUrl = config.url ?? (service.url ? new URL(service.url) : undefined);
  if (!serviceUrl) {
    return providerFailure(
      new ProviderConfigError(
        `${provider.label} reports no public URL for service ${service.name} (${service.id}), e.g. a private service or a worker. ` +
          'Input `url` is empty. Fix: set `url` to the address the checks should reach.',
      ),
      outcome,
    );
  }
  url = serviceUrl;

  // What serves before ours goes live, checked once: if it fails the same way, the check is at fault.
  const baseline =
    located.deploy.phase === 'pending' ? await probeHealth(config, serviceUrl, deps) : undefined;
  let ours: Deploy;
  try {
    const waited = await phase('Wait for the deploy to go live', async () => {
      // Time in a status counts from when this run first saw it (the deploy list, for the first one).
      const since = { status: located.deploy.status, at: clock.now() };
      const onStatus = (deploy: Deploy): void => {
        if (deploy.status === since.status) return;
        const now = clock.now();
        log.info(
          `${provider.label} deploy ${deploy.id}: ${deploy.status}` +
            ` (after ${formatDuration(now - since.at)} in ${since.status})` +
            `; deadline in ${formatDuration(deadline.remainingMs())}`,
        );
        since.status = deploy.status;
        since.at = now;
      };
      const hint = config.expectVersion ? servesVersion(serviceUrl, config, deps) : undefined;
      // Already settled when found (the deploy finished before this job started): nothing to wait for.
      const result =
        located.deploy.phase === 'pending'
          ? await provider.waitForDeploy(located.deploy.id, deadline, onStatus, hint)
          : { settled: true as const, deploy: located.deploy };
      return { value: result, ok: result.deploy.phase === 'live', note: result.deploy.status };
    });
    ours = waited.deploy;
    deployRecord = record(ours);
    if (!waited.settled) {
      return outcome({
        result: 'failed',
        failureReason: 'deploy-timeout',
        failureMessage: `${provider.label} deploy ${ours.id} was still ${ours.status} when the ${formatDuration(config.timeoutMs)} timeout ran out; it never went live, so nothing was verified`,
        evidence: await gatherEvidence(
          provider,
          ours,
          ours.status.includes('build') ? 'build' : 'deploy',
          deps,
          budget,
        ),
        rollback: {
          performed: false,
          note: 'not considered: the deploy never went live, so the result is inconclusive',
        },
      });
    }
  } catch (error) {
    return providerFailure(error, outcome);
  }

  if (ours.phase !== 'live') {
    return settledWithoutLive(ours, located, provider, serviceUrl, config, deps, budget, outcome);
  }

  if (ours.sleeping)
    log.info(`${provider.label}: the service sleeps (scaled to zero); the first probe wakes it.`);
  // Verification gets a fair share even when the build ate most of `timeout`: a slow build must not
  // turn a deploy that is still warming up into a rollback.
  const verifyDeadline =
    deadline.remainingMs() >= minVerifyMs(config) ? deadline : Deadline.after(clock, minVerifyMs(config));
  budget.deadline = verifyDeadline;
  const verified = await verifyAt(serviceUrl, verifyDeadline);
  let failed = verified.failure;
  if (!failed) {
    // A deploy can crash while the checks run (Railway CRASHED after SUCCESS): ask once before passing.
    budget.deadline = Deadline.after(clock, Math.max(verifyDeadline.remainingMs(), GRACE_MS));
    const after = await provider.getDeploy(ours.id).catch((error: unknown) => error as Error);
    if (after instanceof Error) return providerFailure(after, outcome);
    deployRecord = record(after);
    if (after.phase === 'live') return outcome({ result: 'passed', version: verified.version });
    failed = outcome({
      result: 'failed',
      failureReason: 'deploy-failed',
      failureMessage: `${provider.label} deploy ${ours.id} became ${after.status} while the checks ran, although they passed`,
      version: verified.version,
    });
    ours = after;
  }
  // Rolling back on a failure that says nothing about the deploy would undo a good deploy.
  const notConclusive =
    verified.inconclusive ?? sameFailureBefore(baseline, failed.failureReason, failed.version, config);
  if (notConclusive) {
    return outcome({
      ...failed,
      evidence: await gatherEvidence(provider, ours, 'runtime', deps, budget),
      rollback: {
        performed: false,
        note: `not considered: ${notConclusive}, so this does not show the deploy is broken`,
      },
    });
  }
  let decision;
  try {
    decision = await rollBack({
      config,
      deps,
      provider,
      ours,
      lastKnownGood: located.lastKnownGood,
      deploys: located.deploys,
      base: serviceUrl,
      phase,
      startBudget: (next) => {
        budget.deadline = next;
      },
    });
  } catch (error) {
    const why = errorMessage(error).replace(/\.$/, '');
    decision = {
      result: 'rollback-failed' as const,
      performed: false,
      probes: [],
      warnings: [],
      message: `the rollback could not be carried out: ${why}`,
      note: `failed before acting: ${why}. On call: roll back by hand in the ${provider.label} dashboard.`,
    };
  }
  probes.push(...decision.probes);
  warnings.push(...decision.warnings);
  // Logs are selected by the deploy's time window, so reading them after the rollback loses nothing and
  // does not keep a broken deploy serving for longer.
  const evidence = await gatherEvidence(provider, ours, 'runtime', deps, budget);
  const superseded = decision.result === 'superseded';
  return outcome({
    result: decision.result,
    failureReason: superseded ? undefined : failed.failureReason,
    failureMessage: superseded
      ? `${failed.failureMessage}; but ${decision.message}`
      : decision.result === 'rollback-failed'
        ? `${failed.failureMessage}; the rollback failed: ${decision.message}`
        : failed.failureMessage,
    version: failed.version,
    evidence,
    rollback: {
      performed: decision.performed,
      note: decision.note,
      deployId: decision.deployId,
      targetId: decision.targetId,
      call: decision.call,
    },
  });
}

/** The least time verification gets after the deploy goes live, whatever the build left of `timeout`. */
function minVerifyMs(config: Config): number {
  return Math.min(config.timeoutMs, 60_000);
}

/** Extra time for one status read after the checks, when they finished at the deadline. */
const GRACE_MS = 15_000;

/**
 * When the deploy being replaced failed the same health check before this one went live, the check (or
 * its configuration: `version-from`, `health-path`, `headers`, `url`) is what is wrong, and rolling back
 * would not make it pass. Says so, or undefined when the failure is the new deploy's.
 */
function sameFailureBefore(
  baseline: HealthOutcome | undefined,
  reason: FailureReason | undefined,
  /** The version the failing check reported; undefined when it reported none. */
  reported: string | undefined,
  config: Config,
): string | undefined {
  if (!baseline || !reason) return undefined;
  const before = 'the deploy that served before this one failed the same health check';
  if (!baseline.ok && baseline.reason === reason && reason !== 'not-ready') {
    return `${before} (${baseline.message})`;
  }
  if (
    baseline.ok &&
    baseline.version === undefined &&
    reason === 'version-mismatch' &&
    config.expectVersion &&
    reported === undefined
  ) {
    return `${before}: it reported no version either, so \`version-from\` (${config.versionFrom.kind === 'header' ? `header:${config.versionFrom.name}` : config.versionFrom.pointer}) does not point at the version`;
  }
  return undefined;
}

/** Our deploy ended without going live: failed, canceled, replaced, waiting for approval or skipped. */
async function settledWithoutLive(
  ours: Deploy,
  located: LocatedDeploy,
  provider: Provider,
  serviceUrl: URL,
  config: Config,
  deps: ExecuteDeps,
  budget: MovableBudget,
  outcome: (fields: Partial<RunOutcome> & Pick<RunOutcome, 'result'>) => RunOutcome,
): Promise<RunOutcome> {
  const label = provider.label;
  const notNeeded = `not needed: deploy ${ours.id} never went live, so ${label} kept serving the previous deploy`;
  try {
    if (ours.phase === 'replaced' || ours.phase === 'canceled') {
      const newer = (await newerDeploys(provider, ours)) ?? [];
      if (ours.phase === 'replaced' || newer.length > 0) {
        const by = newer[0] ? ` by deploy ${newer[0].id} (${newer[0].status})` : '';
        return outcome({
          result: 'superseded',
          failureMessage: `deploy ${ours.id} was ${ours.status} before it went live: it was superseded${by}, so there is nothing to verify; verify the newer deploy instead`,
          rollback: { performed: false, note: 'not needed: a newer deploy took over' },
        });
      }
    }
  } catch (error) {
    return providerFailure(error, outcome);
  }
  if (ours.phase === 'needs-approval') {
    return outcome({
      result: 'failed',
      failureReason: 'needs-approval',
      failureMessage: `${label} deploy ${ours.id} is waiting for approval: a member of the project must approve it in the ${label} dashboard before it can deploy`,
      rollback: { performed: false, note: notNeeded },
    });
  }
  const stage: FailedStage = ours.failedStage ?? 'deploy';
  const evidence = await gatherEvidence(provider, ours, stage, deps, budget);
  const production = await checkProduction(serviceUrl, config, deps);
  const previous = located.lastKnownGood;
  const serving =
    `production still serves ${production.version ? `version ${production.version}` : 'the previous deploy'}` +
    `${previous ? ` (deploy ${previous.id})` : ''} and it is ${production.healthy ? 'healthy' : `not healthy: ${production.detail}`}`;
  const why = evidence.events.find((event) => event.detail !== undefined)?.detail;
  // A provider that reports one FAILED for every stage (Railway) says in its events which step failed.
  const failedStage = evidence.events.some((event) => /^build/.test(event.step)) ? 'build' : stage;
  const verb =
    ours.phase === 'canceled'
      ? `was canceled (${ours.status}) before it went live`
      : ours.phase === 'skipped'
        ? `was skipped (${ours.status}): CI checks on the commit failed, and the service waits for CI before deploying`
        : ours.failedStage === 'runtime'
          ? `crashed (${ours.status}${why ? `: ${why}` : ''})`
          : `failed at the ${failedStage} stage (${ours.status}${why ? `: ${why}` : ''})`;
  return outcome({
    result: 'failed',
    failureReason: ours.phase === 'canceled' ? 'deploy-canceled' : 'deploy-failed',
    failureMessage: `${label} deploy ${ours.id} ${verb}; ${serving}`,
    evidence,
    production,
    rollback: { performed: false, note: notNeeded },
  });
}

/**
 * The live hint: the service already reports the expected version, so the provider has (nearly)
 * switched traffic. Any failure is simply "not yet"; the provider's status stays the authority.
 */
function servesVersion(base: URL, config: Config, deps: ExecuteDeps): () => Promise<boolean> {
  const expected = config.expectVersion as string;
  return async () => {
    const checked = await probeHealth(config, base, deps, {
      schema: false,
      requestTimeoutMs: Math.min(config.requestTimeoutMs, 2000),
    });
    return checked.version !== undefined && versionMatches(expected, checked.version);
  };
}

/** One health check of whatever serves now, to say what production runs after a failed deploy (F6). */
async function checkProduction(base: URL, config: Config, deps: ExecuteDeps): Promise<ProductionCheck> {
  const checked = await probeHealth(config, base, deps);
  return checked.ok
    ? { healthy: true, version: checked.version, detail: `HTTP ${checked.status}` }
    : { healthy: false, version: checked.version, detail: checked.message };
}

/** Logs and events for the report, redacted and diagnosed. Never throws: missing evidence is a note. */
async function gatherEvidence(
  provider: Provider,
  deploy: Deploy,
  stage: FailedStage,
  deps: ExecuteDeps,
  budget: MovableBudget,
): Promise<Evidence & { notes: string[] }> {
  // Evidence is read after the verdict, often once `timeout` has run out: it gets a short budget of its own.
  budget.deadline = Deadline.after(deps.clock, EVIDENCE_BUDGET_MS);
  let raw;
  try {
    raw = await deps.log.group(`Read ${provider.label} logs`, () => provider.evidence(deploy, stage));
  } catch (error) {
    raw = { lines: [], events: [], notes: [`evidence could not be read: ${errorMessage(error)}`] };
  }
  // Provider logs end up in the PR comment, which is public on public repositories: besides the known
  // secrets, scrub the credentials apps commonly print (database URLs, password= and token= pairs).
  const redact = (text: string): string => scrubCredentials(deps.secrets.redact(text));
  return {
    ...buildEvidence({ lines: raw.lines, events: raw.events, redact }),
    notes: raw.notes.map(redact),
  };
}

/** Masks URL credentials (`postgres://user:pass@host`) and `password=`/`token=`-style pairs. */
export function scrubCredentials(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, '$1***:***@')
    .replace(
      /\b([\w-]*?(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key))(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
      '$1$2***',
    );
}

/**
 * A provider-phase error as a verdict. A VerdictError carries its own reason and rollback note (a wrong
 * configuration, no deploy, the provider's API failing), so this is a lookup; anything else is a bug.
 */
function providerFailure(
  error: unknown,
  outcome: (fields: Partial<RunOutcome> & Pick<RunOutcome, 'result'>) => RunOutcome,
): RunOutcome {
  if (!(error instanceof VerdictError)) throw error;
  return outcome({
    result: 'failed',
    failureReason: error.reason,
    failureMessage: error.message,
    rollback: { performed: false, note: error.rollbackNote },
  });
}

/** The URL as people write it: no trailing slash on a bare origin. */
function displayUrl(url: URL): string {
  return url.pathname === '/' && !url.search ? url.origin : url.href;
}

function rollbackNote(config: Config, result: Result): string {
  if (result === 'passed') return 'not needed';
  if (config.provider === 'none')
    return 'not available: rollback needs a provider (`provider: render` or `railway`)';
  return 'not performed';
}
