import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as core from '@actions/core';
import { parse as parseYaml } from 'yaml';
import { parseChecksFile } from './checks/parse.js';
import type { ChecksFile } from './checks/types.js';
import { parseDuration } from './duration.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { isJsonPointer } from './json-pointer.js';
import { compileSchema, type ValidateFunction } from './json-schema.js';
import type { SecretRegistry } from './secrets.js';

export type ProviderName = 'render' | 'railway' | 'none';
export type RollbackMode = 'on-failure' | 'never' | 'dry-run';
export type CommentMode = 'auto' | 'always' | 'never';
export type VersionSource = { kind: 'pointer'; pointer: string } | { kind: 'header'; name: string };

/** The run's variables templates can use as `run.*`. */
export interface RunVariables {
  id: string;
  attempt: string;
  nonce: string;
  sha: string;
}

/** Every input, parsed and validated once. Nothing else in the action reads inputs. */
export interface Config {
  url?: URL;
  healthPath: string;
  healthSchema?: { source: string; validate: ValidateFunction };
  expectVersion?: string;
  versionFrom: VersionSource;
  checks?: { source: string; file: ChecksFile };
  provider: ProviderName;
  apiToken?: string;
  serviceId?: string;
  environmentId?: string;
  apiUrl?: URL;
  commit: string;
  deployId?: string;
  deploy: boolean;
  /** After a rollback, turn the provider's auto-deploy off so the next push does not undo it. */
  pauseAutoDeploy: boolean;
  timeoutMs: number;
  intervalMs: number;
  requestTimeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
  rollback: RollbackMode;
  headers: Record<string, string>;
  githubToken?: string;
  comment: CommentMode;
  run: RunVariables;
  workspace: string;
}

/** Defaults of every input; action.yml repeats them and a test keeps the two equal. */
export const INPUT_DEFAULTS = {
  'health-path': '/health',
  'version-from': '/version',
  provider: 'none',
  deploy: 'false',
  'pause-auto-deploy': 'false',
  timeout: '10m',
  interval: '5s',
  'request-timeout': '10s',
  'success-threshold': '2',
  'failure-threshold': '3',
  rollback: 'on-failure',
  comment: 'auto',
} as const;

/** Where inputs and the runner's environment come from; tests pass plain objects. */
export interface ConfigSource {
  /** Returns the raw input (empty string when unset), like `core.getInput`. */
  input(name: string): string;
  env: Record<string, string | undefined>;
  /** The nonce saved by `pre`, so `{{ run.nonce }}` is the same in pre, main and post. */
  runNonce?: string;
}

/** Reads inputs the way the runner passes them (`INPUT_*`). */
export const runnerConfigSource: ConfigSource = {
  input: (name) => core.getInput(name),
  env: process.env,
};

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEX_SHA = /^[0-9a-f]{7,40}$/i;

/**
 * Parses the multi-line `headers` input: one `Name: value` per line, blank lines ignored. Problems never
 * quote the value, which is a secret.
 */
export function parseHeaders(text: string): { headers: Record<string, string>; problems: ConfigProblem[] } {
  const headers: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    const value = colon > 0 ? line.slice(colon + 1).trim() : '';
    const where = `line ${index + 1}`;
    if (colon <= 0 || !HEADER_NAME.test(name)) {
      problems.push({
        input: 'headers',
        value: colon > 0 ? `${line.slice(0, colon)}: ***` : '(a line without "Name: value")',
        problem: `${where} is not a "Name: value" header line`,
        fix: 'write one header per line as `Name: value`, e.g. `Authorization: Bearer ${{ secrets.TOKEN }}`',
      });
    } else if (value === '') {
      problems.push({
        input: 'headers',
        value: `${name}:`,
        problem: `${where} has no value for header ${name}`,
        fix: 'give the header a value, or remove the line',
      });
    } else if (/[\r\n\0]/.test(value)) {
      problems.push({
        input: 'headers',
        value: `${name}: ***`,
        problem: `${where} has a control character in the value`,
        fix: 'remove control characters from the header value',
      });
    } else {
      headers[name] = value;
    }
  });
  return { headers, problems };
}

/**
 * Reads, validates and masks every input. Secrets are masked before anything else happens. All problems
 * are collected into one ConfigError, so a user fixes them in one round trip.
 */
export function getConfig(source: ConfigSource, secrets: SecretRegistry): Config {
  const problems: ConfigProblem[] = [];
  const raw = (name: string): string => source.input(name).trim();
  const withDefault = (name: keyof typeof INPUT_DEFAULTS): string => raw(name) || INPUT_DEFAULTS[name];
  const problem = (input: string, value: string, what: string, fix: string): void => {
    problems.push({ input, value, problem: what, fix });
  };

  // Mask first: a later problem message must not be the first place a secret shows up.
  const apiToken = raw('api-token') || undefined;
  const githubToken = raw('github-token') || undefined;
  secrets.add(apiToken);
  secrets.add(githubToken);
  const headerResult = parseHeaders(source.input('headers'));
  for (const value of Object.values(headerResult.headers)) secrets.add(value);
  problems.push(...headerResult.problems);

  const workspace = source.env.GITHUB_WORKSPACE || process.cwd();

  const choice = <T extends string>(name: keyof typeof INPUT_DEFAULTS, allowed: readonly T[]): T => {
    const value = withDefault(name);
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problem(
      name,
      value,
      `must be one of ${allowed.join(', ')}`,
      `set \`${name}\` to one of: ${allowed.join(', ')}`,
    );
    return INPUT_DEFAULTS[name] as T;
  };

  const duration = (name: keyof typeof INPUT_DEFAULTS, minMs: number, maxMs: number): number => {
    const value = withDefault(name);
    const ms = parseDuration(value);
    if (ms === undefined) {
      problem(name, value, 'is not a duration', `write a number with a unit: 500ms, 90s, 10m or 1h`);
      return parseDuration(INPUT_DEFAULTS[name]) as number;
    }
    if (ms < minMs || ms > maxMs) {
      problem(name, value, `must be between ${minMs}ms and ${maxMs / 1000}s`, `choose a value in that range`);
      return parseDuration(INPUT_DEFAULTS[name]) as number;
    }
    return ms;
  };

  const integer = (name: keyof typeof INPUT_DEFAULTS, min: number, max: number): number => {
    const value = withDefault(name);
    if (/^\d+$/.test(value) && Number(value) >= min && Number(value) <= max) return Number(value);
    problem(
      name,
      value,
      `must be a whole number from ${min} to ${max}`,
      `set \`${name}\` to e.g. ${INPUT_DEFAULTS[name]}`,
    );
    return Number(INPUT_DEFAULTS[name]);
  };

  const boolean = (name: keyof typeof INPUT_DEFAULTS): boolean => {
    const value = withDefault(name);
    if (/^(true|True|TRUE)$/.test(value)) return true;
    if (/^(false|False|FALSE)$/.test(value)) return false;
    problem(name, value, 'is not a boolean', 'use true or false');
    return false;
  };

  const url = (name: string, opts: { allowPlainHttpRemote: boolean }): URL | undefined => {
    const value = raw(name);
    if (value === '') return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      problem(
        name,
        value,
        'is not an absolute URL',
        'write it with its scheme, e.g. https://my-app.onrender.com',
      );
      return undefined;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      problem(
        name,
        value,
        `uses ${parsed.protocol} but only http and https are supported`,
        'use an https:// URL',
      );
      return undefined;
    }
    if (parsed.username || parsed.password) {
      secrets.add(decodeURIComponent(parsed.username));
      secrets.add(decodeURIComponent(parsed.password));
      problem(
        name,
        secrets.redact(value),
        'contains credentials',
        'remove user:password@ and pass credentials in `headers`',
      );
      return undefined;
    }
    if (parsed.search || parsed.hash) {
      // Queries are where tokens hide, and a base URL's query would be dropped from every probe anyway.
      for (const value of parsed.searchParams.values()) secrets.add(value);
      problem(
        name,
        secrets.redact(value),
        'has a query string or fragment',
        'give the base URL only; pass tokens in `headers`',
      );
      return undefined;
    }
    if (!opts.allowPlainHttpRemote && parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
      problem(
        name,
        value,
        'would send the API token over plain http',
        'use https:// (http is accepted only for localhost)',
      );
      return undefined;
    }
    return parsed;
  };

  const serviceUrl = url('url', { allowPlainHttpRemote: true });
  const apiUrl = url('api-url', { allowPlainHttpRemote: false });

  const healthPath = withDefault('health-path');
  if (!healthPath.startsWith('/') || healthPath.startsWith('//')) {
    problem(
      'health-path',
      healthPath,
      'must start with /',
      `write it as an absolute path, e.g. /${healthPath}`,
    );
  }

  const versionFromText = withDefault('version-from');
  let versionFrom: VersionSource = { kind: 'pointer', pointer: '/version' };
  if (versionFromText.toLowerCase().startsWith('header:')) {
    const name = versionFromText.slice('header:'.length).trim();
    if (HEADER_NAME.test(name)) versionFrom = { kind: 'header', name: name.toLowerCase() };
    else
      problem(
        'version-from',
        versionFromText,
        'names no valid header',
        'write header:<Name>, e.g. header:X-App-Version',
      );
  } else if (isJsonPointer(versionFromText) && versionFromText !== '') {
    versionFrom = { kind: 'pointer', pointer: versionFromText };
  } else {
    problem(
      'version-from',
      versionFromText,
      'is neither a JSON Pointer nor header:<Name>',
      'use a JSON Pointer into the health body such as /version or /build/sha, or header:X-App-Version',
    );
  }

  const expectVersion = raw('expect-version') || undefined;

  const provider = choice('provider', ['render', 'railway', 'none'] as const);
  const serviceId = raw('service-id') || undefined;
  const environmentId = raw('environment-id') || undefined;
  const deployId = raw('deploy-id') || undefined;
  const deploy = boolean('deploy');
  const pauseAutoDeploy = boolean('pause-auto-deploy');
  const commitInput = raw('commit');
  const commit = commitInput || source.env.GITHUB_SHA || '';
  if (commitInput && !HEX_SHA.test(commitInput)) {
    problem(
      'commit',
      commitInput,
      'is not a commit SHA',
      'pass a full or 7+ character hex SHA, e.g. ${{ github.sha }}',
    );
  }

  if (provider === 'none') {
    if (!serviceUrl && !problems.some((p) => p.input === 'url')) {
      problem(
        'url',
        '',
        'is required when `provider` is none',
        'set `url` to the base URL of the deployed service',
      );
    }
    for (const [name, value] of [
      ['api-token', apiToken],
      ['service-id', serviceId],
      ['environment-id', environmentId],
      ['deploy-id', deployId],
    ] as const) {
      if (value) {
        problem(
          name,
          name === 'api-token' ? '***' : value,
          'only applies with a provider, but `provider` is none',
          'set `provider` to render or railway, or remove this input',
        );
      }
    }
    if (deploy)
      problem(
        'deploy',
        'true',
        'needs a provider to trigger the deploy',
        'set `provider`, or remove `deploy`',
      );
    if (pauseAutoDeploy)
      problem(
        'pause-auto-deploy',
        'true',
        'needs a provider: it turns off auto-deploy after a rollback',
        'set `provider`, or remove `pause-auto-deploy`',
      );
  } else {
    // Railway is specified in DESIGN.md and validated here, but its client is not built yet; stopping
    // now is honest, where running on without it would verify nothing the user asked for.
    if (provider === 'railway') {
      problem(
        'provider',
        provider,
        'is not available in this version yet (Railway support is on the roadmap)',
        'use `provider: render`, or `provider: none` with `url`, until Railway support lands',
      );
    }
    if (!apiToken) {
      problem(
        'api-token',
        '',
        `is required when \`provider\` is ${provider}`,
        `pass the ${provider} API token from a secret`,
      );
    }
    if (!serviceId) {
      problem(
        'service-id',
        '',
        `is required when \`provider\` is ${provider}`,
        `set the ${provider} service ID`,
      );
    }
    if (provider === 'railway' && !environmentId) {
      problem(
        'environment-id',
        '',
        'is required when `provider` is railway',
        'set the Railway environment ID',
      );
    }
    if (provider === 'render' && environmentId) {
      problem(
        'environment-id',
        environmentId,
        'only applies to Railway',
        'remove `environment-id` for Render',
      );
    }
    if (deploy && deployId) {
      problem(
        'deploy-id',
        deployId,
        'conflicts with `deploy: true`, which creates a new deploy',
        'remove one of the two',
      );
    }
    if (!commit && !deployId) {
      problem('commit', '', 'is empty and GITHUB_SHA is not set', 'pass `commit`, or `deploy-id`');
    }
  }

  const timeoutMs = duration('timeout', 1000, 6 * 3_600_000);
  const intervalMs = duration('interval', 100, 3_600_000);
  const requestTimeoutMs = duration('request-timeout', 100, 3_600_000);
  if (!problems.some((p) => ['timeout', 'interval', 'request-timeout'].includes(p.input))) {
    if (intervalMs >= timeoutMs) {
      problem(
        'interval',
        withDefault('interval'),
        `is not shorter than \`timeout\` (${withDefault('timeout')})`,
        'use a shorter interval or a longer timeout',
      );
    }
    if (requestTimeoutMs > timeoutMs) {
      problem(
        'request-timeout',
        withDefault('request-timeout'),
        `is longer than \`timeout\` (${withDefault('timeout')})`,
        'use a request-timeout no longer than timeout',
      );
    }
  }
  const successThreshold = integer('success-threshold', 1, 20);
  const failureThreshold = integer('failure-threshold', 1, 20);
  const rollback = choice('rollback', ['on-failure', 'never', 'dry-run'] as const);
  const comment = choice('comment', ['auto', 'always', 'never'] as const);

  const healthSchemaText = raw('health-schema');
  let healthSchema: Config['healthSchema'];
  if (healthSchemaText) {
    const loaded = loadDocument('health-schema', healthSchemaText, workspace, problems);
    if (loaded) {
      const compiled = compileSchema(loaded.document);
      if ('error' in compiled) {
        problem(
          'health-schema',
          loaded.source,
          `is not a valid JSON Schema: ${compiled.error}`,
          'fix the schema (draft 2020-12)',
        );
      } else {
        healthSchema = { source: loaded.source, validate: compiled.validate };
      }
    }
  }

  const checksText = raw('checks');
  let checks: Config['checks'];
  if (checksText) {
    const loaded = loadText('checks', checksText, workspace, problems);
    if (loaded) {
      const parsed = parseChecksFile(loaded.text, {
        source: loaded.source,
        input: 'checks',
        env: source.env,
      });
      problems.push(...parsed.problems);
      if (parsed.file && parsed.problems.length === 0) checks = { source: loaded.source, file: parsed.file };
    }
  }

  if (problems.length > 0) {
    throw new ConfigError(problems.map((p) => ({ ...p, value: secrets.redact(p.value) })));
  }

  return {
    url: serviceUrl,
    healthPath,
    healthSchema,
    expectVersion,
    versionFrom,
    checks,
    provider,
    apiToken,
    serviceId,
    environmentId,
    apiUrl,
    commit,
    deployId,
    deploy,
    pauseAutoDeploy,
    timeoutMs,
    intervalMs,
    requestTimeoutMs,
    successThreshold,
    failureThreshold,
    rollback,
    headers: headerResult.headers,
    githubToken,
    comment,
    run: {
      id: source.env.GITHUB_RUN_ID ?? 'local',
      attempt: source.env.GITHUB_RUN_ATTEMPT ?? '1',
      nonce: source.runNonce ?? randomBytes(6).toString('hex'),
      sha: commit,
    },
    workspace,
  };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Inline content is anything multi-line or starting like JSON/YAML flow; the rest is a path. */
function isInline(value: string): boolean {
  return value.includes('\n') || /^[{[]/.test(value);
}

/**
 * Reads an input that is either inline text or a path relative to GITHUB_WORKSPACE. Returns the text and
 * a `source` to name in messages.
 */
function loadText(
  input: string,
  value: string,
  workspace: string,
  problems: ConfigProblem[],
): { text: string; source: string } | undefined {
  if (isInline(value)) return { text: value, source: 'inline' };
  const path = isAbsolute(value) ? value : resolve(workspace, value);
  if (!existsSync(path) || !statSync(path).isFile()) {
    problems.push({
      input,
      value,
      problem: `no file at ${path} (paths are relative to GITHUB_WORKSPACE)`,
      fix: 'check the path and run actions/checkout before this step, or give the content inline',
    });
    return undefined;
  }
  return { text: readFileSync(path, 'utf8'), source: value };
}

/** Like loadText, then parses JSON or YAML. */
function loadDocument(
  input: string,
  value: string,
  workspace: string,
  problems: ConfigProblem[],
): { document: unknown; source: string } | undefined {
  const loaded = loadText(input, value, workspace, problems);
  if (!loaded) return undefined;
  try {
    const document: unknown = parseYaml(loaded.text);
    if (document === null || typeof document !== 'object') {
      problems.push({
        input,
        value: loaded.source,
        problem: 'is not a JSON or YAML object',
        fix: 'write the schema as a JSON or YAML object',
      });
      return undefined;
    }
    return { document, source: loaded.source };
  } catch (error) {
    problems.push({
      input,
      value: loaded.source,
      problem: `is not valid JSON or YAML (${(error as Error).message.split('\n')[0]})`,
      fix: 'fix the syntax; JSON and YAML are both accepted',
    });
    return undefined;
  }
}
