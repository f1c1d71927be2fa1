/**
 * The leak corpus: long secrets (over 100 characters, with characters JSON and URLs escape) planted where
 * real services and providers echo them, through the built action under the runner contract. No piece of
 * 8 or more characters of any of them, or of their JSON-escaped or URL-encoded copies, may show in stdout,
 * stderr, the summary, the outputs, the JSON report, the PR comment or the check run.
 *
 * Where they are planted: a `headers` credential echoed in a field that fails the health schema; a
 * captured token echoed in a refused check's body; a redirect whose `Location` carries a secret; provider
 * log lines; an error message from the provider's API.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Job, type StepRun } from '../../test-kit/runner/job.js';
import {
  PERMISSIVE_PERMISSIONS,
  startGitHubEmulator,
  type GitHubEmulator,
} from '../../test-kit/emulators/github-emulator.js';
import { startRenderEmulator, type RenderEmulator } from '../../test-kit/emulators/render-emulator.js';
import { leaksIn } from '../helpers/fault-kit.js';
import { pullRequestEvent, pushEvent } from '../helpers/events.js';

/** The action under test: the committed dist/ unless a build elsewhere is named (the mutation check). */
const actionDir = process.env.DEPLOY_SENTINEL_ACTION_DIR || undefined;
const SHA = '3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6';
const OWNER = 'acme';
const REPO = 'shop';

/**
 * A secret of 120 characters with a quote, a slash, a plus and an equals sign at random places, so every
 * escape applies, and no two secrets share a piece.
 */
function longSecret(): string {
  const chars = [...randomBytes(90).toString('base64')];
  for (const special of ['"', '/', '+', '=', '&']) {
    chars.splice(1 + Math.floor(Math.random() * 100), 0, special);
  }
  const secret = chars.join('').slice(0, 120);
  expect(secret.length).toBe(120);
  return secret;
}

/** The secret with its JSON-escaped and URL-encoded copies, each of which must not show either. */
function withCopies(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
}

const HEADER_SECRET = longSecret();
const CAPTURED = longSecret();
const REDIRECT_SECRET = longSecret();
const API_TOKEN = `rnd_${longSecret().replace(/[^A-Za-z0-9]/g, 'x')}`;
const GH_TOKEN = `ghs_${randomBytes(40).toString('hex')}`;

/** A service that echoes what it is sent, secrets included, the way real ones do in error messages. */
let echo: Server;
let echoUrl: string;
beforeAll(async () => {
  echo = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    if (req.url === '/schema-echo/health') return json(200, { status: auth, version: SHA });
    if (req.url === '/health') return json(200, { status: 'ok', version: SHA });
    if (req.url === '/login') return json(200, { token: CAPTURED });
    if (req.url === '/profile')
      return json(422, { detail: 'token rejected', token: auth.replace(/^Bearer /, '') });
    if (req.url === '/away') {
      res
        .writeHead(302, {
          location: `https://example.invalid/next?key=${encodeURIComponent(REDIRECT_SECRET)}`,
        })
        .end();
      return undefined;
    }
    return json(404, { detail: 'Not Found' });
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve));
});

const emulators: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

async function github(): Promise<GitHubEmulator> {
  const started = await startGitHubEmulator({
    owner: OWNER,
    repo: REPO,
    tokens: [{ token: GH_TOKEN, permissions: PERMISSIVE_PERMISSIONS }],
    pullRequests: [{ number: 5, headRef: 'feature/leaks', headSha: SHA }],
  });
  emulators.push(started);
  return started;
}

/**
 * A pull-request job, so the verdict also goes to a PR comment and a check run; or a push job, for a
 * provider's production deploy (on a pull request, provider mode verifies the PR's preview).
 */
function job(gh: GitHubEmulator, eventName: 'pull_request' | 'push' = 'pull_request'): Job {
  return new Job(jobOptions(gh, eventName));
}

function jobOptions(
  gh: GitHubEmulator,
  eventName: 'pull_request' | 'push',
): ConstructorParameters<typeof Job>[0] {
  return {
    actionDir,
    github: { sha: SHA, repository: `${OWNER}/${REPO}` },
    githubApi: { url: gh.url, token: GH_TOKEN },
    event:
      eventName === 'push'
        ? { name: 'push', payload: pushEvent({ after: SHA, repository: { owner: OWNER, repo: REPO } }) }
        : {
            name: 'pull_request',
            payload: pullRequestEvent({
              number: 5,
              headRef: 'feature/leaks',
              headSha: SHA,
              repository: { owner: OWNER, repo: REPO },
            }),
          },
    env: { HEADER_SECRET },
    // Every service here is broken on purpose. The Render deploy went live and failed, so its rollback is
    // right (the emulator refuses it); without a provider there is nothing to roll back.
    truth: { deploy: 'broken', rollback: eventName === 'push' ? 'right' : 'n/a' },
  };
}

/** What the GitHub emulator was sent: the PR comments' and check runs' bodies. */
function published(gh: GitHubEmulator): string[] {
  return [
    ...gh.comments(5).map((comment) => comment.body),
    ...gh.checkRuns().map((run) => JSON.stringify(run)),
  ];
}

function expectNoLeak(run: StepRun, secrets: string[], gh?: GitHubEmulator): void {
  expect(leaksIn(run, secrets.flatMap(withCopies), gh ? published(gh) : [])).toEqual([]);
}

const fast = { timeout: '10s', interval: '200ms', 'request-timeout': '2s', soak: '0s' };

/** The service echoes the `headers` credential in the field its health schema refuses. */
async function headerEchoedInSchemaFailure(
  action: string | undefined,
): Promise<{ run: StepRun; gh: GitHubEmulator }> {
  const gh = await github();
  const run = await new Job({ ...jobOptions(gh, 'pull_request'), actionDir: action }).run('main', {
    url: `${echoUrl}/schema-echo`,
    headers: `Authorization: Bearer ${HEADER_SECRET}`,
    'health-schema': '{"type": "object", "properties": {"status": {"const": "ok"}}}',
    ...fast,
  });
  return { run, gh };
}

describe('the leak corpus: no piece of a long secret in any output', () => {
  it('a headers credential the service echoes in a field that fails the schema', async () => {
    const { run, gh } = await headerEchoedInSchemaFailure(actionDir);
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'health-schema' });
    // The failing field is named, with its value (the whole header value, a registered secret) masked:
    // redacted before it was cut, or a cut piece would escape the mask.
    expect(run.report?.failureMessage).toContain('/status must be "ok" but was "***"');
    expect(gh.comments(5)).toHaveLength(1);
    expectNoLeak(run, [HEADER_SECRET], gh);
  });

  it('a captured token echoed in a refused check, and a secret in a redirect Location', async () => {
    const gh = await github();
    const checks = [
      'checks:',
      '  - name: login, then the profile',
      '    steps:',
      '      - request: POST /login',
      '        capture: { token: /token }',
      '      - request: GET /profile',
      "        headers: { Authorization: 'Bearer {{ token }}' }",
      '        expect: { status: 200 }',
      '  - name: follows the redirect',
      '    request: GET /away',
      '',
    ].join('\n');
    const run = await job(gh).run('main', { url: echoUrl, checks, ...fast });
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'check-failed' });
    const failures = run.report?.probes.map((probe) => probe.failure ?? '').join('\n') ?? '';
    expect(failures).toContain(
      'status 422, expected 200; the service answered: {"detail":"token rejected","token":"***"}',
    );
    expect(failures).toContain('redirected to another origin');
    expectNoLeak(run, [CAPTURED, REDIRECT_SECRET], gh);
  });

  it('provider log lines, and an error message from the provider API that quotes the key', async () => {
    const gh = await github();
    let render: RenderEmulator | undefined;
    const healthy = createServer((_req, res) => {
      // The new release fails its schema (F1); the restored one is never reached: the rollback is refused.
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'degraded', version: SHA }));
    });
    await new Promise<void>((resolve) => healthy.listen(0, '127.0.0.1', resolve));
    const serviceUrl = `http://127.0.0.1:${(healthy.address() as AddressInfo).port}`;
    try {
      render = await startRenderEmulator({
        token: API_TOKEN,
        serviceId: 'srv-leaks000000000001',
        ownerId: 'tea-leaks000000000001',
        serviceUrl,
        deploys: [
          {
            id: 'dep-previous000000001',
            commit: '1'.repeat(40),
            status: 'live',
            createdAt: new Date(Date.now() - 3_600_000).toISOString(),
          },
          {
            id: 'dep-ours0000000000001',
            commit: SHA,
            status: 'live',
            createdAt: new Date(Date.now() - 60_000).toISOString(),
          },
        ],
      });
      emulators.push(render);
      render.addLogs([
        {
          message: `connecting with key ${API_TOKEN}`,
          timestamp: new Date(Date.now() - 30_000).toISOString(),
          type: 'app',
        },
        {
          message: `upstream said Authorization: Bearer ${HEADER_SECRET}`,
          timestamp: new Date(Date.now() - 20_000).toISOString(),
          type: 'app',
        },
      ]);
      render.onRollback(async () => ({ status: 400, message: `rollback refused for key ${API_TOKEN}` }));
      const run = await job(gh, 'push').run('main', {
        provider: 'render',
        'api-token': API_TOKEN,
        'service-id': 'srv-leaks000000000001',
        'api-url': render.url,
        commit: SHA,
        headers: `Authorization: Bearer ${HEADER_SECRET}`,
        'health-schema': '{"type": "object", "properties": {"status": {"const": "ok"}}}',
        rollback: 'on-failure',
        ...fast,
      });
      expect(run.outputs).toMatchObject({ result: 'rollback-failed', 'failure-reason': 'health-schema' });
      expect(run.report?.failureMessage).toContain('Render says');
      expect(JSON.stringify(run.report)).toContain('connecting with key ***');
      expectNoLeak(run, [API_TOKEN, HEADER_SECRET], gh);
    } finally {
      await new Promise((resolve) => healthy.close(resolve));
    }
  });
});

describe('the corpus is not vacuous', () => {
  jest.setTimeout(300_000);

  it('a build that cuts the schema failure before redacting it leaks, and the corpus says so', async () => {
    // The same sources with one change in src/json-schema.ts: cut(redact(…)) becomes cut(…), so a long
    // value is cut to a piece the registered secret no longer matches. Built the way scripts/build.mjs
    // builds dist/, into a copy of the action under .tmp/.
    const root = process.cwd();
    const copy = join(root, '.tmp', 'leaks-mutant');
    rmSync(copy, { recursive: true, force: true });
    mkdirSync(copy, { recursive: true });
    for (const entry of [
      'src',
      'scripts',
      'tsconfig.json',
      'package.json',
      'action.yml',
      'checks.schema.json',
    ]) {
      cpSync(join(root, entry), join(copy, entry), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const schemaFile = join(copy, 'src', 'json-schema.ts');
    const source = readFileSync(schemaFile, 'utf8');
    const mutated = source.replace('cut(redact(serialise(value)))', 'cut(serialise(value))');
    expect(mutated).not.toBe(source);
    writeFileSync(schemaFile, mutated);
    const build = spawnSync(process.execPath, [join(copy, 'scripts', 'build.mjs')], {
      cwd: copy,
      encoding: 'utf8',
    });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);

    const { run, gh } = await headerEchoedInSchemaFailure(copy);
    expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': 'health-schema' });
    const leaks = leaksIn(run, withCopies(HEADER_SECRET), published(gh));
    expect(leaks.length).toBeGreaterThan(0);
    expect(leaks.join('\n')).toMatch(/in (stdout|summary|report|published)/);
  });
});
