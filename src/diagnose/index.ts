/**
 * Known failure signatures in provider logs and events, turned into plain-language diagnoses (DESIGN.md,
 * F1–F9). Shared by the Render and Railway clients: they fetch lines and events, this module reads them.
 *
 * Log lines are attacker-influenced (an app can print anything), so matching is built from `indexOf`
 * scans and a handful of regular expressions without nested or overlapping quantifiers: the work is linear
 * in the input, and the input is capped (the last MAX_SCAN_LINES lines, the first MAX_SCAN_CHARS of each,
 * MAX_SCAN_TOTAL_CHARS in all).
 * Dependency-free on purpose: callers hand in their own `redact`.
 */

import { listenTarget, scanView, type Hit, type ScanView } from './matching.js';
import { SIGNATURES, type EventView, type Signature } from './signatures.js';
import {
  capChars,
  cleanText,
  excerpt,
  MAX_SCAN_CHARS,
  MAX_SCAN_EVENTS,
  MAX_SCAN_LINES,
  MAX_SCAN_TOTAL_CHARS,
  DEFAULT_LINE_CHARS,
  DEFAULT_TAIL_LINES,
} from './text.js';
import type { Diagnosis, DiagnosisId, Evidence, LogLine, ProviderEvent } from './types.js';

export type { Diagnosis, DiagnosisId, Evidence, LogLine, ProviderEvent } from './types.js';
export { DIAGNOSIS_ORDER } from './signatures.js';
export {
  MAX_EVIDENCE_CHARS,
  MAX_SCAN_CHARS,
  MAX_SCAN_LINES,
  MAX_SCAN_TOTAL_CHARS,
  sanitizeLogText,
} from './text.js';

// ---------------------------------------------------------------------------------------------------------
// Scanning

/** Where a signature was first seen: the raw text, so evidence is cleaned (and redacted) from the whole line. */
interface Finding {
  signature: Signature;
  raw: string;
}

/** An event as one line of text: `deploy failed: out of memory (OOM killed)`. */
function eventText(event: ProviderEvent): string {
  const head = `${str(event.step)} ${str(event.outcome)}`.trim();
  const detail = str(event.detail);
  return detail ? `${head}: ${detail}` : head;
}

/** Provider payloads are JSON: tolerate a missing or non-string field instead of crashing the report. */
function str(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

function matchLines(signature: Signature, view: ScanView): Hit | undefined {
  if (!signature.keys.some((key) => view.lc.includes(key))) return undefined;
  for (const matcher of signature.lines) {
    const hit = matcher(view);
    if (hit) return hit;
  }
  return undefined;
}

function findSignatures(lines: readonly LogLine[], events: readonly ProviderEvent[]): Finding[] {
  const found = new Map<DiagnosisId, Finding>();
  const pending = SIGNATURES.slice();
  // A Flask or Express app may print a localhost URL while it listens everywhere; one line saying it binds
  // all interfaces outweighs that.
  let listensEverywhere = false;

  const tryText = (raw: string, event?: EventView) => {
    const view = scanView(raw);
    if (!listensEverywhere && listenTarget(view.lc)?.kind === 'all') listensEverywhere = true;
    for (let i = 0; i < pending.length; i++) {
      const signature = pending[i] as Signature;
      if (event && signature.notForSteps?.some((step) => event.step.includes(step))) continue;
      const hit =
        matchLines(signature, view) ??
        (event && signature.events?.some((matches) => matches(event)) ? { index: 0 } : undefined);
      if (!hit) continue;
      found.set(signature.id, { signature, raw });
      pending.splice(i--, 1);
    }
  };

  // The window is the newest lines within both budgets; it is scanned oldest first, so each diagnosis
  // quotes where the trouble started rather than its hundredth echo.
  let start = lines.length;
  let budget = MAX_SCAN_TOTAL_CHARS;
  while (start > 0 && lines.length - start < MAX_SCAN_LINES) {
    const cost = Math.min(str(lines[start - 1]?.message).length, MAX_SCAN_CHARS);
    if (cost > budget) break;
    budget -= cost;
    start -= 1;
  }
  for (let i = start; i < lines.length && pending.length > 0; i++) {
    const message = str(lines[i]?.message);
    if (message) tryText(message);
  }
  // Log lines are the better quote, so events only fill in what the lines did not show.
  for (let i = Math.max(0, events.length - MAX_SCAN_EVENTS); i < events.length && pending.length > 0; i++) {
    const event = events[i];
    if (!event) continue;
    tryText(eventText(event), {
      step: str(event.step).toLowerCase(),
      outcome: str(event.outcome).toLowerCase(),
      detail: str(event.detail).toLowerCase(),
    });
  }

  // A localhost URL in the logs proves nothing unless the platform also failed to reach the app.
  if (
    found.has('bound-to-localhost') &&
    (listensEverywhere || !(found.has('port-not-bound') || found.has('healthcheck-failed')))
  ) {
    found.delete('bound-to-localhost');
  }
  const findings = SIGNATURES.flatMap((s) => found.get(s.id) ?? []);
  const specific = findings.some((f) => !f.signature.generic);
  return specific ? findings.filter((f) => !f.signature.generic) : findings;
}

function toDiagnosis(finding: Finding, redact: (text: string) => string): Diagnosis {
  const text = cleanText(finding.raw, redact);
  // Find the match again in the cleaned text: redaction moves it, and the excerpt should show it. The name
  // quoted in the title comes from this redacted text too, so a secret never reaches the title or the fix.
  const hit = matchLines(finding.signature, scanView(text));
  return {
    id: finding.signature.id,
    ...finding.signature.describe(hit?.name),
    evidence: excerpt(text, hit?.index ?? 0),
  };
}

const identity = (text: string) => text;

/**
 * Finds the known failure signatures in a failed deploy's log lines and provider events. Returns at most
 * one diagnosis per id, most causal first (e.g. `db-auth-failed` before `connection-reset`), each quoting
 * the first line (or, failing that, event) that showed it. Generic ones (`healthcheck-failed`,
 * `pre-deploy-failed`, `app-crashed`) appear only when nothing more specific was found.
 * The evidence is sanitised but NOT redacted: use buildEvidence for anything that leaves the process.
 */
export function diagnose(lines: readonly LogLine[], events: readonly ProviderEvent[]): Diagnosis[] {
  return findSignatures(lines, events).map((finding) => toDiagnosis(finding, identity));
}

/**
 * Everything the report shows about a failed deploy's logs: the last `maxTailLines` lines (default 40),
 * the events, and the diagnoses, all sanitised and redacted. Each text is redacted before it is capped to
 * `maxLineChars` (default 500), so a cut can never leave part of a secret unredacted.
 * Throws RangeError for a negative or fractional `maxTailLines`, or a `maxLineChars` below 1.
 */
export function buildEvidence(input: {
  lines: readonly LogLine[];
  events: readonly ProviderEvent[];
  redact: (text: string) => string;
  maxTailLines?: number;
  maxLineChars?: number;
}): Evidence {
  const { lines, events, redact } = input;
  const maxTailLines = input.maxTailLines ?? DEFAULT_TAIL_LINES;
  const maxLineChars = input.maxLineChars ?? DEFAULT_LINE_CHARS;
  if (!Number.isInteger(maxTailLines) || maxTailLines < 0)
    throw new RangeError(`maxTailLines must be a whole number of at least 0, got ${maxTailLines}`);
  if (!Number.isInteger(maxLineChars) || maxLineChars < 1)
    throw new RangeError(`maxLineChars must be a whole number of at least 1, got ${maxLineChars}`);

  const clean = (text: unknown) => capChars(cleanText(str(text), redact), maxLineChars);
  const kept = maxTailLines === 0 ? [] : lines.slice(-maxTailLines);
  const tail = kept.map((line): LogLine => ({
    ...(line.timestamp !== undefined ? { timestamp: clean(line.timestamp) } : {}),
    message: clean(line.message),
    stream: line.stream,
  }));
  return {
    tail,
    truncated: lines.length > kept.length,
    events: events.map((event): ProviderEvent => ({
      step: clean(event.step),
      outcome: clean(event.outcome),
      ...(event.detail !== undefined ? { detail: clean(event.detail) } : {}),
      ...(event.at !== undefined ? { at: clean(event.at) } : {}),
    })),
    diagnoses: findSignatures(lines, events).map((finding) => toDiagnosis(finding, redact)),
  };
}
