/**
 * A workflow file run as written (README.md in this folder, "Example workflows"): it is loaded, its jobs
 * are picked by the trigger's `if:`, and each job's steps run in the runner's order through {@link Job}:
 * the action's `pre` first, then every step (actions/checkout, the action's `main`, `run:` steps with
 * bash, artifacts), then the action's `post`. Every `${{ }}` (`with:`, `env:`, `if:`, `run:`, a step's
 * name, the concurrency group) is evaluated by GitHub's own evaluator (expressions.ts) over the contexts
 * the runner gives: `github` with the event payload, `secrets`, `vars` (an unset one is ''), `inputs`
 * with the workflow_dispatch defaults, `matrix`, `strategy`, `needs`, `env`, `steps` and `job`.
 *
 * What stands in for GitHub's side: the GitHub API emulator (JobOptions.githubApi, with the permissions
 * the workflow grants its token, {@link tokenPermissions}), the repository's files for checkout
 * (JobOptions.repository), an {@link ArtifactStore} for upload-artifact/download-artifact, a
 * {@link GoogleCloudStandIn} (the Cloud Run emulator) behind google-github-actions/auth and deploy-cloudrun,
 * and {@link startPublicHosts} for the internet: the provider's public API and the service's public URL,
 * served on this machine under their real names and over TLS, so a workflow needs no test-only input.
 * A `uses:` step that none of these covers fails the run rather than being skipped silently.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { parse } from 'yaml';
import type { PermissionLevel, Permissions } from '../emulators/github-operations.js';
import { evaluateCondition, interpolate, type ExpressionContexts } from './expressions.js';
import {
  githubContext,
  Job,
  type GitHubContext,
  type JobOptions,
  type PublicHosts,
  type ScriptRun,
  type StepRun,
} from './job.js';

export type Values = Record<string, unknown>;

export interface WorkflowStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Values;
  env?: Values;
  if?: string | boolean;
  'continue-on-error'?: boolean;
  'timeout-minutes'?: number;
}

/** A job's `permissions:` (or the workflow's): a map of scopes, or `read-all` / `write-all`. */
export type PermissionsBlock = 'read-all' | 'write-all' | Record<string, 'read' | 'write' | 'none'>;

export interface Concurrency {
  group?: string;
  'cancel-in-progress'?: boolean | string;
}

export interface WorkflowJob {
  name?: string;
  if?: string | boolean;
  needs?: string | string[];
  'runs-on'?: unknown;
  'timeout-minutes'?: number;
  environment?: unknown;
  permissions?: PermissionsBlock;
  env?: Values;
  concurrency?: string | Concurrency;
  strategy?: {
    'fail-fast'?: boolean;
    'max-parallel'?: number;
    matrix?: Values & { include?: Values[]; exclude?: Values[] };
  };
  steps?: WorkflowStep[];
}

export interface Workflow {
  /** The file it was read from. */
  path: string;
  name?: string;
  on: unknown;
  env?: Values;
  permissions?: PermissionsBlock;
  concurrency?: string | Concurrency;
  jobs: Record<string, WorkflowJob>;
}

/** A step of this action, as the examples write it. */
export const ACTION_USES = /^deploy-sentinel\/deploy-sentinel@/;
const CHECKOUT_USES = /^actions\/checkout@/;
const UPLOAD_USES = /^actions\/upload-artifact@/;
const DOWNLOAD_USES = /^actions\/download-artifact@/;
const GOOGLE_AUTH_USES = /^google-github-actions\/auth@/;
const DEPLOY_CLOUDRUN_USES = /^google-github-actions\/deploy-cloudrun@/;

export function loadWorkflow(path: string): Workflow {
  return { ...(parse(readFileSync(path, 'utf8')) as Omit<Workflow, 'path'>), path };
}

/** The events a workflow triggers on (`on:` as a string, a list or a map). */
export function triggers(workflow: Workflow): string[] {
  const on = workflow.on;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return Object.keys(on as Values);
}

/**
 * The `inputs` context of a workflow_dispatch run: every declared input at its default (typed: a boolean
 * input is a boolean, a number a number), replaced by what the run was dispatched with (the payload's
 * `inputs`, strings). Other events: no inputs.
 */
export function dispatchInputs(workflow: Workflow, eventName: string, payload: Values = {}): Values {
  if (eventName !== 'workflow_dispatch') return {};
  const on = workflow.on as { workflow_dispatch?: { inputs?: Record<string, Values> } } | undefined;
  const declared = (typeof on === 'object' && on?.workflow_dispatch?.inputs) || {};
  const given = (payload.inputs ?? {}) as Record<string, string>;
  const inputs: Values = {};
  for (const [name, input] of Object.entries(declared)) {
    const raw = name in given ? given[name] : input.default;
    inputs[name] =
      input.type === 'boolean'
        ? raw === true || raw === 'true'
        : input.type === 'number'
          ? Number(raw ?? 0)
          : raw === undefined
            ? ''
            : String(raw);
  }
  return inputs;
}

/**
 * The matrix combinations a job runs, as GitHub expands `strategy.matrix`: the product of its axes, minus
 * `exclude`, then each `include` entry merged into every combination it does not contradict, or added as
 * a combination of its own. A job without a matrix runs once, with an empty `matrix`. String values are
 * interpolated with `contexts` (a matrix may use `vars`, `inputs` and `github`).
 */
export function matrixEntries(job: WorkflowJob, contexts: ExpressionContexts = {}): Values[] {
  const matrix = job.strategy?.matrix;
  if (!matrix) return [{}];
  const { include = [], exclude = [], ...axes } = matrix;
  let combos: Values[] = Object.keys(axes).length > 0 ? [{}] : [];
  for (const [axis, values] of Object.entries(axes)) {
    combos = combos.flatMap((combo) => (values as unknown[]).map((value) => ({ ...combo, [axis]: value })));
  }
  combos = combos.filter((combo) => !exclude.some((rule) => matches(combo, rule)));
  const originals = combos.map((combo) => ({ ...combo }));
  for (const entry of include) {
    const fits = originals
      .map((original, index) => ({ original, index }))
      .filter(({ original }) =>
        Object.entries(entry).every(([key, value]) => !(key in original) || original[key] === value),
      );
    if (fits.length > 0) {
      for (const { index } of fits) Object.assign(combos[index] as Values, entry);
    } else {
      combos.push({ ...entry });
    }
  }
  return combos.map((combo) =>
    Object.fromEntries(
      Object.entries(combo).map(([key, value]) => [
        key,
        typeof value === 'string' ? interpolate(value, contexts) : value,
      ]),
    ),
  );
}

function matches(combo: Values, rule: Values): boolean {
  return Object.entries(rule).every(([key, value]) => combo[key] === value);
}

/** Scopes a workflow's `permissions:` may name that the GitHub emulator knows. */
const TOKEN_SCOPES = [
  'actions',
  'checks',
  'contents',
  'deployments',
  'issues',
  'packages',
  'pull-requests',
  'statuses',
] as const;

/**
 * The permissions of the job's GITHUB_TOKEN: the job's `permissions:`, else the workflow's; a scope they
 * do not list is `none`, `metadata` is always `read`. Without any `permissions:` block the token gets the
 * repository's default, `whenUnset` (GitHub's "restricted" default for new repositories, or "permissive").
 */
export function tokenPermissions(
  workflow: Workflow,
  jobId: string,
  whenUnset: Permissions = { contents: 'read', packages: 'read' },
): Permissions {
  const block = workflow.jobs[jobId]?.permissions ?? workflow.permissions;
  if (block === undefined) return { ...whenUnset, metadata: 'read' };
  const level = (scope: string): PermissionLevel =>
    block === 'read-all' ? 'read' : block === 'write-all' ? 'write' : (block[scope] ?? 'none');
  const permissions: Permissions = { metadata: 'read' };
  for (const scope of TOKEN_SCOPES) permissions[scope] = level(scope);
  return permissions;
}

/** The job's one step of this action, and where it is. */
export function actionStep(job: WorkflowJob): { index: number; step: WorkflowStep } | undefined {
  const found = (job.steps ?? [])
    .map((step, index) => ({ index, step }))
    .filter(({ step }) => ACTION_USES.test(step.uses ?? ''));
  if (found.length > 1) throw new Error('a job with more than one step of the action is not supported');
  return found[0];
}

/** `with:` or `env:` values as the runner passes them: `${{ }}` evaluated, every value a string. */
export function resolveValues(
  values: Values | undefined,
  contexts: ExpressionContexts,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values ?? {}).map(([name, value]) => [
      name,
      typeof value === 'string' ? interpolate(value, contexts) : String(value),
    ]),
  );
}

/** The `concurrency:` of a job (or its workflow), its group resolved. */
export function resolveConcurrency(
  workflow: Workflow,
  jobId: string,
  contexts: ExpressionContexts,
): { group: string; cancelInProgress: boolean } | undefined {
  const concurrency = workflow.jobs[jobId]?.concurrency ?? workflow.concurrency;
  if (concurrency === undefined) return undefined;
  const { group = '', 'cancel-in-progress': cancel = false } =
    typeof concurrency === 'string' ? { group: concurrency } : concurrency;
  return {
    group: interpolate(group, contexts),
    cancelInProgress: typeof cancel === 'string' ? evaluateCondition(cancel, contexts) : cancel,
  };
}

export interface ContextOptions {
  github: GitHubContext;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  inputs?: Values;
  matrix?: Values;
  /** The job's index among the matrix's combinations, and how many there are. */
  strategy?: { index: number; total: number; failFast?: boolean };
  needs?: Record<string, NeedResult>;
  env?: Record<string, string>;
  steps?: Record<string, StepContext>;
  jobStatus?: string;
  runner?: Values;
}

/** What `needs.<job>` holds. */
export interface NeedResult {
  result: 'success' | 'failure' | 'cancelled' | 'skipped';
  outputs?: Record<string, string>;
}

/** What `steps.<id>` holds. */
export interface StepContext {
  outputs: Record<string, string>;
  outcome: StepOutcome;
  conclusion: StepOutcome;
}

export type StepOutcome = 'success' | 'failure' | 'cancelled' | 'skipped';

/**
 * The contexts of a workflow's expressions. `github` gets the fields the runner derives from the job's
 * (`repository_owner`, `ref_name`, `head_ref`, `base_ref`, ...); `secrets.GITHUB_TOKEN` is the job's token;
 * a secret or variable the test does not give is absent, so it evaluates to '' as on GitHub.
 */
export function workflowContexts(options: ContextOptions): ExpressionContexts {
  const { github } = options;
  const pull = (github.event as { pull_request?: { head?: { ref?: string }; base?: { ref?: string } } })
    .pull_request;
  return {
    github: {
      ...github,
      repository_owner: github.repository.split('/')[0],
      ref_name: github.ref.replace(/^refs\/(heads|tags|pull)\//, ''),
      ref_type: github.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      head_ref: pull?.head?.ref ?? '',
      base_ref: pull?.base?.ref ?? '',
      run_number: '7',
      triggering_actor: github.actor,
    },
    secrets: { ...options.secrets, GITHUB_TOKEN: github.token },
    vars: { ...options.vars },
    inputs: { ...options.inputs },
    matrix: { ...options.matrix },
    strategy: {
      'fail-fast': options.strategy?.failFast ?? true,
      'job-index': options.strategy?.index ?? 0,
      'job-total': options.strategy?.total ?? 1,
      'max-parallel': options.strategy?.total ?? 1,
    },
    needs: { ...options.needs },
    env: { ...options.env },
    steps: { ...options.steps },
    job: { status: options.jobStatus ?? 'success' },
    runner: { os: 'Linux', arch: 'X64', environment: 'github-hosted', ...options.runner },
  };
}

/** Artifacts of one workflow run, shared by its jobs: what upload-artifact stores and download-artifact gets. */
export class ArtifactStore {
  readonly dir = mkdtempSync(join(tmpdir(), 'deploy-sentinel-artifacts-'));

  /** Names of the stored artifacts, sorted. */
  names(): string[] {
    return readdirSync(this.dir).sort();
  }

  /**
   * actions/upload-artifact@v4 with one `path` (a file or a directory, relative to the workspace): the
   * file, or the directory's contents, at the artifact's root. Nothing found warns and uploads nothing,
   * as with its default `if-no-files-found: warn`. An artifact name is used once per run.
   */
  upload(name: string, path: string, workspace: string): { uploaded: boolean } {
    const source = isAbsolute(path) ? path : join(workspace, path);
    if (!path || !existsSync(source)) return { uploaded: false };
    if (existsSync(join(this.dir, name))) throw new Error(`an artifact named ${name} was already uploaded`);
    const target = join(this.dir, name);
    mkdirSync(target, { recursive: true });
    if (statSync(source).isDirectory()) cpSync(source, target, { recursive: true });
    else cpSync(source, join(target, basename(source)));
    return { uploaded: true };
  }

  /**
   * actions/download-artifact@v4: the artifact `name` into `path`, or every artifact matching `pattern`
   * (`*` wildcards) into `path/<name>/`, or all of them when neither is given.
   */
  download(options: { name?: string; pattern?: string; path?: string }, workspace: string): string[] {
    const root = join(workspace, options.path ?? '.');
    if (options.name) {
      if (!existsSync(join(this.dir, options.name))) throw new Error(`no artifact named ${options.name}`);
      cpSync(join(this.dir, options.name), root, { recursive: true });
      return [options.name];
    }
    const pattern = new RegExp(
      `^${(options.pattern ?? '*')
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    const names = this.names().filter((name) => pattern.test(name));
    for (const name of names) cpSync(join(this.dir, name), join(root, name), { recursive: true });
    return names;
  }
}

/** One step of a job, as it ran (or why not). */
export interface WorkflowStepRun {
  index: number;
  id?: string;
  /** The step's name, interpolated; else `Run <first line>` or the `uses:`, as the run page shows it. */
  name: string;
  kind:
    | 'action'
    | 'checkout'
    | 'run'
    | 'upload-artifact'
    | 'download-artifact'
    | 'google-auth'
    | 'deploy-cloudrun';
  outcome: StepOutcome;
  conclusion: StepOutcome;
  outputs: Record<string, string>;
  /** The step's `with:` and `env:`, resolved (empty when it did not run). */
  with: Record<string, string>;
  env: Record<string, string>;
  /** The process, for the action's main step and `run:` steps. */
  process?: StepRun | ScriptRun;
}

/** What decides how a job's expressions resolve: the workflow, the job, the run's event and settings. */
export interface JobRunContext {
  workflow: Workflow;
  jobId: string;
  /** The triggering event and its payload (for workflow_dispatch, its `inputs` are the dispatched ones). */
  event: { name: string; payload: Values };
  /** Overrides of the `github` context: sha, ref, repository, workflow, ... */
  github?: JobOptions['github'];
  /** The job's GitHub API and token (`github.token`, `secrets.GITHUB_TOKEN`). */
  githubApi?: JobOptions['githubApi'];
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** This job's combination of the matrix (one of {@link matrixEntries}), and where it stands. */
  matrix?: Values;
  strategy?: ContextOptions['strategy'];
  /** The results of the jobs this one `needs`. */
  needs?: Record<string, NeedResult>;
}

export interface WorkflowJobOptions
  extends JobRunContext, Pick<JobOptions, 'repository' | 'publicHosts' | 'actionDir' | 'truth'> {
  /** Where upload-artifact stores and download-artifact reads; required when the job uses either. */
  artifacts?: ArtifactStore;
  /** Kills a step's process after this long; the job's `timeout-minutes` by default. */
  stepTimeoutMs?: number;
  /** Google Cloud, for google-github-actions/auth and deploy-cloudrun; required when the job uses either. */
  googleCloud?: GoogleCloudStandIn;
}

export interface WorkflowJobRun {
  jobId: string;
  /** False when the job's `if:` skipped it; then nothing ran. */
  ran: boolean;
  result: 'success' | 'failure' | 'cancelled' | 'skipped';
  steps: WorkflowStepRun[];
  /** The action's pre and post steps (main is the action's entry in `steps`). */
  pre?: StepRun;
  post?: StepRun;
  /** The job itself (workspace, summary); undefined when skipped. */
  job?: Job;
  /** The `env` the job's steps started from: the workflow's and job's `env:`, resolved. */
  env: Record<string, string>;
  /** The contexts at the job's end, for assertions on further expressions (`concurrency`, names). */
  contexts: ExpressionContexts;
  /** A step by its `id`, else by its name. */
  step(idOrName: string): WorkflowStepRun;
}

/**
 * Runs one job of a workflow as the runner would for `event`: its `if:` first (skipped: nothing runs);
 * then the action's `pre` (before checkout), each step in order with its `if:` (default `success()`), and
 * the action's `post` when its main step ran (`post-if: always()`).
 */
export async function runWorkflowJob(options: WorkflowJobOptions): Promise<WorkflowJobRun> {
  const { workflow, jobId } = options;
  const definition = workflow.jobs[jobId];
  if (!definition) throw new Error(`${workflow.path} has no job ${jobId}`);
  const job = new Job({
    repository: options.repository,
    event: options.event,
    github: jobGitHub(options),
    githubApi: options.githubApi,
    publicHosts: options.publicHosts,
    actionDir: options.actionDir,
    truth: options.truth,
  });
  const steps: Record<string, StepContext> = {};
  const contexts = contextsOf(options, job.github, {
    steps,
    status: () => job.status,
    runner: job.contexts().runner as Values,
    env: () => job.env(),
  });
  const records: WorkflowStepRun[] = [];
  const result: WorkflowJobRun = {
    jobId,
    ran: false,
    result: 'skipped',
    steps: records,
    env: {},
    contexts: contexts(),
    step(idOrName) {
      const found =
        records.find((record) => record.id === idOrName) ??
        records.find((record) => record.name === idOrName);
      if (!found) throw new Error(`job ${jobId} has no step ${idOrName}`);
      return found;
    },
  };
  const start = startJob(options, contexts);
  if (!start.runs) return result;
  result.ran = true;
  result.job = job;
  result.env = start.env;
  job.setEnv(result.env);
  const timeoutMs = options.stepTimeoutMs ?? (definition['timeout-minutes'] ?? 360) * 60_000;

  // The action's pre step runs first in the job, with the step's inputs and env as they resolve then.
  const action = actionStep(definition);
  let actionInputs: Record<string, string> = {};
  let actionEnv: Record<string, string> = {};
  if (action && job.manifest.runs.pre) {
    ({ withInputs: actionInputs, env: actionEnv } = resolveStep(action.step, contexts));
    result.pre = await job.run('pre', actionInputs, { env: actionEnv, timeoutMs });
  }

  for (const [index, step] of (definition.steps ?? []).entries()) {
    const { withInputs, env, stepContexts } = resolveStep(step, contexts);
    const record: WorkflowStepRun = {
      index,
      id: step.id,
      name: stepName(step, stepContexts),
      kind: stepKind(step),
      outcome: 'skipped',
      conclusion: 'skipped',
      outputs: {},
      with: {},
      env: {},
    };
    records.push(record);
    if (evaluateCondition(String(step.if ?? 'success()'), stepContexts)) {
      Object.assign(record, { with: withInputs, env });
      const stepTimeout = step['timeout-minutes'] ? step['timeout-minutes'] * 60_000 : timeoutMs;
      const outcome = await runStep(record, step, { job, options, stepContexts, timeoutMs: stepTimeout });
      record.outcome = outcome;
      record.conclusion = outcome === 'failure' && step['continue-on-error'] === true ? 'success' : outcome;
      if (record.kind === 'action') [actionInputs, actionEnv] = [withInputs, env];
    }
    if (step.id) {
      steps[step.id] = { outputs: record.outputs, outcome: record.outcome, conclusion: record.conclusion };
    }
  }

  if (records.some((record) => record.kind === 'action' && record.outcome !== 'skipped')) {
    result.post = await job.run('post', actionInputs, { env: actionEnv, timeoutMs });
  }
  result.result = job.status;
  result.contexts = contexts();
  return result;
}

/** The `github` overrides of a job: the workflow's name and the job's ID, unless the test gives others. */
function jobGitHub(options: JobRunContext): JobOptions['github'] {
  return {
    workflow: options.workflow.name ?? basename(options.workflow.path),
    job: options.jobId,
    ...options.github,
  };
}

/** The contexts of a job's expressions as they stand, for an `env` (the job's current one by default). */
function contextsOf(
  options: JobRunContext,
  github: GitHubContext,
  live: {
    steps?: Record<string, StepContext>;
    status?: () => string;
    runner?: Values;
    env?: () => Record<string, string>;
  } = {},
): (env?: Record<string, string>) => ExpressionContexts {
  return (env = live.env?.() ?? {}) =>
    workflowContexts({
      github,
      secrets: options.secrets,
      vars: options.vars,
      inputs: dispatchInputs(options.workflow, options.event.name, options.event.payload),
      matrix: options.matrix,
      strategy: options.strategy,
      needs: options.needs,
      env,
      steps: live.steps,
      jobStatus: live.status?.(),
      runner: live.runner,
    });
}

/**
 * Whether the job runs for this event (its `if:`; without one, when every job it needs succeeded), and
 * its env: the workflow's `env:`, then the job's, each resolved with what came before.
 */
function startJob(
  options: JobRunContext,
  contexts: (env?: Record<string, string>) => ExpressionContexts,
): { runs: boolean; env: Record<string, string> } {
  const definition = options.workflow.jobs[options.jobId] as WorkflowJob;
  const needsFailed = Object.values(options.needs ?? {}).some((need) => need.result !== 'success');
  const condition = String(definition.if ?? 'success()');
  const status = { job: { status: needsFailed ? 'failure' : 'success' } };
  if (!evaluateCondition(condition, { ...contexts({}), ...status })) return { runs: false, env: {} };
  const workflowEnv = resolveValues(options.workflow.env, contexts({}));
  return { runs: true, env: { ...workflowEnv, ...resolveValues(definition.env, contexts(workflowEnv)) } };
}

/** The action's step of a job, resolved for one run without running anything. */
export interface ResolvedActionStep {
  /** False when the job's `if:` skips the job for this event; then nothing else is resolved. */
  runs: boolean;
  step: WorkflowStep;
  /** The workflow's and job's `env:`, resolved. */
  jobEnv: Record<string, string>;
  /** The step's own `env:` and `with:`, resolved as the runner passes them. */
  env: Record<string, string>;
  with: Record<string, string>;
  /** The contexts the step's expressions saw (`env` is the job's and the step's). */
  contexts: ExpressionContexts;
}

/**
 * Resolves the job's step of this action for one run, as the runner would at the job's start, without
 * starting anything: for checking what the action would be given (a unit test feeds it to `getConfig`).
 * `workspace` is `github.workspace` (the repository's files, for a check that reads them).
 */
export function resolveActionStep(options: JobRunContext & { workspace: string }): ResolvedActionStep {
  const definition = options.workflow.jobs[options.jobId];
  const found = definition && actionStep(definition);
  if (!found) throw new Error(`job ${options.jobId} of ${options.workflow.path} has no step of the action`);
  const github = githubContext({ ...options, github: jobGitHub(options) }, options.workspace);
  const contexts = contextsOf(options, github);
  const start = startJob(options, contexts);
  if (!start.runs)
    return { runs: false, step: found.step, jobEnv: {}, env: {}, with: {}, contexts: contexts() };
  const resolved = resolveStep(found.step, (env = start.env) => contexts(env));
  return {
    runs: true,
    step: found.step,
    jobEnv: start.env,
    env: resolved.env,
    with: resolved.withInputs,
    contexts: resolved.stepContexts,
  };
}

/** A step's `with:` and `env:` resolved, and the contexts its `if:`, name and script see. */
function resolveStep(
  step: WorkflowStep,
  contexts: (env?: Record<string, string>) => ExpressionContexts,
): { withInputs: Record<string, string>; env: Record<string, string>; stepContexts: ExpressionContexts } {
  const env = resolveValues(step.env, contexts());
  const stepContexts = contexts({ ...(contexts().env as Record<string, string>), ...env });
  return { withInputs: resolveValues(step.with, stepContexts), env, stepContexts };
}

function stepKind(step: WorkflowStep): WorkflowStepRun['kind'] {
  const uses = step.uses ?? '';
  if (step.run !== undefined) return 'run';
  if (ACTION_USES.test(uses)) return 'action';
  if (CHECKOUT_USES.test(uses)) return 'checkout';
  if (UPLOAD_USES.test(uses)) return 'upload-artifact';
  if (DOWNLOAD_USES.test(uses)) return 'download-artifact';
  if (GOOGLE_AUTH_USES.test(uses)) return 'google-auth';
  if (DEPLOY_CLOUDRUN_USES.test(uses)) return 'deploy-cloudrun';
  throw new Error(
    `the step ${JSON.stringify(step.name ?? uses)} uses ${uses}, which the workflow runner does not emulate: ` +
      'add it to test-kit/runner/workflow.ts (or say in the test why the workflow should not use it)',
  );
}

function stepName(step: WorkflowStep, contexts: ExpressionContexts): string {
  if (step.name) return interpolate(step.name, contexts);
  return step.run !== undefined ? `Run ${step.run.split('\n')[0]}` : `Run ${step.uses}`;
}

/** Runs one step whose `if:` held; records its outputs and process, and returns its outcome. */
async function runStep(
  record: WorkflowStepRun,
  step: WorkflowStep,
  context: { job: Job; options: WorkflowJobOptions; stepContexts: ExpressionContexts; timeoutMs: number },
): Promise<StepOutcome> {
  const { job, options, stepContexts, timeoutMs } = context;
  switch (record.kind) {
    case 'checkout':
      // The repository's files, at the one version the test gives (`with: ref` names no other).
      job.checkout();
      return 'success';
    case 'action': {
      if (step['continue-on-error'] !== undefined) {
        throw new Error('continue-on-error on the action step is not emulated: Job fails the job on exit 1');
      }
      // The runner names GITHUB_ACTION after the step's id when it has one.
      const env = { ...record.env, ...(step.id && { GITHUB_ACTION: step.id }) };
      const main = await job.run('main', record.with, { env, timeoutMs, if: true });
      Object.assign(record, { process: main, outputs: main.outputs });
      return main.cancelled ? 'cancelled' : main.exitCode === 0 ? 'success' : 'failure';
    }
    case 'run': {
      const script = interpolate(step.run ?? '', stepContexts);
      const run = await job.runScript(script, {
        env: record.env,
        timeoutMs,
        continueOnError: step['continue-on-error'] === true,
      });
      Object.assign(record, { process: run, outputs: run.outputs });
      return run.exitCode === 0 ? 'success' : 'failure';
    }
    case 'upload-artifact': {
      const { name = 'artifact', path = '' } = record.with;
      artifactsOf(options).upload(name, path, job.workspace);
      return 'success';
    }
    case 'download-artifact':
      artifactsOf(options).download(record.with, job.workspace);
      return 'success';
    case 'google-auth':
      return googleAuth(record, { job, options, timeoutMs });
    case 'deploy-cloudrun':
      return deployCloudRun(record, { job, options, timeoutMs });
  }
}

function artifactsOf(options: WorkflowJobOptions): ArtifactStore {
  if (!options.artifacts) throw new Error(`job ${options.jobId} uses artifacts: give it an ArtifactStore`);
  return options.artifacts;
}

/** The result of a matrix job, as `needs.<job>.result` reports it: failure if any combination failed. */
export function combinedResult(runs: Pick<WorkflowJobRun, 'result'>[]): NeedResult['result'] {
  const results = runs.map((run) => run.result);
  if (results.includes('failure')) return 'failure';
  if (results.includes('cancelled')) return 'cancelled';
  if (results.length > 0 && results.every((result) => result === 'skipped')) return 'skipped';
  return 'success';
}

// --- Google Cloud: google-github-actions/auth and deploy-cloudrun -------------------------------------------

/**
 * What stands in for Google Cloud behind google-github-actions/auth and google-github-actions/deploy-cloudrun:
 * the Cloud Run emulator's STS and IAM Credentials endpoints, and a deploy as gcloud makes it.
 */
export interface GoogleCloudStandIn {
  /** sts.googleapis.com's token exchange (`/v1/token`), served on this machine. */
  stsUrl: string;
  /** iamcredentials.googleapis.com's `generateAccessToken` of a service account, served on this machine. */
  impersonationUrl(email: string): string;
  /**
   * What `gcloud run deploy SERVICE --image … --update-labels … --region … --project …` (deploy-cloudrun's
   * command) does: a new revision of the service, labelled as the service is (gcloud copies the service's
   * labels onto the revision template), traffic to the latest revision unless `noTraffic`, a tag if given.
   * gcloud waits until Cloud Run reports the revision ready and fails when it is not: so resolve then, or
   * reject. Returns deploy-cloudrun's `url` output: the service's URL, or the tag's with a tag.
   */
  deploy(request: CloudRunDeployRequest): Promise<{ url: string }>;
}

/** One `gcloud run deploy`, as deploy-cloudrun builds it from its inputs. */
export interface CloudRunDeployRequest {
  project: string;
  region: string;
  service: string;
  image?: string;
  source?: string;
  /** `--update-labels`: deploy-cloudrun's defaults (`managed-by`, `commit-sha`) and the `labels` input. */
  labels: Record<string, string>;
  /** `--update-env-vars`. */
  envVars: Record<string, string>;
  tag?: string;
  noTraffic: boolean;
  /** The token gcloud uses: the service account's, obtained with the credentials file auth wrote. */
  accessToken: string;
}

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
/** The public names the credentials file google-github-actions/auth writes points gcloud and libraries at. */
const PUBLIC_STS_URL = 'https://sts.googleapis.com/v1/token';
const publicImpersonationUrl = (email: string): string =>
  `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${email}:generateAccessToken`;

/** The inputs of google-github-actions/auth@v3 the stand-in knows; any other fails the test. */
const AUTH_INPUTS = new Set([
  'workload_identity_provider',
  'service_account',
  'project_id',
  'token_format',
  'create_credentials_file',
  'export_environment_variables',
  'access_token_lifetime',
  'access_token_scopes',
  'audience',
]);
const DEPLOY_INPUTS = new Set([
  'service',
  'region',
  'image',
  'source',
  'project_id',
  'env_vars',
  'labels',
  'skip_default_labels',
  'tag',
  'no_traffic',
]);

interface StandInContext {
  job: Job;
  options: WorkflowJobOptions;
  timeoutMs: number;
}

/**
 * google-github-actions/auth@v3 with Workload Identity Federation (`workload_identity_provider`): GitHub's
 * OIDC token (which needs `id-token: write`) exchanged at STS for a federated token (`auth_token`); with
 * `token_format: access_token`, the service account's access token from IAM Credentials (`access_token`,
 * masked). It writes the `external_account` credentials file into the workspace and exports
 * GOOGLE_APPLICATION_CREDENTIALS, CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE, GOOGLE_GHA_CREDS_PATH and the
 * project variables, as the action does. One difference: the file reads the OIDC token from a file
 * (`credential_source.file`), where the real one asks ACTIONS_ID_TOKEN_REQUEST_URL, which no test has.
 */
async function googleAuth(record: WorkflowStepRun, context: StandInContext): Promise<StepOutcome> {
  const { job, options } = context;
  const input = record.with;
  unknownInputs(record, AUTH_INPUTS);
  const cloud = googleCloudOf(options);
  if (!hasIdToken(options.workflow, options.jobId)) {
    return failStep(
      record,
      context,
      'google-github-actions/auth failed with: gitHub Actions did not inject $ACTIONS_ID_TOKEN_REQUEST_TOKEN or ' +
        '$ACTIONS_ID_TOKEN_REQUEST_URL into this job. This most likely means the GitHub Actions workflow permissions ' +
        'are incorrect, or this job is being run from a fork. For more information, please see ' +
        'https://docs.github.com/en/actions/security-guides/automatic-token-authentication#permissions-for-the-github_token',
    );
  }
  const provider = input.workload_identity_provider ?? '';
  if (!/^projects\/\d+\/locations\/global\/workloadIdentityPools\/[^/]+\/providers\/[^/]+$/.test(provider)) {
    return failStep(
      record,
      context,
      `google-github-actions/auth failed with: the workload_identity_provider "${provider}" must be the full name ` +
        'projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER',
    );
  }
  const account = input.service_account ?? '';
  const tokenFormat = input.token_format ?? '';
  if (tokenFormat !== '' && tokenFormat !== 'access_token') {
    throw new Error(`google-github-actions/auth: token_format ${tokenFormat} is not emulated`);
  }
  if (tokenFormat === 'access_token' && !account) {
    return failStep(
      record,
      context,
      'google-github-actions/auth failed with: service_account is required when token_format is access_token',
    );
  }
  const audience = `//iam.googleapis.com/${provider}`;
  const oidc = githubOidcToken(job, input.audience || `https://iam.googleapis.com/${provider}`);
  const scopes = (input.access_token_scopes || CLOUD_PLATFORM).split(/[\s,]+/).filter(Boolean);
  const lifetime = input.access_token_lifetime || '3600s';
  let federated: string;
  let accessToken = '';
  try {
    federated = await stsExchange(cloud, audience, oidc);
    if (tokenFormat === 'access_token') {
      accessToken = await impersonate(cloud, federated, account, scopes, lifetime);
    }
  } catch (error) {
    return failStep(record, context, `google-github-actions/auth failed with: ${(error as Error).message}`);
  }
  const project = input.project_id || /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(account)?.[1] || '';
  const outputs: Record<string, string> = { auth_token: federated, project_id: project };
  if (accessToken) outputs.access_token = accessToken;
  const env: Record<string, string> = {};
  if (input.create_credentials_file !== 'false') {
    const oidcFile = join(job.dir, 'temp', `gha-oidc-${randomBytes(6).toString('hex')}`);
    writeFileSync(oidcFile, oidc);
    const file = join(job.workspace, `gha-creds-${randomBytes(8).toString('hex')}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        type: 'external_account',
        audience,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: PUBLIC_STS_URL,
        ...(account && { service_account_impersonation_url: publicImpersonationUrl(account) }),
        credential_source: { file: oidcFile, format: { type: 'text' } },
      }),
    );
    outputs.credentials_file_path = file;
    Object.assign(env, {
      CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: file,
      GOOGLE_APPLICATION_CREDENTIALS: file,
      GOOGLE_GHA_CREDS_PATH: file,
    });
  }
  if (input.export_environment_variables !== 'false' && project) {
    for (const name of [
      'CLOUDSDK_CORE_PROJECT',
      'CLOUDSDK_PROJECT',
      'GCLOUD_PROJECT',
      'GCP_PROJECT',
      'GOOGLE_CLOUD_PROJECT',
    ])
      env[name] = project;
  }
  if (input.export_environment_variables === 'false') {
    for (const name of Object.keys(env)) delete env[name];
  }
  return commands(record, context, {
    masks: [federated, accessToken].filter(Boolean),
    outputs,
    env,
    lines: [`Successfully authenticated to Google Cloud as ${account || 'the workload identity'}.`],
  });
}

/**
 * google-github-actions/deploy-cloudrun@v3 deploying an image (or source): gcloud, authenticated with the
 * file google-github-actions/auth wrote (GOOGLE_GHA_CREDS_PATH; without it deploy-cloudrun fails), runs
 * `gcloud run deploy` with `--update-labels` holding its default labels (`managed-by: github-actions`,
 * `commit-sha: $GITHUB_SHA`, unless `skip_default_labels`) and the `labels` input, and sets `url`.
 */
async function deployCloudRun(record: WorkflowStepRun, context: StandInContext): Promise<StepOutcome> {
  const { job, options } = context;
  const input = record.with;
  unknownInputs(record, DEPLOY_INPUTS);
  const cloud = googleCloudOf(options);
  const env = { ...job.env(), ...record.env };
  const credentials = env.GOOGLE_GHA_CREDS_PATH || env.CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE;
  if (!credentials) {
    return failStep(
      record,
      context,
      'google-github-actions/deploy-cloudrun failed with: failed to authenticate gcloud: run google-github-actions/auth before this step',
    );
  }
  if (!input.service || (!input.image && !input.source)) {
    return failStep(
      record,
      context,
      'google-github-actions/deploy-cloudrun failed with: one of `image` or `source` and `service` are required',
    );
  }
  const project = input.project_id || env.CLOUDSDK_CORE_PROJECT || env.GCLOUD_PROJECT || '';
  const labels = {
    ...(input.skip_default_labels === 'true'
      ? {}
      : { 'managed-by': 'github-actions', 'commit-sha': job.github.sha }),
    ...keyValues(input.labels),
  };
  let url: string;
  try {
    const accessToken = await tokenFromCredentialsFile(cloud, credentials);
    ({ url } = await cloud.deploy({
      project,
      region: input.region || 'us-central1',
      service: input.service,
      image: input.image || undefined,
      source: input.source || undefined,
      labels,
      envVars: keyValues(input.env_vars),
      tag: input.tag || undefined,
      noTraffic: input.no_traffic === 'true',
      accessToken,
    }));
  } catch (error) {
    return failStep(
      record,
      context,
      `google-github-actions/deploy-cloudrun failed with: failed to execute gcloud command \`gcloud run deploy ${input.service}\`: ${(error as Error).message}`,
    );
  }
  return commands(record, context, {
    masks: [],
    outputs: { url },
    env: {},
    lines: [`Running: gcloud run deploy ${input.service} --region ${input.region || 'us-central1'}`],
  });
}

function googleCloudOf(options: WorkflowJobOptions): GoogleCloudStandIn {
  if (!options.googleCloud) {
    throw new Error(`job ${options.jobId} uses google-github-actions: give it a googleCloud stand-in`);
  }
  return options.googleCloud;
}

function unknownInputs(record: WorkflowStepRun, known: Set<string>): void {
  const unknown = Object.keys(record.with).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `the step ${record.name} passes ${unknown.join(', ')}, which its stand-in does not emulate`,
    );
  }
}

/** Whether the job's token may request GitHub's OIDC token (`permissions: id-token: write`). */
function hasIdToken(workflow: Workflow, jobId: string): boolean {
  const block = workflow.jobs[jobId]?.permissions ?? workflow.permissions;
  return block === 'write-all' || (typeof block === 'object' && block['id-token'] === 'write');
}

/** A GitHub OIDC token for the job, as ACTIONS_ID_TOKEN_REQUEST_URL would give it (not signed: STS here does not verify it). */
function githubOidcToken(job: Job, audience: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return [
    part({ alg: 'RS256', typ: 'JWT', kid: 'test' }),
    part({
      iss: 'https://token.actions.githubusercontent.com',
      aud: audience,
      sub: `repo:${job.github.repository}:ref:${job.github.ref}`,
      repository: job.github.repository,
      ref: job.github.ref,
      sha: job.github.sha,
      iat: now,
      exp: now + 300,
    }),
    'c2lnbmF0dXJl',
  ].join('.');
}

/** RFC 8693 token exchange at STS, as google-auth-library and google-github-actions/auth send it. */
async function stsExchange(
  cloud: GoogleCloudStandIn,
  audience: string,
  subjectToken: string,
): Promise<string> {
  const response = await fetch(cloud.stsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience,
      scope: CLOUD_PLATFORM,
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new Error(`STS refused the token exchange (${response.status}): ${body.error_description ?? ''}`);
  }
  return body.access_token;
}

/** IAM Credentials `generateAccessToken` of `account`, with the federated token. */
async function impersonate(
  cloud: GoogleCloudStandIn,
  federated: string,
  account: string,
  scopes: string[],
  lifetime: string,
): Promise<string> {
  const response = await fetch(cloud.impersonationUrl(account), {
    method: 'POST',
    headers: { authorization: `Bearer ${federated}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: scopes, lifetime }),
  });
  const body = (await response.json()) as { accessToken?: string; error?: { message?: string } };
  if (!response.ok || !body.accessToken) {
    throw new Error(
      `failed to generate Google Cloud OAuth 2.0 Access Token for ${account} (${response.status}): ${body.error?.message ?? ''}`,
    );
  }
  return body.accessToken;
}

/** What gcloud does with the `external_account` file: the exchange, then the impersonation it names. */
async function tokenFromCredentialsFile(cloud: GoogleCloudStandIn, path: string): Promise<string> {
  const file = JSON.parse(readFileSync(path, 'utf8')) as {
    type?: string;
    audience?: string;
    token_url?: string;
    service_account_impersonation_url?: string;
    credential_source?: { file?: string };
  };
  if (
    file.type !== 'external_account' ||
    file.token_url !== PUBLIC_STS_URL ||
    !file.credential_source?.file
  ) {
    throw new Error(`${path} is not an external_account credentials file gcloud can use`);
  }
  const federated = await stsExchange(
    cloud,
    file.audience ?? '',
    readFileSync(file.credential_source.file, 'utf8'),
  );
  const email = /serviceAccounts\/([^/:]+):generateAccessToken$/.exec(
    file.service_account_impersonation_url ?? '',
  )?.[1];
  return email ? impersonate(cloud, federated, email, [CLOUD_PLATFORM], '3600s') : federated;
}

/** `KEY=VALUE,KEY=VALUE` (deploy-cloudrun's `labels`, `env_vars`), also one a line. */
function keyValues(text: string | undefined): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const item of (text ?? '').split(/[,\n]/)) {
    const at = item.indexOf('=');
    if (at > 0) pairs[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return pairs;
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * Ends a stand-in step the way the action would: its log lines, `::add-mask::` for its secrets, its outputs
 * and exported variables through GITHUB_OUTPUT and GITHUB_ENV, so the job records them as for any step.
 */
async function commands(
  record: WorkflowStepRun,
  context: StandInContext,
  result: { masks: string[]; outputs: Record<string, string>; env: Record<string, string>; lines: string[] },
): Promise<StepOutcome> {
  const script = [
    ...result.masks.map((mask) => `echo ${quote(`::add-mask::${mask}`)}`),
    ...result.lines.map((line) => `echo ${quote(line)}`),
    ...Object.entries(result.outputs).map(([k, v]) => `echo ${quote(`${k}=${v}`)} >> "$GITHUB_OUTPUT"`),
    ...Object.entries(result.env).map(([k, v]) => `echo ${quote(`${k}=${v}`)} >> "$GITHUB_ENV"`),
  ].join('\n');
  const run = await context.job.runScript(script, { env: record.env, timeoutMs: context.timeoutMs });
  Object.assign(record, { process: run, outputs: run.outputs });
  return run.exitCode === 0 ? 'success' : 'failure';
}

/** Fails a stand-in step as the action does (`::error::`, exit 1), so the job's status turns to failure. */
async function failStep(
  record: WorkflowStepRun,
  context: StandInContext,
  message: string,
): Promise<StepOutcome> {
  const run = await context.job.runScript(`echo ${quote(`::error::${message}`)}\nexit 1`, {
    env: record.env,
    timeoutMs: context.timeoutMs,
  });
  Object.assign(record, { process: run, outputs: {} });
  return 'failure';
}

// --- The internet, on this machine ------------------------------------------------------------------------

/** Public host names served on this machine; give it to a job as JobOptions.publicHosts. */
export interface PublicHostsServer extends PublicHosts {
  close(): Promise<void>;
}

/**
 * Serves public host names on this machine, as the internet would: `routes` maps a name
 * (`api.render.com`) to the local server standing in for it (an origin, `http://127.0.0.1:<port>`). One
 * TLS front on 127.0.0.1 terminates `https://<name>` (port 443) with a throwaway certificate for every
 * name (made with the openssl CLI, as Node cannot make one) and pipes the bytes to the stand-in, so plain
 * HTTP, WebSocket upgrades and the `Host` header pass unchanged. A job given it (JobOptions.publicHosts)
 * resolves these names to the front and trusts the certificate; every other name is still refused.
 */
export async function startPublicHosts(routes: Record<string, string>): Promise<PublicHostsServer> {
  const names = Object.keys(routes).map((name) => name.toLowerCase());
  const targets = new Map(
    Object.entries(routes).map(([name, origin]) => [name.toLowerCase(), new URL(origin)]),
  );
  const dir = mkdtempSync(join(tmpdir(), 'deploy-sentinel-hosts-'));
  const caFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  // prettier-ignore
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=deploy-sentinel public hosts',
    '-addext', `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}`,
    '-keyout', keyFile, '-out', caFile,
  ], { stdio: 'pipe' });
  const sockets = new Set<Socket>();
  const server = createServer(
    { key: readFileSync(keyFile), cert: readFileSync(caFile) },
    (socket: TLSSocket) => {
      const servername = (socket as TLSSocket & { servername?: string | false }).servername;
      const target = servername ? targets.get(servername.toLowerCase()) : undefined;
      if (!target) {
        socket.destroy();
        return;
      }
      const upstream = connect(Number(target.port), target.hostname);
      for (const end of [socket, upstream]) {
        sockets.add(end);
        end.on('close', () => sockets.delete(end));
        end.on('error', () => {
          socket.destroy();
          upstream.destroy();
        });
      }
      socket.pipe(upstream).pipe(socket);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    map: Object.fromEntries(names.map((name) => [`${name}:443`, `127.0.0.1:${address.port}`])),
    caFile,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
