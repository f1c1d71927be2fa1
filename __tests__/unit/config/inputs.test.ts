/**
 * The runner fills every input's action.yml default into `INPUT_*`: a default must never read as a choice
 * the user made. These tests build the inputs exactly as the runner does (test-kit/runner) for every mode
 * and every event, and require a valid configuration.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { getConfig, INPUT_DEFAULTS, type ConfigSource } from '../../../src/config/index.js';
import { InputReader, runnerConfigSource } from '../../../src/config/inputs.js';
import type { RunEvent } from '../../../src/event.js';
import { ConfigError } from '../../../src/errors.js';
import { SecretRegistry } from '../../../src/secrets.js';
import { readActionManifest } from '../../../test-kit/runner/action.js';
import { runnerSource } from '../../helpers/config-source.js';

const manifest = readActionManifest();
const SHA = '0123456789abcdef0123456789abcdef01234567';
const source = (given: Record<string, string>, event: RunEvent): ConfigSource =>
  runnerSource(given, {
    event,
    githubToken: 'ghs_default_token_value',
    env: { GITHUB_SHA: SHA, GITHUB_WORKSPACE: '/tmp', GITHUB_EVENT_NAME: event.name },
  });
const HEAD_SHA = 'fedcba9876543210fedcba9876543210fedcba98';

/** The least each mode needs. */
const MODES: Record<string, Record<string, string>> = {
  none: { url: 'https://app.example.com' },
  render: { provider: 'render', 'api-token': 'rnd_token_value', 'service-id': 'srv-abc123' },
  railway: {
    provider: 'railway',
    'api-token': 'railway-token-value',
    'service-id': '11111111-2222-3333-4444-555555555555',
    'environment-id': '66666666-7777-8888-9999-000000000000',
  },
};

const EVENTS: Record<string, RunEvent> = {
  push: { name: 'push' },
  workflow_dispatch: { name: 'workflow_dispatch' },
  pull_request: {
    name: 'pull_request',
    pullRequest: { number: 12, headRef: 'feature', headSha: HEAD_SHA, fork: false },
  },
  deployment_status: {
    name: 'deployment_status',
    deploymentStatus: {
      state: 'success',
      environment: 'production',
      environmentUrl: 'https://app.example.com',
      sha: HEAD_SHA,
      transient: false,
    },
  },
};

function problems(given: Record<string, string>, event: RunEvent): string[] {
  try {
    getConfig(source(given, event), new SecretRegistry(() => undefined));
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.input}: ${p.problem}`);
    throw error;
  }
}

describe('action.yml defaults, filled in as the runner fills them', () => {
  it('are the defaults config.ts applies, in both directions', () => {
    const declared = Object.fromEntries(
      Object.entries(manifest.inputs).map(([name, input]) => [name, input.default ?? '']),
    );
    expect(INPUT_DEFAULTS).toEqual(declared);
  });

  for (const [mode, given] of Object.entries(MODES)) {
    for (const [eventName, event] of Object.entries(EVENTS)) {
      it(`give a valid configuration with provider ${mode} on ${eventName}`, () => {
        expect(problems(given, event)).toEqual([]);
      });
    }
  }

  it('adapt interval and request-timeout to a short timeout the user set, and say so', () => {
    const config = getConfig(
      source({ url: 'https://app.example.com', timeout: '2s' }, EVENTS.push as RunEvent),
      new SecretRegistry(() => undefined),
    );
    expect(config.timeoutMs).toBe(2000);
    expect(config.intervalMs).toBeLessThan(2000);
    expect(config.requestTimeoutMs).toBeLessThanOrEqual(2000);
    expect(config.notes.join('\n')).toMatch(/`interval` is 1s instead of its default 5s: `timeout` is 2s/);
    expect(config.notes.join('\n')).toMatch(/`request-timeout` is 2s instead of its default 10s/);
  });

  it('raise a defaulted timeout to an interval the user set', () => {
    const config = getConfig(
      source({ url: 'https://app.example.com', interval: '20m' }, EVENTS.push as RunEvent),
      new SecretRegistry(() => undefined),
    );
    expect(config.timeoutMs).toBeGreaterThan(config.intervalMs);
    expect(config.notes.join('\n')).toMatch(/`timeout`/);
  });

  it('still refuse two values the user chose that conflict', () => {
    // A value equal to its default cannot be told from the default itself, so the user's interval is 3s.
    expect(
      problems({ url: 'https://app.example.com', timeout: '2s', interval: '3s' }, EVENTS.push as RunEvent),
    ).toEqual([expect.stringMatching(/^interval: is not shorter than `timeout`/)]);
  });

  it('never produce a problem with the minimum inputs of any mode (property)', () => {
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 40, maxLength: 40 });
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(MODES)),
        fc.constantFrom(...Object.keys(EVENTS)),
        fc.webUrl({ validSchemes: ['https'], withQueryParameters: false, withFragments: false }),
        fc.stringMatching(/^[A-Za-z0-9_-]{8,40}$/),
        hex,
        (mode, eventName, url, token, sha) => {
          const given = { ...MODES[mode] };
          if (mode === 'none') given.url = url;
          else given['api-token'] = token;
          const event = { ...(EVENTS[eventName] as RunEvent) };
          if (event.deploymentStatus) event.deploymentStatus = { ...event.deploymentStatus, sha };
          expect(problems(given, event)).toEqual([]);
        },
      ),
      { seed: 20261202, numRuns: 300 },
    );
  });
});

describe('InputReader, rule by rule', () => {
  /** Written as a duration, but too large for a number of milliseconds. */
  const HUGE = `${'9'.repeat(400)}h`;
  const readerOf = (given: Record<string, string>) =>
    new InputReader({ input: (name) => given[name] ?? '', env: {} });

  it('reads the runner’s INPUT_* variables, trimmed', () => {
    process.env['INPUT_HEALTH-PATH'] = '  /ready  ';
    try {
      expect(runnerConfigSource.input('health-path')).toBe('/ready');
      expect(runnerConfigSource.env).toBe(process.env);
    } finally {
      delete process.env['INPUT_HEALTH-PATH'];
    }
  });

  it('trims raw values, and takes the default for an empty one', () => {
    const reader = readerOf({ 'health-path': '  /ready \n', interval: '   ' });
    expect(reader.raw('health-path')).toBe('/ready');
    expect(reader.value('interval')).toBe('5s');
  });

  it('counts as chosen only a value that differs from the default', () => {
    const reader = readerOf({ interval: '5s', timeout: '2m', 'health-path': '' });
    expect(reader.chosen('interval')).toBe(false);
    expect(reader.chosen('timeout')).toBe(true);
    expect(reader.chosen('health-path')).toBe(false);
    expect(reader.chosen('url')).toBe(false);
  });

  it('takes one of the allowed values, in any case only when asked', () => {
    const reader = readerOf({ provider: 'Render', comment: 'Always', rollback: '' });
    expect(reader.choice('provider', ['render', 'none'], undefined, true)).toBe('render');
    expect(reader.choice('comment', ['auto', 'always', 'never'])).toBe('auto');
    expect(reader.choice('rollback', ['on-failure', 'never'], 'never')).toBe('never');
    expect(reader.choice('api-token-type', ['auto', 'account'])).toBe('auto');
    expect(reader.problems).toEqual([
      {
        input: 'comment',
        value: 'Always',
        problem: 'must be one of auto, always, never',
        fix: 'set `comment` to one of: auto, always, never',
      },
    ]);
  });

  it('reports a choice that is not allowed and returns the empty value’s stand-in', () => {
    const reader = readerOf({ rollback: 'sometimes' });
    expect(reader.choice('rollback', ['on-failure', 'never'], 'never')).toBe('never');
    expect(reader.problems[0]).toMatchObject({ input: 'rollback', value: 'sometimes' });
  });

  it('accepts a duration at either end of its range, and names the range otherwise', () => {
    const reader = readerOf({
      timeout: '1s',
      interval: '1h',
      soak: '2h',
      'request-timeout': HUGE,
    });
    expect(reader.duration('timeout', 1000, 3_600_000)).toBe(1000);
    expect(reader.duration('interval', 1000, 3_600_000)).toBe(3_600_000);
    expect(reader.duration('soak', 1000, 3_600_000)).toBe(30_000);
    expect(reader.duration('request-timeout', 1000, 3_600_000)).toBe(10_000);
    expect(reader.problems).toEqual([
      {
        input: 'soak',
        value: '2h',
        problem: 'must be between 1s and 1h00m',
        fix: 'choose a value in that range',
      },
      {
        input: 'request-timeout',
        value: HUGE,
        problem: 'is too large; it must be between 1s and 1h00m',
        fix: 'choose a value in that range',
      },
    ]);
    const below = readerOf({ timeout: '999ms' });
    expect(below.duration('timeout', 1000, 3_600_000)).toBe(600_000);
    expect(below.problems).toHaveLength(1);
  });

  it.each([
    ['1', 1],
    ['20', 20],
    ['10', 10],
  ])('accepts the whole number %j', (value, expected) => {
    const reader = readerOf({ 'success-threshold': value });
    expect(reader.integer('success-threshold', 1, 20)).toBe(expected);
    expect(reader.problems).toEqual([]);
  });

  it.each(['0', '21', '+2', '2.', '2e0', '1x', 'x1', '-1', ' '])('refuses %j as a whole number', (value) => {
    const reader = readerOf({ 'success-threshold': value });
    expect(reader.integer('success-threshold', 1, 20)).toBe(2);
    if (value.trim() !== '') {
      expect(reader.problems).toEqual([
        {
          input: 'success-threshold',
          value,
          problem: 'must be a whole number from 1 to 20',
          fix: 'set `success-threshold` to e.g. 2',
        },
      ]);
    }
  });

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('reads the boolean %j', (value, expected) => {
    const reader = readerOf({ deploy: value });
    expect(reader.boolean('deploy')).toBe(expected);
    expect(reader.problems).toEqual([]);
  });

  it.each(['yes', 'truex', 'xtrue', 'falsey', 'nofalse', 'tRUE'])(
    'refuses %j as a boolean, reading false',
    (value) => {
      const reader = readerOf({ deploy: value });
      expect(reader.boolean('deploy')).toBe(false);
      expect(reader.problems).toEqual([
        { input: 'deploy', value, problem: 'is not a boolean', fix: 'use true or false' },
      ]);
    },
  );
});
