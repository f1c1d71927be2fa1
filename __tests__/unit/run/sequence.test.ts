/**
 * execute() with `provider: render` over a MockAgent (Render API and the service) and a fake clock:
 * the orchestration around the provider (request budget, evidence, config-class failures).
 */
import { describe, expect, it } from '@jest/globals';
import { MockAgent } from 'undici';
import { getConfig, type Config } from '../../../src/config/index.js';
import type { RunDeps } from '../../../src/deps.js';
import { RunRecord } from '../../../src/run/outcome.js';
import { runVerification } from '../../../src/run/sequence.js';
import { runSettings } from '../../../src/run/settings.js';
import { createHttpClient } from '../../../src/http.js';
import { SecretRegistry } from '../../../src/secrets.js';
import { ActionState } from '../../../src/state.js';

const API_ORIGIN = 'http://127.0.0.1:9';

/** One verification, as the main step runs it: the Config cut into settings, and a fresh record. */
function execute(config: Config, deps: RunDeps) {
  const settings = runSettings(config);
  const record = new RunRecord(deps.clock, deps.log, {
    expectVersion: settings.expectVersion,
    provider: settings.provider?.name,
  });
  return runVerification(settings, deps, record);
}
const SVC_ORIGIN = 'http://svc.test';
const TOKEN = 'rnd_unitSecretKey0123456789abcdef';
const SERVICE = 'srv-unit0000000000000001';
const OWNER = 'tea-unit0000000000000001';
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const OLD_SHA = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const T0 = Date.parse('2026-05-01T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

interface Seen {
  method: string;
  pathname: string;
  at: number;
}

function run(options: {
  inputs?: Record<string, string>;
  ours: Record<string, unknown>;
  /** Statuses GET /deploys/{ours} answers in turn (the list keeps `ours.status`). */
  statuses?: string[];
  health: { status: number; body?: unknown };
}) {
  let step = 0;
  const oursNow = () =>
    options.statuses
      ? { ...options.ours, status: options.statuses[Math.min(step++, options.statuses.length - 1)] }
      : options.ours;
  const clock = { t: T0, now: () => clock.t };
  const sleep = async (ms: number): Promise<void> => {
    clock.t += ms;
  };
  const agent = new MockAgent();
  agent.disableNetConnect();
  const api: Seen[] = [];
  const json = (body: unknown, statusCode = 200) => ({
    statusCode,
    data: JSON.stringify(body),
    responseOptions: { headers: { 'content-type': 'application/json' } },
  });
  const previous = {
    id: 'dep-prev',
    status: 'live',
    commit: { id: OLD_SHA },
    createdAt: iso(T0 - 3_600_000),
    finishedAt: iso(T0 - 3_500_000),
  };
  agent
    .get(API_ORIGIN)
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      const url = new URL(opts.path, API_ORIGIN);
      api.push({ method: opts.method, pathname: url.pathname, at: clock.now() });
      const base = `/v1/services/${SERVICE}`;
      if (url.pathname === base)
        return json({ id: SERVICE, name: 'shop-api', ownerId: OWNER, serviceDetails: { url: SVC_ORIGIN } });
      if (url.pathname === `${base}/deploys`)
        return json(
          [options.ours, previous]
            .filter(
              (d) =>
                !url.searchParams.get('createdAfter') ||
                String(d.createdAt) > (url.searchParams.get('createdAfter') ?? ''),
            )
            .map((deploy, i) => ({ cursor: `c${i}`, deploy })),
        );
      if (url.pathname === `${base}/deploys/${String(options.ours.id)}`) return json(oursNow());
      if (url.pathname === '/v1/logs')
        return json({
          hasMore: false,
          logs: [
            {
              id: 'l1',
              message: 'psycopg2.OperationalError: Network is unreachable',
              timestamp: iso(T0),
              labels: [],
            },
          ],
        });
      if (url.pathname === `${base}/events`) return json([]);
      return json({ message: 'not in this test' }, 400);
    })
    .persist();
  agent
    .get(SVC_ORIGIN)
    .intercept({ path: () => true, method: () => true })
    .reply(() => json(options.health.body ?? {}, options.health.status))
    .persist();
  const secrets = new SecretRegistry(() => undefined);
  const config = getConfig(
    {
      input: (name) =>
        ({
          provider: 'render',
          'api-token': TOKEN,
          'service-id': SERVICE,
          'api-url': `${API_ORIGIN}/v1`,
          commit: SHA,
          timeout: '60s',
          interval: '5s',
          'request-timeout': '2s',
          rollback: 'never',
          ...options.inputs,
        })[name] ?? '',
      env: { GITHUB_WORKSPACE: process.cwd(), GITHUB_SHA: SHA },
    },
    secrets,
  );
  const logs: string[] = [];
  const store = new Map<string, string>();
  const deps: RunDeps = {
    http: createHttpClient({ dispatcher: agent, secrets, timeoutMs: 2000 }),
    clock,
    sleep,
    log: {
      info: (m) => logs.push(m),
      warning: (m) => logs.push(`warning: ${m}`),
      group: (_name, fn) => fn(),
    },
    secrets,
    state: new ActionState({ get: (k) => store.get(k) ?? '', save: (k, v) => void store.set(k, v) }),
    exec: async () => {
      throw new Error('no commands in this test');
    },
    random: () => 0.5,
  };
  return { go: () => execute(config, deps), api, logs, clock };
}

describe('execute with provider render: evidence after the run deadline', () => {
  // Regression, fixed: execute.ts:228 (deploy timeout) and execute.ts:251 (a health check that waited until the
  // deadline: 503 warm-up, F4/F5/F7) call gatherEvidence() while the provider's budget is still the run
  // deadline, which has just expired. ApiClient then refuses every call ("no time left in the budget";
  // 0 requests), so these failures never carry logs or a diagnosis, and the note blames Render's API
  // ("status page may show an incident"). Fix: before gatherEvidence, move the budget onto a short
  // evidence deadline of its own (e.g. `budget.deadline = Deadline.after(clock, min(30s, timeout))`),
  // as rollBack does with startBudget; and word ApiClient's no-budget error as "the `timeout` ran out".
  it('a deploy that timed out still gets its logs read', async () => {
    const r = run({
      ours: { id: 'dep-ours', status: 'build_in_progress', commit: { id: SHA }, createdAt: iso(T0 - 60_000) },
      health: { status: 200, body: { version: SHA } },
    });
    const outcome = await r.go();
    expect(outcome.failureReason).toBe('deploy-timeout');
    expect(r.api.some((s) => s.pathname === '/v1/logs')).toBe(true);
    expect(outcome.evidence?.notes.join(' ')).not.toContain('no time left');
  });

  it('a health check that failed at the deadline still gets its logs read', async () => {
    const r = run({
      ours: {
        id: 'dep-ours',
        status: 'live',
        commit: { id: SHA },
        createdAt: iso(T0 - 60_000),
        finishedAt: iso(T0 - 30_000),
      },
      health: { status: 503, body: { status: 'starting' } },
    });
    const outcome = await r.go();
    expect(outcome.result).toBe('failed');
    expect(r.api.some((s) => s.pathname === '/v1/logs')).toBe(true);
  });
});

describe('execute with provider render: config-class failures', () => {
  it('a 401 fails as config-error naming api-token, with no rollback and no token in the message', async () => {
    const r = run({
      ours: { id: 'dep-ours', status: 'live', commit: { id: SHA }, createdAt: iso(T0 - 60_000) },
      health: { status: 200 },
    });
    // Swap the API for one that rejects the key.
    const agent = new MockAgent();
    agent.disableNetConnect();
    const calls: string[] = [];
    agent
      .get(API_ORIGIN)
      .intercept({ path: () => true, method: () => true })
      .reply((opts) => {
        calls.push(`${opts.method} ${opts.path}`);
        return {
          statusCode: 401,
          data: JSON.stringify({ message: 'Unauthorized' }),
          responseOptions: { headers: { 'content-type': 'application/json' } },
        };
      })
      .persist();
    const secrets = new SecretRegistry(() => undefined);
    const config = getConfig(
      {
        input: (name) =>
          ({
            provider: 'render',
            'api-token': TOKEN,
            'service-id': SERVICE,
            'api-url': `${API_ORIGIN}/v1`,
            commit: SHA,
          })[name] ?? '',
        env: { GITHUB_WORKSPACE: process.cwd(), GITHUB_SHA: SHA },
      },
      secrets,
    );
    const outcome = await execute(config, {
      http: createHttpClient({ dispatcher: agent, secrets, timeoutMs: 2000 }),
      clock: r.clock,
      sleep: async (ms) => {
        r.clock.t += ms;
      },
      log: { info: () => undefined, warning: () => undefined, group: (_n, fn) => fn() } as RunDeps['log'],
      secrets,
      state: new ActionState({ get: () => '', save: () => undefined }),
      exec: async () => {
        throw new Error('unused');
      },
    });
    expect(outcome).toMatchObject({
      result: 'failed',
      failureReason: 'config-error',
      rollback: { performed: false },
    });
    expect(outcome.failureMessage).toContain('`api-token`');
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
    expect(calls).toEqual([`GET /v1/services/${SERVICE}`]);
  });
});

describe('execute with provider render: inconclusive failures never roll back', () => {
  it('a health check the previous deploy failed the same way is the check at fault: no rollback', async () => {
    const r = run({
      inputs: { rollback: 'on-failure', 'health-path': '/healthz' },
      ours: {
        id: 'dep-ours',
        status: 'update_in_progress',
        commit: { id: SHA },
        createdAt: iso(T0 - 60_000),
      },
      statuses: ['update_in_progress', 'live'],
      health: { status: 404, body: { message: 'not found' } },
    });
    const outcome = await r.go();
    expect(outcome).toMatchObject({ result: 'failed', failureReason: 'health-status' });
    expect(outcome.rollback.performed).toBe(false);
    expect(outcome.rollback.note).toMatch(
      /^not considered: the deploy that served before this one failed the same health check \(GET \/healthz answered 404\)/,
    );
    expect(r.api.some((s) => s.method === 'POST')).toBe(false);
  });

  it('a canary that was never written fails as canary-unverified, without a rollback', async () => {
    const r = run({
      inputs: {
        rollback: 'on-failure',
        checks:
          "canary:\n  write: { request: POST /notes, capture: { id: /id } }\n  read: { request: 'GET /notes/{{ id }}' }\n",
      },
      ours: { id: 'dep-ours', status: 'live', commit: { id: SHA }, createdAt: iso(T0 - 60_000) },
      health: { status: 200, body: { version: SHA } },
    });
    const outcome = await r.go();
    expect(outcome).toMatchObject({ result: 'failed', failureReason: 'canary-unverified' });
    expect(outcome.rollback.note).toContain('not considered: the canary could not test persistence');
    expect(r.api.some((s) => s.method === 'POST')).toBe(false);
  });
});
