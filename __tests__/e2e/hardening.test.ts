/**
 * End-to-end hardening of dist/main: bad inputs stop the run before any request; hostile services end in
 * a clear failure within the timeout and bounded memory; no secret is ever printed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Job } from '../../test-kit/runner/job.js';
import { startExampleService, type ExampleService } from '../../test-kit/example-service.js';
import { startHostileServer, type HostileServer } from '../../test-kit/emulators/hostile-server.js';
import { peakRssMiB } from '../helpers/fault-kit.js';

let hostile: HostileServer;
beforeAll(async () => {
  hostile = await startHostileServer();
});
afterAll(async () => {
  await hostile.close();
});

describe('bad inputs', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['missing url', {}, 'url'],
    ['bad duration', { timeout: 'forever' }, 'timeout'],
    ['bad URL', { url: 'htp:/nope' }, 'url'],
    ['unknown provider', { provider: 'heroku' }, 'provider'],
    ['missing schema file', { 'health-schema': 'missing.json' }, 'health-schema'],
    ['schema file that is not JSON/YAML', { 'health-schema': '{"type": "object",' }, 'health-schema'],
    ['invalid schema', { 'health-schema': '{"type": 12}' }, 'health-schema'],
    [
      'invalid checks file',
      { checks: 'checks:\n  - name: x\n    request: FETCH /\n    bogus: 1\n' },
      'checks',
    ],
    [
      'unknown template variable',
      { checks: 'checks:\n  - name: x\n    request: GET /{{ who }}\n' },
      'checks',
    ],
    [
      'unset env variable in a template',
      { checks: 'checks:\n  - name: x\n    request: GET /{{ env.NOT_SET_ANYWHERE }}\n' },
      'checks',
    ],
    ['malformed headers', { headers: 'X-Token abc' }, 'headers'],
    ['conflicting deploy without a provider', { deploy: 'true' }, 'deploy'],
    ['render without credentials', { provider: 'render' }, 'api-token'],
    ['bad threshold', { 'failure-threshold': 'three' }, 'failure-threshold'],
    ['bad rollback mode', { rollback: 'later' }, 'rollback'],
    ['bad version-from', { 'version-from': 'sha' }, 'version-from'],
    ['interval longer than timeout', { timeout: '2s', interval: '6s' }, 'interval'],
    ['bad comment mode', { comment: 'sometimes' }, 'comment'],
  ];

  it.each(cases)('%s: exit 1, names the input, sends no request', async (_label, inputs, input) => {
    const before = hostile.requests.length;
    const url: Record<string, string> =
      'url' in inputs || _label === 'missing url' ? {} : { url: `${hostile.url}/ok` };
    // The service (/ok) is fine, only the inputs are wrong; where they name a provider, no rollback is right.
    const truth = { deploy: 'healthy', rollback: 'provider' in inputs ? 'wrong' : 'n/a' } as const;
    const run = await new Job({ truth }).run('main', { ...url, 'health-path': '/', ...inputs });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failure-reason': 'config-error',
      'rolled-back': 'false',
    });
    expect(run.stdout).toContain(`input \`${input}\``);
    expect(run.stdout).toContain('Fix:');
    expect(run.summary).toContain('configuration error');
    expect(hostile.requests.length).toBe(before);
  });
});

describe('hostile services', () => {
  const cases: [string, string, string, RegExp][] = [
    ['a 50 MB health body', '/huge', 'health-body', /larger than the 1 MiB cap/],
    ['a server that accepts and never answers', '/hang', 'unreachable', /did not answer within \d+ ms/],
    ['a redirect loop', '/loop', 'health-body', /redirected more than 5 times or in a loop/],
    ['invalid JSON', '/invalid-json', 'health-body', /invalid JSON/],
    ['a non-JSON content type', '/html', 'health-body', /content-type text\/html, expected JSON/],
  ];

  it.each(cases)(
    '%s: a clear failure within the timeout, peak RSS under 150 MB',
    async (_label, path, reason, message) => {
      const run = await new Job({ truth: { deploy: 'broken', rollback: 'n/a' } }).run(
        'main',
        {
          url: hostile.url,
          'health-path': path,
          'expect-version': 'v1',
          timeout: '4s',
          interval: '200ms',
          'request-timeout': '1s',
        },
        // The runner loads the peak-RSS preload for every main (test-kit/ground-truth.ts).
      );
      expect(run.outputs).toMatchObject({ result: 'failed', 'failure-reason': reason });
      expect(run.summary).toMatch(message);
      expect(run.durationMs).toBeLessThan(4000 + 3000);
      expect(peakRssMiB(run)).toBeLessThan(150);
    },
  );
});

describe('secrets', () => {
  let svc: ExampleService;
  beforeAll(async () => {
    svc = await startExampleService({ version: 'v1', smokePassword: 'pw-smoke-secret' });
  });
  afterAll(async () => {
    await svc.stop();
  });

  it('never prints the token, a header value or a captured value', async () => {
    const token = 'ghs_TopSecretGithubToken1234';
    const header = 'hdr-TopSecretValue-5678';
    const captured = 'captured-TopSecret-9012';
    const checks = `
checks:
  - name: capture and leak attempt
    steps:
      - request: POST /api/notes
        headers: { X-Debug: '{{ env.SECRET_HEADER }}' }
        json: { text: '${captured}' }
        capture: { text: /text, id: /id }
      - request: 'GET /api/notes/{{ id }}?echo={{ text }}'
        expect: { status: 200, json: { /text: 'not {{ text }}' } }
      - request: 'DELETE /api/notes/{{ id }}'
        cleanup: true
`;
    // The service works; the check is written to fail, so that its failing assertion shows (masked) values.
    const run = await new Job({
      env: { SECRET_HEADER: header },
      truth: { deploy: 'healthy', rollback: 'n/a' },
    }).run('main', {
      url: svc.url,
      'github-token': token,
      headers: `X-Api-Key: ${header}`,
      checks,
      timeout: '10s',
      interval: '200ms',
    });
    expect(run.outputs['failure-reason']).toBe('check-failed');
    // `::add-mask::` lines are how the runner learns what to mask; it never shows them.
    const shown = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    const everything = [
      shown.join('\n'),
      run.stderr,
      run.summary,
      JSON.stringify(run.outputs),
      JSON.stringify(run.report),
    ].join('\n');
    for (const secret of [token, header, captured]) expect(everything).not.toContain(secret);
    // The failing assertion is still there, with the secret masked.
    expect(run.summary).toContain('***');
    expect(run.stdout).toContain('::add-mask::');
  });
});

describe('evidence', () => {
  it('warns loudly when the verdict rests on a bare 2xx', async () => {
    // "It works!": all this step was asked to check.
    const run = await new Job({ truth: { deploy: 'healthy', rollback: 'n/a' } }).run('main', {
      url: hostile.url,
      'health-path': '/html',
      timeout: '5s',
      interval: '200ms',
      'request-timeout': '1s',
      soak: '0s',
    });
    expect(run.outputs.result).toBe('passed');
    expect(run.stdout).toMatch(/::warning.*Only verified that GET \/html answered 2xx/);
    expect(run.summary).toContain('### Warnings');
  });
});
