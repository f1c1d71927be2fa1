/**
 * Fault suite, service side: dist/main with `provider: none` against services that misbehave on purpose
 * (a hostile local server, over HTTP and HTTPS, and names that do not resolve). Every case goes through
 * `judge`: the exact result and failure-reason, the run ends within `timeout` plus a margin, peak RSS stays
 * under 150 MB, a faulty service never passes, and no secret (the GitHub token, a `headers` value, a
 * captured value) shows in stdout, the summary, the outputs, the JSON report or the PR comment and check
 * run the run published. The cases are recorded for the README's Reliability table.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { Job, type StepRun } from '../../test-kit/runner/job.js';
import {
  judge,
  MARGIN_MS,
  ReliabilityLedger,
  selfSignedCertificate,
  type CaseExpectation,
} from '../helpers/fault-kit.js';
import { pullRequestEvent } from '../helpers/events.js';
import {
  PERMISSIVE_PERMISSIONS,
  startGitHubEmulator,
  type GitHubEmulator,
} from '../../test-kit/emulators/github-emulator.js';
import { startHostileServer, type HostileServer } from '../../test-kit/emulators/hostile-server.js';

// Random-looking, so that no piece of them shows up by chance (the scan looks for pieces too).
const GITHUB_TOKEN = 'ghs_q7XbL2m9VtR4kP1zW8cN5yJ3hD6fG0aS';
const HEADER_SECRET = 'hdr-Tz4mQ8vK1xB7nR3pL9cW';
const CAPTURED_SECRET = 'cap-Jh2sV6yE9kN4wF1qZ7uM';
const SECRETS = [GITHUB_TOKEN, HEADER_SECRET, CAPTURED_SECRET];
const PR = 7;
const HEAD_SHA = '5e1f0a9b8c7d63f9c2e1d4b5a69788796a5b4c3d';
const MERGE_SHA = '7e7e7e7e8f8f8f8f9a9a9a9a0b0b0b0b1c1c1c1c';

/** Runs the checks only once the health check passed: the captured value exists in the passing cases. */
const CHECKS = `
checks:
  - name: session round-trip
    steps:
      - request: GET /token
        expect: { status: 200 }
        capture: { token: /token }
      - request: GET /ok/session
        headers: { X-Session: '{{ token }}' }
        expect: { status: 200, json: { /status: ok } }
`;

let github: GitHubEmulator;
let hostile: HostileServer;
let otherOrigin: HostileServer;
let tls: HostileServer;
let event: { name: string; payload: Record<string, unknown> };
const ledger = new ReliabilityLedger('service-faults');

beforeAll(async () => {
  [github, hostile, otherOrigin, tls] = await Promise.all([
    startGitHubEmulator({
      tokens: [{ token: GITHUB_TOKEN, permissions: PERMISSIVE_PERMISSIONS }],
      pullRequests: [{ number: PR, headRef: 'feature/notes', headSha: HEAD_SHA }],
    }),
    startHostileServer({ token: CAPTURED_SECRET }),
    startHostileServer(),
    startHostileServer({ tls: selfSignedCertificate(), token: CAPTURED_SECRET }),
  ]);
  event = {
    name: 'pull_request',
    payload: pullRequestEvent({
      repository: { owner: github.owner, repo: github.repo },
      number: PR,
      headRef: 'feature/notes',
      headSha: HEAD_SHA,
    }),
  };
});

afterAll(async () => {
  await Promise.all([github?.close(), hostile?.close(), otherOrigin?.close(), tls?.close()]);
});

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What one run published to GitHub (the PR comment, the check run): the bodies it sent since `from`. */
function publishedSince(from: number): string[] {
  return github.requests
    .slice(from)
    .filter((request) => request.method !== 'GET' && request.body !== undefined)
    .map((request) => JSON.stringify(request.body));
}

interface ServiceCase {
  url: () => string | Promise<string>;
  path: string;
  /** The `timeout` input in seconds. */
  timeoutS: number;
  expect: Omit<CaseExpectation, 'budgetMs' | 'failedAfterLive' | 'rollbackCalls'> & {
    /** A failure that cannot fix itself must end well before the timeout. */
    fast?: boolean;
  };
  after?: (run: StepRun) => void;
}

/** Runs dist/main against the case's service, as the runner would on a pull_request event. */
async function runCase(name: string, c: ServiceCase) {
  const url = await c.url();
  const timeoutMs = c.timeoutS * 1000;
  const before = new Set(hostile.requests);
  const githubBefore = github.requests.length;
  // github.sha on pull_request is the merge commit; the job's token is `github-token`'s default.
  const run = await new Job({
    event,
    github: { sha: MERGE_SHA, repository: `${github.owner}/${github.repo}` },
    githubApi: { url: github.url, token: GITHUB_TOKEN },
  }).run(
    'main',
    {
      url,
      'health-path': c.path,
      'expect-version': 'v1',
      timeout: `${c.timeoutS}s`,
      interval: '200ms',
      'request-timeout': '1s',
      // The soak has its own tests; a fault case's budget is the timeout's.
      soak: '0s',
      headers: `Authorization: Bearer ${HEADER_SECRET}`,
      checks: CHECKS,
    },
    {
      timeoutMs: timeoutMs + 30_000,
      // Without a provider nothing can be rolled back; a pass is right only for a service that works.
      truth: { deploy: c.expect.mayPass ? 'healthy' : 'broken', rollback: 'n/a' },
      secrets: SECRETS,
    },
  );
  const record = judge(
    name,
    { ...c.expect, budgetMs: timeoutMs, failedAfterLive: false, rollbackCalls: 0 },
    { run, rollbackCalls: 0, secrets: SECRETS, published: publishedSince(githubBefore) },
  );
  if (c.expect.fast) expect(run.durationMs).toBeLessThan(Math.min(timeoutMs, 6000));
  // Without a provider nothing can be rolled back, and the outputs say so.
  expect(run.outputs['rolled-back']).toBe('false');
  const mine = hostile.requests.filter((request) => !before.has(request));
  if (c.expect.result === 'passed') {
    // The checks ran after the health check, with the captured value: the scan above had something to find.
    const session = mine.find((request) => request.url === '/ok/session');
    expect(session?.headers['x-session']).toBe(CAPTURED_SECRET);
    expect(run.report?.probes.every((probe) => probe.passed)).toBe(true);
  } else {
    // Nothing passes vacuously: the checks never ran against a service that failed its health check.
    expect(mine.some((request) => request.url === '/token')).toBe(false);
    expect(run.report?.probes.find((probe) => probe.kind === 'health')?.passed).toBe(false);
  }
  c.after?.(run);
  return record;
}

const failing = (reason: string, message: RegExp, fast = false) => ({
  result: 'failed' as const,
  reason,
  message,
  mayPass: false,
  fast,
});
const passing = { result: 'passed' as const, reason: '', mayPass: true };

describe('service faults (provider none)', () => {
  const cases: [string, ServiceCase][] = [
    [
      'a refused connection',
      {
        url: async () => `http://127.0.0.1:${await closedPort()}`,
        path: '/health',
        timeoutS: 3,
        // Waited out as a boot (nothing listening yet) until the timeout, then named.
        expect: failing('unreachable', /connection refused \(nothing listening at 127\.0\.0\.1:\d+\)/),
      },
    ],
    [
      'a connection reset in the middle of the body',
      {
        url: () => hostile.url,
        path: '/reset-mid-body',
        timeoutS: 3,
        expect: failing('unreachable', /\/reset-mid-body: connection reset by the server/),
      },
    ],
    [
      'slow headers (5 s, request-timeout 1 s)',
      {
        url: () => hostile.url,
        path: '/slow-headers',
        timeoutS: 3,
        expect: failing('unreachable', /\/slow-headers did not answer within \d+ ms/),
      },
    ],
    [
      'a trickling body (one byte every 250 ms)',
      {
        url: () => hostile.url,
        path: '/trickle',
        timeoutS: 3,
        // The request timeout covers the body too: a trickle cannot hold a check open.
        expect: failing('unreachable', /\/trickle did not answer within \d+ ms/),
      },
    ],
    [
      'a 50 MB body',
      {
        url: () => hostile.url,
        path: '/huge',
        timeoutS: 10,
        expect: failing('health-body', /sent a body larger than the 1 MiB cap/, true),
      },
    ],
    [
      'an endless chunked body',
      {
        url: () => hostile.url,
        path: '/endless',
        timeoutS: 10,
        expect: failing('health-body', /\/endless sent a body larger than the 1 MiB cap/, true),
      },
    ],
    [
      'invalid JSON',
      {
        url: () => hostile.url,
        path: '/invalid-json',
        timeoutS: 10,
        expect: failing('health-body', /returned invalid JSON/, true),
      },
    ],
    [
      'the wrong content type',
      {
        url: () => hostile.url,
        path: '/html',
        timeoutS: 10,
        expect: failing('health-body', /returned content-type text\/html, expected JSON/, true),
      },
    ],
    [
      'a redirect loop',
      {
        url: () => hostile.url,
        path: '/loop',
        timeoutS: 10,
        expect: failing('health-body', /redirected more than 5 times or in a loop/, true),
      },
    ],
    [
      'a cross-origin redirect (Authorization must not follow)',
      {
        url: () => hostile.url,
        path: '/redirect/OTHER/ok',
        timeoutS: 10,
        expect: failing(
          'health-body',
          /redirected to another origin .*cross-origin redirects are not followed/,
          true,
        ),
        after: () => {
          // The other origin never saw our Authorization header; the action did not follow at all.
          expect(otherOrigin.requests.filter((request) => request.headers.authorization)).toEqual([]);
          expect(otherOrigin.requests).toHaveLength(0);
        },
      },
    ],
    [
      'a self-signed TLS certificate',
      {
        url: () => tls.url,
        path: '/ok',
        timeoutS: 10,
        expect: failing('unreachable', /TLS handshake failed \(DEPTH_ZERO_SELF_SIGNED_CERT/, true),
        after: () => expect(tls.requests).toHaveLength(0),
      },
    ],
    [
      'a DNS name that does not exist',
      {
        // RFC 6761: `.invalid` never resolves, so no lookup can reach anything.
        url: () => 'http://deploy-sentinel-fault-suite.invalid',
        path: '/health',
        timeoutS: 10,
        expect: failing(
          'unreachable',
          /the host name deploy-sentinel-fault-suite\.invalid does not resolve/,
          true,
        ),
      },
    ],
    [
      'a service that fails 1 request in 10',
      { url: () => hostile.url, path: '/flaky-one-in-ten', timeoutS: 10, expect: passing },
    ],
    [
      'a service that answers 503 three times, then recovers',
      { url: () => hostile.url, path: '/recover', timeoutS: 10, expect: passing },
    ],
    [
      'a healthy service with a single 503 blip',
      { url: () => hostile.url, path: '/blip', timeoutS: 10, expect: passing },
    ],
    [
      'a healthy service with a single connection-reset blip',
      { url: () => hostile.url, path: '/blip-reset', timeoutS: 10, expect: passing },
    ],
    [
      'a flapping service (every other request fails)',
      {
        url: () => hostile.url,
        path: '/alternate',
        timeoutS: 3,
        // Passes half its checks, never two in a row: it must not pass on a lucky one.
        expect: failing('unstable', /passed some checks but never 2 in a row within 3s \(timeout\)/),
      },
    ],
    [
      'a service that answers 503 forever',
      {
        url: () => hostile.url,
        path: '/unavailable',
        timeoutS: 3,
        expect: failing(
          'not-ready',
          /not live and healthy within 3s \(timeout\); last failed check: .*answered 503/,
        ),
      },
    ],
  ];

  for (const [name, c] of cases) {
    ledger.case(
      name,
      // The other origin's port is known only once it listens.
      () => runCase(name, { ...c, path: c.path.replace('/OTHER/', `/${new URL(otherOrigin.url).host}/`) }),
      (c.timeoutS * 1000 + MARGIN_MS) * 2 + 30_000,
    );
  }
});

/**
 * Bugs the suite found, now fixed: kept as ordinary cases so they stay fixed.
 */
describe('regressions found by this suite (service side)', () => {
  const regressions: [string, string, ServiceCase][] = [
    [
      'a 302 whose Location is not a URL fails the health check (it once crashed the run)',
      'crash',
      {
        url: () => hostile.url,
        path: '/bad-location',
        timeoutS: 10,
        expect: failing('health-body', /\/bad-location/, true),
      },
    ],
    [
      'a service that echoes the `headers` value as its version: masked in the progress lines too',
      'leak',
      {
        url: () => hostile.url,
        path: '/reflect-version',
        timeoutS: 3,
        expect: failing('version-mismatch', /reports version "\*\*\*"/),
      },
    ],
    [
      'a service that echoes only the credential after `Bearer `: the bare credential is masked too',
      'leak',
      {
        url: () => hostile.url,
        path: '/reflect-token-version',
        timeoutS: 3,
        expect: failing('version-mismatch', /reports version "\*\*\*"/),
      },
    ],
    [
      'a service that quotes the `headers` value in invalid JSON: no piece of the body is quoted',
      'leak',
      {
        url: () => hostile.url,
        path: '/reflect-invalid-json',
        timeoutS: 10,
        expect: failing('health-body', /returned invalid JSON/, true),
      },
    ],
  ];
  for (const [name, , c] of regressions) {
    ledger.case(name, () => runCase(name, c), (c.timeoutS * 1000 + MARGIN_MS) * 2 + 30_000);
  }
});
