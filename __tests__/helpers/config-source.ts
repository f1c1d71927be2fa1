/**
 * A ConfigSource built the way the runner builds a step's inputs (test-kit/runner): every input action.yml
 * declares is present, with its default when the test gives none. Unit and fuzz tests of getConfig use
 * it, so no test sees an input set that a real run could not have.
 */
import type { ConfigSource } from '../../src/config/index.js';
import type { RunEvent } from '../../src/event.js';
import { readActionManifest, resolveInputs } from '../../test-kit/runner/action.js';

const manifest = readActionManifest();

/** The commit the runner's `github.sha` names in these tests, unless the environment says otherwise. */
export const DEFAULT_SHA = 'a'.repeat(40);

export interface RunnerSourceOptions {
  env?: Record<string, string | undefined>;
  event?: RunEvent;
  runNonce?: string;
  /** `github.token`, the default of `github-token`. */
  githubToken?: string;
}

/**
 * Inputs as the runner passes them for `with: given`: an input whose value is `undefined` is not given
 * (its default applies); an empty string is given as empty, as `with: { name: '' }` would be.
 */
export function runnerSource(
  given: Record<string, string | undefined>,
  options: RunnerSourceOptions = {},
): ConfigSource {
  const env: Record<string, string | undefined> = { GITHUB_SHA: DEFAULT_SHA, ...options.env };
  const github = {
    sha: env.GITHUB_SHA,
    token: options.githubToken ?? '',
    workspace: env.GITHUB_WORKSPACE,
    event_name: options.event?.name ?? env.GITHUB_EVENT_NAME ?? 'push',
  };
  const present = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  const inputs = resolveInputs(manifest, present, { github });
  return {
    input: (name) => inputs[name] ?? '',
    env,
    event: options.event,
    runNonce: options.runNonce,
  };
}
