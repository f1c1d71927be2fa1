import { describe, it, expect } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCommandRunner,
  execCommand,
  OUTPUT_TAIL_LINES,
  runCommandCheck,
} from '../../../src/checks/command.js';
import type { CheckContext, CommandCheck, CommandRunner } from '../../../src/checks/types.js';
import { SecretRegistry } from '../../../src/secrets.js';

const run = { id: '777', attempt: '3', nonce: 'nonce-xyz', sha: 'deadbeef' };

function context(overrides: Partial<CheckContext> = {}): CheckContext {
  return {
    http: { request: () => Promise.reject(new Error('no HTTP in command tests')) },
    baseUrl: new URL('https://service.test/app'),
    headers: {},
    vars: { env: {}, run },
    secrets: new SecretRegistry(() => undefined),
    requestTimeoutMs: 1_000,
    remainingMs: () => 60_000,
    exec: quietRunner(),
    ...overrides,
  };
}

function quietRunner(echoed: Buffer[] = [], killGraceMs = 300): CommandRunner {
  return createCommandRunner({ echo: (chunk) => echoed.push(chunk), killGraceMs });
}

const check = (command: string, timeoutMs?: number): CommandCheck => ({
  kind: 'command',
  name: 'suite',
  command,
  ...(timeoutMs === undefined ? {} : { timeoutMs }),
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

describe('runCommandCheck', () => {
  it('passes on exit 0 and keeps the output', async () => {
    const row = await runCommandCheck(check('echo "3 passed"'), context());
    expect(row).toEqual({
      name: 'suite',
      kind: 'command',
      passed: true,
      durationMs: expect.any(Number),
      outputTail: '3 passed',
    });
  });

  it('fails on a non-zero exit code with the last 40 lines of output', async () => {
    const row = await runCommandCheck(
      check('for i in $(seq 1 100); do echo "line $i"; done; echo oops >&2; exit 3'),
      context(),
    );
    expect(row.passed).toBe(false);
    expect(row.failure).toBe(
      '"for i in $(seq 1 100); do echo \\"line $i\\"; done; echo oops >&2; exit 3" exited with code 3',
    );
    const lines = row.outputTail?.split('\n') ?? [];
    expect(lines).toHaveLength(OUTPUT_TAIL_LINES);
    expect(lines[0]).toBe('line 62');
    expect(lines.at(-1)).toBe('oops');
  });

  it('gives the command the service URL and the run variables on top of the environment', async () => {
    const row = await runCommandCheck(
      check(
        'echo "$SENTINEL_URL|$SENTINEL_RUN_ID|$SENTINEL_RUN_ATTEMPT|$SENTINEL_RUN_NONCE|$SENTINEL_SHA"; test -n "$PATH"',
      ),
      context(),
    );
    expect(row.passed).toBe(true);
    expect(row.outputTail).toBe('https://service.test/app|777|3|nonce-xyz|deadbeef');
  });

  it('kills a command that outlives its timeout, and says so', async () => {
    const started = Date.now();
    const row = await runCommandCheck(check('echo started; sleep 30', 300), context());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(row.passed).toBe(false);
    expect(row.failure).toBe(
      '"echo started; sleep 30" did not finish within its timeout of 300ms and was killed',
    );
    expect(row.outputTail).toBe('started');
  });

  it('is bounded by the overall budget when that is shorter than its own timeout', async () => {
    const row = await runCommandCheck(check('sleep 30', 120_000), context({ remainingMs: () => 400 }));
    expect(row.failure).toBe(
      '"sleep 30" was still running when the overall timeout ran out (400ms were left) and was killed',
    );
  });

  it('uses the overall budget when it has no timeout of its own', async () => {
    let given = 0;
    const exec: CommandRunner = (_command, _env, timeoutMs) => {
      given = timeoutMs;
      return Promise.resolve({ exitCode: 0, output: '', timedOut: false });
    };
    await runCommandCheck(check('true'), context({ exec, remainingMs: () => 42_000 }));
    expect(given).toBe(42_000);
    await runCommandCheck(check('true', 5_000), context({ exec, remainingMs: () => 42_000 }));
    expect(given).toBe(5_000);
  });

  it('does not start when the overall budget is spent', async () => {
    let started = false;
    const exec: CommandRunner = () => {
      started = true;
      return Promise.resolve({ exitCode: 0, output: '', timedOut: false });
    };
    const row = await runCommandCheck(check('true'), context({ exec, remainingMs: () => 0 }));
    expect(started).toBe(false);
    expect(row).toMatchObject({
      passed: false,
      failure: '"true" not run: the overall timeout ran out before it could start',
    });
  });

  it('fails when the command cannot be started', async () => {
    const exec: CommandRunner = () => Promise.reject(new Error('spawn bash ENOENT'));
    const row = await runCommandCheck(check('npx playwright test'), context({ exec }));
    expect(row).toMatchObject({
      passed: false,
      failure: '"npx playwright test" could not be started: spawn bash ENOENT',
    });
  });

  it('redacts secrets from the output tail and the failure', async () => {
    const secrets = new SecretRegistry(() => undefined);
    secrets.add('s3cr3t-value');
    const row = await runCommandCheck(
      check('echo "token=s3cr3t-value"; exit 1 # s3cr3t-value'),
      context({ secrets }),
    );
    expect(row.outputTail).toBe('token=***');
    expect(row.failure).toBe('"echo \\"token=***\\"; exit 1 # ***" exited with code 1');
  });

  it('strips colour codes and progress rewrites from the tail', async () => {
    const row = await runCommandCheck(
      check("printf '\\033[32mok\\033[0m\\nprogress 10%%\\rprogress 100%%\\r\\n'"),
      context(),
    );
    expect(row.outputTail).toBe('ok\nprogress 100%');
  });

  it('quotes only the first line of a multi-line command', async () => {
    const row = await runCommandCheck(check('echo one\nexit 1'), context());
    expect(row.failure).toBe('"echo one ..." exited with code 1');
  });
});

describe('createCommandRunner', () => {
  it('streams the output as it comes and returns it', async () => {
    const echoed: Buffer[] = [];
    const result = await quietRunner(echoed)(
      'echo out; echo err >&2',
      { PATH: process.env.PATH ?? '' },
      5_000,
    );
    expect(result).toEqual({ exitCode: 0, output: expect.stringContaining('out\n'), timedOut: false });
    expect(result.output).toContain('err\n');
    expect(Buffer.concat(echoed).toString()).toBe(result.output);
  });

  it('passes exactly the given environment', async () => {
    const result = await quietRunner()('echo "[$ONLY_THIS][$HOME]"', { ONLY_THIS: 'yes' }, 5_000);
    expect(result.output).toBe('[yes][]\n');
  });

  it('kills the whole process group on timeout, children included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-cmd-'));
    try {
      const pidFile = join(dir, 'child.pid');
      const result = await quietRunner()(
        `sleep 30 & echo $! > ${pidFile}; wait`,
        { PATH: process.env.PATH ?? '' },
        300,
      );
      expect(result.timedOut).toBe(true);
      expect(result.exitCode).not.toBe(0);
      const childPid = Number(readFileSync(pidFile, 'utf8'));
      expect(await waitUntil(() => !isAlive(childPid))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('escalates to SIGKILL when the command ignores SIGTERM', async () => {
    const started = Date.now();
    const result = await quietRunner([], 200)(
      "trap '' TERM; sleep 30",
      { PATH: process.env.PATH ?? '' },
      200,
    );
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(137);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not wait for background processes left behind by a command that exited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-cmd-'));
    try {
      const pidFile = join(dir, 'server.pid');
      const started = Date.now();
      const result = await quietRunner()(
        `sleep 30 & echo $! > ${pidFile}; echo done`,
        { PATH: process.env.PATH ?? '' },
        20_000,
      );
      expect(result).toEqual({ exitCode: 0, output: 'done\n', timedOut: false });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await waitUntil(() => !isAlive(Number(readFileSync(pidFile, 'utf8'))))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the exit code of a failing command', async () => {
    expect(await quietRunner()('exit 7', {}, 5_000)).toEqual({ exitCode: 7, output: '', timedOut: false });
  });

  it('keeps only the end of a very long output, starting at a whole line', async () => {
    const result = await quietRunner()(
      'for i in $(seq 1 40000); do echo "line number $i"; done',
      { PATH: process.env.PATH ?? '' },
      20_000,
    );
    expect(result.output.endsWith('line number 40000\n')).toBe(true);
    expect(result.output.length).toBeLessThanOrEqual(256 * 1024);
    expect(result.output).toMatch(/^line number \d+\n/);
    expect(result.output).not.toContain('line number 1\n');
  });

  it('works as the default runner of the action', async () => {
    expect(await execCommand('exit 4', { PATH: process.env.PATH ?? '' }, 5_000)).toEqual({
      exitCode: 4,
      output: '',
      timedOut: false,
    });
  });
});

describe('command environment', () => {
  it('never hands the action inputs, state or runner tokens to the command', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      'INPUT_GITHUB-TOKEN': 'ghs_leak',
      STATE_canary: 'captured',
      ACTIONS_RUNTIME_TOKEN: 'rt',
      KEEP_ME: 'yes',
    });
    try {
      let seen: Record<string, string> = {};
      const row = await runCommandCheck(
        check('env'),
        context({
          exec: async (_command, env) => {
            seen = env;
            return { exitCode: 0, output: '', timedOut: false };
          },
        }),
      );
      expect(row.passed).toBe(true);
      expect(seen.KEEP_ME).toBe('yes');
      expect(Object.keys(seen).filter((name) => /^(INPUT_|STATE_|ACTIONS_RUNTIME_TOKEN)/.test(name))).toEqual(
        [],
      );
    } finally {
      process.env = saved;
    }
  });
});
