/**
 * Shared machinery of the fault suite (`__tests__/fault/`): one judge that every chaos case goes through
 * (exact result, bounded time and memory, no false pass, no false rollback, no leaked secret), the ledger
 * that records the cases for the README's Reliability table, a programmable proxy that breaks a provider
 * API's answers on purpose, and a self-signed certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, test } from '@jest/globals';
import type { StepRun } from '../../test-kit/runner/job.js';
import { findLeaks, isRollbackRequest, LIMITS, observeRollbacks } from '../../test-kit/ground-truth.js';

/** What a run may take beyond its budget: process start-up, publishing, a loaded CI box (test-kit/limits.json). */
export const MARGIN_MS = LIMITS.marginMs;
/** Peak RSS a run may reach, whatever the service or the provider sends (test-kit/limits.json). */
export const RSS_LIMIT_MIB = LIMITS.rssLimitMiB;

export function peakRssMiB(run: StepRun): number {
  const match = /peak-rss-kib=(\d+)/.exec(run.stderr);
  if (!match) throw new Error(`no peak RSS in stderr (was the preload loaded?): ${run.stderr.slice(-2000)}`);
  return Number(match[1]) / 1024;
}

/** `secret in where` for every secret, or any 8-character piece of one, that shows in what the run exposed. */
export function leaksIn(
  run: StepRun,
  secrets: readonly string[],
  published: readonly string[] = [],
): string[] {
  return findLeaks(run, published, secrets);
}

// ---------------------------------------------------------------------------------------------------
// The judge and the ledger
// ---------------------------------------------------------------------------------------------------

export interface CaseExpectation {
  result: 'passed' | 'failed' | 'rolled-back' | 'rollback-failed' | 'superseded';
  /** The exact `failure-reason`; '' for a pass. */
  reason: string;
  /** Matched against the report's failure message (the sentence people read). */
  message?: RegExp;
  /** Whether the run may honestly pass: false when the service or the evidence is broken. */
  mayPass: boolean;
  /**
   * Whether our deploy went live and then failed verification on its own account (what served before it
   * passed the same check): the only case a rollback call is right.
   */
  failedAfterLive: boolean;
  /** The exact number of rollback calls the action must send (0, or 1: a POST is never sent twice). */
  rollbackCalls: number;
  /** The run's time budget: `timeout`, twice that when a rollback gets its own. */
  budgetMs: number;
}

export interface CaseObservation {
  run: StepRun;
  /** Rollback calls the provider (or the proxy in front of it) received. */
  rollbackCalls: number;
  /** Values that must never show: the API token, a `headers` value, a captured value. */
  secrets: readonly string[];
  /** What the run published to GitHub (PR comment, check run). */
  published: readonly string[];
}

/** One case as the Reliability table counts it. */
export interface CaseRecord {
  name: string;
  expected: { result: string; reason: string };
  actual: { result: string; reason: string };
  durationMs: number;
  budgetMs: number;
  peakRssMiB: number;
  rollbackCalls: number;
  falsePass: boolean;
  falseRollback: boolean;
  leaks: string[];
  hang: boolean;
}

/**
 * Judges one chaos case: measures every property first (so the record says what happened), then asserts
 * each one. Returns the record; the ledger keeps it only when every assertion held.
 */
export function judge(name: string, expected: CaseExpectation, seen: CaseObservation): CaseRecord {
  const { run } = seen;
  const result = run.outputs.result ?? '';
  const reason = run.outputs['failure-reason'] ?? '';
  const record: CaseRecord = {
    name,
    expected: { result: expected.result, reason: expected.reason },
    actual: { result, reason },
    durationMs: Math.round(run.durationMs),
    budgetMs: expected.budgetMs,
    peakRssMiB: Math.round(peakRssMiB(run) * 10) / 10,
    rollbackCalls: seen.rollbackCalls,
    falsePass: !expected.mayPass && result === 'passed',
    falseRollback: seen.rollbackCalls > 0 && !expected.failedAfterLive,
    leaks: leaksIn(run, seen.secrets, seen.published),
    // Killed by the runner's own limit (-1), or past the budget and its margin.
    hang: run.exitCode === -1 || run.durationMs > expected.budgetMs + MARGIN_MS,
  };
  const context = `${name}\n--- stdout (tail)\n${run.stdout.slice(-3000)}\n--- summary (head)\n${run.summary.slice(0, 3000)}`;
  expect({ result, reason, context }).toEqual({ result: expected.result, reason: expected.reason, context });
  expect(run.exitCode).toBe(['failed', 'rolled-back', 'rollback-failed'].includes(expected.result) ? 1 : 0);
  if (expected.message) expect(run.report?.failureMessage ?? '').toMatch(expected.message);
  expect(record.falsePass).toBe(false);
  expect(record.falseRollback).toBe(false);
  expect(seen.rollbackCalls).toBe(expected.rollbackCalls);
  expect(record.leaks).toEqual([]);
  expect(record.hang).toBe(false);
  expect(run.durationMs).toBeLessThan(expected.budgetMs + MARGIN_MS);
  expect(record.peakRssMiB).toBeLessThan(RSS_LIMIT_MIB);
  // The scan is not vacuous: the run did publish (no warning that it could not), and registered its
  // secrets with the runner.
  expect(seen.published.join('').length).toBeGreaterThan(0);
  expect(run.stdout).not.toMatch(/Could not publish/);
  expect(run.stdout).toContain('::add-mask::');
  return record;
}

/** The per-file figures `scripts/reliability.mjs` adds up. */
export interface LedgerFile {
  file: string;
  cases: number;
  falsePasses: number;
  falseRollbacks: number;
  leaks: number;
  hangs: number;
  maxPeakRssMiB: number;
  /** Reproductions of bugs not fixed yet (see {@link ReliabilityLedger.knownBug}), by kind. */
  knownBugs: { name: string; kind: KnownBugKind }[];
  writtenAt: string;
  records: CaseRecord[];
}

export type KnownBugKind = 'leak' | 'crash' | 'false-pass' | 'false-rollback' | 'missed-rollback' | 'hang';

const RELIABILITY_DIR = join(process.cwd(), '.tmp', 'reliability');

/**
 * Registers chaos cases and, once every one of them passed, writes `.tmp/reliability/<file>.json`. A file
 * with a failing (or skipped) case writes nothing, and the stale file from an earlier run is removed first,
 * so the Reliability table can only be generated from a fully green suite.
 */
export class ReliabilityLedger {
  private readonly names: string[] = [];
  private readonly records = new Map<string, CaseRecord>();
  private readonly bugs = new Map<string, KnownBugKind>();
  private readonly path: string;

  constructor(private readonly file: string) {
    this.path = join(RELIABILITY_DIR, `${file}.json`);
    rmSync(this.path, { force: true });
    afterAll(() => this.write());
  }

  /** A chaos case: `body` runs the fault and returns `judge(...)`'s record. */
  case(name: string, body: () => Promise<CaseRecord>, timeoutMs = 60_000): void {
    if (this.names.includes(name)) throw new Error(`duplicate fault case: ${name}`);
    this.names.push(name);
    it(
      name,
      async () => {
        const record = await body();
        this.records.set(name, record);
      },
      timeoutMs,
    );
  }

  /**
   * A bug reproduction: `body` asserts the correct behaviour (a `judge` call with the right expectation), so
   * it fails, and the test passes, while the bug exists. Once the bug is fixed the test fails: turn it into a
   * `case`. Reproductions are listed in the ledger, not counted as cases. FAULT_SHOW_BUGS=1 runs them as
   * plain tests, to read how each one fails today.
   */
  knownBug(name: string, kind: KnownBugKind, body: () => Promise<unknown>, timeoutMs = 60_000): void {
    const register = process.env.FAULT_SHOW_BUGS ? it : test.failing;
    register(
      `KNOWN BUG (${kind}): ${name}`,
      async () => {
        this.bugs.set(name, kind);
        await body();
        this.bugs.delete(name);
      },
      timeoutMs,
    );
  }

  private write(): void {
    if (this.names.length === 0 || this.records.size !== this.names.length) return;
    const records = this.names.map((name) => this.records.get(name) as CaseRecord);
    const ledger: LedgerFile = {
      file: this.file,
      cases: records.length,
      falsePasses: records.filter((r) => r.falsePass).length,
      falseRollbacks: records.filter((r) => r.falseRollback).length,
      leaks: records.filter((r) => r.leaks.length > 0).length,
      hangs: records.filter((r) => r.hang).length,
      maxPeakRssMiB: Math.max(...records.map((r) => r.peakRssMiB)),
      knownBugs: [...this.bugs].map(([name, kind]) => ({ name, kind })),
      writtenAt: new Date().toISOString(),
      records,
    };
    mkdirSync(RELIABILITY_DIR, { recursive: true });
    writeFileSync(this.path, `${JSON.stringify(ledger, null, 2)}\n`);
  }
}

// ---------------------------------------------------------------------------------------------------
// A proxy that breaks a provider API's answers
// ---------------------------------------------------------------------------------------------------

export interface ProxiedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  body: string;
  at: number;
  /** The status the client got. */
  status: number;
  /** Answered by a rule instead of the upstream. */
  intercepted: boolean;
}

export interface ProxyReply {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface ProxyRule {
  match(request: ProxiedRequest): boolean;
  /** How many matching requests the rule answers; Infinity by default. */
  times?: number;
  respond(request: ProxiedRequest): ProxyReply;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: put the upstream's base path after it. */
  readonly url: string;
  /** Every HTTP request, in arrival order. */
  readonly requests: ProxiedRequest[];
  /** WebSocket upgrades, tunnelled to the upstream untouched. */
  readonly upgrades: number;
  /** Answers matching requests itself, ahead of earlier rules. */
  intercept(rule: ProxyRule): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of `upstream` (an emulator's origin) that forwards everything, records every
 * request, and answers the requests a rule matches itself. WebSocket upgrades are tunnelled as raw bytes,
 * so a socket the upstream drops is dropped for the client too.
 */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const requests: ProxiedRequest[] = [];
  const rules: { rule: ProxyRule; left: number }[] = [];
  const tunnels = new Set<Socket>();
  let upgrades = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://proxy');
      const recorded: ProxiedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: url.pathname,
        query: url.searchParams,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        status: 0,
        intercepted: false,
      };
      requests.push(recorded);
      const hit = rules.find((entry) => entry.left > 0 && entry.rule.match(recorded));
      if (hit) {
        hit.left--;
        const reply = hit.rule.respond(recorded);
        recorded.status = reply.status;
        recorded.intercepted = true;
        res.writeHead(reply.status, reply.headers).end(reply.body);
        return;
      }
      const forward = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          recorded.status = answer.statusCode ?? 0;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => {
        recorded.status = 502;
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: upstream failed: ${error.message}`);
      });
      forward.end(Buffer.concat(chunks));
    });
  });
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    upgrades++;
    const tunnel = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i] as string;
        lines.push(`${name}: ${name.toLowerCase() === 'host' ? target.host : req.rawHeaders[i + 1]}`);
      }
      tunnel.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) tunnel.write(head);
      client.pipe(tunnel);
      tunnel.pipe(client);
    });
    tunnels.add(tunnel);
    tunnels.add(client);
    const teardown = (): void => {
      tunnel.destroy();
      client.destroy();
    };
    tunnel.on('error', teardown);
    tunnel.on('close', teardown);
    client.on('error', teardown);
    client.on('close', teardown);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The proxy sees every rollback call the action sends, the refused ones too: its count replaces the
  // upstream emulator's in the Reliability table's observation.
  const unobserve = observeRollbacks({
    origin: url,
    upstream: target.origin,
    rollbackCalls: () => requests.filter((r) => isRollbackRequest(r.method, r.path, r.body)).length,
  });
  return {
    url,
    requests,
    get upgrades() {
      return upgrades;
    },
    intercept(rule) {
      rules.unshift({ rule, left: rule.times ?? Infinity });
    },
    async close() {
      unobserve();
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// A self-signed certificate
// ---------------------------------------------------------------------------------------------------

/**
 * A throwaway self-signed certificate for 127.0.0.1, made with the `openssl` CLI (Node cannot make X.509
 * certificates). Nothing is committed: the key lives in a temporary folder for one test file.
 */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-sentinel-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch (error) {
    throw new Error(
      `the self-signed TLS case needs the openssl CLI on PATH to make a throwaway certificate: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
