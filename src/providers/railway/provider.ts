import type { OpenWebSocket } from '../../deps.js';
import type { LogLine, ProviderEvent } from '../../diagnose/index.js';
import { ProviderApiError, RollbackUnconfirmedError, errorMessage } from '../../errors.js';
import type { Deadline } from '../../poll.js';
import { pollUntilSettled, pollWhileLive, providerPacing } from '../poll-deploy.js';
import type {
  Deploy,
  FailedStage,
  LiveHint,
  LiveSignal,
  Provider,
  PullRequestRef,
  RawEvidence,
  ServiceInfo,
  StatusListener,
  WaitForDeployResult,
} from '../types.js';
import { RailwayClient, type RailwayOptions } from './client.js';
import { toDeploy, type RailwayDeployment } from './statuses.js';
import { followOverSocket } from './subscription.js';

/**
 * Polling ceiling for the fallback: Railway's Hobby plan allows 1000 requests an hour, so a 10-minute
 * wait must stay under 40 requests (about 32 at this ceiling).
 */
const RAILWAY_POLL_CEILING_MS = 20_000;
/** Deployments read per page, and pages read at most: recent history is all the action needs. */
const PAGE_SIZE = 50;
const MAX_PAGES = 4;
/** Log lines asked for per stream (Railway returns one more; the extra oldest line is dropped). */
const LOG_LIMIT = 500;

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
  readonly capabilities = { pauseAutoDeploy: false, pushStatus: true, previews: true };
  private readonly client: RailwayClient;
  private cachedService: ServiceInfo | undefined;

  constructor(private readonly options: RailwayOptions & { openWebSocket?: OpenWebSocket }) {
    this.client = new RailwayClient(options);
  }

  requestCount(): number {
    return this.client.api.requestCount;
  }

  async service(): Promise<ServiceInfo> {
    if (this.cachedService) return this.cachedService;
    const data = await this.client.query<{
      serviceInstance: {
        serviceName?: string;
        domains?: { serviceDomains?: { domain: string }[]; customDomains?: { domain: string }[] };
        latestDeployment?: { projectId?: string } | null;
      };
    }>('serviceInstance', { serviceId: this.options.serviceId, environmentId: this.client.environmentId });
    const instance = data.serviceInstance;
    const domain =
      instance.domains?.serviceDomains?.[0]?.domain ?? instance.domains?.customDomains?.[0]?.domain;
    this.client.projectId ??= instance.latestDeployment?.projectId;
    this.cachedService = {
      id: this.options.serviceId,
      name: instance.serviceName ?? this.options.serviceId,
      // Railway gives a bare host name (x.up.railway.app); its CLI adds https:// too.
      url: domain ? `https://${domain}` : undefined,
      dashboardUrl: this.client.projectId
        ? `https://railway.com/project/${this.client.projectId}/service/${this.options.serviceId}?environmentId=${this.client.environmentId}`
        : undefined,
    };
    return this.cachedService;
  }

  /** Railway's PR environments are ephemeral environments whose `meta.prNumber` is the PR (not their name). */
  async usePreview(pr: PullRequestRef): Promise<ServiceInfo | undefined> {
    // The project comes for free with the service instance or a deployment; ask for it only as a last resort.
    if (!this.client.projectId) await this.service();
    if (!this.client.projectId) await this.listDeploys();
    if (!this.client.projectId) {
      const data = await this.client.query<{ service: { projectId: string } }>('project', {
        id: this.options.serviceId,
      });
      this.client.projectId = data.service.projectId;
    }
    let after: string | undefined;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await this.client.query<{
        environments: {
          edges: { node: { id: string; name: string; meta?: { prNumber?: number | null } | null } }[];
          pageInfo: { hasNextPage: boolean; endCursor?: string | null };
        };
      }>('previewEnvironments', {
        projectId: this.client.projectId,
        first: PAGE_SIZE,
        ...(after ? { after } : {}),
      });
      const match = data.environments.edges.find((edge) => edge.node.meta?.prNumber === pr.number);
      if (match) {
        this.client.environmentId = match.node.id;
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
    const data = await this.client.query<{ deployment: RailwayDeployment }>(
      'deployment',
      { id },
      { notFound: 'deploy' },
    );
    return this.deploy(data.deployment);
  }

  async listDeploys(options: { createdAfter?: number } = {}): Promise<Deploy[]> {
    const deploys: Deploy[] = [];
    let after: string | undefined;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await this.client.query<{
        deployments: {
          edges: { node: RailwayDeployment }[];
          pageInfo: { hasNextPage: boolean; endCursor?: string | null };
        };
      }>('deployments', {
        input: { serviceId: this.options.serviceId, environmentId: this.client.environmentId },
        first: PAGE_SIZE,
        ...(after ? { after } : {}),
      });
      const nodes = data.deployments.edges.map((edge) => this.deploy(edge.node));
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
    const data = await this.client.query<{ serviceInstanceDeployV2: string }>(
      'deploy',
      { serviceId: this.options.serviceId, environmentId: this.client.environmentId, commitSha: commit },
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
      const pushed = await followOverSocket(id, deadline, onStatus, {
        apiUrl: this.options.apiUrl,
        auth: await this.client.authHeaders(),
        open: this.options.openWebSocket,
        redact: this.options.redact,
        toDeploy: (raw) => this.deploy(raw),
      });
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

  /**
   * Follows Railway's status stream while the deployment is live (CRASHED after SUCCESS ends it), and
   * polls frugally when the socket cannot be used.
   */
  async watchLive(deploy: Deploy, deadline: Deadline, signal: AbortSignal): Promise<LiveSignal> {
    if (this.options.openWebSocket) {
      const pushed = await followOverSocket(deploy.id, deadline, () => undefined, {
        apiUrl: this.options.apiUrl,
        auth: await this.client.authHeaders(),
        open: this.options.openWebSocket,
        redact: this.options.redact,
        toDeploy: (raw) => this.deploy(raw),
        until: (seen) => seen.state !== 'live',
        signal,
      });
      if (pushed.kind === 'result') {
        const seen = pushed.result.deploy;
        return seen.state === 'live'
          ? { live: true, deploy: seen }
          : { live: false, deploy: seen, why: `it is ${seen.status} now` };
      }
      if (signal.aborted) return { live: true, deploy };
    }
    return pollWhileLive(deploy, {
      getDeploy: (id) => this.getDeploy(id),
      pacing: providerPacing(this.options.intervalMs, RAILWAY_POLL_CEILING_MS),
      deadline,
      sleep: this.options.sleep,
      random: this.options.random,
      signal,
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
    const data = await this.client.query<{ deploymentRollback: boolean }>(
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

  private async logs(deploymentId: string, stream: 'build' | 'deploy'): Promise<LogLine[]> {
    const operation = stream === 'build' ? 'buildLogs' : 'deploymentLogs';
    const data = await this.client.query<Record<string, { timestamp?: string; message?: string }[]>>(
      operation,
      {
        deploymentId,
        limit: LOG_LIMIT,
      },
    );
    const rows = data[operation] ?? [];
    // Railway answers limit+1 rows; keep the newest `limit`, as its CLI does.
    return rows.slice(-LOG_LIMIT).map((row) => ({
      message: String(row.message ?? ''),
      timestamp: row.timestamp,
      stream: stream === 'build' ? 'build' : 'app',
    }));
  }

  private async events(id: string): Promise<ProviderEvent[]> {
    const data = await this.client.query<{
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

  /** A deployment in neutral terms; the first one that names its project tells us the project. */
  private deploy(raw: RailwayDeployment): Deploy {
    const deploy = toDeploy(raw);
    this.client.projectId ??= raw.projectId;
    return deploy;
  }
}
