import { ProviderApiError } from '../../errors.js';
import { parseTime } from '../api-client.js';
import type { Deploy, DeployState, FailedStage } from '../types.js';
import { shortName } from './names.js';

/**
 * A Cloud Run revision in the action's terms. Cloud Run has no deploy status: a revision has a `Ready`
 * condition (condition.proto: CONDITION_PENDING, _RECONCILING, _FAILED, _SUCCEEDED), and whether it
 * serves is the service's business (`traffic`, what was asked; `trafficStatuses`, what is routed). The
 * status words below combine the two; they are what `deploy-status` reports.
 */
export type RevisionStatus =
  /** Ready is CONDITION_PENDING (or not reported yet). */
  | 'PENDING'
  /** Ready is CONDITION_RECONCILING: the container is being deployed and started. */
  | 'RECONCILING'
  /** Ready, and traffic is asked for it, but the service is still routing it. */
  | 'ROUTING'
  /** Ready, and `trafficStatuses` give it a share of the traffic. */
  | 'SERVING'
  /** Ready without traffic, verified at its tag URL (a `--no-traffic --tag` deploy, a PR preview). */
  | 'TAGGED'
  /** Ready, the newest revision, and no traffic: `--no-traffic`, or traffic pinned to an older revision. */
  | 'NO_TRAFFIC'
  /** Ready, no traffic, and a newer revision exists: it was replaced. */
  | 'RETIRED'
  /** Ready is CONDITION_FAILED: the container did not start, or stopped being ready. */
  | 'FAILED';

/** google.cloud.run.v2.Condition, as proto3 JSON. */
export interface ConditionJson {
  type?: string;
  state?: string;
  message?: string;
  lastTransitionTime?: string;
  severity?: string;
  reason?: string;
  revisionReason?: string;
  executionReason?: string;
}

/** The fields of google.cloud.run.v2.Revision the action reads. */
export interface RevisionJson {
  name?: string;
  labels?: Record<string, string>;
  createTime?: string;
  reconciling?: boolean;
  conditions?: ConditionJson[];
  logUri?: string;
}

/** google.cloud.run.v2.TrafficTarget and TrafficTargetStatus. */
export interface TrafficJson {
  type?: string;
  revision?: string;
  percent?: number;
  tag?: string;
  uri?: string;
}

/** The fields of google.cloud.run.v2.Service the action reads (the rest is sent back as read). */
export interface ServiceJson {
  name?: string;
  uri?: string;
  urls?: string[];
  labels?: Record<string, string>;
  reconciling?: boolean;
  terminalCondition?: ConditionJson;
  traffic?: TrafficJson[];
  trafficStatuses?: TrafficJson[];
  latestReadyRevision?: string;
  latestCreatedRevision?: string;
  etag?: string;
  [field: string]: unknown;
}

export const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST';
export const BY_REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';
/** The label google-github-actions/deploy-cloudrun sets from GITHUB_SHA (`defaultLabels()`). */
export const COMMIT_LABEL = 'commit-sha';

/** A service's routing, by revision ID: what it asks for, what it routes, and its tag URLs. */
export interface Routing {
  /** Share asked for in `traffic` (LATEST counted for the latest ready revision, or the latest created once it is ready). */
  desired: Map<string, number>;
  /** Share routed now by `trafficStatuses` (LATEST resolved to the revision it names, else the latest ready one). */
  actual: Map<string, number>;
  /** Tags with their URL (once routed), by revision. */
  tags: Map<string, { tag: string; uri?: string }[]>;
  latestCreated?: string;
  latestReady?: string;
  reconciling: boolean;
  /** The service's own `commit-sha` label, for a latest revision without one. */
  commitLabel?: string;
  /** Why reconciliation failed, when it did (`terminalCondition`). */
  terminalFailure?: string;
}

/** The routing of a service as read. */
export function routingOf(service: ServiceJson): Routing {
  const latestCreated = shortName(service.latestCreatedRevision);
  const latestReady = shortName(service.latestReadyRevision);
  const desired = new Map<string, number>();
  const actual = new Map<string, number>();
  const tags = new Map<string, { tag: string; uri?: string }[]>();
  const add = (map: Map<string, number>, id: string | undefined, percent: number | undefined): void => {
    if (!id || !percent) return;
    map.set(id, (map.get(id) ?? 0) + percent);
  };
  for (const target of service.traffic ?? []) {
    if (target.type === LATEST) {
      add(desired, latestReady, target.percent);
      if (latestCreated && latestCreated !== latestReady) add(desired, latestCreated, target.percent);
    } else {
      add(desired, shortName(target.revision), target.percent);
    }
  }
  for (const status of service.trafficStatuses ?? []) {
    const id = shortName(status.revision) ?? (status.type === LATEST ? latestReady : undefined);
    add(actual, id, status.percent);
    if (id && status.tag) tags.set(id, [...(tags.get(id) ?? []), { tag: status.tag, uri: status.uri }]);
  }
  // A tag on a revision that is not routed yet is in `traffic` only.
  for (const target of service.traffic ?? []) {
    const id = shortName(target.revision);
    if (!id || !target.tag || tags.get(id)?.some((t) => t.tag === target.tag)) continue;
    tags.set(id, [...(tags.get(id) ?? []), { tag: target.tag }]);
  }
  const terminal = service.terminalCondition;
  return {
    desired,
    actual,
    tags,
    latestCreated,
    latestReady,
    reconciling: service.reconciling === true,
    commitLabel: service.labels?.[COMMIT_LABEL],
    terminalFailure:
      terminal?.state === 'CONDITION_FAILED' ? (terminal.message ?? terminal.reason ?? 'failed') : undefined,
  };
}

/** The revision's `Ready` condition, if it reports one. */
export function readyCondition(revision: RevisionJson): ConditionJson | undefined {
  return revision.conditions?.find((condition) => condition.type === 'Ready');
}

const CONDITION_STATES = new Set([
  'STATE_UNSPECIFIED',
  'CONDITION_PENDING',
  'CONDITION_RECONCILING',
  'CONDITION_FAILED',
  'CONDITION_SUCCEEDED',
]);

const STATES: Record<RevisionStatus, { state: DeployState; deploying?: boolean }> = {
  PENDING: { state: 'pending' },
  RECONCILING: { state: 'pending' },
  ROUTING: { state: 'pending', deploying: true },
  SERVING: { state: 'live' },
  TAGGED: { state: 'live' },
  NO_TRAFFIC: { state: 'failed' },
  RETIRED: { state: 'replaced' },
  FAILED: { state: 'failed' },
};

/** What decides a revision's status besides the revision itself. */
export interface RevisionContext {
  routing?: Routing;
  /** The revision the action verifies at its tag URL (`ServiceInfo.url` is that tag URL). */
  taggedUrlRevision?: string;
}

/** The status of a revision, from its Ready condition and the service's routing. */
export function revisionStatus(id: string, revision: RevisionJson, context: RevisionContext): RevisionStatus {
  const ready = readyCondition(revision);
  const state = ready?.state ?? (revision.reconciling ? 'CONDITION_RECONCILING' : 'CONDITION_PENDING');
  if (!CONDITION_STATES.has(state)) {
    throw new ProviderApiError(
      `Cloud Run reported revision ${id} with a Ready condition in state "${state}", which is not one of the ` +
        'states this version knows; the result would be a guess, so the run stops. Update Deploy Sentinel.',
    );
  }
  if (state === 'CONDITION_FAILED') return 'FAILED';
  if (state !== 'CONDITION_SUCCEEDED') return state === 'CONDITION_RECONCILING' ? 'RECONCILING' : 'PENDING';
  const routing = context.routing;
  if (!routing) return 'ROUTING';
  const actual = routing.actual.get(id) ?? 0;
  const desired = routing.desired.get(id) ?? 0;
  // While the service reconciles, what it routes is transient: wait until it routes what was asked.
  if (routing.reconciling && desired > 0 && actual < desired) return 'ROUTING';
  if (actual > 0) return 'SERVING';
  if (routing.latestCreated !== undefined && routing.latestCreated !== id) return 'RETIRED';
  if (context.taggedUrlRevision === id && routing.tags.get(id)?.some((tag) => tag.uri)) return 'TAGGED';
  return 'NO_TRAFFIC';
}

/** A revision in provider-neutral terms. */
export function toDeploy(revision: RevisionJson, context: RevisionContext): Deploy {
  const id = shortName(revision.name);
  if (!id) {
    throw new ProviderApiError(
      'Cloud Run API: a revision came back without a name; check `api-url` points at the Cloud Run Admin API.',
    );
  }
  const status = revisionStatus(id, revision, context);
  const mapped = STATES[status];
  const routing = context.routing;
  const serves = (routing?.actual.get(id) ?? 0) > 0;
  const failedStage: FailedStage | undefined =
    mapped.state !== 'failed' ? undefined : serves ? 'runtime' : 'deploy';
  const ready = readyCondition(revision);
  const commit =
    revision.labels?.[COMMIT_LABEL] ??
    (routing?.latestCreated === id ? routing.commitLabel : undefined) ??
    undefined;
  // A revision only some tag points at (a PR preview) never served production: never a rollback target.
  const tagOnly =
    !serves && (routing?.desired.get(id) ?? 0) === 0 && (routing?.tags.get(id)?.length ?? 0) > 0;
  return {
    id,
    status,
    state: mapped.state,
    failedStage,
    commit,
    createdAt: parseTime(revision.createTime),
    finishedAt: mapped.state === 'pending' ? undefined : parseTime(ready?.lastTransitionTime),
    canRollbackTo: ready?.state === 'CONDITION_SUCCEEDED' && !tagOnly,
    deploying: mapped.deploying,
    // Ready at its tag URL, while the service's URL serves another revision.
    ...(status === 'TAGGED' && { servesTraffic: false }),
  };
}

/** Where the traffic goes now, in words: `rev-b (100%)`, `rev-b (90%) and rev-c (10%)`. */
export function describeTraffic(routing: Routing): string {
  const shares = [...routing.actual.entries()].sort((a, b) => b[1] - a[1]);
  if (shares.length === 0) return 'no revision (nothing is routed)';
  const words = shares.map(([id, percent]) => `revision ${id} (${percent}%)`);
  return words.length === 1 ? (words[0] as string) : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
