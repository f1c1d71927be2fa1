import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startExampleService, type ExampleService } from '../../test-kit/example-service.js';
import {
  type RenderDeploySpec,
  type RenderEmulator,
  type RenderEmulatorOptions,
  startRenderEmulator,
} from '../../test-kit/emulators/render-emulator.js';
import { loadOpenApi } from '../../test-kit/emulators/openapi.js';

const TOKEN = 'rnd_emulatorTestToken';
const SERVICE_ID = 'srv-emulatortest00000001';
const OWNER_ID = 'tea-emulatortest00000001';

interface Deploy {
  id: string;
  status: string;
  trigger: string;
  commit: { id: string };
  createdAt: string;
  finishedAt?: string;
}

interface Answer<T> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

const emulators: RenderEmulator[] = [];
const services: ExampleService[] = [];

afterEach(async () => {
  await Promise.all([
    ...emulators.splice(0).map((e) => e.close()),
    ...services.splice(0).map((s) => s.stop()),
  ]);
});

/** Deploys `count` commits an hour apart, oldest first; all but the newest deactivated. */
function history(count: number): RenderDeploySpec[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `dep-history${String(index).padStart(12, '0')}`,
    commit: `${index}`.repeat(40).slice(0, 40),
    status: index === count - 1 ? 'live' : 'deactivated',
    createdAt: new Date(Date.UTC(2026, 0, 1, index)).toISOString(),
    finishedAt: new Date(Date.UTC(2026, 0, 1, index, 5)).toISOString(),
  }));
}

async function emulator(options: Partial<RenderEmulatorOptions> = {}): Promise<RenderEmulator> {
  const started = await startRenderEmulator({
    token: TOKEN,
    serviceId: SERVICE_ID,
    ownerId: OWNER_ID,
    serviceUrl: 'https://deploy-sentinel-example.onrender.com',
    deploys: history(3),
    ...options,
  });
  emulators.push(started);
  return started;
}

/** A call as the action makes it: bearer token, JSON both ways. */
async function call<T = unknown>(
  render: RenderEmulator,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null } = {},
): Promise<Answer<T>> {
  const token = options.token === undefined ? TOKEN : options.token;
  const response = await fetch(`${render.url}${path}`, {
    method,
    headers: {
      Accept: 'application/json',
      ...(token !== null && { Authorization: `Bearer ${token}` }),
      ...(options.body !== undefined && { 'Content-Type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: (text ? JSON.parse(text) : null) as T,
  };
}

const deploysPath = `/services/${SERVICE_ID}/deploys`;

describe('Render emulator: a valid session', () => {
  it('serves every emulated endpoint without a contract violation', async () => {
    const render = await emulator({
      previews: [{ id: 'srv-emulatorpreview00001', serviceUrl: 'https://pr-1.onrender.com' }],
    });
    render.addEvent({
      type: 'deploy_ended',
      timestamp: '2026-01-01T02:05:00Z',
      details: {
        deployId: 'dep-history000000000002',
        deployStatus: 'failed',
        status: 3,
        reason: { failure: { evicted: false, nonZeroExit: 1 } },
      },
    });
    render.addLogs([
      { message: 'listening on 10000', timestamp: new Date().toISOString(), type: 'app', level: 'info' },
    ]);

    const service = await call<{ id: string; ownerId: string; serviceDetails: { url: string } }>(
      render,
      'GET',
      `/services/${SERVICE_ID}`,
    );
    expect(service.status).toBe(200);
    expect(service.body).toMatchObject({
      id: SERVICE_ID,
      ownerId: OWNER_ID,
      autoDeploy: 'yes',
      serviceDetails: { url: 'https://deploy-sentinel-example.onrender.com' },
    });

    const previews = await call<
      { service: { id: string; serviceDetails: { parentServer?: { id: string } } } }[]
    >(render, 'GET', `/services?ownerId=${OWNER_ID}&type=web_service,static_site&limit=10`);
    expect(previews.body.map((item) => item.service.serviceDetails.parentServer?.id)).toEqual([
      undefined,
      SERVICE_ID,
    ]);
    const withoutPreviews = await call<unknown[]>(render, 'GET', '/services?includePreviews=false');
    expect(withoutPreviews.body).toHaveLength(1);

    const deploys = await call<{ deploy: Deploy; cursor: string }[]>(
      render,
      'GET',
      `${deploysPath}?limit=20&status=live&status=deactivated&createdAfter=2026-01-01T00:30:00Z`,
    );
    expect(deploys.body.map((item) => item.deploy.id)).toEqual([
      'dep-history000000000002',
      'dep-history000000000001',
    ]);

    const one = await call<Deploy>(render, 'GET', `${deploysPath}/dep-history000000000002`);
    expect(one.body).toMatchObject({
      status: 'live',
      trigger: 'new_commit',
      finishedAt: '2026-01-01T02:05:00.000Z',
    });

    const triggered = await call<Deploy>(render, 'POST', deploysPath, {
      body: { commitId: 'f'.repeat(40), clearCache: 'do_not_clear' },
    });
    expect(triggered.status).toBe(201);
    expect(triggered.body).toMatchObject({
      status: 'created',
      trigger: 'api',
      commit: { id: 'f'.repeat(40) },
    });

    const patched = await call(render, 'PATCH', `/services/${SERVICE_ID}`, { body: { autoDeploy: 'no' } });
    expect(patched.body).toMatchObject({ autoDeploy: 'no' });
    expect(render.service()).toMatchObject({ autoDeploy: 'no' });

    const events = await call<{ event: { type: string; details: { reason: unknown } } }[]>(
      render,
      'GET',
      `/services/${SERVICE_ID}/events?type=deploy_ended&limit=5`,
    );
    expect(events.body[0]?.event).toMatchObject({
      type: 'deploy_ended',
      details: { reason: { failure: { nonZeroExit: 1 } } },
    });

    const logs = await call<{ logs: { message: string; labels: { name: string; value: string }[] }[] }>(
      render,
      'GET',
      `/logs?ownerId=${OWNER_ID}&resource=${SERVICE_ID}&type=app&direction=backward&limit=100`,
    );
    expect(logs.body.logs).toEqual([
      expect.objectContaining({
        message: 'listening on 10000',
        labels: expect.arrayContaining([{ name: 'resource', value: SERVICE_ID }]),
      }),
    ]);

    expect(render.violations).toEqual([]);
    for (const header of ['Ratelimit-Limit', 'Ratelimit-Remaining', 'Ratelimit-Reset']) {
      expect(logs.headers.get(header)).toMatch(/^\d+$/);
    }
    expect(render.requests.map((request) => `${request.method} ${request.status}`)).toEqual([
      'GET 200',
      'GET 200',
      'GET 200',
      'GET 200',
      'GET 200',
      'POST 201',
      'PATCH 200',
      'GET 200',
      'GET 200',
    ]);
    expect(render.requests[5]).toMatchObject({
      path: `/v1${deploysPath}`,
      body: { commitId: 'f'.repeat(40) },
    });
  });

  it('counts write requests against the per-service deploy limit of 10 a minute', async () => {
    const render = await emulator();
    const first = await call(render, 'POST', deploysPath, { body: {} });
    const second = await call(render, 'POST', deploysPath, { body: {} });
    expect([first.headers.get('Ratelimit-Limit'), first.headers.get('Ratelimit-Remaining')]).toEqual([
      '10',
      '9',
    ]);
    expect(second.headers.get('Ratelimit-Remaining')).toBe('8');
    expect(Number(second.headers.get('Ratelimit-Reset'))).toBeLessThanOrEqual(60);
  });
});

describe('Render emulator: request validation', () => {
  it.each([
    [
      'a limit above 100',
      'GET',
      `${deploysPath}?limit=500`,
      undefined,
      '/query/limit must be <= 100 but was 500',
    ],
    ['a non-numeric limit', 'GET', `${deploysPath}?limit=ten`, undefined, '/query/limit must be integer'],
    [
      'statuses comma-joined where the spec explodes the array',
      'GET',
      `${deploysPath}?status=live,build_failed`,
      undefined,
      '/query/status/0 must be one of',
    ],
    [
      'an undeclared query parameter',
      'GET',
      `${deploysPath}?commit=abc`,
      undefined,
      'query parameter "commit" is not declared',
    ],
    [
      'a rollback without deployId',
      'POST',
      `/services/${SERVICE_ID}/rollback`,
      {},
      'body /deployId is missing',
    ],
    [
      'a create-deploy with a bad clearCache',
      'POST',
      deploysPath,
      { clearCache: true },
      'body /clearCache must be string',
    ],
    [
      'a method the path does not take',
      'DELETE',
      deploysPath,
      undefined,
      'has no DELETE; it takes GET, POST',
    ],
    [
      'logs without the required ownerId',
      'GET',
      `/logs?resource=${SERVICE_ID}`,
      undefined,
      '/query/ownerId is missing',
    ],
  ])('answers %s with 400 and records a violation', async (_, method, path, body, violation) => {
    const render = await emulator();
    const answer = await call<{ message: string }>(render, method, path, { body });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain(violation);
    expect(render.violations).toContainEqual(expect.stringContaining(violation));
    for (const recorded of render.violations)
      expect(recorded).toContain(`${method} /v1${path.split('?')[0]}`);
  });

  it('answers a create-deploy without a body: the spec requires one, {} is enough', async () => {
    const render = await emulator();
    expect((await call(render, 'POST', deploysPath)).status).toBe(400);
    expect(render.violations).toEqual([expect.stringContaining('request body is required')]);
  });

  it('answers a path outside the API with 404 and a violation', async () => {
    const render = await emulator();
    expect((await call(render, 'GET', `/services/${SERVICE_ID}/deployments`)).status).toBe(404);
    expect(render.violations).toEqual([expect.stringContaining('is not a path of the Render API')]);
  });

  it('answers an operation it does not emulate with 501 and a violation', async () => {
    const render = await emulator();
    const answer = await call(render, 'POST', `${deploysPath}/dep-history000000000002/cancel`);
    expect(answer.status).toBe(501);
    expect(render.violations).toEqual([expect.stringContaining('does not emulate cancel-deploy')]);
  });

  it('answers an unknown service with 404, which the spec declares', async () => {
    const render = await emulator();
    expect((await call(render, 'GET', '/services/srv-nope/deploys')).status).toBe(404);
    expect((await call(render, 'GET', `${deploysPath}/dep-nope`)).status).toBe(404);
    expect(render.violations).toEqual([]);
  });
});

describe('Render emulator: authentication', () => {
  it('answers a missing Authorization header with 401 and a violation of the security requirement', async () => {
    const render = await emulator();
    const answer = await call<{ message: string }>(render, 'GET', `/services/${SERVICE_ID}`, { token: null });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ message: expect.any(String) });
    expect(render.violations).toEqual([
      expect.stringContaining('requires an "Authorization: Bearer <token>" header'),
    ]);
  });

  it('answers a wrong token with 401, which is Render behaving as documented', async () => {
    const render = await emulator();
    expect((await call(render, 'GET', `/services/${SERVICE_ID}`, { token: 'rnd_wrong' })).status).toBe(401);
    expect(render.violations).toEqual([]);
  });
});

describe('Render emulator: response validation', () => {
  it('catches a deploy that breaks the deploy schema', async () => {
    const render = await emulator();
    render.tamperDeploy('dep-history000000000002', { status: 'succeeded', createdAt: 'yesterday' });
    const answer = await call<Deploy>(render, 'GET', `${deploysPath}/dep-history000000000002`);
    // Sent anyway, so a test also sees what the action makes of it.
    expect(answer.body.status).toBe('succeeded');
    expect(render.violations).toEqual([
      expect.stringMatching(/response 200 \/status must be one of .* but was "succeeded"$/),
      expect.stringMatching(/response 200 \/createdAt must match format "date-time" but was "yesterday"$/),
    ]);
  });

  it('catches an event whose details miss what its type requires', async () => {
    const render = await emulator();
    // The deprecated integer `status` is still required on deploy_ended details.
    render.addEvent({
      type: 'deploy_ended',
      timestamp: '2026-01-01T02:05:00Z',
      details: { deployId: 'dep-history000000000002', deployStatus: 'failed', reason: {} },
    });
    await call(render, 'GET', `/services/${SERVICE_ID}/events`);
    expect(render.violations).toEqual([expect.stringContaining('(deploy_ended) details /status is missing')]);
  });

  it('reads nullable as a null-or-type union', async () => {
    const render = await emulator();
    render.addEvent({
      type: 'server_restarted',
      timestamp: '2026-01-01T03:00:00Z',
      details: { triggeredByUser: null },
    });
    await call(render, 'GET', `/services/${SERVICE_ID}/events`);
    expect(render.violations).toEqual([]);

    render.addEvent({
      type: 'server_restarted',
      timestamp: '2026-01-01T04:00:00Z',
      details: { triggeredByUser: 7 },
    });
    await call(render, 'GET', `/services/${SERVICE_ID}/events`);
    expect(render.violations).toEqual([
      expect.stringContaining('/triggeredByUser must be string,null but was 7'),
    ]);
  });

  it('catches a status the operation does not declare', async () => {
    const render = await emulator();
    render.onRollback(async () => ({ status: 409, message: 'a deploy is in progress' }));
    const answer = await call(render, 'POST', `/services/${SERVICE_ID}/rollback`, {
      body: { deployId: 'dep-history000000000001' },
    });
    expect(answer.status).toBe(409);
    expect(render.violations).toEqual([expect.stringContaining('response 409 status 409 is not declared')]);
  });
});

describe('Render emulator: pagination', () => {
  it('pages deploys by the last item’s cursor, newest first by default', async () => {
    const render = await emulator({ deploys: history(7) });
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await call<{ deploy: Deploy; cursor: string }[]>(
        render,
        'GET',
        `${deploysPath}?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      sizes.push(page.body.length);
      seen.push(...page.body.map((item) => item.deploy.id));
      if (page.body.length < 3) break;
      cursor = page.body.at(-1)!.cursor;
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(
      history(7)
        .map((deploy) => deploy.id)
        .reverse(),
    );
    expect(render.violations).toEqual([]);
  });

  it('can scramble the order, so a client has to sort by createdAt itself', async () => {
    const render = await emulator({ deploys: history(5), pageOrder: 'shuffled' });
    const page = await call<{ deploy: Deploy }[]>(render, 'GET', deploysPath);
    const created = page.body.map((item) => item.deploy.createdAt);
    expect(created).not.toEqual([...created].sort());
    expect(created).not.toEqual([...created].sort().reverse());
    expect(created).toHaveLength(5);
  });

  it('rejects a cursor it never issued', async () => {
    const render = await emulator();
    expect((await call(render, 'GET', `${deploysPath}?cursor=bm9wZQ==`)).status).toBe(400);
    expect(render.violations).toEqual([expect.stringContaining('was not issued by this emulator')]);
  });

  it('pages logs by time window while hasMore is true', async () => {
    const render = await emulator();
    const base = Date.now() - 60_000;
    render.addLogs(
      Array.from({ length: 5 }, (_, index) => ({
        message: `line ${index}`,
        // Two lines share a millisecond; the emulator moves the second one 1 ms on.
        timestamp: new Date(base + Math.min(index, 3) * 1000).toISOString(),
        type: 'build' as const,
      })),
    );
    render.addLogs([{ message: 'an app line', timestamp: new Date(base).toISOString(), type: 'app' }]);

    const pages: { hasMore: boolean; messages: string[] }[] = [];
    let window = '';
    for (;;) {
      const answer = await call<{
        hasMore: boolean;
        nextStartTime: string;
        nextEndTime: string;
        logs: { message: string }[];
      }>(render, 'GET', `/logs?ownerId=${OWNER_ID}&resource=${SERVICE_ID}&type=build&limit=2${window}`);
      pages.push({ hasMore: answer.body.hasMore, messages: answer.body.logs.map((line) => line.message) });
      if (!answer.body.hasMore) break;
      window = `&startTime=${answer.body.nextStartTime}&endTime=${answer.body.nextEndTime}`;
    }
    expect(pages).toEqual([
      { hasMore: true, messages: ['line 4', 'line 3'] },
      { hasMore: true, messages: ['line 2', 'line 1'] },
      { hasMore: false, messages: ['line 0'] },
    ]);
    expect(render.violations).toEqual([]);
  });

  it('answers the logs owner check with 403', async () => {
    const render = await emulator();
    expect((await call(render, 'GET', `/logs?ownerId=tea-other&resource=${SERVICE_ID}`)).status).toBe(403);
    expect(render.violations).toEqual([]);
  });
});

describe('Render emulator: deploy triggers', () => {
  it('can answer 202 with no body; the new deploy is then found by listing', async () => {
    const render = await emulator();
    render.onDeployTriggered(async ({ commitId }) => ({ status: 202, deployId: `dep-queued-${commitId}` }));
    const answer = await call(render, 'POST', deploysPath, { body: { commitId: 'abc' } });
    expect([answer.status, answer.text, answer.headers.get('content-type')]).toEqual([202, '', null]);
    const listed = await call<{ deploy: Deploy }[]>(render, 'GET', `${deploysPath}?limit=1`);
    expect(listed.body[0]?.deploy).toMatchObject({ id: 'dep-queued-abc', commit: { id: 'abc' } });
    expect(render.violations).toEqual([]);
  });

  it('can answer 409 and create nothing', async () => {
    const render = await emulator();
    render.onDeployTriggered(async () => ({ status: 409, message: 'a deploy is already in progress' }));
    const answer = await call(render, 'POST', deploysPath, { body: {} });
    expect([answer.status, answer.body]).toEqual([409, { message: 'a deploy is already in progress' }]);
    expect((await call<unknown[]>(render, 'GET', deploysPath)).body).toHaveLength(3);
    expect(render.violations).toEqual([]);
  });
});

describe('Render emulator: injected failures', () => {
  it('answers 429 with Retry-After and rate-limit headers for the next N requests', async () => {
    const render = await emulator();
    render.failNext(2, 429);
    const statuses: number[] = [];
    let limited: Headers | undefined;
    for (let i = 0; i < 3; i++) {
      const answer = await call(render, 'GET', `/services/${SERVICE_ID}`);
      statuses.push(answer.status);
      limited ??= answer.headers;
    }
    expect(statuses).toEqual([429, 429, 200]);
    expect(limited?.get('Retry-After')).toBe('1');
    expect(limited?.get('Ratelimit-Remaining')).toBe('0');
    expect(limited?.get('Ratelimit-Limit')).toBe('400');
    expect(render.violations).toEqual([]);
  });

  it('answers a burst of 5xx, even ones the spec does not declare, without a violation', async () => {
    const render = await emulator();
    render.failNext(1, 502);
    render.failNext(1, 503, { 'Retry-After': '0' });
    const first = await call(render, 'GET', deploysPath);
    const second = await call(render, 'GET', deploysPath);
    const third = await call(render, 'GET', deploysPath);
    expect([first.status, second.status, third.status]).toEqual([502, 503, 200]);
    expect(second.headers.get('Retry-After')).toBe('0');
    expect(render.violations).toEqual([]);
  });
});

describe('Render emulator: scripted progress', () => {
  it('advances a deploy one status per report and awaits onLive before reporting live', async () => {
    const render = await emulator();
    const order: string[] = [];
    const onLive = jest.fn(async () => {
      order.push('onLive');
    });
    const created = await call<Deploy>(render, 'POST', deploysPath, { body: { commitId: 'c'.repeat(40) } });
    render.script(created.body.id, ['build_in_progress', 'update_in_progress', 'live'], { onLive });

    const one = async () => {
      const answer = await call<Deploy>(render, 'GET', `${deploysPath}/${created.body.id}`);
      order.push(answer.body.status);
      return answer.body;
    };
    await one();
    await one();
    expect(onLive).not.toHaveBeenCalled();
    const live = await one();
    await one();
    expect(order).toEqual(['build_in_progress', 'update_in_progress', 'onLive', 'live', 'live']);
    expect(onLive).toHaveBeenCalledTimes(1);
    expect(live.finishedAt).toEqual(expect.any(String));

    const list = await call<{ deploy: Deploy }[]>(render, 'GET', deploysPath);
    expect(list.body.map((item) => item.deploy.status)).toEqual([
      'live',
      'deactivated',
      'deactivated',
      'deactivated',
    ]);
    expect(render.violations).toEqual([]);
  });

  it('advances every scripted deploy once per list request', async () => {
    const render = await emulator();
    render.script('dep-history000000000002', ['update_failed']);
    const list = await call<{ deploy: Deploy }[]>(render, 'GET', `${deploysPath}?status=update_failed`);
    expect(list.body.map((item) => item.deploy.id)).toEqual(['dep-history000000000002']);
  });

  it('rolls back to a live-before deploy with trigger rollback, and can fail with 500', async () => {
    const render = await emulator();
    const targets: string[] = [];
    render.onRollback(async (target) => {
      targets.push(target);
      return targets.length === 1 ? { status: 500, message: 'rollback failed' } : { status: 201 };
    });
    const path = `/services/${SERVICE_ID}/rollback`;
    const failed = await call(render, 'POST', path, { body: { deployId: 'dep-history000000000001' } });
    expect(failed.status).toBe(500);

    const rollback = await call<Deploy>(render, 'POST', path, {
      body: { deployId: 'dep-history000000000001' },
    });
    expect(rollback.status).toBe(201);
    expect(rollback.body).toMatchObject({
      trigger: 'rollback',
      status: 'created',
      commit: { id: '1'.repeat(40) },
    });
    expect(targets).toEqual(['dep-history000000000001', 'dep-history000000000001']);

    const statuses: string[] = [];
    for (let i = 0; i < 2; i++) {
      statuses.push((await call<Deploy>(render, 'GET', `${deploysPath}/${rollback.body.id}`)).body.status);
    }
    expect(statuses).toEqual(['update_in_progress', 'live']);
    expect(render.violations).toEqual([]);
  });

  it('refuses to roll back to a deploy that never went live', async () => {
    const render = await emulator({
      deploys: [
        ...history(2),
        {
          id: 'dep-failed',
          commit: 'f'.repeat(40),
          status: 'build_failed',
          createdAt: '2026-01-02T00:00:00Z',
        },
      ],
    });
    const answer = await call(render, 'POST', `/services/${SERVICE_ID}/rollback`, {
      body: { deployId: 'dep-failed' },
    });
    expect(answer.status).toBe(400);
    expect(render.violations).toEqual([]);
  });

  it('lets onLive deploy the example service, so Render says live exactly when the new version serves', async () => {
    const app = await startExampleService({ version: 'v1' });
    services.push(app);
    const render = await emulator({ serviceUrl: app.url });
    render.onDeployTriggered(async () => ({
      status: 201,
      statuses: ['build_in_progress', 'live'],
      onLive: () => app.restart({ version: 'v2' }),
    }));
    const version = async () =>
      ((await (await fetch(`${app.url}/health`)).json()) as { version: string }).version;

    const deploy = await call<Deploy>(render, 'POST', deploysPath, { body: {} });
    const progress = async () =>
      (await call<Deploy>(render, 'GET', `${deploysPath}/${deploy.body.id}`)).body.status;
    expect([await progress(), await version()]).toEqual(['build_in_progress', 'v1']);
    expect([await progress(), await version()]).toEqual(['live', 'v2']);
    expect(render.violations).toEqual([]);
  });
});

describe('openapi.ts', () => {
  it.each(['discriminator', 'readOnly', 'writeOnly'])(
    'refuses a document that uses %s, which it does not translate',
    (keyword) => {
      const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
      try {
        const file = join(dir, 'api.json');
        const schema = {
          type: 'object',
          [keyword]: keyword === 'discriminator' ? { propertyName: 'kind' } : true,
        };
        writeFileSync(
          file,
          JSON.stringify({ openapi: '3.0.2', paths: {}, components: { schemas: { pet: schema } } }),
        );
        expect(() => loadOpenApi(pathToFileURL(file))).toThrow(
          `OpenAPI "${keyword}" at #/components/schemas/pet is not supported`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
