/**
 * The scenario state of the Railway emulator: the project, its environments, the service's deployments and
 * their scripts, logs and events, and how a deployment moves (one scripted step per report, pushes to
 * subscribers, auto-progress over the WebSocket). No GraphQL here: railway-routes.ts resolves operations
 * against this state, railway-emulator.ts wires both to the server and the contract.
 */

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

export interface LogRecord {
  time: number;
  /** Nanoseconds within the millisecond, so timestamps are unique and ordered. */
  nanos: number;
  message: string;
  severity: string | null;
  attributes: { key: string; value: string }[];
}

export interface EventRecord {
  id: string;
  step: DeploymentEventStep;
  createdAt: string;
  completedAt: string | null;
  payload: RailwayEventSpec['payload'];
}

export type Change =
  | { kind: 'status' }
  | { kind: 'logs'; log: 'build' | 'deploy'; lines: LogRecord[] }
  | { kind: 'event'; event: EventRecord };

export interface DeploymentRecord {
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

export interface EnvironmentRecord {
  id: string;
  name: string;
  isEphemeral: boolean;
  createdAt: string;
  meta: Partial<EnvironmentMetaFields> | null;
  sourceEnvironmentId: string | null;
  domain: string;
}

export const VERSION = Symbol('version');
export const PROJECT_CREATED_AT = '2025-01-06T09:00:00.000Z';
export const DEFAULT_TRIGGER_SCRIPT: DeploymentStatus[] = ['BUILDING', 'DEPLOYING', 'SUCCESS'];
export const DEFAULT_ROLLBACK_SCRIPT: DeploymentStatus[] = ['DEPLOYING', 'SUCCESS'];
const LIVE_ONCE: ReadonlySet<DeploymentStatus> = new Set(['SUCCESS', 'SLEEPING', 'REMOVED']);
export const ACTIVE: ReadonlySet<DeploymentStatus> = new Set(['SUCCESS', 'SLEEPING']);
export const STOPPED: ReadonlySet<DeploymentStatus> = new Set([
  'REMOVED',
  'FAILED',
  'CRASHED',
  'SKIPPED',
  'SLEEPING',
]);
export const CANCELLABLE: ReadonlySet<DeploymentStatus> = new Set([
  'INITIALIZING',
  'QUEUED',
  'WAITING',
  'NEEDS_APPROVAL',
  'BUILDING',
]);
export const INSTANCE_STATUS: Partial<Record<DeploymentStatus, string>> = {
  DEPLOYING: 'INITIALIZING',
  SUCCESS: 'RUNNING',
  SLEEPING: 'STOPPED',
  CRASHED: 'CRASHED',
  REMOVING: 'REMOVING',
  REMOVED: 'REMOVED',
};

/** What a query that reports deployments has advanced already (each deployment at most one step). */
export interface Reporting {
  /** Query operations report deployments, and so advance scripted ones (once each). */
  reporting: boolean;
  advanced: Set<string>;
}

/** What a scenario decides: set by `onDeployTriggered()` and `onRollback()`. */
export interface RailwayScenarioHooks {
  trigger?: (request: DeployTriggerRequest) => Promise<DeployTriggerOutcome>;
  rollback?: (targetDeploymentId: string) => Promise<RollbackOutcome>;
}

export type RailwayState = ReturnType<typeof createRailwayState>;

/**
 * The scenario. `runtime.enqueue` is the emulator's one-at-a-time queue (auto-progress steps go through
 * it); `runtime.violations` its list.
 */
export function createRailwayState(
  options: RailwayEmulatorOptions,
  runtime: { enqueue<T>(task: () => Promise<T>): Promise<T>; violations: string[] },
) {
  const { violations } = runtime;
  const tokenKind = options.tokenKind ?? 'account';
  const serviceName = options.serviceName ?? 'deploy-sentinel-example';
  const repo = options.repo ?? 'example/deploy-sentinel-example';
  const wsProgress = options.wsProgress ?? 'auto';
  const hooks: RailwayScenarioHooks = {};
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

  const stateOf = (d: DeploymentRecord): RailwayDeploymentState => ({
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

  const advanceReported = async (ctx: Reporting, d: DeploymentRecord) => {
    if (!ctx.reporting || ctx.advanced.has(d.id)) return;
    ctx.advanced.add(d.id);
    await advanceRecord(d);
  };

  /** A subscription event of `d` was handed to a socket: auto-progress takes the next step. */
  const delivered = (d: DeploymentRecord, version: number) => {
    if (wsProgress !== 'auto' || version !== d.version || d.autoAdvancedAt === version) return;
    if (SETTLED_STATUSES.has(d.status) || d.pending.length === 0) return;
    d.autoAdvancedAt = version;
    runtime
      .enqueue(() => advanceRecord(d))
      .catch((error: unknown) =>
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

  const find = (id: string, what: string) => {
    const d = deployments.get(id);
    if (!d) throw new Error(`${what}(): no deployment ${id}`);
    return d;
  };

  const script = (deploymentId: string, statuses: DeploymentStatus[], progress: ProgressHooks = {}) => {
    const d = find(deploymentId, 'script');
    d.pending = [...statuses];
    d.onSuccess = progress.onSuccess;
  };

  const addLogs = (deploymentId: string, kind: 'build' | 'deploy', lines: RailwayLogLine[]) => {
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
  };

  const addEvents = (deploymentId: string, events: RailwayEventSpec[]) => {
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
  };

  return {
    options,
    tokenKind,
    serviceName,
    repo,
    hooks,
    nextId,
    environments,
    prDeploys,
    deployments,
    addDeployment,
    newestFirst,
    instanceDeployments,
    canRollback,
    stateOf,
    setStatus,
    advanceRecord,
    advanceReported,
    delivered,
    createDeployment,
    find,
    script,
    addLogs,
    addEvents,
  };
}
