/**
 * A GitHub REST API emulator for integration and end-to-end tests: a real HTTP server on 127.0.0.1 that
 * the action reaches through `GITHUB_API_URL`. It serves the part of the API a sticky PR comment, a check
 * run, the deployment lookup and reading a file of the repository need, for one repository, and checks
 * every request and every response against GitHub's own OpenAPI description (the part of `@octokit/openapi`
 * kept in github-contract.json). Whatever breaks the contract lands in `violations`, so a test that ends
 * with `expect(github.violations).toEqual([])` proves both the action and the emulator spoke GitHub's API
 * as described.
 *
 * What it reproduces beyond the description, because real clients trip over it:
 * - Auth as GitHub does it: `Authorization: token <t>` or `Bearer <t>`; an unknown token is `401 Bad
 *   credentials`; no token is `404 Not Found` on a private repository (GitHub hides it) and read-only on a
 *   public one. Tokens carry GITHUB_TOKEN-style permission sets; a missing one is `403 Resource not
 *   accessible by integration` with the `X-Accepted-GitHub-Permissions` header naming what would do.
 * - Pagination by `per_page` (default 30, silently capped at 100) and `page`, with a `Link` header whose
 *   URLs, like GitHub's, go through `/repositories/{id}/...` rather than `/repos/{owner}/{repo}/...`: a client
 *   must follow the links it is given, not rebuild them.
 * - Rules the description states in prose only: a comment body of at most 65536 characters; a check run
 *   that is `completed` (or has `completed_at`) needs a `conclusion`; a client cannot set `stale`; an
 *   updated check run's `output` needs a `title`. Breaking one is answered 422 and is a violation.
 * - A check run's `pull_requests` lists the open PRs whose head is its `head_sha`, except PRs from forks.
 * - Repository contents: base64 in JSON by default, the bytes for `Accept: application/vnd.github.raw+json`.
 *
 * The parts: the server, request log, faults and tampering come from http-emulator.ts; the contract from
 * github-contract.ts; who may call what from github-operations.ts; the scenario from github-state.ts; the
 * operations from github-routes.ts. This file strings them together in GitHub's order: route, check the
 * request, an injected fault, credentials, the repository's visibility, permissions, a rejected request,
 * the handler, check the response.
 */
import { isHit } from './contract.js';
import { loadGitHubContract, type GitHubOperation } from './github-contract.js';
import {
  acceptedPermissions,
  EMULATED_OPERATIONS,
  satisfies,
  type GitHubTokenSpec,
} from './github-operations.js';
import { error, githubRoutes, invalid, notFound, resourceOf, type GitHubReply } from './github-routes.js';
import {
  createGitHubState,
  type CommentSpec,
  type DeploymentSpec,
  type DeploymentStatusSpec,
  type EmulatedCheckRun,
  type EmulatedComment,
  type PullRequestSpec,
  type RepositoryFilesSpec,
  type TokenState,
} from './github-state.js';
import {
  authorization,
  FaultQueue,
  RateWindows,
  startHttpEmulator,
  Tampers,
  type EmulatorRequest,
  type Fault,
  type RecordedRequest,
  type Reply,
} from './http-emulator.js';

export {
  EMULATED_OPERATIONS,
  PERMISSIVE_PERMISSIONS,
  RESTRICTED_PERMISSIONS,
  type GitHubTokenSpec,
  type PermissionLevel,
  type PermissionName,
  type Permissions,
} from './github-operations.js';
export {
  GITHUB_CONTRACT_FILE,
  GITHUB_OPENAPI_FILE,
  loadGitHubContract,
  type GitHubContract,
  type GitHubContractStats,
  type GitHubOperation,
  type GitHubRouteMatch,
  type GitHubValidatedRequest,
} from './github-contract.js';
export type {
  CheckRunConclusion,
  CheckRunStatus,
  CommentSpec,
  DeploymentSpec,
  DeploymentState,
  DeploymentStatusSpec,
  EmulatedCheckRun,
  EmulatedComment,
  PullRequestSpec,
  RepositoryFilesSpec,
} from './github-state.js';

export interface GitHubRecordedRequest extends RecordedRequest {
  /** GitHub's operationId, when the path is one of GitHub's. */
  operationId?: string;
  /** The token it carried (tokens here are test fixtures, not secrets). */
  token?: string;
  /** `token`, `bearer` or anything else the client sent as the Authorization scheme, lower-cased. */
  authScheme?: string;
}

export interface GitHubEmulatorOptions {
  /** Defaults to `octo-org`. */
  owner?: string;
  /** Defaults to `deploy-sentinel-example`. */
  repo?: string;
  repositoryId?: number;
  /** Defaults to true. A public repository can be read without a token and without permissions. */
  private?: boolean;
  tokens: GitHubTokenSpec[];
  /** `''` (api.github.com, the default) or GitHub Enterprise Server's `/api/v3`. */
  basePath?: string;
  /** The web host for `html_url`s; defaults to `https://github.com`. */
  serverUrl?: string;
  /** How `Link` URLs name the repository; GitHub uses `/repositories/{id}` (the default). */
  linkStyle?: 'repository-id' | 'owner-repo';
  /** The clock for timestamps; defaults to the real one. */
  now?: () => Date;
  pullRequests?: PullRequestSpec[];
  deployments?: DeploymentSpec[];
  /** The files `GET /repos/{owner}/{repo}/contents/{path}` serves, at one commit. */
  repositoryFiles?: RepositoryFilesSpec;
}

export interface GitHubEmulator {
  /** What `GITHUB_API_URL` (and Octokit's `baseUrl`) gets: `http://127.0.0.1:<port>` plus the base path. */
  readonly url: string;
  readonly serverUrl: string;
  readonly owner: string;
  readonly repo: string;
  readonly repositoryId: number;
  /** Every call, in arrival order (requests are answered one at a time). */
  readonly requests: GitHubRecordedRequest[];
  /**
   * Contract breaches, in words: requests the description rejects (answered 422, 400 for unparseable
   * JSON), GitHub's prose rules (422), undeclared query parameters (GitHub ignores them; here they are
   * caught), paths that are not GitHub's (404) or not emulated (501), another repository (404), and
   * responses the description rejects. A 401, 403 or 404 that GitHub would send is behaviour, not a breach.
   */
  readonly violations: string[];
  /** The comments of an issue or pull request, oldest first. */
  comments(issue: number): EmulatedComment[];
  /** Seeds a comment, e.g. a previous run's sticky comment or another bot's. */
  addComment(issue: number, spec: CommentSpec): EmulatedComment;
  /** Every check run, oldest first. */
  checkRuns(): EmulatedCheckRun[];
  /** Adds a deployment (as Render's or Railway's GitHub app would); returns its ID. */
  addDeployment(spec: DeploymentSpec): number;
  /** Adds a status to a deployment; returns the status ID. */
  addDeploymentStatus(deploymentId: number, spec: DeploymentStatusSpec): number;
  addPullRequest(spec: PullRequestSpec): void;
  /** Adds (or replaces) a token. */
  addToken(spec: GitHubTokenSpec): void;
  /**
   * Answers the next `count` requests, whatever they are, with `status` and a GitHub error body, ahead of
   * auth and the handler (their request violations are still recorded). 429 and 403 carry `Retry-After: 1`
   * and `X-RateLimit-Remaining: 0` unless `headers` says otherwise.
   */
  failNext(
    count: number,
    status: number,
    options?: { message?: string; headers?: Record<string, string> },
  ): void;
  /**
   * Escape hatch for self-checks: passes every 2xx body of an operation through `mutate` before it is
   * validated and sent. Returns a function that removes the tamper.
   */
  tamperResponses(operationId: string, mutate: (body: unknown) => unknown): () => void;
  close(): Promise<void>;
}

const RATE_LIMIT = 1000;
const RATE_WINDOW_MS = 3_600_000;
const STATUS_MESSAGES: Record<number, string> = {
  403: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
  429: 'API rate limit exceeded for installation ID 1.',
  500: 'Server Error',
  502: 'Server Error',
  503: 'Service Unavailable',
};

/** Starts the emulator on an ephemeral port of 127.0.0.1. */
export async function startGitHubEmulator(options: GitHubEmulatorOptions): Promise<GitHubEmulator> {
  const contract = loadGitHubContract();
  const state = createGitHubState(options);
  const { owner, repo, repositoryId, isPrivate, tokens } = state;
  const basePath = (options.basePath ?? '').replace(/\/$/, '');
  const clock = options.now ?? (() => new Date());
  const violations: string[] = [];
  const handlers = githubRoutes(
    state,
    { basePath, linkStyle: options.linkStyle ?? 'repository-id' },
    violations,
  );
  const tampers = new Tampers();
  // An injected failure is answered in GitHub's error shape, with the documentation URL of the operation.
  const faults = new FaultQueue<Fault & { message: string }>();
  const rates = new RateWindows(() => clock().getTime());
  let nextRequestId = 1;

  const rateHeaders = (): Record<string, string> => {
    const use = rates.hit('core', RATE_LIMIT, RATE_WINDOW_MS);
    return {
      'X-RateLimit-Limit': String(use.limit),
      'X-RateLimit-Remaining': String(use.remaining),
      'X-RateLimit-Reset': String(Math.floor(use.resetAt / 1000)),
      'X-RateLimit-Used': String(use.used),
      'X-RateLimit-Resource': 'core',
    };
  };

  /**
   * Routing: the base path, then GitHub's paths; `/repositories/{id}/...` (what Link headers carry) is the
   * emulated repository under another name. Also the path after `/repos/{owner}/{repo}`, for Link headers.
   */
  const routeOf = (request: EmulatorRequest) => {
    const relative =
      basePath === '' || request.path === basePath || request.path.startsWith(`${basePath}/`)
        ? request.path.slice(basePath.length)
        : undefined;
    if (relative === undefined) return { route: { found: 'nothing' as const }, repoRelativePath: '' };
    const route = contract.route(request.method, relative);
    const alias = /^\/repositories\/(\d+)(\/.*)$/.exec(relative);
    if (route.found !== 'nothing' || !alias) {
      return { route, repoRelativePath: relative.replace(/^\/repos\/[^/]+\/[^/]+/, '') };
    }
    if (Number(alias[1]) !== repositoryId) return { otherRepository: alias[1]! };
    return {
      route: contract.route(request.method, `/repos/${owner}/${repo}${alias[2]}`),
      repoRelativePath: alias[2]!,
    };
  };

  /** Auth, as GitHub orders it: credentials, then the repository's visibility, then permissions. */
  const authorize = (
    request: EmulatorRequest,
    operation: GitHubOperation,
  ): { caller: TokenState | undefined } | { reply: GitHubReply } => {
    const auth = authorization(request.headers);
    let caller: TokenState | undefined;
    if (auth.kind !== 'none') {
      const scheme = auth.kind === 'credential' ? auth.scheme.toLowerCase() : undefined;
      caller =
        auth.kind === 'credential' && (scheme === 'token' || scheme === 'bearer')
          ? tokens.get(auth.credential)
          : undefined;
      if (!caller) return { reply: error(401, 'Bad credentials') };
    }
    const sameRepository =
      String(operation.pathParams.owner).toLowerCase() === owner.toLowerCase() &&
      String(operation.pathParams.repo).toLowerCase() === repo.toLowerCase();
    if (!sameRepository) {
      violations.push(
        `${request.label}: ${operation.pathParams.owner}/${operation.pathParams.repo} is not ${owner}/${repo}`,
      );
      return { reply: notFound(operation) };
    }
    const access = EMULATED_OPERATIONS[operation.operationId]!.access;
    const readOnly = Object.values(access[0] ?? {}).every((level) => level === 'read');
    if (!caller) {
      if (isPrivate) return { reply: notFound(operation) };
      if (!readOnly) return { reply: error(401, 'Requires authentication', operation.docsUrl) };
    } else if (!(readOnly && !isPrivate) && !access.some((set) => satisfies(caller.permissions, set))) {
      const message =
        caller.kind === 'personal-access-token'
          ? 'Resource not accessible by personal access token'
          : 'Resource not accessible by integration';
      const reply = error(403, message, operation.docsUrl);
      return {
        reply: { ...reply, headers: { 'X-Accepted-GitHub-Permissions': acceptedPermissions(access) } },
      };
    }
    return { caller };
  };

  const handle = async (request: EmulatorRequest): Promise<Reply> => {
    const { label } = request;
    const recorded = request.recorded as GitHubRecordedRequest;
    const auth = authorization(request.headers);
    if (auth.kind === 'credential') {
      recorded.authScheme = auth.scheme.toLowerCase();
      recorded.token = auth.credential;
    }

    // The operation `send` validates against, once known. `offContract`: an injected failure or the 501
    // for an unemulated operation, where any status goes.
    const current: { operation?: GitHubOperation; offContract: boolean } = { offContract: false };
    const send = ({ raw, ...reply }: GitHubReply): Reply => {
      const { operation, offContract } = current;
      let body = reply.body;
      if (operation) {
        body = tampers.apply(operation.operationId, reply.status, body);
        const problems = contract.validateResponse(operation, reply.status, body, {
          undeclaredStatusAllowed: offContract,
          raw,
        });
        violations.push(...problems.map((problem) => `${label}: ${problem}`));
      }
      return {
        ...reply,
        body,
        headers: {
          ...rateHeaders(),
          'X-GitHub-Request-Id': `EMU0:${String(nextRequestId++).padStart(6, '0')}`,
          'X-GitHub-Api-Version-Selected': '2022-11-28',
          'X-GitHub-Media-Type': 'github.v3; format=json',
          ...reply.headers,
        },
      };
    };

    const routed = routeOf(request);
    if ('otherRepository' in routed) {
      violations.push(
        `${label}: repository ${routed.otherRepository} is not the emulated one (${repositoryId})`,
      );
      return send(notFound());
    }
    const { route, repoRelativePath } = routed;
    if (!isHit(route)) {
      violations.push(
        route.found === 'path'
          ? `${label}: ${route.templates.join(' or ')} has no ${request.method}; it takes ${route.methods.join(', ')}`
          : `${label}: not a path of GitHub's REST API${basePath ? ` under ${basePath}` : ''}`,
      );
      return send(notFound());
    }
    const { operation } = route;
    current.operation = operation;
    recorded.operation = operation.operationId;
    recorded.operationId = operation.operationId;
    if (!route.emulated) {
      violations.push(`${label}: ${operation.operationId} is GitHub's, but the emulator does not serve it`);
      current.offContract = true;
      return send(error(501, `the GitHub emulator does not emulate ${operation.operationId}`));
    }

    const validated = contract.validateRequest(route, request);
    violations.push(...validated.violations.map((problem) => `${label}: request ${problem}`));

    const fault = faults.take(request, operation.operationId);
    if (fault) {
      current.offContract = true;
      return send({ ...error(fault.status, fault.message, operation.docsUrl), headers: fault.headers });
    }
    const authorized = authorize(request, operation);
    if ('reply' in authorized) return send(authorized.reply);
    if (validated.unparseable) return send(error(400, 'Problems parsing JSON', operation.docsUrl));
    if (validated.violations.length > 0) {
      return send(invalid(operation, validated.violations, resourceOf(operation.operationId)));
    }

    try {
      return send(
        handlers[operation.operationId]!({
          operation,
          path: validated.path,
          query: validated.query,
          body: validated.body,
          caller: authorized.caller,
          accept: String(request.headers.accept ?? ''),
          search: request.query,
          repoRelativePath,
        }),
      );
    } catch (caught) {
      violations.push(`${label}: the GitHub emulator failed: ${(caught as Error).stack ?? String(caught)}`);
      return send(error(500, 'Server Error'));
    }
  };

  const http = await startHttpEmulator({
    name: 'GitHub emulator',
    handle,
    violations,
    publishes: true,
  });
  state.api = `${http.origin}${basePath}`;

  return {
    url: state.api,
    serverUrl: state.serverUrl,
    owner,
    repo,
    repositoryId,
    requests: http.requests as GitHubRecordedRequest[],
    violations,
    comments(issue) {
      return (state.comments.get(issue) ?? []).map(({ nodeId: _nodeId, ...comment }) => ({ ...comment }));
    },
    addComment(issue, spec) {
      const { nodeId: _nodeId, ...comment } = state.addComment(issue, spec);
      return comment;
    },
    checkRuns() {
      return state.checkRuns.map((run) => ({
        id: run.id,
        name: run.name,
        headSha: run.headSha,
        status: run.status,
        conclusion: run.conclusion,
        startedAt: run.startedAt,
        completedAt: run.completedAt,
        detailsUrl: run.detailsUrl,
        externalId: run.externalId,
        output: {
          title: run.title,
          summary: run.summary,
          text: run.text,
          annotationsCount: run.annotationsCount,
        },
        app: run.app,
        updates: run.updates,
      }));
    },
    addDeployment: state.addDeployment,
    addDeploymentStatus: state.addDeploymentStatus,
    addPullRequest: state.addPullRequest,
    addToken: state.addToken,
    failNext(count, status, failOptions = {}) {
      const defaults: Record<string, string> =
        status === 429 || status === 403 ? { 'Retry-After': '1', 'X-RateLimit-Remaining': '0' } : {};
      const message = failOptions.message ?? STATUS_MESSAGES[status] ?? `injected ${status}`;
      faults.add(count, { status, message, headers: { ...defaults, ...failOptions.headers } });
    },
    tamperResponses(operationId, mutate) {
      if (!EMULATED_OPERATIONS[operationId])
        throw new Error(`tamperResponses(): ${operationId} is not emulated`);
      return tampers.add(operationId, mutate);
    },
    close: () => http.close(),
  };
}
