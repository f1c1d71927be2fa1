/**
 * Where the Cloud Run provider's access token comes from: `api-token` as given, or Application Default
 * Credentials through google-auth-library (a stand-in here), loaded only in that mode. Missing or unusable
 * credentials are configuration errors that show both ways to authenticate; every token is masked at once.
 */
import { describe, expect, it } from '@jest/globals';
import { ProviderApiError, ProviderConfigError } from '../../../../src/errors.js';
import {
  CLOUD_PLATFORM_SCOPE,
  tokenSource,
  type AuthLibrary,
} from '../../../../src/providers/cloud-run/auth.js';

/** A stand-in for google-auth-library: `tokens` are handed out in turn; `fail` makes getClient throw. */
function library(options: { tokens?: string[]; onGce?: boolean; fail?: unknown; failToken?: unknown } = {}) {
  const made: { scopes: string[]; projectId?: string }[] = [];
  let loads = 0;
  const tokens = [...(options.tokens ?? ['ya29.adc-1'])];
  const lib: AuthLibrary = {
    GoogleAuth: class {
      constructor(opts: { scopes: string[]; projectId?: string }) {
        made.push(opts);
      }
      async getClient() {
        if (options.fail) throw options.fail;
        return {
          async getAccessToken() {
            if (options.failToken) throw options.failToken;
            return { token: tokens.length > 1 ? tokens.shift() : tokens[0] };
          },
        };
      }
    },
    gcpMetadata: { getGCPResidency: () => options.onGce ?? false },
  };
  return {
    made,
    loads: () => loads,
    load: async () => {
      loads++;
      return lib;
    },
  };
}

const base = { projectId: 'shop-prod', fileExists: () => false };

describe('tokenSource', () => {
  it('uses api-token as given, without loading google-auth-library', async () => {
    const lib = library();
    const masked: string[] = [];
    const source = tokenSource({
      ...base,
      apiToken: 'ya29.given',
      env: {},
      mask: (v) => masked.push(v),
      load: lib.load,
    });
    expect(source.kind).toBe('api-token');
    expect(await source.token()).toBe('ya29.given');
    expect(lib.loads()).toBe(0);
  });

  it('refuses a service account key pasted into api-token, before sending it anywhere', async () => {
    const source = tokenSource({
      ...base,
      apiToken: '{"type": "service_account", "private_key": "-----BEGIN"}',
      env: {},
      mask: () => undefined,
    });
    const error = await source.token().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderConfigError);
    expect((error as Error).message).toContain('holds JSON (a service account key?)');
    expect((error as Error).message).toContain('Fix:');
  });

  it('without api-token or credentials anywhere, is a configuration error that shows both ways', async () => {
    const lib = library();
    const source = tokenSource({
      ...base,
      apiToken: '',
      env: { HOME: '/home/runner' },
      mask: () => undefined,
      load: lib.load,
    });
    expect(source.kind).toBe('application-default');
    const error = await source.token().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderConfigError);
    const message = (error as Error).message;
    expect(message).toContain('no Application Default Credentials were found');
    expect(message).toContain('`token_format: access_token`');
    expect(message).toContain('api-token: ${{ steps.auth.outputs.access_token }}');
    expect(message).toContain('leave `api-token` empty');
    expect(lib.made).toEqual([]);
  });

  it.each([
    [
      'GOOGLE_APPLICATION_CREDENTIALS',
      { GOOGLE_APPLICATION_CREDENTIALS: '/tmp/gha-creds-1.json' },
      false,
      false,
    ],
    ["gcloud's well-known file", { HOME: '/home/runner' }, true, false],
    ['the metadata server on Google Cloud', {}, false, true],
  ])(
    'uses Application Default Credentials from %s, for the service project, masking each token',
    async (_n, env, file, onGce) => {
      const lib = library({ tokens: ['ya29.adc-1', 'ya29.adc-2'], onGce });
      const masked: string[] = [];
      const source = tokenSource({
        projectId: 'shop-prod',
        apiToken: '',
        env,
        mask: (v) => masked.push(v),
        fileExists: (path) =>
          file && path === '/home/runner/.config/gcloud/application_default_credentials.json',
        load: lib.load,
      });
      expect(await source.token()).toBe('ya29.adc-1');
      // The library refreshes the token when it nears expiry: each one is masked the moment it exists.
      expect(await source.token()).toBe('ya29.adc-2');
      expect(masked).toEqual(['ya29.adc-1', 'ya29.adc-2']);
      expect(lib.made).toEqual([{ scopes: [CLOUD_PLATFORM_SCOPE], projectId: 'shop-prod' }]);
      expect(lib.loads()).toBe(1);
    },
  );

  it.each([
    [
      'a credentials file that is not there',
      { fail: Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' }) },
      ProviderConfigError,
      'cannot be read (ENOENT',
    ],
    [
      'a token endpoint that refuses the credentials (4xx)',
      { failToken: Object.assign(new Error('invalid_target'), { response: { status: 400 } }) },
      ProviderConfigError,
      'the token endpoint refused',
    ],
    [
      'a token endpoint that fails (5xx)',
      { failToken: Object.assign(new Error('backend error'), { response: { status: 503 } }) },
      ProviderApiError,
      'no access token could be obtained',
    ],
    [
      'credentials the library cannot use',
      { fail: new Error('The incoming JSON object does not contain a client_email field') },
      ProviderConfigError,
      'could not be used',
    ],
  ])('tells %s apart by its code or status', async (_name, options, type, text) => {
    const lib = library(options);
    const source = tokenSource({
      ...base,
      apiToken: '',
      env: { GOOGLE_APPLICATION_CREDENTIALS: '/tmp/gha-creds-1.json' },
      mask: () => undefined,
      load: lib.load,
    });
    const error = await source.token().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toContain(text);
    expect((error as Error).message).toContain('/tmp/gha-creds-1.json');
  });
});
