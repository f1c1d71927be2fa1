import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { formatDuration } from '../duration.js';
import type { ProbeResult } from '../results.js';
import type { CheckContext, CommandCheck, CommandRunner } from './types.js';
import { errorMessage } from '../errors.js';

/** Lines of a command's output kept in the probe table. */
export const OUTPUT_TAIL_LINES = 40;

/** Variables a command check never inherits: the action's inputs and state, and the runner's tokens. */
const RUNNER_SECRET_VARIABLES = /^(INPUT_|STATE_|ACTIONS_RUNTIME_TOKEN$|ACTIONS_ID_TOKEN_REQUEST_)/;
/** Output kept in memory per command; the reported tail needs far less, a chatty suite must not fill memory. */
const MAX_OUTPUT_BYTES = 256 * 1024;
/** Time between SIGTERM and SIGKILL: enough for a test runner to stop its browsers and servers. */
const DEFAULT_KILL_GRACE_MS = 5_000;
/** setTimeout fires at once for delays above this, which would kill every command immediately. */
const MAX_TIMER_MS = 2_147_483_647;
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[ -/]*[@-~]`, 'g');

/** Options of `createCommandRunner`. */
export interface CommandRunnerOptions {
  /** Time between SIGTERM and SIGKILL when a command is stopped. */
  killGraceMs?: number;
  /** Where the live output goes; defaults to the job log (stdout), where the runner masks registered secrets. */
  echo?: (chunk: Buffer) => void;
}

/**
 * Creates a CommandRunner that runs `bash -c command` in its own process group and streams its output to
 * the job log as it comes.
 *
 * Why not `@actions/exec`: its `exec`/`getExecOutput` (v3) take no timeout or abort signal and never
 * expose the child process, so a hung e2e suite could not be stopped. This runner spawns with
 * `detached: true`, which makes the shell the leader of a new process group, and on timeout signals the
 * whole group (SIGTERM, then SIGKILL after `killGraceMs`), so browsers and servers the command started die
 * with it. When the shell exits on its own, leftovers in its group (a server started with `&`) are stopped
 * the same way; they would otherwise hold the output pipes open and keep the check waiting.
 * Process groups are POSIX: this runner is meant for Linux and macOS runners.
 */
export function createCommandRunner(options: CommandRunnerOptions = {}): CommandRunner {
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const echo = options.echo ?? ((chunk: Buffer) => void process.stdout.write(chunk));
  return (command, env, timeoutMs) =>
    new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', command], {
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output = new OutputBuffer(MAX_OUTPUT_BYTES);
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const signalGroup = (signal: NodeJS.Signals): void => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          // ESRCH: nothing is left in the group.
        }
      };
      const stop = (): void => {
        if (killTimer) return;
        signalGroup('SIGTERM');
        killTimer = setTimeout(() => {
          signalGroup('SIGKILL');
          // A process that left the group could still hold the pipes; stop waiting for it.
          child.stdout.destroy();
          child.stderr.destroy();
        }, killGraceMs);
      };
      const onData = (chunk: Buffer): void => {
        output.push(chunk);
        echo(chunk);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const timer = setTimeout(
        () => {
          timedOut = true;
          stop();
        },
        Math.min(timeoutMs, MAX_TIMER_MS),
      );
      child.once('exit', () => {
        clearTimeout(timer);
        stop();
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        reject(error);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
        resolve({ exitCode, output: output.text(), timedOut });
      });
    });
}

/** The runner the action uses: output streamed to the job log, 5 s between SIGTERM and SIGKILL. */
export const execCommand: CommandRunner = createCommandRunner();

/**
 * Runs a command check. Its environment is the action's plus SENTINEL_URL, SENTINEL_RUN_ID,
 * SENTINEL_RUN_NONCE, SENTINEL_RUN_ATTEMPT and SENTINEL_SHA. Exit code 0 passes; anything else, a
 * timeout, or a command that could not start fails. The check's own timeout is bounded by what is left
 * of the overall budget.
 */
export async function runCommandCheck(check: CommandCheck, ctx: CheckContext): Promise<ProbeResult> {
  const started = performance.now();
  const redact = (text: string): string => ctx.secrets.redact(text);
  const shown = describeCommand(check.command);
  const row = (passed: boolean, failure?: string, outputTail?: string): ProbeResult => ({
    name: redact(check.name),
    kind: 'command',
    passed,
    durationMs: Math.round(performance.now() - started),
    ...(failure === undefined ? {} : { failure: redact(failure) }),
    ...(outputTail ? { outputTail } : {}),
  });

  const remaining = ctx.remainingMs();
  if (remaining <= 0)
    return row(false, `${shown} not run: the overall timeout ran out before it could start`);
  const boundedByBudget = check.timeoutMs === undefined || remaining < check.timeoutMs;
  const timeoutMs = Math.min(check.timeoutMs ?? remaining, remaining);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    // Inputs (tokens, headers), saved state (canary captures) and runner tokens stay with the action.
    if (value === undefined || RUNNER_SECRET_VARIABLES.test(name)) continue;
    env[name] = value;
  }
  Object.assign(env, {
    SENTINEL_URL: ctx.baseUrl.href,
    SENTINEL_RUN_ID: ctx.vars.run.id,
    SENTINEL_RUN_ATTEMPT: ctx.vars.run.attempt,
    SENTINEL_RUN_NONCE: ctx.vars.run.nonce,
    SENTINEL_SHA: ctx.vars.run.sha,
  });

  let result: Awaited<ReturnType<CommandRunner>>;
  try {
    result = await ctx.exec(check.command, env, timeoutMs);
  } catch (error) {
    return row(false, `${shown} could not be started: ${errorMessage(error)}`);
  }
  const outputTail = tailOf(redact(result.output));
  if (result.timedOut) {
    const why = boundedByBudget
      ? `was still running when the overall timeout ran out (${formatDuration(timeoutMs)} were left)`
      : `did not finish within its timeout of ${formatDuration(timeoutMs)}`;
    return row(false, `${shown} ${why} and was killed`, outputTail);
  }
  if (result.exitCode !== 0) return row(false, `${shown} exited with code ${result.exitCode}`, outputTail);
  return row(true, undefined, outputTail);
}

/** The command as quoted in messages: its first line, shortened. */
function describeCommand(command: string): string {
  const lines = command.trim().split('\n');
  const first = lines[0] ?? '';
  const shortened = first.length > 80 ? `${first.slice(0, 77)}...` : first;
  return JSON.stringify(lines.length > 1 ? `${shortened} ...` : shortened);
}

/** The last OUTPUT_TAIL_LINES lines, without colour codes or progress-bar rewrites (summaries are not terminals). */
function tailOf(output: string): string {
  const lines = output
    .replace(ANSI_ESCAPE, '')
    .split('\n')
    .map((line) => {
      const trimmed = line.replace(/\r$/, '');
      return trimmed.slice(trimmed.lastIndexOf('\r') + 1);
    });
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  return lines.slice(-OUTPUT_TAIL_LINES).join('\n');
}

/** Keeps the last `limit` bytes of a stream, cut at a line start. */
class OutputBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()?.length ?? 0;
      this.truncated = true;
    }
  }

  text(): string {
    let buffer = Buffer.concat(this.chunks);
    if (buffer.length > this.limit) {
      buffer = buffer.subarray(buffer.length - this.limit);
      this.truncated = true;
    }
    const text = buffer.toString('utf8');
    // After a cut the first line is partial (maybe mid-character); drop it.
    return this.truncated ? text.slice(text.indexOf('\n') + 1) : text;
  }
}
