import { formatDuration } from '../duration.js';
import { BudgetExhaustedError, ProviderApiError, errorMessage } from '../errors.js';
import { HttpError, retryAfterMs, type HttpResponse } from '../http.js';
import { Backoff } from '../poll.js';
import type { ClientDeps, ProviderClientOptions } from './client-options.js';

export type { ProviderClientOptions } from './client-options.js';

export interface ApiClientOptions extends ClientDeps {
  /** "Render", "Railway": for messages. */
  label: string;
  /** Headers on every call (auth). Sent only to the API's own origin: the http client refuses other hosts. */
  headers: Record<string, string>;
  /** Attempts per call for transient failures (5xx, network, 429); tests keep the default. */
  maxAttempts?: number;
  /** First retry delay; grows with jitter. Tests zero it through `sleep`, not here. */
  retryDelayMs?: number;
}

/** The API client a provider uses: its name and auth headers on top of the shared options. */
export function providerApiClient(
  label: string,
  options: ProviderClientOptions,
  headers: Record<string, string>,
): ApiClient {
  return new ApiClient({
    label,
    http: options.http,
    clock: options.clock,
    sleep: options.sleep,
    random: options.random,
    log: options.log,
    budget: options.budget,
    requestTimeoutMs: options.requestTimeoutMs,
    headers,
    retryDelayMs: Math.min(1000, options.intervalMs),
    redact: options.redact,
  });
}

/** An ISO 8601 time from a provider as epoch milliseconds; undefined when absent or unparseable. */
export function parseTime(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A POST that may have reached the provider (reset mid-request, timed out, answered 5xx) is not sent
 * again: a second `POST /deploys` starts a second deploy, a second rollback rolls back twice. Only a
 * refused connection (nothing was sent) and a 429 (refused before processing) are safe to retry.
 */
const NON_IDEMPOTENT = new Set(['POST']);

/** Statuses worth another try: the provider's edge or a busy backend, not our request. */
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
const TRANSIENT_NETWORK = new Set(['refused', 'reset', 'timeout', 'network']);

/**
 * The one way providers talk to their API: JSON over the shared HTTP client, with retries for transient
 * failures and pacing from the rate-limit headers, all inside the run's budget. Both readings of a
 * `*-Reset` header are accepted (seconds until reset, or the reset moment as epoch seconds), because
 * Render's docs say one and show the other.
 */
export class ApiClient {
  private sent = 0;
  /** Epoch ms before which the next request must not go (rate limit nearly used up). */
  private notBefore = 0;

  constructor(private readonly options: ApiClientOptions) {}

  /** Requests sent so far, retries included. */
  get requestCount(): number {
    return this.sent;
  }

  /**
   * Sends one call and returns the response once it is not transient. Non-2xx answers are returned, not
   * thrown, so the caller can map 401/404/409 to its own words; transient ones are retried first.
   */
  async send(request: {
    method: string;
    url: URL;
    body?: unknown;
    headers?: Record<string, string>;
    what: string;
    /** Whether sending it twice is harmless; defaults to true for every method but POST (GraphQL queries say so). */
    idempotent?: boolean;
  }): Promise<HttpResponse> {
    const { clock, budget, label } = this.options;
    const attempts = this.options.maxAttempts ?? 5;
    const backoff = new Backoff({
      initialMs: this.options.retryDelayMs ?? 1000,
      maxMs: 30_000,
      factor: 2,
      jitter: 0.2,
      random: this.options.random,
    });
    let lastProblem = '';
    const redact = this.options.redact;
    const once = !(request.idempotent ?? !NON_IDEMPOTENT.has(request.method.toUpperCase()));
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await this.waitUntil(this.notBefore, request.what);
      const remaining = budget.remainingMs();
      if (remaining <= 0 && attempt === 1) {
        // Nothing of this call was sent: the run's own clock ran out, not the provider.
        throw new BudgetExhaustedError(
          `${label} API: ${request.what} was not sent: the time budget (\`timeout\`) ran out before the call could be sent.`,
        );
      }
      if (remaining <= 0) {
        lastProblem ||= 'the time budget (`timeout`) ran out before the call could be sent';
        break;
      }
      this.sent++;
      let response: HttpResponse;
      try {
        response = await this.options.http.request({
          method: request.method,
          url: request.url,
          headers: {
            accept: 'application/json',
            ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...this.options.headers,
            ...request.headers,
          },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          timeoutMs: Math.max(1, Math.min(this.options.requestTimeoutMs, remaining)),
        });
      } catch (error) {
        const retryable =
          error instanceof HttpError &&
          TRANSIENT_NETWORK.has(error.kind) &&
          (!once || error.kind === 'refused');
        if (!retryable) {
          throw new ProviderApiError(
            redact(
              `${label} API: ${request.what} failed: ${errorMessage(error)}` +
                (once && error instanceof HttpError && TRANSIENT_NETWORK.has(error.kind)
                  ? `. It was not sent again, because ${label} may have acted on it; check the ${label} dashboard.`
                  : ''),
            ),
          );
        }
        lastProblem = error.message;
        await this.pause(backoff.next(), `${request.what}: ${error.message}`, attempt, attempts);
        continue;
      }
      // A 429's own Retry-After governs its retry; the reset header only paces answers that went through.
      if (response.status !== 429) this.notBefore = this.pacingFrom(response.headers, clock.now());
      if (response.status === 429) {
        const wait = this.rateLimitWaitMs(response.headers, clock.now()) ?? backoff.next();
        if (wait > budget.remainingMs()) {
          throw new ProviderApiError(
            `${label} API: ${request.what} was rate limited (429) for ${formatDuration(wait)}, longer than the ` +
              `${formatDuration(budget.remainingMs())} left; another job may be using the same API key. Rerun later, ` +
              'or give Deploy Sentinel its own key.',
            429,
          );
        }
        lastProblem = `rate limited (429)`;
        await this.pause(wait, `${request.what}: rate limited by ${label}`, attempt, attempts);
        continue;
      }
      if (TRANSIENT_STATUSES.has(response.status)) {
        lastProblem = redact(`HTTP ${response.status}${describeBody(response)}`);
        if (once) break;
        const wait = Math.max(backoff.next(), retryAfterMs(response.headers, clock.now()) ?? 0);
        await this.pause(wait, `${request.what}: ${lastProblem}`, attempt, attempts);
        continue;
      }
      return response;
    }
    throw new ProviderApiError(
      redact(
        `${label} API: ${request.what} ${once ? 'failed' : 'kept failing'} (${lastProblem}); ` +
          `gave up after ${this.sent} requests in this run` +
          (once
            ? `. It was not sent again, because ${label} may have acted on it; check the ${label} dashboard.`
            : `. ${label}'s status page may show an incident; rerun the job when the API answers.`),
      ),
    );
  }

  /**
   * Parses a 2xx JSON body. A body that is not JSON is the provider's fault, reported as such (it is not
   * retried: a proxy answering HTML would answer it again).
   */
  json(response: HttpResponse, what: string): unknown {
    if (response.status === 202 || response.status === 204 || response.body.length === 0) return undefined;
    try {
      return response.json();
    } catch {
      throw new ProviderApiError(
        `${this.options.label} API: ${what} answered HTTP ${response.status} with a body that is not JSON ` +
          `(${response.headers['content-type'] ?? 'no content type'}); check that \`api-url\` points at the API.`,
        response.status,
      );
    }
  }

  private async pause(ms: number, why: string, attempt: number, attempts: number): Promise<void> {
    if (attempt >= attempts) return;
    const wait = Math.min(ms, this.options.budget.remainingMs());
    this.options.log(
      `${this.options.label} API: ${why}; retrying in ${formatDuration(wait)} (attempt ${attempt + 1}/${attempts})`,
    );
    if (wait > 0) await this.options.sleep(wait);
  }

  private async waitUntil(at: number, what: string): Promise<void> {
    const wait = Math.min(at - this.options.clock.now(), this.options.budget.remainingMs());
    if (wait <= 0) return;
    this.options.log(
      `${this.options.label} API: rate limit nearly used up; waiting ${formatDuration(wait)} before ${what}`,
    );
    await this.options.sleep(wait);
  }

  /** A 429's wait: Retry-After first, then the reset header, else undefined (caller backs off). */
  private rateLimitWaitMs(headers: Record<string, string>, now: number): number | undefined {
    return retryAfterMs(headers, now) ?? resetInMs(headers, now);
  }

  /** When the rate limit is all but used up, hold the next request until it resets. */
  private pacingFrom(headers: Record<string, string>, now: number): number {
    const remaining = Number(headers['ratelimit-remaining'] ?? headers['x-ratelimit-remaining']);
    if (!Number.isFinite(remaining) || remaining > 1) return 0;
    const reset = resetInMs(headers, now);
    return reset === undefined ? 0 : now + reset;
  }
}

/**
 * Reads `Ratelimit-Reset` / `X-RateLimit-Reset` as milliseconds from now. Values above a billion are
 * epoch seconds; smaller ones are seconds until the reset. Capped at an hour, so a wrong reading cannot
 * stall a run.
 */
export function resetInMs(headers: Record<string, string>, now: number): number | undefined {
  const raw = headers['ratelimit-reset'] ?? headers['x-ratelimit-reset'];
  if (raw === undefined || !/^\d+(\.\d+)?$/.test(raw.trim())) return undefined;
  const value = Number(raw);
  const ms = value > 1e9 ? value * 1000 - now : value * 1000;
  return Math.min(Math.max(0, Math.round(ms)), 3_600_000);
}

function describeBody(response: HttpResponse): string {
  const text = response.text().slice(0, 200).replace(/\s+/g, ' ').trim();
  return text ? `: ${text}` : '';
}
