import type { HttpResponse } from '../../http.js';
import { ProviderApiError, ProviderConfigError } from '../../errors.js';
import { providerApiClient, type ApiClient, type ProviderClientOptions } from '../api-client.js';
import { RAILWAY_OPERATIONS } from './operations.js';

/** Railway's public GraphQL API; `api-url` overrides it (proxies, tests). */
export const RAILWAY_API_URL = 'https://backboard.railway.com/graphql/v2';

/** How the token is sent: account/workspace tokens as Bearer, project tokens in their own header. */
export type RailwayTokenType = 'auto' | 'account' | 'project';

export interface RailwayOptions extends ProviderClientOptions {
  tokenType: RailwayTokenType;
  environmentId: string;
}

/**
 * Railway's GraphQL API as the provider calls it: the token sent the way its type needs (found out once
 * when `auto`), every operation from RAILWAY_OPERATIONS, and GraphQL errors on a 200 mapped to our errors
 * (a rejected token or an unknown ID is a configuration error naming the input).
 */
export class RailwayClient {
  readonly api: ApiClient;
  /** The project, as soon as any answer names it (the token check, the service instance, a deployment). */
  projectId: string | undefined;
  /** The environment calls are about: `environment-id`, or the PR environment once one is used. */
  environmentId: string;
  private auth: Record<string, string> | undefined;

  constructor(private readonly options: RailwayOptions) {
    this.environmentId = options.environmentId;
    // Auth headers depend on the token type, decided per call (authHeaders), not here.
    this.api = providerApiClient('Railway', options, {});
  }

  /** Authorization for this token: asked once (`auto`), then reused for every call and the socket. */
  async authHeaders(): Promise<Record<string, string>> {
    if (this.auth) return this.auth;
    const { token, tokenType } = this.options;
    const bearer = { authorization: `Bearer ${token}` };
    const project = { 'project-access-token': token };
    if (tokenType === 'account') this.auth = bearer;
    else if (tokenType === 'project') this.auth = project;
    else {
      // A project token answers `projectToken`; account and workspace tokens do not. One request decides.
      const response = await this.post(
        RAILWAY_OPERATIONS.projectToken,
        {},
        project,
        'checking the token type',
        true,
      );
      const body =
        response.status === 200
          ? (this.api.json(response, 'checking the token type') as {
              data?: { projectToken?: { projectId?: string } };
            })
          : undefined;
      const projectId = body?.data?.projectToken?.projectId;
      this.auth = projectId ? project : bearer;
      this.projectId ??= projectId;
      this.options.log(
        `Railway: api-token is ${projectId ? 'a project token' : 'an account or workspace token'}.`,
      );
    }
    return this.auth;
  }

  private post(
    query: string,
    variables: Record<string, unknown>,
    headers: Record<string, string>,
    what: string,
    idempotent: boolean,
  ): Promise<HttpResponse> {
    return this.api.send({
      method: 'POST',
      url: this.options.apiUrl,
      body: { query, variables },
      headers,
      what,
      idempotent,
    });
  }

  /** One operation; GraphQL `errors` on a 200 are errors, quoted, and auth errors name `api-token`. */
  async query<T>(
    name: keyof typeof RAILWAY_OPERATIONS,
    variables: Record<string, unknown>,
    options: { mutation?: boolean; notFound?: 'deploy' } = {},
  ): Promise<T> {
    const what = `the ${name} ${options.mutation ? 'mutation' : 'query'}`;
    const response = await this.post(
      RAILWAY_OPERATIONS[name],
      variables,
      await this.authHeaders(),
      what,
      !options.mutation,
    );
    if (response.status === 401 || response.status === 403)
      throw this.authError(what, `HTTP ${response.status}`);
    if (response.status < 200 || response.status >= 300) {
      throw new ProviderApiError(
        `Railway API: ${what} failed with HTTP ${response.status}.`,
        response.status,
      );
    }
    const body = this.api.json(response, what) as
      { data?: T | null; errors?: { message?: string }[] } | undefined;
    const errors = Array.isArray(body?.errors) ? body.errors : [];
    if (errors.length > 0) {
      const said = this.options.redact(errors.map((e) => String(e?.message ?? 'unknown error')).join('; '));
      if (/not authori[sz]ed|project token not found|unauthenticated/i.test(said))
        throw this.authError(what, said);
      if (options.notFound === 'deploy' && /not found/i.test(said)) {
        throw new ProviderConfigError(
          `Railway has no deployment ${String(variables.id)} (${what} said: "${said}"). Check input \`deploy-id\`. ` +
            'Fix: pass a deployment ID of this service, or leave `deploy-id` empty to find the deployment by commit.',
        );
      }
      if (/service.*not found|environment.*not found|serviceinstance.*not found/i.test(said)) {
        throw new ProviderConfigError(
          `Railway does not know service "${this.options.serviceId}" in environment "${this.environmentId}" ` +
            `(${what} said: "${said}"). Check inputs \`service-id\` and \`environment-id\`. ` +
            "Fix: copy both IDs from the service's Settings page in the Railway dashboard.",
        );
      }
      throw new ProviderApiError(`Railway API: ${what} returned errors: "${said}".`, response.status, said);
    }
    if (!body?.data) throw new ProviderApiError(`Railway API: ${what} returned no data; check \`api-url\`.`);
    return body.data;
  }

  private authError(what: string, said: string): ProviderConfigError {
    return new ProviderConfigError(
      `Railway rejected the token in input \`api-token\` (${what}: "${said}"). ` +
        'Fix: create a token under Railway Account Settings → Tokens (or a project token in the project settings) and ' +
        'pass it from a secret; if it is a project token, it must belong to the environment in `environment-id`. ' +
        'Set `api-token-type` if the automatic choice is wrong.',
    );
  }
}
