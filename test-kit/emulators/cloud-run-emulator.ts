/**
 * A Google Cloud Run Admin API v2 + Cloud Logging v2 emulator for integration and end-to-end tests: one
 * real HTTP server on 127.0.0.1 that serves both APIs on one origin (the action swaps
 * `https://run.googleapis.com` and `https://logging.googleapis.com` for its `api-url` and keeps the paths),
 * plus the token endpoints Application Default Credentials files use. Every request is matched to an RPC
 * through the `google.api.http` annotations of Google's own protos and checked against the request message
 * in proto3 JSON; every response against the response message (see google-contract.ts). Whatever breaks
 * the contract lands in `violations`, so a test that ends with `expect(emulator.violations).toEqual([])`
 * proves both the action and the emulator spoke the APIs as the protos define them.
 *
 * Deploys progress without timers, like the Render emulator's: a revision follows a script of Ready
 * condition states, one step per response that reports it (see {@link CloudRunEmulator.script}). When the
 * revision that receives 100% of the traffic changes, whether because a new revision became ready under
 * LATEST traffic or because UpdateService moved the traffic, `onServing` is awaited before the response
 * that first shows it: that is where a test restarts the example service on that revision's version, so
 * "what Cloud Run says serves" and "what the URL serves" change together.
 *
 * Google facts this relies on (sources in the comments where they are used):
 * - UpdateService with a stale `etag` fails with ABORTED (HTTP 409): AIP-154, since
 *   aip-dev/google.aip.dev#705 (2021). FAILED_PRECONDITION would be HTTP 400 (code.proto), never 412.
 * - UpdateService returns a google.longrunning.Operation whose `metadata` and `response` are both
 *   google.cloud.run.v2.Service (`operation_info` of the RPC in service.proto).
 * - Operations live at `/v2/{name=projects/*\/locations/*\/operations/*}` (GetOperation, DeleteOperation),
 *   `/v2/{name=projects/*\/locations/*}/operations` (List) and `...:wait` (POST, body `*`): Cloud Run's
 *   service config `run_v2.yaml`, as shipped in the generated client's `lroOptions.httpRules`.
 * - `reconciling`, `terminal_condition`, `observed_generation`, `latest_ready_revision` and
 *   `traffic_statuses` behave as the comment on `Service.reconciling` in service.proto describes.
 * - deploy-cloudrun labels revisions `managed-by: github-actions` and `commit-sha: <GITHUB_SHA>`
 *   (google-github-actions/deploy-cloudrun `src/main.ts`, `defaultLabels()`).
 *
 * Assumptions, where the protos and docs are silent: `Revision.service` carries the service ID (not its
 * full name); `TrafficTarget.revision` takes the revision ID; `latestReadyRevision`/`latestCreatedRevision`
 * carry full names; the service's Ready (terminal) condition stays FAILED while its latest created revision
 * is failed, even after traffic was moved back to a good revision (Knative's Ready = RoutesReady AND
 * ConfigurationsReady); the etag changes on writes to the service, not on status changes; UpdateService
 * without `updateMask` replaces `traffic`, `labels` and `template` (AIP-134), with one (`traffic`,
 * `labels`, `template`, `template.*`) only those.
 */
import { createHash } from 'node:crypto';
import {
  googleError,
  GoogleTokenService,
  unauthenticated,
  type AuthorizedUserSpec,
  type TokenPrincipal,
  type ServiceAccountSpec,
  type WorkloadIdentitySpec,
  OAUTH2_TOKEN_PATH,
  STS_TOKEN_PATH,
} from './google-auth.js';
import { loadGoogleContract, type GoogleRpc, type ValidatedRequest } from './google-contract.js';
import {
  checkBearer,
  startHttpEmulator,
  Tampers,
  type EmulatorRequest,
  type Fault,
  type RecordedRequest,
  type Reply,
} from './http-emulator.js';
import { compileFilter, LOG_SEVERITIES } from './logging-filter.js';

// --- Public types --------------------------------------------------------------------------------------

/** A revision's Ready condition, without the `CONDITION_` prefix. */
export type RevisionState = 'PENDING' | 'RECONCILING' | 'SUCCEEDED' | 'FAILED';

export interface RevisionStepSpec {
  state: RevisionState;
  /** The Ready condition's message; a FAILED step defaults to {@link containerFailedToStartMessage}. */
  message?: string;
  /** `Condition.CommonReason` name, e.g. `CONTAINER_MISSING`. At most one of `reason`/`revisionReason`. */
  reason?: string;
  /** `Condition.RevisionReason` name, e.g. `HEALTH_CHECK_CONTAINER_ERROR`. */
  revisionReason?: string;
}

/** One step of a revision's script: a state, or a state with its condition details. */
export type RevisionStep = RevisionState | RevisionStepSpec;

/** A revision that exists when the emulator starts (oldest first in the options). */
export interface CloudRunRevisionSpec {
  /** The revision ID, e.g. `svc-00003-xyz`; defaults to `<service>-<5-digit sequence>-<3 letters>`. */
  id?: string;
  /** The Git SHA, served as the `commit-sha` label (lower case, as deploy-cloudrun writes it). */
  commit: string;
  /** Defaults to an hour after the previous revision (the first: 2026-01-05T09:00:00Z). */
  createTime?: string;
  /** Defaults to SUCCEEDED. */
  state?: RevisionState;
  message?: string;
  reason?: string;
  revisionReason?: string;
  /** Merged over `{managed-by: github-actions, commit-sha: <commit>}`. */
  labels?: Record<string, string>;
  /** Defaults to `<location>-docker.pkg.dev/<project>/cloud-run-source-deploy/<service>:<commit>`. */
  image?: string;
}

/** A new revision, as `gcloud run deploy` (what deploy-cloudrun runs) would create it. */
export interface DeployRevisionSpec extends Omit<
  CloudRunRevisionSpec,
  'state' | 'message' | 'reason' | 'revisionReason'
> {
  /** Its script, one step per report; defaults to `['RECONCILING', 'SUCCEEDED']`. It starts RECONCILING. */
  steps?: RevisionStep[];
  /**
   * `latest` (the default): traffic becomes 100% LATEST, so this revision takes over once ready.
   * `none`: as `--no-traffic`, traffic is pinned to the revision serving now; this one gets none.
   */
  traffic?: 'latest' | 'none';
  /** A tag (`--tag`): a 0% TrafficTarget with its own URL once the revision is ready. */
  tag?: string;
  /** Defaults to the emulator's clock, but strictly after every existing revision. */
  createTime?: string;
}

/** A traffic target in short form: `{type: 'LATEST', percent: 100}`, `{revision: 'x', percent: 100}`. */
export interface TrafficSpec {
  /** Defaults to REVISION when `revision` is given, else LATEST. */
  type?: 'LATEST' | 'REVISION';
  revision?: string;
  percent?: number;
  tag?: string;
}

export interface CloudRunLogEntrySpec {
  /** `stdout`, `stderr`, `requests`, `system` (run.googleapis.com/varlog/system), or a full log ID. */
  log: 'stdout' | 'stderr' | 'requests' | 'system' | (string & {});
  /** The revision ID in `resource.labels.revision_name`; defaults to the latest created revision. */
  revision?: string;
  /** RFC 3339; defaults to the emulator's clock. */
  timestamp?: string;
  /** LogSeverity name; defaults to ERROR for stderr, INFO for requests, DEFAULT otherwise. */
  severity?: (typeof LOG_SEVERITIES)[number];
  /** `textPayload`. */
  text?: string;
  /** `jsonPayload` (a Struct). */
  json?: Record<string, unknown>;
  /** Entry labels; defaults to `{instanceId: ...}`. */
  labels?: Record<string, string>;
  /** `httpRequest` (google.logging.type.HttpRequest, proto3 JSON), for `requests` entries. */
  httpRequest?: Record<string, unknown>;
}

/** A revision's state, for hooks and assertions; reading it is not a request. */
export interface CloudRunRevisionView {
  id: string;
  /** Full resource name. */
  name: string;
  commit: string;
  state: RevisionState;
  message?: string;
  labels: Record<string, string>;
  image: string;
  createTime: string;
  /** Steps still to come. */
  pending: RevisionStep[];
  /** Its share of the traffic, as `trafficStatuses` report it now. */
  percent: number;
}

export interface CloudRunOperationView {
  name: string;
  /** The RPC that started it, e.g. `UpdateService`. */
  rpc: string;
  done: boolean;
  /** google.rpc.Status of a failed operation. */
  error?: { code: number; message: string };
  /** The revision it waits for, when it creates one. */
  revision?: string;
}

/** What UpdateService with a changed `template` does: create a revision following `steps`, or fail. */
export type TemplateChangeOutcome =
  | { revisionId?: string; steps?: RevisionStep[] }
  /** Answered synchronously as a Google error; nothing changes. */
  | { error: { status: number; code: string; message: string } };

export interface CloudRunEmulatorOptions {
  /** Defaults to `deploy-sentinel`. */
  project?: string;
  /** Defaults to `123456789012`; requests may name the project by either. */
  projectNumber?: string;
  /** Defaults to `us-central1`. */
  location?: string;
  /** The service ID; defaults to `deploy-sentinel-example`. */
  service?: string;
  /** `Service.uri`, e.g. the example service's URL. Defaults to a `*.a.run.app` URL. */
  serviceUrl?: string;
  /** The URL of a traffic tag; defaults to `https://<tag>---<host of serviceUrl>`. */
  tagUrl?: (tag: string) => string;
  /** Service labels; defaults to deploy-cloudrun's (`managed-by`, `commit-sha` of the newest revision). */
  labels?: Record<string, string>;
  /** Revisions that exist at start, oldest first. At least one is needed for a serving service. */
  revisions?: CloudRunRevisionSpec[];
  /** Defaults to `[{type: 'LATEST', percent: 100}]`. */
  traffic?: TrafficSpec[];
  /** Bearer tokens accepted as they are (they never expire). */
  tokens?: string[];
  /** `authorized_user` credentials the token endpoint honours. */
  authorizedUsers?: AuthorizedUserSpec[];
  /** Workload identity pool providers STS exchanges for. */
  workloadIdentity?: WorkloadIdentitySpec[];
  /** Service accounts: impersonation targets, and keys for the JWT grant. */
  serviceAccounts?: ServiceAccountSpec[];
  /** Permissions (`run.services.update`, `logging.logEntries.list`, ...) refused with 403. */
  deniedPermissions?: string[];
  /**
   * Reads of a traffic-only operation (GetOperation, or GetService of its service) before it is done; the
   * read that reaches 0 reports it done. 0: UpdateService answers a done operation. Defaults to 1.
   */
  operationReads?: number;
  /** Awaited before the response that first shows a new revision at 100% (see the file comment). */
  onServing?: (revision: CloudRunRevisionView, cause: 'deployed' | 'traffic') => Promise<void>;
  /** Decides what a template change through UpdateService does; the default is a revision that succeeds. */
  onTemplateChange?: (change: {
    template: Record<string, unknown>;
    commit?: string;
  }) => Promise<TemplateChangeOutcome>;
  /** The clock for timestamps and token expiry; defaults to the real one. */
  now?: () => Date;
  logs?: CloudRunLogEntrySpec[];
}

export interface CloudRunRecordedRequest extends RecordedRequest {
  /**
   * The RPC (`google.cloud.run.v2.Services.GetService`) or token endpoint (`oauth2.token`, `sts.token`,
   * `iamcredentials.generateAccessToken`) the request was matched to.
   */
  operation?: string;
}

export interface CloudRunEmulator {
  /** `http://127.0.0.1:<port>`: what the action's `api-url` gets (both APIs keep their `/v2/...` paths). */
  readonly url: string;
  /** `<url>/token`: the OAuth2 token endpoint (`authorized_user` refresh, service account JWT grant). */
  readonly tokenUrl: string;
  /** `<url>/v1/token`: STS, for an `external_account` file's `token_url`. */
  readonly stsUrl: string;
  /** `projects/<project>/locations/<location>/services/<service>`: the action's `service-id`. */
  readonly serviceName: string;
  readonly project: string;
  readonly projectNumber: string;
  /** Every request, in arrival order (answered one at a time). */
  readonly requests: CloudRunRecordedRequest[];
  /**
   * Contract breaches, in words: requests that match no RPC (404) or an RPC the emulator does not serve
   * (501), requests the protos reject (400: unknown fields, int64 as numbers, enums as numbers, wrong query
   * parameters, missing REQUIRED fields), page tokens the emulator never issued, log filters outside the
   * evaluated part, malformed token requests, responses the protos reject, and failing hooks.
   */
  readonly violations: string[];
  /** The service account impersonation URL of an account, for an `external_account` file. */
  impersonationUrl(email: string): string;
  /** Creates a revision as a deploy would, and returns its ID. Call it between requests or from a hook. */
  deployRevision(spec: DeployRevisionSpec): string;
  /**
   * Replaces a revision's script. Every response that reports the revision applies its next step first,
   * once per response: GetRevision of it, ListRevisions of its service, GetService of its service (every
   * revision still in progress), GetOperation/WaitOperation of the operation that created it. Once the
   * script is used up the state stays.
   */
  script(revisionId: string, steps: RevisionStep[]): void;
  /** Moves traffic now, as someone in the console would (no operation); awaits `onServing` on a change. */
  setTraffic(traffic: TrafficSpec[]): Promise<void>;
  /** A concurrent write by someone else: new etag and generation (and labels, if given). Returns the etag. */
  bumpEtag(changes?: { labels?: Record<string, string> }): string;
  addLogs(entries: CloudRunLogEntrySpec[]): void;
  /** The next `count` `entries:list` answers have no entries and a `nextPageToken` (Logging may do that). */
  emptyLogPagesNext(count: number): void;
  /**
   * Answers the next `count` requests (of `rpc`, a full or short method name or a token operation, if
   * given) with `status` in Google's error shape, after the request was checked and before auth. 429 is
   * RESOURCE_EXHAUSTED with a quota ErrorInfo and `Retry-After: 1`; a header set to null is left out. A
   * status with no canonical code (502) gets an HTML body, as Google's front end sends.
   */
  failNext(
    count: number,
    status: number,
    options?: {
      rpc?: string;
      message?: string;
      code?: string;
      details?: unknown[];
      headers?: Record<string, string | null>;
    },
  ): void;
  /** Escape hatch: passes every 2xx body of an RPC through `mutate` before it is checked and sent. */
  tamperResponses(rpc: string, mutate: (body: unknown) => unknown): () => void;
  /** Refuses (or allows again) a permission with 403 PERMISSION_DENIED. */
  deny(permission: string, denied?: boolean): void;
  /** A token the emulator accepts, without a token flow; `lifetimeSeconds` undefined never expires. */
  issueToken(principal?: string, lifetimeSeconds?: number): string;
  /** The service as GetService would serve it, without a request (nothing advances). */
  service(): Record<string, unknown>;
  /** A revision as GetRevision would serve it, without a request. */
  revisionJson(revisionId: string): Record<string, unknown>;
  revision(revisionId: string): CloudRunRevisionView;
  /** All revisions, newest first. */
  revisions(): CloudRunRevisionView[];
  /** The revision at 100% by `trafficStatuses`, if one is. */
  servingRevision(): string | undefined;
  operations(): CloudRunOperationView[];
  close(): Promise<void>;
}

// --- Log helpers ---------------------------------------------------------------------------------------

/** Log IDs Cloud Run writes (URL-encoded in `logName`). */
export const CLOUD_RUN_LOG_IDS = {
  stdout: 'run.googleapis.com/stdout',
  stderr: 'run.googleapis.com/stderr',
  requests: 'run.googleapis.com/requests',
  system: 'run.googleapis.com/varlog/system',
} as const;

/**
 * The Ready condition message of a revision whose container never listened on PORT, as Cloud Run words it
 * (quoted in many public reports, e.g. googlecodelabs/monolith-to-microservices#110).
 */
export function containerFailedToStartMessage(port = 8080): string {
  return (
    `The user-provided container failed to start and listen on the port defined provided by the PORT=${port} ` +
    'environment variable within the allocated timeout. This can happen when the container port is ' +
    'misconfigured or if the timeout is too short. The health check timeout can be extended. Logs for this ' +
    'revision might contain more information.'
  );
}

/** Ready-made log entries for the failures the action diagnoses. */
export const cloudRunLogLines = {
  /**
   * What `run.googleapis.com/varlog/system` shows when the container exits or never listens on PORT: the
   * exit, the failed default startup probe, and the Ready condition turning False.
   */
  containerFailedToStart(
    revision: string,
    options: { port?: number; container?: string; timestamp?: string } = {},
  ): CloudRunLogEntrySpec[] {
    const port = options.port ?? 8080;
    const container = options.container ?? 'placeholder-1';
    const at = options.timestamp;
    return [
      { log: 'system', revision, severity: 'WARNING', text: 'Container called exit(1).', timestamp: at },
      {
        log: 'system',
        revision,
        severity: 'ERROR',
        text: `Default STARTUP TCP probe failed 1 time consecutively for container "${container}" on port ${port}. The instance was not started.`,
        timestamp: at,
      },
      {
        log: 'system',
        revision,
        severity: 'ERROR',
        text: `Ready condition status changed to False for Revision ${revision} with message: ${containerFailedToStartMessage(port)}`,
        timestamp: at,
      },
    ];
  },
  /** A Python app that cannot import its package: the traceback on stderr, one entry per line. */
  pythonModuleNotFound(
    revision: string,
    options: { module?: string; file?: string; timestamp?: string } = {},
  ): CloudRunLogEntrySpec[] {
    const module = options.module ?? 'Back_End';
    const lines = [
      'Traceback (most recent call last):',
      `  File "${options.file ?? '/app/main.py'}", line 3, in <module>`,
      `    from ${module}.app import app`,
      `ModuleNotFoundError: No module named '${module}'`,
    ];
    return lines.map((text) => ({
      log: 'stderr',
      revision,
      severity: 'ERROR',
      text,
      timestamp: options.timestamp,
    }));
  },
};

// --- Internals -----------------------------------------------------------------------------------------

const RUN_TYPE = 'type.googleapis.com/google.cloud.run.v2.Service';
const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST';
const BY_REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';
const FIRST_CREATE_TIME = Date.parse('2026-01-05T09:00:00.000Z');
const SERVICE_CREATE_TIME = '2026-01-05T08:00:00.000Z';
const DEFAULT_STEPS: RevisionStep[] = ['RECONCILING', 'SUCCEEDED'];
const LOGS_PAGE_DEFAULT = 50;
const LOGS_PAGE_MAX = 1000;
const REVISIONS_PAGE_DEFAULT = 100;
const REVISIONS_PAGE_MAX = 1000;
/** The permission each emulated RPC needs (Cloud Run IAM and Cloud Logging access control docs). */
const PERMISSIONS: Record<string, string> = {
  'google.cloud.run.v2.Services.GetService': 'run.services.get',
  'google.cloud.run.v2.Services.UpdateService': 'run.services.update',
  'google.cloud.run.v2.Revisions.GetRevision': 'run.revisions.get',
  'google.cloud.run.v2.Revisions.ListRevisions': 'run.revisions.list',
  'google.longrunning.Operations.GetOperation': 'run.operations.get',
  'google.longrunning.Operations.WaitOperation': 'run.operations.get',
  'google.logging.v2.LoggingServiceV2.ListLogEntries': 'logging.logEntries.list',
};
/** The canonical code Google sends for an HTTP status it maps to several (code.proto's mapping). */
const PREFERRED_CODES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};
/** google.rpc.Code numbers used in Operation errors. */
const FAILED_PRECONDITION = 9;
const INTERNAL = 13;

interface TrafficTarget {
  type: typeof LATEST | typeof BY_REVISION;
  revision?: string;
  percent: number;
  tag?: string;
}

interface TrafficStatus {
  type: TrafficTarget['type'];
  revision: string;
  percent: number;
  tag?: string;
  uri?: string;
}

interface ConditionRecord {
  state: RevisionState;
  message?: string;
  reason?: string;
  revisionReason?: string;
  time: string;
}

interface RevisionRecord {
  id: string;
  seq: number;
  uid: string;
  commit: string;
  labels: Record<string, string>;
  image: string;
  createTime: string;
  updateTime: string;
  ready: ConditionRecord;
  pending: RevisionStep[];
  /** Traffic that becomes effective when this revision is ready (a deploy's routing change). */
  rollout?: TrafficTarget[];
  /** The UpdateService operation waiting for it. */
  operation?: OperationRecord;
}

interface OperationRecord {
  id: string;
  name: string;
  rpc: string;
  remaining: number;
  revision?: RevisionRecord;
  traffic?: TrafficTarget[];
  done: boolean;
  error?: { code: number; message: string };
  response?: Record<string, unknown>;
}

interface LogRecord {
  seq: number;
  time: number;
  json: Record<string, unknown>;
}

/** What one response has advanced already: each revision and operation moves at most one step. */
interface Report {
  revisions: Set<string>;
  operations: Set<string>;
}

interface Context {
  rpc: GoogleRpc;
  message: Record<string, unknown>;
  request: EmulatorRequest;
  report: Report;
}

/**
 * Starts the emulator on an ephemeral port of 127.0.0.1. A typical scenario:
 *
 * ```ts
 * const app = await startExampleService({ version: goodSha });
 * const cloudRun = await startCloudRunEmulator({
 *   tokens: ['ya29.test'],
 *   serviceUrl: app.url,
 *   revisions: [{ id: 'svc-00001-abc', commit: goodSha }],
 *   onServing: (revision) => app.restart({ version: revision.commit }),
 * });
 * const id = cloudRun.deployRevision({ commit: badSha, steps: ['RECONCILING', 'SUCCEEDED'] });
 * cloudRun.addLogs(cloudRunLogLines.pythonModuleNotFound(id));
 * // run the action with api-url = cloudRun.url, service-id = cloudRun.serviceName, api-token = 'ya29.test'
 * expect(cloudRun.violations).toEqual([]);
 * ```
 */
export async function startCloudRunEmulator(
  options: CloudRunEmulatorOptions = {},
): Promise<CloudRunEmulator> {
  const contract = loadGoogleContract();
  const now = options.now ?? (() => new Date());
  const iso = () => now().toISOString();
  const project = options.project ?? 'deploy-sentinel';
  const projectNumber = options.projectNumber ?? '123456789012';
  const location = options.location ?? 'us-central1';
  const serviceId = options.service ?? 'deploy-sentinel-example';
  const serviceName = `projects/${project}/locations/${location}/services/${serviceId}`;
  const serviceUri =
    options.serviceUrl ?? `https://${serviceId}-${hash(serviceName).slice(0, 10)}-uc.a.run.app`;
  const tagUrl = options.tagUrl ?? ((tag: string) => serviceUri.replace(/^(https?:\/\/)/, `$1${tag}---`));
  const operationReads = options.operationReads ?? 1;
  const denied = new Set(options.deniedPermissions ?? []);
  const serviceAccountEmail = `${projectNumber}-compute@developer.gserviceaccount.com`;
  const tokens = new GoogleTokenService({
    tokens: options.tokens,
    authorizedUsers: options.authorizedUsers,
    workloadIdentity: options.workloadIdentity,
    serviceAccounts: options.serviceAccounts,
    now,
  });

  let sequence = 0;
  const revisions = new Map<string, RevisionRecord>();
  const operations = new Map<string, OperationRecord>();
  const logs: LogRecord[] = [];
  const tampers = new Tampers();
  const issuedPageTokens = new Map<string, { kind: string; cursor: string; key: string }>();
  let emptyLogPages = 0;
  let operationSeq = 0;
  let logSeq = 0;

  // --- Scenario state ----------------------------------------------------------------------------------
  const violations: string[] = [];
  const service = {
    uid: uuid(`service ${serviceName}`),
    generation: 1,
    observedGeneration: 1,
    labels: { ...options.labels } as Record<string, string>,
    labelsGiven: options.labels !== undefined,
    updateTime: SERVICE_CREATE_TIME,
    etagSeq: 1,
    traffic: [] as TrafficTarget[],
    applied: [] as TrafficTarget[],
    statuses: [] as TrafficStatus[],
    statusTime: SERVICE_CREATE_TIME,
    latestReady: undefined as RevisionRecord | undefined,
    latestCreated: undefined as RevisionRecord | undefined,
    routesFailure: undefined as string | undefined,
    template: undefined as Record<string, unknown> | undefined,
  };

  const revisionName = (id: string) => `${serviceName}/revisions/${id}`;
  const generatedId = (seq: number) => `${serviceId}-${String(seq).padStart(5, '0')}-${letters(seq)}`;
  const defaultImage = (commit: string) =>
    `${location}-docker.pkg.dev/${project}/cloud-run-source-deploy/${serviceId}:${commit.slice(0, 12)}`;

  const newRevision = (
    spec: CloudRunRevisionSpec,
    createTime: string,
    ready: ConditionRecord,
    pending: RevisionStep[],
  ): RevisionRecord => {
    const seq = ++sequence;
    const id = spec.id ?? generatedId(seq);
    if (revisions.has(id)) throw new Error(`revision ${id} already exists`);
    const record: RevisionRecord = {
      id,
      seq,
      uid: uuid(`revision ${id}`),
      commit: spec.commit,
      labels: { 'managed-by': 'github-actions', 'commit-sha': spec.commit.toLowerCase(), ...spec.labels },
      image: spec.image ?? defaultImage(spec.commit),
      createTime,
      updateTime: createTime,
      ready,
      pending,
    };
    revisions.set(id, record);
    service.latestCreated = record;
    service.template = templateOf(record);
    if (!service.labelsGiven)
      service.labels = { 'managed-by': 'github-actions', 'commit-sha': record.labels['commit-sha']! };
    return record;
  };

  const templateOf = (revision: RevisionRecord): Record<string, unknown> => ({
    labels: { ...revision.labels },
    scaling: { maxInstanceCount: 100 },
    timeout: '300s',
    serviceAccount: serviceAccountEmail,
    containers: [containerJson(revision.image)],
    maxInstanceRequestConcurrency: 80,
  });

  (options.revisions ?? []).forEach((spec, index) => {
    const createTime = spec.createTime ?? new Date(FIRST_CREATE_TIME + index * 3_600_000).toISOString();
    const state = spec.state ?? 'SUCCEEDED';
    const revision = newRevision(
      spec,
      createTime,
      {
        state,
        message: spec.message,
        reason: spec.reason,
        revisionReason: spec.revisionReason,
        time: createTime,
      },
      [],
    );
    if (state === 'SUCCEEDED') service.latestReady = revision;
  });
  const initialTraffic = (options.traffic ?? [{ type: 'LATEST', percent: 100 }]).map(toTarget);
  service.traffic = initialTraffic;
  service.applied = initialTraffic;
  service.statuses = computeStatuses(initialTraffic);
  service.updateTime = service.latestCreated?.createTime ?? SERVICE_CREATE_TIME;
  service.statusTime = service.updateTime;
  const initialErrors = trafficProblems(initialTraffic);
  if (initialErrors.length > 0) throw new Error(`options.traffic: ${initialErrors.join('; ')}`);

  function toTarget(spec: TrafficSpec): TrafficTarget {
    const type = (spec.type ?? (spec.revision ? 'REVISION' : 'LATEST')) === 'LATEST' ? LATEST : BY_REVISION;
    return {
      type,
      ...(spec.revision !== undefined && { revision: spec.revision }),
      percent: spec.percent ?? 0,
      ...(spec.tag !== undefined && { tag: spec.tag }),
    };
  }

  /** What a traffic spec routes to now: LATEST resolves to the latest ready revision. */
  function computeStatuses(traffic: TrafficTarget[]): TrafficStatus[] {
    const statuses: TrafficStatus[] = [];
    for (const target of traffic) {
      const revision = target.type === LATEST ? service.latestReady?.id : target.revision;
      if (!revision) continue;
      // A tag on a revision that is not ready yet gets its route once the revision is.
      if (target.percent === 0 && revisions.get(revision)?.ready.state !== 'SUCCEEDED') continue;
      statuses.push({
        type: target.type,
        revision,
        percent: target.percent,
        ...(target.tag !== undefined && { tag: target.tag, uri: tagUrl(target.tag) }),
      });
    }
    return statuses;
  }

  /**
   * What Google rejects in a traffic spec up front: percentages that do not add up to 100, a REVISION target
   * without a revision. (Unknown or unready revisions fail the operation instead, later.)
   */
  function trafficProblems(traffic: TrafficTarget[]): string[] {
    const problems: string[] = [];
    const total = traffic.reduce((sum, target) => sum + target.percent, 0);
    if (traffic.length > 0 && total !== 100) problems.push(`traffic percentages add up to ${total}, not 100`);
    for (const target of traffic) {
      if (target.type === BY_REVISION && !target.revision)
        problems.push('a REVISION traffic target names no revision');
    }
    return problems;
  }

  const servingId = () => service.statuses.find((status) => status.percent === 100)?.revision;

  /** Makes `applied` the routing, and awaits onServing when the revision at 100% changed. */
  const settle = async (cause: 'deployed' | 'traffic') => {
    const before = servingId();
    service.statuses = computeStatuses(service.applied);
    service.statusTime = iso();
    if (!reconciling()) service.observedGeneration = service.generation;
    const after = servingId();
    if (after !== undefined && after !== before && options.onServing) {
      try {
        await options.onServing(view(revisions.get(after)!), cause);
      } catch (error) {
        violations.push(`the onServing hook failed for ${after}: ${(error as Error).stack ?? String(error)}`);
      }
    }
  };

  const reconciling = () =>
    [...operations.values()].some((op) => !op.done) ||
    (service.latestCreated !== undefined &&
      ['PENDING', 'RECONCILING'].includes(service.latestCreated.ready.state));

  const stepOf = (step: RevisionStep): RevisionStepSpec =>
    typeof step === 'string' ? { state: step } : step;

  const applyStep = async (revision: RevisionRecord, step: RevisionStep) => {
    const spec = stepOf(step);
    const time = iso();
    const message =
      spec.message ??
      (spec.state === 'FAILED'
        ? `${containerFailedToStartMessage()}\n\nLogs URL: ${logUri(revision.id)}`
        : undefined);
    revision.ready = {
      state: spec.state,
      message,
      reason: spec.reason,
      revisionReason: spec.revisionReason,
      time,
    };
    revision.updateTime = time;
    if (spec.state === 'SUCCEEDED') {
      if (!service.latestReady || service.latestReady.seq < revision.seq) service.latestReady = revision;
      if (revision.rollout) {
        service.applied = revision.rollout;
        service.routesFailure = undefined;
        revision.rollout = undefined;
      }
      const op = revision.operation;
      if (op && !op.done) {
        service.applied = op.traffic ?? service.applied;
        service.routesFailure = undefined;
        completeOperation(op);
      }
      await settle('deployed');
      if (op) op.response = serviceJson();
    } else if (spec.state === 'FAILED') {
      revision.rollout = undefined;
      const op = revision.operation;
      if (op && !op.done) {
        completeOperation(op, {
          code: FAILED_PRECONDITION,
          message: `Revision '${revision.id}' is not ready and cannot serve traffic. ${message ?? ''}`.trim(),
        });
      }
      service.statusTime = time;
      if (!reconciling()) service.observedGeneration = service.generation;
    }
  };

  const advanceRevision = async (revision: RevisionRecord, report: Report) => {
    if (report.revisions.has(revision.id)) return;
    report.revisions.add(revision.id);
    const step = revision.pending.shift();
    if (step !== undefined) await applyStep(revision, step);
  };

  const completeOperation = (op: OperationRecord, error?: { code: number; message: string }) => {
    op.done = true;
    if (error) op.error = error;
  };

  const advanceOperation = async (op: OperationRecord, report: Report) => {
    if (op.done || report.operations.has(op.id)) return;
    report.operations.add(op.id);
    if (op.revision) {
      await advanceRevision(op.revision, report);
      return;
    }
    op.remaining--;
    if (op.remaining <= 0) await finishTrafficOperation(op);
  };

  /** A traffic-only UpdateService operation takes effect, or fails on a revision that cannot serve. */
  const finishTrafficOperation = async (op: OperationRecord) => {
    const traffic = op.traffic ?? service.applied;
    for (const target of traffic) {
      if (target.type !== BY_REVISION || !target.revision) continue;
      const revision = revisions.get(target.revision);
      // Observed: an unknown revision fails the operation with code 13 and this message (see
      // terraform-google-modules/terraform-docs-samples#269), an unready one with code 9.
      const error = !revision
        ? {
            code: INTERNAL,
            message: `Revision '${target.revision}' does not exist or is deleted. Update all traffic to route to currently available revisions.`,
          }
        : revision.ready.state !== 'SUCCEEDED'
          ? {
              code: FAILED_PRECONDITION,
              message: `Revision '${revision.id}' is not ready and cannot serve traffic.`,
            }
          : undefined;
      if (error) {
        service.routesFailure = error.message;
        completeOperation(op, error);
        service.statusTime = iso();
        if (!reconciling()) service.observedGeneration = service.generation;
        return;
      }
    }
    service.routesFailure = undefined;
    service.applied = traffic;
    completeOperation(op);
    await settle('traffic');
    op.response = serviceJson();
  };

  // --- JSON --------------------------------------------------------------------------------------------
  function containerJson(image: string): Record<string, unknown> {
    return {
      image,
      ports: [{ name: 'http1', containerPort: 8080 }],
      resources: { limits: { cpu: '1000m', memory: '512Mi' }, cpuIdle: true, startupCpuBoost: true },
      startupProbe: {
        timeoutSeconds: 240,
        periodSeconds: 240,
        failureThreshold: 1,
        tcpSocket: { port: 8080 },
      },
    };
  }

  const etag = () =>
    `"${Buffer.from(`${service.generation}:${service.etagSeq}`).toString('base64url')}/${Buffer.from(serviceName).toString('base64url')}"`;

  const condition = (type: string, record: ConditionRecord) =>
    compact({
      type,
      state: `CONDITION_${record.state}`,
      message: record.message,
      lastTransitionTime: record.time,
      reason: record.reason,
      revisionReason: record.revisionReason,
    });

  const terminal = (): ConditionRecord => {
    const time = service.statusTime;
    if (reconciling()) return { state: 'RECONCILING', time };
    if (service.routesFailure) return { state: 'FAILED', message: service.routesFailure, time };
    const latest = service.latestCreated;
    if (latest?.ready.state === 'FAILED') {
      return {
        state: 'FAILED',
        message:
          `Revision '${latest.id}' is not ready and cannot serve traffic. ${latest.ready.message ?? ''}`.trim(),
        reason: 'REVISION_FAILED',
        time,
      };
    }
    return { state: 'SUCCEEDED', time };
  };

  function serviceJson(): Record<string, unknown> {
    const busy = reconciling();
    const latest = service.latestCreated;
    const configurations: ConditionRecord = latest
      ? { ...latest.ready, time: latest.ready.time }
      : { state: 'SUCCEEDED', time: service.statusTime };
    const routes: ConditionRecord = busy
      ? { state: 'RECONCILING', time: service.statusTime }
      : service.routesFailure
        ? { state: 'FAILED', message: service.routesFailure, time: service.statusTime }
        : { state: 'SUCCEEDED', time: service.statusTime };
    return compact({
      name: serviceName,
      uid: service.uid,
      generation: String(service.generation),
      labels: service.labels,
      createTime: SERVICE_CREATE_TIME,
      updateTime: service.updateTime,
      creator: 'deployer@example.com',
      lastModifier: 'deployer@example.com',
      ingress: 'INGRESS_TRAFFIC_ALL',
      launchStage: 'GA',
      template: service.template,
      traffic: service.traffic.map(targetJson),
      urls: [serviceUri],
      observedGeneration: String(service.observedGeneration),
      terminalCondition: condition('Ready', terminal()),
      conditions: [condition('RoutesReady', routes), condition('ConfigurationsReady', configurations)],
      latestReadyRevision: service.latestReady && revisionName(service.latestReady.id),
      latestCreatedRevision: latest && revisionName(latest.id),
      trafficStatuses: service.statuses.map((status) => compact({ ...status })),
      uri: serviceUri,
      reconciling: busy,
      etag: etag(),
    });
  }

  function targetJson(target: TrafficTarget): Record<string, unknown> {
    return compact({
      type: target.type,
      revision: target.revision,
      percent: target.percent,
      tag: target.tag,
    });
  }

  const logUri = (id: string) =>
    `https://console.cloud.google.com/logs/viewer?project=${project}&resource=cloud_run_revision/service_name/${serviceId}/revision_name/${id}&advancedFilter=${encodeURIComponent(`resource.type="cloud_run_revision"\nresource.labels.service_name="${serviceId}"\nresource.labels.revision_name="${id}"`)}`;

  function revisionJson(revision: RevisionRecord): Record<string, unknown> {
    const busy = revision.ready.state === 'PENDING' || revision.ready.state === 'RECONCILING';
    return compact({
      name: revisionName(revision.id),
      uid: revision.uid,
      generation: '1',
      labels: revision.labels,
      createTime: revision.createTime,
      updateTime: revision.updateTime,
      launchStage: 'GA',
      service: serviceId,
      scaling: { maxInstanceCount: 100 },
      maxInstanceRequestConcurrency: 80,
      timeout: '300s',
      serviceAccount: serviceAccountEmail,
      containers: [containerJson(revision.image)],
      executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
      reconciling: busy,
      conditions: [condition('Ready', revision.ready)],
      observedGeneration: '1',
      logUri: logUri(revision.id),
      creator: 'deployer@example.com',
      etag: `"${Buffer.from(`${revision.id}:${revision.updateTime}`).toString('base64url')}"`,
    });
  }

  function operationJson(op: OperationRecord): Record<string, unknown> {
    return compact({
      name: op.name,
      metadata: { '@type': RUN_TYPE, ...serviceJson() },
      done: op.done,
      error: op.error,
      response: op.done && !op.error ? { '@type': RUN_TYPE, ...(op.response ?? serviceJson()) } : undefined,
    });
  }

  function view(revision: RevisionRecord): CloudRunRevisionView {
    return {
      id: revision.id,
      name: revisionName(revision.id),
      commit: revision.commit,
      state: revision.ready.state,
      ...(revision.ready.message !== undefined && { message: revision.ready.message }),
      labels: { ...revision.labels },
      image: revision.image,
      createTime: revision.createTime,
      pending: [...revision.pending],
      percent: service.statuses
        .filter((status) => status.revision === revision.id)
        .reduce((sum, s) => sum + s.percent, 0),
    };
  }

  // --- Logs --------------------------------------------------------------------------------------------
  const addLogs = (entries: CloudRunLogEntrySpec[]) => {
    for (const entry of entries) {
      const seq = ++logSeq;
      const timestamp = entry.timestamp ?? iso();
      const time = Date.parse(timestamp);
      if (Number.isNaN(time)) throw new Error(`addLogs(): bad timestamp ${timestamp}`);
      const logId = Object.hasOwn(CLOUD_RUN_LOG_IDS, entry.log)
        ? CLOUD_RUN_LOG_IDS[entry.log as keyof typeof CLOUD_RUN_LOG_IDS]
        : entry.log;
      const severity =
        entry.severity ?? (entry.log === 'stderr' ? 'ERROR' : entry.log === 'requests' ? 'INFO' : 'DEFAULT');
      const revision = entry.revision ?? service.latestCreated?.id ?? '';
      logs.push({
        seq,
        time,
        json: compact({
          insertId: `emu${String(seq).padStart(10, '0')}`,
          logName: `projects/${project}/logs/${encodeURIComponent(logId)}`,
          resource: {
            type: 'cloud_run_revision',
            labels: {
              project_id: project,
              service_name: serviceId,
              revision_name: revision,
              location,
              configuration_name: serviceId,
            },
          },
          textPayload: entry.text,
          jsonPayload: entry.json,
          timestamp: new Date(time).toISOString(),
          receiveTimestamp: new Date(time + 50).toISOString(),
          severity: severity === 'DEFAULT' ? undefined : severity,
          labels: entry.labels ?? { instanceId: `00emu${hash(revision).slice(0, 24)}` },
          httpRequest: entry.httpRequest,
        }),
      });
    }
  };
  if (options.logs) addLogs(options.logs);

  // --- Requests ----------------------------------------------------------------------------------------

  const notFound = (kind: 'SERVICE' | 'REVISION', id: string) =>
    googleError(
      404,
      'NOT_FOUND',
      `Resource '${id}' of kind '${kind}' in region '${location}' in project '${project}' does not exist.`,
    );

  const parseServiceName = (name: unknown): boolean => {
    const match = /^projects\/([^/]+)\/locations\/([^/]+)\/services\/([^/]+)$/.exec(String(name));
    return (
      !!match &&
      (match[1] === project || match[1] === projectNumber) &&
      match[2] === location &&
      match[3] === serviceId
    );
  };

  const invalid = (message: string): Reply => googleError(400, 'INVALID_ARGUMENT', message);

  const pageToken = (kind: string, cursor: string, key: string) => {
    const token = Buffer.from(
      `${kind}:${hash(`${kind}${cursor}${key}${issuedPageTokens.size}`).slice(0, 16)}`,
    ).toString('base64url');
    issuedPageTokens.set(token, { kind, cursor, key });
    return token;
  };

  const handlers: Record<string, (context: Context) => Promise<Reply>> = {
    async 'google.cloud.run.v2.Services.GetService'({ message, report }) {
      if (!parseServiceName(message.name))
        return notFound('SERVICE', String(message.name).split('/').pop() ?? '');
      for (const op of operations.values()) await advanceOperation(op, report);
      for (const revision of revisions.values()) {
        if (revision.pending.length > 0) await advanceRevision(revision, report);
      }
      return { status: 200, body: serviceJson() };
    },

    async 'google.cloud.run.v2.Services.UpdateService'({ message, request }) {
      const body = (message.service ?? {}) as Record<string, unknown>;
      if (!parseServiceName(body.name)) return notFound('SERVICE', String(body.name).split('/').pop() ?? '');
      // AIP-154: a stale etag is ABORTED (409); no etag at all is permitted.
      if (body.etag !== undefined && body.etag !== etag()) {
        return googleError(
          409,
          'ABORTED',
          `The etag ${String(body.etag)} of service '${serviceId}' is not its current etag: it was changed since it was read. Read it again and retry.`,
        );
      }
      const mask =
        typeof message.updateMask === 'string' && message.updateMask !== ''
          ? message.updateMask.split(',')
          : undefined;
      const masked = (field: string) =>
        !mask || mask.some((path) => path === field || path.startsWith(`${field}.`));
      const unsupported = (mask ?? []).filter((path) => !/^(traffic|labels|template)(\.|$)/.test(path));
      if (unsupported.length > 0) {
        violations.push(`${request.label}: updateMask paths ${unsupported.join(', ')} are not emulated`);
        return googleError(
          501,
          'UNIMPLEMENTED',
          `the Cloud Run emulator does not emulate updates of ${unsupported.join(', ')}`,
        );
      }
      // Traffic.
      let traffic: TrafficTarget[] | undefined;
      if (masked('traffic')) {
        const given = Array.isArray(body.traffic) ? (body.traffic as Record<string, unknown>[]) : [];
        traffic =
          given.length === 0
            ? [{ type: LATEST, percent: 100 }]
            : given.map((t) => ({
                type: t.type === LATEST ? LATEST : BY_REVISION,
                ...(typeof t.revision === 'string' && { revision: t.revision }),
                percent: typeof t.percent === 'number' ? t.percent : 0,
                ...(typeof t.tag === 'string' && { tag: t.tag }),
              }));
        const problems = trafficProblems(traffic);
        if (traffic.some((t) => t.revision?.includes('/'))) {
          problems.push('TrafficTarget.revision takes the revision ID, not its full name');
        }
        if (problems.length > 0) {
          violations.push(`${request.label}: ${problems.join('; ')}`);
          return invalid(problems.join('; '));
        }
      }
      // Template.
      let newTemplate: Record<string, unknown> | undefined;
      if (masked('template')) {
        if (!isObject(body.template)) {
          violations.push(
            `${request.label}: service.template is REQUIRED when updateMask does not leave it out`,
          );
          return invalid('service.template is required.');
        }
        if (stableJson(body.template) !== stableJson(service.template)) newTemplate = body.template;
      }
      if (message.validateOnly === true) {
        const op = createOperation('UpdateService');
        completeOperation(op);
        op.response = serviceJson();
        return { status: 200, body: operationJson(op) };
      }
      let created: RevisionRecord | undefined;
      if (newTemplate) {
        const labels = isObject(newTemplate.labels) ? (newTemplate.labels as Record<string, string>) : {};
        const commit = labels['commit-sha'];
        const outcome: TemplateChangeOutcome = options.onTemplateChange
          ? await options.onTemplateChange({ template: newTemplate, commit })
          : {};
        if ('error' in outcome)
          return googleError(outcome.error.status, outcome.error.code, outcome.error.message);
        const wanted = outcome.revisionId ?? newTemplate.revision;
        if (typeof wanted === 'string' && revisions.has(wanted)) {
          // As Cloud Run answers a template naming an existing revision (googleapis/google-cloud-python#14259).
          return googleError(
            409,
            'ALREADY_EXISTS',
            `Revision named '${wanted}' with different configuration already exists.`,
          );
        }
        const containers = Array.isArray(newTemplate.containers)
          ? (newTemplate.containers as Record<string, unknown>[])
          : [];
        created = newRevision(
          {
            id: typeof wanted === 'string' ? wanted : undefined,
            commit: commit ?? 'unknown',
            labels,
            image: typeof containers[0]?.image === 'string' ? containers[0].image : undefined,
          },
          laterThanAll(iso()),
          { state: 'RECONCILING', time: iso() },
          [...(outcome.steps ?? DEFAULT_STEPS)],
        );
        service.template = newTemplate;
      }
      if (masked('labels')) {
        service.labels = isObject(body.labels) ? (body.labels as Record<string, string>) : {};
        service.labelsGiven = true;
      }
      if (traffic) service.traffic = traffic;
      service.generation++;
      service.etagSeq++;
      service.updateTime = iso();
      const op = createOperation('UpdateService');
      op.traffic = service.traffic;
      if (created) {
        op.revision = created;
        created.operation = op;
      } else if (op.remaining <= 0) await finishTrafficOperation(op);
      return { status: 200, body: operationJson(op) };
    },

    async 'google.cloud.run.v2.Revisions.GetRevision'({ message, report }) {
      const name = String(message.name);
      const id = name.split('/').pop() ?? '';
      const revision = revisions.get(id);
      if (!revision || name.replace(/^projects\/[^/]+/, `projects/${project}`) !== revisionName(id)) {
        return notFound('REVISION', id);
      }
      await advanceRevision(revision, report);
      return { status: 200, body: revisionJson(revision) };
    },

    async 'google.cloud.run.v2.Revisions.ListRevisions'({ message, report, request }) {
      const parent = String(message.parent);
      if (parent.endsWith('/services/-')) {
        violations.push(`${request.label}: listing revisions across services ("-") is not emulated`);
        return googleError(
          501,
          'UNIMPLEMENTED',
          'the Cloud Run emulator does not emulate listing across services',
        );
      }
      if (!parseServiceName(parent)) return notFound('SERVICE', parent.split('/').pop() ?? '');
      const pageSize = typeof message.pageSize === 'number' ? message.pageSize : 0;
      if (pageSize < 0) {
        violations.push(`${request.label}: pageSize must not be negative`);
        return invalid('page_size must not be negative.');
      }
      for (const revision of revisions.values()) {
        if (revision.pending.length > 0) await advanceRevision(revision, report);
      }
      // "Results are sorted by creation time, descending" (revision.proto, ListRevisions).
      const all = [...revisions.values()].sort(
        (a, b) => Date.parse(b.createTime) - Date.parse(a.createTime) || b.seq - a.seq,
      );
      let start = 0;
      if (typeof message.pageToken === 'string' && message.pageToken !== '') {
        const issued = issuedPageTokens.get(message.pageToken);
        if (!issued || issued.kind !== 'revisions' || issued.key !== parent) {
          violations.push(`${request.label}: pageToken was not issued by this emulator for this parent`);
          return invalid('Invalid page token.');
        }
        start = all.findIndex((revision) => revision.id === issued.cursor) + 1;
      }
      const size = Math.min(pageSize === 0 ? REVISIONS_PAGE_DEFAULT : pageSize, REVISIONS_PAGE_MAX);
      const page = all.slice(start, start + size);
      const more = start + size < all.length;
      return {
        status: 200,
        body: compact({
          revisions: page.map(revisionJson),
          nextPageToken: more ? pageToken('revisions', page.at(-1)!.id, parent) : undefined,
        }),
      };
    },

    async 'google.longrunning.Operations.GetOperation'({ message, report }) {
      const op = operationNamed(String(message.name));
      if (!op) return googleError(404, 'NOT_FOUND', `Operation '${String(message.name)}' was not found.`);
      await advanceOperation(op, report);
      return { status: 200, body: operationJson(op) };
    },

    async 'google.longrunning.Operations.WaitOperation'({ message }) {
      const op = operationNamed(String(message.name));
      if (!op) return googleError(404, 'NOT_FOUND', `Operation '${String(message.name)}' was not found.`);
      // Best effort, as the method is documented: run the script to its end, or until it stops moving.
      for (let round = 0; round < 1000 && !op.done; round++) {
        const before = `${op.remaining}:${op.revision?.pending.length ?? ''}`;
        await advanceOperation(op, { revisions: new Set(), operations: new Set() });
        if (!op.done && before === `${op.remaining}:${op.revision?.pending.length ?? ''}`) break;
      }
      return { status: 200, body: operationJson(op) };
    },

    async 'google.logging.v2.LoggingServiceV2.ListLogEntries'({ message, request }) {
      const resourceNames = Array.isArray(message.resourceNames) ? (message.resourceNames as string[]) : [];
      const ours = [`projects/${project}`, `projects/${projectNumber}`];
      const foreign = resourceNames.filter((name) => !ours.includes(name));
      if (foreign.length > 0) {
        return googleError(403, 'PERMISSION_DENIED', `The caller does not have permission`, [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'IAM_PERMISSION_DENIED',
            domain: 'googleapis.com',
            metadata: { permission: 'logging.logEntries.list', resource: foreign[0]! },
          },
        ]);
      }
      const filter = typeof message.filter === 'string' ? message.filter : '';
      const compiled = compileFilter(filter);
      if (!compiled.ok) {
        violations.push(`${request.label}: filter ${JSON.stringify(filter)}: ${compiled.problem}`);
        return invalid(
          compiled.syntax
            ? `Invalid filter: ${compiled.problem}`
            : `the Cloud Run emulator cannot evaluate this filter: ${compiled.problem}`,
        );
      }
      const orderBy = typeof message.orderBy === 'string' ? message.orderBy.trim() : '';
      if (!['', 'timestamp asc', 'timestamp desc'].includes(orderBy)) {
        violations.push(
          `${request.label}: orderBy ${JSON.stringify(orderBy)} is not "timestamp asc" or "timestamp desc"`,
        );
        return invalid(`Invalid order_by: ${orderBy}`);
      }
      const pageSize = typeof message.pageSize === 'number' ? message.pageSize : 0;
      if (pageSize < 0 || pageSize > LOGS_PAGE_MAX) {
        violations.push(
          `${request.label}: pageSize ${pageSize} is rejected (negative or above ${LOGS_PAGE_MAX})`,
        );
        return invalid(`page_size must be between 0 and ${LOGS_PAGE_MAX}.`);
      }
      const key = stableJson({ resourceNames: [...resourceNames].sort(), filter, orderBy });
      const descending = orderBy === 'timestamp desc';
      const matching = logs
        .filter((record) => compiled.matches(record.json))
        .sort((a, b) => (descending ? b.time - a.time || b.seq - a.seq : a.time - b.time || a.seq - b.seq));
      let start = 0;
      if (typeof message.pageToken === 'string' && message.pageToken !== '') {
        const issued = issuedPageTokens.get(message.pageToken);
        if (!issued || issued.kind !== 'entries') {
          violations.push(`${request.label}: pageToken was not issued by this emulator`);
          return invalid('Invalid page token.');
        }
        if (issued.key !== key) {
          violations.push(
            `${request.label}: pageToken came with other parameters than the call that issued it`,
          );
          return invalid('The page token does not match the request parameters.');
        }
        start =
          issued.cursor === '' ? 0 : matching.findIndex((record) => String(record.seq) === issued.cursor) + 1;
      }
      if (emptyLogPages > 0) {
        emptyLogPages--;
        const cursor = start === 0 ? '' : String(matching[start - 1]!.seq);
        return { status: 200, body: { nextPageToken: pageToken('entries', cursor, key) } };
      }
      const size = pageSize === 0 ? LOGS_PAGE_DEFAULT : pageSize;
      const page = matching.slice(start, start + size);
      const more = start + size < matching.length;
      return {
        status: 200,
        body: compact({
          entries: page.map((record) => record.json),
          nextPageToken: more ? pageToken('entries', String(page.at(-1)!.seq), key) : undefined,
        }),
      };
    },
  };

  function createOperation(rpc: string): OperationRecord {
    const id = uuid(`operation ${++operationSeq}`);
    const op: OperationRecord = {
      id,
      name: `projects/${project}/locations/${location}/operations/${id}`,
      rpc,
      remaining: operationReads,
      done: false,
    };
    operations.set(id, op);
    return op;
  }

  function operationNamed(name: string): OperationRecord | undefined {
    const match = /^projects\/([^/]+)\/locations\/([^/]+)\/operations\/([^/]+)$/.exec(name);
    if (!match || (match[1] !== project && match[1] !== projectNumber) || match[2] !== location)
      return undefined;
    return operations.get(match[3]!);
  }

  function laterThanAll(time: string): string {
    const newest = Math.max(
      ...[...revisions.values()].map((r) => Date.parse(r.createTime)),
      Number.NEGATIVE_INFINITY,
    );
    return new Date(Math.max(Date.parse(time), newest + 1000)).toISOString();
  }

  /** The host a request stands for, for ErrorInfo metadata. */
  const hostOf = (rpc: GoogleRpc) =>
    rpc.name.startsWith('google.logging.') ? 'logging.googleapis.com' : 'run.googleapis.com';

  const handle = async (request: EmulatorRequest): Promise<Reply> => {
    const recorded = request.recorded as CloudRunRecordedRequest;
    if (tokens.serves(request.path)) {
      const operation = tokenOperation(request.path);
      recorded.operation = operation;
      const fault = http.faults.take(request, operation);
      if (fault) return fault;
      const result = tokens.handle(request);
      violations.push(
        ...result.violations.map((problem) => `${request.label}: ${result.operation} ${problem}`),
      );
      if (result.principal) recorded.principal = result.principal;
      return result.reply;
    }

    const match = contract.route(request.method, request.path);
    if (match.found !== 'rpc') {
      violations.push(
        match.found === 'path'
          ? `${request.label}: ${match.templates.join(' or ')} takes ${match.methods.join(', ')}, not ${request.method}`
          : `${request.label}: not a path of the Cloud Run Admin API v2 or Cloud Logging v2 (nor a token endpoint)`,
      );
      return googleFrontEnd404(request.path);
    }
    const { rpc } = match;
    recorded.operation = rpc.name;
    const validated: ValidatedRequest = contract.validateRequest(match, request);
    violations.push(
      ...validated.violations.map((problem) => `${request.label}: ${rpc.name} request ${problem}`),
    );

    const send = (reply: Reply, checked = true): Reply => {
      const body = tampers.apply(rpc.name, reply.status, reply.body);
      if (checked && reply.text === undefined) {
        violations.push(
          ...contract
            .validateResponse(rpc, reply.status, body)
            .map((problem) => `${request.label}: ${rpc.name} ${problem}`),
        );
      }
      return { ...reply, body };
    };

    const fault = http.faults.take(request, rpc.name);
    if (fault) return send(fault, fault.text === undefined);
    const handler = handlers[rpc.name];
    if (!handler) {
      violations.push(`${request.label}: ${rpc.name} is Google's, but the emulator does not serve it`);
      return send(googleError(501, 'UNIMPLEMENTED', `the Cloud Run emulator does not emulate ${rpc.name}`));
    }
    const auth = checkBearer<TokenPrincipal>(
      request.headers,
      (token) => {
        const found = tokens.check(token);
        return 'principal' in found ? { principal: found.principal } : { rejected: found.rejected };
      },
      (problem) =>
        unauthenticated(
          problem === 'missing'
            ? 'CREDENTIALS_MISSING'
            : typeof problem === 'object' && problem.rejected === 'expired'
              ? 'ACCESS_TOKEN_EXPIRED'
              : 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
          hostOf(rpc),
          rpc.name,
        ),
    );
    if (!auth.ok) return send(auth.reply);
    recorded.principal = auth.principal.principal;
    if (validated.violations.length > 0) {
      return send(
        invalid(
          validated.unparseable
            ? 'Invalid JSON payload received.'
            : `Invalid request: ${validated.violations.join('; ')}`,
        ),
      );
    }
    const permission = PERMISSIONS[rpc.name]!;
    if (denied.has(permission)) {
      const resource = String(
        validated.message.name ??
          validated.message.parent ??
          (validated.message.service as Record<string, unknown> | undefined)?.name ??
          `projects/${project}`,
      );
      return send(
        googleError(
          403,
          'PERMISSION_DENIED',
          `Permission '${permission}' denied on resource '${resource}' (or resource may not exist).`,
          [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'IAM_PERMISSION_DENIED',
              domain: 'googleapis.com',
              metadata: { permission, resource },
            },
          ],
        ),
      );
    }
    const reply = await handler({
      rpc,
      message: validated.message,
      request,
      report: { revisions: new Set(), operations: new Set() },
    });
    return send(reply);
  };

  const http = await startHttpEmulator({
    name: 'Cloud Run emulator',
    handle,
    secretFields: ['client_secret', 'refresh_token', 'subject_token', 'assertion', 'actor_token'],
    violations,
  });

  const tokenOperation = (path: string) =>
    path === OAUTH2_TOKEN_PATH
      ? 'oauth2.token'
      : path === STS_TOKEN_PATH
        ? 'sts.token'
        : 'iamcredentials.generateAccessToken';

  const resolveRpc = (name: string): string => {
    if (name.includes('.')) return name;
    const found = [...contract.rpcs.values()].filter((rpc) => rpc.method === name);
    if (found.length !== 1)
      throw new Error(`failNext(): ${name} names ${found.length} RPCs; give the full name`);
    return found[0]!.name;
  };

  return {
    url: http.origin,
    tokenUrl: `${http.origin}${OAUTH2_TOKEN_PATH}`,
    stsUrl: `${http.origin}${STS_TOKEN_PATH}`,
    serviceName,
    project,
    projectNumber,
    requests: http.requests as CloudRunRecordedRequest[],
    violations,

    impersonationUrl(email) {
      return `${http.origin}/v1/projects/-/serviceAccounts/${email}:generateAccessToken`;
    },

    deployRevision(spec) {
      const createTime = laterThanAll(spec.createTime ?? iso());
      const steps = [...(spec.steps ?? DEFAULT_STEPS)];
      const before = service.statuses;
      const revision = newRevision(spec, createTime, { state: 'RECONCILING', time: createTime }, steps);
      if (spec.traffic === 'none') {
        const pinned: TrafficTarget[] = before
          .filter((status) => status.percent > 0)
          .map((status) => ({ type: BY_REVISION, revision: status.revision, percent: status.percent }));
        const tagged: TrafficTarget[] = spec.tag
          ? [{ type: BY_REVISION, revision: revision.id, percent: 0, tag: spec.tag }]
          : [];
        service.traffic = [...pinned, ...tagged];
        service.applied = service.traffic;
      } else {
        service.traffic = [
          { type: LATEST, percent: 100 },
          ...(spec.tag
            ? [{ type: BY_REVISION, revision: revision.id, percent: 0, tag: spec.tag } as TrafficTarget]
            : []),
        ];
        revision.rollout = service.traffic;
      }
      service.generation++;
      service.etagSeq++;
      service.updateTime = createTime;
      service.statusTime = createTime;
      return revision.id;
    },

    script(revisionId, steps) {
      const revision = revisions.get(revisionId);
      if (!revision) throw new Error(`script(): no revision ${revisionId}`);
      revision.pending = [...steps];
    },

    async setTraffic(traffic) {
      const targets = traffic.map(toTarget);
      const problems = trafficProblems(targets);
      if (problems.length > 0) throw new Error(`setTraffic(): ${problems.join('; ')}`);
      service.traffic = targets;
      service.applied = targets;
      service.generation++;
      service.etagSeq++;
      service.updateTime = iso();
      await settle('traffic');
    },

    bumpEtag(changes = {}) {
      if (changes.labels) {
        service.labels = { ...changes.labels };
        service.labelsGiven = true;
      }
      service.generation++;
      service.etagSeq++;
      service.updateTime = iso();
      if (!reconciling()) service.observedGeneration = service.generation;
      return etag();
    },

    addLogs,

    emptyLogPagesNext(count) {
      emptyLogPages += count;
    },

    failNext(count, status, failOptions = {}) {
      const rpcName = failOptions.rpc === undefined ? undefined : resolveRpc(failOptions.rpc);
      const host = rpcName?.startsWith('google.logging.') ? 'logging.googleapis.com' : 'run.googleapis.com';
      const code = failOptions.code ?? PREFERRED_CODES[status];
      const defaults: Record<string, string> = status === 429 ? { 'Retry-After': '1' } : {};
      const headers = Object.fromEntries(
        Object.entries({ ...defaults, ...failOptions.headers }).filter(
          (entry): entry is [string, string] => entry[1] !== null,
        ),
      );
      let fault: Fault;
      if (!code) {
        fault = {
          status,
          text: `<!DOCTYPE html><html lang=en><title>Error ${status}</title><p><b>${status}.</b> That’s an error.`,
          headers: { 'Content-Type': 'text/html; charset=UTF-8', ...headers },
        };
      } else {
        const details =
          failOptions.details ??
          (status === 429
            ? [
                {
                  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                  reason: 'RATE_LIMIT_EXCEEDED',
                  domain: 'googleapis.com',
                  metadata: {
                    service: host,
                    consumer: `projects/${projectNumber}`,
                    quota_metric: `${host}/read_requests`,
                    quota_limit: 'ReadRequestsPerMinutePerProject',
                  },
                },
              ]
            : undefined);
        const message =
          failOptions.message ??
          (status === 429
            ? `Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service '${host}' for consumer 'project_number:${projectNumber}'.`
            : `injected ${status}`);
        fault = { ...googleError(status, code, message, details), headers };
      }
      http.faults.add(count, fault, rpcName === undefined ? undefined : { operation: rpcName });
    },

    tamperResponses(rpc, mutate) {
      return tampers.add(resolveRpc(rpc), mutate);
    },

    deny(permission, isDenied = true) {
      if (isDenied) denied.add(permission);
      else denied.delete(permission);
    },

    issueToken(principal = 'static:issued', lifetimeSeconds) {
      return tokens.issue(principal, lifetimeSeconds);
    },

    service: serviceJson,

    revisionJson(revisionId) {
      const revision = revisions.get(revisionId);
      if (!revision) throw new Error(`revisionJson(): no revision ${revisionId}`);
      return revisionJson(revision);
    },

    revision(revisionId) {
      const revision = revisions.get(revisionId);
      if (!revision) throw new Error(`revision(): no revision ${revisionId}`);
      return view(revision);
    },

    revisions() {
      return [...revisions.values()].sort((a, b) => b.seq - a.seq).map(view);
    },

    servingRevision: servingId,

    operations() {
      return [...operations.values()].map((op) => ({
        name: op.name,
        rpc: op.rpc,
        done: op.done,
        ...(op.error && { error: { ...op.error } }),
        ...(op.revision && { revision: op.revision.id }),
      }));
    },

    close: () => http.close(),
  };
}

/** The front end's answer for a URL no API serves: an HTML 404, not JSON. */
function googleFrontEnd404(path: string): Reply {
  return {
    status: 404,
    text: `<!DOCTYPE html><html lang=en><title>Error 404 (Not Found)!!1</title><p><b>404.</b> That’s an error.<p>The requested URL <code>${path.replace(/[<>&]/g, '')}</code> was not found on this server.  That’s all we know.`,
    headers: { 'Content-Type': 'text/html; charset=UTF-8' },
  };
}

/** Drops what proto3 JSON leaves out: undefined, empty strings, 0, false, empty arrays and objects. */
function compact(object: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined || value === '' || value === 0 || value === false) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (isObject(value) && Object.keys(value).length === 0) continue;
    result[key] = value;
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON with sorted keys, to compare templates whatever order a client sends them in. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A stable UUID-shaped ID from a seed. */
function uuid(seed: string): string {
  const h = hash(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Three lower-case letters from a number, like the suffix of Cloud Run's generated revision names. */
function letters(seq: number): string {
  const h = hash(`revision suffix ${seq}`);
  return [0, 2, 4].map((i) => String.fromCharCode(97 + (parseInt(h.slice(i, i + 2), 16) % 26))).join('');
}
