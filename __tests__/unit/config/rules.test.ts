/**
 * The rules between inputs (src/config/rules.ts): what each provider requires, what applies only with a
 * provider (or only with some), what conflicts, and how `interval`, `request-timeout` and `timeout` fit.
 */
import { describe, expect, it } from '@jest/globals';
import { InputReader, type InputName } from '../../../src/config/inputs.js';
import {
  checkProviderInputs,
  fitDurations,
  MAX_TIMEOUT_MS,
  type ProviderInputs,
} from '../../../src/config/rules.js';
import type { ConfigProblem } from '../../../src/errors.js';

/** A reader over `given` (everything else unset), with `before` already reported. */
function readerOf(given: Partial<Record<InputName, string>> = {}, before: ConfigProblem[] = []): InputReader {
  const reader = new InputReader({ input: (name) => given[name as InputName] ?? '', env: {} });
  reader.problems.push(...before);
  return reader;
}

function check(inputs: Partial<ProviderInputs>, before: ConfigProblem[] = []): ConfigProblem[] {
  const reader = readerOf({}, before);
  checkProviderInputs(reader, {
    provider: 'render',
    apiToken: 'rnd_token',
    serviceId: 'srv-123',
    own: {},
    deploy: false,
    pauseAutoDeploy: false,
    commit: 'a'.repeat(40),
    fork: false,
    ...inputs,
  });
  return reader.problems;
}

describe('checkProviderInputs with a provider', () => {
  it('accepts a complete configuration', () => {
    expect(check({})).toEqual([]);
  });

  it('requires the token and the service, and says why a fork has no token', () => {
    expect(check({ apiToken: undefined, serviceId: undefined })).toEqual([
      {
        input: 'api-token',
        value: '',
        problem: 'is required when `provider` is render',
        fix: 'pass the render API token from a secret',
      },
      {
        input: 'service-id',
        value: '',
        problem: 'is required when `provider` is render',
        fix: 'set the render service ID',
      },
    ]);
    expect(check({ apiToken: '', fork: true })).toEqual([
      {
        input: 'api-token',
        value: '',
        problem: 'is required when `provider` is render',
        fix:
          'this is a pull request from a fork, and forks get no secrets: skip the job for forks with ' +
          '`if: github.event.pull_request.head.repo.full_name == github.repository`',
      },
    ]);
  });

  it('runs the provider’s own rules on what was given', () => {
    expect(check({ provider: 'railway', own: {} })).toEqual([
      {
        input: 'environment-id',
        value: '',
        problem: 'is required when `provider` is railway',
        fix: 'set the Railway environment ID',
      },
    ]);
    expect(check({ provider: 'railway', own: { 'environment-id': 'env-1', 'api-token-type': '' } })).toEqual(
      [],
    );
  });

  it('lets a provider check the form of the service ID, and only when there is one', () => {
    const missing = check({ provider: 'cloud-run', apiToken: undefined, serviceId: undefined });
    expect(missing.map((p) => [p.input, p.problem])).toEqual([
      ['service-id', 'is required when `provider` is cloud-run'],
    ]);
    const malformed = check({ provider: 'cloud-run', serviceId: 'not a service name' });
    expect(malformed.map((p) => [p.input, p.value])).toEqual([['service-id', 'not a service name']]);
  });

  it('refuses pause-auto-deploy for a provider without the capability', () => {
    expect(check({ provider: 'railway', own: { 'environment-id': 'env-1' }, pauseAutoDeploy: true })).toEqual(
      [
        {
          input: 'pause-auto-deploy',
          value: 'true',
          problem: 'only applies to Render',
          fix: expect.stringMatching(/^(?!remove `pause-auto-deploy`$).+/),
        },
      ],
    );
    expect(check({ pauseAutoDeploy: true })).toEqual([]);
  });

  it('refuses an input that only another provider takes', () => {
    expect(check({ own: { 'environment-id': 'env-1', 'api-token-type': '' } })).toEqual([
      {
        input: 'environment-id',
        value: 'env-1',
        problem: 'only applies to Railway',
        fix: 'remove `environment-id` for Render',
      },
    ]);
  });

  it('refuses deploy-id with deploy: true', () => {
    expect(check({ deploy: true, deployId: 'dep-9' })).toEqual([
      {
        input: 'deploy-id',
        value: 'dep-9',
        problem: 'conflicts with `deploy: true`, which creates a new deploy',
        fix: 'remove one of the two',
      },
    ]);
    expect(check({ deploy: true })).toEqual([]);
    expect(check({ deployId: 'dep-9' })).toEqual([]);
  });

  it('needs a commit or a deploy ID to find the deploy', () => {
    expect(check({ commit: '' })).toEqual([
      {
        input: 'commit',
        value: '',
        problem: 'is empty and GITHUB_SHA is not set',
        fix: 'pass `commit`, or `deploy-id`',
      },
    ]);
    expect(check({ commit: '', deployId: 'dep-9' })).toEqual([]);
  });
});

describe('checkProviderInputs without a provider', () => {
  const none = (inputs: Partial<ProviderInputs>, before: ConfigProblem[] = []) =>
    check(
      {
        provider: 'none',
        apiToken: undefined,
        serviceId: undefined,
        serviceUrl: new URL('https://a.example'),
        ...inputs,
      },
      before,
    );

  it('needs only the url', () => {
    expect(none({})).toEqual([]);
    expect(none({ serviceUrl: undefined })).toEqual([
      {
        input: 'url',
        value: '',
        problem: 'is required when `provider` is none',
        fix: 'set `url` to the base URL of the deployed service',
      },
    ]);
  });

  it('does not repeat a problem already reported for url', () => {
    const earlier = { input: 'url', value: 'x', problem: 'is not an absolute URL', fix: 'f' };
    expect(none({ serviceUrl: undefined }, [earlier])).toEqual([earlier]);
    const other = { input: 'headers', value: 'x', problem: 'p', fix: 'f' };
    expect(none({ serviceUrl: undefined }, [other]).map((p) => p.input)).toEqual(['headers', 'url']);
  });

  it('refuses each input that needs a provider, never quoting the token', () => {
    const choose = expect.stringMatching(/^set `provider` to render or railway or .+, or remove this input$/);
    const problem = 'only applies with a provider, but `provider` is none';
    expect(
      none({
        apiToken: 'rnd_secret_token',
        serviceId: 'srv-1',
        own: { 'environment-id': 'env-1', 'api-token-type': '' },
        deployId: 'dep-1',
        deploy: true,
        pauseAutoDeploy: true,
      }),
    ).toEqual([
      { input: 'api-token', value: '***', problem, fix: choose },
      { input: 'service-id', value: 'srv-1', problem, fix: choose },
      { input: 'environment-id', value: 'env-1', problem, fix: choose },
      { input: 'deploy-id', value: 'dep-1', problem, fix: choose },
      {
        input: 'deploy',
        value: 'true',
        problem: 'needs a provider to trigger the deploy',
        fix: 'set `provider`, or remove `deploy`',
      },
      {
        input: 'pause-auto-deploy',
        value: 'true',
        problem: 'needs a provider: it turns off auto-deploy after a rollback',
        fix: 'set `provider`, or remove `pause-auto-deploy`',
      },
    ]);
  });
});

describe('fitDurations', () => {
  function fit(
    durations: { timeout: number; interval: number; 'request-timeout': number },
    given: Partial<Record<InputName, string>>,
  ) {
    const reader = readerOf(given);
    const notes: string[] = [];
    fitDurations(durations, reader, notes);
    return { durations, problems: reader.problems, notes };
  }
  const S = 1000;

  it('leaves durations that fit alone', () => {
    expect(fit({ timeout: 60 * S, interval: 5 * S, 'request-timeout': 60 * S }, {})).toEqual({
      durations: { timeout: 60 * S, interval: 5 * S, 'request-timeout': 60 * S },
      problems: [],
      notes: [],
    });
  });

  it('refuses an interval the user chose that is not shorter than a timeout the user chose', () => {
    expect(
      fit(
        { timeout: 10 * S, interval: 10 * S, 'request-timeout': 5 * S },
        { timeout: '10s', interval: '10s' },
      ),
    ).toEqual({
      durations: { timeout: 10 * S, interval: 10 * S, 'request-timeout': 5 * S },
      problems: [
        {
          input: 'interval',
          value: '10s',
          problem: 'is not shorter than `timeout` (10s)',
          fix: 'use a shorter interval or a longer timeout',
        },
      ],
      notes: [],
    });
  });

  it('refuses a request-timeout the user chose that is longer than a timeout the user chose', () => {
    expect(
      fit(
        { timeout: 10 * S, interval: 2 * S, 'request-timeout': 11 * S },
        { timeout: '10s', 'request-timeout': '11s' },
      ).problems,
    ).toEqual([
      {
        input: 'request-timeout',
        value: '11s',
        problem: 'is longer than `timeout` (10s)',
        fix: 'use a request-timeout no longer than timeout',
      },
    ]);
  });

  it('grows a defaulted timeout to twice a long interval, within the maximum', () => {
    expect(
      fit({ timeout: 600 * S, interval: 900 * S, 'request-timeout': 10 * S }, { interval: '15m' }),
    ).toEqual({
      durations: { timeout: 1800 * S, interval: 900 * S, 'request-timeout': 10 * S },
      problems: [],
      notes: ['`timeout` is 30m00s instead of its default 10m00s: `interval` is 15m00s.'],
    });
    const capped = fit(
      { timeout: 600 * S, interval: 4 * 3_600_000, 'request-timeout': 10 * S },
      { interval: '4h' },
    );
    expect(capped.durations.timeout).toBe(MAX_TIMEOUT_MS);
  });

  it('grows a defaulted timeout to a long request-timeout', () => {
    expect(
      fit({ timeout: 600 * S, interval: 5 * S, 'request-timeout': 900 * S }, { 'request-timeout': '15m' }),
    ).toEqual({
      durations: { timeout: 900 * S, interval: 5 * S, 'request-timeout': 900 * S },
      problems: [],
      notes: ['`timeout` is 15m00s instead of its default 10m00s: `request-timeout` is 15m00s.'],
    });
  });

  it('shrinks a defaulted interval and request-timeout to a short timeout', () => {
    expect(fit({ timeout: 4 * S, interval: 5 * S, 'request-timeout': 10 * S }, { timeout: '4s' })).toEqual({
      durations: { timeout: 4 * S, interval: 2 * S, 'request-timeout': 4 * S },
      problems: [],
      notes: [
        '`interval` is 2s instead of its default 5s: `timeout` is 4s.',
        '`request-timeout` is 4s instead of its default 10s: `timeout` is 4s.',
      ],
    });
    expect(
      fit({ timeout: 150, interval: 5 * S, 'request-timeout': 10 * S }, { timeout: '150ms' }).durations
        .interval,
    ).toBe(100);
  });
});
