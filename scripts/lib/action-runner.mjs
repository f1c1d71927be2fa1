// Runs a built entry point (dist/pre, dist/main, dist/post) the way the GitHub runner does: inputs as
// INPUT_* variables, and real GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY and GITHUB_EVENT_PATH
// files. Used by the demo, the end-to-end tests and the benchmarks, so all three exercise dist/ alike.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Parses the runner's file-command format (`name=value` lines and `name<<DELIM` heredocs). */
export function parseFileCommands(text) {
  const values = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i]);
      values[name] = body.join('\n');
    } else {
      const eq = line.indexOf('=');
      values[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return values;
}

/**
 * A job: one workspace, one summary file, state carried from pre to main to post as the runner does
 * (saved state becomes STATE_<name> variables of the later steps of the same action).
 */
export class JobRunner {
  constructor({ workspace, env = {}, eventPath } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'deploy-sentinel-job-'));
    this.workspace = workspace ?? this.dir;
    this.summaryPath = join(this.dir, 'step-summary.md');
    this.eventPath = eventPath;
    this.env = env;
    this.state = {};
    writeFileSync(this.summaryPath, '');
  }

  /**
   * Runs dist/<entry>/index.js with `inputs` (keys as in action.yml). Resolves with the exit code,
   * stdout, stderr, the outputs set and the job summary so far.
   */
  async run(entry, inputs = {}, { timeoutMs = 120_000, extraEnv = {} } = {}) {
    const outputPath = join(this.dir, `output-${entry}-${Date.now()}`);
    const statePath = join(this.dir, `state-${entry}-${Date.now()}`);
    writeFileSync(outputPath, '');
    writeFileSync(statePath, '');
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: this.workspace,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STATE: statePath,
      GITHUB_STEP_SUMMARY: this.summaryPath,
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_SERVER_URL: 'http://127.0.0.1:9',
      RUNNER_TEMP: this.dir,
      ...(this.eventPath ? { GITHUB_EVENT_PATH: this.eventPath } : {}),
      ...Object.fromEntries(Object.entries(this.state).map(([k, v]) => [`STATE_${k}`, v])),
      ...this.env,
      ...extraEnv,
    };
    for (const [name, value] of Object.entries(inputs)) {
      env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = String(value);
    }
    const script = join(root, 'dist', entry, 'index.js');
    const started = performance.now();
    const child = spawn(process.execPath, [script], { cwd: this.workspace, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const exitCode = await new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    clearTimeout(timer);
    const durationMs = performance.now() - started;
    Object.assign(this.state, parseFileCommands(readFileSync(statePath, 'utf8')));
    const outputs = parseFileCommands(readFileSync(outputPath, 'utf8'));
    const report =
      outputs.report && existsSync(outputs.report)
        ? JSON.parse(readFileSync(outputs.report, 'utf8'))
        : undefined;
    return {
      exitCode,
      stdout,
      stderr,
      outputs,
      report,
      summary: readFileSync(this.summaryPath, 'utf8'),
      durationMs,
    };
  }
}

/** Renders job-summary markdown as terminal text (for the demo). */
export function summaryAsText(markdown) {
  return markdown
    .replace(/<\/?details>|<summary>|<\/summary>/g, '')
    .replace(/<br>/g, ' / ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\\\|/g, '|');
}
