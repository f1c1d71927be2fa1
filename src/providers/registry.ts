import type { RunDeps } from '../deps.js';
import type { Budget } from '../poll.js';
import { cloudRun } from './cloud-run/index.js';
import { railway } from './railway/index.js';
import { render } from './render/index.js';
import type { Provider, ProviderDescriptor, ProviderSettings } from './types.js';

/** Every provider the action knows, by the name the `provider` input takes: one line each. */
export const PROVIDERS = {
  render,
  railway,
  'cloud-run': cloudRun,
} as const satisfies Record<string, ProviderDescriptor>;

/** A name the `provider` input takes, besides `none`. */
export type ProviderName = keyof typeof PROVIDERS;

/** Builds the client for `settings.name`; the rest of the action only sees the Provider interface. */
export function createProvider(settings: ProviderSettings, deps: RunDeps, budget: Budget): Promise<Provider> {
  return PROVIDERS[settings.name as ProviderName].create(settings, deps, budget);
}
