import { randomBytes } from 'node:crypto';
import type { RunValues } from '../checks/template.js';
import type { ChecksFile } from '../checks/types.js';
import { ConfigError } from '../errors.js';
import type { RunEvent } from '../event.js';
import type { CommentMode } from '../github.js';
import type { VersionSource } from '../health.js';
import { HEADER_NAME } from '../http.js';
import { isJsonPointer } from '../json-pointer.js';
import type { ValidateFunction } from '../json-schema.js';
import { PROVIDERS, type ProviderName } from '../providers/registry.js';
import type { PullRequestRef } from '../providers/types.js';
import type { RollbackMode } from '../rollback.js';
import type { SecretRegistry } from '../secrets.js';
import { checksFileToFetch, readChecks, readHealthSchema } from './documents.js';
import { readHeaders } from './headers.js';
import { InputReader, type ConfigSource, type InputName } from './inputs.js';
import { checkProviderInputs, fitDurations, MAX_TIMEOUT_MS, PROVIDER_OWN_INPUTS } from './rules.js';
import { readUrl } from './urls.js';

export { INPUT_DEFAULTS, runnerConfigSource, type ConfigSource, type InputName } from './inputs.js';
export { parseHeaders } from './headers.js';
export { splitUrlSecrets } from './urls.js';

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
  /** The soak window after a pass; 0 when off. */
  soakMs: number;
  rollback: RollbackMode;
  headers: Record<string, string>;
  githubToken?: string;
  comment: CommentMode;
  run: RunValues;
  workspace: string;
  /** Defaulted values adapted to what the user set, in words, for the log. */
  notes: string[];
}

const HEX_SHA = /^[0-9a-f]{7,40}$/i;

/** A pull-request preview: a pull_request event, a transient environment, or one named `… PR #n`. */
export function isPreview(event: RunEvent | undefined): boolean {
  const status = event?.deploymentStatus;
  return Boolean(event?.pullRequest || status?.transient || status?.pullNumber !== undefined);
}

/** What pre needs to read the checks file from the repository before actions/checkout has run. */
export interface RepositoryRead {
  /** The checks file's path in the repository, when the workspace does not hold it yet. */
  checksPath?: string;
  /** The `github-token` input (masked), which reads it through the contents API. */
  token?: string;
  /** The commit whose file is read: the workflow's own. */
  ref?: string;
}

/** Reads the inputs that say whether, and how, pre must fetch the checks file from the repository. */
export function repositoryRead(source: ConfigSource, secrets: SecretRegistry): RepositoryRead {
  const reader = new InputReader(source);
  const token = reader.raw('github-token') || undefined;
  secrets.add(token);
  const workspace = source.env.GITHUB_WORKSPACE || process.cwd();
  return {
    checksPath: checksFileToFetch(reader.raw('checks'), workspace),
    token,
    ref: source.env.GITHUB_SHA,
  };
}

/**
 * Reads, validates and masks every input. Secrets are masked before anything else happens. All problems
 * are collected into one ConfigError, so a user fixes them in one round trip.
 */
export function getConfig(source: ConfigSource, secrets: SecretRegistry): Config {
  const reader = new InputReader(source);
  const event = source.event;
  // Mask first: a later problem message must not be the first place a secret shows up.
  const apiToken = reader.raw('api-token') || undefined;
  const githubToken = reader.raw('github-token') || undefined;
  secrets.add(apiToken);
  secrets.add(githubToken);
  const headers = readHeaders(source.input('headers'), secrets);
  reader.problems.push(...headers.problems);
  const workspace = source.env.GITHUB_WORKSPACE || process.cwd();

  // On deployment_status, the provider told GitHub where the deploy lives: that is the default `url`.
  const url = readUrl(reader, 'url', secrets, {
    allowPlainHttpRemote: true,
    fallback: event?.deploymentStatus?.environmentUrl,
  });
  const apiUrl = readUrl(reader, 'api-url', secrets, { allowPlainHttpRemote: false });
  const healthPath = readHealthPath(reader);
  if (
    url &&
    healthPath !== '/' &&
    url.pathname.replace(/\/+$/, '').endsWith(healthPath.replace(/\/+$/, ''))
  ) {
    reader.problem(
      'url',
      url.href,
      `already ends in \`health-path\` (${healthPath}), so the health check would ask for ${url.pathname.replace(/\/+$/, '')}${healthPath}`,
      `give the service's base URL in \`url\`, e.g. ${url.origin}, and keep the health path in \`health-path\``,
    );
  }
  const versionFrom = readVersionFrom(reader);
  const provider = reader.choice(
    'provider',
    [...(Object.keys(PROVIDERS) as ProviderName[]), 'none'] as const,
    undefined,
    true,
  );
  // An unknown provider is one problem: the rules of `provider: none` would only add follow-on ones.
  const providerKnown = !reader.problems.some((p) => p.input === 'provider');
  // On deployment_status without a provider, the service's own version is the only evidence that the
  // URL serves the deployed commit (and not the previous one): expect the event's commit by default.
  // `version-from: none` says the service reports no version: then nothing is expected by default, and
  // an expected version could never be proven.
  const eventSha =
    provider === 'none' && versionFrom.kind !== 'none' ? event?.deploymentStatus?.sha : undefined;
  const expectVersion = reader.raw('expect-version') || eventSha || undefined;
  if (/^[0-9a-f]{1,6}$/i.test(reader.raw('expect-version'))) {
    reader.problem(
      'expect-version',
      reader.raw('expect-version'),
      `is a hex string of ${reader.raw('expect-version').length} characters: a commit SHA matches by a prefix of at least 7, so no version could ever match it`,
      'give at least 7 characters of the commit SHA, e.g. `expect-version: ${{ github.sha }}`',
    );
  }
  if (versionFrom.kind === 'none' && reader.raw('expect-version')) {
    reader.problem(
      'expect-version',
      reader.raw('expect-version'),
      'cannot be checked: `version-from` is none, which says the service reports no version',
      'remove `expect-version`, or point `version-from` at where the service reports its version',
    );
  }
  const commit = readCommit(reader, source);
  const inputs = {
    provider,
    serviceUrl: url,
    apiToken,
    serviceId: reader.raw('service-id') || undefined,
    deployId: reader.raw('deploy-id') || undefined,
    own: Object.fromEntries(
      PROVIDER_OWN_INPUTS.map((name) => [
        name,
        reader.chosen(name as InputName) ? reader.raw(name as InputName) : '',
      ]),
    ),
    deploy: reader.boolean('deploy'),
    pauseAutoDeploy: reader.boolean('pause-auto-deploy'),
    commit,
    fork: event?.pullRequest?.fork === true,
  };
  const apiTokenType = reader.choice('api-token-type', ['auto', 'account', 'project'] as const);
  if (providerKnown) checkProviderInputs(reader, inputs);

  const durations = {
    timeout: reader.duration('timeout', 1000, MAX_TIMEOUT_MS),
    interval: reader.duration('interval', 100, 3_600_000),
    'request-timeout': reader.duration('request-timeout', 100, 3_600_000),
  };
  const notes: string[] = [];
  if (!reader.problems.some((p) => p.input in durations)) fitDurations(durations, reader, notes);
  const successThreshold = reader.integer('success-threshold', 1, 20);
  const failureThreshold = reader.integer('failure-threshold', 1, 20);
  const soakMs = reader.duration('soak', 0, 3_600_000);
  // Nobody rolls back a pull-request preview: `rollback` defaults to never there.
  const rollback = reader.choice(
    'rollback',
    ['on-failure', 'never', 'dry-run'] as const,
    isPreview(event) ? 'never' : 'on-failure',
  );
  const comment = reader.choice('comment', ['auto', 'always', 'never'] as const);
  const healthSchema = readHealthSchema(reader, workspace);
  const checks = readChecks(reader, workspace, source);

  if (reader.problems.length > 0) {
    throw new ConfigError(reader.problems.map((p) => ({ ...p, value: secrets.redact(p.value) })));
  }
  return {
    url,
    healthPath,
    healthSchema,
    expectVersion,
    versionFrom,
    checks,
    provider,
    apiToken,
    serviceId: inputs.serviceId,
    environmentId: reader.raw('environment-id') || undefined,
    apiUrl,
    commit,
    deployId: inputs.deployId,
    deploy: inputs.deploy,
    pauseAutoDeploy: inputs.pauseAutoDeploy,
    apiTokenType,
    pullRequest:
      provider !== 'none' && event?.pullRequest
        ? { number: event.pullRequest.number, branch: event.pullRequest.headRef }
        : undefined,
    timeoutMs: durations.timeout,
    intervalMs: durations.interval,
    requestTimeoutMs: durations['request-timeout'],
    successThreshold,
    failureThreshold,
    soakMs,
    rollback,
    headers: headers.headers,
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

function readHealthPath(reader: InputReader): string {
  const healthPath = reader.value('health-path');
  if (!healthPath.startsWith('/') || healthPath.startsWith('//')) {
    reader.problem(
      'health-path',
      healthPath,
      'must start with /',
      `write it as an absolute path, e.g. /${healthPath}`,
    );
  }
  return healthPath;
}

function readVersionFrom(reader: InputReader): VersionSource {
  const text = reader.value('version-from');
  if (text === 'none') return { kind: 'none' };
  if (text.toLowerCase().startsWith('header:')) {
    const name = text.slice('header:'.length).trim();
    if (HEADER_NAME.test(name)) return { kind: 'header', name: name.toLowerCase() };
    reader.problem(
      'version-from',
      text,
      'names no valid header',
      'write header:<Name>, e.g. header:X-App-Version',
    );
  } else if (isJsonPointer(text) && text !== '') {
    return { kind: 'pointer', pointer: text };
  } else {
    reader.problem(
      'version-from',
      text,
      'is neither a JSON Pointer, header:<Name> nor none',
      'use a JSON Pointer into the health body such as /version or /build/sha, header:X-App-Version, or none when the service reports no version',
    );
  }
  return { kind: 'pointer', pointer: '/version' };
}

/**
 * `commit` defaults to github.sha, which on deployment_status is not always the deployed commit and on
 * pull_request is a merge commit nothing deploys: the event's own commit wins over that default.
 */
function readCommit(reader: InputReader, source: ConfigSource): string {
  const given = reader.raw('commit');
  const event = source.event;
  const eventCommit = event?.deploymentStatus?.sha || event?.pullRequest?.headSha || '';
  if (given && !HEX_SHA.test(given)) {
    reader.problem(
      'commit',
      given,
      'is not a commit SHA',
      'pass a full or 7+ character hex SHA, e.g. ${{ github.sha }}',
    );
  }
  return (
    (given && given !== source.env.GITHUB_SHA ? given : eventCommit || given) || source.env.GITHUB_SHA || ''
  );
}
