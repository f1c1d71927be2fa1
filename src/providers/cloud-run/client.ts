import { ProviderApiError, ProviderConfigError } from '../../errors.js';
import type { HttpResponse } from '../../http.js';
import { providerApiClient, type ApiClient, type ProviderClientOptions } from '../api-client.js';
import type { TokenSource } from './auth.js';
import type { ServiceName } from './names.js';

/** What the Cloud Run client needs beyond every provider's options. */
export interface CloudRunOptions extends ProviderClientOptions {
  /** Cloud Logging's base (Google's, or `api-url`, which replaces both origins). */
  loggingUrl: URL;
  service: ServiceName;
  credentials: TokenSource;
}

/** What a 404 is about: it names the input that is wrong, or it is the provider's. */
export type NotFound = 'service' | 'revision' | 'rollback-target' | 'operation';

/** google.rpc.Status as Google's JSON error body carries it. */
interface GoogleError {
  code?: number;
  message?: string;
  status?: string;
  details?: { '@type'?: string; reason?: string; metadata?: Record<string, string> }[];
}

/** The role that grants a permission the action uses (Cloud Run and Cloud Logging IAM references). */
const ROLE_FOR: Record<string, string> = {
  'run.services.get': 'roles/run.viewer',
  'run.revisions.get': 'roles/run.viewer',
  'run.revisions.list': 'roles/run.viewer',
  'run.operations.get': 'roles/run.viewer',
  'run.services.update':
    'roles/run.developer (and roles/iam.serviceAccountUser on the service’s runtime service account)',
  'logging.logEntries.list': 'roles/logging.viewer',
};

/**
 * Cloud Run Admin API v2 and Cloud Logging v2 over REST/JSON, as the `google.api.http` annotations of
 * Google's protos define them: one ApiClient per origin (retries, Retry-After, the run's budget), the
 * bearer token on every call and only there, and Google's error body (`google.rpc.Status`) mapped to our
 * errors: a rejected token, a missing permission or an unknown name is a configuration error naming the
 * input; the rest is the provider failing.
 */
export class CloudRunClient {
  readonly run: ApiClient;
  readonly logging: ApiClient;

  constructor(private readonly options: CloudRunOptions) {
    // No headers here: the token is added per call, so Application Default Credentials can refresh it.
    this.run = providerApiClient('Cloud Run', options, {});
    this.logging = providerApiClient('Cloud Logging', options, {});
  }

  get requestCount(): number {
    return this.run.requestCount + this.logging.requestCount;
  }

  /** `<base>/v2/<path>` on the Cloud Run origin (or `api-url`, keeping its own path). */
  runUrl(path: string, query?: URLSearchParams): URL {
    return join(this.options.apiUrl, path, query);
  }

  loggingUrl(path: string): URL {
    return join(this.options.loggingUrl, path);
  }

  /** Sends one call with the bearer token and returns the response as it came (non-2xx included). */
  async send(
    api: 'run' | 'logging',
    request: { method: string; url: URL; body?: unknown; what: string; idempotent?: boolean },
  ): Promise<HttpResponse> {
    const token = await this.options.credentials.token();
    return (api === 'run' ? this.run : this.logging).send({
      ...request,
      headers: { authorization: `Bearer ${token}` },
    });
  }

  /** One call whose non-2xx answers become our errors. */
  async call(
    api: 'run' | 'logging',
    method: string,
    url: URL,
    what: string,
    options: { body?: unknown; notFound?: NotFound; idempotent?: boolean } = {},
  ): Promise<unknown> {
    const response = await this.send(api, {
      method,
      url,
      body: options.body,
      what,
      idempotent: options.idempotent,
    });
    return this.check(response, api, what, options.notFound);
  }

  check(response: HttpResponse, api: 'run' | 'logging', what: string, notFound?: NotFound): unknown {
    const { status } = response;
    const client = api === 'run' ? this.run : this.logging;
    if (status >= 200 && status < 300) return client.json(response, what);
    const error = googleError(response);
    const said = error?.message ? this.options.redact(error.message.slice(0, 400)) : undefined;
    const code = error?.status ?? `HTTP ${status}`;
    const quoted = said ? ` (${code}: "${said}")` : ` (${code})`;
    const label = api === 'run' ? 'Cloud Run' : 'Cloud Logging';
    const service = this.options.service.full;
    const who =
      this.options.credentials.kind === 'api-token'
        ? 'the access token in input `api-token`'
        : 'the Application Default Credentials';
    if (status === 401) {
      throw new ProviderConfigError(
        `${label} rejected ${who} (401 while ${what})${quoted}. ` +
          'Fix: access tokens expire (google-github-actions/auth gives 1-hour tokens by default): run ' +
          '`google-github-actions/auth@v3` in the same job right before this step, and pass its `access_token` output ' +
          '(with `token_format: access_token`) or leave `api-token` empty to use its credentials file.',
      );
    }
    if (status === 403) {
      const info = error?.details?.find((detail) => detail['@type']?.endsWith('google.rpc.ErrorInfo'));
      if (info?.reason === 'SERVICE_DISABLED' || info?.reason === 'API_DISABLED') {
        throw new ProviderConfigError(
          `${label} API is not enabled in the project of service ${service} (403 while ${what})${quoted}. ` +
            `Fix: enable it (\`gcloud services enable ${api === 'run' ? 'run' : 'logging'}.googleapis.com --project ${this.options.service.project}\`).`,
        );
      }
      const permission = info?.metadata?.permission;
      const role = permission ? ROLE_FOR[permission] : undefined;
      throw new ProviderConfigError(
        `${label} refused ${who} ${permission ? `the permission ${permission}` : 'access'} on service ${service} ` +
          `(403 while ${what})${quoted}. Fix: grant the identity behind it ${role ?? 'roles/run.viewer and roles/logging.viewer (and roles/run.developer to roll back)'} ` +
          'on the service or project, and check that `service-id` names the right project.',
      );
    }
    if (status === 404 && notFound === 'revision') {
      throw new ProviderConfigError(
        `Cloud Run has no such revision on service ${service} (404 while ${what})${quoted}. Check input \`deploy-id\`. ` +
          'Fix: pass a revision of this service (its ID, e.g. my-service-00042-abc, or its full name), `current`, ' +
          'or leave `deploy-id` empty to find the revision by commit.',
      );
    }
    if (status === 404 && (notFound === 'rollback-target' || notFound === 'operation')) {
      throw new ProviderApiError(`${label} answered 404 while ${what}${quoted}.`, 404, said);
    }
    if (status === 404 && error) {
      throw new ProviderConfigError(
        `Cloud Run does not know service ${service} (404 while ${what})${quoted}. Check input \`service-id\`. ` +
          'Fix: check the project, the region and the service name (`gcloud run services list --project PROJECT` lists them), ' +
          'and that `api-url` is empty or points at a Cloud Run API.',
      );
    }
    if (status === 404) {
      throw new ProviderApiError(
        `${label} API: ${what} answered 404 with a page that is not a Google API error; check \`api-url\` ` +
          '(it replaces https://run.googleapis.com and https://logging.googleapis.com and keeps their /v2/... paths).',
        404,
      );
    }
    throw new ProviderApiError(`${label} API: ${what} failed with HTTP ${status}${quoted}.`, status, said);
  }

  malformed(what: string, expected: string): ProviderApiError {
    return new ProviderApiError(
      `Cloud Run API: ${what} returned something other than ${expected}; check \`api-url\`.`,
    );
  }
}

/** `<base>` without a trailing slash, then the path: `api-url` keeps its own path prefix (a proxy). */
function join(base: URL, path: string, query?: URLSearchParams): URL {
  const url = new URL(`${base.href.replace(/\/+$/, '')}${path}`);
  if (query) url.search = query.toString();
  return url;
}

/** Google's JSON error (`{"error": {code, message, status, details}}`), when the body is one. */
export function googleError(response: HttpResponse): GoogleError | undefined {
  try {
    const body = response.json() as { error?: GoogleError };
    return body && typeof body.error === 'object' && body.error !== null ? body.error : undefined;
  } catch {
    return undefined;
  }
}
