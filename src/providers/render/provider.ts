import type { LogLine, ProviderEvent } from '../../diagnose/index.js';
import { ProviderApiError, RollbackUnconfirmedError, errorMessage } from '../../errors.js';
import type { Deadline } from '../../poll.js';
import type { ProviderClientOptions } from '../api-client.js';
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
import { PAGE_LIMIT, providerMessage, RenderClient } from './client.js';
import { describeFailure, FAILURE_EVENTS, toDeploy, type RenderDeploy } from './statuses.js';

/** Pages of a list read before giving up (10,000 items): a cursor that never ends must not hang us. */
const MAX_PAGES = 100;
/** Log lines kept as evidence, newest first; the diagnosis and the tail need far fewer. */
const MAX_LOG_LINES = 2000;
const MAX_LOG_PAGES = 20;

/**
 * The Render provider, over Render's REST API v1 (shared/specs/render). Every call is one of the
 * document's operations; list endpoints are paged by cursor and sorted here, because Render does not
 * state their order.
 */
export class RenderProvider implements Provider {
  readonly label = 'Render';
  readonly noRollbackTarget =
    'no earlier deploy of this service was live, so there is nothing to roll back to';
  readonly resumeAutoDeploy =
    "Turn it back on once a fix is merged: in the Render dashboard, the service's Settings > Build & Deploy > " +
    'Auto-Deploy, or send `PATCH /v1/services/<service-id>` with `{"autoDeploy": "yes"}`.';
  readonly autoDeployAdvice =
    'Render leaves auto-deploy on after a rollback: the next push to the branch deploys again. ' +
    'Set `pause-auto-deploy: true` to turn it off as part of the rollback, or fix forward quickly.';
  readonly capabilities = { pauseAutoDeploy: true, pushStatus: false, previews: true };
  private readonly client: RenderClient;
  private cachedService: (ServiceInfo & { ownerId?: string }) | undefined;

  /** The service named by `service-id`; the client moves on to a preview when one is used. */
  private readonly baseServiceId: string;

  constructor(private readonly options: ProviderClientOptions) {
    this.baseServiceId = options.serviceId;
    this.client = new RenderClient(options);
  }

  requestCount(): number {
    return this.client.api.requestCount;
  }

  async service(): Promise<ServiceInfo & { ownerId?: string }> {
    if (this.cachedService) return this.cachedService;
    const body = await this.client.call('GET', this.client.servicePath(), 'reading the service');
    if (!isObject(body)) throw this.client.malformed('reading the service', 'a service object');
    const details = (body.serviceDetails ?? {}) as { url?: unknown };
    this.cachedService = {
      id: String(body.id ?? this.client.serviceId),
      name: typeof body.name === 'string' ? body.name : this.client.serviceId,
      url: typeof details.url === 'string' && details.url ? details.url : undefined,
      dashboardUrl: typeof body.dashboardUrl === 'string' ? body.dashboardUrl : undefined,
      ownerId: typeof body.ownerId === 'string' ? body.ownerId : undefined,
    };
    return this.cachedService;
  }

  /**
   * Render's PR previews are services of their own whose `serviceDetails.parentServer` is the base
   * service (inferred from the OpenAPI document; see README). The preview of PR n is named `… PR #n`
   * and built from the PR's branch.
   */
  async usePreview(pr: PullRequestRef): Promise<ServiceInfo | undefined> {
    const query = new URLSearchParams({ includePreviews: 'true' });
    const pages = this.client.pages<{ service?: Record<string, unknown> }>('/services', query, {
      what: 'listing services to find the preview',
      expected: 'an array of services',
      maxPages: MAX_PAGES,
      atLimit: 'stop',
      fix: 'Pass `service-id` of the preview service, or name the deploy with `deploy-id`.',
    });
    for await (const items of pages) {
      for (const item of items) {
        const service = item?.service;
        const details = (service?.serviceDetails ?? {}) as { parentServer?: { id?: string }; url?: string };
        const named =
          typeof service?.name === 'string' && new RegExp(`\\bPR #${pr.number}\\b`).test(service.name);
        const branched = typeof service?.branch === 'string' && service.branch === pr.branch;
        if (
          details.parentServer?.id === this.baseServiceId &&
          (named || branched) &&
          typeof service?.id === 'string'
        ) {
          this.client.serviceId = service.id;
          this.cachedService = undefined;
          return this.service();
        }
      }
    }
    return undefined;
  }

  async getDeploy(id: string): Promise<Deploy> {
    const body = await this.client.call(
      'GET',
      `${this.client.servicePath()}/deploys/${encodeURIComponent(id)}`,
      `reading deploy ${id}`,
      { notFound: 'deploy' },
    );
    return toDeploy(body as RenderDeploy);
  }

  async listDeploys(options: { createdAfter?: number } = {}): Promise<Deploy[]> {
    const query = new URLSearchParams();
    if (options.createdAfter !== undefined)
      query.set('createdAfter', new Date(options.createdAfter).toISOString());
    const deploys: Deploy[] = [];
    // A list that cannot be read to the end could hide ours: that is an error, never a shorter list.
    const pages = this.client.pages<{ deploy?: RenderDeploy }>(
      `${this.client.servicePath()}/deploys`,
      query,
      {
        what: 'listing deploys',
        expected: 'an array of deploys',
        maxPages: MAX_PAGES,
        atLimit: 'fail',
        fix: 'Pass `deploy-id` to name the deploy directly.',
      },
    );
    for await (const items of pages) {
      for (const item of items) if (item?.deploy?.id) deploys.push(toDeploy(item.deploy));
    }
    const after = options.createdAfter;
    return deploys
      .filter((deploy) => after === undefined || (deploy.createdAt ?? 0) > after)
      .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  }

  async triggerDeploy(commit: string): Promise<Deploy | undefined> {
    const response = await this.client.api.send({
      method: 'POST',
      url: this.client.url(`${this.client.servicePath()}/deploys`),
      body: { commitId: commit },
      what: `triggering a deploy of ${commit}`,
    });
    if (response.status === 409) {
      throw new ProviderApiError(
        `Render refused to start a deploy of ${commit} (409 conflict: ${providerMessage(response) ?? 'no reason given'}). ` +
          'Another deploy is probably running; let it finish, or set `deploy: false` and verify the deploy Render starts itself.',
        409,
      );
    }
    const body = this.client.check(response, `triggering a deploy of ${commit}`, {});
    return body === undefined ? undefined : toDeploy(body as RenderDeploy);
  }

  waitForDeploy(
    id: string,
    deadline: Deadline,
    onStatus: StatusListener,
    liveHint?: LiveHint,
  ): Promise<WaitForDeployResult> {
    return pollUntilSettled(id, {
      liveHint,
      hintEveryMs: Math.min(this.options.intervalMs, 1000),
      getDeploy: (deployId) => this.getDeploy(deployId),
      pacing: providerPacing(this.options.intervalMs),
      deadline,
      clock: this.options.clock,
      sleep: this.options.sleep,
      random: this.options.random,
      onStatus,
    });
  }

  /**
   * Render keeps a deploy `live` while its instances crash and restart: the failures show as
   * `server_failed` events. Both are watched, one status read and one events read per poll.
   */
  watchLive(deploy: Deploy, deadline: Deadline, signal: AbortSignal): Promise<LiveSignal> {
    const since = this.options.clock.now();
    return pollWhileLive(deploy, {
      getDeploy: (id) => this.getDeploy(id),
      failing: async () => {
        const failed = (await this.failureEvents(deploy, since, this.options.clock.now())).find(
          (event) => event.step === 'server-failed',
        );
        return failed && `Render reported the server failing (${failed.detail ?? failed.outcome})`;
      },
      pacing: providerPacing(this.options.intervalMs),
      deadline,
      sleep: this.options.sleep,
      random: this.options.random,
      signal,
    });
  }

  async evidence(deploy: Deploy, stage: FailedStage): Promise<RawEvidence> {
    const notes: string[] = [];
    const now = this.options.clock.now();
    const start = deploy.createdAt ?? now - 3_600_000;
    const end = stage === 'runtime' ? now : Math.min(now, (deploy.finishedAt ?? now) + 60_000);
    // Render has no deploy filter on logs: the deploy's time window on the service is the closest match.
    const types = stage === 'build' ? ['build'] : stage === 'runtime' ? ['app'] : ['build', 'app'];
    let lines: LogLine[] = [];
    try {
      lines = await this.logs(start, end, types, notes);
    } catch (error) {
      notes.push(`logs could not be read: ${errorMessage(error)}`);
    }
    let events: ProviderEvent[] = [];
    try {
      events = await this.failureEvents(deploy, start, end);
    } catch (error) {
      notes.push(`events could not be read: ${errorMessage(error)}`);
    }
    return { lines, events, notes };
  }

  describeRollback(target: Deploy): string {
    return `POST ${this.client.url(`${this.client.servicePath()}/rollback`).href} ${JSON.stringify({ deployId: target.id })}`;
  }

  async rollback(target: Deploy): Promise<Deploy> {
    const body = await this.client.call(
      'POST',
      `${this.client.servicePath()}/rollback`,
      `rolling back to ${target.id}`,
      {
        body: { deployId: target.id },
        notFound: 'rollback-target',
      },
    );
    // Render answers 201 with the new deploy (trigger `rollback`). The call went through either way, so
    // an answer we cannot read is an unconfirmed rollback, never one "not performed".
    if (body === undefined) throw new RollbackUnconfirmedError('Render answered without the new deploy');
    try {
      return toDeploy(body as RenderDeploy);
    } catch (error) {
      throw new RollbackUnconfirmedError(`Render's answer could not be read: ${errorMessage(error)}`);
    }
  }

  async pauseAutoDeploy(): Promise<void> {
    await this.client.call('PATCH', this.client.servicePath(), 'turning auto-deploy off', {
      body: { autoDeploy: 'no' },
    });
  }

  private async logs(start: number, end: number, types: string[], notes: string[]): Promise<LogLine[]> {
    const { ownerId } = await this.service();
    if (!ownerId) {
      notes.push('the service did not name its owner, which the logs API needs');
      return [];
    }
    const newestFirst: LogLine[] = [];
    let window = { startTime: new Date(start).toISOString(), endTime: new Date(end).toISOString() };
    for (let page = 1; page <= MAX_LOG_PAGES; page++) {
      const query = new URLSearchParams({
        ownerId,
        ...window,
        direction: 'backward',
        limit: String(PAGE_LIMIT),
      });
      query.append('resource', this.client.serviceId);
      for (const type of types) query.append('type', type);
      const body = (await this.client.call('GET', '/logs', 'reading logs', { query })) as {
        hasMore?: boolean;
        nextStartTime?: string;
        nextEndTime?: string;
        logs?: { message?: string; timestamp?: string; labels?: { name: string; value: string }[] }[];
      };
      for (const entry of body?.logs ?? []) {
        const type = entry.labels?.find((label) => label.name === 'type')?.value;
        newestFirst.push({
          message: String(entry.message ?? ''),
          timestamp: entry.timestamp,
          stream: type === 'build' ? 'build' : 'app',
        });
      }
      if (newestFirst.length >= MAX_LOG_LINES) {
        notes.push(`only the newest ${MAX_LOG_LINES} log lines were read`);
        break;
      }
      if (!body?.hasMore || !body.nextStartTime || !body.nextEndTime) break;
      if (body.nextStartTime === window.startTime && body.nextEndTime === window.endTime) {
        notes.push('the logs API returned the same page window twice; stopped reading');
        break;
      }
      window = { startTime: body.nextStartTime, endTime: body.nextEndTime };
      if (page === MAX_LOG_PAGES) notes.push(`only ${MAX_LOG_PAGES} pages of logs were read`);
    }
    return newestFirst.slice(0, MAX_LOG_LINES).reverse();
  }

  private async failureEvents(deploy: Deploy, start: number, end: number): Promise<ProviderEvent[]> {
    // The `type` filter takes one type per request; one unfiltered request for the window is cheaper.
    const query = new URLSearchParams({
      startTime: new Date(start).toISOString(),
      endTime: new Date(end).toISOString(),
      limit: String(PAGE_LIMIT),
    });
    const items = await this.client.call('GET', `${this.client.servicePath()}/events`, 'reading events', {
      query,
    });
    if (!Array.isArray(items)) return [];
    const events: ProviderEvent[] = [];
    for (const item of items as {
      event?: { type?: string; timestamp?: string; details?: Record<string, unknown> };
    }[]) {
      const event = item?.event;
      if (!event?.type || !event.details || !FAILURE_EVENTS.has(event.type)) continue;
      const details = event.details;
      // deploy_ended and pre_deploy_ended name the deploy; build_ended only its build, so the window decides.
      if (typeof details.deployId === 'string' && details.deployId !== deploy.id) continue;
      const outcome = String(
        details.deployStatus ?? details.buildStatus ?? details.preDeployStatus ?? 'failed',
      );
      if (outcome === 'succeeded') continue;
      events.push({
        step: event.type.replace(/_ended$/, '').replace(/_/g, '-'),
        outcome,
        // server_failed carries the failure object itself as its reason.
        detail: describeFailure(
          event.type === 'server_failed' ? { failure: details.reason } : details.reason,
        ),
        at: event.timestamp,
      });
    }
    return events.sort((a, b) => Date.parse(a.at ?? '') - Date.parse(b.at ?? ''));
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
