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
    return new RenderProvider({
      token: settings.apiToken,
      serviceId: settings.serviceId,
      apiUrl: settings.apiUrl ?? new URL(RENDER_API_URL),
      http: deps.http,
      clock: deps.clock,
      sleep: deps.sleep,
      random: deps.random,
      log: deps.log.info,
      budget,
      requestTimeoutMs: settings.requestTimeoutMs,
      intervalMs: settings.intervalMs,
      redact: (text) => deps.secrets.redact(text),
    });
  },
};
