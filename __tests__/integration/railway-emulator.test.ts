import { afterEach, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GraphQLEnumType, parse, validate } from 'graphql';
import { WebSocket as WsSocket } from 'ws';
import { startExampleService, type ExampleService } from '../../test-kit/example-service.js';
import {
  DEPLOYMENT_STATUSES,
  loadRailwaySchema,
  RAILWAY_OPERATIONS_URL,
  type RailwayDeploymentSpec,
  type RailwayEmulator,
  type RailwayEmulatorOptions,
  startRailwayEmulator,
} from '../../test-kit/emulators/railway-emulator.js';

const TOKEN = 'railway-emulator-test-token';
const PROJECT_ID = 'proj-emulatortest-0001';
const SERVICE_ID = 'srv-emulatortest-0001';
const ENV_ID = 'env-production-0001';
const PR_ENV_ID = 'env-pr-42-0001';
const OPERATIONS_DIR = fileURLToPath(RAILWAY_OPERATIONS_URL);

const emulators: RailwayEmulator[] = [];
const services: ExampleService[] = [];
const clients: WsClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await Promise.all([
    ...emulators.splice(0).map((e) => e.close()),
    ...services.splice(0).map((s) => s.stop()),
  ]);
});

const sha = (index: number) => `${index}`.repeat(40).slice(0, 40);
const depId = (index: number) => `dep-history-${String(index).padStart(4, '0')}`;

/** Deployments an hour apart, oldest first: the newest SUCCESS, the rest REMOVED. */
function history(count: number): RailwayDeploymentSpec[] {
  return Array.from({ length: count }, (_, index) => ({
    id: depId(index),
    status: index === count - 1 ? 'SUCCESS' : 'REMOVED',
    createdAt: new Date(Date.UTC(2026, 0, 1, index)).toISOString(),
    commitHash: sha(index),
    commitMessage: `commit ${index}`,
  }));
}

async function emulator(options: Partial<RailwayEmulatorOptions> = {}): Promise<RailwayEmulator> {
  const started = await startRailwayEmulator({
    token: TOKEN,
    projectId: PROJECT_ID,
    serviceId: SERVICE_ID,
    environmentId: ENV_ID,
    domain: 'deploy-sentinel-example-production.up.railway.app',
    environments: [
      {
        id: PR_ENV_ID,
        name: 'deploy-sentinel-pr-42',
        isEphemeral: true,
        meta: {
          prNumber: 42,
          prTitle: 'Add notes',
          prRepo: 'example/deploy-sentinel-example',
          branch: 'notes',
        },
        domain: 'deploy-sentinel-example-pr-42.up.railway.app',
      },
    ],
    deployments: history(3),
    ...options,
  });
  emulators.push(started);
  return started;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: Record<string, unknown> | null; errors?: { message: string }[] };
}

type Credential = { token?: string | null; header?: 'Authorization' | 'Project-Access-Token' };

/** A GraphQL POST as a client sends it: Bearer token by default. */
async function gql(
  railway: RailwayEmulator,
  query: string,
  variables?: Record<string, unknown>,
  credential: Credential = {},
): Promise<Answer> {
  const token = credential.token === undefined ? TOKEN : credential.token;
  const auth: Record<string, string> =
    token === null
      ? {}
      : credential.header === 'Project-Access-Token'
        ? { 'Project-Access-Token': token }
        : { Authorization: `Bearer ${token}` };
  const response = await fetch(railway.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...auth },
    body: JSON.stringify({ query, ...(variables && { variables }) }),
  });
  const text = await response.text();
  let body: Answer['body'] = {};
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    // Left empty: the test looks at `text`.
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** `data` of a successful answer, typed loosely for assertions. */
async function data<T = Record<string, unknown>>(
  railway: RailwayEmulator,
  query: string,
  variables?: Record<string, unknown>,
  credential?: Credential,
): Promise<T> {
  const answer = await gql(railway, query, variables, credential);
  expect(answer.body.errors).toBeUndefined();
  expect(answer.status).toBe(200);
  return answer.body.data as T;
}

const operation = (path: string) => readFileSync(join(OPERATIONS_DIR, path), 'utf8');

interface WsMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

/** A graphql-transport-ws client on `ws`, collecting every message; waits are event-driven, no timers. */
class WsClient {
  readonly messages: WsMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters: (() => void)[] = [];

  private constructor(readonly socket: WsSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as WsMessage);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
  }

  static open(
    railway: RailwayEmulator,
    options: { protocols?: string[]; headers?: Record<string, string> } = {},
  ): Promise<WsClient> {
    const socket = new WsSocket(railway.wsUrl, options.protocols ?? ['graphql-transport-ws'], {
      headers: options.headers,
    });
    const client = new WsClient(socket);
    clients.push(client);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: ${response.statusCode}`)),
      );
    });
  }

  send(message: WsMessage): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Resolves with the first message that matches, or undefined once the socket closed without one. */
  async until(predicate: (message: WsMessage) => boolean): Promise<WsMessage | undefined> {
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (this.socket.readyState === this.socket.CLOSED) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async init(payload?: Record<string, unknown>): Promise<void> {
    this.send({ type: 'connection_init', ...(payload && { payload }) });
    expect(await this.until((m) => m.type === 'connection_ack')).toBeDefined();
  }

  subscribe(id: string, query: string, variables?: Record<string, unknown>): void {
    this.send({ id, type: 'subscribe', payload: { query, ...(variables && { variables }) } });
  }

  /** The `next` payloads of operation `id` so far. */
  results(id: string): { data?: Record<string, unknown> | null; errors?: { message: string }[] }[] {
    return this.messages
      .filter((m) => m.id === id && m.type === 'next')
      .map((m) => m.payload as { data?: Record<string, unknown> | null });
  }

  statuses(id: string): string[] {
    return this.results(id).map((r) => (r.data?.deployment as { status: string }).status);
  }

  /** Waits until operation `id` has `count` results (or ended). */
  async nextCount(id: string, count: number): Promise<void> {
    await this.until(
      () => this.results(id).length >= count || this.messages.some((m) => m.id === id && m.type !== 'next'),
    );
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

const SUBSCRIBE_DEPLOYMENT = operation('subscriptions/Deployment.graphql');

async function subscribeToDeployment(railway: RailwayEmulator, id: string, auth?: Record<string, unknown>) {
  const client = await WsClient.open(railway);
  await client.init(auth ?? { Authorization: `Bearer ${TOKEN}` });
  client.subscribe('1', SUBSCRIBE_DEPLOYMENT, { id });
  return client;
}

describe('Railway emulator: the contract', () => {
  const files = readdirSync(OPERATIONS_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.graphql'))
    .sort();

  it('finds all 19 operations of the spec', () => {
    expect(files).toHaveLength(19);
  });

  it.each(files)('validates the spec operation %s against the schema', (file) => {
    expect(validate(loadRailwaySchema(), parse(operation(file))).map((e) => e.message)).toEqual([]);
  });

  it('knows all 13 deployment statuses of the schema', () => {
    const statusType = loadRailwaySchema().getType('DeploymentStatus') as GraphQLEnumType;
    expect(
      statusType
        .getValues()
        .map((value) => value.name)
        .sort(),
    ).toEqual([...DEPLOYMENT_STATUSES].sort());
  });
});

describe('Railway emulator: a valid session', () => {
  it('answers the spec queries from scenario state without a violation', async () => {
    const railway = await emulator();

    const listed = await data<{
      deployments: { edges: { node: { id: string; status: string; meta: unknown } }[] };
    }>(railway, operation('queries/Deployments.graphql'), {
      input: { serviceId: SERVICE_ID, environmentId: ENV_ID },
      first: 10,
    });
    expect(listed.deployments.edges.map((edge) => [edge.node.id, edge.node.status])).toEqual([
      [depId(2), 'SUCCESS'],
      [depId(1), 'REMOVED'],
      [depId(0), 'REMOVED'],
    ]);
    expect(listed.deployments.edges[0]?.node.meta).toEqual({
      repo: 'example/deploy-sentinel-example',
      branch: 'main',
      commitHash: sha(2),
      commitMessage: 'commit 2',
    });

    expect(await data(railway, operation('queries/DeploymentStatus.graphql'), { id: depId(1) })).toEqual({
      deployment: { status: 'REMOVED' },
    });
    expect(
      await data(railway, operation('queries/LatestDeployment.graphql'), {
        serviceId: SERVICE_ID,
        environmentId: ENV_ID,
      }),
    ).toEqual({ serviceInstance: { latestDeployment: { id: depId(2), status: 'SUCCESS' } } });

    const domains = await data<{ domains: { serviceDomains: { domain: string; syncStatus: string }[] } }>(
      railway,
      operation('queries/Domains.graphql'),
      { environmentId: PR_ENV_ID, projectId: PROJECT_ID, serviceId: SERVICE_ID },
    );
    expect(domains.domains.serviceDomains).toEqual([
      expect.objectContaining({
        domain: 'deploy-sentinel-example-pr-42.up.railway.app',
        syncStatus: 'ACTIVE',
      }),
    ]);

    const prs = await data<{
      environments: { edges: { node: { id: string; meta: { prNumber: number; branch: string } } }[] };
    }>(railway, operation('queries/Environments.graphql'), { projectId: PROJECT_ID, isEphemeral: true });
    expect(
      prs.environments.edges.map((edge) => [edge.node.id, edge.node.meta.prNumber, edge.node.meta.branch]),
    ).toEqual([[PR_ENV_ID, 42, 'notes']]);

    const instances = await data<{
      environment: {
        serviceInstances: { edges: { node: { serviceName: string; latestDeployment: { id: string } } }[] };
      };
    }>(railway, operation('queries/EnvironmentInstances.graphql'), {
      environmentId: ENV_ID,
      projectId: PROJECT_ID,
    });
    expect(instances.environment.serviceInstances.edges[0]?.node).toMatchObject({
      serviceName: 'deploy-sentinel-example',
      latestDeployment: { id: depId(2) },
    });

    const project = await data<{ project: { services: { edges: { node: { id: string } }[] } } }>(
      railway,
      operation('queries/Project.graphql'),
      { id: PROJECT_ID },
    );
    expect(project.project.services.edges.map((edge) => edge.node.id)).toEqual([SERVICE_ID]);
    expect(
      await data(railway, operation('queries/ServiceInstance.graphql'), {
        environmentId: ENV_ID,
        serviceId: SERVICE_ID,
      }),
    ).toEqual({ serviceInstance: { id: expect.any(String) } });

    expect(railway.violations).toEqual([]);
    expect(railway.requests.map((r) => r.operationName)).toEqual([
      'Deployments',
      'DeploymentStatus',
      'LatestDeployment',
      'Domains',
      'Environments',
      'EnvironmentInstances',
      'Project',
      'ServiceInstance',
    ]);
  });

  it('serves a service instance with its domains, health check path, source and active deployment', async () => {
    const railway = await emulator();
    const answer = await data<{ serviceInstance: Record<string, unknown> }>(
      railway,
      `query ($e: String!, $s: String!) {
        serviceInstance(environmentId: $e, serviceId: $s) {
          serviceName healthcheckPath source { repo image }
          latestDeployment { id canRollback staticUrl deploymentStopped instances { status } }
          activeDeployments { id status }
          domains { serviceDomains { domain suffix targetPort } customDomains { domain } }
        }
      }`,
      { e: ENV_ID, s: SERVICE_ID },
    );
    expect(answer.serviceInstance).toEqual({
      serviceName: 'deploy-sentinel-example',
      healthcheckPath: '/health',
      source: { repo: 'example/deploy-sentinel-example', image: null },
      latestDeployment: {
        id: depId(2),
        canRollback: true,
        staticUrl: 'deploy-sentinel-example-production.up.railway.app',
        deploymentStopped: false,
        instances: [{ status: 'RUNNING' }],
      },
      activeDeployments: [{ id: depId(2), status: 'SUCCESS' }],
      domains: {
        serviceDomains: [
          {
            domain: 'deploy-sentinel-example-production.up.railway.app',
            suffix: 'up.railway.app',
            targetPort: 8080,
          },
        ],
        customDomains: [],
      },
    });
    expect(railway.violations).toEqual([]);
  });

  it('serves environment, project and deploymentEvents, the last as a connection of steps', async () => {
    const railway = await emulator();
    railway.addEvents(depId(2), [
      { step: 'BUILD_IMAGE', completedAt: '2026-01-01T02:01:00.000Z' },
      { step: 'HEALTHCHECK', payload: { error: 'service unavailable', attempt: 3, maxAttempts: 3 } },
    ]);
    const answer = await data<Record<string, Record<string, unknown>>>(
      railway,
      `query ($pr: String!, $dep: String!, $project: String!) {
        environment(id: $pr) { name isEphemeral sourceEnvironment { id } meta { prNumber prRepo baseBranch } }
        project(id: $project) { prDeploys environments(isEphemeral: false) { edges { node { id } } } }
        deploymentEvents(id: $dep, first: 5) {
          edges { node { step completedAt payload { error attempt maxAttempts reason } } }
          pageInfo { hasNextPage }
        }
      }`,
      { pr: PR_ENV_ID, dep: depId(2), project: PROJECT_ID },
    );
    expect(answer.environment).toEqual({
      name: 'deploy-sentinel-pr-42',
      isEphemeral: true,
      sourceEnvironment: { id: ENV_ID },
      meta: { prNumber: 42, prRepo: 'example/deploy-sentinel-example', baseBranch: null },
    });
    expect(answer.project).toEqual({ prDeploys: true, environments: { edges: [{ node: { id: ENV_ID } }] } });
    expect(answer.deploymentEvents).toEqual({
      edges: [
        { node: { step: 'BUILD_IMAGE', completedAt: '2026-01-01T02:01:00.000Z', payload: null } },
        {
          node: {
            step: 'HEALTHCHECK',
            completedAt: null,
            payload: { error: 'service unavailable', attempt: 3, maxAttempts: 3, reason: null },
          },
        },
      ],
      pageInfo: { hasNextPage: false },
    });
    expect(railway.violations).toEqual([]);
  });

  it('answers an unknown deployment with a GraphQL error on 200, which is Railway behaving as documented', async () => {
    const railway = await emulator();
    const answer = await gql(railway, 'query { deployment(id: "nope") { id } }');
    expect([answer.status, answer.body.data, answer.body.errors?.map((e) => e.message)]).toEqual([
      200,
      null,
      ['Deployment not found'],
    ]);
    expect(railway.violations).toEqual([]);
  });

  it('sends X-RateLimit headers on every response and answers 429 with Retry-After past the limit', async () => {
    const railway = await emulator({ rateLimit: { limit: 2 } });
    const query = 'query { deployment(id: "dep-history-0002") { id } }';
    const answers = [await gql(railway, query), await gql(railway, query), await gql(railway, query)];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers.map((a) => a.headers.get('X-RateLimit-Remaining'))).toEqual(['1', '0', '0']);
    expect(answers[0]?.headers.get('X-RateLimit-Limit')).toBe('2');
    const reset = Number(answers[0]?.headers.get('X-RateLimit-Reset'));
    expect(reset * 1000).toBeGreaterThan(Date.now());
    expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 3_601_000);
    expect(Number(answers[2]?.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(answers[0]?.headers.get('Retry-After')).toBeNull();
    expect(railway.violations).toEqual([]);
  });
});

describe('Railway emulator: invalid operations', () => {
  it.each([
    [
      'an unknown field',
      'query { deployment(id: "x") { id commit } }',
      'Cannot query field "commit" on type "Deployment"',
    ],
    [
      'a selection on deploymentRollback, which returns a Boolean',
      'mutation { deploymentRollback(id: "x") { id status } }',
      'Field "deploymentRollback" must not have a selection since type "Boolean!" has no subfields',
    ],
    [
      'a missing required argument',
      'query { serviceInstance(serviceId: "s") { id } }',
      'Argument "Query.serviceInstance(environmentId:)" of type "String!" is required',
    ],
    [
      'the docs’ status filter that the schema lacks',
      'query { deployments(input: { status: { successfulOnly: true } }) { edges { cursor } } }',
      'Expected value of type "DeploymentStatusInput" not to include unknown field "successfulOnly"',
    ],
    ['a syntax error', 'query { deployment(id: "x") { id }', 'Syntax Error'],
  ])('answers %s with errors on 200 and records a violation', async (_, query, message) => {
    const railway = await emulator();
    const answer = await gql(railway, query);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors?.map((e) => e.message).join('\n')).toContain(message);
    expect(railway.violations).toEqual([expect.stringContaining(message)]);
    // Nothing was executed.
    expect(railway.deployments()).toHaveLength(3);
  });

  it('records variables that do not coerce, and can answer invalid operations with 400', async () => {
    const railway = await emulator({ validationErrorStatus: 400 });
    const answer = await gql(railway, operation('queries/Deployments.graphql'), {
      input: { serviceId: SERVICE_ID },
      first: 'ten',
    });
    expect(answer.status).toBe(400);
    expect(railway.violations).toEqual([
      expect.stringMatching(/^http Deployments: cannot execute: Variable "\$first" has invalid value/),
    ]);
  });

  it('records a subscription sent over HTTP', async () => {
    const railway = await emulator();
    const answer = await gql(railway, SUBSCRIBE_DEPLOYMENT, { id: depId(2) });
    expect(answer.status).toBe(400);
    expect(railway.violations).toEqual([expect.stringContaining('subscription sent over HTTP')]);
  });

  it.each([
    ['GET', undefined, 'application/json', 405, 'takes POST'],
    ['POST', '{"query":', 'application/json', 400, 'the body is not JSON'],
    ['POST', '{"query":"{ me { id } }"}', 'text/plain', 415, 'is not application/json'],
    ['POST', '[{"query":"{ me { id } }"}]', 'application/json', 400, 'with a string query'],
  ])(
    'answers a %s with body %s (%s) with %i and a violation',
    async (method, body, type, status, problem) => {
      const railway = await emulator();
      const response = await fetch(railway.url, {
        method,
        headers: { 'Content-Type': type, Authorization: `Bearer ${TOKEN}` },
        body,
      });
      expect(response.status).toBe(status);
      expect(railway.violations).toEqual([expect.stringContaining(problem)]);
    },
  );

  it('answers another path with 404 and a violation', async () => {
    const railway = await emulator();
    const response = await fetch(railway.url.replace('/graphql/v2', '/graphql'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"query":"{ me { id } }"}',
    });
    expect(response.status).toBe(404);
    expect(railway.violations).toEqual([expect.stringContaining("is not Railway's GraphQL endpoint")]);
  });

  it('records a field the schema has but the emulator does not emulate', async () => {
    const railway = await emulator();
    const answer = await gql(railway, `query { project(id: "${PROJECT_ID}") { name subscriptionType } }`);
    expect(answer.body.errors?.map((e) => e.message)).toEqual([
      'the Railway emulator does not emulate Project.subscriptionType',
    ]);
    expect(railway.violations).toEqual([
      expect.stringContaining('does not emulate Project.subscriptionType'),
    ]);
  });
});

describe('Railway emulator: logs', () => {
  async function withLogs() {
    const railway = await emulator();
    railway.addLogs(
      depId(2),
      'deploy',
      Array.from({ length: 10 }, (_, index) => ({
        message: `line ${index}`,
        timestamp: new Date(Date.UTC(2026, 0, 1, 2, 1, index)).toISOString(),
        severity: index === 7 ? 'error' : 'info',
      })),
    );
    return railway;
  }
  const messages = (answer: { deploymentLogs: { message: string }[] }) =>
    answer.deploymentLogs.map((l) => l.message);

  it('returns limit + 1 lines, the newest ones, in time order (the quirk the CLI trims)', async () => {
    const railway = await withLogs();
    const answer = await data<{ deploymentLogs: { message: string; timestamp: string }[] }>(
      railway,
      operation('queries/DeploymentLogs.graphql'),
      { deploymentId: depId(2), limit: 3 },
    );
    expect(messages(answer)).toEqual(['line 6', 'line 7', 'line 8', 'line 9']);
    expect(answer.deploymentLogs[0]?.timestamp).toBe('2026-01-01T02:01:06.000000000Z');
    expect(railway.violations).toEqual([]);
  });

  it('returns the oldest limit + 1 lines from a startDate, and everything without a limit', async () => {
    const railway = await withLogs();
    const fromStart = await data<{ deploymentLogs: { message: string }[] }>(
      railway,
      operation('queries/DeploymentLogs.graphql'),
      { deploymentId: depId(2), limit: 1, startDate: '2026-01-01T02:01:04Z' },
    );
    expect(messages(fromStart)).toEqual(['line 4', 'line 5']);
    const all = await data<{ deploymentLogs: { message: string }[] }>(
      railway,
      operation('queries/DeploymentLogs.graphql'),
      {
        deploymentId: depId(2),
        endDate: '2026-01-01T02:01:02Z',
      },
    );
    expect(messages(all)).toEqual(['line 0', 'line 1', 'line 2']);
  });

  it('filters by @level, phrase and negation, and records filters it does not emulate', async () => {
    const railway = await withLogs();
    const query = operation('queries/DeploymentLogs.graphql');
    const filtered = async (filter: string) =>
      messages(await data(railway, query, { deploymentId: depId(2), filter }));
    expect(await filtered('@level:error')).toEqual(['line 7']);
    expect(await filtered('"line 3"')).toEqual(['line 3']);
    expect(await filtered('line -"line 1" -@level:error')).toEqual([
      'line 0',
      'line 2',
      'line 3',
      'line 4',
      'line 5',
      'line 6',
      'line 8',
      'line 9',
    ]);
    expect(railway.violations).toEqual([]);
    const answer = await gql(railway, query, { deploymentId: depId(2), filter: 'a OR b' });
    expect(answer.body.errors).toHaveLength(1);
    expect(railway.violations).toEqual([expect.stringContaining('uses OR, not emulated')]);
  });

  it('keeps build logs apart and tags each line with its deployment', async () => {
    const railway = await withLogs();
    railway.addLogs(depId(2), 'build', [
      { message: "ModuleNotFoundError: No module named 'app'", attributes: { stage: 'build' } },
    ]);
    const answer = await data<{ buildLogs: { message: string; attributes: unknown; tags: unknown }[] }>(
      railway,
      `query ($id: String!) { buildLogs(deploymentId: $id, limit: 500) {
        message attributes { key value } tags { deploymentId serviceId environmentId } } }`,
      { id: depId(2) },
    );
    expect(answer.buildLogs).toEqual([
      {
        message: "ModuleNotFoundError: No module named 'app'",
        attributes: [{ key: 'stage', value: 'build' }],
        tags: { deploymentId: depId(2), serviceId: SERVICE_ID, environmentId: ENV_ID },
      },
    ]);
  });
});

describe('Railway emulator: pagination', () => {
  it('pages deployments newest first by endCursor while hasNextPage', async () => {
    const railway = await emulator({ deployments: history(7) });
    const seen: string[] = [];
    const sizes: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await data<{
        deployments: {
          edges: { cursor: string; node: { id: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      }>(
        railway,
        `query ($after: String) { deployments(input: { serviceId: "${SERVICE_ID}" }, first: 3, after: $after) {
          edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
        after ? { after } : {},
      );
      sizes.push(page.deployments.edges.length);
      seen.push(...page.deployments.edges.map((edge) => edge.node.id));
      expect(page.deployments.pageInfo.endCursor).toBe(page.deployments.edges.at(-1)?.cursor);
      if (!page.deployments.pageInfo.hasNextPage) break;
      after = page.deployments.pageInfo.endCursor;
    }
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(
      history(7)
        .map((d) => d.id)
        .reverse(),
    );
    expect(railway.violations).toEqual([]);
  });

  it('filters by status in and notIn, and by environment', async () => {
    const railway = await emulator();
    railway.addDeployment({
      id: 'dep-pr',
      status: 'FAILED',
      createdAt: '2026-01-02T00:00:00Z',
      environmentId: PR_ENV_ID,
    });
    const ids = async (input: string) =>
      (
        await data<{ deployments: { edges: { node: { id: string } }[] } }>(
          railway,
          `query { deployments(input: ${input}) { edges { node { id } } } }`,
        )
      ).deployments.edges.map((edge) => edge.node.id);
    expect(await ids('{ status: { in: [SUCCESS] } }')).toEqual([depId(2)]);
    expect(await ids(`{ environmentId: "${ENV_ID}", status: { notIn: [SUCCESS] } }`)).toEqual([
      depId(1),
      depId(0),
    ]);
    expect(await ids(`{ environmentId: "${PR_ENV_ID}" }`)).toEqual(['dep-pr']);
    expect(await ids('{ serviceId: "srv-other" }')).toEqual([]);
    expect(railway.violations).toEqual([]);
  });

  it('rejects a cursor it never issued', async () => {
    const railway = await emulator();
    const answer = await gql(
      railway,
      `query { deployments(input: {}, first: 1, after: "bm9wZQ==") { edges { cursor } } }`,
    );
    expect(answer.body.errors?.[0]?.message).toBe('Invalid cursor: bm9wZQ==');
    expect(railway.violations).toEqual([expect.stringContaining('was not issued by this emulator')]);
  });
});

describe('Railway emulator: authentication', () => {
  const ME = 'query { me { id email } }';
  const PROJECT_TOKEN = 'query { projectToken { projectId environmentId } }';

  it('takes an account token as Bearer: me works, projectToken does not', async () => {
    const railway = await emulator();
    expect(await data(railway, ME)).toEqual({ me: { id: expect.any(String), email: 'tester@example.com' } });
    const answer = await gql(railway, PROJECT_TOKEN);
    expect(answer.body.errors?.map((e) => e.message)).toEqual(['Project Token not found']);
    expect(railway.violations).toEqual([]);
  });

  it.each([
    ['no token', { token: null }],
    ['a wrong token', { token: 'wrong' }],
    ['the account token in the project-token header', { header: 'Project-Access-Token' as const }],
  ])('answers %s with Not Authorized on 200', async (_, credential) => {
    const railway = await emulator();
    const answer = await gql(
      railway,
      `query { deployment(id: "${depId(2)}") { id } }`,
      undefined,
      credential,
    );
    expect([answer.status, answer.body.data, answer.body.errors?.map((e) => e.message)]).toEqual([
      200,
      null,
      ['Not Authorized'],
    ]);
    expect(railway.violations).toEqual([]);
  });

  it('takes a project token as Project-Access-Token, scoped to its environment', async () => {
    const railway = await emulator({ tokenKind: 'project' });
    const header = { header: 'Project-Access-Token' as const };
    expect(await data(railway, PROJECT_TOKEN, undefined, header)).toEqual({
      projectToken: { projectId: PROJECT_ID, environmentId: ENV_ID },
    });
    expect((await gql(railway, ME, undefined, header)).body.errors?.[0]?.message).toBe('Not Authorized');
    expect((await gql(railway, PROJECT_TOKEN)).body.errors?.[0]?.message).toBe('Not Authorized');
    const other = await gql(railway, `query { environment(id: "${PR_ENV_ID}") { id } }`, undefined, header);
    expect(other.body.errors?.[0]?.message).toBe('Not Authorized');

    expect(railway.requests.map((r) => r.auth)).toEqual([
      'Project-Access-Token',
      'Project-Access-Token',
      'Authorization',
      'Project-Access-Token',
    ]);
    expect(railway.requests[0]?.headers['project-access-token']).toBe('[redacted]');
    expect(railway.requests[2]?.headers.authorization).toBe('Bearer [redacted]');
    expect(JSON.stringify(railway.requests)).not.toContain(TOKEN);
  });

  it('refuses me to a workspace token, which goes as Bearer', async () => {
    const railway = await emulator({ tokenKind: 'workspace' });
    expect((await gql(railway, ME)).body.errors?.[0]?.message).toBe('Not Authorized');
    expect(await data(railway, `query { deployment(id: "${depId(2)}") { status } }`)).toEqual({
      deployment: { status: 'SUCCESS' },
    });
  });
});

describe('Railway emulator: scripted progress over HTTP', () => {
  it('triggers a deploy, advances it one status per report and awaits onSuccess before reporting SUCCESS', async () => {
    const railway = await emulator();
    const order: string[] = [];
    railway.onDeployTriggered(async (request) => ({
      deploymentId: 'dep-new',
      statuses: ['BUILDING', 'DEPLOYING', 'SUCCESS'],
      onSuccess: async () => {
        order.push(`onSuccess ${request.commitSha}`);
      },
    }));
    const triggered = await data<{ serviceInstanceDeployV2: string }>(
      railway,
      `mutation ($s: String!, $e: String!, $c: String) {
        serviceInstanceDeployV2(serviceId: $s, environmentId: $e, commitSha: $c) }`,
      { s: SERVICE_ID, e: ENV_ID, c: 'c'.repeat(40) },
    );
    expect(triggered.serviceInstanceDeployV2).toBe('dep-new');
    expect(railway.deployment('dep-new')).toMatchObject({
      status: 'INITIALIZING',
      meta: { commitHash: 'c'.repeat(40), branch: 'main' },
    });

    const status = async () => {
      const answer = await data<{ deployment: { status: string } }>(
        railway,
        operation('queries/DeploymentStatus.graphql'),
        { id: 'dep-new' },
      );
      order.push(answer.deployment.status);
    };
    for (let i = 0; i < 4; i++) await status();
    expect(order).toEqual(['BUILDING', 'DEPLOYING', `onSuccess ${'c'.repeat(40)}`, 'SUCCESS', 'SUCCESS']);
    // The previously active deployment was replaced.
    expect(railway.deployment(depId(2)).status).toBe('REMOVED');
    expect(railway.violations).toEqual([]);
  });

  it('advances every scripted deployment in scope once per list, and once per response however often reported', async () => {
    const railway = await emulator();
    railway.addDeployment({ id: 'dep-a', status: 'QUEUED', createdAt: '2026-01-02T00:00:00Z' });
    railway.addDeployment({
      id: 'dep-pr',
      status: 'QUEUED',
      createdAt: '2026-01-02T00:00:00Z',
      environmentId: PR_ENV_ID,
    });
    railway.script('dep-a', ['BUILDING', 'DEPLOYING', 'FAILED']);
    railway.script('dep-pr', ['BUILDING']);
    const list = await data<{ deployments: { edges: { node: { id: string; status: string } }[] } }>(
      railway,
      `query { deployments(input: { environmentId: "${ENV_ID}", status: { in: [BUILDING] } }) { edges { node { id status } } } }`,
    );
    expect(list.deployments.edges.map((e) => e.node)).toEqual([{ id: 'dep-a', status: 'BUILDING' }]);
    expect(railway.deployment('dep-pr').status).toBe('QUEUED');

    const twice = await data<{
      a: { status: string };
      b: { status: string };
      s: { latestDeployment: { status: string } };
    }>(
      railway,
      `query { a: deployment(id: "dep-a") { status } b: deployment(id: "dep-a") { status }
        s: serviceInstance(environmentId: "${ENV_ID}", serviceId: "${SERVICE_ID}") { latestDeployment { status } } }`,
    );
    expect(twice).toEqual({
      a: { status: 'DEPLOYING' },
      b: { status: 'DEPLOYING' },
      s: { latestDeployment: { status: 'DEPLOYING' } },
    });
    // Mutations do not report.
    await data(railway, `mutation { deploymentRestart(id: "dep-a") }`);
    expect(railway.deployment('dep-a')).toMatchObject({ status: 'DEPLOYING', pending: ['FAILED'] });
  });

  it('lets onSuccess deploy the example service, so Railway says SUCCESS exactly when the new version serves', async () => {
    const app = await startExampleService({ version: 'v1' });
    services.push(app);
    const railway = await emulator();
    railway.onDeployTriggered(async () => ({
      statuses: ['BUILDING', 'SUCCESS'],
      onSuccess: () => app.restart({ version: 'v2' }),
    }));
    const version = async () =>
      ((await (await fetch(`${app.url}/health`)).json()) as { version: string }).version;
    const { serviceInstanceDeployV2: id } = await data<{ serviceInstanceDeployV2: string }>(
      railway,
      `mutation { serviceInstanceDeployV2(serviceId: "${SERVICE_ID}", environmentId: "${ENV_ID}") }`,
    );
    const progress = async () =>
      (
        await data<{ deployment: { status: string } }>(
          railway,
          operation('queries/DeploymentStatus.graphql'),
          { id },
        )
      ).deployment.status;
    expect([await progress(), await version()]).toEqual(['BUILDING', 'v1']);
    expect([await progress(), await version()]).toEqual(['SUCCESS', 'v2']);
    // Without commitSha the newest deployment's commit is deployed again.
    expect(railway.deployment(id).meta).toMatchObject({ commitHash: sha(2) });
    expect(railway.violations).toEqual([]);
  });

  it('approves a NEEDS_APPROVAL deployment and cancels a building one; other states are errors', async () => {
    const railway = await emulator();
    railway.addDeployment({ id: 'dep-wait', status: 'NEEDS_APPROVAL', createdAt: '2026-01-02T00:00:00Z' });
    railway.addDeployment({ id: 'dep-build', status: 'BUILDING', createdAt: '2026-01-02T01:00:00Z' });
    railway.script('dep-build', ['DEPLOYING', 'SUCCESS']);
    expect(await data(railway, 'mutation { deploymentApprove(id: "dep-wait") }')).toEqual({
      deploymentApprove: true,
    });
    expect(railway.deployment('dep-wait').status).toBe('QUEUED');
    expect(await data(railway, 'mutation { deploymentCancel(id: "dep-build") }')).toEqual({
      deploymentCancel: true,
    });
    expect(railway.deployment('dep-build')).toMatchObject({ status: 'REMOVED', pending: [] });

    const again = await gql(railway, `mutation { deploymentApprove(id: "${depId(2)}") }`);
    expect(again.body.errors?.[0]?.message).toBe('Deployment does not need approval');
    const late = await gql(railway, `mutation { deploymentCancel(id: "${depId(2)}") }`);
    expect(late.body.errors?.[0]?.message).toBe('Deployment cannot be cancelled');
    expect(railway.violations).toEqual([]);
  });

  it('runs the spec mutations', async () => {
    const railway = await emulator();
    const redeploy = await data<{ deploymentRedeploy: { id: string } }>(
      railway,
      operation('mutations/DeploymentRedeploy.graphql'),
      { id: depId(2) },
    );
    expect(railway.deployment(redeploy.deploymentRedeploy.id).meta).toMatchObject({ commitHash: sha(2) });
    for (const file of ['ServiceInstanceDeploy', 'ServiceInstanceDeployLatestCommit']) {
      await data(railway, operation(`mutations/${file}.graphql`), {
        environmentId: ENV_ID,
        serviceId: SERVICE_ID,
      });
    }
    await data(railway, operation('mutations/DeploymentRestart.graphql'), { id: depId(2) });
    await data(railway, operation('mutations/DeploymentRemove.graphql'), { id: depId(2) });
    expect(railway.deployment(depId(2)).status).toBe('REMOVED');
    expect(railway.deployments()).toHaveLength(6);
    expect(railway.violations).toEqual([]);
  });
});

describe('Railway emulator: rollback', () => {
  const ROLLBACK = 'mutation ($id: String!) { deploymentRollback(id: $id) }';

  it('creates a new deployment with the target’s meta, scripted by onRollback, found by deployments(first: 1)', async () => {
    const railway = await emulator();
    const targets: string[] = [];
    const order: string[] = [];
    railway.onRollback(async (target) => {
      targets.push(target);
      return { statuses: ['DEPLOYING', 'SUCCESS'], onSuccess: async () => void order.push('onSuccess') };
    });
    expect(await data(railway, ROLLBACK, { id: depId(1) })).toEqual({ deploymentRollback: true });
    expect(targets).toEqual([depId(1)]);

    const newest = async () =>
      (
        await data<{
          deployments: { edges: { node: { id: string; status: string; meta: { commitHash: string } } }[] };
        }>(
          railway,
          `query { deployments(input: { serviceId: "${SERVICE_ID}", environmentId: "${ENV_ID}" }, first: 1) {
            edges { node { id status meta } } } }`,
        )
      ).deployments.edges[0]!.node;
    const first = await newest();
    expect(first).toMatchObject({
      status: 'DEPLOYING',
      meta: { commitHash: sha(1), commitMessage: 'commit 1' },
    });
    expect(first.id).not.toBe(depId(2));
    const second = await newest();
    order.push(second.status);
    expect(order).toEqual(['onSuccess', 'SUCCESS']);
    expect(railway.deployment(depId(2)).status).toBe('REMOVED');
    expect(railway.violations).toEqual([]);
  });

  it('refuses a target without canRollback and creates nothing; a hook can fail the rollback too', async () => {
    const railway = await emulator({
      deployments: [
        ...history(2),
        { id: 'dep-old', status: 'REMOVED', createdAt: '2025-12-01T00:00:00Z', canRollback: false },
      ],
    });
    const refused = await gql(railway, ROLLBACK, { id: 'dep-old' });
    expect(refused.body.errors?.[0]?.message).toBe('Deployment cannot be rolled back');
    railway.onRollback(async () => ({ error: 'Deployment image has expired' }));
    const failed = await gql(railway, ROLLBACK, { id: depId(0) });
    expect(failed.body.errors?.[0]?.message).toBe('Deployment image has expired');
    expect(railway.deployments()).toHaveLength(3);
    expect(railway.violations).toEqual([]);
  });
});

describe('Railway emulator: subscriptions over graphql-transport-ws', () => {
  it('pushes the script in order, awaiting onSuccess, and stops at a settled status until advanced', async () => {
    const railway = await emulator();
    railway.addDeployment({
      id: 'dep-new',
      status: 'QUEUED',
      createdAt: '2026-01-02T00:00:00Z',
      commitHash: 'n'.repeat(40),
    });
    const order: string[] = [];
    railway.script('dep-new', ['BUILDING', 'DEPLOYING', 'SUCCESS', 'CRASHED'], {
      onSuccess: async () => void order.push('onSuccess'),
    });
    const client = await subscribeToDeployment(railway, 'dep-new');
    await client.nextCount('1', 4);
    expect(client.statuses('1')).toEqual(['QUEUED', 'BUILDING', 'DEPLOYING', 'SUCCESS']);
    expect(client.results('1')[0]?.data).toEqual({
      deployment: { id: 'dep-new', status: 'QUEUED', deploymentStopped: false },
    });
    expect(order).toEqual(['onSuccess']);

    // Let anything the server would do next happen: a ping round trip, then the emulator's queue.
    client.send({ type: 'ping' });
    await client.until((m) => m.type === 'pong');
    await railway.advance(depId(0));
    expect(railway.deployment('dep-new')).toMatchObject({ status: 'SUCCESS', pending: ['CRASHED'] });
    expect(client.results('1')).toHaveLength(4);

    expect(await railway.advance('dep-new')).toBe('CRASHED');
    await client.nextCount('1', 5);
    expect(client.results('1')[4]?.data).toEqual({
      deployment: { id: 'dep-new', status: 'CRASHED', deploymentStopped: true },
    });

    client.send({ id: '1', type: 'complete' });
    expect(railway.requests.map((r) => [r.transport, r.operationName, r.operationType])).toEqual([
      ['ws', 'Deployment', 'subscription'],
    ]);
    expect(railway.requests[0]?.connectionParams).toEqual({ Authorization: 'Bearer [redacted]' });
    expect(railway.violations).toEqual([]);
  });

  it('tells a subscriber of the replaced deployment that it was REMOVED', async () => {
    const railway = await emulator({ wsProgress: 'manual' });
    railway.addDeployment({ id: 'dep-new', status: 'DEPLOYING', createdAt: '2026-01-02T00:00:00Z' });
    railway.script('dep-new', ['SUCCESS']);
    const client = await subscribeToDeployment(railway, depId(2));
    await client.nextCount('1', 1);
    await railway.advance('dep-new');
    await client.nextCount('1', 2);
    expect(client.statuses('1')).toEqual(['SUCCESS', 'REMOVED']);
  });

  it('moves only on advance() in manual mode, and can skip the initial status', async () => {
    const railway = await emulator({ wsProgress: 'manual', pushInitialStatus: false });
    railway.addDeployment({ id: 'dep-new', status: 'INITIALIZING', createdAt: '2026-01-02T00:00:00Z' });
    railway.script('dep-new', ['WAITING', 'BUILDING']);
    const client = await subscribeToDeployment(railway, 'dep-new');
    // The subscription is set up once the server answers a later message.
    client.send({ type: 'ping' });
    await client.until((m) => m.type === 'pong');
    expect(client.results('1')).toEqual([]);
    expect(railway.deployment('dep-new').status).toBe('INITIALIZING');
    await railway.advance('dep-new');
    await client.nextCount('1', 1);
    await railway.advance('dep-new');
    await client.nextCount('1', 2);
    expect(client.statuses('1')).toEqual(['WAITING', 'BUILDING']);
    expect(await railway.advance('dep-new')).toBeUndefined();
  });

  it('ends every subscription with complete on completeSubscriptions()', async () => {
    const railway = await emulator();
    const client = await subscribeToDeployment(railway, depId(2));
    await client.nextCount('1', 1);
    await railway.completeSubscriptions();
    expect(await client.until((m) => m.type === 'complete')).toEqual({ id: '1', type: 'complete' });
  });

  it('answers queries and mutations over the socket with next and complete', async () => {
    const railway = await emulator();
    const client = await WsClient.open(railway);
    await client.init({ Authorization: `Bearer ${TOKEN}` });
    client.subscribe('q', operation('queries/DeploymentStatus.graphql'), { id: depId(2) });
    await client.until((m) => m.id === 'q' && m.type === 'complete');
    expect(client.results('q')).toEqual([{ data: { deployment: { status: 'SUCCESS' } } }]);
    expect(railway.violations).toEqual([]);
  });

  it('streams log lines added while subscribed', async () => {
    const railway = await emulator();
    railway.addLogs(depId(2), 'build', [{ message: 'old line' }]);
    const client = await WsClient.open(railway);
    await client.init({ Authorization: `Bearer ${TOKEN}` });
    client.subscribe('logs', operation('subscriptions/BuildLogs.graphql'), {
      deploymentId: depId(2),
      limit: 10,
    });
    await client.nextCount('logs', 1);
    railway.addLogs(depId(2), 'build', [{ message: 'new line 1' }, { message: 'new line 2' }]);
    railway.addLogs(depId(2), 'deploy', [{ message: 'not a build line' }]);
    await client.nextCount('logs', 2);
    expect(
      client.results('logs').map((r) => (r.data?.buildLogs as { message: string }[]).map((l) => l.message)),
    ).toEqual([['old line'], ['new line 1', 'new line 2']]);
    expect(railway.violations).toEqual([]);
  });

  it('answers an invalid subscription with an error message and records a violation', async () => {
    const railway = await emulator();
    const client = await WsClient.open(railway);
    await client.init({ Authorization: `Bearer ${TOKEN}` });
    client.subscribe('bad', 'subscription { deployment(id: "x") { id commit } }');
    const error = await client.until((m) => m.id === 'bad');
    expect(error).toMatchObject({
      type: 'error',
      payload: [expect.objectContaining({ message: expect.stringContaining('"commit"') })],
    });
    expect(railway.violations).toEqual([
      expect.stringMatching(/^ws \(anonymous\): invalid against the schema/),
    ]);
  });

  it.each([
    ['a Bearer token in connection_init', { Authorization: `Bearer ${TOKEN}` }, undefined, 'account'],
    ['a project token in connection_init', { 'Project-Access-Token': TOKEN }, undefined, 'project'],
    ['a Bearer token on the upgrade request', undefined, { Authorization: `Bearer ${TOKEN}` }, 'account'],
  ] as const)('authenticates %s', async (_, params, headers, tokenKind) => {
    const railway = await emulator({ tokenKind });
    const client = await WsClient.open(railway, { headers });
    await client.init(params);
    client.subscribe('1', SUBSCRIBE_DEPLOYMENT, { id: depId(2) });
    await client.nextCount('1', 1);
    expect(client.statuses('1')).toEqual(['SUCCESS']);
  });

  it('answers a wrong token with Not Authorized, then complete', async () => {
    const railway = await emulator();
    const client = await subscribeToDeployment(railway, depId(2), { Authorization: 'Bearer wrong' });
    await client.until((m) => m.id === '1' && m.type === 'complete');
    expect(client.results('1')).toEqual([
      { errors: [expect.objectContaining({ message: 'Not Authorized' })] },
    ]);
  });

  it('runs on Node’s global WebSocket too', async () => {
    const railway = await emulator();
    const socket = new WebSocket(railway.wsUrl, 'graphql-transport-ws');
    const messages: WsMessage[] = [];
    const done = new Promise<void>((resolve) => {
      socket.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as WsMessage;
        messages.push(message);
        if (message.type === 'connection_ack') {
          socket.send(
            JSON.stringify({
              id: 'g',
              type: 'subscribe',
              payload: { query: SUBSCRIBE_DEPLOYMENT, variables: { id: depId(2) } },
            }),
          );
        }
        if (message.type === 'next') {
          socket.close();
          resolve();
        }
      });
    });
    socket.addEventListener('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${TOKEN}` } })),
    );
    await done;
    expect(messages.map((m) => m.type)).toEqual(['connection_ack', 'next']);
  });
});

describe('Railway emulator: graphql-transport-ws breaches', () => {
  it('refuses another subprotocol with a violation', async () => {
    const railway = await emulator();
    await expect(WsClient.open(railway, { protocols: ['graphql-ws'] })).rejects.toThrow(
      'Server sent no subprotocol',
    );
    expect(railway.sockets).toEqual([expect.objectContaining({ protocol: 'graphql-ws', accepted: false })]);
    expect(railway.violations).toEqual([expect.stringContaining('only graphql-transport-ws is spoken')]);
  });

  it.each([
    [
      'subscribe before connection_ack',
      [{ id: '1', type: 'subscribe', payload: { query: '{ me { id } }' } }],
      4401,
    ],
    ['a second connection_init', [{ type: 'connection_init' }, { type: 'connection_init' }], 4429],
    ['a message without a type', [{ id: '1' }], 4400],
    [
      'a next message from the client',
      [{ type: 'connection_init' }, { id: '1', type: 'next', payload: {} }],
      4400,
    ],
  ])('closes on %s with graphql-ws’s code and a violation', async (_, messages, code) => {
    const railway = await emulator();
    const client = await WsClient.open(railway);
    for (const message of messages) client.send(message as WsMessage);
    expect((await client.closed).code).toBe(code);
    expect(railway.violations).toEqual([expect.stringMatching(/^ws socket 1: /)]);
  });

  it('answers ping with pong and refuses a duplicate operation ID', async () => {
    const railway = await emulator({ wsProgress: 'manual' });
    const client = await subscribeToDeployment(railway, depId(2));
    client.send({ type: 'ping', payload: { n: 1 } });
    expect(await client.until((m) => m.type === 'pong')).toEqual({ type: 'pong', payload: { n: 1 } });
    client.subscribe('1', SUBSCRIBE_DEPLOYMENT, { id: depId(2) });
    expect(await client.closed).toEqual({ code: 4409, reason: 'Subscriber for 1 already exists' });
  });
});

describe('Railway emulator: injected faults', () => {
  const QUERY = `query { deployment(id: "${depId(2)}") { status } }`;

  it('answers 429 with Retry-After for the next N requests, executing nothing', async () => {
    const railway = await emulator();
    railway.script(depId(2), ['CRASHED']);
    railway.failNext(2, 429);
    const answers = [await gql(railway, QUERY), await gql(railway, QUERY), await gql(railway, QUERY)];
    expect(answers.map((a) => a.status)).toEqual([429, 429, 200]);
    expect(answers[0]?.headers.get('Retry-After')).toBe('1');
    expect(answers[0]?.headers.get('X-RateLimit-Remaining')).toBe('0');
    expect(answers[0]?.headers.get('X-RateLimit-Limit')).toBe('1000');
    // Only the answered request advanced the script.
    expect(answers[2]?.body.data).toEqual({ deployment: { status: 'CRASHED' } });
    expect(railway.requests.filter((r) => r.transport === 'http')).toHaveLength(3);
    expect(railway.violations).toEqual([]);
  });

  it('answers a 5xx burst with an edge proxy’s HTML, in the order injected', async () => {
    const railway = await emulator();
    railway.failNext(1, 500);
    railway.failNext(1, 502);
    railway.failNext(1, 503, { 'Retry-After': '0' });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await gql(railway, QUERY));
    expect(answers.map((a) => a.status)).toEqual([500, 502, 503, 200]);
    expect(answers[1]?.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answers[2]?.headers.get('Retry-After')).toBe('0');
  });

  it('answers GraphQL errors on 200, then normally', async () => {
    const railway = await emulator();
    railway.graphqlErrorsNext(1, 'Not Authorized', { code: 'UNAUTHENTICATED' });
    const failed = await gql(railway, QUERY);
    expect([failed.status, failed.body]).toEqual([
      200,
      { data: null, errors: [{ message: 'Not Authorized', extensions: { code: 'UNAUTHENTICATED' } }] },
    ]);
    expect((await gql(railway, QUERY)).body).toEqual({ data: { deployment: { status: 'SUCCESS' } } });
    expect(railway.requests.map((r) => r.errors)).toEqual([['Not Authorized'], []]);
  });

  it('answers a malformed JSON body', async () => {
    const railway = await emulator();
    railway.malformedNext(1);
    const answer = await gql(railway, QUERY);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(() => JSON.parse(answer.text)).toThrow(SyntaxError);
    expect((await gql(railway, QUERY)).body.data).toEqual({ deployment: { status: 'SUCCESS' } });
  });

  it('drops a socket mid-stream after N next messages; polling then carries on', async () => {
    const railway = await emulator();
    railway.addDeployment({ id: 'dep-new', status: 'INITIALIZING', createdAt: '2026-01-02T00:00:00Z' });
    railway.script('dep-new', ['BUILDING', 'DEPLOYING', 'SUCCESS']);
    railway.dropSocketAfter(2);
    const client = await subscribeToDeployment(railway, 'dep-new');
    const { code } = await client.closed;
    expect(code).toBe(1006);
    expect(client.statuses('1')).toEqual(['INITIALIZING', 'BUILDING']);
    expect(railway.sockets).toEqual([expect.objectContaining({ accepted: true, dropped: true })]);
    await railway.advance(depId(0));
    expect(railway.deployment('dep-new')).toMatchObject({
      status: 'BUILDING',
      pending: ['DEPLOYING', 'SUCCESS'],
    });

    // The next socket is not dropped.
    const again = await subscribeToDeployment(railway, 'dep-new');
    await again.nextCount('1', 3);
    expect(again.statuses('1')).toEqual(['BUILDING', 'DEPLOYING', 'SUCCESS']);
    expect(railway.violations).toEqual([]);
  });

  it('refuses WebSocket upgrades after rejectSockets(), leaving HTTP working', async () => {
    const railway = await emulator();
    railway.rejectSockets();
    await expect(WsClient.open(railway)).rejects.toThrow('upgrade refused: 503');
    expect(railway.sockets).toEqual([expect.objectContaining({ accepted: false, refusedWith: 503 })]);
    expect((await gql(railway, QUERY)).status).toBe(200);
    expect(railway.violations).toEqual([]);
  });
});

describe('Railway emulator: close()', () => {
  it('closes open sockets and the server', async () => {
    const railway = await startRailwayEmulator({
      token: TOKEN,
      projectId: PROJECT_ID,
      serviceId: SERVICE_ID,
      environmentId: ENV_ID,
      deployments: history(1),
    });
    const client = await subscribeToDeployment(railway, depId(0));
    await client.nextCount('1', 1);
    await railway.close();
    expect((await client.closed).code).toBe(1006);
    await expect(fetch(railway.url, { method: 'POST' })).rejects.toThrow();
  });
});
