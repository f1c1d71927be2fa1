import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as core from '@actions/core';
import { parse as parseYaml } from 'yaml';
import { nestedDeeperThan, parseChecksFile } from './checks/parse.js';
import { clientManagedHeader, unsendableHeaderCharacter } from './checks/request.js';
import type { ChecksFile } from './checks/types.js';
import { formatDuration, isDurationText, parseDuration } from './duration.js';
import { ConfigError, type ConfigProblem, errorMessage } from './errors.js';
import { isJsonPointer } from './json-pointer.js';
import { compileSchema, type ValidateFunction } from './json-schema.js';
import type { RunEvent } from './event.js';
import type { CommentMode } from './github.js';
import type { VersionSource } from './health.js';
import type { ProviderName } from './providers/index.js';
import type { PullRequestRef } from './providers/types.js';
import type { RollbackMode } from './rollback.js';
import type { RunValues } from './checks/template.js';
import type { SecretRegistry } from './secrets.js';

/** The `provider` input. */
export type ProviderChoice = ProviderName | 'none';

/** Every input, parsed and validated once. Nothing else in the action reads inputs. */
export interface Config {
  url?: URL;
  healthPath: string;
  healthSchema?: { source: string; validate: ValidateFunction };
  expectVersion?: string;
  versionFrom: VersionSource;
  checks?: { source: string; file: ChecksFile };
  provider: ProviderChoice;
  apiToken?: string;
  /** Railway: how the token is sent (`auto` asks the API once). */
  apiTokenType: 'auto' | 'account' | 'project';
  serviceId?: string;
  environmentId?: string;
  apiUrl?: URL;
  commit: string;
  deployId?: string;
  deploy: boolean;
  /** On pull_request events with a provider: the PR whose preview (service or environment) is verified. */
  pullRequest?: PullRequestRef;
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
  run: RunValues;
  workspace: string;
  /** Defaulted values adapted to what the user set, in words, for the log. */
  notes: string[];
}

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
}

/** Reads inputs the way the runner passes them (`INPUT_*`). */
export const runnerConfigSource: ConfigSource = {
  input: (name) => core.getInput(name),
  env: process.env,
};

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEX_SHA = /^[0-9a-f]{7,40}$/i;

/** A pull-request preview: a pull_request event, a transient environment, or one named `… PR #n`. */
export function isPreview(event: RunEvent | undefined): boolean {
  const status = event?.deploymentStatus;
  return Boolean(event?.pullRequest || status?.transient || status?.pullNumber !== undefined);
}

/** `rollback`, defaulting to `on-failure`, but to `never` for a preview: nobody rolls back a PR preview. */
function rollbackMode(
  value: string,
  preview: boolean,
  problem: (input: string, value: string, what: string, fix: string) => void,
): RollbackMode {
  if (value === '') return preview ? 'never' : 'on-failure';
  const allowed: RollbackMode[] = ['on-failure', 'never', 'dry-run'];
  if ((allowed as string[]).includes(value)) return value as RollbackMode;
  problem(
    'rollback',
    value,
    `must be one of ${allowed.join(', ')}`,
    `set \`rollback\` to one of: ${allowed.join(', ')}`,
  );
  return 'on-failure';
}

/**
 * Parses the multi-line `headers` input: one `Name: value` per line, blank lines ignored. Problems never
 * quote the value, which is a secret, nor a name that is not a valid header name: with a forgotten colon
 * (`Authorization Bearer <token>`), the text before the first colon holds the secret.
 */
export function parseHeaders(text: string): { headers: Record<string, string>; problems: ConfigProblem[] } {
  const headers: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  const firstLine = new Map<string, number>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    const value = colon > 0 ? line.slice(colon + 1).trim() : '';
    const where = `line ${index + 1}`;
    const add = (shown: string, problem: string, fix: string): void => {
      problems.push({ input: 'headers', value: shown, problem: `${where} ${problem}`, fix });
    };
    const managed = clientManagedHeader(name);
    // Undici refuses these characters: every probe would fail like a network error, then roll back.
    const bad = unsendableHeaderCharacter(value);
    if (colon === -1) {
      add('(a line without "Name: value")', 'is not a "Name: value" header line', HEADER_LINE_FIX);
    } else if (!HEADER_NAME.test(name)) {
      const { shown, why, fix } = explainHeaderName(name);
      add(shown, `is not a "Name: value" header line: ${why}`, fix);
    } else if (managed) {
      add(`${name}: ***`, `sets ${name}, which the HTTP client cannot send (${managed})`, 'remove the line');
    } else if (value === '') {
      add(`${name}:`, `has no value for header ${name}`, 'give the header a value, or remove the line');
    } else if (bad) {
      add(
        `${name}: ***`,
        `has ${bad} in the value of ${name}, which HTTP headers cannot carry`,
        /line break|control/.test(bad)
          ? 'remove control characters from the header value'
          : 'header values take printable ASCII, tabs and Latin-1 characters only; percent-encode or base64-encode anything else',
      );
    } else if (firstLine.has(name.toLowerCase())) {
      // Two values would both be sent (names are case-insensitive), and a second Host breaks every request.
      add(
        `${name}: ***`,
        `repeats header ${name} of line ${firstLine.get(name.toLowerCase())}`,
        'keep one line per header',
      );
    } else {
      firstLine.set(name.toLowerCase(), index + 1);
      // An own property even for a header named "__proto__", which assignment would drop.
      Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
    }
  });
  return { headers, problems };
}

const HEADER_LINE_FIX =
  'write one header per line as `Name: value`, e.g. `Authorization: Bearer ${{ secrets.TOKEN }}`';
/** Header names shown back when a line starts with one, to point at a forgotten colon. */
const COMMON_HEADER_NAMES = [
  'Accept',
  'Api-Key',
  'Authorization',
  'Cookie',
  'Proxy-Authorization',
  'User-Agent',
  'X-Api-Key',
  'X-Auth-Token',
];

/**
 * Why the text before a line's first colon is not a header name, without quoting it: it may hold a secret.
 * Only a well-known header name at its start is shown, to point at a forgotten colon.
 */
function explainHeaderName(name: string): { shown: string; why: string; fix: string } {
  if (name === '') {
    return { shown: ': ***', why: 'there is no name before the colon', fix: HEADER_LINE_FIX };
  }
  const index = name.search(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/);
  const char = name.codePointAt(index) ?? 0;
  const what = /\s/.test(String.fromCodePoint(char))
    ? 'a space'
    : char < 0x20 || char === 0x7f
      ? 'a control character'
      : char > 0x7e
        ? 'a non-ASCII character'
        : `the character ${JSON.stringify(String.fromCodePoint(char))}`;
  const known = COMMON_HEADER_NAMES.find(
    (common) => common.toLowerCase() === name.slice(0, index).toLowerCase(),
  );
  return {
    shown: known ? `${known} ***: ***` : '***: ***',
    why: `the name before the first colon has ${what} (character ${index + 1}), which header names cannot contain`,
    fix:
      known && /\s/.test(String.fromCodePoint(char))
        ? `write a colon after the name, as in \`${known}: value\``
        : `${HEADER_LINE_FIX}; a name takes letters, digits and !#$%&'*+-.^_\`|~ only`,
  };
}

/**
 * Reads, validates and masks every input. Secrets are masked before anything else happens. All problems
 * are collected into one ConfigError, so a user fixes them in one round trip.
 */
export function getConfig(source: ConfigSource, secrets: SecretRegistry): Config {
  const problems: ConfigProblem[] = [];
  const raw = (name: string): string => source.input(name).trim();
  const withDefault = (name: InputName): string => raw(name) || INPUT_DEFAULTS[name];
  // The runner passes a default exactly as action.yml declares it: that is no choice of the user's.
  const chosen = (name: InputName): boolean => raw(name) !== '' && raw(name) !== INPUT_DEFAULTS[name];
  const notes: string[] = [];
  const problem = (input: string, value: string, what: string, fix: string): void => {
    problems.push({ input, value, problem: what, fix });
  };

  // Mask first: a later problem message must not be the first place a secret shows up.
  const apiToken = raw('api-token') || undefined;
  const githubToken = raw('github-token') || undefined;
  secrets.add(apiToken);
  secrets.add(githubToken);
  const headerResult = parseHeaders(source.input('headers'));
  for (const value of Object.values(headerResult.headers)) {
    secrets.add(value);
    // A service that echoes the bare credential (without `Bearer `) must not reveal it either.
    const scheme = /^(?:bearer|token|basic|apikey|api-key)\s+(.+)$/i.exec(value);
    if (scheme?.[1]) {
      secrets.add(scheme[1]);
      if (/^basic\s/i.test(value)) secrets.add(Buffer.from(scheme[1], 'base64').toString('utf8'));
    }
  }
  problems.push(...headerResult.problems);

  const workspace = source.env.GITHUB_WORKSPACE || process.cwd();

  const choice = <T extends string>(name: InputName, allowed: readonly T[]): T => {
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

  const duration = (name: InputName, minMs: number, maxMs: number): number => {
    const value = withDefault(name);
    const ms = parseDuration(value);
    const range = `must be between ${formatDuration(minMs)} and ${formatDuration(maxMs)}`;
    if (ms === undefined && isDurationText(value)) {
      // Written as a duration, but too large to represent: out of range, not malformed.
      problem(name, value, `is too large; it ${range}`, 'choose a value in that range');
      return parseDuration(INPUT_DEFAULTS[name]) as number;
    }
    if (ms === undefined) {
      problem(name, value, 'is not a duration', `write a number with a unit: 500ms, 90s, 10m or 1h`);
      return parseDuration(INPUT_DEFAULTS[name]) as number;
    }
    if (ms < minMs || ms > maxMs) {
      problem(name, value, range, 'choose a value in that range');
      return parseDuration(INPUT_DEFAULTS[name]) as number;
    }
    return ms;
  };

  const integer = (name: InputName, min: number, max: number): number => {
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

  const boolean = (name: InputName): boolean => {
    const value = withDefault(name);
    if (/^(true|True|TRUE)$/.test(value)) return true;
    if (/^(false|False|FALSE)$/.test(value)) return false;
    problem(name, value, 'is not a boolean', 'use true or false');
    return false;
  };

  const eventUrl = source.event?.deploymentStatus?.environmentUrl ?? '';
  const url = (name: string, opts: { allowPlainHttpRemote: boolean }): URL | undefined => {
    // On deployment_status, the provider told GitHub where the deploy lives: that is the default `url`.
    const value = raw(name) || (name === 'url' ? eventUrl : '');
    if (value === '') return undefined;
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    // Messages quote the URL with its user info, query and fragment masked in the text itself: redacting
    // registered values would miss other encodings, and text that does not parse has no parts to register.
    const masked = splitUrlSecrets(value);
    // The text before an "@" is user info to mask in the log, unless an http(s) URL parses without any
    // ("https://host/users/@me"); in other schemes ("u:pw/x@host" parses as scheme u:) it may be anything.
    const web = parsed?.protocol === 'http:' || parsed?.protocol === 'https:';
    const hasUserInfo = !web || parsed?.username !== '' || parsed.password !== '';
    const reject = (what: string, fix: string): undefined => {
      // Masked in the log as well, raw and decoded (a malformed %-escape stays as written).
      for (const part of [...(hasUserInfo ? masked.userInfo : []), ...masked.query]) {
        secrets.add(part);
        secrets.add(decodeOrRaw(part));
      }
      problem(name, masked.shown, what, fix);
    };
    if (!parsed)
      return reject('is not an absolute URL', 'write it with its scheme, e.g. https://my-app.onrender.com');
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      return reject(`uses ${parsed.protocol} but only http and https are supported`, 'use an https:// URL');
    }
    if (parsed.username || parsed.password) {
      secrets.add(decodeOrRaw(parsed.username));
      secrets.add(decodeOrRaw(parsed.password));
      return reject('contains credentials', 'remove user:password@ and pass credentials in `headers`');
    }
    if (parsed.search || parsed.hash) {
      // Queries are where tokens hide, and a base URL's query would be dropped from every probe anyway.
      for (const value of parsed.searchParams.values()) secrets.add(value);
      return reject('has a query string or fragment', 'give the base URL only; pass tokens in `headers`');
    }
    if (!opts.allowPlainHttpRemote && parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
      return reject(
        'would send the API token over plain http',
        'use https:// (http is accepted only for localhost)',
      );
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

  const provider = choice('provider', ['render', 'railway', 'none'] as const);
  // On deployment_status without a provider, the service's own version is the only evidence that the
  // URL serves the deployed commit (and not the previous one): expect the event's commit by default.
  const eventSha = provider === 'none' ? source.event?.deploymentStatus?.sha : undefined;
  const expectVersion = raw('expect-version') || eventSha || undefined;
  const serviceId = raw('service-id') || undefined;
  const environmentId = raw('environment-id') || undefined;
  const deployId = raw('deploy-id') || undefined;
  const deploy = boolean('deploy');
  const pauseAutoDeploy = boolean('pause-auto-deploy');
  const apiTokenTypeInput = chosen('api-token-type') ? raw('api-token-type') : '';
  const apiTokenType = choice('api-token-type', ['auto', 'account', 'project'] as const);
  const commitInput = raw('commit');
  // `commit` defaults to github.sha, which on deployment_status is not always the deployed commit and on
  // pull_request is a merge commit nothing deploys: the event's own commit wins over that default.
  const eventCommit = source.event?.deploymentStatus?.sha || source.event?.pullRequest?.headSha || '';
  const commit =
    (commitInput && commitInput !== source.env.GITHUB_SHA ? commitInput : eventCommit || commitInput) ||
    source.env.GITHUB_SHA ||
    '';
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
      ['api-token-type', apiTokenTypeInput],
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
    if (!apiToken) {
      problem(
        'api-token',
        '',
        `is required when \`provider\` is ${provider}`,
        source.event?.pullRequest?.fork
          ? 'this is a pull request from a fork, and forks get no secrets: skip the job for forks with ' +
              '`if: github.event.pull_request.head.repo.full_name == github.repository`'
          : `pass the ${provider} API token from a secret`,
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
    if (provider === 'railway' && pauseAutoDeploy) {
      problem(
        'pause-auto-deploy',
        'true',
        'only applies to Render',
        'remove `pause-auto-deploy`; turn off automatic deploys for the branch in the Railway service settings instead',
      );
    }
    if (provider !== 'railway' && apiTokenTypeInput) {
      problem('api-token-type', apiTokenTypeInput, 'only applies to Railway', 'remove `api-token-type`');
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

  const durations = {
    timeout: duration('timeout', 1000, MAX_TIMEOUT_MS),
    interval: duration('interval', 100, 3_600_000),
    'request-timeout': duration('request-timeout', 100, 3_600_000),
  };
  if (!problems.some((p) => p.input in durations)) {
    fitDurations(durations, chosen, problem, notes);
  }
  const { timeout: timeoutMs, interval: intervalMs, 'request-timeout': requestTimeoutMs } = durations;
  const successThreshold = integer('success-threshold', 1, 20);
  const failureThreshold = integer('failure-threshold', 1, 20);
  const rollback = rollbackMode(raw('rollback'), isPreview(source.event), problem);
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
    apiTokenType,
    pullRequest:
      provider !== 'none' && source.event?.pullRequest
        ? { number: source.event.pullRequest.number, branch: source.event.pullRequest.headRef }
        : undefined,
    timeoutMs,
    intervalMs,
    requestTimeoutMs,
    successThreshold,
    failureThreshold,
    rollback,
    headers: headerResult.headers,
    notes,
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

/** The longest `timeout` accepted. */
const MAX_TIMEOUT_MS = 6 * 3_600_000;

/**
 * `interval` must be shorter than `timeout`, and `request-timeout` no longer. Only two values the user
 * chose can conflict: a defaulted one adapts to what the user set (an interval or request limit shrinks
 * to a short timeout; a timeout grows to a long interval or request limit), and the change is noted.
 */
function fitDurations(
  durations: { timeout: number; interval: number; 'request-timeout': number },
  chosen: (name: InputName) => boolean,
  problem: (input: string, value: string, what: string, fix: string) => void,
  notes: string[],
): void {
  const shown = (name: keyof typeof durations): string => formatDuration(durations[name]);
  const adapt = (name: keyof typeof durations, ms: number, why: string): void => {
    notes.push(`\`${name}\` is ${formatDuration(ms)} instead of its default ${shown(name)}: ${why}.`);
    durations[name] = ms;
  };
  const rules = [
    { short: 'interval', fits: (ms: number) => ms < durations.timeout, what: 'is not shorter than' },
    { short: 'request-timeout', fits: (ms: number) => ms <= durations.timeout, what: 'is longer than' },
  ] as const;
  for (const rule of rules) {
    if (rule.fits(durations[rule.short])) continue;
    if (chosen(rule.short) && chosen('timeout')) {
      problem(
        rule.short,
        shown(rule.short),
        `${rule.what} \`timeout\` (${shown('timeout')})`,
        rule.short === 'interval'
          ? 'use a shorter interval or a longer timeout'
          : 'use a request-timeout no longer than timeout',
      );
    } else if (chosen(rule.short)) {
      const needed = rule.short === 'interval' ? durations.interval * 2 : durations['request-timeout'];
      adapt('timeout', Math.min(MAX_TIMEOUT_MS, needed), `\`${rule.short}\` is ${shown(rule.short)}`);
    } else {
      const fitted =
        rule.short === 'interval' ? Math.max(100, Math.floor(durations.timeout / 2)) : durations.timeout;
      adapt(rule.short, fitted, `\`timeout\` is ${shown('timeout')}`);
    }
  }
}

/**
 * A URL as text, with what may be secret masked for messages (user info as `***@`, the query as `?***`,
 * the fragment as `#***`), and those parts as written. Textual, so it works on text no URL parser accepts:
 * everything before the last "@" counts as user info, and when that holds a "?" or "#" (an "@" inside a
 * query), everything after the "@" is masked as well.
 */
export function splitUrlSecrets(value: string): { shown: string; userInfo: string[]; query: string[] } {
  // A scheme is kept only with its "//": in "user:pw@host" the "user:" is not one.
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:[\\/]{2}/.exec(value)?.[0] ?? '';
  let rest = value.slice(scheme.length);
  const userInfo: string[] = [];
  const query: string[] = [];
  // Values only: masking a parameter name such as "token" would shred every later log line.
  const values = (text: string): string[] => [
    text,
    ...text.split(/[?#&]/).map((item) => item.replace(/^[^=]*=/, '')),
  ];
  const nonEmpty = (parts: string[]): string[] => parts.filter((part) => part !== '');
  let masked = '';
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    const info = rest.slice(0, at);
    userInfo.push(info, ...info.split(':'));
    if (/[?#]/.test(info)) {
      const after = values(rest.slice(at + 1));
      return { shown: `${scheme}***@***`, userInfo: nonEmpty(userInfo), query: nonEmpty(after) };
    }
    masked = '***@';
    rest = rest.slice(at + 1);
  }
  const cut = rest.search(/[?#]/);
  if (cut !== -1) {
    query.push(...values(rest.slice(cut + 1)));
    rest = `${rest.slice(0, cut + 1)}***`;
  }
  return { shown: `${scheme}${masked}${rest}`, userInfo: nonEmpty(userInfo), query: nonEmpty(query) };
}

/** `decodeURIComponent`, or the text as is when it holds a malformed %-escape. */
function decodeOrRaw(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
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
/** Nesting a health schema may have: ajv runs out of stack near 580 levels. */
const MAX_SCHEMA_DEPTH = 200;

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
    // ajv compiles recursively: a self-referencing alias or extreme nesting would exhaust the stack.
    const tooDeep =
      document !== null && typeof document === 'object' && nestedDeeperThan(document, MAX_SCHEMA_DEPTH);
    if (tooDeep) {
      problems.push({
        input,
        value: loaded.source,
        problem: `is nested more than ${MAX_SCHEMA_DEPTH} levels deep (or uses a recursive YAML alias)`,
        fix: 'flatten the schema; use $ref for recursive structures',
      });
      return undefined;
    }
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
      problem: `is not valid JSON or YAML (${errorMessage(error).split('\n')[0]})`,
      fix: 'fix the syntax; JSON and YAML are both accepted',
    });
    return undefined;
  }
}
