/**
 * The Render API operations the emulator serves, by operationId, answered from the scenario state
 * (render-state.ts). A handler sees a request that already passed the contract and the token check; what it
 * answers is checked against the contract on the way out (render-emulator.ts).
 */
import type { Reply } from './http-emulator.js';
import type { Operation } from './openapi.js';
import {
  DEFAULT_ROLLBACK_SCRIPT,
  DEFAULT_TRIGGER_SCRIPT,
  type DeployTriggerOutcome,
  type DeployTriggerRequest,
  type LogRecord,
  type RenderState,
  type RollbackOutcome,
} from './render-state.js';

export interface RenderReply extends Reply {
  /**
   * Not Render's documented behaviour (a scenario's injected failure, a rejected request, something the
   * emulator cannot do): any status goes. From a handler, it is also a violation.
   */
  offContract?: boolean;
}

export interface Context {
  operation: Operation;
  query: Record<string, unknown>;
  body: unknown;
}

/** What a scenario decides: set by `onRollback()` and `onDeployTriggered()`. */
export interface RenderScenarioHooks {
  rollback?: (targetDeployId: string) => Promise<RollbackOutcome>;
  trigger?: (request: DeployTriggerRequest) => Promise<DeployTriggerOutcome>;
}

/** Log filters the document declares but the emulator does not apply; using one is answered 501. */
const UNEMULATED_LOG_FILTERS = ['instance', 'host', 'statusCode', 'method', 'path', 'task', 'taskRun'];

/** The handlers, by operationId; an operation without one is answered 501 (see {@link unemulatedOperation}). */
export function renderRoutes(
  state: RenderState,
  hooks: RenderScenarioHooks,
): Record<string, (context: Context) => Promise<RenderReply>> {
  const { services, deploys, events, logs, ownerId, serviceJson, deployJson, deploysOf, advance } = state;
  return {
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
      return paged(state.inOrder(matching), query, (deploy) => ({ deploy: deployJson(deploy) }));
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
      const outcome = hooks.trigger ? await hooks.trigger(request) : { status: 201 as const };
      if ('message' in outcome) return { status: outcome.status, body: { message: outcome.message } };
      const deploy = state.createDeploy(
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
      const outcome = hooks.rollback ? await hooks.rollback(targetId) : { status: 201 as const };
      if ('message' in outcome) return { status: outcome.status, body: { message: outcome.message } };
      const deploy = state.createDeploy(
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
}

function notFound(kind: 'service' | 'deploy', operation: Operation): RenderReply {
  const id = kind === 'service' ? operation.pathParams.serviceId : operation.pathParams.deployId;
  return { status: 404, body: { message: `${kind} ${id} not found` } };
}

export function offContract(status: number, message: string): RenderReply {
  return { status, body: { message }, offContract: true };
}

function notEmulated(what: string): RenderReply {
  return offContract(501, `the Render emulator does not emulate ${what}`);
}

export async function unemulatedOperation({ operation }: Context): Promise<RenderReply> {
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
): RenderReply {
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
