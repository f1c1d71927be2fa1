import type { OpenWebSocket } from '../deps.js';
import type { LogLine, ProviderEvent } from '../diagnose.js';
import { ProviderApiError, ProviderConfigError, RollbackUnconfirmedError, errorMessage } from '../errors.js';
import type { HttpResponse } from '../http.js';
import type { Deadline } from '../poll.js';
import { parseTime, providerApiClient, type ApiClient, type ProviderClientOptions } from './api-client.js';
import { pollUntilSettled, providerPacing } from './follow.js';
import type {
  Deploy,
  DeployState,
  FailedStage,
  LiveHint,
  Provider,
  PullRequestRef,
  RawEvidence,
  ServiceInfo,
  StatusListener,
  WaitForDeployResult,
} from './types.js';

/** Railway's public GraphQL API; `api-url` overrides it (proxies, tests). */
export const RAILWAY_API_URL = 'https://backboard.railway.com/graphql/v2';

/** How the token is sent: account/workspace tokens as Bearer, project tokens in their own header. */
export type RailwayTokenType = 'auto' | 'account' | 'project';

/**
 * Polling ceiling for the fallback: Railway's Hobby plan allows 1000 requests an hour, so a 10-minute
 * wait must stay under 40 requests (about 32 at this ceiling).
 */
const RAILWAY_POLL_CEILING_MS = 20_000;
/** Deployments read per page, and pages read at most: recent history is all the action needs. */
const PAGE_SIZE = 50;
const MAX_PAGES = 4;
/** How long a subscription may stay silent before the action polls instead. */
const SOCKET_SILENCE_MS = 60_000;
/** Log lines asked for per stream (Railway returns one more; the extra oldest line is dropped). */
const LOG_LIMIT = 500;

const DEPLOYMENT_FIELDS = 'id status createdAt statusUpdatedAt canRollback meta projectId';

/**
 * Every operation the action sends, in one place, so a test validates each one against Railway's
 * schema (shared/specs/railway/schema.json).
 */
export const RAILWAY_OPERATIONS = {
  projectToken: 'query ProjectToken { projectToken { projectId environmentId } }',
  serviceInstance: `query ServiceInstance($serviceId: String!, $environmentId: String!) {
  serviceInstance(serviceId: $serviceId, environmentId: $environmentId) {
    serviceName
    domains { serviceDomains { domain } customDomains { domain } }
    latestDeployment { projectId }
  }
}`,
  deployments: `query Deployments($input: DeploymentListInput!, $first: Int, $after: String) {
  deployments(input: $input, first: $first, after: $after) {
    edges { node { ${DEPLOYMENT_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  deployment: `query Deployment($id: String!) { deployment(id: $id) { ${DEPLOYMENT_FIELDS} } }`,
  deploy: `mutation ServiceInstanceDeployV2($serviceId: String!, $environmentId: String!, $commitSha: String) {
  serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId, commitSha: $commitSha)
}`,
  // deploymentRollback returns a Boolean: a selection set would be invalid against the schema.
  rollback: 'mutation DeploymentRollback($id: String!) { deploymentRollback(id: $id) }',
  buildLogs: `query BuildLogs($deploymentId: String!, $limit: Int) {
  buildLogs(deploymentId: $deploymentId, limit: $limit) { timestamp message severity }
}`,
  deploymentLogs: `query DeploymentLogs($deploymentId: String!, $limit: Int) {
  deploymentLogs(deploymentId: $deploymentId, limit: $limit) { timestamp message severity }
}`,
  deploymentEvents: `query DeploymentEvents($id: String!, $first: Int) {
  deploymentEvents(id: $id, first: $first) {
    edges { node { step createdAt completedAt payload { error reason detail } } }
  }
}`,
  project: 'query Service($id: String!) { service(id: $id) { projectId } }',
  previewEnvironments: `query Environments($projectId: String!, $first: Int, $after: String) {
  environments(projectId: $projectId, isEphemeral: true, first: $first, after: $after) {
    edges { node { id name meta { prNumber branch } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  subscribeDeployment: `subscription Deployment($id: String!) { deployment(id: $id) { ${DEPLOYMENT_FIELDS} } }`,
} as const;

export interface RailwayOptions extends ProviderClientOptions {
  tokenType: RailwayTokenType;
  environmentId: string;
  openWebSocket?: OpenWebSocket;
}

/** Railway's 13 deployment statuses and what each means for the run. */
const STATES: Record<string, { state: DeployState; failedStage?: FailedStage; deploying?: boolean }> = {
  INITIALIZING: { state: 'pending' },
  QUEUED: { state: 'pending' },
  WAITING: { state: 'pending' },
  BUILDING: { state: 'pending' },
  DEPLOYING: { state: 'pending', deploying: true },
  NEEDS_APPROVAL: { state: 'needs-approval' },
  SUCCESS: { state: 'live' },
  SLEEPING: { state: 'live' },
  FAILED: { state: 'failed', failedStage: 'deploy' },
  CRASHED: { state: 'failed', failedStage: 'runtime' },
  SKIPPED: { state: 'skipped' },
  // Removed before going live: canceled, unless a newer deployment took over (execute.ts decides).
  REMOVING: { state: 'canceled' },
  REMOVED: { state: 'canceled' },
};

interface RailwayDeployment {
  id: string;
  status?: string;
  createdAt?: string;
  statusUpdatedAt?: string | null;
  canRollback?: boolean;
  meta?: { commitHash?: unknown } | null;
  projectId?: string;
}

/**
 * The Railway provider, over Railway's public GraphQL API. Status is pushed over `graphql-transport-ws`
 * where the socket works (one connection instead of a request per poll), with frugal polling as the
 * fallback, because the Hobby plan allows 1000 requests an hour.
 */
export class RailwayProvider implements Provider {
  readonly label = 'Railway';
  readonly noRollbackTarget =
    'no earlier deployment can be rolled back to: none is SUCCESS, SLEEPING or REMOVED with `canRollback: true` ' +
    '(a first deployment, or older images past the plan’s retention period)';
  readonly autoDeployAdvice =
    'Railway deploys the next push to the branch again: turn off automatic deploys for the branch in the service settings until a fix is merged, or fix forward quickly.';
  private readonly api: ApiClient;
  private auth: Record<string, string> | undefined;
  private projectId: string | undefined;
  private cachedService: ServiceInfo | undefined;

  constructor(private readonly options: RailwayOptions) {
    // Auth headers depend on the token type, decided per call (authHeaders), not here.
    this.api = providerApiClient('Railway', options, {});
  }

  requestCount(): number {
    return this.api.requestCount;
  }

  async service(): Promise<ServiceInfo> {
    if (this.cachedService) return this.cachedService;
    const data = await this.query<{
      serviceInstance: {
        serviceName?: string;
        domains?: { serviceDomains?: { domain: string }[]; customDomains?: { domain: string }[] };
        latestDeployment?: { projectId?: string } | null;
      };
    }>('serviceInstance', { serviceId: this.options.serviceId, environmentId: this.options.environmentId });
    const instance = data.serviceInstance;
    const domain =
      instance.domains?.serviceDomains?.[0]?.domain ?? instance.domains?.customDomains?.[0]?.domain;
    this.projectId ??= instance.latestDeployment?.projectId;
    this.cachedService = {
      id: this.options.serviceId,
      name: instance.serviceName ?? this.options.serviceId,
      // Railway gives a bare host name (x.up.railway.app); its CLI adds https:// too.
      url: domain ? `https://${domain}` : undefined,
      dashboardUrl: this.projectId
        ? `https://railway.com/project/${this.projectId}/service/${this.options.serviceId}?environmentId=${this.options.environmentId}`
        : undefined,
    };
    return this.cachedService;
  }

  /** Railway's PR environments are ephemeral environments whose `meta.prNumber` is the PR (not their name). */
  async usePreview(pr: PullRequestRef): Promise<ServiceInfo | undefined> {
    // The project comes for free with the service instance or a deployment; ask for it only as a last resort.
    if (!this.projectId) await this.service();
    if (!this.projectId) await this.listDeploys();
    if (!this.projectId) {
      const data = await this.query<{ service: { projectId: string } }>('project', {
        id: this.options.serviceId,
      });
      this.projectId = data.service.projectId;
    }
    let after: string | undefined;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await this.query<{
        environments: {
          edges: { node: { id: string; name: string; meta?: { prNumber?: number | null } | null } }[];
          pageInfo: { hasNextPage: boolean; endCursor?: string | null };
        };
      }>('previewEnvironments', { projectId: this.projectId, first: PAGE_SIZE, ...(after ? { after } : {}) });
      const match = data.environments.edges.find((edge) => edge.node.meta?.prNumber === pr.number);
      if (match) {
        this.options.environmentId = match.node.id;
        this.cachedService = undefined;
        const service = await this.service();
        // Named after the PR environment, so its check run and comment differ from production's.
        this.cachedService = { ...service, name: `${service.name} (${match.node.name})` };
        return this.cachedService;
      }
      const { hasNextPage, endCursor } = data.environments.pageInfo;
      if (!hasNextPage || !endCursor || endCursor === after) return undefined;
      after = endCursor;
    }
    return undefined;
  }

  async getDeploy(id: string): Promise<Deploy> {
    const data = await this.query<{ deployment: RailwayDeployment }>(
      'deployment',
      { id },
      { notFound: 'deploy' },
    );
    return this.toDeploy(data.deployment);
  }

  async listDeploys(options: { createdAfter?: number } = {}): Promise<Deploy[]> {
    const deploys: Deploy[] = [];
    let after: string | undefined;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await this.query<{
        deployments: {
          edges: { node: RailwayDeployment }[];
          pageInfo: { hasNextPage: boolean; endCursor?: string | null };
        };
      }>('deployments', {
        input: { serviceId: this.options.serviceId, environmentId: this.options.environmentId },
        first: PAGE_SIZE,
        ...(after ? { after } : {}),
      });
      const nodes = data.deployments.edges.map((edge) => this.toDeploy(edge.node));
      deploys.push(...nodes);
      const { hasNextPage, endCursor } = data.deployments.pageInfo;
      // Newer deployments come first; once a page reaches back past `createdAfter`, older pages cannot help.
      const reachedBack =
        options.createdAfter !== undefined &&
        nodes.some((d) => (d.createdAt ?? 0) <= (options.createdAfter ?? 0));
      if (!hasNextPage || !endCursor || endCursor === after || reachedBack) break;
      after = endCursor;
    }
    const since = options.createdAfter;
    return deploys
      .filter((deploy) => since === undefined || (deploy.createdAt ?? 0) > since)
      .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  }

  async triggerDeploy(commit: string): Promise<Deploy> {
    const data = await this.query<{ serviceInstanceDeployV2: string }>(
      'deploy',
      { serviceId: this.options.serviceId, environmentId: this.options.environmentId, commitSha: commit },
      { mutation: true },
    );
    return this.getDeploy(data.serviceInstanceDeployV2);
  }

  async waitForDeploy(
    id: string,
    deadline: Deadline,
    onStatus: StatusListener,
    liveHint?: LiveHint,
  ): Promise<WaitForDeployResult> {
    if (this.options.openWebSocket) {
      const pushed = await this.subscribe(id, deadline, onStatus);
      if (pushed.kind === 'result') return pushed.result;
      this.options.log(
        `Railway: live status updates over WebSocket failed (${pushed.reason}); falling back to polling every ` +
          `${Math.round(this.options.intervalMs / 1000)}-${RAILWAY_POLL_CEILING_MS / 1000} s.`,
      );
    }
    return pollUntilSettled(id, {
      getDeploy: (deployId) => this.getDeploy(deployId),
      pacing: providerPacing(this.options.intervalMs, RAILWAY_POLL_CEILING_MS),
      deadline,
      clock: this.options.clock,
      sleep: this.options.sleep,
      random: this.options.random,
      onStatus,
      liveHint,
      hintEveryMs: Math.min(this.options.intervalMs, 1000),
    });
  }

  async evidence(deploy: Deploy, stage: FailedStage): Promise<RawEvidence> {
    const notes: string[] = [];
    const lines: LogLine[] = [];
    const streams: ('build' | 'deploy')[] =
      stage === 'build' ? ['build'] : stage === 'runtime' ? ['deploy'] : ['build', 'deploy'];
    for (const stream of streams) {
      try {
        lines.push(...(await this.logs(deploy.id, stream)));
      } catch (error) {
        notes.push(`${stream} logs could not be read: ${errorMessage(error)}`);
      }
    }
    let events: ProviderEvent[] = [];
    try {
      events = await this.events(deploy.id);
    } catch (error) {
      notes.push(`deployment events could not be read: ${errorMessage(error)}`);
    }
    return { lines, events, notes };
  }

  describeRollback(target: Deploy): string {
    return `POST ${this.options.apiUrl.href} mutation { deploymentRollback(id: ${JSON.stringify(target.id)}) }`;
  }

  async rollback(target: Deploy): Promise<Deploy> {
    const earlier = await this.listDeploys();
    const before = earlier[0]?.createdAt ?? 0;
    const known = new Set(earlier.map((deploy) => deploy.id));
    const data = await this.query<{ deploymentRollback: boolean }>(
      'rollback',
      { id: target.id },
      { mutation: true },
    );
    if (data.deploymentRollback !== true) {
      throw new ProviderApiError(
        `Railway declined to roll back to deployment ${target.id} (deploymentRollback returned false).`,
      );
    }
    // deploymentRollback does not name the deployment it creates: look for it after the call. From here
    // on the rollback was accepted, so a failure to find it is "unconfirmed", never "not performed".
    try {
      for (let attempt = 0; attempt < 10; attempt++) {
        // The rollback's deployment: new since the call and of the target's commit (a push landing at the
        // same moment must not be mistaken for it).
        const created = (await this.listDeploys({ createdAfter: before })).find(
          (deploy) =>
            !known.has(deploy.id) && (target.commit === undefined || deploy.commit === target.commit),
        );
        if (created) return created;
        if (this.options.budget.remainingMs() <= 0) break;
        await this.options.sleep(Math.min(this.options.intervalMs * (attempt + 1), 5000));
      }
    } catch (error) {
      throw new RollbackUnconfirmedError(`its new deployment could not be read: ${errorMessage(error)}`);
    }
    throw new RollbackUnconfirmedError(
      'no new deployment of the target commit appeared in the deployment list',
    );
  }

  async pauseAutoDeploy(): Promise<void> {
    // config.ts refuses `pause-auto-deploy` with Railway; reaching this is a bug, not a user error.
    throw new ProviderApiError('pause-auto-deploy is not supported for Railway.');
  }

  /** Follows the deployment over graphql-transport-ws; says why when the socket cannot be used. */
  private async subscribe(
    id: string,
    deadline: Deadline,
    onStatus: StatusListener,
  ): Promise<{ kind: 'result'; result: WaitForDeployResult } | { kind: 'fallback'; reason: string }> {
    const auth = await this.authHeaders();
    const url = new URL(this.options.apiUrl.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const open = this.options.openWebSocket as OpenWebSocket;
    return new Promise((resolve) => {
      let socket: WebSocket;
      let previous: string | undefined;
      let last: Deploy | undefined;
      let done = false;
      const finish = (
        value: { kind: 'result'; result: WaitForDeployResult } | { kind: 'fallback'; reason: string },
      ) => {
        if (done) return;
        done = true;
        clearTimeout(deadlineTimer);
        clearTimeout(silenceTimer);
        try {
          socket?.close(1000);
        } catch {
          // Closing a socket that never opened is fine to ignore: it is being abandoned.
        }
        resolve(value);
      };
      const deadlineTimer = setTimeout(
        () =>
          last
            ? finish({ kind: 'result', result: { settled: false, deploy: last, reason: 'timeout' } })
            : finish({ kind: 'fallback', reason: 'no status arrived before the deadline' }),
        Math.max(0, deadline.remainingMs()),
      );
      // Whether the subscription first repeats the current state is undocumented: a socket that stays
      // silent falls back to polling after a minute instead of costing the whole budget.
      // A quarter of what is left, at most a minute: a hung upgrade must leave time to poll.
      const silenceMs = Math.min(SOCKET_SILENCE_MS, Math.max(1000, deadline.remainingMs() / 4));
      let silenceTimer = setTimeout(() => {
        if (!last)
          finish({ kind: 'fallback', reason: `no status arrived within ${Math.round(silenceMs / 1000)} s` });
      }, silenceMs);
      try {
        socket = open(url.href, 'graphql-transport-ws');
      } catch (error) {
        finish({ kind: 'fallback', reason: this.options.redact(errorMessage(error)) });
        return;
      }
      socket.addEventListener('open', () => {
        socket.send(JSON.stringify({ type: 'connection_init', payload: auth }));
      });
      socket.addEventListener('message', (event: MessageEvent) => {
        let message: {
          type?: string;
          id?: string;
          payload?:
            | { data?: { deployment?: RailwayDeployment }; errors?: { message?: string }[] }
            | { message?: string }[];
        };
        try {
          message = JSON.parse(String(event.data));
        } catch {
          finish({ kind: 'fallback', reason: 'the server sent a message that is not JSON' });
          return;
        }
        if (message.type === 'connection_ack') {
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: RAILWAY_OPERATIONS.subscribeDeployment, variables: { id } },
            }),
          );
        } else if (message.type === 'ping') {
          socket.send(JSON.stringify({ type: 'pong' }));
        } else if (message.type === 'next') {
          const payload = message.payload as {
            data?: { deployment?: RailwayDeployment };
            errors?: { message?: string }[];
          };
          const error = payload?.errors?.[0]?.message;
          if (error || !payload?.data?.deployment) {
            finish({
              kind: 'fallback',
              reason: this.options.redact(`the subscription answered: ${error ?? 'no data'}`),
            });
            return;
          }
          let deploy: Deploy;
          try {
            deploy = this.toDeploy(payload.data.deployment);
          } catch (failure) {
            finish({ kind: 'fallback', reason: errorMessage(failure) });
            return;
          }
          last = deploy;
          // A half-open socket says nothing more: after a silent minute, poll instead of waiting it out.
          clearTimeout(silenceTimer);
          silenceTimer = setTimeout(
            () => finish({ kind: 'fallback', reason: `no message for ${SOCKET_SILENCE_MS / 1000} s` }),
            SOCKET_SILENCE_MS,
          );
          if (deploy.status !== previous) {
            onStatus(deploy, previous);
            previous = deploy.status;
          }
          if (deploy.state !== 'pending') finish({ kind: 'result', result: { settled: true, deploy } });
        } else if (message.type === 'error' || message.type === 'complete') {
          finish({ kind: 'fallback', reason: `the server ended the subscription (${message.type})` });
        }
      });
      socket.addEventListener('error', () => finish({ kind: 'fallback', reason: 'the connection failed' }));
      socket.addEventListener('close', (event: CloseEvent) =>
        finish({ kind: 'fallback', reason: `the connection closed (code ${event.code})` }),
      );
    });
  }

  private async logs(deploymentId: string, stream: 'build' | 'deploy'): Promise<LogLine[]> {
    const operation = stream === 'build' ? 'buildLogs' : 'deploymentLogs';
    const data = await this.query<Record<string, { timestamp?: string; message?: string }[]>>(operation, {
      deploymentId,
      limit: LOG_LIMIT,
    });
    const rows = data[operation] ?? [];
    // Railway answers limit+1 rows; keep the newest `limit`, as its CLI does.
    return rows.slice(-LOG_LIMIT).map((row) => ({
      message: String(row.message ?? ''),
      timestamp: row.timestamp,
      stream: stream === 'build' ? 'build' : 'app',
    }));
  }

  private async events(id: string): Promise<ProviderEvent[]> {
    const data = await this.query<{
      deploymentEvents: {
        edges: {
          node: {
            step: string;
            createdAt?: string;
            payload?: { error?: string | null; reason?: string | null; detail?: string | null } | null;
          };
        }[];
      };
    }>('deploymentEvents', { id, first: 50 });
    return data.deploymentEvents.edges
      .map((edge) => edge.node)
      .filter((node) => node.payload?.error)
      .map((node) => ({
        step: node.step.toLowerCase().replace(/_/g, '-'),
        outcome: 'failed',
        detail: [node.payload?.error, node.payload?.reason, node.payload?.detail].filter(Boolean).join(': '),
        at: node.createdAt,
      }));
  }

  /** Authorization for this token: asked once (`auto`), then reused for every call and the socket. */
  private async authHeaders(): Promise<Record<string, string>> {
    if (this.auth) return this.auth;
    const { token, tokenType } = this.options;
    const bearer = { authorization: `Bearer ${token}` };
    const project = { 'project-access-token': token };
    if (tokenType === 'account') this.auth = bearer;
    else if (tokenType === 'project') this.auth = project;
    else {
      // A project token answers `projectToken`; account and workspace tokens do not. One request decides.
      const response = await this.post(
        RAILWAY_OPERATIONS.projectToken,
        {},
        project,
        'checking the token type',
        true,
      );
      const body =
        response.status === 200
          ? (this.api.json(response, 'checking the token type') as {
              data?: { projectToken?: { projectId?: string } };
            })
          : undefined;
      const projectId = body?.data?.projectToken?.projectId;
      this.auth = projectId ? project : bearer;
      this.projectId ??= projectId;
      this.options.log(
        `Railway: api-token is ${projectId ? 'a project token' : 'an account or workspace token'}.`,
      );
    }
    return this.auth;
  }

  private post(
    query: string,
    variables: Record<string, unknown>,
    headers: Record<string, string>,
    what: string,
    idempotent: boolean,
  ): Promise<HttpResponse> {
    return this.api.send({
      method: 'POST',
      url: this.options.apiUrl,
      body: { query, variables },
      headers,
      what,
      idempotent,
    });
  }

  /** One operation; GraphQL `errors` on a 200 are errors, quoted, and auth errors name `api-token`. */
  private async query<T>(
    name: keyof typeof RAILWAY_OPERATIONS,
    variables: Record<string, unknown>,
    options: { mutation?: boolean; notFound?: 'deploy' } = {},
  ): Promise<T> {
    const what = `the ${name} ${options.mutation ? 'mutation' : 'query'}`;
    const response = await this.post(
      RAILWAY_OPERATIONS[name],
      variables,
      await this.authHeaders(),
      what,
      !options.mutation,
    );
    if (response.status === 401 || response.status === 403)
      throw this.authError(what, `HTTP ${response.status}`);
    if (response.status < 200 || response.status >= 300) {
      throw new ProviderApiError(
        `Railway API: ${what} failed with HTTP ${response.status}.`,
        response.status,
      );
    }
    const body = this.api.json(response, what) as
      { data?: T | null; errors?: { message?: string }[] } | undefined;
    const errors = Array.isArray(body?.errors) ? body.errors : [];
    if (errors.length > 0) {
      const said = this.options.redact(errors.map((e) => String(e?.message ?? 'unknown error')).join('; '));
      if (/not authori[sz]ed|project token not found|unauthenticated/i.test(said))
        throw this.authError(what, said);
      if (options.notFound === 'deploy' && /not found/i.test(said)) {
        throw new ProviderConfigError(
          `Railway has no deployment ${String(variables.id)} (${what} said: "${said}"). Check input \`deploy-id\`. ` +
            'Fix: pass a deployment ID of this service, or leave `deploy-id` empty to find the deployment by commit.',
        );
      }
      if (/service.*not found|environment.*not found|serviceinstance.*not found/i.test(said)) {
        throw new ProviderConfigError(
          `Railway does not know service "${this.options.serviceId}" in environment "${this.options.environmentId}" ` +
            `(${what} said: "${said}"). Check inputs \`service-id\` and \`environment-id\`. ` +
            "Fix: copy both IDs from the service's Settings page in the Railway dashboard.",
        );
      }
      throw new ProviderApiError(`Railway API: ${what} returned errors: "${said}".`, response.status, said);
    }
    if (!body?.data) throw new ProviderApiError(`Railway API: ${what} returned no data; check \`api-url\`.`);
    return body.data;
  }

  private authError(what: string, said: string): ProviderConfigError {
    return new ProviderConfigError(
      `Railway rejected the token in input \`api-token\` (${what}: "${said}"). ` +
        'Fix: create a token under Railway Account Settings → Tokens (or a project token in the project settings) and ' +
        'pass it from a secret; if it is a project token, it must belong to the environment in `environment-id`. ' +
        'Set `api-token-type` if the automatic choice is wrong.',
    );
  }

  private toDeploy(raw: RailwayDeployment): Deploy {
    if (!raw || typeof raw.id !== 'string') {
      throw new ProviderApiError('Railway API: a deployment without an id came back; check `api-url`.');
    }
    const status = String(raw.status ?? '');
    const mapped = STATES[status];
    if (!mapped) {
      throw new ProviderApiError(
        `Railway reported deployment ${raw.id} with status "${status || '(none)'}", which is not one of the 13 statuses ` +
          'this version knows; the result would be a guess, so the run stops. Update Deploy Sentinel.',
      );
    }
    this.projectId ??= raw.projectId;
    const commit = typeof raw.meta?.commitHash === 'string' ? raw.meta.commitHash : undefined;
    const updated = parseTime(raw.statusUpdatedAt ?? undefined);
    return {
      id: raw.id,
      status,
      state: mapped.state,
      failedStage: mapped.failedStage,
      commit,
      createdAt: parseTime(raw.createdAt),
      finishedAt: mapped.state === 'pending' ? undefined : updated,
      canRollbackTo: raw.canRollback === true && ['SUCCESS', 'SLEEPING', 'REMOVED'].includes(status),
      sleeping: status === 'SLEEPING',
      deploying: mapped.deploying,
    };
  }
}
