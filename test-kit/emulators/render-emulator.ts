/**
 * A Render REST API emulator for integration and end-to-end tests: a real HTTP server on 127.0.0.1 serving
 * the part of Render's public REST API (v1) the action uses, and checking every request and every response
 * against Render's own OpenAPI document (shared/specs/render). Whatever breaks the contract lands in
 * `violations`, so a test that ends with `expect(emulator.violations).toEqual([])` proves both the action
 * and the emulator spoke Render's API as documented.
 *
 * The parts: the server, request log, faults and bearer check come from http-emulator.ts; the contract from
 * render-contract.ts; the scenario (services, deploys and their scripts, events, logs) from render-state.ts;
 * the operations from render-routes.ts. This file strings them together in Render's order: route, check the
 * request, an injected fault, the token, a rejected request, the handler, check the response.
 *
 * Deploys progress without timers: see {@link RenderEmulator.script}.
 */
import { isHit } from './contract.js';
import {
  checkBearer,
  RateWindows,
  startHttpEmulator,
  type EmulatorRequest,
  type RecordedRequest,
  type Reply,
} from './http-emulator.js';
import type { Operation } from './openapi.js';
import { loadRenderContract } from './render-contract.js';
import {
  offContract,
  renderRoutes,
  unemulatedOperation,
  type Context,
  type RenderReply,
  type RenderScenarioHooks,
} from './render-routes.js';
import {
  createRenderState,
  type DeployTriggerOutcome,
  type DeployTriggerRequest,
  type ProgressHooks,
  type RenderDeploySpec,
  type RenderEventSpec,
  type RenderLogLine,
  type RenderPreviewSpec,
  type RenderStateOptions,
  type RenderStatus,
  type RollbackOutcome,
} from './render-state.js';

export type {
  DeployTriggerOutcome,
  DeployTriggerRequest,
  ProgressHooks,
  RecordedRequest,
  RenderDeploySpec,
  RenderEventSpec,
  RenderLogLine,
  RenderPreviewSpec,
  RenderStatus,
  RollbackOutcome,
};
export type { RenderTrigger } from './render-state.js';
export { RENDER_OPENAPI_URL, loadRenderContract } from './render-contract.js';

export interface RenderEmulatorOptions extends RenderStateOptions {
  /** The API key the emulator accepts as `Authorization: Bearer <token>`. */
  token: string;
}

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
  const contract = loadRenderContract();
  const state = createRenderState(options);
  const hooks: RenderScenarioHooks = {};
  const handlers = renderRoutes(state, hooks);
  const violations: string[] = [];
  const rates = new RateWindows();

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
    const use = rates.hit(bucket, limit, RATE_WINDOW_MS);
    return {
      'Ratelimit-Limit': String(limit),
      'Ratelimit-Remaining': String(use.remaining),
      // Seconds until the window resets, the reading of the docs' example value.
      'Ratelimit-Reset': String(Math.ceil((use.resetAt - Date.now()) / 1000)),
    };
  };

  const handle = async (request: EmulatorRequest): Promise<Reply> => {
    const { label } = request;
    const route = contract.route(request.method, request.path);
    const operation = isHit(route) ? route.operation : undefined;
    if (operation) request.recorded.operation = operation.operationId;
    const rateHeaders = rateLimitHeaders(request.method, operation);
    const send = ({ offContract: undeclaredStatusAllowed, ...reply }: RenderReply): Reply => {
      if (operation) {
        violations.push(
          ...contract
            .validateResponse(operation, reply.status, reply.body, { undeclaredStatusAllowed })
            .map((problem) => `${label}: ${problem}`),
        );
      }
      return { ...reply, headers: { ...rateHeaders, ...reply.headers } };
    };

    let context: Context | undefined;
    let problems: string[];
    if (route.found === 'nothing') {
      problems = ['is not a path of the Render API'];
    } else if (route.found === 'path') {
      problems = [
        `${route.templates.join(' or ')} has no ${request.method}; it takes ${route.methods.join(', ')}`,
      ];
    } else {
      const validated = contract.validateRequest(route, request);
      problems = validated.violations;
      context = { operation: route.operation, query: validated.query, body: validated.body };
    }
    violations.push(...problems.map((problem) => `${label}: request ${problem}`));

    const fault = http.faults.take(request, operation?.operationId);
    if (fault) return send({ ...fault, offContract: true });
    if (!context) {
      const status = route.found === 'nothing' ? 404 : 400;
      return send(offContract(status, problems.join('; ')));
    }
    const auth = checkBearer(
      request.headers,
      (token) => (token === options.token ? { principal: 'api-key' } : { rejected: 'unknown key' }),
      () => ({ status: 401, body: { message: 'unauthorized' } }),
    );
    if (!auth.ok) return send(auth.reply);
    if (problems.length > 0) return send(offContract(400, problems.join('; ')));

    const handler = handlers[context.operation.operationId] ?? unemulatedOperation;
    let reply: RenderReply;
    try {
      reply = await handler(context);
    } catch (error) {
      reply = offContract(500, `the Render emulator or a scenario hook failed: ${(error as Error).message}`);
    }
    if (reply.offContract) violations.push(`${label}: ${(reply.body as { message: string }).message}`);
    return send(reply);
  };

  const http = await startHttpEmulator({ name: 'Render emulator', handle, violations });

  return {
    url: `${http.origin}${contract.basePath}`,
    requests: http.requests,
    violations,
    script: state.script,
    addDeploy: state.addDeploy,
    addLogs: state.addLogs,
    addEvent: state.addEvent,
    failNext(count, status, headers = {}) {
      const defaults: Record<string, string> =
        status === 429 ? { 'Retry-After': '1', 'Ratelimit-Remaining': '0' } : {};
      const body = { message: STATUS_MESSAGES[status] ?? `injected ${status}` };
      http.faults.add(count, { status, body, headers: { ...defaults, ...headers } });
    },
    onRollback(handler) {
      hooks.rollback = handler;
    },
    onDeployTriggered(handler) {
      hooks.trigger = handler;
    },
    tamperDeploy: state.tamperDeploy,
    service(serviceId = options.serviceId) {
      const service = state.services.get(serviceId);
      if (!service) throw new Error(`service(): no service ${serviceId}`);
      return state.serviceJson(service);
    },
    close: () => http.close(),
  };
}
