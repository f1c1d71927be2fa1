/**
 * A Railway public API (GraphQL v2) emulator for integration and end-to-end tests: a real HTTP server on
 * 127.0.0.1 serving `POST /graphql/v2`, and the same path as a WebSocket endpoint speaking
 * `graphql-transport-ws`. Every operation, over either transport, is parsed and validated against Railway's
 * own introspected schema (shared/specs/railway/schema.json) with the `graphql` package, then executed with
 * `graphql`'s `execute` / `subscribe` against scenario state. Whatever breaks the contract lands in
 * `violations`, so a test that ends with `expect(emulator.violations).toEqual([])` proves the client only
 * sent operations Railway's schema accepts, and only used what the emulator emulates.
 *
 * The parts: the server, its one-at-a-time queue (HTTP requests, WebSocket operations and auto-progress
 * steps all go through it), faults and rate windows come from http-emulator.ts; the contract from
 * railway-contract.ts; the scenario from railway-state.ts; the resolvers from railway-routes.ts; the
 * WebSocket protocol from graphql-ws-server.ts. This file strings them together.
 *
 * Deployments progress without timers: see {@link RailwayEmulator.script} (HTTP reports) and
 * {@link RailwayEmulatorOptions.wsProgress} (WebSocket subscribers).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { execute, type ExecutionResult, GraphQLError, type GraphQLFormattedError, subscribe } from 'graphql';
import { isHit } from './contract.js';
import { attachGraphqlWsServer, type SubscribeOutcome, type WsConnection } from './graphql-ws-server.js';
import {
  bearerToken,
  FaultQueue,
  RateWindows,
  redactHeaders,
  startHttpEmulator,
  type EmulatorRequest,
  type Fault,
  type HttpEmulator,
  type Reply,
} from './http-emulator.js';
import { loadRailwayContract, RAILWAY_GRAPHQL_PATH, type CheckedOperation } from './railway-contract.js';
import { railwayResolvers, type Context } from './railway-routes.js';
import {
  createRailwayState,
  type DeploymentStatus,
  type DeployTriggerOutcome,
  type DeployTriggerRequest,
  type ProgressHooks,
  type RailwayDeploymentSpec,
  type RailwayDeploymentState,
  type RailwayEmulatorOptions,
  type RailwayEventSpec,
  type RailwayLogLine,
  type RollbackOutcome,
} from './railway-state.js';

export {
  loadRailwayContract,
  loadRailwaySchema,
  RAILWAY_GRAPHQL_PATH,
  RAILWAY_OPERATIONS_URL,
  RAILWAY_SCHEMA_URL,
} from './railway-contract.js';
export { DEPLOYMENT_STATUSES, SETTLED_STATUSES } from './railway-state.js';
export type {
  DeploymentEventStep,
  DeploymentStatus,
  DeployTriggerOutcome,
  DeployTriggerRequest,
  EnvironmentMetaFields,
  ProgressHooks,
  RailwayDeploymentSpec,
  RailwayDeploymentState,
  RailwayEmulatorOptions,
  RailwayEnvironmentSpec,
  RailwayEventSpec,
  RailwayLogLine,
  RollbackOutcome,
  TokenKind,
} from './railway-state.js';

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

interface Credential {
  header: 'Authorization' | 'Project-Access-Token' | null;
  token?: string;
}

/** An injected answer, with what the request log says was answered. */
type RailwayFault = Fault & { errors: string[] };

/** Credentials by another name: never logged. */
const SECRETS: ReadonlySet<string> = new Set(['authorization', 'project-access-token']);
const redact = (headers: IncomingHttpHeaders | Record<string, unknown>) =>
  redactHeaders(headers, SECRETS, '[redacted]');
/** A `connection_init` payload for the log: string values redacted as headers are, the rest as it is. */
const redactParams = (params: Record<string, unknown>): Record<string, unknown> => ({
  ...params,
  ...redact(Object.fromEntries(Object.entries(params).filter(([, value]) => typeof value === 'string'))),
});
const JSON_TYPE = 'application/json; charset=utf-8';

/** Starts the emulator on an ephemeral port of 127.0.0.1. */
export async function startRailwayEmulator(options: RailwayEmulatorOptions): Promise<RailwayEmulator> {
  const contract = loadRailwayContract();
  const schema = contract.schema;
  const tokenKind = options.tokenKind ?? 'account';
  const validationErrorStatus = options.validationErrorStatus ?? 200;
  const rateLimit = { limit: 1000, windowSeconds: 3600, ...options.rateLimit };
  const requests: RecordedRequest[] = [];
  const sockets: RecordedSocket[] = [];
  const violations: string[] = [];
  const faults = new FaultQueue<RailwayFault>();
  const rates = new RateWindows();
  let dropPlan = { messages: 0, sockets: 0 };
  let refuseSocketsWith: number | undefined;
  // The server's queue; the server exists before the first request or step needs it.
  const server: { http?: HttpEmulator } = {};
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => server.http!.enqueue(task);
  const state = createRailwayState(options, { enqueue, violations });
  const resolvers = railwayResolvers(state);

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

  /** The checked operation into the log, its problems into `violations` (named by the operation). */
  const recordOperation = (
    recorded: RecordedRequest,
    checked: CheckedOperation,
    violation: (problem: string) => void,
  ): CheckedOperation => {
    recorded.operationName = checked.operationName;
    recorded.operationType = checked.operationType;
    recorded.fields = checked.fields;
    checked.problems.forEach(violation);
    return checked;
  };

  const rateLimitHeaders = () => {
    const use = rates.hit('api', rateLimit.limit, rateLimit.windowSeconds * 1000);
    return {
      headers: {
        'X-RateLimit-Limit': String(use.limit),
        'X-RateLimit-Remaining': String(use.remaining),
        // Epoch seconds.
        'X-RateLimit-Reset': String(Math.ceil(use.resetAt / 1000)),
      },
      exceeded: use.exceeded,
      retryAfter: Math.max(1, Math.ceil((use.resetAt - Date.now()) / 1000)),
    };
  };

  const handle = async (request: EmulatorRequest): Promise<Reply> => {
    const { method, path } = request;
    const credential = credentialOf(request.headers);
    const recorded: RecordedRequest = {
      transport: 'http',
      operationName: null,
      operationType: null,
      fields: [],
      query: '',
      variables: {},
      headers: redact(request.headers),
      auth: credential.header,
      at: Date.now(),
      errors: [],
    };
    requests.push(recorded);
    const violation = (problem: string) =>
      violations.push(`http ${recorded.operationName ?? `${method} ${path}`}: ${problem}`);
    const rate = rateLimitHeaders();
    const send = (status: number, reply: Omit<Reply, 'status'>, contentType?: string): Reply => {
      recorded.status = status;
      return {
        status,
        ...reply,
        headers: { ...rate.headers, ...(contentType && { 'Content-Type': contentType }), ...reply.headers },
      };
    };
    const sendJson = (status: number, result: ExecutionResult | { errors: GraphQLFormattedError[] }) => {
      recorded.errors = (result.errors ?? []).map((error) => error.message);
      contract.validateResponse('graphql', status, result).forEach(violation);
      return send(status, { text: JSON.stringify(result) }, JSON_TYPE);
    };
    const requestError = (status: number, message: string) => {
      violation(message);
      return sendJson(status, { errors: [{ message }] });
    };

    const route = contract.route(method, path);
    if (route.found === 'nothing')
      return requestError(404, `${method} ${path} is not Railway's GraphQL endpoint`);
    if (!isHit(route)) return requestError(405, `${method}: Railway's GraphQL endpoint takes POST`);
    const validated = contract.validateRequest(route, request);
    if (validated.payload) {
      recorded.query = validated.payload.query;
      recorded.operationName = validated.payload.operationName;
      recorded.variables = validated.payload.variables;
    }
    if (validated.refusedWith !== undefined)
      return requestError(validated.refusedWith, validated.violations[0]!);
    const prepared = recordOperation(recorded, validated.checked!, violation);
    validated.violations.slice(prepared.problems.length).forEach(violation);

    const fault = faults.take(request);
    if (fault) {
      recorded.errors = fault.errors;
      const { errors: _errors, status, ...reply } = fault;
      return send(status, reply);
    }
    if (rate.exceeded) {
      recorded.errors = ['rate limited'];
      return send(
        429,
        {
          text: JSON.stringify({ errors: [{ message: 'Rate limit exceeded' }] }),
          headers: { 'Retry-After': String(rate.retryAfter) },
        },
        JSON_TYPE,
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
      rootValue: resolvers.roots[prepared.operation.operation],
      contextValue: ctx,
      fieldResolver: resolvers.resolveField,
    });
    return sendJson(200, checkResult(result, violation));
  };

  const http = await startHttpEmulator({ name: 'Railway emulator', handle, violations });
  server.http = http;

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
        headers: redact(request.headers),
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

  const ws = attachGraphqlWsServer(http.server, {
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
      http.enqueue(async (): Promise<SubscribeOutcome> => {
        const credential = connectionCredential(connection);
        const recorded: RecordedRequest = {
          transport: 'ws',
          operationName: payload.operationName ?? null,
          operationType: null,
          fields: [],
          query: payload.query,
          variables: payload.variables ?? {},
          headers: redact(connection.request.headers),
          connectionParams: redactParams(connection.initPayload ?? {}),
          auth: credential.header,
          at: Date.now(),
          errors: [],
        };
        requests.push(recorded);
        const violation = (problem: string) =>
          violations.push(`ws ${recorded.operationName ?? '(anonymous)'}: ${problem}`);
        const prepared = recordOperation(recorded, contract.validateOperation(recorded), violation);
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
          rootValue: resolvers.roots[type],
          contextValue: ctx,
          fieldResolver: resolvers.resolveField,
          subscribeFieldResolver: resolvers.resolveField,
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

  const { port } = http;

  return {
    url: `http://127.0.0.1:${port}${RAILWAY_GRAPHQL_PATH}`,
    wsUrl: `ws://127.0.0.1:${port}${RAILWAY_GRAPHQL_PATH}`,
    requests,
    sockets,
    violations,
    script: state.script,
    advance(deploymentId) {
      const d = state.find(deploymentId, 'advance');
      return enqueue(() => state.advanceRecord(d));
    },
    addDeployment: state.addDeployment,
    addLogs: state.addLogs,
    addEvents: state.addEvents,
    deployment(id) {
      return state.stateOf(state.find(id, 'deployment'));
    },
    deployments() {
      return state.newestFirst(state.deployments.values()).map(state.stateOf);
    },
    onDeployTriggered(handler) {
      state.hooks.trigger = handler;
    },
    onRollback(handler) {
      state.hooks.rollback = handler;
    },
    failNext(count, status, headers = {}) {
      const defaults: Record<string, string> =
        status === 429 ? { 'Retry-After': '1', 'X-RateLimit-Remaining': '0' } : {};
      const fault: RailwayFault =
        status === 429
          ? {
              status,
              text: JSON.stringify({ errors: [{ message: 'Rate limit exceeded' }] }),
              headers: { 'Content-Type': JSON_TYPE, ...defaults, ...headers },
              errors: [`HTTP ${status}`],
            }
          : {
              status,
              text: `<html><body><h1>${status}</h1>injected by the Railway emulator</body></html>`,
              headers: { 'Content-Type': 'text/html; charset=utf-8', ...defaults, ...headers },
              errors: [`HTTP ${status}`],
            };
      faults.add(count, fault);
    },
    graphqlErrorsNext(count, message, extensions) {
      const error = { message, ...(extensions && { extensions }) };
      faults.add(count, { status: 200, body: { data: null, errors: [error] }, errors: [message] });
    },
    malformedNext(count) {
      faults.add(count, {
        status: 200,
        text: '{"data":{"deployment":{"id":',
        headers: { 'Content-Type': JSON_TYPE },
        errors: ['malformed body'],
      });
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
      resolvers.endStreams();
      await ws.close();
      await http.close();
    },
  };
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
  if (typeof authorization === 'string')
    return { header: 'Authorization', token: bearerToken({ authorization }) };
  return { header: null };
}

function lowerKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
}
