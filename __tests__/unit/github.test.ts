/**
 * The GitHub module (src/github.ts) against undici's MockAgent: the check run, the sticky PR comment
 * (created once, then found again and updated, only when a bot wrote it), the permission warnings, and
 * nothing at all without a token or a repository. The end-to-end suite runs the same code against the
 * GitHub emulator; these pin each rule on its own.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { MockAgent } from 'undici';
import {
  checkConclusion,
  commentMarker,
  publishVerdict,
  shouldComment,
  type GitHubContext,
} from '../../src/github.js';
import type { RunEvent } from '../../src/event.js';
import type { JsonReport } from '../../src/report.js';

const API = 'https://api.github.test';
const ENV = {
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_API_URL: API,
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_WORKFLOW: 'deploy',
  GITHUB_RUN_ID: '42',
  GITHUB_SERVER_URL: 'https://github.com',
};
const HEAD = 'b'.repeat(40);
const PULL_REQUEST: RunEvent = {
  name: 'pull_request',
  pullRequest: { number: 12, headSha: HEAD, headRef: 'feature/notes' },
} as unknown as RunEvent;
const REPORT = {
  result: 'failed',
  failureReason: 'health-schema',
  url: 'https://shop.example/',
  deploy: { service: 'shop-api', dashboardUrl: 'https://dashboard.render.com/web/srv-1' },
} as unknown as JsonReport;
const MARKER = commentMarker({ workflow: 'deploy', environment: 'shop-api' });

let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  await agent.close();
});

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** The GitHub API's mock, and a reply that records each request the module sends, with its JSON body. */
function recordCalls() {
  const calls: Call[] = [];
  const pool = agent.get(API);
  const reply =
    (status: number, body: unknown) => (options: { method: string; path: string; body?: unknown }) => {
      calls.push({
        method: options.method,
        path: options.path,
        body: typeof options.body === 'string' ? JSON.parse(options.body) : undefined,
      });
      return {
        statusCode: status,
        data: JSON.stringify(body),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    };
  return { calls, pool, reply };
}

/** Scripts a check run's creation and a pull request's comments listing, holding `existing`. */
function checkRunAndComments(recorded: ReturnType<typeof recordCalls>, existing: unknown[]) {
  const { pool, reply } = recorded;
  pool.intercept({ path: '/repos/acme/shop/check-runs', method: 'POST' }).reply(reply(201, { id: 7 }));
  pool
    .intercept({ path: (p: string) => p.startsWith('/repos/acme/shop/issues/12/comments'), method: 'GET' })
    .reply(reply(200, existing));
}

/** The requests made, as `METHOD /path` without the query. */
const requestLines = (calls: Call[]): string[] => calls.map((c) => `${c.method} ${c.path.split('?')[0]}`);

function publish(
  settings: { token?: string; comment?: 'auto' | 'always' | 'never' },
  event = PULL_REQUEST,
  env = ENV,
) {
  return publishVerdict({
    settings: { token: settings.token, comment: settings.comment ?? 'auto', commit: 'c'.repeat(40) },
    event,
    report: REPORT,
    markdown: '## ❌ Deploy failed verification',
    dispatcher: agent,
    env,
  });
}

describe('checkConclusion', () => {
  it('passed is success, superseded neutral, every failure a failure', () => {
    expect(checkConclusion('passed')).toBe('success');
    expect(checkConclusion('superseded')).toBe('neutral');
    for (const result of ['failed', 'rolled-back', 'rollback-failed'] as const) {
      expect(checkConclusion(result)).toBe('failure');
    }
  });
});

describe('shouldComment', () => {
  const context = (eventName: string, pullNumber?: number): GitHubContext =>
    ({ eventName, pullNumber }) as GitHubContext;
  it('comments on pull request runs by default, never without a pull request, and as the input says', () => {
    expect(shouldComment('auto', context('pull_request', 3))).toBe(true);
    expect(shouldComment('auto', context('deployment_status', 3))).toBe(true);
    expect(shouldComment('auto', context('push', 3))).toBe(false);
    expect(shouldComment('always', context('push', 3))).toBe(true);
    expect(shouldComment('always', context('push'))).toBe(false);
    expect(shouldComment('never', context('pull_request', 3))).toBe(false);
  });
});

describe('commentMarker', () => {
  it('cannot be closed early by a workflow or environment name', () => {
    const marker = commentMarker({ workflow: 'de--> ploy', environment: 'a\nb' });
    expect(marker.match(/-->/g)).toHaveLength(1);
    expect(marker).not.toContain('\n');
  });
});

describe('publishVerdict', () => {
  it('sends nothing without a token, or without a repository', async () => {
    // disableNetConnect with no interceptor: any request would fail the call.
    expect(await publish({})).toEqual([]);
    expect(await publish({ token: 'ghs_unit' }, PULL_REQUEST, { ...ENV, GITHUB_REPOSITORY: '' })).toEqual([]);
  });

  it('creates a check run on the head commit and a sticky comment on the pull request', async () => {
    const recorded = recordCalls();
    const { calls, pool, reply } = recorded;
    checkRunAndComments(recorded, [{ id: 1, body: `quoting ${MARKER}`, user: { type: 'User' } }]);
    pool
      .intercept({ path: '/repos/acme/shop/issues/12/comments', method: 'POST' })
      .reply(reply(201, { id: 99 }));

    expect(await publish({ token: 'ghs_unit' })).toEqual([]);
    expect(requestLines(calls)).toEqual([
      'POST /repos/acme/shop/check-runs',
      'GET /repos/acme/shop/issues/12/comments',
      'POST /repos/acme/shop/issues/12/comments',
    ]);
    expect(calls[0]?.body).toMatchObject({
      name: 'Deploy Sentinel (shop-api)',
      head_sha: HEAD,
      conclusion: 'failure',
      output: { title: 'failed (health-schema)' },
    });
    // A person's comment that quotes the marker is not ours to overwrite: a new one is created.
    expect((calls[2]?.body as { body: string }).body).toContain(MARKER);
    expect((calls[2]?.body as { body: string }).body).toContain(
      '[Deploy](https://dashboard.render.com/web/srv-1)',
    );
  });

  it("updates the bot's own sticky comment in place", async () => {
    const recorded = recordCalls();
    const { calls, pool, reply } = recorded;
    checkRunAndComments(recorded, [{ id: 5, body: `${MARKER}\nold`, user: { type: 'Bot' } }]);
    pool
      .intercept({ path: '/repos/acme/shop/issues/comments/5', method: 'PATCH' })
      .reply(reply(200, { id: 5 }));

    expect(await publish({ token: 'ghs_unit' })).toEqual([]);
    expect(requestLines(calls)).toEqual([
      'POST /repos/acme/shop/check-runs',
      'GET /repos/acme/shop/issues/12/comments',
      'PATCH /repos/acme/shop/issues/comments/5',
    ]);
  });

  it('turns a 403 into a warning that names the permission to grant, and goes on', async () => {
    const { calls, pool, reply } = recordCalls();
    pool
      .intercept({ path: '/repos/acme/shop/check-runs', method: 'POST' })
      .reply(reply(403, { message: 'Resource not accessible by integration' }));
    pool
      .intercept({ path: (p: string) => p.startsWith('/repos/acme/shop/issues/12/comments'), method: 'GET' })
      .reply(reply(403, { message: 'Resource not accessible by integration' }));

    const warnings = await publish({ token: 'ghs_unit' });
    expect(warnings).toEqual([
      expect.stringMatching(/Could not publish the check run: GitHub answered 403 .*`checks: write`/),
      expect.stringMatching(
        /Could not publish the pull request comment: GitHub answered 403 .*`pull-requests: write`/,
      ),
    ]);
    // Refused once each, not retried.
    expect(calls.map((c) => c.method)).toEqual(['POST', 'GET']);
  });

  it('with comment: never, only the check run', async () => {
    const { calls, pool, reply } = recordCalls();
    pool.intercept({ path: '/repos/acme/shop/check-runs', method: 'POST' }).reply(reply(201, { id: 7 }));
    expect(await publish({ token: 'ghs_unit', comment: 'never' })).toEqual([]);
    expect(calls.map((c) => c.method)).toEqual(['POST']);
  });
});
