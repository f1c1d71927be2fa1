/**
 * The scenario state of the Render emulator: services (the main one and its PR previews), deploys and their
 * scripts, events and logs, and the JSON Render serves for them. No HTTP here: render-routes.ts answers
 * requests from this state, render-emulator.ts wires both to the server and the contract.
 *
 * Deploys progress without timers: a script of statuses, one step per response that reports the deploy
 * (see {@link RenderEmulator.script} in render-emulator.ts).
 */

export type RenderStatus =
  | 'created'
  | 'queued'
  | 'build_in_progress'
  | 'update_in_progress'
  | 'pre_deploy_in_progress'
  | 'live'
  | 'build_failed'
  | 'update_failed'
  | 'pre_deploy_failed'
  | 'canceled'
  | 'deactivated';

export type RenderTrigger =
  | 'api'
  | 'blueprint_sync'
  | 'deploy_hook'
  | 'deployed_by_render'
  | 'manual'
  | 'other'
  | 'new_commit'
  | 'rollback'
  | 'service_resumed'
  | 'service_updated';

export interface RenderDeploySpec {
  /** Opaque; Render's look like `dep-` and 20 characters. */
  id: string;
  /** The Git SHA, served as `commit.id`. */
  commit: string;
  commitMessage?: string;
  status: RenderStatus;
  createdAt: string;
  /** Defaults to `createdAt` for a deploy that is already finished. */
  finishedAt?: string;
  /** Defaults to `new_commit`. */
  trigger?: RenderTrigger;
  /** Defaults to the emulator's main service. */
  serviceId?: string;
}

/** A pull-request preview: a service of its own whose `serviceDetails.parentServer` is the main service. */
export interface RenderPreviewSpec {
  id: string;
  serviceUrl: string;
  name?: string;
}

export interface RenderLogLine {
  message: string;
  timestamp: string;
  type: 'app' | 'build' | 'request';
  level?: string;
  /** The `resource` label; defaults to the main service. */
  resource?: string;
}

export interface RenderEventSpec {
  /** One of the document's event types, e.g. `deploy_ended`. */
  type: string;
  timestamp: string;
  /**
   * Sent as given, and validated against the variant named by `type` (`deploy_ended` -> "Deploy Ended").
   * Mind the document's required fields: `deploy_ended` needs `deployId`, `deployStatus`, `reason` and the
   * deprecated integer `status`; `reason.failure` needs `evicted`.
   */
  details: Record<string, unknown>;
  /** Defaults to the main service. */
  serviceId?: string;
}

export interface ProgressHooks {
  /** Awaited before the response that first reports the deploy `live`. */
  onLive?: () => Promise<void>;
}

/** The body of `POST /services/{serviceId}/deploys`, as sent. */
export interface DeployTriggerRequest {
  serviceId: string;
  commitId?: string;
  clearCache?: 'clear' | 'do_not_clear';
  imageUrl?: string;
  deployMode?: 'deploy_only' | 'build_and_deploy';
}

/**
 * What a deploy trigger does. 201 answers with the new deploy, 202 creates it but answers with no body (the
 * client has to list deploys to find it), anything with a `message` creates nothing and answers that
 * status with `{message}` (409: a conflicting deploy).
 */
export type DeployTriggerOutcome =
  | {
      status: 201 | 202;
      /** Defaults to a generated `dep-emu...` ID. */
      deployId?: string;
      /** Defaults to `commitId`, else the commit of the service's newest deploy (`HEAD` if it has none). */
      commit?: string;
      /** The script the new deploy follows; defaults to build_in_progress, update_in_progress, live. */
      statuses?: RenderStatus[];
      onLive?: () => Promise<void>;
    }
  | { status: number; message: string };

/**
 * What a rollback does. 201 (the default) creates a deploy of the target's commit with trigger `rollback`,
 * following `statuses` (default update_in_progress, live); a `message` answers that status instead.
 * The handler only sees targets that exist and were live (status `live` or `deactivated`); anything else
 * is answered 404 or 400 first.
 */
export type RollbackOutcome =
  | { status: 201; statuses?: RenderStatus[]; onLive?: () => Promise<void> }
  | { status: number; message: string };

export interface ServiceRecord {
  id: string;
  name: string;
  url: string;
  parent?: { id: string; name: string };
  autoDeploy: 'yes' | 'no';
  createdAt: string;
  updatedAt: string;
}

export interface DeployRecord {
  serviceId: string;
  id: string;
  commit: string;
  commitMessage?: string;
  status: RenderStatus;
  trigger: RenderTrigger;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  pending: RenderStatus[];
  onLive?: () => Promise<void>;
  tamper?: Record<string, unknown>;
}

export interface EventRecord {
  id: string;
  serviceId: string;
  type: string;
  timestamp: string;
  details: Record<string, unknown>;
}

export interface LogRecord {
  id: string;
  resource: string;
  message: string;
  time: number;
  labels: { name: string; value: string }[];
}

const IN_PROGRESS: ReadonlySet<RenderStatus> = new Set([
  'build_in_progress',
  'update_in_progress',
  'pre_deploy_in_progress',
]);
const FINISHED: ReadonlySet<RenderStatus> = new Set([
  'live',
  'build_failed',
  'update_failed',
  'pre_deploy_failed',
  'canceled',
  'deactivated',
]);
export const DEFAULT_TRIGGER_SCRIPT: RenderStatus[] = ['build_in_progress', 'update_in_progress', 'live'];
export const DEFAULT_ROLLBACK_SCRIPT: RenderStatus[] = ['update_in_progress', 'live'];
const SERVICE_CREATED_AT = '2025-01-06T09:00:00.000Z';

export interface RenderStateOptions {
  serviceId: string;
  ownerId?: string;
  serviceName?: string;
  /** `serviceDetails.url`, e.g. the example service's URL. */
  serviceUrl: string;
  deploys?: RenderDeploySpec[];
  previews?: RenderPreviewSpec[];
  /**
   * The order deploy lists come in; Render leaves it unstated. `shuffled` is a fixed scramble (alternately
   * the oldest and the newest remaining), so with three or more deploys neither createdAt order holds.
   */
  pageOrder?: 'newest-first' | 'oldest-first' | 'shuffled';
}

export type RenderState = ReturnType<typeof createRenderState>;

/** The scenario: records, how deploys move, and the JSON Render serves for them. */
export function createRenderState(options: RenderStateOptions) {
  const ownerId = options.ownerId ?? 'tea-emulator0000000000';
  const pageOrder = options.pageOrder ?? 'newest-first';
  let sequence = 0;
  const nextId = (prefix: string) => `${prefix}-emu${String(++sequence).padStart(17, '0')}`;

  const mainName = options.serviceName ?? 'deploy-sentinel-example';
  const services = new Map<string, ServiceRecord>();
  services.set(options.serviceId, {
    id: options.serviceId,
    name: mainName,
    url: options.serviceUrl,
    autoDeploy: 'yes',
    createdAt: SERVICE_CREATED_AT,
    updatedAt: SERVICE_CREATED_AT,
  });
  (options.previews ?? []).forEach((preview, index) => {
    const createdAt = new Date(Date.parse(SERVICE_CREATED_AT) + (index + 1) * 3_600_000).toISOString();
    services.set(preview.id, {
      id: preview.id,
      name: preview.name ?? `${mainName}-pr-${index + 1}`,
      url: preview.serviceUrl,
      parent: { id: options.serviceId, name: mainName },
      autoDeploy: 'yes',
      createdAt,
      updatedAt: createdAt,
    });
  });
  const deploys = new Map<string, DeployRecord>();
  const events: EventRecord[] = [];
  const logs: LogRecord[] = [];
  const logTimes = new Set<number>();

  const addDeploy = (spec: RenderDeploySpec) => {
    if (deploys.has(spec.id)) throw new Error(`deploy ${spec.id} already exists`);
    const finished = FINISHED.has(spec.status);
    deploys.set(spec.id, {
      serviceId: spec.serviceId ?? options.serviceId,
      id: spec.id,
      commit: spec.commit,
      commitMessage: spec.commitMessage,
      status: spec.status,
      trigger: spec.trigger ?? 'new_commit',
      createdAt: spec.createdAt,
      updatedAt: spec.finishedAt ?? spec.createdAt,
      startedAt: IN_PROGRESS.has(spec.status) || finished ? spec.createdAt : undefined,
      finishedAt: finished ? (spec.finishedAt ?? spec.createdAt) : undefined,
      pending: [],
    });
  };
  options.deploys?.forEach(addDeploy);

  const deploysOf = (serviceId: string) =>
    [...deploys.values()]
      .filter((deploy) => deploy.serviceId === serviceId)
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));

  const setStatus = (deploy: DeployRecord, status: RenderStatus) => {
    const now = new Date().toISOString();
    if (status === 'live') {
      for (const other of deploysOf(deploy.serviceId)) {
        if (other !== deploy && other.status === 'live')
          Object.assign(other, { status: 'deactivated', updatedAt: now });
      }
    }
    deploy.status = status;
    deploy.updatedAt = now;
    if ((IN_PROGRESS.has(status) || FINISHED.has(status)) && !deploy.startedAt) deploy.startedAt = now;
    if (FINISHED.has(status) && !deploy.finishedAt) deploy.finishedAt = now;
  };

  const advance = async (deploy: DeployRecord) => {
    const status = deploy.pending.shift();
    if (!status) return;
    setStatus(deploy, status);
    if (status === 'live' && deploy.onLive) {
      const hook = deploy.onLive;
      deploy.onLive = undefined;
      await hook();
    }
  };

  const createDeploy = (
    serviceId: string,
    fields: { id?: string; commit: string; trigger: RenderTrigger; statuses: RenderStatus[] },
    onLive: (() => Promise<void>) | undefined,
  ): DeployRecord => {
    // Strictly newest, even when a scenario's deploys carry timestamps from the future.
    const newest = deploysOf(serviceId).at(-1);
    const createdAt = new Date(
      Math.max(Date.now(), newest ? Date.parse(newest.createdAt) + 1000 : 0),
    ).toISOString();
    const id = fields.id ?? nextId('dep');
    addDeploy({
      id,
      serviceId,
      commit: fields.commit,
      status: 'created',
      trigger: fields.trigger,
      createdAt,
    });
    const deploy = deploys.get(id)!;
    deploy.pending = [...fields.statuses];
    deploy.onLive = onLive;
    return deploy;
  };

  const serviceJson = (service: ServiceRecord): Record<string, unknown> => ({
    id: service.id,
    name: service.name,
    ownerId,
    type: 'web_service',
    repo: 'https://github.com/example/deploy-sentinel-example',
    branch: service.parent ? `pr-${service.id}` : 'main',
    autoDeploy: service.autoDeploy,
    buildFilter: { paths: [], ignoredPaths: [] },
    createdAt: service.createdAt,
    updatedAt: service.updatedAt,
    dashboardUrl: `https://dashboard.render.com/web/${service.id}`,
    notifyOnFail: 'default',
    rootDir: '',
    slug: service.name,
    suspended: 'not_suspended',
    suspenders: [],
    serviceDetails: {
      // `env` is deprecated in favour of `runtime`, yet still required.
      env: 'node',
      runtime: 'node',
      envSpecificDetails: { buildCommand: 'npm ci', startCommand: 'node server.mjs' },
      plan: 'starter',
      region: 'oregon',
      numInstances: 1,
      buildPlan: 'starter',
      healthCheckPath: '/health',
      openPorts: [{ port: 10000, protocol: 'TCP' }],
      url: service.url,
      previews: { generation: (options.previews?.length ?? 0) > 0 && !service.parent ? 'automatic' : 'off' },
      ...(service.parent && { parentServer: service.parent }),
    },
  });

  const deployJson = (deploy: DeployRecord): Record<string, unknown> => ({
    id: deploy.id,
    commit: {
      id: deploy.commit,
      ...(deploy.commitMessage !== undefined && { message: deploy.commitMessage }),
    },
    status: deploy.status,
    trigger: deploy.trigger,
    createdAt: deploy.createdAt,
    updatedAt: deploy.updatedAt,
    ...(deploy.startedAt && { startedAt: deploy.startedAt }),
    ...(deploy.finishedAt && { finishedAt: deploy.finishedAt }),
    ...deploy.tamper,
  });

  const inOrder = (items: DeployRecord[]): DeployRecord[] => {
    if (pageOrder === 'oldest-first') return items;
    if (pageOrder === 'newest-first') return [...items].reverse();
    const remaining = [...items];
    const scrambled: DeployRecord[] = [];
    while (remaining.length > 0) {
      scrambled.push(remaining.shift()!);
      if (remaining.length > 0) scrambled.push(remaining.pop()!);
    }
    return scrambled;
  };

  const script = (deployId: string, statuses: RenderStatus[], hooks: ProgressHooks = {}) => {
    const deploy = deploys.get(deployId);
    if (!deploy) throw new Error(`script(): no deploy ${deployId}`);
    deploy.pending = [...statuses];
    deploy.onLive = hooks.onLive;
  };

  const addLogs = (lines: RenderLogLine[]) => {
    for (const line of lines) {
      let time = Date.parse(line.timestamp);
      if (Number.isNaN(time)) throw new Error(`addLogs(): bad timestamp ${line.timestamp}`);
      while (logTimes.has(time)) time++;
      logTimes.add(time);
      const resource = line.resource ?? options.serviceId;
      logs.push({
        id: nextId('log'),
        resource,
        message: line.message,
        time,
        labels: [
          { name: 'resource', value: resource },
          { name: 'type', value: line.type },
          ...(line.level === undefined ? [] : [{ name: 'level', value: line.level }]),
        ],
      });
    }
  };

  const addEvent = (event: RenderEventSpec) => {
    // Event IDs have a pattern in the document: evt- and 20 lower-case alphanumerics.
    events.push({ ...event, id: nextId('evt'), serviceId: event.serviceId ?? options.serviceId });
  };

  const tamperDeploy = (deployId: string, fields: Record<string, unknown>) => {
    const deploy = deploys.get(deployId);
    if (!deploy) throw new Error(`tamperDeploy(): no deploy ${deployId}`);
    deploy.tamper = { ...deploy.tamper, ...fields };
  };

  return {
    ownerId,
    services,
    deploys,
    events,
    logs,
    addDeploy,
    deploysOf,
    advance,
    createDeploy,
    serviceJson,
    deployJson,
    inOrder,
    script,
    addLogs,
    addEvent,
    tamperDeploy,
  };
}
