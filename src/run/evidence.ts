import type { RunDeps } from '../deps.js';
import { errorMessage } from '../errors.js';
import { healthTarget, probeHealth, type HealthSettings } from '../health.js';
import { Deadline, type ScopedBudget } from '../poll.js';
import type { Deploy, FailedStage, Provider } from '../providers/types.js';
import { scrubCredentials } from '../secrets.js';
import type { ProductionCheck, RunOutcome } from './outcome.js';

/** Time allowed for reading logs and events after a failure, on top of `timeout`. */
export const EVIDENCE_BUDGET_MS = 30_000;

/**
 * Logs and events for the report, redacted and diagnosed. Evidence is read after the verdict, often once
 * `timeout` has run out, so it gets a short budget of its own. Never throws: missing evidence is a note.
 */
export async function gatherEvidence(
  provider: Provider,
  deploy: Deploy,
  stage: FailedStage,
  deps: RunDeps,
  budget: ScopedBudget,
): Promise<NonNullable<RunOutcome['evidence']>> {
  let raw;
  try {
    raw = await budget.within(Deadline.after(deps.clock, EVIDENCE_BUDGET_MS), () =>
      deps.log.group(`Read ${provider.label} logs`, () => provider.evidence(deploy, stage)),
    );
  } catch (error) {
    raw = { lines: [], events: [], notes: [`evidence could not be read: ${errorMessage(error)}`] };
  }
  const redact = (text: string): string => scrubCredentials(deps.secrets.redact(text));
  // The diagnosis catalog loads only for a run that has evidence to read.
  const { buildEvidence } = await import('../diagnose/index.js');
  return {
    ...buildEvidence({ lines: raw.lines, events: raw.events, redact }),
    notes: raw.notes.map(redact),
  };
}

/** One health check of whatever serves now, to say what production runs after a failed deploy (F6). */
export async function checkProduction(
  settings: HealthSettings,
  base: URL,
  deps: RunDeps,
): Promise<ProductionCheck> {
  const checked = await probeHealth(deps.http, healthTarget(settings, base, deps.secrets), deps.clock.now());
  return checked.ok
    ? { healthy: true, version: checked.version, detail: `HTTP ${checked.status}` }
    : { healthy: false, version: checked.version, detail: checked.message };
}
