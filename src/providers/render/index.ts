import { providerClientOptions } from '../client-options.js';
import type { ProviderDescriptor } from '../types.js';

/** Render, over its REST API v1. The client's code loads only when a run uses Render. */
export const render: ProviderDescriptor = {
  label: 'Render',
  capabilities: { pauseAutoDeploy: true, pushStatus: false, previews: true },
  ownInputs: [],
  checkInputs: () => undefined,
  create: async (settings, deps, budget) => {
    const { RenderProvider } = await import('./provider.js');
    const { RENDER_API_URL } = await import('./client.js');
    return new RenderProvider(providerClientOptions(settings, deps, budget, RENDER_API_URL));
  },
};
