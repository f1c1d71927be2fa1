/**
 * getConfig's own decisions (src/config/index.ts), input by input: the url against health-path, the
 * version source and the expected version, the commit and where it comes from, the durations' rules, the
 * preview, and what pre reads before checkout (repositoryRead).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { getConfig, isPreview, repositoryRead, type Config } from '../../../src/config/index.js';
import type { RunEvent } from '../../../src/event.js';
import type { ConfigProblem } from '../../../src/errors.js';
import { ConfigError } from '../../../src/errors.js';
import { SecretRegistry } from '../../../src/secrets.js';
import { DEFAULT_SHA, runnerSource } from '../../helpers/config-source.js';

const workspace = mkdtempSync(join(tmpdir(), 'get-config-test-'));
const SHA = '0123456789abcdef0123456789abcdef01234567';
const HEAD = 'fedcba9876543210fedcba9876543210fedcba98';
const URL_ONLY = { url: 'https://app.example.com' };
const RENDER = { provider: 'render', 'api-token': 'rnd_token_value', 'service-id': 'srv-abc123' };

const PR: RunEvent = {
  name: 'pull_request',
  pullRequest: { number: 12, headRef: 'feature/x', headSha: HEAD, fork: false },
};
const DEPLOYMENT: RunEvent = {
  name: 'deployment_status',
  deploymentStatus: {
    state: 'success',
    environment: 'production',
    environmentUrl: 'https://deployed.example.com',
    sha: HEAD,
    transient: false,
  },
};

function read(
  given: Record<string, string>,
  options: { event?: RunEvent; env?: Record<string, string | undefined> } = {},
): { config?: Config; problems: ConfigProblem[] } {
  const source = runnerSource(given, {
    event: options.event,
    env: { GITHUB_WORKSPACE: workspace, ...options.env },
  });
  try {
    return { config: getConfig(source, new SecretRegistry(() => undefined)), problems: [] };
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems };
    throw error;
  }
}

const configOf = (given: Record<string, string>, options?: Parameters<typeof read>[1]): Config => {
  const { config, problems } = read(given, options);
  expect(problems).toEqual([]);
  return config as Config;
};

describe('isPreview', () => {
  it.each([
    [undefined, false],
    [{ name: 'push' }, false],
    [PR, true],
    [DEPLOYMENT, false],
    [
      { name: 'deployment_status', deploymentStatus: { ...DEPLOYMENT.deploymentStatus!, transient: true } },
      true,
    ],
    [
      { name: 'deployment_status', deploymentStatus: { ...DEPLOYMENT.deploymentStatus!, pullNumber: 7 } },
      true,
    ],
  ] as [RunEvent | undefined, boolean][])('%j: %s', (event, preview) => {
    expect(isPreview(event)).toBe(preview);
  });

  it('defaults rollback to never on a preview only', () => {
    expect(configOf(RENDER, { event: PR }).rollback).toBe('never');
    expect(configOf(RENDER, { event: DEPLOYMENT }).rollback).toBe('on-failure');
  });
});

describe('repositoryRead', () => {
  function readRepo(given: Record<string, string>, env: Record<string, string | undefined>) {
    const masked: string[] = [];
    const result = repositoryRead(
      { input: (name) => given[name] ?? '', env },
      new SecretRegistry((value) => masked.push(value)),
    );
    return { result, masked };
  }

  it('names the checks file to fetch, with the masked token and the workflow’s commit', () => {
    expect(
      readRepo(
        { 'github-token': ' ghs_token_value ', checks: 'ci/checks.yml' },
        { GITHUB_WORKSPACE: workspace, GITHUB_SHA: SHA },
      ),
    ).toEqual({
      result: { checksPath: 'ci/checks.yml', token: 'ghs_token_value', ref: SHA },
      masked: ['ghs_token_value'],
    });
  });

  it('has no token to mask when none is given', () => {
    expect(readRepo({ checks: 'ci/checks.yml' }, { GITHUB_WORKSPACE: workspace })).toEqual({
      result: { checksPath: 'ci/checks.yml', token: undefined, ref: undefined },
      masked: [],
    });
  });

  it('looks in the current directory without GITHUB_WORKSPACE', () => {
    // The tests run from the repository root, which holds package.json; the temporary workspace does not.
    expect(readRepo({ checks: 'package.json' }, {}).result.checksPath).toBeUndefined();
    expect(readRepo({ checks: 'package.json' }, { GITHUB_WORKSPACE: workspace }).result.checksPath).toBe(
      'package.json',
    );
  });
});

describe('getConfig: url and health-path', () => {
  it('accepts plain http for the service, but not for the provider API', () => {
    expect(configOf({ url: 'http://app.example.com' }).url?.href).toBe('http://app.example.com/');
    expect(read({ ...RENDER, 'api-url': 'http://api.example.com' }).problems.map((p) => p.input)).toEqual([
      'api-url',
    ]);
  });

  it('takes the deployment’s URL by default', () => {
    expect(configOf({}, { event: DEPLOYMENT }).url?.href).toBe('https://deployed.example.com/');
  });

  it('refuses a url that already ends in the health path', () => {
    expect(read({ url: 'https://app.example.com/api/health//' }).problems).toEqual([
      {
        input: 'url',
        value: 'https://app.example.com/api/health//',
        problem:
          'already ends in `health-path` (/health), so the health check would ask for /api/health/health',
        fix: "give the service's base URL in `url`, e.g. https://app.example.com, and keep the health path in `health-path`",
      },
    ]);
    expect(
      read({ url: 'https://app.example.com/ready', 'health-path': '/ready//' }).problems.map((p) => p.input),
    ).toEqual(['url']);
  });

  it('accepts a url that only starts with the health path, and any url with health-path /', () => {
    expect(configOf({ url: 'https://app.example.com/health/v1' }).url?.pathname).toBe('/health/v1');
    expect(configOf({ url: 'https://app.example.com/api/', 'health-path': '/' }).healthPath).toBe('/');
  });
});

describe('getConfig: provider', () => {
  it('reports an unknown provider once, without the rules of provider none', () => {
    expect(read({ provider: 'heroku' }).problems.map((p) => p.input)).toEqual(['provider']);
  });

  it('still checks the rules when another input has a problem', () => {
    expect(read({ 'health-path': 'health' }).problems.map((p) => p.input)).toEqual(['health-path', 'url']);
  });

  it('says a fork has no token', () => {
    const fork = { ...PR, pullRequest: { ...PR.pullRequest!, fork: true } };
    const withoutToken = { ...RENDER, 'api-token': '' };
    const forked = read(withoutToken, { event: fork }).problems;
    expect(forked[0]?.fix).toMatch(/^this is a pull request from a fork/);
    const own = read(withoutToken, { event: PR }).problems;
    expect(own[0]?.fix).toBe('pass the render API token from a secret');
  });

  it('targets the pull request’s preview with a provider only', () => {
    expect(configOf(RENDER, { event: PR }).pullRequest).toEqual({ number: 12, branch: 'feature/x' });
    expect(configOf(RENDER).pullRequest).toBeUndefined();
    expect(configOf(URL_ONLY, { event: PR }).pullRequest).toBeUndefined();
  });
});

describe('getConfig: versions', () => {
  it.each([
    ['header:X-App-Version', { kind: 'header', name: 'x-app-version' }],
    ['HEADER:  X-Ver', { kind: 'header', name: 'x-ver' }],
    ['/build/sha', { kind: 'pointer', pointer: '/build/sha' }],
    ['none', { kind: 'none' }],
  ])('reads version-from %j', (value, versionFrom) => {
    expect(configOf({ ...URL_ONLY, 'version-from': value }).versionFrom).toEqual(versionFrom);
  });

  it('refuses a header that is not a header name', () => {
    expect(read({ ...URL_ONLY, 'version-from': 'header:bad name' }).problems).toEqual([
      {
        input: 'version-from',
        value: 'header:bad name',
        problem: 'names no valid header',
        fix: 'write header:<Name>, e.g. header:X-App-Version',
      },
    ]);
  });

  it('expects the deployed commit without a provider, unless version-from is none', () => {
    expect(configOf({}, { event: DEPLOYMENT }).expectVersion).toBe(HEAD);
    expect(configOf({ 'version-from': 'none' }, { event: DEPLOYMENT }).expectVersion).toBeUndefined();
    expect(configOf(RENDER, { event: DEPLOYMENT }).expectVersion).toBeUndefined();
    expect(configOf({ 'expect-version': 'v1.2.3' }, { event: DEPLOYMENT }).expectVersion).toBe('v1.2.3');
    expect(configOf(URL_ONLY).expectVersion).toBeUndefined();
  });

  it('refuses an expected version too short to match, and one that cannot be checked', () => {
    expect(read({ ...URL_ONLY, 'expect-version': 'abc12' }).problems).toEqual([
      {
        input: 'expect-version',
        value: 'abc12',
        problem:
          'is a hex string of 5 characters: a commit SHA matches by a prefix of at least 7, so no version could ever match it',
        fix: 'give at least 7 characters of the commit SHA, e.g. `expect-version: ${{ github.sha }}`',
      },
    ]);
    expect(read({ ...URL_ONLY, 'expect-version': 'v1.2.3', 'version-from': 'none' }).problems).toEqual([
      {
        input: 'expect-version',
        value: 'v1.2.3',
        problem: 'cannot be checked: `version-from` is none, which says the service reports no version',
        fix: 'remove `expect-version`, or point `version-from` at where the service reports its version',
      },
    ]);
  });
});

describe('getConfig: commit', () => {
  it('takes the event’s commit over the github.sha default', () => {
    expect(configOf(RENDER, { event: PR }).commit).toBe(HEAD);
    expect(configOf(RENDER, { event: DEPLOYMENT }).commit).toBe(HEAD);
    expect(configOf(RENDER).commit).toBe(DEFAULT_SHA);
  });

  it('takes a commit the user gave over the event’s', () => {
    expect(configOf({ ...RENDER, commit: SHA }, { event: PR }).commit).toBe(SHA);
    expect(configOf({ ...RENDER, commit: SHA }).commit).toBe(SHA);
  });

  it('falls back to GITHUB_SHA, then to nothing', () => {
    expect(configOf({ ...URL_ONLY, commit: '' }, { env: { GITHUB_SHA: SHA } }).commit).toBe(SHA);
    expect(configOf({ ...URL_ONLY, commit: '' }, { env: { GITHUB_SHA: undefined } }).commit).toBe('');
  });

  it.each(['zzz1234567', '1234567zz', '123456', 'not-a-sha'])('refuses commit %j', (commit) => {
    expect(read({ ...RENDER, commit }).problems).toEqual([
      {
        input: 'commit',
        value: commit,
        problem: 'is not a commit SHA',
        fix: 'pass a full or 7+ character hex SHA, e.g. ${{ github.sha }}',
      },
    ]);
  });
});

describe('getConfig: durations and the run', () => {
  it('has no notes when nothing adapted', () => {
    expect(configOf(URL_ONLY).notes).toStrictEqual([]);
  });

  it('does not fit durations around one that is already wrong', () => {
    expect(read({ ...URL_ONLY, timeout: 'soon', interval: '20m' }).problems.map((p) => p.input)).toEqual([
      'timeout',
    ]);
  });

  it('names the run from the runner, or as a local one', () => {
    expect(configOf(URL_ONLY).run).toMatchObject({ id: 'local', attempt: '1' });
    expect(configOf(URL_ONLY, { env: { GITHUB_RUN_ID: '99', GITHUB_RUN_ATTEMPT: '3' } }).run).toMatchObject({
      id: '99',
      attempt: '3',
    });
  });
});

describe('getConfig: secrets are masked before anything else reads them', () => {
  it('registers the API token and the GitHub token, even when the run then stops on a problem', () => {
    const apiToken = 'rnd_Qx7vL2mZ9pK4wT8nB3cF6hJ1';
    const githubToken = 'ghs_Rk5sW9dV2xN7qL4tY8bH3mC6';
    for (const given of [
      { ...RENDER, 'api-token': apiToken, 'github-token': githubToken },
      { ...RENDER, 'api-token': apiToken, 'github-token': githubToken, timeout: 'soon' },
    ]) {
      const masked: string[] = [];
      const secrets = new SecretRegistry((part) => masked.push(part));
      const source = runnerSource(given, { env: { GITHUB_WORKSPACE: workspace } });
      try {
        getConfig(source, secrets);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
      }
      expect(masked).toEqual(expect.arrayContaining([apiToken, githubToken]));
      expect(secrets.redact(`sent ${githubToken} and ${apiToken}`)).toBe('sent *** and ***');
    }
  });
});
