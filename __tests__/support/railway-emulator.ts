/**
 * A Railway public API (GraphQL v2) emulator for integration and end-to-end tests: a real HTTP server on
 * 127.0.0.1 serving `POST /graphql/v2`, and the same path as a WebSocket endpoint speaking
 * `graphql-transport-ws`. Every operation, over either transport, is parsed and validated against Railway's
 * own introspected schema (shared/specs/railway/schema.json) with the `graphql` package, then executed with
 * `graphql`'s `execute` / `subscribe` against scenario state. Whatever breaks the contract lands in
 * `violations`, so a test that ends with `expect(emulator.violations).toEqual([])` proves the client only
 * sent operations Railway's schema accepts, and only used what the emulator emulates.
 *
 * Deployments progress without timers: see {@link RailwayEmulator.script} (HTTP reports) and
 * {@link RailwayEmulatorOptions.wsProgress} (WebSocket subscribers).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildClientSchema,
  defaultFieldResolver,
  type DocumentNode,
  execute,
  type ExecutionResult,
  type FieldNode,
  getOperationAST,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type IntrospectionQuery,
  Kind,
  type OperationDefinitionNode,
  parse,
  subscribe,
  validate,
  validateExecutionArgs,
  validateSchema,
} from 'graphql';
import { attachGraphqlWsServer, type SubscribeOutcome, type WsConnection } from './graphql-ws-server.js';

/** Where Railway's contract lives: the shared specs folder beside the repository. */
export const RAILWAY_SCHEMA_URL = new URL('../../../shared/specs/railway/schema.json', import.meta.url);
export const RAILWAY_OPERATIONS_URL = new URL('../../../shared/specs/railway/operations/', import.meta.url);
/** The path of the GraphQL endpoint, over HTTP and WebSocket alike. */
export const RAILWAY_GRAPHQL_PATH = '/graphql/v2';

/** All 13 values of the schema's `DeploymentStatus`. */
export const DEPLOYMENT_STATUSES = [
  'INITIALIZING',
  'QUEUED',
  'WAITING',
  'NEEDS_APPROVAL',
  'BUILDING',
  'DEPLOYING',
  'SUCCESS',
  'SLEEPING',
  'FAILED',
  'CRASHED',
  'SKIPPED',
  'REMOVING',
  'REMOVED',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export type DeploymentEventStep =
  | 'BUILD_IMAGE'
  | 'CONFIGURE_NETWORK'
  | 'CREATE_CONTAINER'
  | 'DRAIN_INSTANCES'
  | 'HEALTHCHECK'
  | 'MIGRATE_VOLUMES'
  | 'PRE_DEPLOY_COMMAND'
  | 'PUBLISH_IMAGE'
  | 'SNAPSHOT_CODE'
  | 'WAIT_FOR_DEPENDENCIES';

/**
 * Statuses WebSocket auto-progress stops at (see {@link RailwayEmulatorOptions.wsProgress}): the deployment
 * has settled, or waits for someone. A scripted step after one of them comes from an HTTP report or
 * `advance()`, so a test decides when, e.g., a `CRASHED` follows `SUCCESS`.
 */
export const SETTLED_STATUSES: ReadonlySet<DeploymentStatus> = new Set([
  'SUCCESS',
  'SLEEPING',
  'FAILED',
  'CRASHED',
  'SKIPPED',
  'REMOVED',
  'NEEDS_APPROVAL',
]);

/** `EnvironmentMeta`, as the schema types it. */
export interface EnvironmentMetaFields {
  prNumber: number;
  prTitle: string;
  prRepo: string;
  branch: string;
  baseBranch: string;
  prCommentId: number;
  latestSuccessfulGitHubDeploymentId: number;
  /** A JSON scalar (`SkippedResourceIds`). */
  skippedResourceIds: unknown;
}

export interface RailwayEnvironmentSpec {
  id: string;
  name: string;
  /** A PR environment. */
  isEphemeral?: boolean;
  /** Defaults to an hour after the project's creation per environment, in order. */
  createdAt?: string;
  /** Served as `meta`, unset keys as null; without it a persistent environment's `meta` is null. */
  meta?: Partial<EnvironmentMetaFields>;
  /** Defaults to the main environment for an ephemeral one. */
  sourceEnvironmentId?: string;
  /** The service's Railway domain here (a bare hostname); defaults to `<service>-<name>.up.railway.app`. */
  domain?: string;
}

export interface RailwayDeploymentSpec {
  /** Railway's are UUIDs; anything unique goes. */
  id: string;
  status: DeploymentStatus;
  createdAt: string;
  /** `meta.commitHash`. */
  commitHash?: string;
  commitMessage?: string;
  commitAuthor?: string;
  /** `meta.branch`; defaults to the environment's `meta.branch`, else `main`. */
  branch?: string;
  /**
   * Merged over the meta built from the fields above (`repo`, `branch`, `commitHash`, ...). `null` serves
   * `meta: null`, as for an image deploy.
   */
  meta?: Record<string, unknown> | null;
  /** Defaults to the main environment. */
  environmentId?: string;
  /** Defaults to whether the deployment ever went live (`SUCCESS`, `SLEEPING`, `REMOVED`). */
  canRollback?: boolean;
  canRedeploy?: boolean;
  /** Defaults to the service's domain in the environment. */
  staticUrl?: string | null;
  /** Defaults to null. */
  url?: string | null;
  /** Deleted deployments are listed only with `includeDeleted: true`. */
  deleted?: boolean;
  creator?: { id: string; name: string | null; email: string; avatar?: string | null } | null;
}

export interface RailwayLogLine {
  message: string;
  /** ISO 8601; defaults to 1 ms after the deployment's previous line (the first: its `createdAt`). */
  timestamp?: string;
  /** e.g. `info`, `error`; served as `severity` and matched by `@level:`. */
  severity?: string;
  attributes?: Record<string, string>;
}

export interface RailwayEventSpec {
  step: DeploymentEventStep;
  /** Defaults to 1 s after the deployment's previous event (the first: its `createdAt`). */
  createdAt?: string;
  completedAt?: string | null;
  payload?: {
    attempt?: number;
    detail?: string;
    durationMs?: number;
    error?: string;
    maxAttempts?: number;
    reason?: string;
    skipped?: boolean;
  } | null;
}

export type TokenKind = 'account' | 'workspace' | 'project';

export interface RailwayEmulatorOptions {
  /** The one token the emulator accepts. */
  token: string;
  /**
   * `account` and `workspace` tokens go as `Authorization: Bearer`, a `project` token as
   * `Project-Access-Token`; the other header, or the wrong token, is `Not Authorized`. Only an account token
   * may ask for `me`; only a project token for `projectToken`, and it sees only the main environment.
   * Defaults to `account`.
   */
  tokenKind?: TokenKind;
  projectId: string;
  projectName?: string;
  serviceId: string;
  serviceName?: string;
  /** The main environment, the one a project token is scoped to. */
  environmentId: string;
  /** Defaults to `production`. */
  environmentName?: string;
  /** The service's domain in the main environment; defaults to `<service>-production.up.railway.app`. */
  domain?: string;
  /** More environments, e.g. PR environments. */
  environments?: RailwayEnvironmentSpec[];
  deployments?: RailwayDeploymentSpec[];
  /** `serviceInstance.healthcheckPath`; defaults to `/health`. */
  healthcheckPath?: string | null;
  /** `source.repo` and `meta.repo`; defaults to `example/deploy-sentinel-example`. */
  repo?: string;
  /** `project.prDeploys`; defaults to whether any environment is ephemeral. */
  prDeploys?: boolean;
  /**
   * How a `deployment` subscription's scripted statuses reach subscribers. `auto` (the default): once a
   * status event has been handed to the socket (the subscriber's stream came back for the next one), the
   * deployment advances one step, unless its status is settled (see {@link SETTLED_STATUSES}); one
   * step per event, however many subscribers. So a subscriber sees the whole script up to the next settled
   * status, in order, with no timers; after a settled status the next step waits for an HTTP report or
   * `advance()`. `manual`: only `advance()` and HTTP reports move a deployment.
   */
  wsProgress?: 'auto' | 'manual';
  /** Whether a `deployment` subscription first gets the current state; defaults to true. */
  pushInitialStatus?: boolean;
  /**
   * The HTTP status of an operation that fails to parse or validate (it is a violation either way).
   * Defaults to 200, with `{errors}` and no `data`, the GraphQL-over-HTTP answer for `application/json`.
   */
  validationErrorStatus?: 200 | 400;
  /** Requests a window allows (default 1000, the Hobby plan's hour), and the window (default 3600 s). */
  rateLimit?: { limit?: number; windowSeconds?: number };
}

/** One operation, as received. */
export interface RecordedRequest {
  transport: 'http' | 'ws';
  /** The executed operation's name (else the one the request named); null when anonymous. */
  operationName: string | null;
  operationType: 'query' | 'mutation' | 'subscription' | null;
  /** The operation's root fields (aliases resolved), e.g. `['deployment']`. */
  fields: string[];
  query: string;
  variables: Record<string, unknown>;
  /**
   * Lower-case names; `authorization` and `project-access-token` redacted. Over WebSocket, the upgrade
   * request's headers.
   */
  headers: Record<string, string>;
  /** WebSocket only: the socket's `connection_init` payload, credentials redacted. */
  connectionParams?: Record<string, unknown>;
  /** The credential header the operation came with. */
  auth: 'Authorization' | 'Project-Access-Token' | null;
  /** `Date.now()` on arrival. */
  at: number;
  /** HTTP only: the status answered. */
  status?: number;
  /** The messages of the errors answered. */
  errors: string[];
}

/** One WebSocket upgrade. */
export interface RecordedSocket {
  at: number;
  /** The `Sec-WebSocket-Protocol` the client offered. */
  protocol: string | null;
  /** Upgraded and speaking `graphql-transport-ws`. */
  accepted: boolean;
  /** The HTTP status a refused upgrade got (see `rejectSockets`). */
  refusedWith?: number;
  headers: Record<string, string>;
  connectionParams?: Record<string, unknown>;
  /** Dropped by `dropSocketAfter`. */
  dropped?: boolean;
  closeCode?: number;
}

export interface ProgressHooks {
  /** Awaited before `SUCCESS` is reported (over HTTP) or pushed (over WebSocket). */
  onSuccess?: () => Promise<void>;
}

export interface DeployTriggerRequest {
  mutation: 'serviceInstanceDeployV2' | 'serviceInstanceDeploy';
  serviceId: string;
  environmentId: string;
  commitSha?: string;
  latestCommit?: boolean;
}

/**
 * What a deploy trigger does: creates an `INITIALIZING` deployment that follows `statuses` (default
 * BUILDING, DEPLOYING, SUCCESS), or, with `error`, answers that GraphQL error and creates nothing.
 */
export type DeployTriggerOutcome =
  | {
      deploymentId?: string;
      /** Defaults to `commitSha`, else the newest deployment's. */
      commitHash?: string;
      commitMessage?: string;
      statuses?: DeploymentStatus[];
      onSuccess?: () => Promise<void>;
    }
  | { error: string };

/**
 * What `deploymentRollback` does once the target is known to exist and have `canRollback`: creates an
 * `INITIALIZING` deployment with the target's meta that follows `statuses` (default DEPLOYING, SUCCESS),
 * or, with `error`, answers that GraphQL error and creates nothing.
 */
export type RollbackOutcome =
  | { deploymentId?: string; statuses?: DeploymentStatus[]; onSuccess?: () => Promise<void> }
  | { error: string };

/** A deployment as the emulator holds it, for assertions; reading it is not a request. */
export interface RailwayDeploymentState {
  id: string;
  status: DeploymentStatus;
  environmentId: string;
  serviceId: string;
  createdAt: string;
  meta: Record<string, unknown> | null;
  canRollback: boolean;
  /** Scripted statuses still to come. */
  pending: DeploymentStatus[];
}

export interface RailwayEmulator {
  /** `http://127.0.0.1:<port>/graphql/v2`: what the action's `api-url` input gets. */
  readonly url: string;
  /** `ws://127.0.0.1:<port>/graphql/v2`. */
  readonly wsUrl: string;
  /** Every operation over either transport, in arrival order; HTTP requests are answered one at a time. */
  readonly requests: RecordedRequest[];
  /** Every WebSocket upgrade attempt. */
  readonly sockets: RecordedSocket[];
  /**
   * Contract breaches, in words: operations that do not parse or validate against the schema (or whose
   * variables do not coerce), requests that are not GraphQL over HTTP as Railway takes it (not `POST`, not
   * JSON, another path, a subscription over HTTP), breaches of `graphql-transport-ws`, cursors the emulator
   * never issued, log filters it does not emulate, fields and operations it does not emulate, and failures
   * of the emulator or a scenario hook.
   */
  readonly violations: string[];
  /**
   * Scripts a deployment's progress. Every query response that reports the deployment applies its next
   * status first, once per response: `deployment(id)`, `deployments(...)` (every scripted deployment in the
   * input's project/environment/service scope, before the status filter and paging), and
   * `serviceInstance { latestDeployment activeDeployments }`. Subscribers get status changes as they happen
   * (see `wsProgress`). A query sent over the WebSocket reports like one over HTTP; mutations and
   * subscriptions never do. Once the script is used up the status stays. Reaching `SUCCESS` awaits
   * `hooks.onSuccess` first, then marks the service instance's previously active (`SUCCESS`/`SLEEPING`)
   * deployments `REMOVED`. Replaces any earlier script. Hooks run inside the emulator's one-at-a-time
   * queue, so they must not call the emulator over HTTP themselves.
   */
  script(deploymentId: string, statuses: DeploymentStatus[], hooks?: ProgressHooks): void;
  /** Applies the deployment's next scripted status now and pushes it; resolves to it (undefined: none left). */
  advance(deploymentId: string): Promise<DeploymentStatus | undefined>;
  addDeployment(spec: RailwayDeploymentSpec): void;
  /** Adds build or deploy log lines; subscribers to that log get them as one batch. */
  addLogs(deploymentId: string, kind: 'build' | 'deploy', lines: RailwayLogLine[]): void;
  addEvents(deploymentId: string, events: RailwayEventSpec[]): void;
  deployment(id: string): RailwayDeploymentState;
  /** All deployments, newest first. */
  deployments(): RailwayDeploymentState[];
  /** Decides what `serviceInstanceDeployV2` / `serviceInstanceDeploy` do. */
  onDeployTriggered(handler: (request: DeployTriggerRequest) => Promise<DeployTriggerOutcome>): void;
  /** Decides what `deploymentRollback` does, e.g. restarting the example service at the target's version. */
  onRollback(handler: (targetDeploymentId: string) => Promise<RollbackOutcome>): void;
  /**
   * Answers the next `count` HTTP requests with `status` (after their violations are recorded, before auth
   * and execution; nothing is executed). A 429 carries `Retry-After: 1` and `X-RateLimit-Remaining: 0`
   * unless `headers` says otherwise, and a GraphQL-shaped body; a 5xx has an HTML body, as an edge proxy's.
   */
  failNext(count: number, status: number, headers?: Record<string, string>): void;
  /** Answers the next `count` HTTP requests 200 with `{data: null, errors: [{message}]}`, executing nothing. */
  graphqlErrorsNext(count: number, message: string, extensions?: Record<string, unknown>): void;
  /** Answers the next `count` HTTP requests 200 with a JSON content type and a truncated JSON body. */
  malformedNext(count: number): void;
  /**
   * Terminates (no close frame, as a lost connection: the client sees 1006) each of the next `sockets`
   * (default 1) accepted WebSockets right after it has sent its `messages`-th `next` message. The deployment
   * is not advanced past what was delivered, so polling picks up from there. (`failNext`,
   * `graphqlErrorsNext` and `malformedNext` share one queue, consumed in call order by HTTP requests only.)
   */
  dropSocketAfter(messages: number, sockets?: number): void;
  /** Refuses every WebSocket upgrade from now on with `status` (default 503), so clients must poll. */
  rejectSockets(status?: number): void;
  /** Ends every open subscription with a server-sent `complete`, as when a source stream ends. */
  completeSubscriptions(): Promise<void>;
  close(): Promise<void>;
}

interface LogRecord {
  time: number;
  /** Nanoseconds within the millisecond, so timestamps are unique and ordered. */
  nanos: number;
  message: string;
  severity: string | null;
  attributes: { key: string; value: string }[];
}

interface EventRecord {
  id: string;
  step: DeploymentEventStep;
  createdAt: string;
  completedAt: string | null;
  payload: RailwayEventSpec['payload'];
}

type Change =
  | { kind: 'status' }
  | { kind: 'logs'; log: 'build' | 'deploy'; lines: LogRecord[] }
  | { kind: 'event'; event: EventRecord };

interface DeploymentRecord {
  id: string;
  seq: number;
  serviceId: string;
  environmentId: string;
  status: DeploymentStatus;
  createdAt: string;
  updatedAt: string;
  statusUpdatedAt: string;
  meta: Record<string, unknown> | null;
  canRollback?: boolean;
  canRedeploy: boolean;
  staticUrl: string | null;
  url: string | null;
  deleted: boolean;
  stopped: boolean;
  /** Went live at some point: has an image to roll back to. */
  built: boolean;
  creator: RailwayDeploymentSpec['creator'];
  pending: DeploymentStatus[];
  onSuccess?: () => Promise<void>;
  /** Bumped on every status change; a subscription event carries the version it shows. */
  version: number;
  autoAdvancedAt?: number;
  listeners: Set<(change: Change) => void>;
  logs: { build: LogRecord[]; deploy: LogRecord[] };
  events: EventRecord[];
}

interface EnvironmentRecord {
  id: string;
  name: string;
  isEphemeral: boolean;
  createdAt: string;
  meta: Partial<EnvironmentMetaFields> | null;
  sourceEnvironmentId: string | null;
  domain: string;
}

interface Credential {
  header: 'Authorization' | 'Project-Access-Token' | null;
  token?: string;
}

/** What resolvers see. */
interface Context {
  authorized: boolean;
  /** Query operations report deployments, and so advance scripted ones (once each). */
  reporting: boolean;
  advanced: Set<string>;
  violation(problem: string): void;
}

type Args = Record<string, unknown>;
type Item = Record<PropertyKey, unknown>;
type Fault =
  | { kind: 'status'; status: number; headers: Record<string, string> }
  | { kind: 'errors'; message: string; extensions?: Record<string, unknown> }
  | { kind: 'malformed' };

const VERSION = Symbol('version');
const PROJECT_CREATED_AT = '2025-01-06T09:00:00.000Z';
const DEFAULT_TRIGGER_SCRIPT: DeploymentStatus[] = ['BUILDING', 'DEPLOYING', 'SUCCESS'];
const DEFAULT_ROLLBACK_SCRIPT: DeploymentStatus[] = ['DEPLOYING', 'SUCCESS'];
const LIVE_ONCE: ReadonlySet<DeploymentStatus> = new Set(['SUCCESS', 'SLEEPING', 'REMOVED']);
const ACTIVE: ReadonlySet<DeploymentStatus> = new Set(['SUCCESS', 'SLEEPING']);
const STOPPED: ReadonlySet<DeploymentStatus> = new Set([
  'REMOVED',
  'FAILED',
  'CRASHED',
  'SKIPPED',
  'SLEEPING',
]);
const CANCELLABLE: ReadonlySet<DeploymentStatus> = new Set([
  'INITIALIZING',
  'QUEUED',
  'WAITING',
  'NEEDS_APPROVAL',
  'BUILDING',
]);
const INSTANCE_STATUS: Partial<Record<DeploymentStatus, string>> = {
  DEPLOYING: 'INITIALIZING',
  SUCCESS: 'RUNNING',
  SLEEPING: 'STOPPED',
  CRASHED: 'CRASHED',
  REMOVING: 'REMOVING',
  REMOVED: 'REMOVED',
};
/** The part of the introspected schema graphql v17 refuses; see {@link loadRailwaySchema}. */
const TOLERATED_SCHEMA_ERRORS = [
  'Interface field Node.id is not deprecated, so implementation field Team.id must not be deprecated.',
];

let cachedSchema: GraphQLSchema | undefined;

/**
 * Railway's schema, built from the introspection result. graphql v17 finds one fault in it: `Team.id` is
 * deprecated while the `Node.id` it implements is not. That has no bearing on whether an operation is valid,
 * so it is tolerated (and only it: any other schema error throws), and the schema is built as assumed valid.
 */
export function loadRailwaySchema(): GraphQLSchema {
  if (cachedSchema) return cachedSchema;
  const introspection = (JSON.parse(readFileSync(RAILWAY_SCHEMA_URL, 'utf8')) as { data: IntrospectionQuery })
    .data;
  const unexpected = validateSchema(buildClientSchema(introspection))
    .map((error) => error.message)
    .filter((message) => !TOLERATED_SCHEMA_ERRORS.includes(message));
  if (unexpected.length > 0) throw new Error(`Railway schema is invalid: ${unexpected.join('; ')}`);
  cachedSchema = buildClientSchema(introspection, { assumeValid: true });
  return cachedSchema;
}

/** Starts the emulator on an ephemeral port of 127.0.0.1. */
export async function startRailwayEmulator(options: RailwayEmulatorOptions): Promise<RailwayEmulator> {
  const schema = loadRailwaySchema();
  const tokenKind = options.tokenKind ?? 'account';
  const serviceName = options.serviceName ?? 'deploy-sentinel-example';
  const repo = options.repo ?? 'example/deploy-sentinel-example';
  const wsProgress = options.wsProgress ?? 'auto';
  const pushInitialStatus = options.pushInitialStatus ?? true;
  const validationErrorStatus = options.validationErrorStatus ?? 200;
  const rateLimit = { limit: 1000, windowSeconds: 3600, ...options.rateLimit };
  const workspace = { id: 'ws-emulator-0001', name: 'Deploy Sentinel' };
  const user = { id: 'user-emulator-0001', name: 'Sentinel Tester', email: 'tester@example.com' };

  const requests: RecordedRequest[] = [];
  const sockets: RecordedSocket[] = [];
  const violations: string[] = [];
  const faults: Fault[] = [];
  const issuedCursors = new Set<string>();
  const channels = new Set<Channel<Item>>();
  let dropPlan = { messages: 0, sockets: 0 };
  let refuseSocketsWith: number | undefined;
  let triggerHandler: ((request: DeployTriggerRequest) => Promise<DeployTriggerOutcome>) | undefined;
  let rollbackHandler: ((target: string) => Promise<RollbackOutcome>) | undefined;
  let rateWindow = { start: Date.now(), used: 0 };
  let sequence = 0;
  const nextId = () => `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`;

  // Scenario state.
  const environments = new Map<string, EnvironmentRecord>();
  const addEnvironment = (spec: RailwayEnvironmentSpec) => {
    if (environments.has(spec.id)) throw new Error(`environment ${spec.id} already exists`);
    const isEphemeral = spec.isEphemeral ?? false;
    environments.set(spec.id, {
      id: spec.id,
      name: spec.name,
      isEphemeral,
      createdAt:
        spec.createdAt ??
        new Date(Date.parse(PROJECT_CREATED_AT) + environments.size * 3_600_000).toISOString(),
      meta: spec.meta ?? (isEphemeral ? {} : null),
      sourceEnvironmentId: spec.sourceEnvironmentId ?? (isEphemeral ? options.environmentId : null),
      domain:
        spec.domain ?? `${serviceName}-${spec.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.up.railway.app`,
    });
  };
  addEnvironment({
    id: options.environmentId,
    name: options.environmentName ?? 'production',
    createdAt: PROJECT_CREATED_AT,
    domain: options.domain,
  });
  options.environments?.forEach(addEnvironment);
  const prDeploys = options.prDeploys ?? [...environments.values()].some((env) => env.isEphemeral);

  const deployments = new Map<string, DeploymentRecord>();
  let deploymentSeq = 0;
  const addDeployment = (spec: RailwayDeploymentSpec) => {
    if (deployments.has(spec.id)) throw new Error(`deployment ${spec.id} already exists`);
    const environmentId = spec.environmentId ?? options.environmentId;
    const env = environments.get(environmentId);
    if (!env) throw new Error(`deployment ${spec.id}: no environment ${environmentId}`);
    const meta =
      spec.meta === null
        ? null
        : {
            repo,
            branch: spec.branch ?? env.meta?.branch ?? 'main',
            ...(spec.commitHash !== undefined && { commitHash: spec.commitHash }),
            ...(spec.commitMessage !== undefined && { commitMessage: spec.commitMessage }),
            ...(spec.commitAuthor !== undefined && { commitAuthor: spec.commitAuthor }),
            ...spec.meta,
          };
    deployments.set(spec.id, {
      id: spec.id,
      seq: ++deploymentSeq,
      serviceId: options.serviceId,
      environmentId,
      status: spec.status,
      createdAt: spec.createdAt,
      updatedAt: spec.createdAt,
      statusUpdatedAt: spec.createdAt,
      meta,
      canRollback: spec.canRollback,
      canRedeploy: spec.canRedeploy ?? true,
      staticUrl: spec.staticUrl === undefined ? env.domain : spec.staticUrl,
      url: spec.url ?? null,
      deleted: spec.deleted ?? false,
      stopped: false,
      built: LIVE_ONCE.has(spec.status),
      creator: spec.creator ?? null,
      pending: [],
      version: 0,
      listeners: new Set(),
      logs: { build: [], deploy: [] },
      events: [],
    });
  };
  options.deployments?.forEach(addDeployment);

  /** Newest first: by createdAt, then the later added. */
  const newestFirst = (records: Iterable<DeploymentRecord>) =>
    [...records].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.seq - a.seq);
  const instanceDeployments = (serviceId: string, environmentId: string) =>
    newestFirst(deployments.values()).filter(
      (d) => d.serviceId === serviceId && d.environmentId === environmentId && !d.deleted,
    );
  const canRollback = (d: DeploymentRecord) => d.canRollback ?? d.built;

  const state = (d: DeploymentRecord): RailwayDeploymentState => ({
    id: d.id,
    status: d.status,
    environmentId: d.environmentId,
    serviceId: d.serviceId,
    createdAt: d.createdAt,
    meta: d.meta === null ? null : structuredClone(d.meta),
    canRollback: canRollback(d),
    pending: [...d.pending],
  });

  const notify = (d: DeploymentRecord, change: Change) => {
    for (const listener of d.listeners) listener(change);
  };

  const setStatus = (d: DeploymentRecord, status: DeploymentStatus) => {
    const now = new Date().toISOString();
    if (status === 'SUCCESS') {
      d.built = true;
      for (const other of instanceDeployments(d.serviceId, d.environmentId)) {
        if (other === d || !ACTIVE.has(other.status)) continue;
        Object.assign(other, { status: 'REMOVED', updatedAt: now, statusUpdatedAt: now });
        other.version++;
        notify(other, { kind: 'status' });
      }
    }
    Object.assign(d, { status, updatedAt: now, statusUpdatedAt: now });
    d.version++;
    notify(d, { kind: 'status' });
  };

  /** Applies the next scripted status. Runs inside the queue (an HTTP request, or a queued step). */
  const advanceRecord = async (d: DeploymentRecord): Promise<DeploymentStatus | undefined> => {
    const status = d.pending.shift();
    if (!status) return undefined;
    if (status === 'SUCCESS' && d.onSuccess) {
      const hook = d.onSuccess;
      d.onSuccess = undefined;
      await hook();
    }
    setStatus(d, status);
    return status;
  };

  const advanceReported = async (ctx: Context, d: DeploymentRecord) => {
    if (!ctx.reporting || ctx.advanced.has(d.id)) return;
    ctx.advanced.add(d.id);
    await advanceRecord(d);
  };

  // One thing at a time: HTTP requests, WebSocket operations and queued steps, so scripts and hooks run in
  // a fixed order.
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };

  /** A subscription event of `d` was handed to a socket: auto-progress takes the next step. */
  const delivered = (d: DeploymentRecord, version: number) => {
    if (wsProgress !== 'auto' || version !== d.version || d.autoAdvancedAt === version) return;
    if (SETTLED_STATUSES.has(d.status) || d.pending.length === 0) return;
    d.autoAdvancedAt = version;
    enqueue(() => advanceRecord(d)).catch((error: unknown) =>
      violations.push(`auto-progress of deployment ${d.id} failed: ${String(error)}`),
    );
  };

  const createDeployment = (
    env: EnvironmentRecord,
    fields: { id?: string; meta: Record<string, unknown> | null; statuses: DeploymentStatus[] },
    onSuccess: (() => Promise<void>) | undefined,
  ): DeploymentRecord => {
    const newest = instanceDeployments(options.serviceId, env.id)[0];
    // Strictly newest, even when a scenario's deployments carry timestamps from the future.
    const createdAt = new Date(
      Math.max(Date.now(), newest ? Date.parse(newest.createdAt) + 1000 : 0),
    ).toISOString();
    const id = fields.id ?? nextId();
    addDeployment({ id, status: 'INITIALIZING', createdAt, environmentId: env.id, meta: null });
    const d = deployments.get(id)!;
    d.meta = fields.meta;
    d.pending = [...fields.statuses];
    d.onSuccess = onSuccess;
    return d;
  };

  // Errors the way Railway words them (as far as known: `Not Authorized`, `Project Token not found`).
  const fail = (message: string): never => {
    throw new GraphQLError(message);
  };
  const requireAuth = (ctx: Context) => {
    if (!ctx.authorized) fail('Not Authorized');
  };
  /** A project token sees its environment only. */
  const requireScope = (environmentId: string) => {
    if (tokenKind === 'project' && environmentId !== options.environmentId) fail('Not Authorized');
  };
  const findDeployment = (ctx: Context, id: unknown): DeploymentRecord => {
    requireAuth(ctx);
    const d = deployments.get(String(id));
    if (!d) return fail('Deployment not found');
    requireScope(d.environmentId);
    return d;
  };
  const findEnvironment = (id: unknown): EnvironmentRecord => {
    const env = environments.get(String(id));
    if (!env) return fail('Environment not found');
    requireScope(env.id);
    return env;
  };
  const requireProject = (projectId: unknown) => {
    if (projectId !== undefined && projectId !== null && projectId !== options.projectId) {
      fail('Project not found');
    }
  };
  const findInstance = (environmentId: unknown, serviceId: unknown): EnvironmentRecord => {
    const env = findEnvironment(environmentId);
    if (serviceId !== options.serviceId) fail('ServiceInstance not found');
    return env;
  };

  /**
   * Relay pagination over `all` (already in order) restricted to `include`. Cursors are opaque (base64 of
   * kind and ID); one the emulator never issued is a violation and an error.
   */
  const paginate = <T extends { id: string }>(
    ctx: Context,
    kind: string,
    all: T[],
    include: (item: T) => boolean,
    args: Args,
    view: (item: T) => Item,
  ): Item => {
    const position = (cursor: unknown, name: string): number => {
      const text = String(cursor);
      const id = Buffer.from(text, 'base64').toString('utf8').replace(`${kind}:`, '');
      const index = all.findIndex((item) => item.id === id);
      if (!issuedCursors.has(text) || index < 0) {
        ctx.violation(`${name} cursor ${text} was not issued by this emulator for ${kind}s`);
        fail(`Invalid cursor: ${text}`);
      }
      return index;
    };
    const first = typeof args.first === 'number' ? args.first : undefined;
    const last = typeof args.last === 'number' ? args.last : undefined;
    if ((first ?? 0) < 0 || (last ?? 0) < 0) fail('first and last must not be negative');
    let indices = all.map((_, index) => index).filter((index) => include(all[index]!));
    if (args.after !== undefined && args.after !== null) {
      const after = position(args.after, 'after');
      indices = indices.filter((index) => index > after);
    }
    if (args.before !== undefined && args.before !== null) {
      const before = position(args.before, 'before');
      indices = indices.filter((index) => index < before);
    }
    const total = indices.length;
    if (first !== undefined) indices = indices.slice(0, first);
    if (last !== undefined) indices = indices.slice(Math.max(0, indices.length - last));
    const edges = indices.map((index) => {
      const item = all[index]!;
      const cursor = Buffer.from(`${kind}:${item.id}`).toString('base64');
      issuedCursors.add(cursor);
      return { cursor, node: view(item) };
    });
    return {
      edges,
      pageInfo: {
        hasNextPage: first !== undefined && total > first,
        hasPreviousPage: last !== undefined && total > last,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  };
  const emptyConnection = () => ({
    edges: [],
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
  });

  // Views: plain objects the default resolver reads; functions for fields with arguments or cycles.
  const workspaceView = (): Item => ({
    id: workspace.id,
    name: workspace.name,
    avatar: null,
    createdAt: PROJECT_CREATED_AT,
    updatedAt: PROJECT_CREATED_AT,
    preferredRegion: null,
    discordRole: null,
    slackChannelId: null,
  });

  const serviceView = (): Item => ({
    id: options.serviceId,
    name: serviceName,
    projectId: options.projectId,
    createdAt: PROJECT_CREATED_AT,
    updatedAt: PROJECT_CREATED_AT,
    deletedAt: null,
    icon: null,
    groupId: null,
    templateId: null,
    templateServiceId: null,
    templateThreadSlug: null,
    isRestricted: false,
    hasHiddenRegistryCredentialsFromTemplate: false,
    featureFlags: [],
    project: () => projectView(),
  });

  const domainsView = (env: EnvironmentRecord): Item => ({
    serviceDomains: [
      {
        id: `sd-${env.id}`,
        domain: env.domain,
        suffix: env.domain.endsWith('.up.railway.app') ? 'up.railway.app' : null,
        environmentId: env.id,
        serviceId: options.serviceId,
        projectId: options.projectId,
        targetPort: 8080,
        syncStatus: 'ACTIVE',
        createdAt: env.createdAt,
        updatedAt: env.createdAt,
        deletedAt: null,
        edgeId: null,
        cdnMode: null,
        newDomainName: null,
        newHostLabel: null,
      },
    ],
    customDomains: [],
  });

  const instanceView = (env: EnvironmentRecord): Item => ({
    id: `si-${env.id}`,
    serviceId: options.serviceId,
    serviceName,
    environmentId: env.id,
    createdAt: env.createdAt,
    updatedAt: env.createdAt,
    deletedAt: null,
    healthcheckPath: options.healthcheckPath === undefined ? '/health' : options.healthcheckPath,
    healthcheckTimeout: 300,
    numReplicas: 1,
    region: 'us-west2',
    source: { repo, image: null },
    builder: 'RAILPACK',
    buildCommand: null,
    startCommand: null,
    rootDirectory: null,
    dockerfilePath: null,
    railwayConfigFile: null,
    preDeployCommand: null,
    cronSchedule: null,
    nextCronRunAt: null,
    restartPolicyType: 'ON_FAILURE',
    restartPolicyMaxRetries: 10,
    sleepApplication: false,
    drainingSeconds: null,
    overlapSeconds: null,
    ipv6EgressEnabled: null,
    upstreamUrl: null,
    watchPatterns: [],
    isUpdatable: true,
    nixpacksPlan: null,
    railpackInfo: null,
    edgeConfig: null,
    domains: () => domainsView(env),
    service: () => serviceView(),
    latestDeployment: async (_args: Args, ctx: Context) => {
      const latest = instanceDeployments(options.serviceId, env.id)[0];
      if (!latest) return null;
      await advanceReported(ctx, latest);
      return deploymentView(latest);
    },
    activeDeployments: async (_args: Args, ctx: Context) => {
      const all = instanceDeployments(options.serviceId, env.id);
      for (const d of all) if (d.pending.length > 0) await advanceReported(ctx, d);
      return all.filter((d) => ACTIVE.has(d.status)).map(deploymentView);
    },
  });

  const environmentView = (env: EnvironmentRecord): Item => ({
    id: env.id,
    name: env.name,
    projectId: options.projectId,
    isEphemeral: env.isEphemeral,
    createdAt: env.createdAt,
    updatedAt: env.createdAt,
    deletedAt: null,
    canAccess: true,
    unmergedChangesCount: 0,
    meta:
      env.meta === null
        ? null
        : {
            prNumber: null,
            prTitle: null,
            prRepo: null,
            branch: null,
            baseBranch: null,
            prCommentId: null,
            latestSuccessfulGitHubDeploymentId: null,
            skippedResourceIds: null,
            ...env.meta,
          },
    sourceEnvironment: () => {
      const source = env.sourceEnvironmentId ? environments.get(env.sourceEnvironmentId) : undefined;
      return source ? environmentView(source) : null;
    },
    serviceInstances: (args: Args, ctx: Context) =>
      paginate(
        ctx,
        'serviceInstance',
        [{ id: `si-${env.id}` }],
        () => true,
        args,
        () => instanceView(env),
      ),
    deployments: (args: Args, ctx: Context) =>
      paginate(
        ctx,
        'deployment',
        newestFirst(deployments.values()),
        (d) => d.environmentId === env.id && !d.deleted,
        args,
        deploymentView,
      ),
    volumeInstances: () => emptyConnection(),
  });

  const projectView = (): Item => ({
    id: options.projectId,
    name: options.projectName ?? 'deploy-sentinel',
    description: null,
    createdAt: PROJECT_CREATED_AT,
    updatedAt: PROJECT_CREATED_AT,
    deletedAt: null,
    expiredAt: null,
    isPublic: false,
    isTempProject: false,
    prDeploys,
    botPrEnvironments: false,
    focusedPrEnvironments: false,
    baseEnvironmentId: options.environmentId,
    primaryEnvironmentId: options.environmentId,
    baseEnvironment: () => environmentView(environments.get(options.environmentId)!),
    workspaceId: workspace.id,
    workspace: () => workspaceView(),
    services: (args: Args, ctx: Context) =>
      paginate(ctx, 'service', [{ id: options.serviceId }], () => true, args, serviceView),
    environments: (args: Args, ctx: Context) =>
      paginate(
        ctx,
        'environment',
        [...environments.values()].sort((a, b) =>
          args.sort === 'desc'
            ? b.createdAt.localeCompare(a.createdAt)
            : a.createdAt.localeCompare(b.createdAt),
        ),
        (env) =>
          (typeof args.isEphemeral !== 'boolean' || env.isEphemeral === args.isEphemeral) &&
          (tokenKind !== 'project' || env.id === options.environmentId),
        args,
        environmentView,
      ),
    buckets: () => emptyConnection(),
    volumes: () => emptyConnection(),
  });

  const deploymentView = (d: DeploymentRecord): Item => {
    // A snapshot: a subscription event executes after the state may have moved on.
    const status = d.status;
    const instanceStatus = INSTANCE_STATUS[status];
    return {
      id: d.id,
      status,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      statusUpdatedAt: d.statusUpdatedAt,
      projectId: options.projectId,
      environmentId: d.environmentId,
      serviceId: d.serviceId,
      meta: d.meta === null ? null : structuredClone(d.meta),
      canRollback: canRollback(d),
      canRedeploy: d.canRedeploy,
      deploymentStopped: d.stopped || STOPPED.has(status),
      staticUrl: d.staticUrl,
      url: d.url,
      snapshotId: null,
      diagnosis: null,
      suggestAddServiceDomain: false,
      sockets: [],
      creator: d.creator ? { avatar: null, ...d.creator } : null,
      instances: instanceStatus ? [{ id: `${d.id}-instance-1`, status: instanceStatus }] : [],
      environment: () => environmentView(environments.get(d.environmentId)!),
      service: () => serviceView(),
    };
  };

  const logTimestamp = (line: LogRecord) =>
    `${new Date(line.time).toISOString().slice(0, 19)}.${String(line.time % 1000).padStart(3, '0')}${String(line.nanos).padStart(6, '0')}Z`;

  const logView = (d: DeploymentRecord) => (line: LogRecord) => ({
    timestamp: logTimestamp(line),
    message: line.message,
    severity: line.severity,
    attributes: line.attributes,
    tags: {
      deploymentId: d.id,
      deploymentInstanceId: `${d.id}-instance-1`,
      environmentId: d.environmentId,
      projectId: options.projectId,
      serviceId: d.serviceId,
      snapshotId: null,
      pluginId: null,
    },
  });

  const eventView = (event: EventRecord): Item => ({
    id: event.id,
    step: event.step,
    createdAt: event.createdAt,
    completedAt: event.completedAt,
    payload:
      event.payload === null || event.payload === undefined
        ? null
        : {
            attempt: null,
            detail: null,
            durationMs: null,
            error: null,
            maxAttempts: null,
            reason: null,
            skipped: null,
            ...event.payload,
          },
  });

  /**
   * Railway's log filter, as far as emulated: words and `"phrases"` (case-insensitive substrings),
   * `@key:value` (an attribute; `@level:` also matches `severity`), `-` negating a term, `AND` or nothing
   * between terms. `OR`, parentheses and `replica:` are not emulated: a violation and an error.
   */
  const logMatcher = (ctx: Context, filter: unknown): ((line: LogRecord) => boolean) => {
    if (typeof filter !== 'string' || filter.trim() === '') return () => true;
    const terms = (filter.match(/-?"[^"]*"|\S+/g) ?? []).filter((term) => term !== 'AND');
    const unemulated = terms.filter((term) => term === 'OR' || /[()]/.test(term) || /^-?replica:/.test(term));
    if (unemulated.length > 0) {
      ctx.violation(`log filter ${JSON.stringify(filter)} uses ${unemulated.join(', ')}, not emulated`);
      fail(`the Railway emulator does not emulate the log filter ${JSON.stringify(filter)}`);
    }
    const tests = terms.map((raw) => {
      const negated = raw.startsWith('-') && raw.length > 1;
      const term = negated ? raw.slice(1) : raw;
      const attribute = /^@([^:]+):(.*)$/.exec(term);
      const unquote = (text: string) => text.replace(/^"(.*)"$/, '$1').toLowerCase();
      const test = attribute
        ? (line: LogRecord) => {
            const [key, value] = [attribute[1]!.toLowerCase(), unquote(attribute[2]!)];
            const matches = line.attributes.some(
              (a) => a.key.toLowerCase() === key && a.value.toLowerCase() === value,
            );
            return matches || (key === 'level' && line.severity?.toLowerCase() === value);
          }
        : (line: LogRecord) => line.message.toLowerCase().includes(unquote(term));
      return negated ? (line: LogRecord) => !test(line) : test;
    });
    return (line) => tests.every((test) => test(line));
  };

  const dateArg = (ctx: Context, value: unknown, name: string): number | undefined => {
    if (value === undefined || value === null) return undefined;
    const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(time)) {
      ctx.violation(`${name} ${JSON.stringify(value)} is not an RFC 3339 DateTime`);
      fail(`Invalid DateTime for ${name}`);
    }
    return time;
  };

  /**
   * `buildLogs` / `deploymentLogs`: in time order. With `limit`, Railway answers `limit + 1` lines (the
   * quirk the CLI trims): the newest ones up to `endDate`, or, with only a `startDate`, the oldest from it.
   */
  const logsQuery = (kind: 'build' | 'deploy') => (args: Args, ctx: Context) => {
    const d = findDeployment(ctx, args.deploymentId);
    const start = dateArg(ctx, args.startDate, 'startDate');
    const end = dateArg(ctx, args.endDate, 'endDate');
    if (typeof args.limit === 'number' && args.limit < 0) fail('limit must not be negative');
    const matches = logMatcher(ctx, args.filter);
    let lines = d.logs[kind].filter(
      (line) =>
        (start === undefined || line.time >= start) &&
        (end === undefined || line.time <= end) &&
        matches(line),
    );
    if (typeof args.limit === 'number') {
      const count = args.limit + 1;
      lines = start !== undefined && end === undefined ? lines.slice(0, count) : lines.slice(-count);
    }
    return lines.map(logView(d));
  };

  const queryRoot: Item = {
    deployments: async (args: Args, ctx: Context) => {
      requireAuth(ctx);
      const input = (args.input ?? {}) as {
        projectId?: string | null;
        environmentId?: string | null;
        serviceId?: string | null;
        includeDeleted?: boolean | null;
        status?: { in?: DeploymentStatus[] | null; notIn?: DeploymentStatus[] | null } | null;
      };
      if (input.projectId) requireProject(input.projectId);
      if (input.environmentId) requireScope(input.environmentId);
      const inScope = (d: DeploymentRecord) =>
        (!input.environmentId || d.environmentId === input.environmentId) &&
        (!input.serviceId || d.serviceId === input.serviceId) &&
        (tokenKind !== 'project' || d.environmentId === options.environmentId) &&
        (input.includeDeleted === true || !d.deleted);
      const all = newestFirst(deployments.values());
      for (const d of all) if (inScope(d) && d.pending.length > 0) await advanceReported(ctx, d);
      const statusIn = input.status?.in;
      const statusNotIn = input.status?.notIn;
      return paginate(
        ctx,
        'deployment',
        all,
        (d) =>
          inScope(d) &&
          (!statusIn || statusIn.includes(d.status)) &&
          (!statusNotIn || !statusNotIn.includes(d.status)),
        args,
        deploymentView,
      );
    },
    deployment: async (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      await advanceReported(ctx, d);
      return deploymentView(d);
    },
    serviceInstance: (args: Args, ctx: Context) => {
      requireAuth(ctx);
      return instanceView(findInstance(args.environmentId, args.serviceId));
    },
    domains: (args: Args, ctx: Context) => {
      requireAuth(ctx);
      requireProject(args.projectId);
      return domainsView(findInstance(args.environmentId, args.serviceId));
    },
    environments: (args: Args, ctx: Context) => {
      requireAuth(ctx);
      requireProject(args.projectId);
      return (projectView().environments as (args: Args, ctx: Context) => Item)(args, ctx);
    },
    environment: (args: Args, ctx: Context) => {
      requireAuth(ctx);
      requireProject(args.projectId);
      return environmentView(findEnvironment(args.id));
    },
    project: (args: Args, ctx: Context) => {
      requireAuth(ctx);
      requireProject(args.id);
      return projectView();
    },
    projectToken: (_args: Args, ctx: Context) => {
      requireAuth(ctx);
      if (tokenKind !== 'project') fail('Project Token not found');
      return {
        id: 'pt-emulator-0001',
        name: 'deploy-sentinel',
        displayToken: `${options.token.slice(0, 4)}…`,
        createdAt: PROJECT_CREATED_AT,
        projectId: options.projectId,
        environmentId: options.environmentId,
        project: () => projectView(),
        environment: () => environmentView(environments.get(options.environmentId)!),
      };
    },
    me: (_args: Args, ctx: Context) => {
      requireAuth(ctx);
      if (tokenKind !== 'account') fail('Not Authorized');
      return {
        ...user,
        username: 'sentinel-tester',
        avatar: null,
        createdAt: PROJECT_CREATED_AT,
        lastLogin: PROJECT_CREATED_AT,
        isAdmin: false,
        isVerified: true,
        isConductor: false,
        has2FA: false,
        hasPasskeys: false,
        agreedFairUse: true,
        githubUsername: null,
        githubProviderId: null,
        termsAgreedOn: PROJECT_CREATED_AT,
        workspaces: () => [workspaceView()],
      };
    },
    buildLogs: logsQuery('build'),
    deploymentLogs: logsQuery('deploy'),
    deploymentEvents: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      return paginate(ctx, 'event', d.events, () => true, args, eventView);
    },
  };

  const triggerDeploy = async (request: DeployTriggerRequest, ctx: Context): Promise<DeploymentRecord> => {
    requireAuth(ctx);
    const env = findInstance(request.environmentId, request.serviceId);
    const outcome = triggerHandler ? await triggerHandler(request) : {};
    if ('error' in outcome) return fail(outcome.error);
    const newest = instanceDeployments(options.serviceId, env.id)[0];
    const commitHash =
      outcome.commitHash ??
      request.commitSha ??
      (newest?.meta?.commitHash as string | undefined) ??
      '0'.repeat(40);
    return createDeployment(
      env,
      {
        id: outcome.deploymentId,
        meta: {
          repo,
          branch: env.meta?.branch ?? 'main',
          commitHash,
          ...(outcome.commitMessage !== undefined && { commitMessage: outcome.commitMessage }),
        },
        statuses: outcome.statuses ?? DEFAULT_TRIGGER_SCRIPT,
      },
      outcome.onSuccess,
    );
  };

  const mutationRoot: Item = {
    serviceInstanceDeployV2: async (args: Args, ctx: Context) => {
      const d = await triggerDeploy(
        {
          mutation: 'serviceInstanceDeployV2',
          serviceId: String(args.serviceId),
          environmentId: String(args.environmentId),
          ...(typeof args.commitSha === 'string' && { commitSha: args.commitSha }),
        },
        ctx,
      );
      return d.id;
    },
    serviceInstanceDeploy: async (args: Args, ctx: Context) => {
      await triggerDeploy(
        {
          mutation: 'serviceInstanceDeploy',
          serviceId: String(args.serviceId),
          environmentId: String(args.environmentId),
          ...(typeof args.commitSha === 'string' && { commitSha: args.commitSha }),
          ...(typeof args.latestCommit === 'boolean' && { latestCommit: args.latestCommit }),
        },
        ctx,
      );
      return true;
    },
    deploymentRollback: async (args: Args, ctx: Context) => {
      const target = findDeployment(ctx, args.id);
      if (!canRollback(target)) fail('Deployment cannot be rolled back');
      const outcome = rollbackHandler ? await rollbackHandler(target.id) : {};
      if ('error' in outcome) return fail(outcome.error);
      createDeployment(
        environments.get(target.environmentId)!,
        {
          id: outcome.deploymentId,
          meta: target.meta === null ? null : structuredClone(target.meta),
          statuses: outcome.statuses ?? DEFAULT_ROLLBACK_SCRIPT,
        },
        outcome.onSuccess,
      );
      return true;
    },
    deploymentRedeploy: (args: Args, ctx: Context) => {
      const target = findDeployment(ctx, args.id);
      if (!target.canRedeploy) fail('Deployment cannot be redeployed');
      const d = createDeployment(
        environments.get(target.environmentId)!,
        {
          meta: target.meta === null ? null : structuredClone(target.meta),
          statuses: DEFAULT_TRIGGER_SCRIPT,
        },
        undefined,
      );
      return deploymentView(d);
    },
    deploymentApprove: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      if (d.status !== 'NEEDS_APPROVAL') fail('Deployment does not need approval');
      setStatus(d, 'QUEUED');
      return true;
    },
    deploymentCancel: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      if (!CANCELLABLE.has(d.status)) fail('Deployment cannot be cancelled');
      d.pending = [];
      d.onSuccess = undefined;
      setStatus(d, 'REMOVED');
      return true;
    },
    deploymentRemove: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      d.pending = [];
      setStatus(d, 'REMOVED');
      return true;
    },
    deploymentStop: (args: Args, ctx: Context) => {
      findDeployment(ctx, args.id).stopped = true;
      return true;
    },
    deploymentRestart: (args: Args, ctx: Context) => {
      findDeployment(ctx, args.id);
      return true;
    },
  };

  /** A stream of `change`s of `d`, mapped to subscription payloads (the per-event root values). */
  const stream = (d: DeploymentRecord, map: (change: Change) => Item | undefined, initial: Item[]) => {
    let listener: (change: Change) => void = () => undefined;
    const channel: Channel<Item> = new Channel<Item>({
      onDelivered: (item) => {
        const version = item[VERSION];
        if (typeof version === 'number') delivered(d, version);
      },
      onEnd: () => {
        d.listeners.delete(listener);
        channels.delete(channel);
      },
    });
    listener = (change) => {
      const item = map(change);
      if (item) channel.push(item);
    };
    d.listeners.add(listener);
    channels.add(channel);
    initial.forEach((item) => channel.push(item));
    return channel;
  };

  const statusEvent = (d: DeploymentRecord): Item => ({
    deployment: deploymentView(d),
    [VERSION]: d.version,
  });

  /**
   * `buildLogs` / `deploymentLogs` subscriptions: first the existing lines that match (the last `limit`; the
   * limit+1 quirk is not known to apply here), as one batch, then each `addLogs` batch as it comes.
   */
  const logsSubscription = (kind: 'build' | 'deploy', field: string) => (args: Args, ctx: Context) => {
    const d = findDeployment(ctx, args.deploymentId);
    const matches = logMatcher(ctx, args.filter);
    const view = logView(d);
    let backlog = d.logs[kind].filter(matches);
    if (typeof args.limit === 'number') backlog = backlog.slice(-Math.max(0, args.limit));
    return stream(
      d,
      (change) => {
        if (change.kind !== 'logs' || change.log !== kind) return undefined;
        const lines = change.lines.filter(matches);
        return lines.length > 0 ? { [field]: lines.map(view) } : undefined;
      },
      backlog.length > 0 ? [{ [field]: backlog.map(view) }] : [],
    );
  };

  const subscriptionRoot: Item = {
    deployment: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      return stream(
        d,
        (change) => (change.kind === 'status' ? statusEvent(d) : undefined),
        pushInitialStatus ? [statusEvent(d)] : [],
      );
    },
    buildLogs: logsSubscription('build', 'buildLogs'),
    deploymentLogs: logsSubscription('deploy', 'deploymentLogs'),
    deploymentEvents: (args: Args, ctx: Context) => {
      const d = findDeployment(ctx, args.id);
      return stream(
        d,
        (change) => (change.kind === 'event' ? { deploymentEvents: eventView(change.event) } : undefined),
        [],
      );
    },
  };

  const roots = { query: queryRoot, mutation: mutationRoot, subscription: subscriptionRoot };

  /** The default resolver, except that a field the view lacks is one the emulator does not emulate. */
  const resolveField: GraphQLFieldResolver<unknown, Context> = (source, args, ctx, info) => {
    const check = (value: unknown) => {
      if (value !== undefined) return value;
      const what = `${info.parentType.name}.${info.fieldName}`;
      ctx.violation(`the Railway emulator does not emulate ${what}`);
      throw new GraphQLError(`the Railway emulator does not emulate ${what}`);
    };
    const value: unknown = defaultFieldResolver(source, args, ctx, info);
    return value instanceof Promise ? value.then(check) : check(value);
  };

  type Prepared =
    | { ok: true; document: DocumentNode; operation: OperationDefinitionNode }
    | { ok: false; errors: readonly GraphQLError[] };

  /** Parses, validates, selects the operation and coerces the variables; every failure is a violation. */
  const prepare = (recorded: RecordedRequest, violation: (problem: string) => void): Prepared => {
    let document: DocumentNode;
    try {
      document = parse(recorded.query);
    } catch (error) {
      const syntax = error instanceof GraphQLError ? error : new GraphQLError(String(error));
      violation(`does not parse: ${syntax.message}`);
      return { ok: false, errors: [syntax] };
    }
    const invalid = validate(schema, document);
    const operation = getOperationAST(document, recorded.operationName ?? undefined);
    if (operation) {
      recorded.operationName = operation.name?.value ?? null;
      recorded.operationType = operation.operation;
      recorded.fields = operation.selectionSet.selections
        .filter((selection): selection is FieldNode => selection.kind === Kind.FIELD)
        .map((field) => field.name.value);
    }
    if (invalid.length > 0) {
      for (const error of invalid) violation(`invalid against the schema: ${error.message}`);
      return { ok: false, errors: invalid };
    }
    const checked = validateExecutionArgs({
      schema,
      document,
      operationName: recorded.operationName,
      variableValues: recorded.variables,
    });
    if (Array.isArray(checked)) {
      for (const error of checked as readonly GraphQLError[]) violation(`cannot execute: ${error.message}`);
      return { ok: false, errors: checked as readonly GraphQLError[] };
    }
    return { ok: true, document, operation: operation! };
  };

  /** Errors the emulator or a hook caused (anything but a deliberate GraphQLError) are violations. */
  const checkResult = (result: ExecutionResult, violation: (problem: string) => void) => {
    for (const error of result.errors ?? []) {
      if (error.originalError && !(error.originalError instanceof GraphQLError)) {
        violation(`the Railway emulator or a scenario hook failed: ${error.message}`);
      }
    }
    return result;
  };

  const authorized = (credential: Credential) =>
    credential.token === options.token &&
    credential.header === (tokenKind === 'project' ? 'Project-Access-Token' : 'Authorization');

  const context = (credential: Credential, reporting: boolean, violation: (p: string) => void): Context => ({
    authorized: authorized(credential),
    reporting,
    advanced: new Set(),
    violation,
  });

  const rateLimitHeaders = (): { headers: Record<string, string>; exceeded: boolean; retryAfter: number } => {
    const now = Date.now();
    if (now - rateWindow.start >= rateLimit.windowSeconds * 1000) rateWindow = { start: now, used: 0 };
    rateWindow.used++;
    const reset = rateWindow.start + rateLimit.windowSeconds * 1000;
    return {
      headers: {
        'X-RateLimit-Limit': String(rateLimit.limit),
        'X-RateLimit-Remaining': String(Math.max(0, rateLimit.limit - rateWindow.used)),
        // Epoch seconds.
        'X-RateLimit-Reset': String(Math.ceil(reset / 1000)),
      },
      exceeded: rateWindow.used > rateLimit.limit,
      retryAfter: Math.max(1, Math.ceil((reset - now) / 1000)),
    };
  };

  const respond = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const rawBody = await readBody(request);
    const credential = credentialOf(request.headers);
    const recorded: RecordedRequest = {
      transport: 'http',
      operationName: null,
      operationType: null,
      fields: [],
      query: '',
      variables: {},
      headers: redactHeaders(request.headers),
      auth: credential.header,
      at: Date.now(),
      errors: [],
    };
    requests.push(recorded);
    const violation = (problem: string) =>
      violations.push(`http ${recorded.operationName ?? `${method} ${url.pathname}`}: ${problem}`);
    const rate = rateLimitHeaders();
    const send = (
      status: number,
      body: string,
      contentType: string,
      headers: Record<string, string> = {},
    ) => {
      recorded.status = status;
      response.writeHead(status, { ...rate.headers, 'Content-Type': contentType, ...headers });
      response.end(body);
    };
    const sendJson = (status: number, result: ExecutionResult | { errors: GraphQLFormattedError[] }) => {
      recorded.errors = (result.errors ?? []).map((error) => error.message);
      send(status, JSON.stringify(result), 'application/json; charset=utf-8');
    };
    const requestError = (status: number, message: string) => {
      violation(message);
      sendJson(status, { errors: [{ message }] });
    };

    if (url.pathname !== RAILWAY_GRAPHQL_PATH) {
      return requestError(404, `${method} ${url.pathname} is not Railway's GraphQL endpoint`);
    }
    if (method !== 'POST') return requestError(405, `${method}: Railway's GraphQL endpoint takes POST`);
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      return requestError(
        415,
        `Content-Type ${request.headers['content-type'] ?? '(none)'} is not application/json`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return requestError(400, 'the body is not JSON');
    }
    const fields = body as { query?: unknown; variables?: unknown; operationName?: unknown };
    if (
      typeof body !== 'object' ||
      body === null ||
      Array.isArray(body) ||
      typeof fields.query !== 'string'
    ) {
      return requestError(400, 'the body is not {query, variables?, operationName?} with a string query');
    }
    recorded.query = fields.query;
    if (typeof fields.operationName === 'string') recorded.operationName = fields.operationName;
    if (fields.variables !== undefined && fields.variables !== null) {
      if (typeof fields.variables !== 'object' || Array.isArray(fields.variables)) {
        return requestError(400, 'variables must be an object');
      }
      recorded.variables = fields.variables as Record<string, unknown>;
    }
    const prepared = prepare(recorded, violation);
    if (prepared.ok && prepared.operation.operation === 'subscription') {
      violation('a subscription sent over HTTP; Railway streams them over the WebSocket');
    }

    const fault = faults.shift();
    if (fault?.kind === 'status') {
      recorded.errors = [`HTTP ${fault.status}`];
      if (fault.status === 429) {
        return send(
          429,
          JSON.stringify({ errors: [{ message: 'Rate limit exceeded' }] }),
          'application/json; charset=utf-8',
          fault.headers,
        );
      }
      return send(
        fault.status,
        `<html><body><h1>${fault.status}</h1>injected by the Railway emulator</body></html>`,
        'text/html; charset=utf-8',
        fault.headers,
      );
    }
    if (fault?.kind === 'errors') {
      return sendJson(200, {
        data: null,
        errors: [{ message: fault.message, ...(fault.extensions && { extensions: fault.extensions }) }],
      });
    }
    if (fault?.kind === 'malformed') {
      recorded.errors = ['malformed body'];
      return send(200, '{"data":{"deployment":{"id":', 'application/json; charset=utf-8');
    }
    if (rate.exceeded) {
      recorded.errors = ['rate limited'];
      return send(
        429,
        JSON.stringify({ errors: [{ message: 'Rate limit exceeded' }] }),
        'application/json; charset=utf-8',
        { 'Retry-After': String(rate.retryAfter) },
      );
    }
    if (!prepared.ok) {
      return sendJson(validationErrorStatus, { errors: prepared.errors.map((error) => error.toJSON()) });
    }
    if (prepared.operation.operation === 'subscription') {
      return sendJson(400, { errors: [{ message: 'Subscriptions are only supported over WebSocket' }] });
    }
    const ctx = context(credential, prepared.operation.operation === 'query', violation);
    const result = await execute({
      schema,
      document: prepared.document,
      operationName: recorded.operationName,
      variableValues: recorded.variables,
      rootValue: roots[prepared.operation.operation],
      contextValue: ctx,
      fieldResolver: resolveField,
    });
    sendJson(200, checkResult(result, violation));
  };

  const server = createServer((request, response) => {
    enqueue(() => respond(request, response)).catch((error: unknown) => {
      violations.push(`emulator crashed on ${request.method} ${request.url}: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  // WebSocket side.
  const socketRecords = new WeakMap<IncomingMessage, RecordedSocket>();
  const dropAfter = new WeakMap<WsConnection, number>();
  const recordSocket = (request: IncomingMessage): RecordedSocket => {
    let record = socketRecords.get(request);
    if (!record) {
      const offered = request.headers['sec-websocket-protocol'];
      record = {
        at: Date.now(),
        protocol: typeof offered === 'string' ? offered : null,
        accepted: false,
        headers: redactHeaders(request.headers),
      };
      socketRecords.set(request, record);
      sockets.push(record);
    }
    return record;
  };
  const connectionCredential = (connection: WsConnection): Credential => {
    const fromParams = credentialOf(lowerKeys(connection.initPayload ?? {}));
    return fromParams.header ? fromParams : credentialOf(connection.request.headers);
  };

  const ws = attachGraphqlWsServer(server, {
    path: RAILWAY_GRAPHQL_PATH,
    gate(request) {
      const record = recordSocket(request);
      if (refuseSocketsWith !== undefined) record.refusedWith = refuseSocketsWith;
      return refuseSocketsWith;
    },
    onOpen(connection, accepted) {
      recordSocket(connection.request).accepted = accepted;
      if (accepted && dropPlan.sockets > 0) {
        dropPlan.sockets--;
        dropAfter.set(connection, dropPlan.messages);
      }
    },
    onConnectionInit(connection, payload) {
      recordSocket(connection.request).connectionParams = redactParams(payload);
      return true;
    },
    onProtocolError(connection, problem) {
      violations.push(`ws${connection ? ` socket ${connection.id}` : ''}: ${problem}`);
    },
    onNext(connection) {
      const limit = dropAfter.get(connection);
      if (limit !== undefined && connection.nextCount >= limit) {
        recordSocket(connection.request).dropped = true;
        connection.terminate();
      }
    },
    onClose(connection, code) {
      recordSocket(connection.request).closeCode = code;
    },
    onSubscribe: (connection, _id, payload) =>
      enqueue(async (): Promise<SubscribeOutcome> => {
        const credential = connectionCredential(connection);
        const recorded: RecordedRequest = {
          transport: 'ws',
          operationName: payload.operationName ?? null,
          operationType: null,
          fields: [],
          query: payload.query,
          variables: payload.variables ?? {},
          headers: redactHeaders(connection.request.headers),
          connectionParams: redactParams(connection.initPayload ?? {}),
          auth: credential.header,
          at: Date.now(),
          errors: [],
        };
        requests.push(recorded);
        const violation = (problem: string) =>
          violations.push(`ws ${recorded.operationName ?? '(anonymous)'}: ${problem}`);
        const prepared = prepare(recorded, violation);
        if (!prepared.ok) {
          recorded.errors = prepared.errors.map((error) => error.message);
          return prepared.errors.map((error) => error.toJSON());
        }
        const type = prepared.operation.operation;
        const ctx = context(credential, type === 'query', violation);
        const args = {
          schema,
          document: prepared.document,
          operationName: recorded.operationName,
          variableValues: recorded.variables,
          rootValue: roots[type],
          contextValue: ctx,
          fieldResolver: resolveField,
          subscribeFieldResolver: resolveField,
        };
        const note = (result: ExecutionResult) => {
          recorded.errors.push(...(result.errors ?? []).map((error) => error.message));
          return checkResult(result, violation);
        };
        if (type !== 'subscription') return note(await execute(args));
        const outcome = await subscribe(args);
        if (!isAsyncIterable(outcome)) return note(outcome);
        return inspected(outcome, note);
      }),
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const find = (id: string, what: string) => {
    const d = deployments.get(id);
    if (!d) throw new Error(`${what}(): no deployment ${id}`);
    return d;
  };

  return {
    url: `http://127.0.0.1:${port}${RAILWAY_GRAPHQL_PATH}`,
    wsUrl: `ws://127.0.0.1:${port}${RAILWAY_GRAPHQL_PATH}`,
    requests,
    sockets,
    violations,
    script(deploymentId, statuses, hooks = {}) {
      const d = find(deploymentId, 'script');
      d.pending = [...statuses];
      d.onSuccess = hooks.onSuccess;
    },
    advance(deploymentId) {
      const d = find(deploymentId, 'advance');
      return enqueue(() => advanceRecord(d));
    },
    addDeployment,
    addLogs(deploymentId, kind, lines) {
      const d = find(deploymentId, 'addLogs');
      const log = d.logs[kind];
      const added = lines.map((line) => {
        const previous = log.at(-1);
        const time =
          line.timestamp === undefined
            ? previous
              ? previous.time + 1
              : Date.parse(d.createdAt)
            : Date.parse(line.timestamp);
        if (Number.isNaN(time)) throw new Error(`addLogs(): bad timestamp ${line.timestamp}`);
        const record: LogRecord = {
          time,
          nanos: log.filter((other) => other.time === time).length,
          message: line.message,
          severity: line.severity ?? null,
          attributes: Object.entries(line.attributes ?? {}).map(([key, value]) => ({ key, value })),
        };
        log.push(record);
        log.sort((a, b) => a.time - b.time || a.nanos - b.nanos);
        return record;
      });
      notify(d, { kind: 'logs', log: kind, lines: added });
    },
    addEvents(deploymentId, events) {
      const d = find(deploymentId, 'addEvents');
      for (const spec of events) {
        const previous = d.events.at(-1);
        const event: EventRecord = {
          id: nextId(),
          step: spec.step,
          createdAt:
            spec.createdAt ??
            new Date(
              (previous ? Date.parse(previous.createdAt) : Date.parse(d.createdAt)) + 1000,
            ).toISOString(),
          completedAt: spec.completedAt ?? null,
          payload: spec.payload,
        };
        d.events.push(event);
        notify(d, { kind: 'event', event });
      }
    },
    deployment(id) {
      return state(find(id, 'deployment'));
    },
    deployments() {
      return newestFirst(deployments.values()).map(state);
    },
    onDeployTriggered(handler) {
      triggerHandler = handler;
    },
    onRollback(handler) {
      rollbackHandler = handler;
    },
    failNext(count, status, headers = {}) {
      const defaults: Record<string, string> =
        status === 429 ? { 'Retry-After': '1', 'X-RateLimit-Remaining': '0' } : {};
      for (let i = 0; i < count; i++)
        faults.push({ kind: 'status', status, headers: { ...defaults, ...headers } });
    },
    graphqlErrorsNext(count, message, extensions) {
      for (let i = 0; i < count; i++) faults.push({ kind: 'errors', message, extensions });
    },
    malformedNext(count) {
      for (let i = 0; i < count; i++) faults.push({ kind: 'malformed' });
    },
    dropSocketAfter(messages, socketCount = 1) {
      if (!Number.isInteger(messages) || messages < 1)
        throw new Error('dropSocketAfter(): messages must be >= 1');
      dropPlan = { messages, sockets: socketCount };
    },
    rejectSockets(status = 503) {
      refuseSocketsWith = status;
    },
    completeSubscriptions() {
      return ws.completeAll();
    },
    async close() {
      for (const channel of channels) channel.end();
      await ws.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/**
 * An async queue of subscription payloads. It knows when its consumer came back for the next item, which
 * means the previous one was handled (for a socket: sent), and tells `onDelivered`.
 */
class Channel<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiting: ((result: IteratorResult<T>) => void)[] = [];
  private handed: { item: T } | undefined;
  private ended = false;

  constructor(private readonly hooks: { onDelivered?: (item: T) => void; onEnd?: () => void }) {}

  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiting.shift();
    if (!waiter) {
      this.buffer.push(item);
      return;
    }
    this.handed = { item };
    waiter({ value: item, done: false });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.handed) {
      const { item } = this.handed;
      this.handed = undefined;
      this.hooks.onDelivered?.(item);
    }
    if (this.buffer.length > 0) {
      const item = this.buffer.shift()!;
      this.handed = { item };
      return Promise.resolve({ value: item, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.buffer.length = 0;
    for (const waiter of this.waiting.splice(0)) waiter({ value: undefined, done: true });
    this.hooks.onEnd?.();
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

function isAsyncIterable(value: unknown): value is AsyncGenerator<ExecutionResult, void, void> {
  return typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

/**
 * Passes each result through `inspect`, keeping the stream lazy and its `return` immediate (an async
 * generator wrapper would queue `return` behind a pending `next`).
 */
function inspected(
  source: AsyncGenerator<ExecutionResult, void, void>,
  inspect: (result: ExecutionResult) => ExecutionResult,
): AsyncIterableIterator<ExecutionResult> {
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    next: async () => {
      const step = await source.next();
      return step.done ? { value: undefined, done: true } : { value: inspect(step.value), done: false };
    },
    return: async () => {
      await source.return();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** The credential a request carries: `Project-Access-Token` first, else `Authorization: Bearer`. */
function credentialOf(headers: IncomingHttpHeaders | Record<string, unknown>): Credential {
  const project = headers['project-access-token'];
  if (typeof project === 'string') return { header: 'Project-Access-Token', token: project };
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const bearer = /^Bearer (.+)$/.exec(authorization);
    return { header: 'Authorization', ...(bearer && { token: bearer[1] }) };
  }
  return { header: null };
}

function lowerKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
}

function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    redacted[name] = redact(name, text);
  }
  return redacted;
}

function redactParams(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(params).map(([key, value]) => [
      key,
      typeof value === 'string' ? redact(key, value) : value,
    ]),
  );
}

function redact(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (lower === 'authorization') return value.startsWith('Bearer ') ? 'Bearer [redacted]' : '[redacted]';
  if (lower === 'project-access-token') return '[redacted]';
  return value;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
