import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoogleAuth } from 'google-auth-library';
import { startExampleService, type ExampleService } from '../../test-kit/example-service.js';
import {
  cloudRunLogLines,
  containerFailedToStartMessage,
  startCloudRunEmulator,
  type CloudRunEmulator,
  type CloudRunEmulatorOptions,
  type CloudRunRevisionView,
} from '../../test-kit/emulators/cloud-run-emulator.js';
import { compileFilter } from '../../test-kit/emulators/logging-filter.js';
import { compileTemplate, loadGoogleContract } from '../../test-kit/emulators/google-contract.js';

const TOKEN = 'ya29.cloud-run-emulator-test';
const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const SHA_C = 'c'.repeat(40);
const SERVICE = 'projects/deploy-sentinel/locations/us-central1/services/deploy-sentinel-example';
const UPDATE = 'google.cloud.run.v2.Services.UpdateService';
const SYSTEM_LOG = 'projects/deploy-sentinel/logs/run.googleapis.com%2Fvarlog%2Fsystem';
const STDERR_LOG = 'projects/deploy-sentinel/logs/run.googleapis.com%2Fstderr';

interface Answer<T> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const emulators: CloudRunEmulator[] = [];
const services: ExampleService[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all([
    ...emulators.splice(0).map((e) => e.close()),
    ...services.splice(0).map((s) => s.stop()),
  ]);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Two ready revisions (rev-a, then rev-b), rev-b serving through LATEST. */
async function emulator(options: CloudRunEmulatorOptions = {}): Promise<CloudRunEmulator> {
  const started = await startCloudRunEmulator({
    tokens: [TOKEN],
    revisions: [
      { id: 'rev-a', commit: SHA_A },
      { id: 'rev-b', commit: SHA_B },
    ],
    ...options,
  });
  emulators.push(started);
  return started;
}

/** A call as the action makes it: bearer token, JSON both ways. */
async function call<T = Json>(
  cloudRun: CloudRunEmulator,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; raw?: string } = {},
): Promise<Answer<T>> {
  const token = options.token === undefined ? TOKEN : options.token;
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${cloudRun.url}${path}`, {
    method,
    headers: {
      Accept: 'application/json',
      ...(token !== null && { Authorization: `Bearer ${token}` }),
      ...(payload !== undefined && { 'Content-Type': 'application/json' }),
    },
    body: payload,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (an HTML 404): keep the text.
  }
  return { status: response.status, headers: response.headers, text, body: body as T };
}

const getService = (cloudRun: CloudRunEmulator) => call(cloudRun, 'GET', `/v2/${SERVICE}`);

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cloud-run-emulator-'));
  dirs.push(dir);
  return dir;
}

describe('the Google contract', () => {
  it('reads the REST bindings from the protos and Cloud Run operations from its service config', () => {
    const contract = loadGoogleContract();
    expect(contract.rpc(UPDATE).bindings).toEqual([
      { method: 'PATCH', template: '/v2/{service.name=projects/*/locations/*/services/*}', body: 'service' },
    ]);
    expect(contract.rpc(UPDATE).longRunning).toEqual({
      responseType: 'google.cloud.run.v2.Service',
      metadataType: 'google.cloud.run.v2.Service',
    });
    expect(contract.rpc('google.longrunning.Operations.GetOperation').bindings).toEqual([
      { method: 'GET', template: '/v2/{name=projects/*/locations/*/operations/*}' },
    ]);
    expect(contract.rpc('google.longrunning.Operations.WaitOperation').bindings).toEqual([
      { method: 'POST', template: '/v2/{name=projects/*/locations/*/operations/*}:wait', body: '*' },
    ]);
    expect(contract.rpc('google.cloud.run.v2.Revisions.GetRevision').bindings).toHaveLength(2);
    expect(contract.rpc('google.logging.v2.LoggingServiceV2.ListLogEntries').bindings).toEqual([
      { method: 'POST', template: '/v2/entries:list', body: '*' },
    ]);
    expect(contract.codes.get('ABORTED')).toEqual({ name: 'ABORTED', number: 10, http: 409 });
    expect(contract.codes.get('FAILED_PRECONDITION')?.http).toBe(400);
    expect(contract.codes.get('RESOURCE_EXHAUSTED')?.http).toBe(429);
  });

  it('routes a path by template, tells a custom method from its resource, and a wrong verb from no path', () => {
    const contract = loadGoogleContract();
    const op = 'projects/p/locations/l/operations/abc';
    expect(contract.route('GET', `/v2/${op}`)).toMatchObject({
      found: 'rpc',
      rpc: { method: 'GetOperation' },
      pathParams: { name: op },
    });
    expect(contract.route('POST', `/v2/${op}:wait`)).toMatchObject({
      found: 'rpc',
      rpc: { method: 'WaitOperation' },
    });
    expect(contract.route('PATCH', `/v2/${SERVICE}`)).toMatchObject({
      found: 'rpc',
      pathParams: { 'service.name': SERVICE },
    });
    expect(contract.route('PUT', `/v2/${SERVICE}`)).toMatchObject({ found: 'path' });
    expect(contract.route('GET', '/v2/projects/p/services/s')).toEqual({ found: 'nothing' });
    expect(compileTemplate('/v2/{parent=projects/*/locations/*/services/*}/revisions').variables).toEqual([
      'parent',
    ]);
  });

  it('checks proto3 JSON strictly and names the JSON path of every problem', () => {
    const contract = loadGoogleContract();
    const problems = (type: string, value: unknown) => contract.validateMessage(type, value);
    expect(
      problems('google.cloud.run.v2.Condition', { type: 'Ready', state: 'CONDITION_SUCCEEDED' }),
    ).toEqual([]);
    expect(
      problems('google.cloud.run.v2.Condition', { reason: 'UNKNOWN', revisionReason: 'PENDING' }),
    ).toEqual([expect.stringContaining('oneof reasons')]);
    expect(problems('google.cloud.run.v2.Condition', { state: 4 })).toEqual([
      expect.stringMatching(/^state .*must be sent by name/),
    ]);
    expect(
      problems('google.cloud.run.v2.Condition', { last_transition_time: '2026-01-01T00:00:00Z' }),
    ).toEqual([expect.stringContaining('lowerCamelCase name "lastTransitionTime"')]);
    expect(problems('google.cloud.run.v2.Condition', { lastTransitionTime: '2026-01-01 00:00' })).toEqual([
      expect.stringContaining('is not RFC 3339'),
    ]);
    expect(
      problems('google.cloud.run.v2.Revision', { generation: 3, timeout: '300', labels: ['x'] }),
    ).toEqual([
      expect.stringMatching(/^generation \(int64\) must be a JSON string/),
      expect.stringMatching(/^timeout \(Duration\)/),
      expect.stringMatching(/^labels is a map/),
    ]);
    expect(problems('google.cloud.run.v2.Revision', { containers: { image: 'x' } })).toEqual([
      expect.stringMatching(/^containers is repeated/),
    ]);
    expect(problems('google.cloud.run.v2.Revision', { maxInstanceRequestConcurrency: '80' })).toEqual([
      expect.stringContaining('(int32) must be a JSON number'),
    ]);
    expect(problems('google.longrunning.Operation', { metadata: { uid: 'x' } })).toEqual([
      expect.stringContaining('metadata (Any) has no "@type"'),
    ]);
    expect(
      problems('google.longrunning.Operation', {
        metadata: { '@type': 'type.googleapis.com/google.cloud.run.v2.Service', bogus: 1 },
      }),
    ).toEqual([expect.stringContaining('metadata.bogus is not a field of google.cloud.run.v2.Service')]);
    expect(
      problems('google.logging.v2.LogEntry', {
        jsonPayload: { any: ['json', { is: null }] },
        textPayload: 'x',
      }),
    ).toEqual([expect.stringContaining('members of oneof payload')]);
    expect(problems('google.logging.v2.LogEntry', { jsonPayload: { free: ['form', 1, null] } })).toEqual([]);
  });
});

describe('the Cloud Run emulator: contract checks', () => {
  it('serves a valid GetService with zero violations', async () => {
    const cloudRun = await emulator();
    const answer = await getService(cloudRun);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      name: SERVICE,
      generation: '1',
      labels: { 'managed-by': 'github-actions', 'commit-sha': SHA_B },
      latestReadyRevision: `${SERVICE}/revisions/rev-b`,
      latestCreatedRevision: `${SERVICE}/revisions/rev-b`,
      traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
      trafficStatuses: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', revision: 'rev-b', percent: 100 }],
      terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED' },
      etag: expect.stringMatching(/^".+"$/),
    });
    expect(answer.body.reconciling).toBeUndefined();
    expect(cloudRun.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: `/v2/${SERVICE}`,
        status: 200,
        operation: 'google.cloud.run.v2.Services.GetService',
        principal: 'static:0',
        headers: expect.objectContaining({ authorization: 'Bearer ***' }),
        at: expect.any(Number),
      }),
    ]);
    expect(cloudRun.violations).toEqual([]);
  });

  it('rejects an unknown JSON field, an int64 sent as a number and an enum sent as a number', async () => {
    const cloudRun = await emulator();
    const service = cloudRun.service();
    const answer = await call(cloudRun, 'PATCH', `/v2/${SERVICE}?updateMask=traffic`, {
      body: {
        ...service,
        generation: 7,
        colour: 'blue',
        traffic: [{ type: 2, revision: 'rev-a', percent: 100 }],
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(cloudRun.violations).toEqual([
      expect.stringMatching(
        /UpdateService request body generation \(int64\) must be a JSON string.*number 7/,
      ),
      expect.stringMatching(/UpdateService request body traffic\[0\]\.type \(enum .*\) must be sent by name/),
      expect.stringMatching(
        /UpdateService request body colour is not a field of google\.cloud\.run\.v2\.Service/,
      ),
    ]);
  });

  it('reports a path that is no RPC and a verb the path does not take, answering as Google’s front end', async () => {
    const cloudRun = await emulator();
    const wrongPath = await call(
      cloudRun,
      'GET',
      '/v2/projects/deploy-sentinel/services/deploy-sentinel-example',
    );
    const wrongVerb = await call(cloudRun, 'PUT', `/v2/${SERVICE}`, { body: {} });
    expect([wrongPath.status, wrongVerb.status]).toEqual([404, 404]);
    expect(wrongPath.headers.get('content-type')).toMatch(/text\/html/);
    expect(cloudRun.violations).toEqual([
      expect.stringContaining('not a path of the Cloud Run Admin API v2 or Cloud Logging v2'),
      expect.stringMatching(/PUT .*takes GET, PATCH, DELETE, not PUT/),
    ]);
  });

  it('checks query parameters against the request message: names, types, and what the path binds', async () => {
    const cloudRun = await emulator();
    const base = `/v2/${SERVICE}/revisions`;
    expect((await call(cloudRun, 'GET', `${base}?pageSize=1`)).status).toBe(200);
    expect(cloudRun.violations).toEqual([]);
    await call(cloudRun, 'GET', `${base}?page_size=1`);
    await call(cloudRun, 'GET', `${base}?pageSize=ten`);
    await call(cloudRun, 'GET', `${base}?limit=1`);
    await call(cloudRun, 'GET', `${base}?parent=x`);
    await call(cloudRun, 'GET', `/v2/${SERVICE}?key=AIza`);
    expect(cloudRun.violations).toEqual([
      expect.stringContaining(
        'query page_size: uses the proto name "page_size"; send the JSON name "pageSize"',
      ),
      expect.stringContaining('query pageSize: must be a decimal integer (int32)'),
      expect.stringContaining('query limit: is not a field of google.cloud.run.v2.ListRevisionsRequest'),
      expect.stringContaining('query parent: is bound by the path'),
      expect.stringContaining('query key: credentials go in the Authorization header'),
    ]);
  });

  it('reports an RPC that is Google’s but not emulated, with 501', async () => {
    const cloudRun = await emulator();
    const answer = await call(
      cloudRun,
      'GET',
      '/v2/projects/deploy-sentinel/locations/us-central1/jobs/nightly',
    );
    expect(answer.status).toBe(501);
    expect(answer.body.error.status).toBe('UNIMPLEMENTED');
    expect(cloudRun.violations).toEqual([
      expect.stringContaining(
        "google.cloud.run.v2.Jobs.GetJob is Google's, but the emulator does not serve it",
      ),
    ]);
  });

  it('checks its own responses: a tampered body is a violation', async () => {
    const cloudRun = await emulator();
    cloudRun.tamperResponses('GetService', (body) => ({
      ...(body as Json),
      observedGeneration: 1,
      extra: true,
    }));
    expect((await getService(cloudRun)).status).toBe(200);
    expect(cloudRun.violations).toEqual([
      expect.stringMatching(/GetService response 200 observedGeneration \(int64\) must be a JSON string/),
      expect.stringMatching(/GetService response 200 extra is not a field/),
    ]);
  });
  it('answers 413 to a body over the cap, without reaching the handler', async () => {
    const cloudRun = await emulator();
    const huge = JSON.stringify({
      resourceNames: ['projects/deploy-sentinel'],
      filter: 'x'.repeat(1024 * 1024),
    });
    const answer = await call(cloudRun, 'POST', '/v2/entries:list', { raw: huge });
    expect(answer.status).toBe(413);
    expect(cloudRun.violations).toEqual([expect.stringContaining('request body exceeds 1048576 bytes')]);
  });
});

describe('the Cloud Run emulator: auth and errors', () => {
  it('answers Google’s 401 for a missing, unknown or expired token', async () => {
    let now = new Date('2026-03-01T10:00:00Z');
    const cloudRun = await emulator({ now: () => now });
    const shortLived = cloudRun.issueToken('user:short@example.com', 60);
    const missing = await call(cloudRun, 'GET', `/v2/${SERVICE}`, { token: null });
    const unknown = await call(cloudRun, 'GET', `/v2/${SERVICE}`, { token: 'ya29.nope' });
    expect((await call(cloudRun, 'GET', `/v2/${SERVICE}`, { token: shortLived })).status).toBe(200);
    now = new Date('2026-03-01T10:01:00Z');
    const expired = await call(cloudRun, 'GET', `/v2/${SERVICE}`, { token: shortLived });
    const reasons = [missing, unknown, expired].map((answer) => {
      expect(answer.status).toBe(401);
      expect(answer.body.error.status).toBe('UNAUTHENTICATED');
      return answer.body.error.details[0].reason;
    });
    expect(reasons).toEqual(['CREDENTIALS_MISSING', 'ACCESS_TOKEN_TYPE_UNSUPPORTED', 'ACCESS_TOKEN_EXPIRED']);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="https://accounts.google.com/"');
    expect(cloudRun.violations).toEqual([]);
  });

  it('injects one-shot faults in Google’s error shape: 429 with Retry-After, 500, 403 for one RPC', async () => {
    const cloudRun = await emulator();
    cloudRun.failNext(1, 429);
    cloudRun.failNext(1, 500);
    cloudRun.failNext(1, 403, { rpc: 'ListRevisions', message: 'no' });
    const limited = await getService(cloudRun);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body.error).toMatchObject({
      code: 429,
      status: 'RESOURCE_EXHAUSTED',
      details: [{ reason: 'RATE_LIMIT_EXCEEDED', metadata: { service: 'run.googleapis.com' } }],
    });
    expect((await getService(cloudRun)).body.error).toMatchObject({ code: 500, status: 'INTERNAL' });
    expect((await getService(cloudRun)).status).toBe(200);
    const denied = await call(cloudRun, 'GET', `/v2/${SERVICE}/revisions`);
    expect(denied.body.error).toEqual({ code: 403, message: 'no', status: 'PERMISSION_DENIED' });
    cloudRun.failNext(1, 502);
    expect((await getService(cloudRun)).headers.get('content-type')).toMatch(/text\/html/);
    cloudRun.failNext(1, 429, { headers: { 'Retry-After': null } });
    expect((await getService(cloudRun)).headers.get('retry-after')).toBeNull();
    expect(cloudRun.violations).toEqual([]);
  });

  it('refuses a denied permission with 403 PERMISSION_DENIED', async () => {
    const cloudRun = await emulator({ deniedPermissions: ['run.services.update'] });
    const answer = await call(cloudRun, 'PATCH', `/v2/${SERVICE}?updateMask=traffic`, {
      body: { name: SERVICE, traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }] },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.message).toBe(
      `Permission 'run.services.update' denied on resource '${SERVICE}' (or resource may not exist).`,
    );
    expect(answer.body.error.details[0]).toMatchObject({ reason: 'IAM_PERMISSION_DENIED' });
    expect(cloudRun.violations).toEqual([]);
  });
});

describe('the Cloud Run emulator: revisions, paging and long-running operations', () => {
  it('pages ListRevisions newest first with nextPageToken, and refuses a token it never issued', async () => {
    const cloudRun = await emulator({
      revisions: ['1', '2', '3', '4', '5'].map((n) => ({ id: `rev-${n}`, commit: n.repeat(40) })),
    });
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const query = `pageSize=2${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
      const answer = await call(cloudRun, 'GET', `/v2/${SERVICE}/revisions?${query}`);
      pages.push((answer.body.revisions as Json[]).map((r) => r.name.split('/').pop()));
      token = answer.body.nextPageToken;
    } while (token);
    expect(pages).toEqual([['rev-5', 'rev-4'], ['rev-3', 'rev-2'], ['rev-1']]);
    expect(cloudRun.violations).toEqual([]);

    const bogus = await call(cloudRun, 'GET', `/v2/${SERVICE}/revisions?pageToken=made-up`);
    expect(bogus.status).toBe(400);
    expect(cloudRun.violations).toEqual([
      expect.stringContaining('pageToken was not issued by this emulator'),
    ]);
  });

  it('fails a write with a stale etag with ABORTED (409), as AIP-154 says, and accepts the current one', async () => {
    const cloudRun = await emulator();
    const read = (await getService(cloudRun)).body;
    const theirs = cloudRun.bumpEtag({ labels: { owner: 'someone-else' } });
    const rollback = {
      ...read,
      traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'rev-a', percent: 100 }],
    };
    const stale = await call(cloudRun, 'PATCH', `/v2/${SERVICE}?updateMask=traffic`, { body: rollback });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 409, status: 'ABORTED' });
    const fresh = await call(cloudRun, 'PATCH', `/v2/${SERVICE}?updateMask=traffic`, {
      body: { ...rollback, etag: theirs },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body.name).toMatch(
      /^projects\/deploy-sentinel\/locations\/us-central1\/operations\/[0-9a-f-]{36}$/,
    );
    expect(cloudRun.violations).toEqual([]);
  });

  it('moves traffic through an Operation that is done after the scripted reads, then calls onServing', async () => {
    const served: [string, string][] = [];
    const cloudRun = await emulator({
      operationReads: 2,
      onServing: async (revision, cause) => void served.push([revision.id, cause]),
    });
    const patch = await call(cloudRun, 'PATCH', `/v2/${SERVICE}?updateMask=traffic`, {
      body: {
        name: SERVICE,
        traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'rev-a', percent: 100 }],
      },
    });
    expect(patch.body).toMatchObject({
      metadata: { '@type': 'type.googleapis.com/google.cloud.run.v2.Service' },
    });
    expect(patch.body.done).toBeUndefined();
    expect(patch.body.metadata.reconciling).toBe(true);
    const opPath = `/v2/${patch.body.name}`;
    const first = await call(cloudRun, 'GET', opPath);
    expect([first.body.done, served]).toEqual([undefined, []]);
    const second = await call(cloudRun, 'GET', opPath);
    expect(second.body.done).toBe(true);
    expect(second.body.response).toMatchObject({
      '@type': 'type.googleapis.com/google.cloud.run.v2.Service',
      trafficStatuses: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'rev-a', percent: 100 }],
    });
    expect(served).toEqual([['rev-a', 'traffic']]);
    expect(cloudRun.servingRevision()).toBe('rev-a');
    expect((await getService(cloudRun)).body.reconciling).toBeUndefined();
    expect(cloudRun.violations).toEqual([]);
  });

  it('fails an operation that routes traffic to a revision that does not exist', async () => {
    const cloudRun = await emulator({ operationReads: 0 });
    const patch = await call(cloudRun, 'PATCH', `/v2/${SERVICE}?updateMask=traffic`, {
      body: {
        name: SERVICE,
        traffic: [{ revision: 'rev-gone', percent: 100, type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION' }],
      },
    });
    expect(patch.body).toMatchObject({ done: true, error: { code: 13 } });
    expect(patch.body.error.message).toContain("Revision 'rev-gone' does not exist");
    expect(cloudRun.servingRevision()).toBe('rev-b');
    expect((await getService(cloudRun)).body.terminalCondition.state).toBe('CONDITION_FAILED');
    expect(cloudRun.violations).toEqual([]);
  });

  it('answers WaitOperation with the operation run to its end', async () => {
    const cloudRun = await emulator({ operationReads: 3 });
    const patch = await call(cloudRun, 'PATCH', `/v2/${SERVICE}?updateMask=traffic`, {
      body: {
        name: SERVICE,
        traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'rev-a', percent: 100 }],
      },
    });
    const waited = await call(cloudRun, 'POST', `/v2/${patch.body.name}:wait`, { body: { timeout: '30s' } });
    expect(waited.body.done).toBe(true);
    expect(cloudRun.violations).toEqual([]);
  });

  it('advances a deployed revision one step per report and calls onServing before the first ready report', async () => {
    const order: string[] = [];
    const cloudRun = await emulator({
      onServing: async (revision: CloudRunRevisionView, cause) =>
        void order.push(`onServing ${revision.id} ${cause}`),
    });
    const id = cloudRun.deployRevision({
      id: 'rev-c',
      commit: SHA_C,
      steps: ['PENDING', 'RECONCILING', 'SUCCEEDED'],
    });
    for (let i = 0; i < 4; i++) {
      const service = (await getService(cloudRun)).body;
      order.push(`${service.reconciling ? 'reconciling' : 'settled'} ${service.trafficStatuses[0].revision}`);
    }
    const revision = (await call(cloudRun, 'GET', `/v2/${SERVICE}/revisions/${id}`)).body;
    expect(order).toEqual([
      'reconciling rev-b',
      'reconciling rev-b',
      'onServing rev-c deployed',
      'settled rev-c',
      'settled rev-c',
    ]);
    expect(revision).toMatchObject({
      labels: { 'managed-by': 'github-actions', 'commit-sha': SHA_C },
      conditions: [{ type: 'Ready', state: 'CONDITION_SUCCEEDED' }],
      service: 'deploy-sentinel-example',
    });
    expect(cloudRun.violations).toEqual([]);
  });

  it('keeps the old revision serving when the new one fails, and says why in the conditions', async () => {
    const onServing = jest.fn(async () => undefined);
    const cloudRun = await emulator({ onServing });
    cloudRun.deployRevision({ id: 'rev-c', commit: SHA_C, steps: ['RECONCILING', { state: 'FAILED' }] });
    await call(cloudRun, 'GET', `/v2/${SERVICE}/revisions/rev-c`);
    const failed = (await call(cloudRun, 'GET', `/v2/${SERVICE}/revisions/rev-c`)).body;
    expect(failed.conditions[0]).toMatchObject({ type: 'Ready', state: 'CONDITION_FAILED' });
    expect(failed.conditions[0].message).toContain(containerFailedToStartMessage(8080));
    const service = (await getService(cloudRun)).body;
    expect(service).toMatchObject({
      latestCreatedRevision: `${SERVICE}/revisions/rev-c`,
      latestReadyRevision: `${SERVICE}/revisions/rev-b`,
      trafficStatuses: [{ revision: 'rev-b', percent: 100 }],
      terminalCondition: { state: 'CONDITION_FAILED', reason: 'REVISION_FAILED' },
    });
    expect(service.terminalCondition.message).toMatch(
      /^Revision 'rev-c' is not ready and cannot serve traffic\./,
    );
    expect(onServing).not.toHaveBeenCalled();
    expect(cloudRun.violations).toEqual([]);
  });

  it('serves a ready revision without traffic (pinned to the old one) under its tag URL', async () => {
    const onServing = jest.fn(async () => undefined);
    const cloudRun = await emulator({ onServing, serviceUrl: 'https://svc-abc-uc.a.run.app' });
    cloudRun.deployRevision({ id: 'rev-c', commit: SHA_C, traffic: 'none', tag: 'candidate' });
    await getService(cloudRun);
    const service = (await getService(cloudRun)).body;
    expect(service.traffic).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'rev-b', percent: 100 },
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'rev-c', tag: 'candidate' },
    ]);
    expect(service.trafficStatuses).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'rev-b', percent: 100 },
      {
        type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION',
        revision: 'rev-c',
        tag: 'candidate',
        uri: 'https://candidate---svc-abc-uc.a.run.app',
      },
    ]);
    expect(service.latestReadyRevision).toBe(`${SERVICE}/revisions/rev-c`);
    expect(onServing).not.toHaveBeenCalled();
    expect(cloudRun.violations).toEqual([]);
  });

  it('lets a newer revision supersede the one being verified', async () => {
    const cloudRun = await emulator();
    cloudRun.deployRevision({
      id: 'rev-c',
      commit: SHA_C,
      steps: ['RECONCILING', 'RECONCILING', 'SUCCEEDED'],
    });
    await getService(cloudRun);
    cloudRun.deployRevision({ id: 'rev-d', commit: 'd'.repeat(40) });
    const service = (await getService(cloudRun)).body;
    expect(service.latestCreatedRevision).toBe(`${SERVICE}/revisions/rev-d`);
    expect(cloudRun.revisions().map((r) => [r.id, r.state])).toEqual([
      ['rev-d', 'RECONCILING'],
      ['rev-c', 'RECONCILING'],
      ['rev-b', 'SUCCEEDED'],
      ['rev-a', 'SUCCEEDED'],
    ]);
    await getService(cloudRun);
    expect(cloudRun.servingRevision()).toBe('rev-d');
    expect(cloudRun.violations).toEqual([]);
  });

  it('lets someone else move traffic (as in the console), calling onServing for the new revision', async () => {
    const served: string[] = [];
    const cloudRun = await emulator({ onServing: async (revision) => void served.push(revision.id) });
    await cloudRun.setTraffic([{ revision: 'rev-a', percent: 100 }]);
    expect([served, cloudRun.servingRevision()]).toEqual([['rev-a'], 'rev-a']);
    expect((await getService(cloudRun)).body.traffic).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'rev-a', percent: 100 },
    ]);
    expect(cloudRun.violations).toEqual([]);
  });

  it('refuses a template that names an existing revision with ALREADY_EXISTS', async () => {
    const cloudRun = await emulator();
    const service = cloudRun.service();
    const template = { ...(service.template as Json), revision: 'rev-a', containers: [{ image: 'other:1' }] };
    const answer = await call(cloudRun, 'PATCH', `/v2/${SERVICE}`, { body: { ...service, template } });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ status: 'ALREADY_EXISTS' });
    expect(cloudRun.violations).toEqual([]);
  });

  it('creates a revision when UpdateService changes the template, and fails the operation if it fails', async () => {
    const cloudRun = await emulator({
      onTemplateChange: async ({ commit }) => ({
        revisionId: `rev-${commit?.slice(0, 1)}`,
        steps: [{ state: 'FAILED', message: 'boom' }],
      }),
    });
    const service = cloudRun.service();
    const template = structuredClone(service.template) as Json;
    template.labels['commit-sha'] = SHA_C;
    template.containers[0].image = 'us-central1-docker.pkg.dev/p/r/s:ccc';
    const patch = await call(cloudRun, 'PATCH', `/v2/${SERVICE}`, { body: { ...service, template } });
    expect(patch.status).toBe(200);
    const op = await call(cloudRun, 'GET', `/v2/${patch.body.name}`);
    expect(op.body).toMatchObject({
      done: true,
      error: { code: 9, message: expect.stringContaining("Revision 'rev-c'") },
    });
    expect(cloudRun.revision('rev-c')).toMatchObject({ commit: SHA_C, state: 'FAILED', message: 'boom' });
    expect(cloudRun.operations()).toEqual([expect.objectContaining({ done: true, revision: 'rev-c' })]);
    expect(cloudRun.violations).toEqual([]);
  });

  it('keeps Cloud Run and the example service consistent: deploy, then roll back through UpdateService', async () => {
    const app = await startExampleService({ version: SHA_B });
    services.push(app);
    const cloudRun = await emulator({
      serviceUrl: app.url,
      operationReads: 1,
      onServing: (revision) => app.restart({ version: revision.commit }),
    });
    const version = async () =>
      ((await (await fetch(`${app.url}/health`)).json()) as { version: string }).version;
    cloudRun.deployRevision({ id: 'rev-c', commit: SHA_C });
    expect([(await getService(cloudRun)).body.reconciling, await version()]).toEqual([true, SHA_B]);
    expect([(await getService(cloudRun)).body.trafficStatuses[0].revision, await version()]).toEqual([
      'rev-c',
      SHA_C,
    ]);

    const current = (await getService(cloudRun)).body;
    const patch = await call(cloudRun, 'PATCH', `/v2/${SERVICE}?updateMask=traffic`, {
      body: {
        ...current,
        traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'rev-b', percent: 100 }],
      },
    });
    expect(await version()).toBe(SHA_C);
    expect((await call(cloudRun, 'GET', `/v2/${patch.body.name}`)).body.done).toBe(true);
    expect(await version()).toBe(SHA_B);
    expect(cloudRun.violations).toEqual([]);
  });
});

describe('the Cloud Run emulator: Cloud Logging', () => {
  const list = (cloudRun: CloudRunEmulator, body: Json) =>
    call(cloudRun, 'POST', '/v2/entries:list', { body });

  async function withLogs(): Promise<CloudRunEmulator> {
    const cloudRun = await emulator();
    cloudRun.deployRevision({ id: 'rev-c', commit: SHA_C, steps: [{ state: 'FAILED' }] });
    cloudRun.addLogs([
      { log: 'stdout', revision: 'rev-b', text: 'listening on 8080', timestamp: '2026-03-01T09:59:00Z' },
      ...cloudRunLogLines.pythonModuleNotFound('rev-c', { timestamp: '2026-03-01T10:00:01Z' }),
      ...cloudRunLogLines.containerFailedToStart('rev-c', { timestamp: '2026-03-01T10:00:02Z' }),
      {
        log: 'requests',
        revision: 'rev-c',
        severity: 'WARNING',
        json: { message: 'GET /health 503' },
        timestamp: '2026-03-01T10:00:03Z',
      },
    ]);
    return cloudRun;
  }

  it('lists the entries the action’s filter selects, paged, and with the diagnosis lines in them', async () => {
    const cloudRun = await withLogs();
    const filter = [
      'resource.type="cloud_run_revision"',
      'resource.labels.service_name="deploy-sentinel-example"',
      'resource.labels.revision_name="rev-c"',
      'timestamp>="2026-03-01T10:00:00Z" timestamp<="2026-03-01T10:05:00Z"',
      `(log_id("run.googleapis.com/varlog/system") OR logName="${STDERR_LOG}")`,
    ].join(' AND ');
    const texts: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const answer = await list(cloudRun, {
        resourceNames: ['projects/deploy-sentinel'],
        filter,
        orderBy: 'timestamp asc',
        pageSize: 3,
        ...(pageToken && { pageToken }),
      });
      expect(answer.status).toBe(200);
      texts.push(...(answer.body.entries as Json[]).map((entry) => entry.textPayload));
      pageToken = answer.body.nextPageToken;
      pages++;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(texts).toEqual([
      'Traceback (most recent call last):',
      '  File "/app/main.py", line 3, in <module>',
      '    from Back_End.app import app',
      "ModuleNotFoundError: No module named 'Back_End'",
      'Container called exit(1).',
      'Default STARTUP TCP probe failed 1 time consecutively for container "placeholder-1" on port 8080. The instance was not started.',
      `Ready condition status changed to False for Revision rev-c with message: ${containerFailedToStartMessage(8080)}`,
    ]);
    const newest = await list(cloudRun, {
      resourceNames: ['projects/deploy-sentinel'],
      filter: `logName="${SYSTEM_LOG}" AND severity>=ERROR`,
      orderBy: 'timestamp desc',
      pageSize: 1,
    });
    expect(newest.body.entries).toEqual([
      expect.objectContaining({
        logName: SYSTEM_LOG,
        severity: 'ERROR',
        resource: {
          type: 'cloud_run_revision',
          labels: expect.objectContaining({
            service_name: 'deploy-sentinel-example',
            revision_name: 'rev-c',
          }),
        },
        textPayload: expect.stringMatching(/^Ready condition status changed to False/),
      }),
    ]);
    expect(cloudRun.violations).toEqual([]);
  });

  it('may answer an empty page with a nextPageToken, as Cloud Logging documents', async () => {
    const cloudRun = await withLogs();
    cloudRun.emptyLogPagesNext(1);
    const body = { resourceNames: ['projects/deploy-sentinel'], filter: 'severity>=WARNING' };
    const empty = await list(cloudRun, body);
    expect(empty.body.entries).toBeUndefined();
    const next = await list(cloudRun, { ...body, pageToken: empty.body.nextPageToken });
    expect(next.body.entries.length).toBeGreaterThan(0);
    const changed = await list(cloudRun, {
      ...body,
      filter: 'severity>=ERROR',
      pageToken: empty.body.nextPageToken,
    });
    expect(changed.status).toBe(400);
    expect(cloudRun.violations).toEqual([expect.stringContaining('pageToken came with other parameters')]);
  });

  it('refuses filters outside the evaluated part, and a logName whose log ID is not URL-encoded', async () => {
    const cloudRun = await withLogs();
    const filters = [
      'textPayload=~"Module.*"',
      'SEARCH("Back_End")',
      '"Back_End"',
      'httpRequest.status>=500',
      'logName="projects/deploy-sentinel/logs/run.googleapis.com/stderr"',
      'resource.type="cloud_run_revision" AND (',
    ];
    for (const filter of filters) {
      const answer = await list(cloudRun, { resourceNames: ['projects/deploy-sentinel'], filter });
      expect(answer.status).toBe(400);
    }
    expect(cloudRun.violations).toHaveLength(filters.length);
    expect(cloudRun.violations[4]).toContain('must be URL-encoded');
  });

  it('checks orderBy, pageSize and resourceNames as the Logging API does', async () => {
    const cloudRun = await withLogs();
    expect(
      (await list(cloudRun, { resourceNames: ['projects/deploy-sentinel'], orderBy: 'severity' })).status,
    ).toBe(400);
    expect(
      (await list(cloudRun, { resourceNames: ['projects/deploy-sentinel'], pageSize: 1001 })).status,
    ).toBe(400);
    expect((await list(cloudRun, { resourceNames: ['projects/other'] })).status).toBe(403);
    expect((await list(cloudRun, {})).status).toBe(400);
    expect(cloudRun.violations).toEqual([
      expect.stringContaining('orderBy "severity"'),
      expect.stringContaining('pageSize 1001'),
      expect.stringContaining('resourceNames: is required'),
    ]);
  });
});

describe('the logging filter evaluator', () => {
  const entry = (fields: Json) => ({
    logName: SYSTEM_LOG,
    resource: { type: 'cloud_run_revision', labels: { service_name: 'svc', revision_name: 'svc-1' } },
    timestamp: '2026-03-01T10:00:00Z',
    severity: 'ERROR',
    textPayload: 'Container called exit(1).',
    ...fields,
  });
  const matches = (filter: string, fields: Json = {}) => {
    const compiled = compileFilter(filter);
    if (!compiled.ok) throw new Error(compiled.problem);
    return compiled.matches(entry(fields));
  };

  it('gives OR precedence over AND, as the Logging query language does', () => {
    // (a OR NOT b) AND (NOT c OR d), with a false, b false, c true, d false: false.
    const filter =
      'severity=INFO OR NOT textPayload:"nothing" AND NOT resource.type="cloud_run_revision" OR severity=DEBUG';
    expect(matches(filter)).toBe(false);
    expect(matches('resource.labels.service_name="svc" resource.labels.revision_name="svc-1"')).toBe(true);
    expect(matches('resource.labels.service_name="svc" -resource.labels.revision_name="svc-1"')).toBe(false);
  });

  it('compares times as instants, severities in order, and text without case', () => {
    expect(matches('timestamp>="2026-03-01T09:00:00-02:00"')).toBe(false);
    expect(matches('timestamp>"2026-03-01T09:59:59.999Z" AND timestamp<=2026-03-01T10:00:00Z')).toBe(true);
    expect(matches('severity>=WARNING')).toBe(true);
    expect(matches('severity<ERROR')).toBe(false);
    expect(matches('textPayload:"CONTAINER CALLED"')).toBe(true);
    expect(matches('log_id("run.googleapis.com/varlog/system")')).toBe(true);
    expect(matches('log_id("run.googleapis.com/stderr")')).toBe(false);
    expect(matches('')).toBe(true);
  });

  it('tells a syntax error from a valid filter outside the evaluated part', () => {
    expect(compileFilter('severity>=LOUD')).toMatchObject({ ok: false, syntax: true });
    expect(compileFilter('(severity>=ERROR')).toMatchObject({ ok: false, syntax: true });
    expect(compileFilter('timestamp>="yesterday"')).toMatchObject({ ok: false, syntax: true });
    expect(compileFilter('operation.id="x"')).toMatchObject({ ok: false, syntax: false });
    expect(compileFilter('sample(insertId, 0.1)')).toMatchObject({ ok: false, syntax: false });
  });
});

describe('the Cloud Run emulator: token endpoints with google-auth-library', () => {
  // google-auth-library warns that `keyFilename` is deprecated and that credential files are not validated;
  // reading a credentials file is exactly what these tests exercise.
  beforeEach(() => {
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('refreshes an authorized_user credential into a token the APIs accept', async () => {
    const cloudRun = await emulator({
      tokens: [],
      authorizedUsers: [
        {
          clientId: 'client-1.apps.googleusercontent.com',
          clientSecret: 'secret-1',
          refreshToken: '1//refresh-1',
        },
      ],
    });
    const file = join(tempDir(), 'adc.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'authorized_user',
        client_id: 'client-1.apps.googleusercontent.com',
        client_secret: 'secret-1',
        refresh_token: '1//refresh-1',
      }),
    );
    // google-auth-library ignores the file's token_uri for authorized_user: the endpoint is a client option.
    const auth = new GoogleAuth({
      keyFilename: file,
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      clientOptions: { endpoints: { oauth2TokenUrl: cloudRun.tokenUrl } },
    });
    const token = await auth.getAccessToken();
    expect(token).toMatch(/^ya29\./);
    expect((await call(cloudRun, 'GET', `/v2/${SERVICE}`, { token })).status).toBe(200);
    expect(cloudRun.requests.map((r) => [r.operation, r.status, r.principal])).toEqual([
      ['oauth2.token', 200, 'user:tester@example.com'],
      ['google.cloud.run.v2.Services.GetService', 200, 'user:tester@example.com'],
    ]);
    expect(cloudRun.requests[0]!.body).toEqual({
      grant_type: 'refresh_token',
      client_id: 'client-1.apps.googleusercontent.com',
      client_secret: '***',
      refresh_token: '***',
    });
    expect(cloudRun.violations).toEqual([]);
  });

  it('exchanges a workload identity subject token at STS, then impersonates a service account', async () => {
    const audience =
      '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/providers/github';
    const oidc = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"repo:octo-org/app:ref:refs/heads/main"}').toString('base64url')}.sig`;
    const cloudRun = await emulator({
      tokens: [],
      workloadIdentity: [{ audience, subjectTokens: [oidc] }],
      serviceAccounts: [{ email: 'deployer@deploy-sentinel.iam.gserviceaccount.com' }],
    });
    const dir = tempDir();
    writeFileSync(join(dir, 'oidc-token'), oidc);
    const file = join(dir, 'external-account.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'external_account',
        audience,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: cloudRun.stsUrl,
        service_account_impersonation_url: cloudRun.impersonationUrl(
          'deployer@deploy-sentinel.iam.gserviceaccount.com',
        ),
        credential_source: { file: join(dir, 'oidc-token'), format: { type: 'text' } },
      }),
    );
    const auth = new GoogleAuth({
      keyFilename: file,
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    });
    const token = await auth.getAccessToken();
    expect((await call(cloudRun, 'GET', `/v2/${SERVICE}`, { token: token! })).status).toBe(200);
    expect(cloudRun.requests.map((r) => [r.operation, r.status, r.principal])).toEqual([
      [
        'sts.token',
        200,
        'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/subject/repo:octo-org/app:ref:refs/heads/main',
      ],
      [
        'iamcredentials.generateAccessToken',
        200,
        'serviceAccount:deployer@deploy-sentinel.iam.gserviceaccount.com',
      ],
      [
        'google.cloud.run.v2.Services.GetService',
        200,
        'serviceAccount:deployer@deploy-sentinel.iam.gserviceaccount.com',
      ],
    ]);
    expect(cloudRun.requests[0]!.body).toMatchObject({ subject_token: '***', audience });
    expect(cloudRun.requests[1]!.body).toEqual({
      scope: ['https://www.googleapis.com/auth/cloud-platform'],
      lifetime: '3600s',
    });
    expect(cloudRun.violations).toEqual([]);
  });

  it('answers STS with OAuth’s error for an audience it does not know', async () => {
    const cloudRun = await emulator({ tokens: [] });
    const dir = tempDir();
    writeFileSync(join(dir, 'oidc-token'), 'header.payload.sig');
    const file = join(dir, 'external-account.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'external_account',
        audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/x/providers/y',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: cloudRun.stsUrl,
        credential_source: { file: join(dir, 'oidc-token') },
      }),
    );
    const auth = new GoogleAuth({
      keyFilename: file,
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    });
    await expect(auth.getAccessToken()).rejects.toThrow(/invalid_target/);
    expect(cloudRun.violations).toEqual([]);
  });

  it('serves the JWT bearer grant of a service account key, checking the signature', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const email = 'ci@deploy-sentinel.iam.gserviceaccount.com';
    const cloudRun = await emulator({
      tokens: [],
      serviceAccounts: [
        { email, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      ],
    });
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({
      iss: email,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: cloudRun.tokenUrl,
      iat: now,
      exp: now + 3600,
    })}`;
    const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
    const grant = (assertion: string) =>
      fetch(cloudRun.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      });
    const good = (await (await grant(`${unsigned}.${signature}`)).json()) as { access_token: string };
    expect((await call(cloudRun, 'GET', `/v2/${SERVICE}`, { token: good.access_token })).status).toBe(200);
    const forged = await grant(`${unsigned}.${Buffer.from('forged').toString('base64url')}`);
    expect([forged.status, await forged.json()]).toEqual([
      400,
      { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    ]);
    expect(cloudRun.violations).toEqual([]);
  });

  it('reports a token request that is not a form', async () => {
    const cloudRun = await emulator();
    const answer = await fetch(cloudRun.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token' }),
    });
    expect(answer.status).toBe(400);
    expect(cloudRun.violations).toEqual([
      expect.stringContaining('oauth2.token the body must be application/x-www-form-urlencoded'),
      expect.stringContaining('grant_type undefined is not one the emulator serves'),
    ]);
  });
});
