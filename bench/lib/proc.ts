/**
 * Runs the processes a benchmark compares and measures them alike: when each started and ended (on this
 * process's performance.now() clock), and its peak RSS.
 *
 * Peak RSS is the kernel's `ru_maxrss` of the process in every case: Node processes (dist/main, wait-on,
 * bare node) print it at exit through the `test-kit/peak-rss.mjs` preload; other programs (curl, a
 * shell loop) run under GNU time (`/usr/bin/time -f %M`), which reads the same figure from wait4().
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Job, type JobOptions, type StepRun } from '../../test-kit/runner/job.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PEAK_RSS_PRELOAD = fileURLToPath(new URL('../../test-kit/peak-rss.mjs', import.meta.url));
/** `Job.run` step options that load the peak-RSS preload. */
export const WITH_PEAK_RSS = { nodeOptions: `--import=${PEAK_RSS_PRELOAD}` };
export const WAIT_ON_BIN = fileURLToPath(new URL('../../node_modules/wait-on/bin/wait-on', import.meta.url));
const GNU_TIME = '/usr/bin/time';
/**
 * The built action the benchmarks run: this repository's action.yml and dist/, or the directory
 * DEPLOY_SENTINEL_ACTION_DIR names (a private build: action.yml copied in, `scripts/build.mjs <dir>/dist`).
 */
export const ACTION_DIR = process.env.DEPLOY_SENTINEL_ACTION_DIR || ROOT;
const DIST_MAIN = join(ACTION_DIR, 'dist', 'main', 'index.js');

/** Absolute path of a program on PATH, or undefined. */
export function which(program: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path.startsWith('/') ? path : undefined;
}

/** Whether GNU time can report a child's peak RSS here. */
export const canTimeRss: boolean =
  existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;

/** Peak RSS in MiB from a `peak-rss-kib=<n>` line (the preload's, or GNU time's with our format). */
export function peakRssMiB(stderr: string): number | undefined {
  const matches = [...stderr.matchAll(/peak-rss-kib=(\d+)/g)];
  const last = matches.at(-1);
  return last ? Number(last[1]) / 1024 : undefined;
}

export interface ProcessRun {
  exitCode: number;
  /** performance.now() just before the spawn. */
  startedAt: number;
  /** performance.now() when the process had exited and its output was drained. */
  endedAt: number;
  stdout: string;
  stderr: string;
  peakRssMiB?: number;
}

export interface RunOptions {
  /** `node`: the command is a Node binary and gets the preload; `time`: wrapped in GNU time when present. */
  rss: 'node' | 'time' | 'none';
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Spawns `command args` and resolves when it has exited. */
export async function runProcess(command: string, args: string[], options: RunOptions): Promise<ProcessRun> {
  let file = command;
  let argv = args;
  if (options.rss === 'node') argv = [`--import=${PEAK_RSS_PRELOAD}`, ...args];
  if (options.rss === 'time' && canTimeRss) {
    file = GNU_TIME;
    argv = ['-f', 'peak-rss-kib=%M', command, ...args];
  }
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env };
  const startedAt = performance.now();
  const child = spawn(file, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? -1));
  });
  clearTimeout(timer);
  const endedAt = performance.now();
  return { exitCode, startedAt, endedAt, stdout, stderr, peakRssMiB: peakRssMiB(stderr) };
}

/** A Node process, on the Node that runs the benchmark (Node 24), with the peak-RSS preload. */
export function runNode(args: string[], options: Omit<RunOptions, 'rss'> = {}): Promise<ProcessRun> {
  return runProcess(process.execPath, args, { ...options, rss: 'node' });
}

/** wait-on's CLI, as `npx wait-on …` runs it, on the same Node. */
export function runWaitOn(args: string[]): Promise<ProcessRun> {
  return runNode([WAIT_ON_BIN, ...args]);
}

export interface SentinelRun extends ProcessRun {
  run: StepRun;
}

/**
 * dist/main run as the runner runs it (test-kit/runner's Job: every input of action.yml with its default,
 * the runner's environment and file commands, actions/checkout of `job.repository` before main), with the
 * peak-RSS preload. `startedAt` and `endedAt` are the spawn and the exit: the step's duration, ending when
 * Job.run returned (reading the step's files after the exit takes well under a millisecond).
 */
export async function runSentinel(
  inputs: Record<string, string>,
  job: JobOptions = {},
  /** More NODE_OPTIONS after the peak-RSS preload (e.g. the loaded-files preload). */
  extraNodeOptions?: string,
): Promise<SentinelRun> {
  for (let attempt = 1; ; attempt++) {
    const run = await new Job({ actionDir: ACTION_DIR, ...job }).run('main', inputs, {
      ...WITH_PEAK_RSS,
      ...(extraNodeOptions ? { nodeOptions: `${WITH_PEAK_RSS.nodeOptions} ${extraNodeOptions}` } : {}),
    });
    const endedAt = performance.now();
    const startedAt = endedAt - run.durationMs;
    // dist/ rebuilt while the benchmark runs (a shared working tree): wait for the new bundle, run again.
    if (
      run.outputs.result === undefined &&
      /Cannot find module|MODULE_NOT_FOUND|SyntaxError/.test(run.stderr) &&
      attempt < 3
    ) {
      const until = Date.now() + 120_000;
      while (!existsSync(DIST_MAIN) && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
      await new Promise((r) => setTimeout(r, 2000));
      continue;
    }
    return {
      exitCode: run.exitCode,
      startedAt,
      endedAt,
      stdout: run.stdout,
      stderr: run.stderr,
      peakRssMiB: peakRssMiB(run.stderr),
      run,
    };
  }
}
