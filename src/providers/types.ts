import type { LogLine, ProviderEvent } from '../diagnose/index.js';
import type { RunDeps } from '../deps.js';
import type { Budget, Deadline } from '../poll.js';

/**
 * Where a deploy is in its life, in provider-neutral terms. Each provider maps its own statuses onto
 * these (Render's 11, Railway's 13), so the rest of the action never sees a provider's vocabulary except
 * as the `status` string it reports.
 */
export type DeployState =
  /** Still on its way: queued, building, deploying. Keep waiting. */
  | 'pending'
  /** Serving traffic (Railway `SLEEPING` too: it wakes on the first request). */
  | 'live'
  /** Ended in failure: build, pre-deploy, deploy or crash. */
  | 'failed'
  /** Stopped by someone before it went live. */
  | 'canceled'
  /** Was replaced (Render `deactivated`, Railway `REMOVING`/`REMOVED`). */
  | 'replaced'
  /** Waits for a human to approve it. */
  | 'needs-approval'
  /** Not deployed, because CI checks blocked it. */
  | 'skipped';

/** Which part of the deploy failed; decides which logs are evidence. */
export type FailedStage = 'build' | 'pre-deploy' | 'deploy' | 'runtime';

/** One deploy as the provider reports it. */
export interface Deploy {
  id: string;
  /** The provider's own status word (`build_failed`, `SUCCESS`), published as `deploy-status`. */
  status: string;
  state: DeployState;
  /** For `failed`: the stage that failed. */
  failedStage?: FailedStage;
  /** The Git commit SHA it deploys, when the provider says. */
  commit?: string;
  /** Epoch milliseconds. */
  createdAt?: number;
  finishedAt?: number;
  /** Whether the provider can roll back to this deploy (it was live and its image is kept). */
  canRollbackTo: boolean;
  /** What created it (`new_commit`, `rollback`, ...), when the provider says. */
  trigger?: string;
  /** Railway `SLEEPING`: live but scaled to zero, so the first probe needs warm-up time. */
  sleeping?: boolean;
  /** The new release is starting (Render `update_in_progress`): the service may serve it any moment. */
  deploying?: boolean;
  /**
   * False for a deploy that is live only at its own address (Cloud Run's tagged revision with no traffic):
   * the service's URL serves another one, so it is not what `deploy-id: current` means.
   */
  servesTraffic?: boolean;
}

/** The service under test. */
export interface ServiceInfo {
  id: string;
  name: string;
  /** The public URL the provider assigns (`https://…onrender.com`), when there is one. */
  url?: string;
  /** Link for humans, used in the report. */
  dashboardUrl?: string;
}

/** A provider's logs and events around a deploy, before redaction and diagnosis. */
export interface RawEvidence {
  lines: LogLine[];
  events: ProviderEvent[];
  /** Why some evidence is missing or cut (a cap was reached, a logs call failed). */
  notes: string[];
}

/** Called at every status change while waiting, so the log shows progress. */
export type StatusListener = (deploy: Deploy, previousStatus: string | undefined) => void;

/**
 * A cheap sign, from the service itself, that the deploy may be live now (it reports the expected
 * version). Checked between provider polls while the release is starting, so going live is noticed
 * within about a second without spending the provider's request budget.
 */
export type LiveHint = () => Promise<boolean>;

/**
 * What watching a live deploy found: still live at the end, or the moment it stopped being live (it
 * crashed, was replaced, or the provider reported its server failing), in words.
 */
export type LiveSignal = { live: true; deploy: Deploy } | { live: false; deploy: Deploy; why: string };

/** How waiting for a deploy ended. */
export type WaitForDeployResult =
  { settled: true; deploy: Deploy } | { settled: false; deploy: Deploy; reason: 'timeout' };

/** What a provider can do beyond following and rolling back a deploy, declared rather than thrown. */
export interface ProviderCapabilities {
  /** Turns auto-deploy off after a rollback (`pause-auto-deploy`); `pauseAutoDeploy()` exists then. */
  pauseAutoDeploy: boolean;
  /** Pushes status changes instead of being polled, where the connection allows. */
  pushStatus: boolean;
  /** Finds a pull request's preview (`usePreview`). */
  previews: boolean;
}

/**
 * What the action needs from a hosting provider. Render (REST) and Railway (GraphQL) implement it; the
 * orchestration in `execute.ts` and `rollback.ts` only talks to this interface.
 */
export interface Provider {
  /** "Render", "Railway": for messages. */
  readonly label: string;
  readonly capabilities: ProviderCapabilities;
  /** Why there is nothing to roll back to, in the provider's terms (for `rollback-failed`). */
  readonly noRollbackTarget: string;
  /** What to do about automatic deploys after a rollback, when `pause-auto-deploy` is not used. */
  readonly autoDeployAdvice: string;
  /** How to turn auto-deploy back on after `pauseAutoDeploy`, once a fix is merged (when it has the capability). */
  readonly resumeAutoDeploy?: string;
  /** Reads the service; a bad token or unknown service is a ProviderConfigError. */
  service(): Promise<ServiceInfo>;
  getDeploy(id: string): Promise<Deploy>;
  /** Deploys, newest `createdAt` first; `createdAfter` (epoch ms) narrows the list to newer ones. */
  listDeploys(options?: { createdAfter?: number }): Promise<Deploy[]>;
  /** Triggers a deploy of `commit`. Undefined when the provider queued it without saying which deploy. */
  triggerDeploy(commit: string): Promise<Deploy | undefined>;
  /**
   * Waits until the deploy leaves `pending` (or the deadline passes), reporting each status change. A
   * `liveHint` that turns true while the release is starting makes the next poll come at once.
   */
  waitForDeploy(
    id: string,
    deadline: Deadline,
    onStatus: StatusListener,
    liveHint?: LiveHint,
  ): Promise<WaitForDeployResult>;
  /**
   * Watches a live deploy until the deadline, the signal, or the provider saying it is no longer live (the
   * soak window after a pass): Railway's status stream, Render's status and server-failure events.
   */
  watchLive(deploy: Deploy, deadline: Deadline, signal: AbortSignal): Promise<LiveSignal>;
  /** Logs and events that explain what happened to `deploy`, capped. Never throws: failures become notes. */
  evidence(deploy: Deploy, stage: FailedStage): Promise<RawEvidence>;
  /** The exact API call a rollback to `target` sends, for `dry-run` and for the human on call. */
  describeRollback(target: Deploy): string;
  /** Asks the provider to roll back to `target` and returns the deploy the rollback created. */
  rollback(target: Deploy): Promise<Deploy>;
  /** Turns off automatic deploys, so the next push does not undo a rollback (when the capability says so). */
  pauseAutoDeploy?(): Promise<void>;
  /**
   * Switches to the preview of pull request `pr` (Render: its preview service; Railway: its PR
   * environment) when the provider has created it; undefined while it does not exist (yet).
   */
  usePreview(pr: PullRequestRef): Promise<ServiceInfo | undefined>;
  /** API requests sent so far (for the log and the benchmarks). */
  requestCount(): number;
}

/** The pull request whose preview is verified. */
export interface PullRequestRef {
  number: number;
  branch: string;
}

/** What a provider client needs from the inputs. */
export interface ProviderSettings {
  name: string;
  apiToken: string;
  serviceId: string;
  /** `api-url`; the provider's public API when absent. */
  apiUrl?: URL;
  /** Railway: the environment, and how the token is sent. */
  environmentId: string;
  tokenType: 'auto' | 'account' | 'project';
  requestTimeoutMs: number;
  /** The `interval` input: the first delay between status polls. */
  intervalMs: number;
}

/** The inputs a provider's own rules look at, as the user gave them ('' when not given). */
export interface ProviderInputValues {
  serviceId: string;
  /** Inputs only some providers take (`environment-id`, `api-token-type`), by name. */
  own: Record<string, string>;
}

/**
 * A provider as the rest of the action knows it before any client exists: its name in messages, its
 * capabilities and inputs, its own input rules, and how to build its client, loaded only when used.
 * Adding a provider is a folder with one of these and a line in the registry.
 */
export interface ProviderDescriptor {
  label: string;
  capabilities: ProviderCapabilities;
  /** Inputs only this provider takes, besides `api-token`, `service-id` and `api-url`. */
  ownInputs: readonly string[];
  /** True when `api-token` may be empty because the provider finds credentials another way. */
  tokenOptional?: boolean;
  /** With `pause-auto-deploy` but without the capability: what to do instead. */
  pauseAutoDeployFix?: string;
  /** The provider's own rules (what it requires, the form of its IDs), each broken one a problem. */
  checkInputs(
    values: ProviderInputValues,
    problem: (input: string, value: string, what: string, fix: string) => void,
  ): void;
  /** Builds the client, loading its code on first use. */
  create(settings: ProviderSettings, deps: RunDeps, budget: Budget): Promise<Provider>;
}
