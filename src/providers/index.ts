import type { RunDeps } from '../deps.js';
import type { Budget } from '../poll.js';
import { RAILWAY_API_URL, RailwayProvider, type RailwayTokenType } from './railway.js';
import { RENDER_API_URL, RenderProvider } from './render.js';
import type { Provider } from './types.js';

/** The providers the action knows. */
export type ProviderName = 'render' | 'railway';

/** What a provider client needs from the inputs. */
export interface ProviderSettings {
  name: ProviderName;
  apiToken: string;
  serviceId: string;
  /** `api-url`; each provider's public API when absent. */
  apiUrl?: URL;
  /** Railway: the environment, and how the token is sent. */
  environmentId: string;
  tokenType: RailwayTokenType;
  requestTimeoutMs: number;
  /** The `interval` input: the first delay between status polls. */
  intervalMs: number;
}

/** Builds the client for `settings.name`; the rest of the action only sees the Provider interface. */
export function createProvider(settings: ProviderSettings, deps: RunDeps, budget: Budget): Provider {
  const common = {
    token: settings.apiToken,
    serviceId: settings.serviceId,
    http: deps.http,
    clock: deps.clock,
    sleep: deps.sleep,
    random: deps.random,
    log: deps.log.info,
    budget,
    requestTimeoutMs: settings.requestTimeoutMs,
    intervalMs: settings.intervalMs,
    redact: (text: string) => deps.secrets.redact(text),
  };
  switch (settings.name) {
    case 'render':
      return new RenderProvider({ ...common, apiUrl: settings.apiUrl ?? new URL(RENDER_API_URL) });
    case 'railway':
      return new RailwayProvider({
        ...common,
        apiUrl: settings.apiUrl ?? new URL(RAILWAY_API_URL),
        tokenType: settings.tokenType,
        environmentId: settings.environmentId,
        openWebSocket: deps.openWebSocket,
      });
  }
}
