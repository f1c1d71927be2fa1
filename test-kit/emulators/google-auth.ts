/**
 * Google's token endpoints, enough for Application Default Credentials files that point at an emulator,
 * and the access tokens they issue, which the emulator then accepts as `Authorization: Bearer`.
 *
 * What google-auth-library (11.x, as installed) sends, read from its source:
 * - `authorized_user` (UserRefreshClient -> OAuth2Client.refreshTokenNoCache): `POST` form
 *   `grant_type=refresh_token&client_id&client_secret&refresh_token` to `endpoints.oauth2TokenUrl`. The
 *   file's `token_uri` is NOT read: the URL comes from the client options (`clientOptions.endpoints`), and
 *   defaults to https://oauth2.googleapis.com/token. Answer: `{access_token, expires_in, scope, token_type}`.
 * - `external_account` (BaseExternalAccountClient + StsCredentials): the subject token from
 *   `credential_source` (a file, a URL or an executable), then `POST` form to the file's `token_url`
 *   (default https://sts.googleapis.com/v1/token): `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`,
 *   `audience`, `scope` (space-separated; cloud-platform when impersonating), `requested_token_type=
 *   urn:ietf:params:oauth:token-type:access_token`, `subject_token`, `subject_token_type`, and `options`
 *   only for workforce pools. Answer: `{access_token, issued_token_type, token_type, expires_in}`.
 *   With `service_account_impersonation_url`: `POST` JSON `{scope: [...], lifetime: "3600s"}` with the STS
 *   token as Bearer to that URL (IAM Credentials `generateAccessToken`). Answer: `{accessToken, expireTime}`.
 * - `service_account` keys: the JWT client signs an RS256 assertion and posts
 *   `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=...` to a hard-coded
 *   https://oauth2.googleapis.com/token (gtoken), so that library cannot be pointed here; the grant is
 *   still served, for clients that honour the key file's `token_uri`.
 *
 * Requests are checked against the shapes above (unknown or missing form fields are violations); OAuth
 * failures answer OAuth's `{error, error_description}`, IAM Credentials failures Google's JSON error shape.
 * No proto for STS or IAM Credentials is installed, so these two are checked by hand.
 */
import { createPublicKey, createVerify, randomBytes } from 'node:crypto';
import type { EmulatorRequest, Reply } from './http-emulator.js';
import { parseJson } from './http-emulator.js';

export const OAUTH2_TOKEN_PATH = '/token';
export const STS_TOKEN_PATH = '/v1/token';
const GENERATE_ACCESS_TOKEN = /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/:]+):generateAccessToken$/;
/** The cloud-platform scope: what every Cloud Run and Logging call needs (or a narrower Logging one). */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** Subject token types Google's STS takes (https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token). */
const SUBJECT_TOKEN_TYPES = new Set([
  'urn:ietf:params:oauth:token-type:jwt',
  'urn:ietf:params:oauth:token-type:id_token',
  'urn:ietf:params:oauth:token-type:saml2',
  'urn:ietf:params:aws:token-type:aws4_request',
  'urn:ietf:params:oauth:token-type:access_token',
  'urn:ietf:params:oauth:token-type:mtls',
]);
/** Lifetime of issued tokens: Google's answer says 3599 s. */
const DEFAULT_LIFETIME_SECONDS = 3599;
const MAX_IMPERSONATION_SECONDS = 3600;

/** An OAuth client and user refresh token, as an `authorized_user` credentials file holds them. */
export interface AuthorizedUserSpec {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Who the issued tokens act as; defaults to `user:tester@example.com`. */
  account?: string;
  /** A revoked refresh token answers `invalid_grant` ("Token has been expired or revoked."). */
  revoked?: boolean;
}

/** A workload identity pool provider STS exchanges subject tokens for. */
export interface WorkloadIdentitySpec {
  /** `//iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`. */
  audience: string;
  /** Subject tokens it accepts; undefined accepts any non-empty one (the OIDC token is not verified). */
  subjectTokens?: string[];
}

/** A service account: impersonable through `generateAccessToken`, and with a key for the JWT grant. */
export interface ServiceAccountSpec {
  email: string;
  /** PEM public key of the account's key; enables `grant_type=...jwt-bearer` with RS256 assertions. */
  publicKeyPem?: string;
  /** Principals (see {@link TokenPrincipal}) allowed to impersonate it; undefined: any valid token. */
  impersonators?: string[];
}

export interface GoogleAuthOptions {
  /** Tokens accepted as they are, never expiring: for tests that do not exercise a token flow. */
  tokens?: string[];
  authorizedUsers?: AuthorizedUserSpec[];
  workloadIdentity?: WorkloadIdentitySpec[];
  serviceAccounts?: ServiceAccountSpec[];
  /** The clock tokens expire by; defaults to the real one. */
  now?: () => Date;
}

/** Who a token acts as, and how it was obtained. */
export interface TokenPrincipal {
  /** `static:0`, `user:tester@example.com`, `principal://...` (a federated identity), `serviceAccount:x@y`. */
  principal: string;
  kind: 'static' | 'oauth2' | 'sts' | 'impersonated' | 'service-account-key';
  scopes: string[];
  /** Epoch ms; undefined never expires. */
  expiresAt?: number;
}

export type TokenCheck = { principal: TokenPrincipal } | { rejected: 'expired' | 'unknown' };

/** What a token endpoint answered, plus the violations it found in the request. */
export interface TokenEndpointResult {
  /** `oauth2.token`, `sts.token`, `iamcredentials.generateAccessToken`. */
  operation: string;
  reply: Reply;
  violations: string[];
  principal?: string;
}

/** Google's token endpoints on one origin, and the store of what they issued. */
export class GoogleTokenService {
  readonly #issued = new Map<string, TokenPrincipal>();
  readonly #options: GoogleAuthOptions;
  readonly #now: () => Date;

  constructor(options: GoogleAuthOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    (options.tokens ?? []).forEach((token, index) =>
      this.#issued.set(token, {
        principal: `static:${index}`,
        kind: 'static',
        scopes: [CLOUD_PLATFORM_SCOPE],
      }),
    );
  }

  /** Whether a bearer token is one this service issued (or was given), and still valid. */
  check(token: string): TokenCheck {
    const principal = this.#issued.get(token);
    if (!principal) return { rejected: 'unknown' };
    if (principal.expiresAt !== undefined && this.#now().getTime() >= principal.expiresAt) {
      return { rejected: 'expired' };
    }
    return { principal };
  }

  /** Issues a token directly, as if a flow had run; `lifetimeSeconds` undefined never expires. */
  issue(principal: string, lifetimeSeconds?: number, scopes: string[] = [CLOUD_PLATFORM_SCOPE]): string {
    return this.#mint('static', principal, scopes, lifetimeSeconds);
  }

  /** Whether the path is one of the token endpoints. */
  serves(path: string): boolean {
    return path === OAUTH2_TOKEN_PATH || path === STS_TOKEN_PATH || GENERATE_ACCESS_TOKEN.test(path);
  }

  /** Answers a token endpoint request (`serves(path)` must hold). */
  handle(request: EmulatorRequest): TokenEndpointResult {
    if (request.path === OAUTH2_TOKEN_PATH) return this.#oauth2(request);
    if (request.path === STS_TOKEN_PATH) return this.#sts(request);
    return this.#generateAccessToken(request);
  }

  #mint(kind: TokenPrincipal['kind'], principal: string, scopes: string[], lifetimeSeconds?: number): string {
    const prefix = {
      static: 'emu',
      oauth2: 'emu-user',
      sts: 'emu-sts',
      impersonated: 'emu-sa',
      'service-account-key': 'emu-key',
    }[kind];
    const token = `ya29.${prefix}-${randomBytes(18).toString('base64url')}`;
    this.#issued.set(token, {
      principal,
      kind,
      scopes,
      ...(lifetimeSeconds !== undefined && { expiresAt: this.#now().getTime() + lifetimeSeconds * 1000 }),
    });
    return token;
  }

  /** `POST /token`: oauth2.googleapis.com's token endpoint (refresh_token and jwt-bearer grants). */
  #oauth2(request: EmulatorRequest): TokenEndpointResult {
    const operation = 'oauth2.token';
    const form = readForm(request, operation);
    if ('result' in form) return form.result;
    const { fields, violations } = form;
    const grant = fields.get('grant_type');
    if (grant === 'refresh_token') {
      violations.push(
        ...unexpectedFields(fields, ['grant_type', 'client_id', 'client_secret', 'refresh_token', 'scope']),
      );
      violations.push(...missingFields(fields, ['client_id', 'client_secret', 'refresh_token']));
      const user = (this.#options.authorizedUsers ?? []).find((u) => u.clientId === fields.get('client_id'));
      if (!user)
        return oauthError(operation, 401, 'invalid_client', 'The OAuth client was not found.', violations);
      if (user.clientSecret !== fields.get('client_secret')) {
        return oauthError(operation, 401, 'invalid_client', 'Unauthorized', violations);
      }
      if (user.refreshToken !== fields.get('refresh_token')) {
        return oauthError(operation, 400, 'invalid_grant', 'Bad Request', violations);
      }
      if (user.revoked)
        return oauthError(operation, 400, 'invalid_grant', 'Token has been expired or revoked.', violations);
      const principal = `user:${user.account ?? 'tester@example.com'}`;
      const token = this.#mint('oauth2', principal, [CLOUD_PLATFORM_SCOPE], DEFAULT_LIFETIME_SECONDS);
      return {
        operation,
        violations,
        principal,
        reply: {
          status: 200,
          body: {
            access_token: token,
            expires_in: DEFAULT_LIFETIME_SECONDS,
            scope: CLOUD_PLATFORM_SCOPE,
            token_type: 'Bearer',
          },
        },
      };
    }
    if (grant === JWT_BEARER_GRANT) {
      violations.push(...unexpectedFields(fields, ['grant_type', 'assertion']));
      violations.push(...missingFields(fields, ['assertion']));
      return this.#jwtBearer(operation, request, fields.get('assertion') ?? '', violations);
    }
    violations.push(`grant_type ${JSON.stringify(grant)} is not one the emulator serves`);
    return oauthError(
      operation,
      400,
      'unsupported_grant_type',
      `Invalid grant_type: ${grant ?? ''}`,
      violations,
    );
  }

  #jwtBearer(
    operation: string,
    request: EmulatorRequest,
    assertion: string,
    violations: string[],
  ): TokenEndpointResult {
    const parts = assertion.split('.');
    const decode = (part: string | undefined) =>
      parseJson(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    const header = decode(parts[0]);
    const payload = decode(parts[1]);
    if (parts.length !== 3 || !header.ok || !payload.ok) {
      return oauthError(
        operation,
        400,
        'invalid_grant',
        'Invalid JWT: the assertion is not a JWS',
        violations,
      );
    }
    const claims = payload.value as Record<string, unknown>;
    const alg = (header.value as Record<string, unknown>).alg;
    const account = (this.#options.serviceAccounts ?? []).find((sa) => sa.email === claims.iss);
    if (!account?.publicKeyPem) {
      return oauthError(operation, 400, 'invalid_grant', 'Invalid grant: account not found', violations);
    }
    const verified =
      alg === 'RS256' &&
      createVerify('RSA-SHA256')
        .update(`${parts[0]}.${parts[1]}`)
        .verify(createPublicKey(account.publicKeyPem), Buffer.from(parts[2]!, 'base64url'));
    if (!verified) return oauthError(operation, 400, 'invalid_grant', 'Invalid JWT Signature.', violations);
    const audiences = [`${request.url.origin}${OAUTH2_TOKEN_PATH}`, 'https://oauth2.googleapis.com/token'];
    if (!audiences.includes(String(claims.aud))) {
      return oauthError(operation, 400, 'invalid_grant', 'Invalid JWT: Failed audience check.', violations);
    }
    const now = Math.floor(this.#now().getTime() / 1000);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (
      !Number.isInteger(iat) ||
      !Number.isInteger(exp) ||
      exp - iat > 3600 ||
      exp <= now ||
      iat > now + 300
    ) {
      return oauthError(
        operation,
        400,
        'invalid_grant',
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
        violations,
      );
    }
    if (typeof claims.scope !== 'string' || claims.scope === '') {
      return oauthError(operation, 400, 'invalid_scope', 'Empty or missing scope not allowed.', violations);
    }
    const principal = `serviceAccount:${account.email}`;
    const scopes = claims.scope.split(' ');
    const token = this.#mint('service-account-key', principal, scopes, DEFAULT_LIFETIME_SECONDS);
    return {
      operation,
      violations,
      principal,
      reply: {
        status: 200,
        body: { access_token: token, expires_in: DEFAULT_LIFETIME_SECONDS, token_type: 'Bearer' },
      },
    };
  }

  /** `POST /v1/token`: sts.googleapis.com's RFC 8693 token exchange. */
  #sts(request: EmulatorRequest): TokenEndpointResult {
    const operation = 'sts.token';
    const form = readForm(request, operation);
    if ('result' in form) return form.result;
    const { fields, violations } = form;
    violations.push(
      ...unexpectedFields(fields, [
        'grant_type',
        'audience',
        'scope',
        'requested_token_type',
        'subject_token',
        'subject_token_type',
        'options',
      ]),
    );
    violations.push(
      ...missingFields(fields, [
        'grant_type',
        'audience',
        'requested_token_type',
        'subject_token',
        'subject_token_type',
      ]),
    );
    if (fields.get('grant_type') !== TOKEN_EXCHANGE_GRANT) {
      return oauthError(operation, 400, 'unsupported_grant_type', 'Unsupported grant_type.', violations);
    }
    if (fields.get('requested_token_type') !== ACCESS_TOKEN_TYPE) {
      violations.push(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
      return oauthError(operation, 400, 'invalid_request', 'Invalid requested_token_type.', violations);
    }
    const subjectTokenType = fields.get('subject_token_type') ?? '';
    if (!SUBJECT_TOKEN_TYPES.has(subjectTokenType)) {
      violations.push(`subject_token_type ${JSON.stringify(subjectTokenType)} is not one STS takes`);
      return oauthError(operation, 400, 'invalid_request', 'Invalid subject_token_type.', violations);
    }
    const audience = fields.get('audience') ?? '';
    const provider = (this.#options.workloadIdentity ?? []).find((p) => p.audience === audience);
    if (!provider) {
      return oauthError(
        operation,
        400,
        'invalid_target',
        'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.',
        violations,
      );
    }
    const subjectToken = fields.get('subject_token') ?? '';
    if (subjectToken === '' || (provider.subjectTokens && !provider.subjectTokens.includes(subjectToken))) {
      return oauthError(
        operation,
        400,
        'invalid_grant',
        'The subject token is invalid or expired.',
        violations,
      );
    }
    const scopes = (fields.get('scope') ?? '').split(' ').filter((scope) => scope !== '');
    // principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/subject/S
    const pool = audience.replace(/^\/\//, '').replace(/\/providers\/[^/]+$/, '');
    const principal = `principal://${pool}/subject/${subjectOf(subjectToken)}`;
    const token = this.#mint('sts', principal, scopes, DEFAULT_LIFETIME_SECONDS);
    return {
      operation,
      violations,
      principal,
      reply: {
        status: 200,
        body: {
          access_token: token,
          issued_token_type: ACCESS_TOKEN_TYPE,
          token_type: 'Bearer',
          expires_in: DEFAULT_LIFETIME_SECONDS,
        },
      },
    };
  }

  /** `POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken`: iamcredentials.googleapis.com. */
  #generateAccessToken(request: EmulatorRequest): TokenEndpointResult {
    const operation = 'iamcredentials.generateAccessToken';
    const violations: string[] = [];
    const email = decodeURIComponent(GENERATE_ACCESS_TOKEN.exec(request.path)![2]!);
    if (request.method !== 'POST') {
      violations.push(`generateAccessToken takes POST`);
      return { operation, violations, reply: googleError(404, 'NOT_FOUND', 'Not Found') };
    }
    const auth = /^Bearer +(\S+) *$/i.exec(String(request.headers.authorization ?? ''))?.[1];
    const caller = auth === undefined ? undefined : this.check(auth);
    if (!caller || 'rejected' in caller) {
      return {
        operation,
        violations,
        reply: unauthenticated(
          auth === undefined
            ? 'CREDENTIALS_MISSING'
            : caller && caller.rejected === 'expired'
              ? 'ACCESS_TOKEN_EXPIRED'
              : 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
          'iamcredentials.googleapis.com',
          'google.iam.credentials.v1.IAMCredentials.GenerateAccessToken',
        ),
      };
    }
    const parsed = parseJson(request.rawBody);
    const body = parsed.ok ? parsed.value : undefined;
    if (!/^application\/json\b/i.test(String(request.headers['content-type'] ?? ''))) {
      violations.push(`the body must be application/json`);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      violations.push(`the body must be a JSON object {scope, lifetime?, delegates?}`);
      return {
        operation,
        violations,
        reply: googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'),
      };
    }
    const fields = body as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!['scope', 'lifetime', 'delegates'].includes(key)) {
        violations.push(`body field ${key} is not a field of GenerateAccessTokenRequest`);
      }
    }
    const scope = fields.scope;
    if (!Array.isArray(scope) || scope.length === 0 || !scope.every((s) => typeof s === 'string')) {
      violations.push(`body scope must be a non-empty array of strings`);
      return { operation, violations, reply: googleError(400, 'INVALID_ARGUMENT', 'Scope required.') };
    }
    let lifetime = 3600;
    if (fields.lifetime !== undefined) {
      const match = typeof fields.lifetime === 'string' ? /^(\d+)(\.\d{1,9})?s$/.exec(fields.lifetime) : null;
      if (!match) {
        violations.push(`body lifetime must be a Duration string such as "3600s"`);
        return { operation, violations, reply: googleError(400, 'INVALID_ARGUMENT', 'Invalid lifetime.') };
      }
      lifetime = Number(match[1]);
      if (lifetime > MAX_IMPERSONATION_SECONDS) {
        return {
          operation,
          violations,
          reply: googleError(
            400,
            'INVALID_ARGUMENT',
            'The lifetime of the access token is longer than the maximum allowed (3600s) unless the constraints/iam.allowServiceAccountCredentialLifetimeExtension organization policy says otherwise.',
          ),
        };
      }
    }
    const account = (this.#options.serviceAccounts ?? []).find((sa) => sa.email === email);
    if (!account || (account.impersonators && !account.impersonators.includes(caller.principal.principal))) {
      return {
        operation,
        violations,
        principal: caller.principal.principal,
        reply: googleError(
          403,
          'PERMISSION_DENIED',
          "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
          [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'IAM_PERMISSION_DENIED',
              domain: 'iam.googleapis.com',
              metadata: { permission: 'iam.serviceAccounts.getAccessToken' },
            },
          ],
        ),
      };
    }
    const principal = `serviceAccount:${account.email}`;
    const token = this.#mint('impersonated', principal, scope as string[], lifetime);
    const expireTime = new Date(this.#now().getTime() + lifetime * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    return {
      operation,
      violations,
      principal,
      reply: { status: 200, body: { accessToken: token, expireTime } },
    };
  }
}

/**
 * The 401 Google APIs answer (the reasons are google.api.ErrorReason values, as documented in
 * google/api/error_reason.proto): CREDENTIALS_MISSING without credentials, ACCESS_TOKEN_EXPIRED for an
 * expired token, ACCESS_TOKEN_TYPE_UNSUPPORTED for one the service does not take.
 */
export function unauthenticated(
  reason: 'CREDENTIALS_MISSING' | 'ACCESS_TOKEN_EXPIRED' | 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
  service: string,
  method: string,
): Reply {
  const message =
    reason === 'CREDENTIALS_MISSING'
      ? 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
      : 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
  const reply = googleError(401, 'UNAUTHENTICATED', message, [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason,
      domain: 'googleapis.com',
      metadata: { service, method },
    },
  ]);
  reply.headers = {
    'WWW-Authenticate':
      reason === 'CREDENTIALS_MISSING'
        ? 'Bearer realm="https://accounts.google.com/"'
        : 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
  };
  return reply;
}

/** Google's JSON error shape: `{"error": {code, message, status, details}}`. */
export function googleError(status: number, code: string, message: string, details?: unknown[]): Reply {
  return { status, body: { error: { code: status, message, status: code, ...(details && { details }) } } };
}

function readForm(
  request: EmulatorRequest,
  operation: string,
): { fields: Map<string, string>; violations: string[] } | { result: TokenEndpointResult } {
  const violations: string[] = [];
  if (request.method !== 'POST') {
    violations.push(`the token endpoint takes POST`);
    return { result: oauthError(operation, 405, 'invalid_request', 'Method Not Allowed', violations) };
  }
  if (!/^application\/x-www-form-urlencoded\b/i.test(String(request.headers['content-type'] ?? ''))) {
    violations.push(`the body must be application/x-www-form-urlencoded`);
  }
  if (request.query.size > 0) violations.push(`parameters belong in the body, not the URL`);
  const params = new URLSearchParams(request.rawBody);
  const fields = new Map<string, string>();
  for (const [name, value] of params) {
    if (fields.has(name)) violations.push(`form field ${name} sent more than once`);
    fields.set(name, value);
  }
  return { fields, violations };
}

function unexpectedFields(fields: Map<string, string>, allowed: string[]): string[] {
  return [...fields.keys()]
    .filter((name) => !allowed.includes(name))
    .map((name) => `form field ${name} is not one this grant takes`);
}

function missingFields(fields: Map<string, string>, required: string[]): string[] {
  return required.filter((name) => !fields.get(name)).map((name) => `form field ${name} is required`);
}

function oauthError(
  operation: string,
  status: number,
  error: string,
  description: string,
  violations: string[],
): TokenEndpointResult {
  return { operation, violations, reply: { status, body: { error, error_description: description } } };
}

/** The `sub` of a JWT subject token, for the federated principal; `unknown` when it is not a JWT. */
function subjectOf(token: string): string {
  const payload = parseJson(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  const sub =
    payload.ok && payload.value !== null && typeof payload.value === 'object'
      ? (payload.value as { sub?: unknown }).sub
      : undefined;
  return typeof sub === 'string' ? sub : 'unknown';
}
