/**
 * A second runner nobody here wrote: GitHub's own `@github/local-action` runs the action's main step from
 * its TypeScript source (the entry module's exported `run()`), with its own stubs of @actions/core and
 * @actions/github, against the example service.
 *
 * What it does not do, and the test therefore does for it: it fills an input's action.yml default
 * literally, without evaluating `${{ }}` (so `commit` is given, as the runner would evaluate it); and it
 * exits 0 whatever the action decides, so the verdict is read from the outputs it prints.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  startEmbeddedPostgres,
  startExampleService,
  type EmbeddedPostgres,
  type ExampleService,
  POSTGRES_SETUP_TIMEOUT_MS,
} from '../../test-kit/example-service.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE24_BIN = dirname(process.execPath);
const NETWORK_GUARD = join(ROOT, 'test-kit', 'runner', 'network-guard.mjs');
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';

let postgres: EmbeddedPostgres;
const services: ExampleService[] = [];
beforeAll(async () => {
  postgres = await startEmbeddedPostgres();
}, POSTGRES_SETUP_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await postgres?.stop();
});

/** Runs `local-action run` on the main step with `inputs`; resolves with its outputs and output text. */
async function localAction(
  inputs: Record<string, string>,
): Promise<{ outputs: Record<string, string>; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'local-action-'));
  const summary = join(dir, 'summary.md');
  writeFileSync(summary, '');
  const env = {
    ...Object.fromEntries(
      Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
    ),
    RUNNER_TEMP: dir,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_WORKSPACE: join(ROOT, 'examples', 'demo'),
    SMOKE_PASSWORD: 'pw-for-smoke',
  };
  writeFileSync(
    join(dir, '.env'),
    Object.entries(env)
      .map(([name, value]) => `${name}=${value}`)
      .join('\n'),
  );
  const child = spawn(
    join(ROOT, 'node_modules', '.bin', 'local-action'),
    ['run', ROOT, 'src/step/main.ts', join(dir, '.env')],
    {
      cwd: ROOT,
      env: {
        PATH: `${NODE24_BIN}:${process.env.PATH}`,
        HOME: process.env.HOME,
        NODE_OPTIONS: `--import=${NETWORK_GUARD}`,
        DEPLOY_SENTINEL_NETWORK_GUARD_LOG: join(dir, 'network-guard.log'),
      },
    },
  );
  let text = '';
  child.stdout.on('data', (chunk) => (text += chunk));
  child.stderr.on('data', (chunk) => (text += chunk));
  await new Promise((resolve) => child.on('close', resolve));
  const outputs = Object.fromEntries(
    [...text.matchAll(/^::set-output name=([^:]+)::(.*)$/gm)].map((match) => [match[1], match[2] ?? '']),
  );
  return { outputs, text };
}

describe('@github/local-action runs the action from source', () => {
  it('passes a good release and fails the silent fallback to SQLite, naming the field', async () => {
    const svc = await startExampleService({
      version: SHA,
      databaseUrl: postgres.url,
      smokePassword: 'pw-for-smoke',
    });
    services.push(svc);
    const inputs = {
      url: svc.url,
      commit: SHA,
      'expect-version': SHA,
      'health-schema': 'health-schema.yaml',
      // main alone, as local-action runs it here, has no pre step to write a canary: checks without one.
      checks: join(ROOT, 'bench', 'fixtures', 'checks-no-canary.yml'),
      timeout: '30s',
      interval: '500ms',
      soak: '0s',
    };
    const good = await localAction(inputs);
    expect(good.outputs).toMatchObject({ result: 'passed', 'failure-reason': '' });

    await svc.restart({ databaseUrl: 'postgres://postgres:postgres@127.0.0.1:1/postgres' });
    const broken = await localAction({ ...inputs, timeout: '10s' });
    expect(broken.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'health-schema' });
    expect(broken.text).toContain('/database/type must be "postgresql" but was "sqlite"');
  }, 120_000);
});
