import type { RunDeps } from '../deps.js';
import type { HttpClient } from '../http.js';
import type { Budget, Clock, Random, Sleep } from '../poll.js';
import type { ProviderSettings } from './types.js';

/** What every API client gets from the run: the HTTP client, time, the log, its budget, redaction. */
export interface ClientDeps {
  http: HttpClient;
  clock: Clock;
  sleep: Sleep;
  random?: Random;
  log: (line: string) => void;
  budget: Budget;
  /** One request's limit. */
  requestTimeoutMs: number;
  /** Scrubs secrets from messages that quote provider answers (a proxy may echo our headers). */
  redact: (text: string) => string;
}

/** What every provider client needs: the run's part, and the provider's API, token and service. */
export interface ProviderClientOptions extends ClientDeps {
  apiUrl: URL;
  token: string;
  serviceId: string;
  /** The `interval` input: the first delay between status polls. */
  intervalMs: number;
}

/** The options every provider client is built with, from the settings and the run's dependencies. */
export function providerClientOptions(
  settings: ProviderSettings,
  deps: RunDeps,
  budget: Budget,
  defaultApiUrl: string,
): ProviderClientOptions {
  return {
    token: settings.apiToken,
    serviceId: settings.serviceId,
    apiUrl: settings.apiUrl ?? new URL(defaultApiUrl),
    http: deps.http,
    clock: deps.clock,
    sleep: deps.sleep,
    random: deps.random,
    log: deps.log.info,
    budget,
    requestTimeoutMs: settings.requestTimeoutMs,
    intervalMs: settings.intervalMs,
    redact: (text) => deps.secrets.redact(text),
  };
}
