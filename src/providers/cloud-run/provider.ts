import type { LogLine, ProviderEvent } from '../../diagnose/index.js';
import { ProviderConfigError, RollbackUnconfirmedError, errorMessage } from '../../errors.js';
import type { Deadline } from '../../poll.js';
import { cursorPages } from '../paging.js';
import { parseTime } from '../api-client.js';
import { pollUntilSettled, pollWhileLive, providerPacing } from '../poll-deploy.js';
import type {
  Deploy,
  FailedStage,
  LiveHint,
  LiveSignal,
  Provider,
  RawEvidence,
  ServiceInfo,
  StatusListener,
  WaitForDeployResult,
} from '../types.js';
import { CloudRunClient, type CloudRunOptions } from './client.js';
import { readRevisionLogs } from './logs.js';
import { revisionId } from './names.js';
import {
  describeTraffic,
  readyCondition,
  routingOf,
  toDeploy,
  type RevisionJson,
  type Routing,
  type ServiceJson,
} from './statuses.js';
import { moveTraffic, rollbackTraffic, toLatestCommand } from './traffic.js';

/** Revisions per ListRevisions page. */
export const REVISION_PAGE_SIZE = 100;
/** Pages of revisions read at most: Cloud Run keeps at most 1000 revisions per service. */
const MAX_REVISION_PAGES = 10;
/** Logs from this long before a revision was created count (clocks differ a little). */
const LOG_LEAD_MS = 10_000;
/** Logs until this long after a failed revision's Ready condition changed. */
const LOG_TRAIL_MS = 60_000;
/** A condition message quoted in the report is cut to this length. */
const MAX_MESSAGE_CHARS = 600;

/**
 * The Cloud Run provider, over the Cloud Run Admin API v2 and Cloud Logging v2 (REST/JSON, as the protos
 * in @google-cloud/run and @google-cloud/logging define them). A deploy is a revision: found by its
 * `commit-sha` label, followed by its Ready condition and the service's routing, rolled back by moving all
 * traffic to the last known good revision with the service's etag as the guard.
 */
export class CloudRunProvider implements Provider {
  readonly label = 'Cloud Run';
  readonly capabilities = { pauseAutoDeploy: false, pushStatus: false, previews: false };
  readonly noRollbackTarget =
    'no earlier revision of this service is ready to take the traffic back (a first deploy, or the earlier revisions were deleted or only ever served a tag)';
  private readonly client: CloudRunClient;
  private cachedService: ServiceInfo | undefined;
  /** The service as last read, and its routing. */
  private snapshot: { service: ServiceJson; routing: Routing } | undefined;
  /** Each revision as last read, by ID (the evidence quotes its Ready condition). */
  private readonly revisions = new Map<string, RevisionJson>();
  /** The revision `ServiceInfo.url` points at through its tag URL, when it receives no traffic. */
  private taggedUrlRevision: string | undefined;
  /** The revision a rollback pinned all traffic to. */
  private pinnedTo: string | undefined;
  /** Revisions last seen ready while the service routed traffic to them (ROUTING). */
  private readonly routing = new Set<string>();

  constructor(private readonly options: CloudRunOptions) {
    this.client = new CloudRunClient(options);
  }

  /**
   * After a rollback traffic is pinned to a named revision, and Cloud Run routes none to later revisions
   * until someone sends it to the latest again: the report says so, with the command.
   */
  get autoDeployAdvice(): string {
    const to = this.pinnedTo ? `revision ${this.pinnedTo}` : 'the restored revision';
    return (
      `Traffic is now pinned to ${to}: until someone routes traffic to the latest revision again, new deploys ` +
      `to this service receive no traffic. Once a fix is deployed and verified, run \`${toLatestCommand(this.options.service)}\`.`
    );
  }

  requestCount(): number {
    return this.client.requestCount;
  }

  async service(): Promise<ServiceInfo> {
    if (this.cachedService) return this.cachedService;
    const { service: json, routing } = await this.readService('reading the service');
    const { project, location, service } = this.options.service;
    let url = json.uri ?? json.urls?.[0];
    // The newest revision, ready, asked for no traffic and routed none, but tagged: it answers at its tag
    // URL, which is where it is verified (a `--no-traffic --tag` deploy, a PR preview).
    const latest = routing.latestCreated;
    const tag =
      latest && !routing.actual.get(latest) && !routing.desired.get(latest)
        ? routing.tags.get(latest)?.find((t) => t.uri)
        : undefined;
    if (latest && tag?.uri) {
      this.taggedUrlRevision = latest;
      url = tag.uri;
      this.options.log(
        `Cloud Run: revision ${latest} receives no traffic; it is verified at the URL of its tag "${tag.tag}", ${tag.uri} (set \`url\` to choose another).`,
      );
    }
    this.cachedService = {
      id: this.options.service.full,
      name: service,
      url,
      dashboardUrl: `https://console.cloud.google.com/run/detail/${location}/${service}/revisions?project=${project}`,
    };
    return this.cachedService;
  }

  /**
   * Cloud Run has no preview services: a team that deploys pull requests as tagged revisions of the same
   * service verifies the PR's revision (found by commit) at its tag URL. So the preview is the service.
   */
  async usePreview(): Promise<ServiceInfo | undefined> {
    return this.service();
  }

  async getDeploy(id: string): Promise<Deploy> {
    const revisionId = this.revisionIdOf(id);
    const known = this.revisions.get(revisionId);
    // Ready, and the service still routing traffic to it: only the routing changes, one request a poll.
    if (known && this.routing.has(revisionId)) {
      await this.readService(`reading the traffic of revision ${revisionId}`);
      const deploy = this.toDeploy(known);
      if (deploy.status === 'ROUTING') return deploy;
      // The routing settled: judge it with the revision as it is now (still ready, or failed meanwhile).
      return this.toDeploy(await this.readRevision(revisionId));
    }
    const revision = await this.readRevision(revisionId);
    const state = readyCondition(revision)?.state;
    // Only a revision that finished starting needs the routing: while it starts, one request per poll.
    if (state === 'CONDITION_SUCCEEDED' || state === 'CONDITION_FAILED' || !this.snapshot) {
      await this.readService(`reading the traffic of revision ${id}`);
    }
    return this.toDeploy(revision);
  }

  /**
   * Revisions newest first (ListRevisions sorts by creation time, descending), read page by page; with
   * `createdAfter`, reading stops at the first older one, so a look for newer revisions costs one page.
   */
  async listDeploys(options: { createdAfter?: number } = {}): Promise<Deploy[]> {
    const after = options.createdAfter;
    const found: RevisionJson[] = [];
    const what = after === undefined ? 'listing revisions' : 'listing the newest revisions';
    const pages = cursorPages<RevisionJson>(
      async (pageToken) => {
        const query = new URLSearchParams({ pageSize: String(REVISION_PAGE_SIZE) });
        if (pageToken) query.set('pageToken', pageToken);
        const body = (await this.client.call(
          'run',
          'GET',
          this.client.runUrl(`/v2/${this.options.service.full}/revisions`, query),
          what,
        )) as { revisions?: unknown; nextPageToken?: string } | undefined;
        if (body !== undefined && body.revisions !== undefined && !Array.isArray(body.revisions))
          throw this.client.malformed(what, 'a list of revisions');
        return {
          items: (body?.revisions as RevisionJson[] | undefined) ?? [],
          hasMore: Boolean(body?.nextPageToken),
          next: body?.nextPageToken || undefined,
        };
      },
      {
        label: 'Cloud Run',
        what,
        maxPages: MAX_REVISION_PAGES,
        atLimit: 'fail',
        fix: 'Pass `deploy-id` to name the revision directly.',
      },
    );
    let older = false;
    for await (const revisions of pages) {
      for (const revision of revisions) {
        const created = parseTime(revision.createTime);
        if (after !== undefined && created !== undefined && created <= after) {
          older = true;
          continue;
        }
        found.push(revision);
      }
      if (older) break;
    }
    if (found.length === 0) return [];
    await this.readService('reading the traffic of the revisions');
    return found
      .map((revision) => this.toDeploy(revision))
      .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  }

  async triggerDeploy(): Promise<Deploy | undefined> {
    throw new ProviderConfigError(
      'Input `deploy` is true, but Cloud Run cannot build and deploy a commit through its API: a revision needs ' +
        'an image. Fix: deploy in an earlier step (google-github-actions/deploy-cloudrun, or `gcloud run deploy`) ' +
        'and remove `deploy: true`; the action finds the revision by its `commit-sha` label.',
    );
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
      getDeploy: (revision) => this.getDeploy(revision),
      pacing: providerPacing(this.options.intervalMs),
      deadline,
      clock: this.options.clock,
      sleep: this.options.sleep,
      random: this.options.random,
      onStatus,
    });
  }

  /** The soak: the revision must stay ready and keep its share of the traffic. */
  watchLive(deploy: Deploy, deadline: Deadline, signal: AbortSignal): Promise<LiveSignal> {
    return pollWhileLive(deploy, {
      getDeploy: (id) => this.getDeploy(id),
      pacing: providerPacing(this.options.intervalMs),
      deadline,
      sleep: this.options.sleep,
      random: this.options.random,
      signal,
    });
  }

  async evidence(deploy: Deploy, stage: FailedStage): Promise<RawEvidence> {
    const notes: string[] = [];
    const events: ProviderEvent[] = [];
    let revision = this.revisions.get(deploy.id);
    if (!revision) {
      try {
        revision = await this.readRevision(deploy.id);
      } catch (error) {
        notes.push(`the revision could not be read: ${errorMessage(error)}`);
      }
    }
    const ready = revision && readyCondition(revision);
    if (ready && (ready.state !== 'CONDITION_SUCCEEDED' || ready.message)) {
      const reason = ready.revisionReason ?? ready.reason;
      // Cloud Run appends a console link ("Logs URL: …") to its messages: the logs themselves follow below.
      const message = ready.message
        ?.split(/\s*Logs URL:/)[0]
        ?.trim()
        .slice(0, MAX_MESSAGE_CHARS);
      events.push({
        step: 'revision-ready',
        outcome: (ready.state ?? 'unknown').replace(/^CONDITION_/, '').toLowerCase(),
        detail: [reason, message].filter(Boolean).join(': ') || undefined,
        at: ready.lastTransitionTime,
      });
    }
    if (deploy.status === 'NO_TRAFFIC') events.unshift(this.noTrafficEvent(deploy));
    const now = this.options.clock.now();
    const start = (deploy.createdAt ?? now - 3_600_000) - LOG_LEAD_MS;
    const end = stage === 'runtime' ? now : Math.min(now, (deploy.finishedAt ?? now) + LOG_TRAIL_MS);
    let lines: LogLine[] = [];
    try {
      lines = await readRevisionLogs(this.client, this.options.service, deploy.id, { start, end }, notes);
    } catch (error) {
      notes.push(`logs could not be read: ${errorMessage(error)}`);
    }
    return { lines, events, notes };
  }

  describeRollback(target: Deploy): string {
    const url = this.client.runUrl(
      `/v2/${this.options.service.full}`,
      new URLSearchParams({ updateMask: 'traffic' }),
    );
    const traffic = rollbackTraffic(this.snapshot?.service.traffic ?? [], target.id);
    return `PATCH ${url.href} ${JSON.stringify({ traffic })} (the service as read, with its etag; gcloud: \`gcloud run services update-traffic ${this.options.service.service} --region ${this.options.service.location} --project ${this.options.service.project} --to-revisions ${target.id}=100\`)`;
  }

  /**
   * Moves all traffic back to `target`, guarded by the service's etag, and waits for Cloud Run's
   * operation. Cloud Run creates no new revision for it: the restored deploy is `target` itself.
   */
  async rollback(target: Deploy): Promise<Deploy> {
    const { service: read } = await this.readService('reading the service before moving traffic');
    const moved = await moveTraffic({
      client: this.client,
      service: this.options.service,
      read,
      target: target.id,
      clock: this.options.clock,
      sleep: this.options.sleep,
      random: this.options.random,
      intervalMs: this.options.intervalMs,
    });
    this.pinnedTo = target.id;
    this.setSnapshot(moved);
    const routed = this.snapshot?.routing.actual.get(target.id) ?? 0;
    if (routed < 100) {
      throw new RollbackUnconfirmedError(
        `Cloud Run finished the traffic change, but its trafficStatuses route ${describeTraffic(this.snapshot!.routing)}, not all of it to revision ${target.id}`,
      );
    }
    try {
      return this.toDeploy(this.revisions.get(target.id) ?? (await this.readRevision(target.id)));
    } catch (error) {
      throw new RollbackUnconfirmedError(`the restored revision could not be read: ${errorMessage(error)}`);
    }
  }

  /** Why a ready revision serves nothing, and how to route it, for the report. */
  private noTrafficEvent(deploy: Deploy): ProviderEvent {
    const routing = this.snapshot?.routing;
    const where = routing ? describeTraffic(routing) : 'other revisions';
    const failure = routing?.terminalFailure
      ? ` Cloud Run's routing failed: ${routing.terminalFailure}.`
      : '';
    const tags = routing?.tags.get(deploy.id)?.filter((t) => t.uri) ?? [];
    const tagged = tags.length
      ? ` It answers at its tag URL ${tags[0]!.uri}: run this step while it is the newest revision, or set \`url\` to that URL.`
      : ' To verify a revision that takes no traffic, deploy it with a tag (`--tag`, deploy-cloudrun `tag:`) and the action verifies it at the tag URL.';
    return {
      step: 'traffic',
      outcome: 'no-traffic',
      detail:
        `revision ${deploy.id} is ready but receives no traffic: all of it goes to ${where} (deployed with --no-traffic, or traffic is pinned to an older revision).${failure} ` +
        `Route it with \`${toLatestCommand(this.options.service)}\` (or \`--to-revisions ${deploy.id}=100\`).${tagged}`,
    };
  }

  private revisionIdOf(id: string): string {
    const found = revisionId(id, this.options.service);
    if (found) return found;
    throw new ProviderConfigError(
      `Input \`deploy-id\` = "${id}" is not a revision of service ${this.options.service.full}. ` +
        'Fix: pass the revision ID (e.g. my-service-00042-abc) or its full name under this service, `current`, or leave `deploy-id` empty to find the revision by commit.',
    );
  }

  private async readRevision(id: string): Promise<RevisionJson> {
    const body = await this.client.call(
      'run',
      'GET',
      this.client.runUrl(`/v2/${this.options.service.full}/revisions/${encodeURIComponent(id)}`),
      `reading revision ${id}`,
      { notFound: 'revision' },
    );
    if (!isObject(body)) throw this.client.malformed(`reading revision ${id}`, 'a revision');
    const revision = body as RevisionJson;
    this.revisions.set(id, revision);
    return revision;
  }

  private async readService(what: string): Promise<{ service: ServiceJson; routing: Routing }> {
    const body = await this.client.call(
      'run',
      'GET',
      this.client.runUrl(`/v2/${this.options.service.full}`),
      what,
      { notFound: 'service' },
    );
    if (!isObject(body) || typeof body.name !== 'string') throw this.client.malformed(what, 'a service');
    return this.setSnapshot(body as ServiceJson);
  }

  private setSnapshot(service: ServiceJson): { service: ServiceJson; routing: Routing } {
    this.snapshot = { service, routing: routingOf(service) };
    return this.snapshot;
  }

  private toDeploy(revision: RevisionJson): Deploy {
    const deploy = toDeploy(revision, {
      routing: this.snapshot?.routing,
      taggedUrlRevision: this.taggedUrlRevision,
    });
    this.revisions.set(deploy.id, revision);
    if (deploy.status === 'ROUTING') this.routing.add(deploy.id);
    else this.routing.delete(deploy.id);
    return deploy;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
