import { formatDuration } from '../duration.js';
import { PROVIDERS, type ProviderName } from '../providers/registry.js';
import type { ProviderDescriptor } from '../providers/types.js';
import type { InputReader } from './inputs.js';

/** The inputs the cross-input rules compare, already read. */
export interface ProviderInputs {
  provider: ProviderName | 'none';
  serviceUrl?: URL;
  apiToken?: string;
  serviceId?: string;
  deployId?: string;
  /** Inputs only some providers take, as the user gave them ('' when not given or defaulted). */
  own: Record<string, string>;
  deploy: boolean;
  pauseAutoDeploy: boolean;
  commit: string;
  /** A pull request from a fork: it gets no secrets, which explains a missing token. */
  fork: boolean;
}

/** Every input some provider takes on its own, with the providers that take it. */
export const PROVIDER_OWN_INPUTS: readonly string[] = [
  ...new Set(Object.values(PROVIDERS).flatMap((descriptor: ProviderDescriptor) => descriptor.ownInputs)),
];

const names = (filter: (descriptor: ProviderDescriptor) => boolean): string =>
  Object.values(PROVIDERS)
    .filter(filter)
    .map((descriptor) => descriptor.label)
    .join(' or ');

/**
 * The rules between inputs: what each provider requires, what only applies with one, and what conflicts.
 * What a provider takes and can do comes from its descriptor, so a new provider brings its own rules.
 * Every broken rule is a problem naming the input and the fix.
 */
export function checkProviderInputs(reader: InputReader, inputs: ProviderInputs): void {
  const { provider, deployId } = inputs;
  if (provider === 'none') {
    checkWithoutProvider(reader, inputs);
    return;
  }
  const descriptor: ProviderDescriptor = PROVIDERS[provider];
  if (!inputs.apiToken && !descriptor.tokenOptional) {
    reader.problem(
      'api-token',
      '',
      `is required when \`provider\` is ${provider}`,
      inputs.fork
        ? 'this is a pull request from a fork, and forks get no secrets: skip the job for forks with ' +
            '`if: github.event.pull_request.head.repo.full_name == github.repository`'
        : `pass the ${provider} API token from a secret`,
    );
  }
  if (!inputs.serviceId) {
    reader.problem(
      'service-id',
      '',
      `is required when \`provider\` is ${provider}`,
      `set the ${provider} service ID`,
    );
  }
  descriptor.checkInputs({ serviceId: inputs.serviceId ?? '', own: inputs.own }, (...args) =>
    reader.problem(...args),
  );
  if (inputs.pauseAutoDeploy && !descriptor.capabilities.pauseAutoDeploy) {
    reader.problem(
      'pause-auto-deploy',
      'true',
      `only applies to ${names((d) => d.capabilities.pauseAutoDeploy)}`,
      descriptor.pauseAutoDeployFix ?? 'remove `pause-auto-deploy`',
    );
  }
  for (const [input, value] of Object.entries(inputs.own)) {
    if (value && !descriptor.ownInputs.includes(input)) {
      reader.problem(
        input,
        value,
        `only applies to ${names((d) => d.ownInputs.includes(input))}`,
        `remove \`${input}\` for ${descriptor.label}`,
      );
    }
  }
  if (inputs.deploy && deployId) {
    reader.problem(
      'deploy-id',
      deployId,
      'conflicts with `deploy: true`, which creates a new deploy',
      'remove one of the two',
    );
  }
  if (!inputs.commit && !deployId) {
    reader.problem('commit', '', 'is empty and GITHUB_SHA is not set', 'pass `commit`, or `deploy-id`');
  }
}

/** Without a provider: `url` is required, and what needs a provider is refused. */
function checkWithoutProvider(reader: InputReader, inputs: ProviderInputs): void {
  const choose = `set \`provider\` to ${Object.keys(PROVIDERS).join(' or ')}, or remove this input`;
  if (!inputs.serviceUrl && !reader.problems.some((p) => p.input === 'url')) {
    reader.problem(
      'url',
      '',
      'is required when `provider` is none',
      'set `url` to the base URL of the deployed service',
    );
  }
  const needProvider: [string, string | undefined][] = [
    ['api-token', inputs.apiToken],
    ['service-id', inputs.serviceId],
    ...Object.entries(inputs.own),
    ['deploy-id', inputs.deployId],
  ];
  for (const [name, value] of needProvider) {
    if (value) {
      reader.problem(
        name,
        name === 'api-token' ? '***' : value,
        'only applies with a provider, but `provider` is none',
        choose,
      );
    }
  }
  if (inputs.deploy)
    reader.problem(
      'deploy',
      'true',
      'needs a provider to trigger the deploy',
      'set `provider`, or remove `deploy`',
    );
  if (inputs.pauseAutoDeploy) {
    reader.problem(
      'pause-auto-deploy',
      'true',
      'needs a provider: it turns off auto-deploy after a rollback',
      'set `provider`, or remove `pause-auto-deploy`',
    );
  }
}

/** The longest `timeout` accepted. */
export const MAX_TIMEOUT_MS = 6 * 3_600_000;

/**
 * `interval` must be shorter than `timeout`, and `request-timeout` no longer. Only two values the user
 * chose can conflict: a defaulted one adapts to what the user set (an interval or request limit shrinks
 * to a short timeout; a timeout grows to a long interval or request limit), and the change is noted.
 */
export function fitDurations(
  durations: { timeout: number; interval: number; 'request-timeout': number },
  reader: InputReader,
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
    if (reader.chosen(rule.short) && reader.chosen('timeout')) {
      reader.problem(
        rule.short,
        shown(rule.short),
        `${rule.what} \`timeout\` (${shown('timeout')})`,
        rule.short === 'interval'
          ? 'use a shorter interval or a longer timeout'
          : 'use a request-timeout no longer than timeout',
      );
    } else if (reader.chosen(rule.short)) {
      const needed = rule.short === 'interval' ? durations.interval * 2 : durations['request-timeout'];
      adapt('timeout', Math.min(MAX_TIMEOUT_MS, needed), `\`${rule.short}\` is ${shown(rule.short)}`);
    } else {
      const fitted =
        rule.short === 'interval' ? Math.max(100, Math.floor(durations.timeout / 2)) : durations.timeout;
      adapt(rule.short, fitted, `\`timeout\` is ${shown('timeout')}`);
    }
  }
}
