import * as core from '@actions/core';
import type { ConfigProblem } from '../errors.js';
import type { RunEvent } from '../event.js';
import { formatDuration, isDurationText, parseDuration } from '../duration.js';

/**
 * Every input action.yml declares, with the default it declares, as written there (a test keeps the two
 * equal both ways). The runner fills these into `INPUT_*` whenever the workflow gives no value, so a value
 * equal to its default is never treated as a choice the user made.
 */
export const INPUT_DEFAULTS = {
  url: '',
  'health-path': '/health',
  'health-schema': '',
  'expect-version': '',
  'version-from': '/version',
  checks: '',
  provider: 'none',
  'api-token': '',
  'api-token-type': 'auto',
  'service-id': '',
  'environment-id': '',
  'api-url': '',
  commit: '${{ github.sha }}',
  'deploy-id': '',
  deploy: 'false',
  timeout: '10m',
  interval: '5s',
  'request-timeout': '10s',
  'success-threshold': '2',
  'failure-threshold': '3',
  soak: '30s',
  rollback: '',
  'pause-auto-deploy': 'false',
  headers: '',
  'github-token': '${{ github.token }}',
  comment: 'auto',
} as const;

/** An input's name, as action.yml declares it. */
export type InputName = keyof typeof INPUT_DEFAULTS;

/** Where inputs and the runner's environment come from; tests pass plain objects. */
export interface ConfigSource {
  /** Returns the raw input (empty string when unset), like `core.getInput`. */
  input(name: string): string;
  env: Record<string, string | undefined>;
  /** The nonce saved by `pre`, so `{{ run.nonce }}` is the same in pre, main and post. */
  runNonce?: string;
  /** The triggering event (deployment_status, pull_request): defaults for `url`, `commit` and `rollback`. */
  event?: RunEvent;
  /**
   * Files read from the repository through the GitHub API, by the path the input gives: pre runs before
   * actions/checkout, so a checks file is not in the workspace yet when it writes the canary.
   */
  repositoryFiles?: Record<string, { text: string; ref: string }>;
}

/** Reads inputs the way the runner passes them (`INPUT_*`). */
export const runnerConfigSource: ConfigSource = {
  input: (name) => core.getInput(name),
  env: process.env,
};

/**
 * Reads inputs one kind at a time and collects every problem, so a user fixes them all in one round trip.
 * A value that fails its rule is reported and replaced by its default, so later rules still see a value.
 */
export class InputReader {
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly source: ConfigSource) {}

  /** The trimmed value as the runner passed it. */
  raw(name: InputName): string {
    return this.source.input(name).trim();
  }

  /** The value, or its default when empty. */
  value(name: InputName): string {
    return this.raw(name) || INPUT_DEFAULTS[name];
  }

  /** Whether the user gave this input: the runner passes a default exactly as action.yml declares it. */
  chosen(name: InputName): boolean {
    const value = this.raw(name);
    return value !== '' && value !== INPUT_DEFAULTS[name];
  }

  problem(input: string, value: string, problem: string, fix: string): void {
    this.problems.push({ input, value, problem, fix });
  }

  /**
   * One of `allowed`; `empty` is used for an empty value (the default when absent). `ignoreCase` accepts
   * any case for names people capitalise (`provider: Render`).
   */
  choice<T extends string>(name: InputName, allowed: readonly T[], empty?: T, ignoreCase = false): T {
    const given = this.raw(name) === '' && empty !== undefined ? empty : this.value(name);
    const value = ignoreCase ? given.toLowerCase() : given;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problem(
      name,
      given,
      `must be one of ${allowed.join(', ')}`,
      `set \`${name}\` to one of: ${allowed.join(', ')}`,
    );
    return (empty ?? INPUT_DEFAULTS[name]) as T;
  }

  duration(name: InputName, minMs: number, maxMs: number): number {
    const value = this.value(name);
    const ms = parseDuration(value);
    const fallback = parseDuration(INPUT_DEFAULTS[name]) as number;
    const range = `must be between ${formatDuration(minMs)} and ${formatDuration(maxMs)}`;
    if (ms === undefined && isDurationText(value)) {
      // Written as a duration, but too large to represent: out of range, not malformed.
      this.problem(name, value, `is too large; it ${range}`, 'choose a value in that range');
      return fallback;
    }
    if (ms === undefined) {
      this.problem(name, value, 'is not a duration', `write a number with a unit: 500ms, 90s, 10m or 1h`);
      return fallback;
    }
    if (ms < minMs || ms > maxMs) {
      this.problem(name, value, range, 'choose a value in that range');
      return fallback;
    }
    return ms;
  }

  integer(name: InputName, min: number, max: number): number {
    const value = this.value(name);
    if (/^\d+$/.test(value) && Number(value) >= min && Number(value) <= max) return Number(value);
    this.problem(
      name,
      value,
      `must be a whole number from ${min} to ${max}`,
      `set \`${name}\` to e.g. ${INPUT_DEFAULTS[name]}`,
    );
    return Number(INPUT_DEFAULTS[name]);
  }

  boolean(name: InputName): boolean {
    const value = this.value(name);
    if (/^(true|True|TRUE)$/.test(value)) return true;
    if (/^(false|False|FALSE)$/.test(value)) return false;
    this.problem(name, value, 'is not a boolean', 'use true or false');
    return false;
  }
}
