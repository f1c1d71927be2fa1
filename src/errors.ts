/** One thing wrong with the inputs: which input, the value we got, and how to fix it. */
export interface ConfigProblem {
  input: string;
  /** The offending value as given (already redacted where it is a secret); empty when missing. */
  value: string;
  problem: string;
  fix: string;
}

/** Renders one problem as a single line: `input "value": problem. Fix: fix`. */
export function formatProblem(p: ConfigProblem): string {
  const shown = p.value.length > 120 ? `${p.value.slice(0, 117)}...` : p.value;
  const value = p.value === '' ? '(empty)' : JSON.stringify(shown);
  return `input \`${p.input}\` = ${value}: ${p.problem}. Fix: ${p.fix}`;
}

/**
 * Every input problem found, raised once. A ConfigError stops the run before any request is sent and
 * never leads to a rollback.
 */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `${problems.length} configuration problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * A provider rejected our credentials or does not know the service: the configuration is wrong, so the
 * run stops without a verdict on the deploy and without a rollback.
 */
export class ProviderConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderConfigError';
  }
}
