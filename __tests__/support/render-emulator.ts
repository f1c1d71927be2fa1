/**
 * A Render REST API emulator for integration and end-to-end tests: a real HTTP server on 127.0.0.1 serving
 * the part of Render's public REST API (v1) the action uses, and checking every request and every response
 * against Render's own OpenAPI document (shared/specs/render). Whatever breaks the contract lands in
 * `violations`, so a test that ends with `expect(emulator.violations).toEqual([])` proves both the action
 * and the emulator spoke Render's API as documented.
 *
 * Deploys progress without timers: see {@link RenderEmulator.script}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadOpenApi, type Operation } from './openapi.js';

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

export interface RenderEmulatorOptions {
  /** The API key the emulator accepts as `Authorization: Bearer <token>`. */
  token: string;
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

export interface RecordedRequest {
  method: string;
  /** The path without the query, e.g. `/v1/services/srv-1/deploys`. */
  path: string;
  /** Repeated keys become arrays. */
  query: Record<string, string | string[]>;
  /** The parsed JSON body, or the raw text when it was not JSON; absent when empty. */
  body?: unknown;
  status: number;
  /** Arrival time (epoch ms), to check pacing such as a honoured Retry-After. */
  at: number;
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

export interface RenderEmulator {
  /** `http://127.0.0.1:<port>/v1`: what the action's `api-url` input gets. */
  readonly url: string;
  /** Every call, in arrival order (requests are answered one at a time). */
  readonly requests: RecordedRequest[];
  /**
   * Contract breaches, in words: invalid requests (answered 400; 404 for a path outside the API, 401 for a
   * missing `Authorization` header), cursors the emulator never issued (400), responses that do not match
   * the document (including statuses a handler picked that the operation does not declare), and calls the
   * emulator does not emulate (501). Stricter than the document in one way: an undeclared query parameter
   * is a violation, because Render would ignore it silently.
   */
  readonly violations: string[];
  /**
   * Scripts a deploy's progress. Every response that reports the deploy applies the next status first:
   * `GET /services/{id}/deploys/{deployId}` advances that deploy, and `GET /services/{id}/deploys` advances
   * every scripted deploy of the service (before filtering and paging), so what a response says is always
   * the deploy's current state. Once the script is used up the status stays. Reaching `live` sets
   * `finishedAt`, deactivates the previously live deploy, and awaits `hooks.onLive` before the response, so
   * a test can restart the example service exactly when Render says live. Replaces any earlier script.
   */
  script(deployId: string, statuses: RenderStatus[], hooks?: ProgressHooks): void;
  addDeploy(spec: RenderDeploySpec): void;
  /**
   * Adds log lines. Timestamps are made unique per millisecond (a clash moves 1 ms later), so paging by
   * time windows is exact: windows include both ends, and a backward page's `nextEndTime` is its oldest
   * line minus 1 ms (a forward page's `nextStartTime`, its newest plus 1 ms).
   */
  addLogs(lines: RenderLogLine[]): void;
  addEvent(event: RenderEventSpec): void;
  /**
   * Answers the next `count` requests, whatever they are, with `status` and `{message}`, ahead of the token
   * check and the handler (their request violations are still recorded). A 429 carries `Retry-After: 1`
   * and `Ratelimit-Remaining: 0` unless `headers` says otherwise. Statuses the document does not declare
   * (a 502 from Render's edge) are not violations.
   */
  failNext(count: number, status: number, headers?: Record<string, string>): void;
  /** Decides what `POST /services/{id}/rollback` does, e.g. restarting the example service at the target. */
  onRollback(handler: (targetDeployId: string) => Promise<RollbackOutcome>): void;
  /** Decides what `POST /services/{id}/deploys` does; without a handler every trigger is a 201. */
  onDeployTriggered(handler: (request: DeployTriggerRequest) => Promise<DeployTriggerOutcome>): void;
  /**
   * Escape hatch: merges raw fields into the deploy as served, bypassing the typed model, to prove that
   * off-contract responses are caught (and to see what the action makes of them).
   */
  tamperDeploy(deployId: string, fields: Record<string, unknown>): void;
  /** The service as `GET /services/{id}` would serve it, without making (and recording) a request. */
  service(serviceId?: string): Record<string, unknown>;
  close(): Promise<void>;
}

interface ServiceRecord {
  id: string;
  name: string;
  url: string;
  parent?: { id: string; name: string };
  autoDeploy: 'yes' | 'no';
  createdAt: string;
  updatedAt: string;
}

interface DeployRecord {
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

interface EventRecord {
  id: string;
  serviceId: string;
  type: string;
  timestamp: string;
  details: Record<string, unknown>;
}

interface LogRecord {
  id: string;
  resource: string;
  message: string;
  time: number;
  labels: { name: string; value: string }[];
}

interface Reply {
  status: number;
  /** JSON; undefined sends no body. */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Not Render's documented behaviour (a scenario's injected failure, a rejected request, something the
   * emulator cannot do): any status goes. From a handler, it is also a violation.
   */
  offContract?: boolean;
}

interface Context {
  operation: Operation;
  query: Record<string, unknown>;
  body: unknown;
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
const DEFAULT_TRIGGER_SCRIPT: RenderStatus[] = ['build_in_progress', 'update_in_progress', 'live'];
const DEFAULT_ROLLBACK_SCRIPT: RenderStatus[] = ['update_in_progress', 'live'];
/** Log filters the document declares but the emulator does not apply; using one is answered 501. */
const UNEMULATED_LOG_FILTERS = ['instance', 'host', 'statusCode', 'method', 'path', 'task', 'taskRun'];
const EVENT_DETAIL_VARIANTS =
  '#/components/schemas/serviceEventWithCursor/properties/event/properties/details/oneOf';
const SERVICE_CREATED_AT = '2025-01-06T09:00:00.000Z';
/** Render's documented limits per minute (docs, "Rate limiting"); the headers count, nothing enforces. */
const RATE_LIMITS = { deploys: 10, writes: 30, reads: 400 };
const RATE_WINDOW_MS = 60_000;
const STATUS_MESSAGES: Record<number, string> = {
  429: 'rate limit exceeded',
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable',
};

/** Starts the emulator on an ephemeral port of 127.0.0.1. */
export async function startRenderEmulator(options: RenderEmulatorOptions): Promise<RenderEmulator> {
  const contract = loadOpenApi();
  const ownerId = options.ownerId ?? 'tea-emulator0000000000';
  const pageOrder = options.pageOrder ?? 'newest-first';
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const failures: { status: number; headers: Record<string, string> }[] = [];
  const rateWindows = new Map<string, { start: number; used: number }>();
  let rollbackHandler: ((targetDeployId: string) => Promise<RollbackOutcome>) | undefined;
  let triggerHandler: ((request: DeployTriggerRequest) => Promise<DeployTriggerOutcome>) | undefined;
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

  const handlers: Record<string, (context: Context) => Promise<Reply>> = {
    async 'retrieve-service'({ operation }) {
      const service = services.get(operation.pathParams.serviceId!);
      return service ? { status: 200, body: serviceJson(service) } : notFound('service', operation);
    },

    async 'list-services'({ query }) {
      const matching = [...services.values()].filter((service) => {
        const json = serviceJson(service);
        const details = json.serviceDetails as Record<string, unknown>;
        return (
          oneOf(query.name, service.name) &&
          oneOf(query.type, json.type) &&
          // The emulated services belong to no environment.
          oneOf(query.environmentId, undefined) &&
          oneOf(query.env, details.runtime) &&
          oneOf(query.region, details.region) &&
          oneOf(query.suspended, json.suspended) &&
          oneOf(query.ownerId, ownerId) &&
          within(service.createdAt, query.createdAfter, query.createdBefore) &&
          within(service.updatedAt, query.updatedAfter, query.updatedBefore) &&
          (query.includePreviews !== false || !service.parent)
        );
      });
      return paged(matching, query, (service) => ({ service: serviceJson(service) }));
    },

    async 'update-service'({ operation, body }) {
      const service = services.get(operation.pathParams.serviceId!);
      if (!service) return notFound('service', operation);
      const changes = body as Record<string, unknown>;
      const unemulated = Object.keys(changes).filter((field) => field !== 'autoDeploy');
      if (unemulated.length > 0) return notEmulated(`PATCH of ${unemulated.join(', ')}`);
      if (changes.autoDeploy !== undefined) service.autoDeploy = changes.autoDeploy as 'yes' | 'no';
      service.updatedAt = new Date().toISOString();
      return { status: 200, body: serviceJson(service) };
    },

    async 'list-deploys'({ operation, query }) {
      const serviceId = operation.pathParams.serviceId!;
      if (!services.has(serviceId)) return notFound('service', operation);
      for (const deploy of deploysOf(serviceId)) await advance(deploy);
      const matching = deploysOf(serviceId).filter(
        (deploy) =>
          oneOf(query.status, deploy.status) &&
          within(deploy.createdAt, query.createdAfter, query.createdBefore) &&
          within(deploy.updatedAt, query.updatedAfter, query.updatedBefore) &&
          within(deploy.finishedAt, query.finishedAfter, query.finishedBefore),
      );
      return paged(inOrder(matching), query, (deploy) => ({ deploy: deployJson(deploy) }));
    },

    async 'retrieve-deploy'({ operation }) {
      const deploy = deploys.get(operation.pathParams.deployId!);
      if (!deploy || deploy.serviceId !== operation.pathParams.serviceId)
        return notFound('deploy', operation);
      await advance(deploy);
      return { status: 200, body: deployJson(deploy) };
    },

    async 'create-deploy'({ operation, body }) {
      const serviceId = operation.pathParams.serviceId!;
      if (!services.has(serviceId)) return notFound('service', operation);
      const request = { ...(body as Omit<DeployTriggerRequest, 'serviceId'>), serviceId };
      const outcome = triggerHandler ? await triggerHandler(request) : { status: 201 as const };
      if ('message' in outcome) return { status: outcome.status, body: { message: outcome.message } };
      const deploy = createDeploy(
        serviceId,
        {
          id: outcome.deployId,
          commit: outcome.commit ?? request.commitId ?? deploysOf(serviceId).at(-1)?.commit ?? 'HEAD',
          trigger: 'api',
          statuses: outcome.statuses ?? DEFAULT_TRIGGER_SCRIPT,
        },
        outcome.onLive,
      );
      return outcome.status === 202 ? { status: 202 } : { status: 201, body: deployJson(deploy) };
    },

    async 'rollback-deploy'({ operation, body }) {
      const serviceId = operation.pathParams.serviceId!;
      if (!services.has(serviceId)) return notFound('service', operation);
      const targetId = (body as { deployId: string }).deployId;
      const target = deploys.get(targetId);
      if (!target || target.serviceId !== serviceId) {
        return { status: 404, body: { message: `deploy ${targetId} not found for service ${serviceId}` } };
      }
      // Only a deploy that was live has a build to go back to.
      if (target.status !== 'live' && target.status !== 'deactivated') {
        return {
          status: 400,
          body: { message: `cannot roll back to deploy ${targetId}: it is ${target.status}` },
        };
      }
      const outcome = rollbackHandler ? await rollbackHandler(targetId) : { status: 201 as const };
      if ('message' in outcome) return { status: outcome.status, body: { message: outcome.message } };
      const deploy = createDeploy(
        serviceId,
        { commit: target.commit, trigger: 'rollback', statuses: outcome.statuses ?? DEFAULT_ROLLBACK_SCRIPT },
        outcome.onLive,
      );
      return { status: 201, body: deployJson(deploy) };
    },

    async 'list-events'({ operation, query }) {
      const serviceId = operation.pathParams.serviceId!;
      if (!services.has(serviceId)) return notFound('service', operation);
      const matching = events
        .filter(
          (event) =>
            event.serviceId === serviceId &&
            (query.type === undefined || query.type === event.type) &&
            within(event.timestamp, query.startTime, query.endTime),
        )
        .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp));
      return paged(matching, query, (event) => ({
        event: {
          id: event.id,
          timestamp: event.timestamp,
          serviceId,
          type: event.type,
          details: event.details,
        },
      }));
    },

    async 'list-logs'({ query }) {
      const unemulated = UNEMULATED_LOG_FILTERS.filter((name) => query[name] !== undefined);
      if (unemulated.length > 0) return notEmulated(`log filters ${unemulated.join(', ')}`);
      if (query.ownerId !== ownerId) {
        return { status: 403, body: { message: `you do not have access to owner ${String(query.ownerId)}` } };
      }
      const now = Date.now();
      const start = query.startTime === undefined ? now - 3_600_000 : Date.parse(String(query.startTime));
      const end = query.endTime === undefined ? now : Date.parse(String(query.endTime));
      const label = (line: LogRecord, name: string) => line.labels.find((l) => l.name === name)?.value;
      const backward = query.direction !== 'forward';
      const matching = logs
        .filter(
          (line) =>
            (query.resource as string[]).includes(line.resource) &&
            line.time >= start &&
            line.time <= end &&
            oneOf(query.type, label(line, 'type')) &&
            oneOf(query.level, label(line, 'level')) &&
            ((query.text as string[] | undefined) ?? []).every((text) => line.message.includes(text)),
        )
        .sort((a, b) => (backward ? b.time - a.time : a.time - b.time));
      const page = matching.slice(0, query.limit as number);
      const last = page.at(-1);
      const nextStart = backward || !last ? start : last.time + 1;
      const nextEnd = !backward || !last ? end : last.time - 1;
      return {
        status: 200,
        body: {
          hasMore: matching.length > page.length,
          nextStartTime: new Date(nextStart).toISOString(),
          nextEndTime: new Date(nextEnd).toISOString(),
          logs: page.map((line) => ({
            id: line.id,
            message: line.message,
            timestamp: new Date(line.time).toISOString(),
            labels: line.labels,
          })),
        },
      };
    },
  };

  /**
   * The document's `serviceDetails` and event `details` unions have no discriminator, and their variants
   * overlap; the service's `type` and the event's `type` imply which variant applies.
   */
  const impliedVariantViolations = (operationId: string, body: unknown): string[] => {
    const serviceDetails = (service: Record<string, unknown>) => {
      // `web_service` -> webServiceDetails
      const name = String(service.type).replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase());
      const variant = `#/components/schemas/${name}Details`;
      if (contract.schemaAt(variant) === undefined) return [];
      return contract
        .validateSchema(variant, service.serviceDetails)
        .map((problem) => `service ${String(service.id)} serviceDetails (${name}Details) ${problem}`);
    };
    const eventDetails = ({ event }: Record<string, unknown>) => {
      const { id, type, details } = event as Record<string, unknown>;
      const variants = contract.schemaAt(EVENT_DETAIL_VARIANTS) as { title?: string }[];
      const index = variants.findIndex((v) => v.title?.toLowerCase() === String(type).replace(/_/g, ' '));
      if (index < 0) return [];
      return contract
        .validateSchema(`${EVENT_DETAIL_VARIANTS}/${index}`, details)
        .map((problem) => `event ${String(id)} (${String(type)}) details ${problem}`);
    };
    const items = body as Record<string, unknown>[];
    switch (operationId) {
      case 'retrieve-service':
      case 'update-service':
        return serviceDetails(body as Record<string, unknown>);
      case 'list-services':
        return items.flatMap((item) => serviceDetails(item.service as Record<string, unknown>));
      case 'list-events':
        return items.flatMap(eventDetails);
      default:
        return [];
    }
  };

  const rateLimitHeaders = (method: string, operation: Operation | undefined): Record<string, string> => {
    const serviceId = operation?.pathParams.serviceId;
    const deployLimited =
      serviceId !== undefined &&
      (operation?.operationId === 'create-deploy' || operation?.operationId === 'update-service');
    const [bucket, limit] = deployLimited
      ? [`deploys ${serviceId}`, RATE_LIMITS.deploys]
      : method === 'GET'
        ? ['reads', RATE_LIMITS.reads]
        : ['writes', RATE_LIMITS.writes];
    const now = Date.now();
    let window = rateWindows.get(bucket);
    if (!window || now - window.start >= RATE_WINDOW_MS) {
      window = { start: now, used: 0 };
      rateWindows.set(bucket, window);
    }
    window.used++;
    return {
      'Ratelimit-Limit': String(limit),
      'Ratelimit-Remaining': String(Math.max(0, limit - window.used)),
      // Seconds until the window resets, the reading of the docs' example value.
      'Ratelimit-Reset': String(Math.ceil((window.start + RATE_WINDOW_MS - now) / 1000)),
    };
  };

  const respond = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const rawBody = await readBody(request);
    const recorded: RecordedRequest = {
      method,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      status: 0,
      at: Date.now(),
    };
    if (rawBody !== '') recorded.body = parseOrRaw(rawBody);
    requests.push(recorded);
    const label = `${method} ${url.pathname}${url.search}`;

    const route = contract.route(method, url.pathname);
    const operation = route.found === 'operation' ? route.operation : undefined;
    const send = (reply: Reply) => {
      if (operation) {
        const problems = contract.validateResponse(operation, reply.status, reply.body, {
          undeclaredStatusAllowed: reply.offContract,
        });
        // Only a body of the documented shape can be narrowed to its implied variants.
        if (problems.length === 0 && reply.status < 300) {
          problems.push(...impliedVariantViolations(operation.operationId, reply.body));
        }
        violations.push(...problems.map((problem) => `${label}: response ${reply.status} ${problem}`));
      }
      recorded.status = reply.status;
      const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
      response.writeHead(reply.status, {
        ...rateLimitHeaders(method, operation),
        ...(reply.body !== undefined && { 'Content-Type': 'application/json; charset=utf-8' }),
        ...reply.headers,
      });
      response.end(text);
    };
    let context: Context | undefined;
    let token: string | undefined;
    let requestProblems: string[];
    if (route.found === 'nothing') {
      requestProblems = [`${method} ${url.pathname} is not a path of the Render API`];
    } else if (route.found === 'path') {
      requestProblems = [
        `${route.template} has no ${method}; it takes ${route.methods.join(', ').toUpperCase()}`,
      ];
    } else {
      const validated = contract.validateRequest(route.operation, {
        query: url.searchParams,
        headers: request.headers,
        body: rawBody,
      });
      requestProblems = validated.violations;
      token = validated.bearerToken;
      context = { operation: route.operation, query: validated.query, body: validated.body };
    }
    violations.push(...requestProblems.map((problem) => `${label}: request ${problem}`));

    const failure = failures.shift();
    if (failure) {
      const body = { message: STATUS_MESSAGES[failure.status] ?? `injected ${failure.status}` };
      return send({ status: failure.status, body, headers: failure.headers, offContract: true });
    }
    if (!context) {
      const status = route.found === 'nothing' ? 404 : 400;
      return send({ status, body: { message: requestProblems.join('; ') }, offContract: true });
    }
    if (token !== options.token) return send({ status: 401, body: { message: 'unauthorized' } });
    if (requestProblems.length > 0) {
      return send({ status: 400, body: { message: requestProblems.join('; ') }, offContract: true });
    }
    const handler = handlers[context.operation.operationId] ?? unemulatedOperation;
    let reply: Reply;
    try {
      reply = await handler(context);
    } catch (error) {
      reply = offContract(500, `the Render emulator or a scenario hook failed: ${(error as Error).message}`);
    }
    if (reply.offContract) violations.push(`${label}: ${(reply.body as { message: string }).message}`);
    send(reply);
  };

  // One request at a time: a deploy's script, and the onLive hook, then happen in a fixed order.
  let queue = Promise.resolve();
  const server = createServer((request, response) => {
    queue = queue.then(() =>
      respond(request, response).catch((error: unknown) => {
        violations.push(`emulator crashed on ${request.method} ${request.url}: ${String(error)}`);
        if (!response.headersSent) response.writeHead(500);
        response.end();
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${contract.basePath}`,
    requests,
    violations,
    script(deployId, statuses, hooks = {}) {
      const deploy = deploys.get(deployId);
      if (!deploy) throw new Error(`script(): no deploy ${deployId}`);
      deploy.pending = [...statuses];
      deploy.onLive = hooks.onLive;
    },
    addDeploy,
    addLogs(lines) {
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
    },
    addEvent(event) {
      // Event IDs have a pattern in the document: evt- and 20 lower-case alphanumerics.
      events.push({ ...event, id: nextId('evt'), serviceId: event.serviceId ?? options.serviceId });
    },
    failNext(count, status, headers = {}) {
      const defaults: Record<string, string> =
        status === 429 ? { 'Retry-After': '1', 'Ratelimit-Remaining': '0' } : {};
      for (let i = 0; i < count; i++) failures.push({ status, headers: { ...defaults, ...headers } });
    },
    onRollback(handler) {
      rollbackHandler = handler;
    },
    onDeployTriggered(handler) {
      triggerHandler = handler;
    },
    tamperDeploy(deployId, fields) {
      const deploy = deploys.get(deployId);
      if (!deploy) throw new Error(`tamperDeploy(): no deploy ${deployId}`);
      deploy.tamper = { ...deploy.tamper, ...fields };
    },
    service(serviceId = options.serviceId) {
      const service = services.get(serviceId);
      if (!service) throw new Error(`service(): no service ${serviceId}`);
      return serviceJson(service);
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function notFound(kind: 'service' | 'deploy', operation: Operation): Reply {
  const id = kind === 'service' ? operation.pathParams.serviceId : operation.pathParams.deployId;
  return { status: 404, body: { message: `${kind} ${id} not found` } };
}

function offContract(status: number, message: string): Reply {
  return { status, body: { message }, offContract: true };
}

function notEmulated(what: string): Reply {
  return offContract(501, `the Render emulator does not emulate ${what}`);
}

async function unemulatedOperation({ operation }: Context): Promise<Reply> {
  return notEmulated(`${operation.operationId} (${operation.method.toUpperCase()} ${operation.template})`);
}

/** Whether an optional array filter admits `value`: no filter admits everything. */
function oneOf(filter: unknown, value: unknown): boolean {
  return filter === undefined || (filter as unknown[]).includes(value);
}

/** Whether a timestamp lies within optional inclusive bounds; a missing timestamp fails any bound. */
function within(timestamp: string | undefined, after: unknown, before: unknown): boolean {
  if (after === undefined && before === undefined) return true;
  if (timestamp === undefined) return false;
  const time = Date.parse(timestamp);
  return (
    (after === undefined || time >= Date.parse(String(after))) &&
    (before === undefined || time <= Date.parse(String(before)))
  );
}

/**
 * Render's cursor pagination: `[{...item, cursor}]`, `limit` items after the one whose cursor was passed.
 * Cursors are opaque (base64 of an ID); one this emulator did not issue is a violation, answered 400.
 */
function paged<T extends { id: string }>(
  items: T[],
  query: Record<string, unknown>,
  wrap: (item: T) => Record<string, unknown>,
): Reply {
  let start = 0;
  if (query.cursor !== undefined) {
    const id = Buffer.from(String(query.cursor), 'base64').toString('utf8');
    const index = items.findIndex((item) => item.id === id);
    if (index < 0) {
      return offContract(400, `cursor ${String(query.cursor)} was not issued by this emulator`);
    }
    start = index + 1;
  }
  const page = items.slice(start, start + (query.limit as number));
  return {
    status: 200,
    body: page.map((item) => ({ ...wrap(item), cursor: Buffer.from(item.id).toString('base64') })),
  };
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    record[name] = values.length === 1 ? values[0]! : values;
  }
  return record;
}

function parseOrRaw(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
