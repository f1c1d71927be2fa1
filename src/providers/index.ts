import type { Config } from '../config.js';
import type { ExecuteDeps } from '../execute.js';
import type { Budget } from './api-client.js';
import { RAILWAY_API_URL, RailwayProvider } from './railway.js';
import { RENDER_API_URL, RenderProvider } from './render.js';
import type { Provider } from './types.js';

/** Builds the client for `config.provider`; the rest of the action only sees the Provider interface. */
export function createProvider(config: Config, deps: ExecuteDeps, budget: Budget): Provider {
  const common = {
    token: config.apiToken ?? '',
    serviceId: config.serviceId ?? '',
    http: deps.http,
    clock: deps.clock,
    sleep: deps.sleep,
    random: deps.random,
    log: deps.log.info,
    budget,
    requestTimeoutMs: config.requestTimeoutMs,
    intervalMs: config.intervalMs,
    redact: (text: string) => deps.secrets.redact(text),
  };
  switch (config.provider) {
    case 'render':
      return new RenderProvider({ ...common, apiUrl: config.apiUrl ?? new URL(RENDER_API_URL) });
    case 'railway':
      return new RailwayProvider({
        ...common,
        apiUrl: config.apiUrl ?? new URL(RAILWAY_API_URL),
        tokenType: config.apiTokenType,
        environmentId: config.environmentId ?? '',
        openWebSocket: deps.openWebSocket,
      });
    default:
      throw new Error(`no provider client for "${config.provider}"`);
  }
}
