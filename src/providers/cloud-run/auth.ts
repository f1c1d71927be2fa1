import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderApiError, ProviderConfigError, errorMessage } from '../../errors.js';

/** What every Cloud Run and Cloud Logging call needs (a narrower Logging scope would not read Run). */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Where the OAuth 2.0 access token of each call comes from. */
export interface TokenSource {
  /** `api-token`, or Application Default Credentials. */
  readonly kind: 'api-token' | 'application-default';
  /** The token for the next call; throws a ProviderConfigError when there are no usable credentials. */
  token(): Promise<string>;
}

/** The part of google-auth-library the action uses, so tests can stand in for it. */
export interface AuthLibrary {
  GoogleAuth: new (options: { scopes: string[]; projectId?: string }) => {
    getClient(): Promise<{ getAccessToken(): Promise<{ token?: string | null }> }>;
  };
  gcpMetadata: { getGCPResidency(): boolean };
}

export interface TokenSourceOptions {
  /** `api-token`; empty means Application Default Credentials. */
  apiToken: string;
  /** The service's project, so the library never goes looking for one (gcloud, the metadata server). */
  projectId: string;
  /** Registers a token for masking the moment it exists. */
  mask: (value: string) => void;
  /** The process environment: where `GOOGLE_APPLICATION_CREDENTIALS` and `HOME` are read. */
  env: Record<string, string | undefined>;
  fileExists?: (path: string) => boolean;
  /** Loads google-auth-library; only Application Default Credentials need it. */
  load?: () => Promise<AuthLibrary>;
}

const BOTH_WAYS =
  'Fix: authenticate in one of two ways. (1) Workload Identity Federation with an access token: run ' +
  '`google-github-actions/auth@v3` with `token_format: access_token` before this step and pass ' +
  '`api-token: ${{ steps.auth.outputs.access_token }}`. (2) Application Default Credentials: run ' +
  '`google-github-actions/auth@v3` before this step (it writes a credentials file and sets ' +
  'GOOGLE_APPLICATION_CREDENTIALS) and leave `api-token` empty.';

/**
 * The token source for `api-token`, or Application Default Credentials when it is empty:
 * GOOGLE_APPLICATION_CREDENTIALS (the file google-github-actions/auth writes, Workload Identity Federation
 * included), gcloud's well-known file, or the metadata server on Google Cloud. google-auth-library loads
 * only in that mode, and only once a call needs a token. Every token is masked as soon as it exists.
 */
export function tokenSource(options: TokenSourceOptions): TokenSource {
  if (options.apiToken) return staticToken(options.apiToken);
  let client: Promise<{ getAccessToken(): Promise<{ token?: string | null }> }> | undefined;
  return {
    kind: 'application-default',
    async token() {
      client ??= applicationDefault(options);
      let token: string | null | undefined;
      try {
        token = (await (await client).getAccessToken()).token;
      } catch (error) {
        // A failure may pass (the token endpoint down a moment): the next call starts over.
        client = undefined;
        throw credentialsError(error, options.env);
      }
      if (!token) {
        throw new ProviderConfigError(
          `Application Default Credentials gave no access token for Cloud Run. ${BOTH_WAYS}`,
        );
      }
      options.mask(token);
      return token;
    },
  };
}

function staticToken(value: string): TokenSource {
  const token = value.trim();
  return {
    kind: 'api-token',
    async token() {
      // A service account key pasted into `api-token` is the most common mistake, and it must not be sent.
      if (token.startsWith('{')) {
        throw new ProviderConfigError(
          'Input `api-token` holds JSON (a service account key?), but Cloud Run takes an OAuth 2.0 access token there. ' +
            'Fix: leave `api-token` empty and let `google-github-actions/auth@v3` (with `credentials_json`, or better, ' +
            'Workload Identity Federation) set up Application Default Credentials, or pass its `access_token` output ' +
            '(with `token_format: access_token`).',
        );
      }
      return token;
    },
  };
}

/** Where Application Default Credentials can be found without asking anything over the network. */
function credentialsPresent(env: Record<string, string | undefined>, exists: (path: string) => boolean) {
  if (env.GOOGLE_APPLICATION_CREDENTIALS) return true;
  const config = env.CLOUDSDK_CONFIG || (env.HOME ? join(env.HOME, '.config', 'gcloud') : undefined);
  return config !== undefined && exists(join(config, 'application_default_credentials.json'));
}

async function applicationDefault(options: TokenSourceOptions) {
  const library = await (options.load ?? loadLibrary)();
  // On Google Cloud (a self-hosted runner on Compute Engine or GKE) the metadata server has credentials:
  // the residency check reads the machine's BIOS name, not the network.
  const found =
    credentialsPresent(options.env, options.fileExists ?? existsSync) ||
    Boolean(options.env.GCE_METADATA_HOST) ||
    library.gcpMetadata.getGCPResidency();
  if (!found) {
    throw new ProviderConfigError(
      'Input `api-token` is empty and no Application Default Credentials were found (GOOGLE_APPLICATION_CREDENTIALS ' +
        'is not set, there is no gcloud credentials file, and this runner is not on Google Cloud), so nothing was ' +
        `sent to Cloud Run. ${BOTH_WAYS}`,
    );
  }
  try {
    return await new library.GoogleAuth({
      scopes: [CLOUD_PLATFORM_SCOPE],
      projectId: options.projectId,
    }).getClient();
  } catch (error) {
    throw credentialsError(error, options.env);
  }
}

async function loadLibrary(): Promise<AuthLibrary> {
  const library = await import('google-auth-library');
  return library as unknown as AuthLibrary;
}

/**
 * A failure of Application Default Credentials, by what failed: the credentials file (missing, unreadable,
 * not credentials), the token endpoint refusing them (4xx: a configuration matter), or the endpoint
 * failing (the provider's side). Told apart by error codes and HTTP statuses, never by message text.
 */
function credentialsError(error: unknown, env: Record<string, string | undefined>): Error {
  if (error instanceof ProviderConfigError || error instanceof ProviderApiError) return error;
  const said = errorMessage(error).slice(0, 400);
  const code = (error as { code?: unknown }).code;
  const status =
    (error as { response?: { status?: unknown } }).response?.status ?? (error as { status?: unknown }).status;
  const file = env.GOOGLE_APPLICATION_CREDENTIALS
    ? `the credentials file GOOGLE_APPLICATION_CREDENTIALS names (${env.GOOGLE_APPLICATION_CREDENTIALS})`
    : 'the Application Default Credentials';
  if (typeof code === 'string' && ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR'].includes(code)) {
    return new ProviderConfigError(
      `Cloud Run: ${file} cannot be read (${code}: ${said}). Run google-github-actions/auth in the same job, ` +
        `before this step (the file lives on the runner that ran it). ${BOTH_WAYS}`,
    );
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ProviderConfigError(
      `Cloud Run: the token endpoint refused ${file} (HTTP ${status}: ${said}). Check the workload identity ` +
        "provider's audience and attribute condition, and that the service account allows this repository to " +
        `impersonate it (roles/iam.workloadIdentityUser). ${BOTH_WAYS}`,
    );
  }
  if (typeof status === 'number' || typeof code === 'string') {
    return new ProviderApiError(
      `Cloud Run: no access token could be obtained with ${file}: ${said}. Google's token endpoint may be ` +
        'unavailable; rerun the job.',
      typeof status === 'number' ? status : undefined,
    );
  }
  return new ProviderConfigError(`Cloud Run: ${file} could not be used (${said}). ${BOTH_WAYS}`);
}
