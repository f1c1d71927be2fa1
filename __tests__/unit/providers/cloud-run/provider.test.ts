/**
 * CloudRunProvider (src/providers/cloud-run/) over a MockAgent that plays the Cloud Run Admin API v2 and
 * Cloud Logging v2, with a fake clock whose `sleep` only advances time. Covers the error mapping, paging,
 * how few requests a wait costs, the URL a tagged revision is verified at, the evidence, and the rollback:
 * the etag-guarded write, its conflict, and the long-running operation.
 */
import { describe, expect, it } from '@jest/globals';
import { MockAgent } from 'undici';
import {
  BudgetExhaustedError,
  ProviderApiError,
  ProviderConfigError,
  RollbackConflictError,
  RollbackUnconfirmedError,
} from '../../../../src/errors.js';
import { createHttpClient } from '../../../../src/http.js';
import { Deadline } from '../../../../src/poll.js';
import { tokenSource } from '../../../../src/providers/cloud-run/auth.js';
import { parseServiceName } from '../../../../src/providers/cloud-run/names.js';
import { CloudRunProvider } from '../../../../src/providers/cloud-run/provider.js';
import { BY_REVISION, LATEST } from '../../../../src/providers/cloud-run/statuses.js';
import { SecretRegistry } from '../../../../src/secrets.js';

const ORIGIN = 'http://google.test';
const TOKEN = 'ya29.unitCloudRunToken0123456789';
const NAME = 'projects/shop-prod/locations/europe-west4/services/shop-api';
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const OLD = '1111111aaaaaaaabbbbbbbbccccccccdddddddd';
const T0 = Date.parse('2026-05-01T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

interface Seen {
  method: string;
  pathname: string;
  query: URLSearchParams;
  authorization?: string;
  body: unknown;
  at: number;
}

/** A Google double: `route` answers each request (it sees every earlier one too). */
function google(
  route: (req: Seen, seen: Seen[]) => Reply,
  options: { intervalMs?: number; budgetMs?: number; apiUrl?: string; apiToken?: string } = {},
) {
  const clock = { t: T0, now: () => clock.t };
  const sleep = async (ms: number): Promise<void> => {
    clock.t += ms;
  };
  const agent = new MockAgent();
  agent.disableNetConnect();
  const seen: Seen[] = [];
  agent
    .get(ORIGIN)
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      const url = new URL(opts.path, ORIGIN);
      const headers = (opts.headers ?? {}) as Record<string, string>;
      const req: Seen = {
        method: opts.method,
        pathname: decodeURIComponent(url.pathname),
        query: url.searchParams,
        authorization: headers.authorization,
        body: typeof opts.body === 'string' ? (JSON.parse(opts.body) as unknown) : undefined,
        at: clock.now(),
      };
      seen.push(req);
      const reply = route(req, seen);
      return {
        statusCode: reply.status,
        data:
          reply.body === undefined
            ? ''
            : typeof reply.body === 'string'
              ? reply.body
              : JSON.stringify(reply.body),
        responseOptions: { headers: reply.headers ?? { 'content-type': 'application/json' } },
      };
    })
    .persist();
  const secrets = new SecretRegistry(() => undefined);
  secrets.add(TOKEN);
  const logs: string[] = [];
  const deadline = Deadline.after(clock, options.budgetMs ?? 600_000);
  const apiUrl = new URL(options.apiUrl ?? ORIGIN);
  const provider = new CloudRunProvider({
    apiUrl,
    loggingUrl: apiUrl,
    token: TOKEN,
    serviceId: NAME,
    service: parseServiceName(NAME)!,
    credentials: tokenSource({
      apiToken: options.apiToken ?? TOKEN,
      projectId: 'shop-prod',
      env: {},
      mask: (v) => secrets.add(v),
    }),
    http: createHttpClient({ dispatcher: agent, secrets, timeoutMs: 5000 }),
    clock,
    sleep,
    random: () => 0.5,
    log: (line) => logs.push(line),
    budget: deadline,
    requestTimeoutMs: 1000,
    intervalMs: options.intervalMs ?? 5000,
    redact: (text) => secrets.redact(text),
  });
  return { provider, seen, clock, logs, deadline };
}

const json = (body: unknown, status = 200): Reply => ({ status, body });
const googleError = (status: number, code: string, message: string, details?: unknown[]): Reply =>
  json({ error: { code: status, message, status: code, ...(details && { details }) } }, status);
const revisionPath = (id: string) => `/v2/${NAME}/revisions/${id}`;

function revision(id: string, state: string, commit = SHA, createdMs = T0 - 60_000): Record<string, unknown> {
  return {
    name: `${NAME}/revisions/${id}`,
    labels: { 'managed-by': 'github-actions', 'commit-sha': commit },
    createTime: iso(createdMs),
    conditions: [
      {
        type: 'Ready',
        state,
        lastTransitionTime: iso(createdMs + 30_000),
        ...(state === 'CONDITION_FAILED' && {
          revisionReason: 'HEALTH_CHECK_CONTAINER_ERROR',
          message:
            'The user-provided container failed the configured startup probe checks.\n\nLogs URL: https://console.cloud.google.com/logs/viewer?project=shop-prod',
        }),
      },
    ],
  };
}

/** The service serving `serving` through LATEST; `latest` is the newest revision. */
function service(
  serving: string,
  latest = serving,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: NAME,
    uri: 'https://shop-api-abc-ez.a.run.app',
    etag: '"etag-1"',
    traffic: [{ type: LATEST, percent: 100 }],
    trafficStatuses: [{ type: LATEST, revision: serving, percent: 100 }],
    latestReadyRevision: `${NAME}/revisions/${serving}`,
    latestCreatedRevision: `${NAME}/revisions/${latest}`,
    template: { containers: [{ image: 'europe-west4-docker.pkg.dev/shop-prod/app/api:abc' }] },
    ...extra,
  };
}

const asText = (seen: Seen[]) => seen.map((s) => `${s.method} ${s.pathname}`);

describe('CloudRunProvider: errors', () => {
  it.each([
    [
      '401 UNAUTHENTICATED',
      googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'),
      ProviderConfigError,
      ['rejected the access token in input `api-token`', 'access tokens expire'],
    ],
    [
      '403 PERMISSION_DENIED, naming the permission and the role that grants it',
      googleError(403, 'PERMISSION_DENIED', "Permission 'run.services.get' denied on resource", [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'IAM_PERMISSION_DENIED',
          domain: 'googleapis.com',
          metadata: { permission: 'run.services.get' },
        },
      ]),
      ProviderConfigError,
      ['the permission run.services.get', 'roles/run.viewer'],
    ],
    [
      '403 SERVICE_DISABLED',
      googleError(403, 'PERMISSION_DENIED', 'Cloud Run Admin API has not been used in project 42', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'SERVICE_DISABLED',
          domain: 'googleapis.com',
        },
      ]),
      ProviderConfigError,
      ['API is not enabled', 'gcloud services enable run.googleapis.com --project shop-prod'],
    ],
    [
      '404 NOT_FOUND',
      googleError(404, 'NOT_FOUND', "Resource 'shop-api' of kind 'SERVICE' does not exist."),
      ProviderConfigError,
      [`Cloud Run does not know service ${NAME}`, 'input `service-id`'],
    ],
    [
      "an HTML 404 (not Google's API)",
      {
        status: 404,
        body: '<!DOCTYPE html><title>Error 404</title>',
        headers: { 'content-type': 'text/html' },
      },
      ProviderApiError,
      ['check `api-url`', 'keeps their /v2/... paths'],
    ],
    [
      '400 INVALID_ARGUMENT',
      googleError(400, 'INVALID_ARGUMENT', 'Invalid request'),
      ProviderApiError,
      ['failed with HTTP 400 (INVALID_ARGUMENT: "Invalid request")'],
    ],
  ])('maps %s to the right error, with its fix', async (_name, reply, type, texts) => {
    const { provider, seen } = google(() => reply);
    const error = await provider.service().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    for (const text of texts) expect((error as Error).message).toContain(text);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(seen).toHaveLength(1);
  });

  it('names deploy-id for an unknown revision, and refuses a revision of another service before asking', async () => {
    const { provider, seen } = google(() => googleError(404, 'NOT_FOUND', 'no such revision'));
    const unknown = await provider.getDeploy('shop-api-00099-zzz').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ProviderConfigError);
    expect((unknown as Error).message).toContain('Check input `deploy-id`');
    const foreign = await provider
      .getDeploy('projects/shop-prod/locations/europe-west4/services/other/revisions/other-00001-abc')
      .catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(ProviderConfigError);
    expect((foreign as Error).message).toContain('is not a revision of service');
    expect(seen).toHaveLength(1);
  });

  it('refuses deploy: true without a request: Cloud Run cannot deploy a commit', async () => {
    const { provider, seen } = google(() => json({}));
    await expect(provider.triggerDeploy()).rejects.toThrow(/cannot build and deploy a commit/);
    expect(seen).toHaveLength(0);
  });

  it('sends the token only as a bearer header, to the api-url kept with its path prefix for both APIs', async () => {
    const { provider, seen } = google(
      (req) =>
        req.pathname.endsWith('/entries:list')
          ? json({})
          : req.pathname.includes('/revisions/')
            ? json(revision('r-1', 'CONDITION_FAILED'))
            : json(service('r-0')),
      { apiUrl: `${ORIGIN}/proxy/google/` },
    );
    await provider.service();
    const deploy = await provider.getDeploy('r-1');
    await provider.evidence(deploy, 'deploy');
    expect(asText(seen)).toEqual([
      `GET /proxy/google/v2/${NAME}`,
      `GET /proxy/google/v2/${NAME}/revisions/r-1`,
      `GET /proxy/google/v2/${NAME}`,
      'POST /proxy/google/v2/entries:list',
    ]);
    expect(seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });
});

describe('CloudRunProvider: finding and following a revision', () => {
  it('lists revisions page by page, and stops at the first older one when asked for newer revisions', async () => {
    const pages: Record<string, unknown> = {
      '': {
        revisions: [
          revision('r-4', 'CONDITION_RECONCILING', SHA, T0 - 1000),
          revision('r-3', 'CONDITION_SUCCEEDED', OLD, T0 - 60_000),
        ],
        nextPageToken: 'p2',
      },
      p2: { revisions: [revision('r-2', 'CONDITION_SUCCEEDED', OLD, T0 - 120_000)], nextPageToken: 'p3' },
      p3: { revisions: [revision('r-1', 'CONDITION_SUCCEEDED', OLD, T0 - 180_000)] },
    };
    const { provider, seen } = google((req) =>
      req.pathname.endsWith('/revisions')
        ? json(pages[req.query.get('pageToken') ?? ''])
        : json(service('r-3', 'r-4')),
    );
    const all = await provider.listDeploys();
    expect(all.map((d) => [d.id, d.status])).toEqual([
      ['r-4', 'RECONCILING'],
      ['r-3', 'SERVING'],
      ['r-2', 'RETIRED'],
      ['r-1', 'RETIRED'],
    ]);
    expect(seen.map((s) => `${s.pathname.split('/').pop()} ${s.query.toString()}`)).toEqual([
      'revisions pageSize=100',
      'revisions pageSize=100&pageToken=p2',
      'revisions pageSize=100&pageToken=p3',
      'shop-api ',
    ]);
    seen.length = 0;
    const newer = await provider.listDeploys({ createdAfter: T0 - 60_000 });
    expect(newer.map((d) => d.id)).toEqual(['r-4']);
    expect(seen).toHaveLength(2); // one page of revisions, then their traffic
    seen.length = 0;
    expect(await provider.listDeploys({ createdAfter: T0 })).toEqual([]);
    expect(seen).toHaveLength(1); // nothing newer: the traffic is not read
  });

  it('fails a revision list that does not end rather than return part of it', async () => {
    let page = 0;
    const { provider } = google(() =>
      json({ revisions: [revision(`r-${++page}`, 'CONDITION_SUCCEEDED')], nextPageToken: `t${page}` }),
    );
    await expect(provider.listDeploys()).rejects.toThrow(
      /did not end \(more than 10 pages\); pass `deploy-id`/,
    );
  });

  it('costs one request per poll while the revision starts, and far fewer than 60 in a 10-minute wait', async () => {
    const { provider, seen, deadline } = google((req) =>
      req.pathname.includes('/revisions/')
        ? json(revision('r-4', 'CONDITION_RECONCILING'))
        : json(service('r-3', 'r-4')),
    );
    await provider.service();
    const statuses: string[] = [];
    const waited = await provider.waitForDeploy('r-4', deadline, (d) => statuses.push(d.status));
    expect(waited).toMatchObject({ settled: false, reason: 'timeout', deploy: { status: 'RECONCILING' } });
    expect(statuses).toEqual(['RECONCILING']);
    const polls = seen.filter((s) => s.pathname.includes('/revisions/'));
    expect(seen.length - polls.length).toBe(1); // only the first service read
    expect(polls.length).toBeLessThan(60);
    expect(polls.length).toBeGreaterThan(30);
  });

  it('stops waiting at once when the revision fails, and quotes its Ready condition (without the console link)', async () => {
    let polls = 0;
    const { provider, seen, deadline } = google((req) => {
      if (req.pathname.endsWith('/entries:list')) return json({ entries: [] });
      if (req.pathname.includes('/revisions/'))
        return json(revision('r-4', ++polls < 3 ? 'CONDITION_RECONCILING' : 'CONDITION_FAILED'));
      return json(service('r-3', 'r-4'));
    });
    const waited = await provider.waitForDeploy('r-4', deadline, () => undefined);
    expect(waited).toMatchObject({
      settled: true,
      deploy: { status: 'FAILED', state: 'failed', failedStage: 'deploy' },
    });
    const evidence = await provider.evidence(waited.deploy, 'deploy');
    expect(evidence.events).toEqual([
      {
        step: 'revision-ready',
        outcome: 'failed',
        detail:
          'HEALTH_CHECK_CONTAINER_ERROR: The user-provided container failed the configured startup probe checks.',
        at: iso(T0 - 30_000),
      },
    ]);
    expect(asText(seen).filter((c) => c.includes('/revisions/'))).toHaveLength(3);
  });

  it("verifies a newest revision that has no traffic but a tag at the tag's URL, and says so", async () => {
    const tagged = service('r-3', 'r-4', {
      traffic: [
        { type: BY_REVISION, revision: 'r-3', percent: 100 },
        { type: BY_REVISION, revision: 'r-4', tag: 'pr-12' },
      ],
      trafficStatuses: [
        { type: BY_REVISION, revision: 'r-3', percent: 100 },
        {
          type: BY_REVISION,
          revision: 'r-4',
          tag: 'pr-12',
          uri: 'https://pr-12---shop-api-abc-ez.a.run.app',
        },
      ],
      latestReadyRevision: `${NAME}/revisions/r-4`,
    });
    const { provider, logs } = google((req) =>
      req.pathname.includes('/revisions/') ? json(revision('r-4', 'CONDITION_SUCCEEDED')) : json(tagged),
    );
    const info = await provider.service();
    expect(info).toEqual({
      id: NAME,
      name: 'shop-api',
      url: 'https://pr-12---shop-api-abc-ez.a.run.app',
      dashboardUrl:
        'https://console.cloud.google.com/run/detail/europe-west4/shop-api/revisions?project=shop-prod',
    });
    expect(logs[0]).toContain('verified at the URL of its tag "pr-12"');
    expect(await provider.getDeploy('r-4')).toMatchObject({ status: 'TAGGED', state: 'live' });
    expect(await provider.usePreview()).toBe(info);
  });
});

describe('CloudRunProvider: evidence', () => {
  it('reads the revision logs newest first, paged by nextPageToken through empty pages, within a cap', async () => {
    const entry = (i: number, log = 'stderr') => ({
      logName: `projects/shop-prod/logs/run.googleapis.com%2F${log}`,
      timestamp: iso(T0 - 1000 * i),
      textPayload: `line ${i}`,
    });
    const { provider, seen } = google((req) => {
      if (!req.pathname.endsWith('/entries:list')) return json(revision('r-4', 'CONDITION_SUCCEEDED'));
      const token = (req.body as { pageToken?: string }).pageToken;
      if (!token) return json({ nextPageToken: 'empty' }); // an empty page with a token: keep reading
      if (token === 'empty')
        return json({ entries: [entry(1), entry(2, 'varlog%2Fsystem')], nextPageToken: 'more' });
      if (token === 'more')
        return json({
          entries: [
            {
              ...entry(3),
              textPayload: undefined,
              jsonPayload: { message: 'structured', severity: 'ERROR' },
            },
          ],
          nextPageToken: 'again',
        });
      return json({ entries: [entry(4)], nextPageToken: 'forever' });
    });
    const evidence = await provider.evidence(
      { id: 'r-4', status: 'SERVING', state: 'live', canRollbackTo: true, createdAt: T0 - 600_000 },
      'runtime',
    );
    expect(evidence.lines).toEqual([
      { message: 'line 4', timestamp: iso(T0 - 4000), stream: 'app' },
      { message: 'structured', timestamp: iso(T0 - 3000), stream: 'app' },
      { message: 'line 2', timestamp: iso(T0 - 2000), stream: 'deploy' },
      { message: 'line 1', timestamp: iso(T0 - 1000), stream: 'app' },
    ]);
    expect(evidence.notes).toEqual(['only 4 pages of logs were read']);
    const lists = seen.filter((s) => s.pathname.endsWith('/entries:list'));
    expect(lists).toHaveLength(4);
    const body = lists[0]!.body as Record<string, unknown>;
    expect(body).toEqual({
      resourceNames: ['projects/shop-prod'],
      filter:
        'resource.type="cloud_run_revision" AND resource.labels.service_name="shop-api" AND ' +
        `resource.labels.revision_name="r-4" AND timestamp>="${iso(T0 - 610_000)}" AND timestamp<="${iso(T0)}" AND ` +
        '(log_id("run.googleapis.com/stdout") OR log_id("run.googleapis.com/stderr") OR log_id("run.googleapis.com/varlog/system"))',
      orderBy: 'timestamp desc',
      pageSize: 250,
    });
    expect((lists[1]!.body as Record<string, unknown>).pageToken).toBe('empty');
  });

  it('turns a logs call that fails into a note, never an error', async () => {
    const { provider } = google((req) =>
      req.pathname.endsWith('/entries:list')
        ? googleError(403, 'PERMISSION_DENIED', 'denied', [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'IAM_PERMISSION_DENIED',
              metadata: { permission: 'logging.logEntries.list' },
            },
          ])
        : json(revision('r-4', 'CONDITION_SUCCEEDED')),
    );
    const evidence = await provider.evidence(
      { id: 'r-4', status: 'SERVING', state: 'live', canRollbackTo: true },
      'runtime',
    );
    expect(evidence.lines).toEqual([]);
    expect(evidence.notes).toEqual([expect.stringContaining('roles/logging.viewer')]);
  });
});

describe('CloudRunProvider: rollback', () => {
  const target = {
    id: 'r-3',
    status: 'RETIRED',
    state: 'replaced' as const,
    canRollbackTo: true,
    commit: OLD,
  };

  it('reads, writes the traffic with the etag read (keeping tag-only entries), follows the operation, checks the routing', async () => {
    const tags = { type: BY_REVISION, revision: 'r-9', tag: 'pr-9' };
    const before = service('r-4', 'r-4', {
      traffic: [{ type: LATEST, percent: 100 }, tags],
      etag: '"etag-7"',
    });
    const after = service('r-3', 'r-4', {
      traffic: [{ type: BY_REVISION, revision: 'r-3', percent: 100 }, tags],
      trafficStatuses: [{ type: BY_REVISION, revision: 'r-3', percent: 100 }],
    });
    let reads = 0;
    const { provider, seen } = google((req) => {
      if (req.method === 'PATCH')
        return json({ name: 'projects/shop-prod/locations/europe-west4/operations/op-1', metadata: before });
      if (req.pathname.includes('/operations/'))
        return json(
          ++reads < 2
            ? { name: 'op-1' }
            : {
                name: 'op-1',
                done: true,
                response: { '@type': 'type.googleapis.com/google.cloud.run.v2.Service', ...after },
              },
        );
      if (req.pathname.includes('/revisions/')) return json(revision('r-3', 'CONDITION_SUCCEEDED', OLD));
      return json(before);
    });
    const restored = await provider.rollback(target);
    expect(restored).toMatchObject({ id: 'r-3', status: 'SERVING', state: 'live', commit: OLD });
    expect(asText(seen)).toEqual([
      `GET /v2/${NAME}`,
      `PATCH /v2/${NAME}`,
      'GET /v2/projects/shop-prod/locations/europe-west4/operations/op-1',
      'GET /v2/projects/shop-prod/locations/europe-west4/operations/op-1',
      `GET ${revisionPath('r-3')}`,
    ]);
    const write = seen[1]!;
    expect(write.query.get('updateMask')).toBe('traffic');
    expect(write.body).toMatchObject({
      name: NAME,
      etag: '"etag-7"',
      template: before.template,
      traffic: [{ type: BY_REVISION, revision: 'r-3', percent: 100 }, tags],
    });
    expect(provider.autoDeployAdvice).toBe(
      'Traffic is now pinned to revision r-3: until someone routes traffic to the latest revision again, new deploys to ' +
        'this service receive no traffic. Once a fix is deployed and verified, run ' +
        '`gcloud run services update-traffic shop-api --region europe-west4 --project shop-prod --to-latest`.',
    );
  });

  it('is a conflict, sent once, when the etag is stale (ABORTED, 409)', async () => {
    const { provider, seen } = google((req) =>
      req.method === 'PATCH'
        ? googleError(409, 'ABORTED', 'The etag "etag-1" of service shop-api is not its current etag.')
        : json(service('r-4')),
    );
    const error = await provider.rollback(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RollbackConflictError);
    expect((error as Error).message).toContain('ABORTED (409): the service changed after this run read it');
    expect(seen.filter((s) => s.method === 'PATCH')).toHaveLength(1);
  });

  it('never sends the write twice, even after a 503', async () => {
    const { provider, seen } = google((req) =>
      req.method === 'PATCH' ? googleError(503, 'UNAVAILABLE', 'busy') : json(service('r-4')),
    );
    const error = await provider.rollback(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderApiError);
    expect((error as Error).message).toContain('It was not sent again');
    expect(seen.filter((s) => s.method === 'PATCH')).toHaveLength(1);
  });

  it('is unconfirmed when the operation fails, or the time runs out while it runs', async () => {
    const failing = google((req) =>
      req.method === 'PATCH'
        ? json({
            name: 'projects/shop-prod/locations/europe-west4/operations/op-2',
            done: true,
            error: { code: 9, message: "Revision 'r-3' is not ready and cannot serve traffic." },
          })
        : json(service('r-4')),
    );
    const failed = await failing.provider.rollback(target).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RollbackUnconfirmedError);
    expect((failed as Error).message).toContain("ended with error 9: Revision 'r-3' is not ready");

    const slow = google(
      (req) =>
        req.method === 'PATCH' || req.pathname.includes('/operations/')
          ? json({ name: 'projects/shop-prod/locations/europe-west4/operations/op-3' })
          : json(service('r-4')),
      { budgetMs: 20_000 },
    );
    const late = await slow.provider.rollback(target).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(RollbackUnconfirmedError);
    expect((late as Error).message).toContain('had not finished when the rollback');
    expect(late).not.toBeInstanceOf(BudgetExhaustedError);
  });

  it('describes the exact write, and the gcloud command, for dry-run', () => {
    const { provider } = google(() => json({}));
    expect(provider.describeRollback(target)).toBe(
      `PATCH ${ORIGIN}/v2/${NAME}?updateMask=traffic {"traffic":[{"type":"${BY_REVISION}","revision":"r-3","percent":100}]} ` +
        '(the service as read, with its etag; gcloud: `gcloud run services update-traffic shop-api --region europe-west4 --project shop-prod --to-revisions r-3=100`)',
    );
  });
});
