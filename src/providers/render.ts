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

/** Render's public API; `api-url` overrides it (proxies, tests). */
export const RENDER_API_URL = 'https://api.render.com/v1';

/** Render's page size ceiling. */
const PAGE_LIMIT = 100;
/** Pages of deploys read before giving up (10,000 deploys): a cursor that never ends must not hang us. */
const MAX_DEPLOY_PAGES = 100;
/** Log lines kept as evidence, newest first; the diagnosis and the tail need far fewer. */
const MAX_LOG_LINES = 2000;
const MAX_LOG_PAGES = 20;

/** Render's client needs only the shared provider options. */
export type RenderOptions = ProviderClientOptions;

/** Which ID a 404 is about, when it is not the service. */
type NotFound = 'deploy' | 'rollback-target';

/** Events that say why a build or deploy ended. */
const FAILURE_EVENTS = new Set(['build_ended', 'pre_deploy_ended', 'deploy_ended', 'server_failed']);

/** Render's 11 deploy statuses and what each means for the run. */
const STATES: Record<string, { state: DeployState; failedStage?: FailedStage; deploying?: boolean }> = {
  created: { state: 'pending' },
  queued: { state: 'pending' },
  build_in_progress: { state: 'pending' },
  update_in_progress: { state: 'pending', deploying: true },
  pre_deploy_in_progress: { state: 'pending' },
  live: { state: 'live' },
  build_failed: { state: 'failed', failedStage: 'build' },
  update_failed: { state: 'failed', failedStage: 'deploy' },
  pre_deploy_failed: { state: 'failed', failedStage: 'pre-deploy' },
  canceled: { state: 'canceled' },
  deactivated: { state: 'replaced' },
};

interface RenderDeploy {
  id: string;
  status?: string;
  trigger?: string;
  commit?: { id?: string };
  createdAt?: string;
  finishedAt?: string;
}

/**
 * The Render provider, over Render's REST API v1 (shared/specs/render). Every call is one of the
 * document's operations; list endpoints are paged by cursor and sorted here, because Render does not
 * state their order.
 */
export class RenderProvider implements Provider {
  readonly label = 'Render';
  readonly noRollbackTarget =
    'no earlier deploy of this service was live, so there is nothing to roll back to';
  readonly autoDeployAdvice =
    'Render leaves auto-deploy on after a rollback: the next push to the branch deploys again. ' +
    'Set `pause-auto-deploy: true` to turn it off as part of the rollback, or fix forward quickly.';
  private readonly api: ApiClient;
  private cachedService: (ServiceInfo & { ownerId?: string }) | undefined;

  /** The service named by `service-id`; `options.serviceId` moves to a preview when one is used. */
  private readonly baseServiceId: string;

  constructor(private readonly options: RenderOptions) {
    this.baseServiceId = options.serviceId;
    this.api = providerApiClient('Render', options, { authorization: `Bearer ${options.token}` });
  }

  requestCount(): number {
    return this.api.requestCount;
  }

  async service(): Promise<ServiceInfo & { ownerId?: string }> {
    if (this.cachedService) return this.cachedService;
    const body = await this.call('GET', this.servicePath(), 'reading the service');
    if (!isObject(body)) throw this.malformed('reading the service', 'a service object');
    const details = (body.serviceDetails ?? {}) as { url?: unknown };
    this.cachedService = {
      id: String(body.id ?? this.options.serviceId),
      name: typeof body.name === 'string' ? body.name : this.options.serviceId,
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
    const base = this.baseServiceId;
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 1; page <= MAX_DEPLOY_PAGES; page++) {
      const query = new URLSearchParams({ limit: String(PAGE_LIMIT), includePreviews: 'true' });
      if (cursor) query.set('cursor', cursor);
      const items = await this.call('GET', '/services', 'listing services to find the preview', { query });
      if (!Array.isArray(items)) throw this.malformed('listing services', 'an array of services');
      for (const item of items as { service?: Record<string, unknown> }[]) {
        const service = item?.service;
        const details = (service?.serviceDetails ?? {}) as { parentServer?: { id?: string }; url?: string };
        const named =
          typeof service?.name === 'string' && new RegExp(`\\bPR #${pr.number}\\b`).test(service.name);
        const branched = typeof service?.branch === 'string' && service.branch === pr.branch;
        if (details.parentServer?.id === base && (named || branched) && typeof service?.id === 'string') {
          this.options.serviceId = service.id;
          this.cachedService = undefined;
          return this.service();
        }
      }
      if (items.length < PAGE_LIMIT) return undefined;
      cursor = (items[items.length - 1] as { cursor?: string }).cursor;
      if (!cursor || seen.has(cursor)) return undefined;
      seen.add(cursor);
    }
    return undefined;
  }

  async getDeploy(id: string): Promise<Deploy> {
    const body = await this.call(
      'GET',
      `${this.servicePath()}/deploys/${encodeURIComponent(id)}`,
      `reading deploy ${id}`,
      { notFound: 'deploy' },
    );
    return this.toDeploy(body as RenderDeploy);
  }

  async listDeploys(options: { createdAfter?: number } = {}): Promise<Deploy[]> {
    const deploys: Deploy[] = [];
    const seenCursors = new Set<string>();
    let cursor: string | undefined;
    for (let page = 1; ; page++) {
      const query = new URLSearchParams({ limit: String(PAGE_LIMIT) });
      if (options.createdAfter !== undefined)
        query.set('createdAfter', new Date(options.createdAfter).toISOString());
      if (cursor) query.set('cursor', cursor);
      const items = await this.call('GET', `${this.servicePath()}/deploys`, 'listing deploys', { query });
      if (!Array.isArray(items)) throw this.malformed('listing deploys', 'an array of deploys');
      for (const item of items as { deploy?: RenderDeploy; cursor?: string }[]) {
        if (item?.deploy?.id) deploys.push(this.toDeploy(item.deploy));
      }
      if (items.length < PAGE_LIMIT) break;
      cursor = (items[items.length - 1] as { cursor?: string }).cursor;
      if (!cursor) {
        // A full page without a cursor would silently hide the rest of the list, ours perhaps among it.
        throw new ProviderApiError(
          'Render API: listing deploys returned a full page without a cursor for the next one; the list cannot be ' +
            'read to the end. Pass `deploy-id` to name the deploy directly.',
        );
      }
      if (seenCursors.has(cursor) || page >= MAX_DEPLOY_PAGES) {
        throw new ProviderApiError(
          `Render API: listing deploys did not end (${seenCursors.has(cursor) ? 'the same cursor came back twice' : `more than ${MAX_DEPLOY_PAGES} pages`}); ` +
            'pass `deploy-id` to name the deploy directly.',
        );
      }
      seenCursors.add(cursor);
    }
    const after = options.createdAfter;
    return deploys
      .filter((deploy) => after === undefined || (deploy.createdAt ?? 0) > after)
      .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  }

  async triggerDeploy(commit: string): Promise<Deploy | undefined> {
    const response = await this.api.send({
      method: 'POST',
      url: this.url(`${this.servicePath()}/deploys`),
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
    const body = this.check(response, `triggering a deploy of ${commit}`, {});
    return body === undefined ? undefined : this.toDeploy(body as RenderDeploy);
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
    return `POST ${this.url(`${this.servicePath()}/rollback`).href} ${JSON.stringify({ deployId: target.id })}`;
  }

  async rollback(target: Deploy): Promise<Deploy> {
    const body = await this.call('POST', `${this.servicePath()}/rollback`, `rolling back to ${target.id}`, {
      body: { deployId: target.id },
      notFound: 'rollback-target',
    });
    // Render answers 201 with the new deploy (trigger `rollback`). The call went through either way, so
    // an answer we cannot read is an unconfirmed rollback, never one "not performed".
    if (body === undefined) throw new RollbackUnconfirmedError('Render answered without the new deploy');
    try {
      return this.toDeploy(body as RenderDeploy);
    } catch (error) {
      throw new RollbackUnconfirmedError(`Render's answer could not be read: ${errorMessage(error)}`);
    }
  }

  async pauseAutoDeploy(): Promise<void> {
    await this.call('PATCH', this.servicePath(), 'turning auto-deploy off', { body: { autoDeploy: 'no' } });
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
      query.append('resource', this.options.serviceId);
      for (const type of types) query.append('type', type);
      const body = (await this.call('GET', '/logs', 'reading logs', { query })) as {
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
    const items = await this.call('GET', `${this.servicePath()}/events`, 'reading events', { query });
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

  private servicePath(): string {
    return `/services/${encodeURIComponent(this.options.serviceId)}`;
  }

  private url(path: string, query?: URLSearchParams): URL {
    const base = this.options.apiUrl.href.replace(/\/+$/, '');
    const url = new URL(`${base}${path}`);
    if (query) url.search = query.toString();
    return url;
  }

  /** One call, mapped to our errors: 401/403 name `api-token`, a 404 names the ID that was not found. */
  private async call(
    method: string,
    path: string,
    what: string,
    options: { query?: URLSearchParams; body?: unknown; notFound?: NotFound } = {},
  ): Promise<unknown> {
    const response = await this.api.send({
      method,
      url: this.url(path, options.query),
      body: options.body,
      what,
    });
    return this.check(response, what, options);
  }

  private check(response: HttpResponse, what: string, options: { notFound?: NotFound }): unknown {
    const { status } = response;
    if (status >= 200 && status < 300) return this.api.json(response, what);
    const raw = providerMessage(response);
    const said = raw === undefined ? undefined : this.options.redact(raw);
    const quoted = said ? ` (Render says: "${said}")` : '';
    if (status === 401) {
      throw new ProviderConfigError(
        `Render rejected the API key in input \`api-token\` (401 while ${what})${quoted}. ` +
          'Fix: create an API key under Render Account Settings → API Keys and pass it from a secret, e.g. `api-token: ${{ secrets.RENDER_API_KEY }}`.',
      );
    }
    if (status === 403) {
      throw new ProviderConfigError(
        `Render refused the API key in input \`api-token\` access to service ${this.options.serviceId} (403 while ${what})${quoted}. ` +
          'Fix: use an API key of a member of the workspace that owns the service.',
      );
    }
    if (status === 404 && options.notFound === 'rollback-target') {
      throw new ProviderApiError(
        `Render answered 404 while ${what}${quoted}: the target deploy is unknown to Render or cannot be rolled back to.`,
        404,
        said,
      );
    }
    if (status === 404 && options.notFound === 'deploy') {
      throw new ProviderConfigError(
        `Render has no such deploy on service ${this.options.serviceId} (404 while ${what})${quoted}. ` +
          'Check input `deploy-id`. Fix: pass a deploy ID of this service (dep-…), or leave `deploy-id` empty to find the deploy by commit.',
      );
    }
    if (status === 404) {
      throw new ProviderConfigError(
        `Render does not know service "${this.options.serviceId}" (404 while ${what})${quoted}. ` +
          "Check input `service-id`. Fix: copy the service ID (srv-…) from the service's dashboard URL, and check that `api-url` is Render's API.",
      );
    }
    throw new ProviderApiError(`Render API: ${what} failed with HTTP ${status}${quoted}.`, status, said);
  }

  private toDeploy(raw: RenderDeploy): Deploy {
    if (!raw || typeof raw.id !== 'string') throw this.malformed('reading a deploy', 'a deploy with an id');
    const status = String(raw.status ?? '');
    const mapped = STATES[status];
    if (!mapped) {
      throw new ProviderApiError(
        `Render reported deploy ${raw.id} with status "${status || '(none)'}", which is not one of the 11 statuses ` +
          'this version knows; the result would be a guess, so the run stops. Update Deploy Sentinel.',
      );
    }
    return {
      id: raw.id,
      status,
      state: mapped.state,
      failedStage: mapped.failedStage,
      commit: raw.commit?.id,
      createdAt: parseTime(raw.createdAt),
      finishedAt: parseTime(raw.finishedAt),
      canRollbackTo: status === 'live' || status === 'deactivated',
      trigger: raw.trigger,
      deploying: mapped.deploying,
    };
  }

  private malformed(what: string, expected: string): ProviderApiError {
    return new ProviderApiError(
      `Render API: ${what} returned something other than ${expected}; check \`api-url\`.`,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function providerMessage(response: HttpResponse): string | undefined {
  try {
    const body = response.json() as { message?: unknown };
    return typeof body?.message === 'string' ? body.message.slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}

/** Render's `reason.failure` (and friends) in words: the why of a failed build or deploy. */
export function describeFailure(reason: unknown): string | undefined {
  if (!reason || typeof reason !== 'object') return undefined;
  const r = reason as Record<string, unknown>;
  const failure = (r.failure ?? (r.buildFailed ? {} : undefined)) as Record<string, unknown> | undefined;
  if (!failure) return r.newDeploy || r.newBuild ? 'replaced by a newer deploy' : undefined;
  const parts: string[] = [];
  if (typeof failure.nonZeroExit === 'number') parts.push(`exited with status ${failure.nonZeroExit}`);
  if (failure.earlyExit) parts.push('exited early');
  if (failure.oomKilled) {
    const limit = (failure.oomKilled as { memoryLimit?: string }).memoryLimit;
    parts.push(`out of memory (OOM killed${limit ? `, limit ${limit}` : ''})`);
  }
  if (typeof failure.timedOutSeconds === 'number')
    parts.push(
      `timed out after ${failure.timedOutSeconds}s${failure.timedOutReason ? ` (${failure.timedOutReason})` : ''}`,
    );
  if (typeof failure.unhealthy === 'string') parts.push(`unhealthy: ${failure.unhealthy}`);
  if (failure.evicted) parts.push('evicted');
  return parts.length > 0 ? parts.join('; ') : 'failed (no reason given)';
}
