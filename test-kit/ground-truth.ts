/**
 * Ground truth for the Reliability table: every end-to-end and fault case declares what is true (is the
 * deploy healthy or broken, is a rollback right, wrong or not applicable), and the runner observes what
 * the action did. The observation is recorded when `main` ends, before the test asserts anything, so the
 * table counts a disagreement even where another assertion fails first; `scripts/reliability.mjs` counts.
 *
 * What is observed, not declared:
 * - the verdict (`result`, `failure-reason`) and the exit code;
 * - the rollback calls the action sent: counted by every emulator and fault proxy that registered here
 *   (a proxy's count replaces the count of the emulator behind it, which may never see a refused call);
 * - the time, against a budget computed from the step's own inputs, and the peak RSS;
 * - every output channel (stdout without `::add-mask::` commands, stderr, the summary, the outputs, the JSON
 *   report, and what the run published to a GitHub emulator) scanned for the values the action masked, the
 *   credentials it was given and the secrets the case declares.
 *
 * Records go to `.tmp/reliability/cases/<pid>.jsonl`, one line per `main`, only inside Jest (the demo and
 * the benchmarks use the same runner and record nothing).
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ACTION_ROOT } from './runner/action.js';

/** What is true about one case, declared by the test. */
export interface Truth {
  /** Whether the deploy under test works (what a user would want passed) or not. */
  deploy: 'healthy' | 'broken';
  /**
   * Whether a rollback call is the right thing for this run: `right` (our deploy went live and failed on
   * its own account, and the inputs allow a rollback), `wrong` (a provider is configured, but a rollback
   * must not be sent: a config error, an inconclusive run, dry-run, a failure before live), or `n/a` (no
   * provider: nothing can be rolled back, and a call would be as wrong).
   */
  rollback: 'right' | 'wrong' | 'n/a';
}

/** The limits every case is held to (read by the fault kit and by scripts/reliability.mjs). */
export const LIMITS: { marginMs: number; rssLimitMiB: number } = JSON.parse(
  readFileSync(join(ACTION_ROOT, 'test-kit', 'limits.json'), 'utf8'),
);

/** Something that sees the requests the action sends to a provider: an emulator or a fault proxy. */
export interface RollbackObserver {
  /** The origin the action calls (`http://127.0.0.1:<port>`). */
  origin: string;
  /** For a proxy: the origin it forwards to, whose own count it replaces. */
  upstream?: string;
  /** Rollback calls received so far. */
  rollbackCalls(): number;
}

/** A GitHub emulator's view of what runs published (PR comments, check runs), in arrival order. */
export interface PublishObserver {
  published(): string[];
}

const rollbackObservers = new Set<RollbackObserver>();
const publishObservers = new Set<PublishObserver>();

/** Registers an observer for as long as its server runs; returns the function that unregisters it. */
export function observeRollbacks(observer: RollbackObserver): () => void {
  rollbackObservers.add(observer);
  return () => rollbackObservers.delete(observer);
}

export function observePublishing(observer: PublishObserver): () => void {
  publishObservers.add(observer);
  return () => publishObservers.delete(observer);
}

/**
 * Whether a request to a provider API is a rollback: Render's `POST /services/{id}/rollback`, Railway's
 * `deploymentRollback` mutation, Cloud Run's `UpdateService` (the action changes a service only to move
 * its traffic back).
 */
export function isRollbackRequest(method: string, path: string, body: string): boolean {
  const verb = method.toUpperCase();
  if (verb === 'POST' && /\/services\/[^/]+\/rollback$/.test(path)) return true;
  if (verb === 'POST' && body.includes('deploymentRollback')) return true;
  return verb === 'PATCH' && /\/v2\/projects\/[^/]+\/locations\/[^/]+\/services\/[^/]+$/.test(path);
}

function totalRollbackCalls(): number {
  const proxied = new Set([...rollbackObservers].map((o) => o.upstream).filter(Boolean));
  let total = 0;
  for (const observer of rollbackObservers) {
    if (!proxied.has(observer.origin)) total += observer.rollbackCalls();
  }
  return total;
}

function publishedSoFar(): Map<PublishObserver, number> {
  return new Map([...publishObservers].map((o) => [o, o.published().length]));
}

/** Where a case stands when its `main` starts. */
export interface Baseline {
  rollbackCalls: number;
  published: Map<PublishObserver, number>;
}

export function baseline(): Baseline {
  return { rollbackCalls: totalRollbackCalls(), published: publishedSoFar() };
}

/** What one `main` showed: the parts of a step run the observation needs. */
export interface ObservedStep {
  exitCode: number;
  durationMs: number;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
  report?: unknown;
}

/** One case as the Reliability table counts it. */
export interface CaseRecord {
  file: string;
  test: string;
  /**
   * The action that ran, relative to this repository: `.` for the product. A build made to prove a test can
   * fail (a planted mutation) is recorded, and not counted.
   */
  action: string;
  truth: Truth | null;
  result: string;
  reason: string;
  exitCode: number;
  rollbackCalls: number;
  durationMs: number;
  budgetMs: number;
  peakRssMiB: number | null;
  leaks: string[];
}

/** The shortest piece of a declared secret that counts as a leak. */
export const FRAGMENT_LENGTH = 8;

/**
 * Everything a run shows people: stdout without the runner's `::add-mask::` commands (how the runner learns
 * what to mask; it never prints them), stderr, the summary, the outputs, the JSON report, and what it
 * published to GitHub.
 */
export function exposedText(step: ObservedStep, published: readonly string[]): Record<string, string> {
  return {
    stdout: step.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n'),
    stderr: step.stderr,
    summary: step.summary,
    outputs: JSON.stringify(step.outputs),
    report: step.report === undefined ? '' : JSON.stringify(step.report),
    published: published.join('\n'),
  };
}

/**
 * Where any of `secrets`, or a piece of FRAGMENT_LENGTH characters of one, shows in what the run exposed;
 * `whole` values are matched whole only (short values such as a password, whose pieces are ordinary words).
 */
export function findLeaks(
  step: ObservedStep,
  published: readonly string[],
  secrets: readonly string[],
  whole: readonly string[] = [],
): string[] {
  const found: string[] = [];
  for (const [where, text] of Object.entries(exposedText(step, published))) {
    for (const secret of whole) {
      if (secret.length > 0 && text.includes(secret)) found.push(`a masked value in ${where}`);
    }
    for (const secret of secrets) {
      if (text.includes(secret)) {
        found.push(`${secret} in ${where}`);
        continue;
      }
      for (let i = 0; i + FRAGMENT_LENGTH <= secret.length; i++) {
        const piece = secret.slice(i, i + FRAGMENT_LENGTH);
        if (text.includes(piece)) {
          found.push(`${secret} (the piece "${piece}") in ${where}`);
          break;
        }
      }
    }
  }
  return found;
}

/** `20s`, `200ms`, `2m`, `1h` as milliseconds; undefined for anything else. */
function durationMs(text: string | undefined): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text ?? '');
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

/**
 * The longest a `main` may honestly take, from its own inputs: `timeout`, plus the soak, and both again
 * for a rollback and the restored deploy's verification when a provider may roll back.
 */
export function budgetMs(inputs: Record<string, string>): number {
  const timeout = durationMs(inputs.timeout) ?? 600_000;
  const soak = durationMs(inputs.soak) ?? 0;
  const mayRollBack = (inputs.provider ?? 'none').toLowerCase() !== 'none' && inputs.rollback !== 'never';
  return (timeout + soak) * (mayRollBack ? 2 : 1);
}

/** The peak RSS the preload printed on stderr, in MiB, or null when it was not loaded. */
export function peakRssMiB(stderr: string): number | null {
  const match = /peak-rss-kib=(\d+)/.exec(stderr);
  return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
}

/**
 * The tokens a step was given: no piece of one may show, whatever the action chose to mask. Only values
 * shaped like a credential (one word of letters, digits and `_-.=+`) are scanned for pieces: a mistake
 * that puts a service's name (`projects/…/services/shop-api`) in `api-token` gives ordinary words.
 */
function givenTokens(inputs: Record<string, string>): string[] {
  return [inputs['api-token'] ?? '', inputs['github-token'] ?? '']
    .map((value) => value.trim())
    .filter((value) => value.length >= FRAGMENT_LENGTH && CREDENTIAL_SHAPED.test(value));
}
const CREDENTIAL_SHAPED = /^[A-Za-z0-9_\-.=+]+$/;

/**
 * Values that may not show whole: the `headers` values, and what the action told the runner to mask (a
 * captured value, a token it derived). Matched whole: a header such as `Accept: application/json` is
 * masked too, and its pieces are ordinary words.
 */
function wholeSecrets(inputs: Record<string, string>, stdout: string): string[] {
  const headerValues = (inputs.headers ?? '')
    .split('\n')
    .map((line) => line.slice(line.indexOf(':') + 1).trim());
  const masked = stdout
    .split('\n')
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) => line.slice('::add-mask::'.length).trim());
  const otherTokens = [inputs['api-token'] ?? '', inputs['github-token'] ?? '']
    .map((value) => value.trim())
    .filter((value) => !CREDENTIAL_SHAPED.test(value));
  return [...headerValues, ...masked, ...otherTokens].filter((value) => value.length >= FRAGMENT_LENGTH);
}

interface JestState {
  testPath?: string;
  currentTestName?: string;
}

function jestState(): JestState | undefined {
  const jestExpect = (globalThis as { expect?: { getState?: () => JestState } }).expect;
  return jestExpect?.getState?.();
}

/**
 * Records one `main` of a test. Outside Jest (the demo, the benchmarks) it records nothing. A case that
 * declared no truth is recorded with `truth: null`, which the Reliability table refuses.
 */
export function recordCase(
  step: ObservedStep,
  actionDir: string,
  inputs: Record<string, string>,
  before: Baseline,
  truth: Truth | undefined,
  declaredSecrets: readonly string[] = [],
): void {
  if (process.env.JEST_WORKER_ID === undefined) return;
  const state = jestState();
  const published = [...publishObservers].flatMap((observer) =>
    observer.published().slice(before.published.get(observer) ?? 0),
  );
  const record: CaseRecord = {
    file: state?.testPath ? relative(ACTION_ROOT, state.testPath) : 'unknown',
    test: state?.currentTestName ?? 'unknown',
    action: relative(ACTION_ROOT, actionDir) || '.',
    truth: truth ?? null,
    result: step.outputs.result ?? '',
    reason: step.outputs['failure-reason'] ?? '',
    exitCode: step.exitCode,
    rollbackCalls: totalRollbackCalls() - before.rollbackCalls,
    durationMs: Math.round(step.durationMs),
    budgetMs: budgetMs(inputs),
    peakRssMiB: peakRssMiB(step.stderr),
    leaks: findLeaks(
      step,
      published,
      [...givenTokens(inputs), ...declaredSecrets],
      wholeSecrets(inputs, step.stdout),
    ),
  };
  const dir = join(ACTION_ROOT, '.tmp', 'reliability', 'cases');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `${process.pid}.jsonl`), `${JSON.stringify(record)}\n`);
}
