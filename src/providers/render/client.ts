import { ProviderApiError, ProviderConfigError } from '../../errors.js';
import type { HttpResponse } from '../../http.js';
import { providerApiClient, type ApiClient, type ProviderClientOptions } from '../api-client.js';
import { cursorPages, type PagingLimits } from '../paging.js';

/** Render's public API; `api-url` overrides it (proxies, tests). */
export const RENDER_API_URL = 'https://api.render.com/v1';

/** Render's page size ceiling. */
export const PAGE_LIMIT = 100;

/** Which ID a 404 is about, when it is not the service. */
type NotFound = 'deploy' | 'rollback-target';

/**
 * Render's REST API v1 (shared/specs/render) as the provider calls it: every path under the service, the
 * Bearer key, and every answer that is not a 2xx mapped to our errors (a bad key or an unknown ID is a
 * configuration error naming the input; the rest is the provider failing).
 */
export class RenderClient {
  readonly api: ApiClient;
  /** The service calls are about: `service-id`, or the preview of a pull request once one is used. */
  serviceId: string;

  constructor(private readonly options: ProviderClientOptions) {
    this.serviceId = options.serviceId;
    this.api = providerApiClient('Render', options, { authorization: `Bearer ${options.token}` });
  }

  servicePath(): string {
    return `/services/${encodeURIComponent(this.serviceId)}`;
  }

  url(path: string, query?: URLSearchParams): URL {
    const base = this.options.apiUrl.href.replace(/\/+$/, '');
    const url = new URL(`${base}${path}`);
    if (query) url.search = query.toString();
    return url;
  }

  /** One call, mapped to our errors: 401/403 name `api-token`, a 404 names the ID that was not found. */
  async call(
    method: string,
    path: string,
    what: string,
    options: { query?: URLSearchParams; body?: unknown; notFound?: NotFound } = {},
  ): Promise<unknown> {
    const response = await this.api.send({
      method,
      url: this.url(path, options.query),
      body: options.body,
      what,
    });
    return this.check(response, what, options);
  }

  check(response: HttpResponse, what: string, options: { notFound?: NotFound }): unknown {
    const { status } = response;
    if (status >= 200 && status < 300) return this.api.json(response, what);
    const raw = providerMessage(response);
    const said = raw === undefined ? undefined : this.options.redact(raw);
    const quoted = said ? ` (Render says: "${said}")` : '';
    if (status === 401) {
      throw new ProviderConfigError(
        `Render rejected the API key in input \`api-token\` (401 while ${what})${quoted}. ` +
          'Fix: create an API key under Render Account Settings → API Keys and pass it from a secret, e.g. `api-token: ${{ secrets.RENDER_API_KEY }}`.',
      );
    }
    if (status === 403) {
      throw new ProviderConfigError(
        `Render refused the API key in input \`api-token\` access to service ${this.serviceId} (403 while ${what})${quoted}. ` +
          'Fix: use an API key of a member of the workspace that owns the service.',
      );
    }
    if (status === 404 && options.notFound === 'rollback-target') {
      throw new ProviderApiError(
        `Render answered 404 while ${what}${quoted}: the target deploy is unknown to Render or cannot be rolled back to.`,
        404,
        said,
      );
    }
    if (status === 404 && options.notFound === 'deploy') {
      throw new ProviderConfigError(
        `Render has no such deploy on service ${this.serviceId} (404 while ${what})${quoted}. ` +
          'Check input `deploy-id`. Fix: pass a deploy ID of this service (dep-…), or leave `deploy-id` empty to find the deploy by commit.',
      );
    }
    if (status === 404) {
      throw new ProviderConfigError(
        `Render does not know service "${this.serviceId}" (404 while ${what})${quoted}. ` +
          "Check input `service-id`. Fix: copy the service ID (srv-…) from the service's dashboard URL, and check that `api-url` is Render's API.",
      );
    }
    throw new ProviderApiError(`Render API: ${what} failed with HTTP ${status}${quoted}.`, status, said);
  }

  /**
   * A Render list, page by page: `limit` at the ceiling, each next page by the last item's `cursor`, and a
   * full page taken to mean there is more (Render sends no total).
   */
  pages<T>(
    path: string,
    query: URLSearchParams,
    limits: Omit<PagingLimits, 'label'> & { expected: string },
  ): AsyncGenerator<T[]> {
    return cursorPages<T>(
      async (cursor) => {
        const params = new URLSearchParams(query);
        params.set('limit', String(PAGE_LIMIT));
        if (cursor) params.set('cursor', cursor);
        const items = await this.call('GET', path, limits.what, { query: params });
        if (!Array.isArray(items)) throw this.malformed(limits.what, limits.expected);
        const last = items[items.length - 1] as { cursor?: unknown } | undefined;
        return {
          items: items as T[],
          hasMore: items.length >= PAGE_LIMIT,
          next: typeof last?.cursor === 'string' ? last.cursor : undefined,
        };
      },
      { label: 'Render', ...limits },
    );
  }

  malformed(what: string, expected: string): ProviderApiError {
    return new ProviderApiError(
      `Render API: ${what} returned something other than ${expected}; check \`api-url\`.`,
    );
  }
}

/** Render's own error text, cut short. */
export function providerMessage(response: HttpResponse): string | undefined {
  try {
    const body = response.json() as { message?: unknown };
    return typeof body?.message === 'string' ? body.message.slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}
