/**
 * One GitHub Actions job that uses this action, run the way the runner runs it (README.md in this folder
 * lists the contract and its sources). Every end-to-end test, the demo and the benchmarks start the action
 * through it, so they all see what a real run sees:
 *
 * - every input action.yml declares is set as `INPUT_<NAME>`, to its default (with `${{ }}` evaluated)
 *   when the step gives no value;
 * - the runner's default environment, and nothing inherited from the test process but PATH and HOME;
 * - fresh `GITHUB_OUTPUT`, `GITHUB_STATE`, `GITHUB_ENV`, `GITHUB_PATH` and `GITHUB_STEP_SUMMARY` files per
 *   step, a step summary over 1 MiB refused, state carried from pre to main to post;
 * - `pre` before actions/checkout (an empty workspace), the repository's files only from `main` on, and
 *   `post` after a failed or cancelled `main` (`post-if: always()`);
 * - cancellation as the runner does it: SIGINT, then SIGTERM, then SIGKILL;
 * - `run:` steps with bash, the same environment and their own file-command files;
 * - no connection to anything but 127.0.0.1: the network guard refuses it and the step's test fails, unless
 *   the job maps a public host name to a local stand-in (`publicHosts`, see workflow.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ACTION_ROOT,
  inputVariable,
  readActionManifest,
  resolveInputs,
  type ActionManifest,
} from './action.js';
import { baseline, recordCase, type Truth } from '../ground-truth.js';
import { evaluateCondition } from './expressions.js';
import { parseFileCommands } from './file-commands.js';

export { parseFileCommands } from './file-commands.js';

/** GitHub refuses a step summary above this size and drops it (runner: `GITHUB_STEP_SUMMARY` upload). */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;
/** The runner's escalation on cancellation (ProcessInvoker): SIGINT, then SIGTERM, then kill. */
export const CANCEL_SIGINT_TO_SIGTERM_MS = 7500;
export const CANCEL_SIGTERM_TO_KILL_MS = 2500;

const NETWORK_GUARD = fileURLToPath(new URL('./network-guard.mjs', import.meta.url));
const HOST_MAP = fileURLToPath(new URL('./host-map.mjs', import.meta.url));
const PEAK_RSS = fileURLToPath(new URL('../peak-rss.mjs', import.meta.url));

/** The `github` context of the job, as expressions and the default environment see it. */
export interface GitHubContext {
  sha: string;
  ref: string;
  repository: string;
  event_name: string;
  /** `github.token`; empty unless the job is given a GitHub API (see JobOptions.githubApi). */
  token: string;
  api_url: string;
  server_url: string;
  run_id: string;
  run_attempt: string;
  workflow: string;
  job: string;
  actor: string;
  workspace: string;
  event: Record<string, unknown>;
}

/**
 * Public host names the action's processes reach on this machine (host-map.mjs): each `host:port` goes to
 * the local server standing in for it, whose TLS certificate `caFile` makes trusted. workflow.ts builds
 * one with `startPublicHosts`, so an example workflow can use the provider's public API and URLs as written.
 */
export interface PublicHosts {
  /** `host:port` (host name lower-case) to the `127.0.0.1:port` that stands in for it. */
  map: Record<string, string>;
  /** PEM certificate(s) the stand-ins present, given to Node as NODE_EXTRA_CA_CERTS. */
  caFile: string;
}

export interface JobOptions {
  /**
   * The repository's files (a directory): copied into the workspace when actions/checkout runs, which is
   * after `pre` and before `main`. Without it the workspace stays empty.
   */
  repository?: string;
  /** The triggering event; `push` with an empty payload by default. */
  event?: { name: string; payload?: Record<string, unknown> };
  /** Overrides for the `github` context (sha, ref, repository, ...). */
  github?: Partial<Omit<GitHubContext, 'event' | 'event_name' | 'token' | 'api_url'>>;
  /**
   * The GitHub API the job talks to (the emulator) and the job's token. Without it, `github.token` is
   * empty and GITHUB_API_URL is a closed port on 127.0.0.1: no test publishes to GitHub by accident.
   */
  githubApi?: { url: string; token: string };
  /** The workflow's and job's `env:`, seen by every step. */
  env?: Record<string, string>;
  /** Directory of the action (its action.yml and dist/); this repository by default. */
  actionDir?: string;
  /** Public host names the action reaches on this machine; without it every name but 127.0.0.1 is refused. */
  publicHosts?: PublicHosts;
  /**
   * What is true about the job's `main` runs (the deploy healthy or broken, a rollback right, wrong or not
   * applicable), for the Reliability table; a step's own `truth` overrides it. See test-kit/ground-truth.ts.
   */
  truth?: Truth;
}

export interface StepOptions {
  /** The step's own `env:`. */
  env?: Record<string, string>;
  /** Kills the process after this long (a hung step fails the test rather than hanging it). */
  timeoutMs?: number;
  /** Extra `NODE_OPTIONS` for the action's process (e.g. a preload that reports peak RSS). */
  nodeOptions?: string;
  /** Cancels the job while this step runs: after `afterMs`, or when its output matches `whenOutput`. */
  cancel?: { afterMs?: number; whenOutput?: RegExp };
  /** `main` only: what is true about this run (overrides the job's `truth`). */
  truth?: Truth;
  /** `main` only: values beyond the step's tokens that must not show in any output, nor any piece of them. */
  secrets?: readonly string[];
  /**
   * `main` only: the workflow step's `if:` when it has one, already evaluated (workflow.ts evaluates it with
   * the workflow's contexts). By default main runs unless an earlier step failed the job (`success()`).
   */
  if?: boolean;
}

/** What one step did. */
export interface StepRun {
  entry: 'pre' | 'main' | 'post';
  /** False when `pre-if`/`post-if` skipped the step. */
  ran: boolean;
  exitCode: number;
  /** The signal that ended the process, when one did. */
  signal?: string;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** The JSON report named by the `report` output, parsed. */
  report?: Record<string, unknown> & {
    result: string;
    failureReason: string | null;
    failureMessage: string | null;
    probes: { name: string; kind: string; passed: boolean; failure?: string; inconclusive?: boolean }[];
    warnings: string[];
  };
  /** This step's summary, as GitHub shows it ('' when refused for size). */
  summary: string;
  /** True when the step's summary exceeded GitHub's limit and was dropped. */
  summaryRefused: boolean;
  /** The state the step saved (`core.saveState`). */
  savedState: Record<string, string>;
  durationMs: number;
  /** True when the job was cancelled while this step ran. */
  cancelled: boolean;
}

/** What a `run:` step did (see {@link Job.runScript}). */
export interface ScriptRun {
  exitCode: number;
  signal?: string;
  stdout: string;
  stderr: string;
  /** What the script wrote to GITHUB_OUTPUT. */
  outputs: Record<string, string>;
  /** What the script wrote to GITHUB_ENV: the env of the job's later steps. */
  exportedEnv: Record<string, string>;
  summary: string;
  durationMs: number;
}

export type JobStatus = 'success' | 'failure' | 'cancelled';

type FileCommand = 'GITHUB_OUTPUT' | 'GITHUB_STATE' | 'GITHUB_ENV' | 'GITHUB_PATH' | 'GITHUB_STEP_SUMMARY';

/** What a step's file commands left behind, read when it ends. */
interface StepFileResults {
  outputs: Record<string, string>;
  env: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  summaryRefused: boolean;
}

/**
 * The job's `github` context: the defaults below, the test's overrides, the event, and a token only when
 * the job is given a GitHub API.
 */
export function githubContext(
  options: Pick<JobOptions, 'event' | 'github' | 'githubApi'>,
  workspace: string,
): GitHubContext {
  const event = options.event ?? { name: 'push', payload: {} };
  return {
    sha: '0000000000000000000000000000000000000000',
    ref: 'refs/heads/main',
    repository: 'acme/shop',
    run_id: '4242',
    run_attempt: '1',
    workflow: 'deploy',
    job: 'verify',
    actor: 'octocat',
    server_url: 'https://github.com',
    ...options.github,
    workspace,
    event_name: event.name,
    event: event.payload ?? {},
    token: options.githubApi?.token ?? '',
    api_url: options.githubApi?.url ?? 'http://127.0.0.1:9',
  };
}

/**
 * A job with one `uses:` step of this action (plus actions/checkout between its pre and main, and the job's
 * `run:` steps through {@link Job.runScript}).
 */
export class Job {
  /** A directory for this job: the runner's temp, the event file, the step files. */
  readonly dir: string;
  /** `GITHUB_WORKSPACE`: empty until checkout. */
  readonly workspace: string;
  readonly github: GitHubContext;
  readonly manifest: ActionManifest;
  private readonly actionDir: string;
  private readonly eventPath: string;
  private readonly guardLog: string;
  private readonly options: JobOptions;
  private readonly state: Record<string, string> = {};
  private readonly jobEnv: Record<string, string> = {};
  private workflowEnv: Record<string, string>;
  private readonly summaries: string[] = [];
  private stepCount = 0;
  private checkedOut = false;
  private ranSteps: StepRun['entry'][] = [];
  private jobStatus: JobStatus = 'success';

  constructor(options: JobOptions = {}) {
    this.options = options;
    this.workflowEnv = { ...options.env };
    this.actionDir = options.actionDir ?? ACTION_ROOT;
    this.manifest = readActionManifest(this.actionDir);
    this.dir = mkdtempSync(join(tmpdir(), 'deploy-sentinel-job-'));
    this.workspace = join(this.dir, 'work', 'shop', 'shop');
    mkdirSync(this.workspace, { recursive: true });
    mkdirSync(join(this.dir, 'temp', '_runner_file_commands'), { recursive: true });
    const event = options.event ?? { name: 'push', payload: {} };
    this.eventPath = join(this.dir, 'temp', '_github_workflow', 'event.json');
    mkdirSync(join(this.dir, 'temp', '_github_workflow'), { recursive: true });
    writeFileSync(this.eventPath, JSON.stringify(event.payload ?? {}));
    this.guardLog = join(this.dir, 'network-guard.log');
    this.github = githubContext(options, this.workspace);
  }

  /** Runs actions/checkout: the repository's files appear in the workspace. Once, after `pre`. */
  checkout(): void {
    if (this.checkedOut) throw new Error('checkout already ran in this job');
    this.checkedOut = true;
    if (this.options.repository) cpSync(this.options.repository, this.workspace, { recursive: true });
  }

  /**
   * Sets the workflow's and the job's `env:` (JobOptions.env) once they are resolved: their expressions may
   * read `github`, which the job defines.
   */
  setEnv(env: Record<string, string>): void {
    this.workflowEnv = { ...env };
  }

  /** The `env` context a step starts from: the workflow's and job's `env:`, then what steps put in GITHUB_ENV. */
  env(): Record<string, string> {
    return { ...this.workflowEnv, ...this.jobEnv };
  }

  /** `job.status`: `failure` once a step failed, `cancelled` once the job was cancelled. */
  get status(): JobStatus {
    return this.jobStatus;
  }

  /** The whole job summary: every step's summary, in order, as the run page shows it. */
  summary(): string {
    return this.summaries.join('');
  }

  /**
   * Runs one of the action's steps with the step's `with:` values. The order is the runner's: `pre` first
   * (before checkout), `main` (checkout runs before it if it has not), `post` last.
   */
  async run(
    entry: StepRun['entry'],
    withInputs: Record<string, string | number | boolean | undefined> = {},
    options: StepOptions = {},
  ): Promise<StepRun> {
    this.checkOrder(entry);
    if (entry === 'main' && !this.checkedOut) this.checkout();
    this.ranSteps.push(entry);
    const condition =
      entry === 'pre'
        ? this.manifest.runs['pre-if']
        : entry === 'post'
          ? this.manifest.runs['post-if']
          : undefined;
    const contexts = this.contexts();
    // `pre-if` and `post-if` default to always(); main runs unless an earlier step failed the job.
    const runs =
      entry === 'main' && options.if !== undefined
        ? options.if
        : evaluateCondition(condition ?? (entry === 'main' ? 'success()' : 'always()'), contexts);
    if (!runs) {
      return this.skipped(entry);
    }
    const script = this.manifest.runs[entry];
    if (!script) return this.skipped(entry);
    const inputs = resolveInputs(this.manifest, withInputs, contexts);
    const files = this.stepFiles();
    const env = this.stepEnvironment(files, options.env, options.nodeOptions);
    Object.assign(
      env,
      Object.fromEntries(Object.entries(this.state).map(([name, value]) => [`STATE_${name}`, value])),
    );
    for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
    if (entry === 'main') {
      // Every main's peak RSS is observed for the Reliability table.
      env.NODE_OPTIONS = [env.NODE_OPTIONS, `--import=${PEAK_RSS}`].filter(Boolean).join(' ');
    }
    const observed = entry === 'main' ? baseline() : undefined;

    const started = performance.now();
    const child = spawn(process.execPath, [join(this.actionDir, script)], { cwd: this.workspace, env });
    let cancelled = false;
    const timers: NodeJS.Timeout[] = [];
    const cancel = (): void => {
      if (cancelled) return;
      cancelled = true;
      this.jobStatus = 'cancelled';
      child.kill('SIGINT');
      timers.push(
        setTimeout(() => {
          child.kill('SIGTERM');
          timers.push(setTimeout(() => child.kill('SIGKILL'), CANCEL_SIGTERM_TO_KILL_MS));
        }, CANCEL_SIGINT_TO_SIGTERM_MS),
      );
    };
    if (options.cancel?.afterMs !== undefined) timers.push(setTimeout(cancel, options.cancel.afterMs));
    const { exitCode, signal, stdout, stderr } = await finished(child, options.timeoutMs, (stdout) => {
      if (options.cancel?.whenOutput?.test(stdout)) cancel();
    });
    for (const timer of timers) clearTimeout(timer);
    const durationMs = performance.now() - started;

    this.checkNetworkGuard(`The action's ${entry} step`);
    const { outputs, state: savedState, summary, summaryRefused } = this.readStepFiles(files);
    Object.assign(this.state, savedState);
    if (exitCode !== 0 && this.jobStatus === 'success') this.jobStatus = 'failure';
    const report =
      outputs.report && existsSync(outputs.report)
        ? JSON.parse(readFileSync(outputs.report, 'utf8'))
        : undefined;
    if (observed) {
      // Recorded before the test asserts anything, so the table counts what happened either way.
      recordCase(
        { exitCode, durationMs, stdout, stderr, summary, outputs, report },
        this.actionDir,
        inputs,
        observed,
        options.truth ?? this.options.truth,
        options.secrets,
      );
    }
    return {
      entry,
      ran: true,
      exitCode,
      signal,
      stdout,
      stderr,
      outputs,
      report,
      summary,
      summaryRefused,
      savedState,
      durationMs,
      cancelled,
    };
  }

  /**
   * Runs a `run:` step of the job as the runner does on Linux: `bash --noprofile --norc -eo pipefail` on the
   * script written to a file, in the workspace, with the default environment, the job's env and the step's
   * `env:`, and fresh file-command files. The script must have its `${{ }}` already replaced (workflow.ts
   * does). A failing script fails the job unless `continueOnError`. The runner's image has Node on PATH:
   * here it is the Node the tests run on, with the network guard preloaded as in the action's steps.
   */
  async runScript(
    script: string,
    options: { env?: Record<string, string>; timeoutMs?: number; continueOnError?: boolean } = {},
  ): Promise<ScriptRun> {
    const files = this.stepFiles();
    const env = this.stepEnvironment(files, options.env);
    env.PATH = [dirname(process.execPath), env.PATH].filter(Boolean).join(delimiter);
    const path = join(this.dir, 'temp', `script-${this.stepCount}.sh`);
    writeFileSync(path, script);
    const started = performance.now();
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', path], {
      cwd: this.workspace,
      env,
    });
    const { exitCode, signal, stdout, stderr } = await finished(child, options.timeoutMs);
    const durationMs = performance.now() - started;
    this.checkNetworkGuard('A run: step');
    const { outputs, env: exportedEnv, summary } = this.readStepFiles(files);
    if (exitCode !== 0 && !options.continueOnError && this.jobStatus === 'success') {
      this.jobStatus = 'failure';
    }
    return { exitCode, signal, stdout, stderr, outputs, exportedEnv, summary, durationMs };
  }

  /** The environment of one step's process: the runner's, the job's env, the step's own `env:`. */
  private stepEnvironment(
    files: Record<string, string>,
    stepEnv: Record<string, string> = {},
    nodeOptions?: string,
  ): Record<string, string> {
    const hosts = this.options.publicHosts;
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...this.defaultEnvironment(files),
      ...this.workflowEnv,
      ...this.jobEnv,
      ...stepEnv,
      NODE_OPTIONS: [`--import=${NETWORK_GUARD}`, hosts && `--import=${HOST_MAP}`, nodeOptions]
        .filter(Boolean)
        .join(' '),
      DEPLOY_SENTINEL_NETWORK_GUARD_LOG: this.guardLog,
      ...(hosts && {
        DEPLOY_SENTINEL_HOST_MAP: JSON.stringify(hosts.map),
        NODE_EXTRA_CA_CERTS: hosts.caFile,
      }),
    };
  }

  /** Fails the test when the step just run tried to leave the machine (network-guard.mjs records it). */
  private checkNetworkGuard(what: string): void {
    const refused = existsSync(this.guardLog) ? readFileSync(this.guardLog, 'utf8').trim() : '';
    if (refused) {
      throw new Error(
        `${what} tried to connect off this machine (${refused.split('\n').join(', ')}); ` +
          'every URL a test gives the action must point at 127.0.0.1.',
      );
    }
  }

  /** Reads a step's file commands as the runner does when the step ends; GITHUB_ENV feeds later steps. */
  private readStepFiles(files: Record<FileCommand, string>): StepFileResults {
    const env = parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8'));
    Object.assign(this.jobEnv, env);
    const rawSummary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
    const summaryRefused = Buffer.byteLength(rawSummary) > STEP_SUMMARY_LIMIT_BYTES;
    const summary = summaryRefused ? '' : rawSummary;
    this.summaries.push(summary);
    return {
      outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
      env,
      state: parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')),
      summary,
      summaryRefused,
    };
  }

  private checkOrder(entry: StepRun['entry']): void {
    const problem =
      entry === 'pre' && (this.ranSteps.length > 0 || this.checkedOut)
        ? 'pre runs first in the job, before actions/checkout'
        : entry === 'main' && this.ranSteps.some((step) => step !== 'pre')
          ? 'main runs once, after pre'
          : entry === 'post' && this.ranSteps.includes('post')
            ? 'post runs once, last'
            : undefined;
    if (problem)
      throw new Error(
        `${entry} cannot run now: ${problem} (steps so far: ${this.ranSteps.join(', ') || 'none'})`,
      );
  }

  private skipped(entry: StepRun['entry']): StepRun {
    return {
      entry,
      ran: false,
      exitCode: 0,
      stdout: '',
      stderr: '',
      outputs: {},
      summary: '',
      summaryRefused: false,
      savedState: {},
      durationMs: 0,
      cancelled: false,
    };
  }

  /** Fresh file-command files for one step, as the runner creates them. */
  private stepFiles(): Record<FileCommand, string> {
    const id = `${++this.stepCount}-${Date.now()}`;
    const dir = join(this.dir, 'temp', '_runner_file_commands');
    const files = {
      GITHUB_OUTPUT: join(dir, `set_output_${id}`),
      GITHUB_STATE: join(dir, `save_state_${id}`),
      GITHUB_ENV: join(dir, `set_env_${id}`),
      GITHUB_PATH: join(dir, `add_path_${id}`),
      GITHUB_STEP_SUMMARY: join(dir, `step_summary_${id}`),
    };
    for (const path of Object.values(files)) writeFileSync(path, '');
    return files;
  }

  /** The contexts expressions in action.yml (defaults, pre-if, post-if) may read: no env, secrets or inputs. */
  contexts(): Record<string, unknown> {
    return {
      github: this.github,
      runner: {
        os: 'Linux',
        arch: 'X64',
        temp: join(this.dir, 'temp'),
        tool_cache: join(this.dir, 'tool-cache'),
      },
      job: { status: this.jobStatus },
      strategy: {},
      matrix: {},
    };
  }

  /** The variables the runner sets for every step (docs: "Variables reference"). */
  private defaultEnvironment(files: Record<string, string>): Record<string, string> {
    const g = this.github;
    const [owner] = g.repository.split('/');
    const pull = (g.event as { pull_request?: { head?: { ref?: string }; base?: { ref?: string } } })
      .pull_request;
    const refName = g.ref.replace(/^refs\/(heads|tags|pull)\//, '');
    return {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      // A `uses: deploy-sentinel/deploy-sentinel@v0` step without an id (pre runs only for such a remote
      // action; the runner skips `pre` for `uses: ./`). GITHUB_ACTION_PATH is set for composite actions only.
      GITHUB_ACTION: '__deploy-sentinel_deploy-sentinel',
      GITHUB_ACTION_REPOSITORY: 'deploy-sentinel/deploy-sentinel',
      GITHUB_ACTION_REF: 'v0',
      GITHUB_ACTOR: g.actor,
      GITHUB_ACTOR_ID: '583231',
      GITHUB_API_URL: g.api_url,
      GITHUB_BASE_REF: pull?.base?.ref ?? '',
      GITHUB_EVENT_NAME: g.event_name,
      GITHUB_EVENT_PATH: this.eventPath,
      GITHUB_GRAPHQL_URL: `${g.api_url}/graphql`,
      GITHUB_HEAD_REF: pull?.head?.ref ?? '',
      GITHUB_JOB: g.job,
      GITHUB_REF: g.ref,
      GITHUB_REF_NAME: refName,
      GITHUB_REF_PROTECTED: 'false',
      GITHUB_REF_TYPE: g.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      GITHUB_REPOSITORY: g.repository,
      GITHUB_REPOSITORY_ID: '123456789',
      GITHUB_REPOSITORY_OWNER: owner ?? '',
      GITHUB_REPOSITORY_OWNER_ID: '9919',
      GITHUB_RETENTION_DAYS: '90',
      GITHUB_RUN_ATTEMPT: g.run_attempt,
      GITHUB_RUN_ID: g.run_id,
      GITHUB_RUN_NUMBER: '7',
      GITHUB_SERVER_URL: g.server_url,
      GITHUB_SHA: g.sha,
      GITHUB_TRIGGERING_ACTOR: g.actor,
      GITHUB_WORKFLOW: g.workflow,
      GITHUB_WORKFLOW_REF: `${g.repository}/.github/workflows/${g.workflow}.yml@${g.ref}`,
      GITHUB_WORKFLOW_SHA: g.sha,
      GITHUB_WORKSPACE: this.workspace,
      RUNNER_ARCH: 'X64',
      RUNNER_ENVIRONMENT: 'github-hosted',
      RUNNER_NAME: 'GitHub Actions 2',
      RUNNER_OS: 'Linux',
      RUNNER_TEMP: join(this.dir, 'temp'),
      RUNNER_TOOL_CACHE: join(this.dir, 'tool-cache'),
      ...files,
    };
  }
}

/**
 * Collects a step process's output until it exits; kills it after `timeoutMs` (default 2 minutes) so a hung
 * step fails its test rather than hanging it.
 */
async function finished(
  child: ChildProcessWithoutNullStreams,
  timeoutMs = 120_000,
  onStdout?: (stdout: string) => void,
): Promise<{ exitCode: number; signal?: string; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    onStdout?.(stdout);
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { exitCode, signal } = await new Promise<{ exitCode: number; signal?: string }>((resolve) =>
    child.on('close', (code, sig) => resolve({ exitCode: code ?? -1, signal: sig ?? undefined })),
  );
  clearTimeout(timer);
  return { exitCode, signal, stdout, stderr };
}

/** Files in a directory, recursively, relative to it (for asserting what a workspace holds). */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}
