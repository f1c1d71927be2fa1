/**
 * A GitHub REST API emulator for integration and end-to-end tests: a real HTTP server on 127.0.0.1 that
 * the action reaches through `GITHUB_API_URL`. It serves the part of the API a sticky PR comment, a check
 * run and the deployment lookup need, for one repository, and checks every request and every response
 * against GitHub's own OpenAPI description (the `@octokit/openapi` package). Whatever breaks the contract
 * lands in `violations`, so a test that ends with `expect(github.violations).toEqual([])` proves both the
 * action and the emulator spoke GitHub's API as described.
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
 *
 * GitHub's description declares error responses incompletely (`PATCH .../issues/comments/{id}` declares no
 * 404, `POST .../check-runs` no 403), so the generic error statuses GitHub sends on any route (400, 401, 403,
 * 404, 409, 410, 422, 429, 5xx) are accepted when undeclared; their bodies must still be a `basic-error`
 * (`validation-error` for 422).
 *
 * The document is parsed once per module instance (once per jest test file) and only the part reachable
 * from the emulated operations is kept and compiled; see {@link loadGitHubContract} for its cost.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { resolvePointer } from '../../src/json-pointer.js';
import { describeSchemaErrors } from '../../src/json-schema.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is module.exports.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats: FormatsPlugin =
  (formatsPlugin as unknown as { default?: FormatsPlugin }).default ??
  (formatsPlugin as unknown as FormatsPlugin);

/**
 * GitHub's description of api.github.com as `@octokit/openapi` ships it: the bundled (non-dereferenced)
 * variant, 13 MB, rather than `api.github.com.deref.json` (73 MB). Never import the package itself: its
 * `index.js` requires all ten documents (385 MB).
 */
export const GITHUB_OPENAPI_FILE = createRequire(import.meta.url).resolve(
  '@octokit/openapi/generated/api.github.com.json',
);

// ---------------------------------------------------------------------------------------------------------
// Permissions

export type PermissionLevel = 'none' | 'read' | 'write' | 'admin';
/** Permission names as a workflow's `permissions:` block spells them (`pull-requests`, not `pull_requests`). */
export type PermissionName =
  | 'actions'
  | 'checks'
  | 'contents'
  | 'deployments'
  | 'issues'
  | 'metadata'
  | 'packages'
  | 'pull-requests'
  | 'statuses';
export type Permissions = Partial<Record<PermissionName, PermissionLevel>>;

/** GITHUB_TOKEN under the "permissive" default: write to everything the emulator serves. */
export const PERMISSIVE_PERMISSIONS: Permissions = {
  actions: 'write',
  checks: 'write',
  contents: 'write',
  deployments: 'write',
  issues: 'write',
  metadata: 'read',
  packages: 'write',
  'pull-requests': 'write',
  statuses: 'write',
};

/** GITHUB_TOKEN under the "restricted" default (and what a fork's pull_request run gets at most). */
export const RESTRICTED_PERMISSIONS: Permissions = { contents: 'read', metadata: 'read', packages: 'read' };

/** One way to be allowed: every listed permission at least at its level. */
type PermissionSet = Permissions;

export interface GitHubTokenSpec {
  token: string;
  /** Unlisted permissions are `none`, as in a workflow's `permissions:` block; `metadata` is always read. */
  permissions: Permissions;
  /** Who the token acts as, the author of its comments; defaults to `github-actions[bot]`. */
  login?: string;
  /**
   * `integration` (the default): GITHUB_TOKEN or an app installation token. `personal-access-token`: a
   * fine-grained PAT, which gets a different 403 message and cannot create check runs.
   */
  kind?: 'integration' | 'personal-access-token';
}

// ---------------------------------------------------------------------------------------------------------
// The emulated operations

interface EmulatedOperation {
  method: string;
  template: string;
  /** Any one set suffices (GitHub's `X-Accepted-GitHub-Permissions`, sets separated by `; `). */
  access: PermissionSet[];
}

/**
 * Every operation the emulator serves, by GitHub's operationId, with the permissions GitHub asks of a
 * GITHUB_TOKEN on a private repository. Commenting on a pull request takes `pull-requests` or `issues`.
 * The permission of `repos/list-pull-requests-associated-with-commit` (here `pull-requests: read`) is an
 * assumption: GitHub's reference lists it ambiguously.
 */
export const EMULATED_OPERATIONS: Readonly<Record<string, EmulatedOperation>> = {
  'issues/list-comments': {
    method: 'get',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    access: [{ issues: 'read' }, { 'pull-requests': 'read' }],
  },
  'issues/create-comment': {
    method: 'post',
    template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    access: [{ issues: 'write' }, { 'pull-requests': 'write' }],
  },
  'issues/get-comment': {
    method: 'get',
    template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    access: [{ issues: 'read' }, { 'pull-requests': 'read' }],
  },
  'issues/update-comment': {
    method: 'patch',
    template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    access: [{ issues: 'write' }, { 'pull-requests': 'write' }],
  },
  'issues/delete-comment': {
    method: 'delete',
    template: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    access: [{ issues: 'write' }, { 'pull-requests': 'write' }],
  },
  'checks/create': {
    method: 'post',
    template: '/repos/{owner}/{repo}/check-runs',
    access: [{ checks: 'write' }],
  },
  'checks/get': {
    method: 'get',
    template: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    access: [{ checks: 'read' }],
  },
  'checks/update': {
    method: 'patch',
    template: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    access: [{ checks: 'write' }],
  },
  'checks/list-for-ref': {
    method: 'get',
    template: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
    access: [{ checks: 'read' }],
  },
  'repos/list-deployments': {
    method: 'get',
    template: '/repos/{owner}/{repo}/deployments',
    access: [{ deployments: 'read' }],
  },
  'repos/get-deployment': {
    method: 'get',
    template: '/repos/{owner}/{repo}/deployments/{deployment_id}',
    access: [{ deployments: 'read' }],
  },
  'repos/list-deployment-statuses': {
    method: 'get',
    template: '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
    access: [{ deployments: 'read' }],
  },
  'pulls/get': {
    method: 'get',
    template: '/repos/{owner}/{repo}/pulls/{pull_number}',
    access: [{ 'pull-requests': 'read' }],
  },
  'pulls/list': {
    method: 'get',
    template: '/repos/{owner}/{repo}/pulls',
    access: [{ 'pull-requests': 'read' }],
  },
  'repos/list-pull-requests-associated-with-commit': {
    method: 'get',
    template: '/repos/{owner}/{repo}/commits/{commit_sha}/pulls',
    access: [{ 'pull-requests': 'read' }],
  },
};

// ---------------------------------------------------------------------------------------------------------
// The contract: GitHub's description, reduced to the emulated operations

type Json = Record<string, unknown>;

export interface GitHubOperation {
  /** Lower case: `get`, `post`, ... */
  method: string;
  template: string;
  operationId: string;
  /** The operation's `externalDocs.url`: what GitHub puts in an error's `documentation_url`. */
  docsUrl: string;
  /** Percent-decoded. */
  pathParams: Record<string, string>;
}

export type GitHubRouteMatch =
  | { found: 'operation'; operation: GitHubOperation; emulated: boolean }
  /** The path exists, but not with this method. */
  | { found: 'path'; template: string; methods: string[] }
  | { found: 'nothing' };

export interface GitHubValidatedRequest {
  violations: string[];
  /** Path parameters, coerced to their declared types. */
  path: Record<string, unknown>;
  /** Declared query parameters, coerced; no defaults filled in (GitHub's `sha` defaults to `"none"`). */
  query: Record<string, unknown>;
  /** The parsed JSON body; undefined when absent or unparseable. */
  body: unknown;
  /** The body was present but not JSON: GitHub answers 400 "Problems parsing JSON". */
  unparseable: boolean;
}

export interface GitHubContractStats {
  file: string;
  documentBytes: number;
  /** readFileSync + JSON.parse of the whole document. */
  parseMs: number;
  /** Everything: parse, route table, closure extraction and translation, ajv setup. */
  loadMs: number;
  /** Heap and RSS growth across the load, before the full document is garbage collected. */
  heapDeltaBytes: number;
  rssDeltaBytes: number;
  /** Paths and operations in the whole document (the route table keeps them all). */
  paths: number;
  operations: number;
  /** `#/components/...` entries reachable from the emulated operations: all that is kept and compiled. */
  keptComponents: number;
}

export interface GitHubContract {
  readonly stats: GitHubContractStats;
  route(method: string, path: string): GitHubRouteMatch;
  validateRequest(
    operation: GitHubOperation,
    request: { query: URLSearchParams; headers: IncomingHttpHeaders; body: string },
  ): GitHubValidatedRequest;
  /**
   * Checks a response against the declared one. Undeclared generic error statuses are accepted with a
   * `basic-error` body (`validation-error` for 422); `undeclaredStatusAllowed` accepts any status (injected
   * failures), still checking an error body when there is one.
   */
  validateResponse(
    operation: GitHubOperation,
    status: number,
    body: unknown,
    options?: { undeclaredStatusAllowed?: boolean },
  ): string[];
  /** Validates data against a kept schema, e.g. `#/components/schemas/issue-comment`. */
  validateSchema(pointer: string, data: unknown): string[];
  /** Number of compiled validators so far (they are cached for the life of the module). */
  compiledValidators(): number;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENT_ID = 'github-openapi';
/** Annotations the validators never read: dropped from the kept part to keep it small. */
const ANNOTATIONS = new Set([
  'description',
  'summary',
  'example',
  'examples',
  'externalDocs',
  'tags',
  'title',
]);
/** Keywords whose values are data, not schemas. */
const DATA_KEYWORDS = new Set(['default', 'enum', 'const', 'required']);
/** Statuses GitHub can send from any route, declared or not. */
const GENERIC_ERROR_STATUSES = new Set([400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503, 504]);

let cachedContract: GitHubContract | undefined;

/**
 * GitHub's description as request and response validators, loaded on first use and cached for the life
 * of the module (jest gives each test file its own module registry, so once per test file). The whole
 * 13 MB document is parsed once: 0.2–0.7 s in all on a busy 2-core machine, about 50 MB of transient heap,
 * about 1.5 MB retained after garbage collection (`stats` has the figures of the actual load). Only the
 * route table (every path and method, so a real but unemulated endpoint can be told from a typo) and the
 * 51 components reachable from {@link EMULATED_OPERATIONS} are kept. Validators compile on first use and
 * stay cached.
 */
export function loadGitHubContract(): GitHubContract {
  cachedContract ??= createContract();
  return cachedContract;
}

interface RouteEntry {
  template: string;
  pattern: RegExp;
  names: string[];
  literalSegments: number;
  multiSegment: number;
  methods: Map<string, { operationId: string; docsUrl: string }>;
}

interface ParameterPlan {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  isArray: boolean;
  explode: boolean;
  schemaPointer: string;
}

interface OperationPlan {
  parameters: ParameterPlan[];
  validateParameters: ValidateFunction;
  body: { required: boolean; schemaPointer: string | undefined } | undefined;
}

function createContract(): GitHubContract {
  const started = performance.now();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const documentBytes = statSync(GITHUB_OPENAPI_FILE).size;
  let full = JSON.parse(readFileSync(GITHUB_OPENAPI_FILE, 'utf8')) as Json;
  const parseMs = performance.now() - started;
  const fullPaths = full.paths as Record<string, Json>;

  const deref = (node: Json): Json => {
    let current = node;
    for (let hops = 0; typeof current.$ref === 'string'; hops++) {
      if (hops > 20) throw new Error(`$ref loop at ${String(node.$ref)}`);
      const found = resolvePointer(full, String(current.$ref).replace(/^#/, ''));
      if (!found.found) throw new Error(`unresolvable $ref ${String(current.$ref)}`);
      current = found.value as Json;
    }
    return current;
  };

  // The route table: every path and method of the document.
  let operationCount = 0;
  const routes: RouteEntry[] = Object.entries(fullPaths).map(([template, pathItem]) => {
    const methods = new Map<string, { operationId: string; docsUrl: string }>();
    const multi = new Set<string>();
    const parameterLists = [pathItem.parameters];
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method] as Json | undefined;
      if (!operation) continue;
      operationCount++;
      methods.set(method, {
        operationId: String(operation.operationId ?? `${method} ${template}`),
        docsUrl: String((operation.externalDocs as Json | undefined)?.url ?? 'https://docs.github.com/rest'),
      });
      parameterLists.push(operation.parameters);
    }
    for (const list of parameterLists) {
      for (const entry of (list ?? []) as Json[]) {
        const parameter = deref(entry);
        if (parameter.in === 'path' && parameter['x-multi-segment'] === true)
          multi.add(String(parameter.name));
      }
    }
    return { template, ...templatePattern(template, multi), methods };
  });
  // Literal segments win over parameters, single-segment parameters over multi-segment ones.
  routes.sort((a, b) => b.literalSegments - a.literalSegments || a.multiSegment - b.multiSegment);

  // The kept part: the emulated operations and everything they reference, at the same JSON pointers.
  const kept: Json = {};
  const keptPointers = new Set<string>();
  const pending: string[] = [];
  for (const [operationId, emulated] of Object.entries(EMULATED_OPERATIONS)) {
    const operation = fullPaths[emulated.template]?.[emulated.method] as Json | undefined;
    if (!operation || operation.operationId !== operationId) {
      throw new Error(
        `GitHub's description has no ${operationId} at ${emulated.method.toUpperCase()} ${emulated.template}`,
      );
    }
    pending.push(`#/paths/${escapeSegment(emulated.template)}/${emulated.method}`);
    if (fullPaths[emulated.template]?.parameters) {
      pending.push(`#/paths/${escapeSegment(emulated.template)}/parameters`);
    }
  }
  while (pending.length > 0) {
    const pointer = pending.pop()!;
    if (keptPointers.has(pointer)) continue;
    keptPointers.add(pointer);
    const found = resolvePointer(full, decodeURIComponent(pointer.slice(1)));
    if (!found.found) throw new Error(`unresolvable $ref ${pointer}`);
    const refs: string[] = [];
    setAtPointer(kept, pointer, translate(found.value, pointer, refs));
    pending.push(...refs);
  }
  const keptComponents = [...keptPointers].filter((pointer) => pointer.startsWith('#/components/')).length;
  const paths = Object.keys(fullPaths).length;
  // Drop the whole document: only `kept` and the route table live on.
  full = {};

  const schemaAjv = createAjv({});
  const parameterAjv = createAjv({ coerceTypes: true });
  schemaAjv.addSchema(kept, DOCUMENT_ID, undefined, false);
  parameterAjv.addSchema(kept, DOCUMENT_ID, undefined, false);

  const at = (pointer: string): Json | undefined => {
    const found = resolvePointer(kept, decodeURIComponent(pointer.replace(/^#/, '')));
    return found.found ? (found.value as Json) : undefined;
  };
  const keptDeref = (node: Json, pointer: string): { node: Json; pointer: string } => {
    let current = { node, pointer };
    while (typeof current.node.$ref === 'string') {
      const target = current.node.$ref;
      const next = at(target);
      if (!next) throw new Error(`unresolvable $ref ${target} (from ${pointer})`);
      current = { node: next, pointer: target };
    }
    return current;
  };

  const validators = new Map<string, ValidateFunction>();
  const validate = (pointer: string, data: unknown): string[] => {
    if (!at(pointer)) throw new Error(`no schema at ${pointer} in the kept part of GitHub's description`);
    let validator = validators.get(pointer);
    if (!validator) {
      validator = schemaAjv.compile({ $ref: `${DOCUMENT_ID}${pointer}` });
      validators.set(pointer, validator);
    }
    return validator(data) ? [] : describeSchemaErrors(validator.errors, data);
  };

  const plans = new Map<string, OperationPlan>();
  const planFor = (operation: GitHubOperation): OperationPlan => {
    const key = `${operation.method} ${operation.template}`;
    const existing = plans.get(key);
    if (existing) return existing;
    const pathPointer = `#/paths/${escapeSegment(operation.template)}`;
    const pointer = `${pathPointer}/${operation.method}`;
    const node = at(pointer);
    if (!node) throw new Error(`${operation.operationId} is not emulated, so its schemas were not kept`);
    const byKey = new Map<string, ParameterPlan>();
    const collect = (list: unknown, listPointer: string) => {
      ((list ?? []) as Json[]).forEach((entry, index) => {
        const resolved = keptDeref(entry, `${listPointer}/${index}`);
        const location = resolved.node.in;
        if (location !== 'path' && location !== 'query') {
          throw new Error(`${String(location)} parameter ${String(resolved.node.name)} is not supported`);
        }
        if ((resolved.node.style ?? 'form') !== 'form' && location === 'query') {
          throw new Error(`query style ${String(resolved.node.style)} is not supported`);
        }
        const schema = keptDeref(resolved.node.schema as Json, `${resolved.pointer}/schema`).node;
        byKey.set(`${location} ${String(resolved.node.name)}`, {
          name: String(resolved.node.name),
          in: location,
          required: resolved.node.required === true,
          isArray: schema.type === 'array',
          explode: resolved.node.explode !== false,
          schemaPointer: `${resolved.pointer}/schema`,
        });
      });
    };
    collect(at(pathPointer)?.parameters, `${pathPointer}/parameters`);
    collect(node.parameters, `${pointer}/parameters`);
    const parameters = [...byKey.values()];
    const group = (location: 'path' | 'query') => {
      const members = parameters.filter((parameter) => parameter.in === location);
      return {
        type: 'object',
        properties: Object.fromEntries(
          members.map((parameter) => [parameter.name, { $ref: `${DOCUMENT_ID}${parameter.schemaPointer}` }]),
        ),
        required: members.filter((parameter) => parameter.required).map((parameter) => parameter.name),
      };
    };
    const validateParameters = parameterAjv.compile({
      type: 'object',
      properties: { path: group('path'), query: group('query') },
    });
    let body: OperationPlan['body'];
    if (node.requestBody !== undefined) {
      const resolved = keptDeref(node.requestBody as Json, `${pointer}/requestBody`);
      const content = resolved.node.content as Json | undefined;
      body = {
        required: resolved.node.required === true,
        schemaPointer: content?.['application/json']
          ? `${resolved.pointer}/content/${escapeSegment('application/json')}/schema`
          : undefined,
      };
    }
    const plan = { parameters, validateParameters, body };
    plans.set(key, plan);
    return plan;
  };

  const contract: GitHubContract = {
    stats: {
      file: GITHUB_OPENAPI_FILE,
      documentBytes,
      parseMs: Math.round(parseMs),
      loadMs: 0,
      heapDeltaBytes: 0,
      rssDeltaBytes: 0,
      paths,
      operations: operationCount,
      keptComponents,
    },

    route(method, path) {
      const lower = method.toLowerCase();
      for (const route of routes) {
        const match = route.pattern.exec(path);
        if (!match) continue;
        const found = route.methods.get(lower);
        if (!found) return { found: 'path', template: route.template, methods: [...route.methods.keys()] };
        let pathParams: Record<string, string>;
        try {
          pathParams = Object.fromEntries(
            route.names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]),
          );
        } catch {
          return { found: 'nothing' };
        }
        return {
          found: 'operation',
          operation: { method: lower, template: route.template, ...found, pathParams },
          emulated: EMULATED_OPERATIONS[found.operationId]?.template === route.template,
        };
      }
      return { found: 'nothing' };
    },

    validateRequest(operation, request) {
      const plan = planFor(operation);
      const violations: string[] = [];
      const declared = new Set(plan.parameters.filter((p) => p.in === 'query').map((p) => p.name));
      for (const name of new Set(request.query.keys())) {
        if (!declared.has(name)) {
          violations.push(`query parameter "${name}" is not declared (GitHub ignores it silently)`);
        }
      }
      const query: Record<string, unknown> = {};
      for (const parameter of plan.parameters) {
        if (parameter.in !== 'query') continue;
        const values = request.query.getAll(parameter.name);
        if (values.length === 0) continue;
        if (values.length > 1 && !(parameter.isArray && parameter.explode)) {
          violations.push(`query parameter "${parameter.name}" must be sent once`);
        }
        if (!parameter.isArray) query[parameter.name] = values[0];
        else query[parameter.name] = parameter.explode ? values : values.flatMap((value) => value.split(','));
      }
      const parameters = { path: { ...operation.pathParams } as Record<string, unknown>, query };
      if (!plan.validateParameters(parameters)) {
        violations.push(...describeSchemaErrors(plan.validateParameters.errors, parameters));
      }

      let body: unknown;
      let unparseable = false;
      const contentType = String(request.headers['content-type'] ?? '');
      if (!plan.body) {
        if (request.body !== '') violations.push('takes no body, but one was sent');
      } else if (request.body === '') {
        if (plan.body.required) violations.push('body is required');
      } else {
        try {
          body = JSON.parse(request.body) as unknown;
        } catch {
          unparseable = true;
          violations.push('body is not valid JSON');
        }
        if (!unparseable) {
          if (!/^application\/json\b/i.test(contentType)) {
            violations.push(`body must be application/json, but Content-Type was "${contentType}"`);
          }
          if (plan.body.schemaPointer !== undefined) {
            violations.push(...validate(plan.body.schemaPointer, body).map((problem) => `body ${problem}`));
          }
        }
      }
      return { violations, path: parameters.path, query: parameters.query, body, unparseable };
    },

    validateResponse(operation, status, body, options = {}) {
      const pointer = `#/paths/${escapeSegment(operation.template)}/${operation.method}`;
      const responses = (at(pointer)?.responses ?? {}) as Json;
      const key = [String(status), `${String(status)[0]}XX`, 'default'].find((name) => name in responses);
      if (key === undefined) {
        const generic = GENERIC_ERROR_STATUSES.has(status);
        if (!generic && !options.undeclaredStatusAllowed) return [`status ${status} is not declared`];
        if (body === undefined) return generic ? ['has no body, but GitHub sends a JSON error'] : [];
        return validate(`#/components/schemas/${status === 422 ? 'validation-error' : 'basic-error'}`, body);
      }
      const resolved = keptDeref(responses[key] as Json, `${pointer}/responses/${key}`);
      const content = resolved.node.content as Json | undefined;
      if (!content) return body === undefined ? [] : ['has a body, but the response declares no content'];
      if (!content['application/json']) {
        throw new Error(`${operation.operationId} ${key}: only application/json responses are supported`);
      }
      if (body === undefined) return ['has no body, but the response declares application/json'];
      return validate(`${resolved.pointer}/content/${escapeSegment('application/json')}/schema`, body);
    },

    validateSchema: validate,
    compiledValidators: () => validators.size + plans.size,
  };
  contract.stats.loadMs = Math.round(performance.now() - started);
  contract.stats.heapDeltaBytes = process.memoryUsage().heapUsed - heapBefore;
  contract.stats.rssDeltaBytes = process.memoryUsage().rss - rssBefore;
  return contract;
}

function createAjv(options: { coerceTypes?: boolean }): Ajv {
  // `oneOf` stays exact: the unions the emulated operations reach (an app's owner is a user or an
  // enterprise, a deployment's payload an object or a string) exclude each other.
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, ...options });
  addFormats(ajv);
  return ajv;
}

/**
 * Rewrites one node of OpenAPI 3.0 into draft-07 for ajv, in a copy, collecting the `$ref`s it meets:
 * `nullable` becomes a `null` type (or an `anyOf` with `null` when there is no single `type`), siblings of
 * `$ref` go, annotations and `x-*` extensions go. `discriminator` is not translated, so meeting one throws
 * rather than validating wrongly; the emulated operations reach none (GitHub uses it four times, on
 * `/user`, `/users/{username}`, `/user/{account_id}` and repository contents).
 */
function translate(node: unknown, pointer: string, refs: string[]): unknown {
  if (Array.isArray(node)) return node.map((item, index) => translate(item, `${pointer}/${index}`, refs));
  if (node === null || typeof node !== 'object') return node;
  const source = node as Json;
  if (typeof source.$ref === 'string') {
    refs.push(source.$ref);
    return { $ref: source.$ref };
  }
  const result: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (ANNOTATIONS.has(key) || key.startsWith('x-')) continue;
    const childPointer = `${pointer}/${escapeSegment(key)}`;
    if (DATA_KEYWORDS.has(key)) {
      result[key] = value;
    } else if (key === 'discriminator') {
      throw new Error(`OpenAPI "discriminator" at ${pointer} is not supported by the GitHub emulator`);
    } else if (key === 'properties' && value !== null && typeof value === 'object') {
      result[key] = Object.fromEntries(
        Object.entries(value).map(([name, schema]) => [
          name,
          translate(schema, `${childPointer}/${escapeSegment(name)}`, refs),
        ]),
      );
    } else {
      result[key] = translate(value, childPointer, refs);
    }
  }
  if ('nullable' in result) {
    const nullable = result.nullable === true;
    delete result.nullable;
    if (nullable) {
      if (typeof result.type === 'string') {
        result.type = [result.type, 'null'];
        if (Array.isArray(result.enum)) result.enum = [...(result.enum as unknown[]), null];
      } else {
        return { anyOf: [result, { type: 'null' }] };
      }
    }
  }
  return result;
}

function setAtPointer(root: Json, pointer: string, value: unknown): void {
  const segments = pointer
    .slice(2)
    .split('/')
    .map((segment) => decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~'));
  let current = root;
  segments.forEach((segment, index) => {
    if (index === segments.length - 1) current[segment] = value;
    else current = (current[segment] ??= {}) as Json;
  });
}

/** A path template as a regular expression; `x-multi-segment` parameters (a ref like `a/b`) span slashes. */
function templatePattern(
  template: string,
  multi: Set<string>,
): { pattern: RegExp; names: string[]; literalSegments: number; multiSegment: number } {
  const names: string[] = [];
  const segments = template.split('/');
  const source = segments
    .map((segment) =>
      segment.replace(/\{([^}]+)\}|[^{]+/g, (part, name: string | undefined) => {
        if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(name);
        return multi.has(name) ? '(.+)' : '([^/]+)';
      }),
    )
    .join('/');
  return {
    pattern: new RegExp(`^${source}$`),
    names,
    literalSegments: segments.filter((segment) => segment !== '' && !segment.includes('{')).length,
    multiSegment: names.filter((name) => multi.has(name)).length,
  };
}

/** One JSON-pointer segment, escaped (RFC 6901) and percent-encoded for use in a URI fragment. */
function escapeSegment(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}

// ---------------------------------------------------------------------------------------------------------
// The emulator

export type CheckRunStatus = 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
export type CheckRunConclusion =
  'action_required' | 'cancelled' | 'failure' | 'neutral' | 'success' | 'skipped' | 'timed_out';
export type DeploymentState =
  'error' | 'failure' | 'inactive' | 'pending' | 'success' | 'queued' | 'in_progress';

export interface PullRequestSpec {
  number: number;
  headRef: string;
  headSha: string;
  baseRef?: string;
  baseSha?: string;
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
  merged?: boolean;
  draft?: boolean;
  /** The author's login; defaults to `octocat`. */
  user?: string;
  /** `owner/name` of a fork the head comes from; defaults to the emulated repository. */
  headRepo?: string;
  createdAt?: string;
}

export interface DeploymentSpec {
  /** Defaults to the next ID. */
  id?: number;
  sha: string;
  /** Defaults to `sha`. */
  ref?: string;
  environment: string;
  /** Defaults to `environment`. */
  originalEnvironment?: string;
  task?: string;
  description?: string | null;
  /** The creator's login; defaults to `render[bot]`. */
  creator?: string;
  payload?: Record<string, unknown> | string;
  transient?: boolean;
  /** Defaults to `environment === 'production'`. */
  production?: boolean;
  createdAt?: string;
}

export interface DeploymentStatusSpec {
  state: DeploymentState;
  environmentUrl?: string;
  logUrl?: string;
  /** Defaults to `logUrl`, else `environmentUrl`, else the repository's deployments page. */
  targetUrl?: string;
  description?: string;
  /** Defaults to the deployment's environment. */
  environment?: string;
  /** Defaults to the deployment's creator. */
  creator?: string;
  createdAt?: string;
}

export interface CommentSpec {
  body: string;
  /** Defaults to `github-actions[bot]`. */
  user?: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface EmulatedComment {
  id: number;
  issue: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface EmulatedCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: CheckRunStatus;
  conclusion: CheckRunConclusion | null;
  startedAt: string | null;
  completedAt: string | null;
  detailsUrl: string | null;
  externalId: string;
  output: { title: string | null; summary: string | null; text: string | null; annotationsCount: number };
  /** The slug of the app that created it. */
  app: string;
  /** PATCHes applied so far. */
  updates: number;
}

export interface GitHubRecordedRequest {
  method: string;
  /** As received, without the query: `/repos/o/r/issues/7/comments` or `/repositories/1/issues/...`. */
  path: string;
  /** Repeated keys become arrays. */
  query: Record<string, string | string[]>;
  /** The parsed JSON body, or the raw text when it was not JSON; absent when empty. */
  body?: unknown;
  /** Date.now() when it arrived. */
  at: number;
  status: number;
  /** GitHub's operationId, when the path is one of GitHub's. */
  operationId?: string;
  /** The token it carried (tokens here are test fixtures, not secrets). */
  token?: string;
  /** `token`, `bearer` or anything else the client sent as the Authorization scheme, lower-cased. */
  authScheme?: string;
  /** Request headers, lower-cased; `authorization` is redacted to its scheme. */
  headers: IncomingHttpHeaders;
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

interface TokenState extends Required<Omit<GitHubTokenSpec, 'login'>> {
  login: string;
}

interface CommentRecord extends EmulatedComment {
  nodeId: string;
}

interface CheckRunRecord {
  id: number;
  name: string;
  headSha: string;
  status: CheckRunStatus;
  conclusion: CheckRunConclusion | null;
  startedAt: string | null;
  completedAt: string | null;
  detailsUrl: string | null;
  externalId: string;
  title: string | null;
  summary: string | null;
  text: string | null;
  annotationsCount: number;
  suiteId: number;
  app: string;
  updates: number;
}

interface PullRequestRecord extends Required<Omit<PullRequestSpec, 'headRepo' | 'createdAt'>> {
  id: number;
  headRepo: string;
  createdAt: string;
  updatedAt: string;
}

interface DeploymentRecord {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  originalEnvironment: string;
  task: string;
  description: string | null;
  creator: string;
  payload: Record<string, unknown> | string;
  transient: boolean;
  production: boolean;
  createdAt: string;
  statuses: DeploymentStatusRecord[];
}

interface DeploymentStatusRecord {
  id: number;
  state: DeploymentState;
  environmentUrl?: string;
  logUrl?: string;
  targetUrl: string;
  description: string;
  environment: string;
  creator: string;
  createdAt: string;
}

interface Reply {
  status: number;
  /** JSON; undefined sends no body. */
  body?: unknown;
  headers?: Record<string, string>;
}

interface Context {
  operation: GitHubOperation;
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  caller: TokenState | undefined;
  /** The request's own query, to carry into `Link` URLs. */
  search: URLSearchParams;
  /** The concrete path after the base path, after `/repos/{owner}/{repo}`: `/issues/7/comments`. */
  repoRelativePath: string;
}

const GITHUB_ACTIONS_LOGIN = 'github-actions[bot]';
/** The IDs GitHub gives github-actions[bot], the GitHub Actions app and the github organization. */
const WELL_KNOWN_IDS: Record<string, number> = { [GITHUB_ACTIONS_LOGIN]: 41898282, github: 9919 };
const GITHUB_ACTIONS_APP = { id: 15368, slug: 'github-actions', name: 'GitHub Actions' };
const COMMENT_BODY_LIMIT = 65536;
const RATE_LIMIT = 1000;
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
  const owner = options.owner ?? 'octo-org';
  const repo = options.repo ?? 'deploy-sentinel-example';
  const repositoryId = options.repositoryId ?? 987654321;
  const isPrivate = options.private ?? true;
  const basePath = (options.basePath ?? '').replace(/\/$/, '');
  const serverUrl = (options.serverUrl ?? 'https://github.com').replace(/\/$/, '');
  const linkStyle = options.linkStyle ?? 'repository-id';
  const clock = options.now ?? (() => new Date());
  const timestamp = (date: Date = clock()) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

  const tokens = new Map<string, TokenState>();
  const addToken = (spec: GitHubTokenSpec) =>
    tokens.set(spec.token, {
      token: spec.token,
      permissions: { ...spec.permissions, metadata: spec.permissions.metadata ?? 'read' },
      login: spec.login ?? GITHUB_ACTIONS_LOGIN,
      kind: spec.kind ?? 'integration',
    });
  options.tokens.forEach(addToken);

  const requests: GitHubRecordedRequest[] = [];
  const violations: string[] = [];
  const failures: { status: number; message: string; headers: Record<string, string> }[] = [];
  const tampers = new Map<string, ((body: unknown) => unknown)[]>();
  const comments = new Map<number, CommentRecord[]>();
  const checkRuns: CheckRunRecord[] = [];
  const checkSuites = new Map<string, number>();
  const pulls = new Map<number, PullRequestRecord>();
  const deployments = new Map<number, DeploymentRecord>();
  let nextCommentId = 2_000_000_001;
  let nextCheckRunId = 30_000_000_001;
  let nextSuiteId = 10_000_000_001;
  let nextDeploymentId = 1_500_000_001;
  let nextStatusId = 3_000_000_001;
  let nextRequestId = 1;
  let rateUsed = 0;
  // Known only once listening.
  let api = '';

  // --- JSON factories: full objects, as GitHub serves them --------------------------------------------

  const idFor = (login: string): number => {
    const known = WELL_KNOWN_IDS[login];
    if (known !== undefined) return known;
    let hash = 7;
    for (const char of login) hash = (hash * 31 + char.charCodeAt(0)) % 90_000_000;
    return 10_000_000 + hash;
  };
  const nodeId = (type: string, id: number) =>
    Buffer.from(`0${type.length + 1}:${type}${id}`).toString('base64');
  const userJson = (login: string, type?: 'User' | 'Bot' | 'Organization'): Json => {
    const id = idFor(login);
    const kind = type ?? (login.endsWith('[bot]') ? 'Bot' : 'User');
    const userApi = `${api}/users/${encodeURIComponent(login)}`;
    const slug = login.replace(/\[bot\]$/, '');
    return {
      login,
      id,
      node_id: nodeId(kind, id),
      avatar_url:
        kind === 'Bot'
          ? `https://avatars.githubusercontent.com/in/${slug === 'github-actions' ? GITHUB_ACTIONS_APP.id : id}?v=4`
          : `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: userApi,
      html_url: kind === 'Bot' ? `${serverUrl}/apps/${slug}` : `${serverUrl}/${login}`,
      followers_url: `${userApi}/followers`,
      following_url: `${userApi}/following{/other_user}`,
      gists_url: `${userApi}/gists{/gist_id}`,
      starred_url: `${userApi}/starred{/owner}{/repo}`,
      subscriptions_url: `${userApi}/subscriptions`,
      organizations_url: `${userApi}/orgs`,
      repos_url: `${userApi}/repos`,
      events_url: `${userApi}/events{/privacy}`,
      received_events_url: `${userApi}/received_events`,
      type: kind,
      user_view_type: 'public',
      site_admin: false,
    };
  };
  const appJson = (): Json => ({
    id: GITHUB_ACTIONS_APP.id,
    slug: GITHUB_ACTIONS_APP.slug,
    node_id: nodeId('App', GITHUB_ACTIONS_APP.id),
    client_id: 'Iv1.05c79e9ad1f6bdfa',
    owner: userJson('github', 'Organization'),
    name: GITHUB_ACTIONS_APP.name,
    description: 'Automate your workflow from idea to production',
    external_url: 'https://help.github.com/en/actions',
    html_url: `${serverUrl}/apps/github-actions`,
    created_at: '2018-07-30T09:30:17Z',
    updated_at: '2019-12-10T19:04:12Z',
    permissions: {
      actions: 'write',
      checks: 'write',
      contents: 'write',
      deployments: 'write',
      issues: 'write',
      metadata: 'read',
      pull_requests: 'write',
      statuses: 'write',
    },
    events: ['check_run', 'check_suite', 'deployment', 'deployment_status', 'pull_request', 'push'],
  });
  const repositoryJson = (fullName: string, id: number, fork: boolean): Json => {
    const [repoOwner = owner, name = repo] = fullName.split('/');
    const base = `${api}/repos/${fullName}`;
    const created = '2025-01-06T09:00:00Z';
    return {
      id,
      node_id: nodeId('Repository', id),
      name,
      full_name: fullName,
      owner: userJson(repoOwner, repoOwner === owner ? 'Organization' : 'User'),
      private: isPrivate,
      html_url: `${serverUrl}/${fullName}`,
      description: null,
      fork,
      url: base,
      archive_url: `${base}/{archive_format}{/ref}`,
      assignees_url: `${base}/assignees{/user}`,
      blobs_url: `${base}/git/blobs{/sha}`,
      branches_url: `${base}/branches{/branch}`,
      collaborators_url: `${base}/collaborators{/collaborator}`,
      comments_url: `${base}/comments{/number}`,
      commits_url: `${base}/commits{/sha}`,
      compare_url: `${base}/compare/{base}...{head}`,
      contents_url: `${base}/contents/{+path}`,
      contributors_url: `${base}/contributors`,
      deployments_url: `${base}/deployments`,
      downloads_url: `${base}/downloads`,
      events_url: `${base}/events`,
      forks_url: `${base}/forks`,
      git_commits_url: `${base}/git/commits{/sha}`,
      git_refs_url: `${base}/git/refs{/sha}`,
      git_tags_url: `${base}/git/tags{/sha}`,
      git_url: `git://${new URL(serverUrl).host}/${fullName}.git`,
      issue_comment_url: `${base}/issues/comments{/number}`,
      issue_events_url: `${base}/issues/events{/number}`,
      issues_url: `${base}/issues{/number}`,
      keys_url: `${base}/keys{/key_id}`,
      labels_url: `${base}/labels{/name}`,
      languages_url: `${base}/languages`,
      merges_url: `${base}/merges`,
      milestones_url: `${base}/milestones{/number}`,
      notifications_url: `${base}/notifications{?since,all,participating}`,
      pulls_url: `${base}/pulls{/number}`,
      releases_url: `${base}/releases{/id}`,
      ssh_url: `git@${new URL(serverUrl).host}:${fullName}.git`,
      stargazers_url: `${base}/stargazers`,
      statuses_url: `${base}/statuses/{sha}`,
      subscribers_url: `${base}/subscribers`,
      subscription_url: `${base}/subscription`,
      tags_url: `${base}/tags`,
      teams_url: `${base}/teams`,
      trees_url: `${base}/git/trees{/sha}`,
      clone_url: `${serverUrl}/${fullName}.git`,
      mirror_url: null,
      hooks_url: `${base}/hooks`,
      svn_url: `${serverUrl}/${fullName}`,
      homepage: null,
      language: 'TypeScript',
      forks_count: 0,
      stargazers_count: 0,
      watchers_count: 0,
      size: 512,
      default_branch: 'main',
      open_issues_count: [...pulls.values()].filter((pr) => pr.state === 'open').length,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: true,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      visibility: isPrivate ? 'private' : 'public',
      pushed_at: created,
      created_at: created,
      updated_at: created,
      allow_forking: true,
      web_commit_signoff_required: false,
      license: null,
      forks: 0,
      open_issues: [...pulls.values()].filter((pr) => pr.state === 'open').length,
      watchers: 0,
    };
  };
  const repoBase = () => `${api}/repos/${owner}/${repo}`;
  const isFork = (pr: PullRequestRecord) => pr.headRepo.toLowerCase() !== `${owner}/${repo}`.toLowerCase();
  const pullRequestJson = (pr: PullRequestRecord, detailed: boolean): Json => {
    const base = repoBase();
    const prUrl = `${base}/pulls/${pr.number}`;
    const html = `${serverUrl}/${owner}/${repo}/pull/${pr.number}`;
    const headOwner = pr.headRepo.split('/')[0] ?? owner;
    const link = (href: string) => ({ href });
    const json: Json = {
      url: prUrl,
      id: pr.id,
      node_id: nodeId('PullRequest', pr.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${base}/issues/${pr.number}`,
      commits_url: `${prUrl}/commits`,
      review_comments_url: `${prUrl}/comments`,
      review_comment_url: `${base}/pulls/comments{/number}`,
      comments_url: `${base}/issues/${pr.number}/comments`,
      statuses_url: `${base}/statuses/${pr.headSha}`,
      number: pr.number,
      state: pr.state,
      locked: false,
      title: pr.title,
      user: userJson(pr.user),
      body: pr.body,
      labels: [],
      milestone: null,
      active_lock_reason: null,
      created_at: pr.createdAt,
      updated_at: pr.updatedAt,
      closed_at: pr.state === 'closed' ? pr.updatedAt : null,
      merged_at: pr.merged ? pr.updatedAt : null,
      merge_commit_sha: pr.merged ? pr.baseSha : null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: {
        label: `${headOwner}:${pr.headRef}`,
        ref: pr.headRef,
        sha: pr.headSha,
        user: userJson(headOwner, headOwner === owner ? 'Organization' : 'User'),
        repo: isFork(pr)
          ? repositoryJson(pr.headRepo, repositoryId + pr.number, true)
          : repositoryJson(`${owner}/${repo}`, repositoryId, false),
      },
      base: {
        label: `${owner}:${pr.baseRef}`,
        ref: pr.baseRef,
        sha: pr.baseSha,
        user: userJson(owner, 'Organization'),
        repo: repositoryJson(`${owner}/${repo}`, repositoryId, false),
      },
      _links: {
        self: link(prUrl),
        html: link(html),
        issue: link(`${base}/issues/${pr.number}`),
        comments: link(`${base}/issues/${pr.number}/comments`),
        review_comments: link(`${prUrl}/comments`),
        review_comment: link(`${base}/pulls/comments{/number}`),
        commits: link(`${prUrl}/commits`),
        statuses: link(`${base}/statuses/${pr.headSha}`),
      },
      author_association: isFork(pr) ? 'CONTRIBUTOR' : 'MEMBER',
      auto_merge: null,
      draft: pr.draft,
    };
    if (!detailed) return json;
    return {
      ...json,
      merged: pr.merged,
      mergeable: pr.state === 'open' ? true : null,
      rebaseable: pr.state === 'open' ? true : null,
      mergeable_state: pr.state === 'open' ? 'clean' : 'unknown',
      merged_by: pr.merged ? userJson(owner, 'Organization') : null,
      comments: comments.get(pr.number)?.length ?? 0,
      review_comments: 0,
      maintainer_can_modify: isFork(pr),
      commits: 1,
      additions: 10,
      deletions: 2,
      changed_files: 1,
    };
  };
  const commentJson = (comment: CommentRecord): Json => {
    const isPull = pulls.has(comment.issue);
    return {
      id: comment.id,
      node_id: comment.nodeId,
      url: `${repoBase()}/issues/comments/${comment.id}`,
      html_url: `${serverUrl}/${owner}/${repo}/${isPull ? 'pull' : 'issues'}/${comment.issue}#issuecomment-${comment.id}`,
      body: comment.body,
      user: userJson(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      issue_url: `${repoBase()}/issues/${comment.issue}`,
      author_association: comment.user.endsWith('[bot]') ? 'NONE' : 'MEMBER',
      performed_via_github_app: null,
      reactions: {
        url: `${repoBase()}/issues/comments/${comment.id}/reactions`,
        total_count: 0,
        '+1': 0,
        '-1': 0,
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0,
      },
    };
  };
  const minimalPullJson = (pr: PullRequestRecord): Json => {
    const repoRef = { id: repositoryId, url: repoBase(), name: repo };
    return {
      id: pr.id,
      number: pr.number,
      url: `${repoBase()}/pulls/${pr.number}`,
      head: { ref: pr.headRef, sha: pr.headSha, repo: repoRef },
      base: { ref: pr.baseRef, sha: pr.baseSha, repo: repoRef },
    };
  };
  const checkRunJson = (run: CheckRunRecord): Json => {
    const url = `${repoBase()}/check-runs/${run.id}`;
    return {
      id: run.id,
      head_sha: run.headSha,
      node_id: nodeId('CheckRun', run.id),
      external_id: run.externalId,
      url,
      html_url: `${serverUrl}/${owner}/${repo}/runs/${run.id}`,
      details_url: run.detailsUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: run.title,
        summary: run.summary,
        text: run.text,
        annotations_count: run.annotationsCount,
        annotations_url: `${url}/annotations`,
      },
      name: run.name,
      check_suite: { id: run.suiteId },
      app: appJson(),
      // GitHub leaves out pull requests from forks.
      pull_requests: [...pulls.values()]
        .filter((pr) => pr.state === 'open' && pr.headSha === run.headSha && !isFork(pr))
        .map(minimalPullJson),
    };
  };
  const deploymentJson = (deployment: DeploymentRecord): Json => {
    const url = `${repoBase()}/deployments/${deployment.id}`;
    return {
      url,
      id: deployment.id,
      node_id: nodeId('Deployment', deployment.id),
      sha: deployment.sha,
      ref: deployment.ref,
      task: deployment.task,
      payload: deployment.payload,
      original_environment: deployment.originalEnvironment,
      environment: deployment.environment,
      description: deployment.description,
      creator: userJson(deployment.creator),
      created_at: deployment.createdAt,
      updated_at: deployment.statuses.at(-1)?.createdAt ?? deployment.createdAt,
      statuses_url: `${url}/statuses`,
      repository_url: repoBase(),
      transient_environment: deployment.transient,
      production_environment: deployment.production,
    };
  };
  const deploymentStatusJson = (deployment: DeploymentRecord, status: DeploymentStatusRecord): Json => {
    const deploymentUrl = `${repoBase()}/deployments/${deployment.id}`;
    return {
      url: `${deploymentUrl}/statuses/${status.id}`,
      id: status.id,
      node_id: nodeId('DeploymentStatus', status.id),
      state: status.state,
      creator: userJson(status.creator),
      description: status.description,
      environment: status.environment,
      target_url: status.targetUrl,
      created_at: status.createdAt,
      updated_at: status.createdAt,
      deployment_url: deploymentUrl,
      repository_url: repoBase(),
      ...(status.environmentUrl !== undefined && { environment_url: status.environmentUrl }),
      ...(status.logUrl !== undefined && { log_url: status.logUrl }),
    };
  };

  // --- State helpers ------------------------------------------------------------------------------------

  const addComment = (issue: number, spec: CommentSpec): CommentRecord => {
    const id = nextCommentId++;
    const createdAt = spec.createdAt ?? timestamp();
    const record: CommentRecord = {
      id,
      issue,
      body: spec.body,
      user: spec.user ?? GITHUB_ACTIONS_LOGIN,
      createdAt,
      updatedAt: spec.updatedAt ?? createdAt,
      nodeId: nodeId('IssueComment', id),
    };
    const list = comments.get(issue) ?? [];
    list.push(record);
    comments.set(issue, list);
    return record;
  };
  const findComment = (id: number): CommentRecord | undefined => {
    for (const list of comments.values()) {
      const found = list.find((comment) => comment.id === id);
      if (found) return found;
    }
    return undefined;
  };
  const addPullRequest = (spec: PullRequestSpec) => {
    if (pulls.has(spec.number)) throw new Error(`addPullRequest(): #${spec.number} already exists`);
    const createdAt = spec.createdAt ?? timestamp();
    pulls.set(spec.number, {
      number: spec.number,
      id: 1_800_000_000 + spec.number,
      headRef: spec.headRef,
      headSha: spec.headSha,
      baseRef: spec.baseRef ?? 'main',
      baseSha: spec.baseSha ?? '0'.repeat(40),
      title: spec.title ?? `Pull request #${spec.number}`,
      body: spec.body ?? '',
      state: spec.state ?? 'open',
      merged: spec.merged ?? false,
      draft: spec.draft ?? false,
      user: spec.user ?? 'octocat',
      headRepo: spec.headRepo ?? `${owner}/${repo}`,
      createdAt,
      updatedAt: createdAt,
    });
  };
  const addDeployment = (spec: DeploymentSpec): number => {
    const id = spec.id ?? nextDeploymentId++;
    if (deployments.has(id)) throw new Error(`addDeployment(): deployment ${id} already exists`);
    deployments.set(id, {
      id,
      sha: spec.sha,
      ref: spec.ref ?? spec.sha,
      environment: spec.environment,
      originalEnvironment: spec.originalEnvironment ?? spec.environment,
      task: spec.task ?? 'deploy',
      description: spec.description === undefined ? null : spec.description,
      creator: spec.creator ?? 'render[bot]',
      payload: spec.payload ?? {},
      transient: spec.transient ?? false,
      production: spec.production ?? spec.environment === 'production',
      createdAt: spec.createdAt ?? timestamp(),
      statuses: [],
    });
    return id;
  };
  const addDeploymentStatus = (deploymentId: number, spec: DeploymentStatusSpec): number => {
    const deployment = deployments.get(deploymentId);
    if (!deployment) throw new Error(`addDeploymentStatus(): no deployment ${deploymentId}`);
    const id = nextStatusId++;
    deployment.statuses.push({
      id,
      state: spec.state,
      environmentUrl: spec.environmentUrl,
      logUrl: spec.logUrl,
      targetUrl:
        spec.targetUrl ?? spec.logUrl ?? spec.environmentUrl ?? `${serverUrl}/${owner}/${repo}/deployments`,
      description: spec.description ?? '',
      environment: spec.environment ?? deployment.environment,
      creator: spec.creator ?? deployment.creator,
      createdAt: spec.createdAt ?? timestamp(),
    });
    return id;
  };
  options.pullRequests?.forEach(addPullRequest);
  options.deployments?.forEach(addDeployment);

  // --- Replies --------------------------------------------------------------------------------------------

  const error = (status: number, message: string, docsUrl = 'https://docs.github.com/rest'): Reply => ({
    status,
    body: { message, documentation_url: docsUrl, status: String(status) },
  });
  const notFound = (operation?: GitHubOperation) => error(404, 'Not Found', operation?.docsUrl);
  /** A 422 the way GitHub words one; `problems` become its message and `errors`. */
  const invalid = (operation: GitHubOperation, problems: string[], resource: string): Reply => ({
    status: 422,
    body: {
      message: `Invalid request.\n\n${problems.join('\n')}`,
      documentation_url: operation.docsUrl,
      errors: problems.map((message) => ({ resource, code: 'custom', message })),
      status: '422',
    },
  });

  /** `per_page` (default 30, capped at 100) and `page`, with GitHub's `Link` header. */
  const paged = <T>(items: T[], context: Context): { page: T[]; headers: Record<string, string> } => {
    const perPage = Math.min(100, Math.max(1, Number(context.query.per_page ?? 30) || 30));
    const page = Math.max(1, Number(context.query.page ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    if (last === 1) return { page: slice, headers: {} };
    const path =
      linkStyle === 'repository-id'
        ? `${basePath}/repositories/${repositoryId}${context.repoRelativePath}`
        : `${basePath}/repos/${owner}/${repo}${context.repoRelativePath}`;
    const origin = new URL(api).origin;
    const linkTo = (target: number, rel: string) => {
      const search = new URLSearchParams(context.search);
      search.set('page', String(target));
      return `<${origin}${path}?${search.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(linkTo(Math.min(page - 1, last), 'prev'));
    if (page < last) links.push(linkTo(page + 1, 'next'), linkTo(last, 'last'));
    if (page > 1) links.push(linkTo(1, 'first'));
    return { page: slice, headers: { Link: links.join(', ') } };
  };

  const issueOf = (context: Context) => Number(context.path.issue_number);

  const handlers: Record<string, (context: Context) => Reply> = {
    'issues/list-comments'(context) {
      const issue = issueOf(context);
      if (!pulls.has(issue) && !comments.has(issue)) return notFound(context.operation);
      const since = context.query.since === undefined ? undefined : Date.parse(String(context.query.since));
      const matching = (comments.get(issue) ?? []).filter(
        (comment) => since === undefined || Date.parse(comment.updatedAt) >= since,
      );
      const { page, headers } = paged(matching, context);
      return { status: 200, body: page.map(commentJson), headers };
    },

    'issues/create-comment'(context) {
      const issue = issueOf(context);
      if (!pulls.has(issue) && !comments.has(issue)) return notFound(context.operation);
      const { body } = context.body as { body: string };
      const problem = commentBodyProblem(body);
      if (problem) return ruleBroken(context, [problem], 'IssueComment');
      const comment = addComment(issue, { body, user: context.caller?.login });
      return {
        status: 201,
        body: commentJson(comment),
        headers: { Location: `${repoBase()}/issues/comments/${comment.id}` },
      };
    },

    'issues/get-comment'(context) {
      const comment = findComment(Number(context.path.comment_id));
      return comment ? { status: 200, body: commentJson(comment) } : notFound(context.operation);
    },

    'issues/update-comment'(context) {
      const comment = findComment(Number(context.path.comment_id));
      if (!comment) return notFound(context.operation);
      const { body } = context.body as { body: string };
      const problem = commentBodyProblem(body);
      if (problem) return ruleBroken(context, [problem], 'IssueComment');
      comment.body = body;
      comment.updatedAt = timestamp();
      return { status: 200, body: commentJson(comment) };
    },

    'issues/delete-comment'(context) {
      const comment = findComment(Number(context.path.comment_id));
      if (!comment) return notFound(context.operation);
      const list = comments.get(comment.issue)!;
      list.splice(list.indexOf(comment), 1);
      return { status: 204 };
    },

    'checks/create'(context) {
      if (context.caller?.kind === 'personal-access-token') {
        return error(403, 'You must authenticate via a GitHub App.', context.operation.docsUrl);
      }
      const body = context.body as Json;
      const problems = checkRunProblems(body, 'create');
      if (!/^[0-9a-f]{40}$/.test(String(body.head_sha))) {
        problems.push(`No commit found for SHA: ${String(body.head_sha)}`);
      }
      if (problems.length > 0) return ruleBroken(context, problems, 'CheckRun');
      const now = timestamp();
      const headSha = String(body.head_sha);
      let suiteId = checkSuites.get(headSha);
      if (suiteId === undefined) {
        suiteId = nextSuiteId++;
        checkSuites.set(headSha, suiteId);
      }
      const run: CheckRunRecord = {
        id: nextCheckRunId++,
        name: String(body.name),
        headSha,
        status: 'queued',
        conclusion: null,
        startedAt: now,
        completedAt: null,
        detailsUrl: null,
        externalId: '',
        title: null,
        summary: null,
        text: null,
        annotationsCount: 0,
        suiteId,
        app: GITHUB_ACTIONS_APP.slug,
        updates: 0,
      };
      run.detailsUrl = `${serverUrl}/${owner}/${repo}/runs/${run.id}`;
      applyCheckRunChanges(run, body, now);
      checkRuns.push(run);
      return { status: 201, body: checkRunJson(run) };
    },

    'checks/get'(context) {
      const run = checkRuns.find((candidate) => candidate.id === Number(context.path.check_run_id));
      return run ? { status: 200, body: checkRunJson(run) } : notFound(context.operation);
    },

    'checks/update'(context) {
      const run = checkRuns.find((candidate) => candidate.id === Number(context.path.check_run_id));
      if (!run) return notFound(context.operation);
      const body = context.body as Json;
      const problems = checkRunProblems(body, 'update');
      if (problems.length > 0) return ruleBroken(context, problems, 'CheckRun');
      applyCheckRunChanges(run, body, timestamp());
      run.updates++;
      return { status: 200, body: checkRunJson(run) };
    },

    /** `ref` is a commit SHA or the head branch of an emulated same-repository pull request. */
    'checks/list-for-ref'(context) {
      const ref = String(context.path.ref).replace(/^refs\/heads\//, '');
      const pull = [...pulls.values()].find((pr) => pr.headRef === ref && !isFork(pr));
      const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : pull?.headSha;
      if (sha === undefined) {
        return error(422, `No commit found for SHA: ${ref}`, context.operation.docsUrl);
      }
      let matching = checkRuns.filter(
        (run) =>
          run.headSha === sha &&
          (context.query.check_name === undefined || run.name === context.query.check_name) &&
          (context.query.status === undefined || run.status === context.query.status) &&
          (context.query.app_id === undefined || context.query.app_id === GITHUB_ACTIONS_APP.id),
      );
      if ((context.query.filter ?? 'latest') === 'latest') {
        matching = matching.filter(
          (run) => !matching.some((other) => other.name === run.name && other.id > run.id),
        );
      }
      matching = [...matching].reverse();
      const { page, headers } = paged(matching, context);
      return {
        status: 200,
        body: { total_count: matching.length, check_runs: page.map(checkRunJson) },
        headers,
      };
    },

    'repos/list-deployments'(context) {
      const { sha, ref, task, environment } = context.query;
      const matching = [...deployments.values()]
        .filter(
          (deployment) =>
            (sha === undefined || deployment.sha === sha) &&
            (ref === undefined || deployment.ref === ref) &&
            (task === undefined || deployment.task === task) &&
            (environment === undefined || environment === null || deployment.environment === environment),
        )
        .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id);
      const { page, headers } = paged(matching, context);
      return { status: 200, body: page.map(deploymentJson), headers };
    },

    'repos/get-deployment'(context) {
      const deployment = deployments.get(Number(context.path.deployment_id));
      return deployment ? { status: 200, body: deploymentJson(deployment) } : notFound(context.operation);
    },

    'repos/list-deployment-statuses'(context) {
      const deployment = deployments.get(Number(context.path.deployment_id));
      if (!deployment) return notFound(context.operation);
      const newestFirst = [...deployment.statuses].sort(
        (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id,
      );
      const { page, headers } = paged(newestFirst, context);
      return { status: 200, body: page.map((status) => deploymentStatusJson(deployment, status)), headers };
    },

    'pulls/get'(context) {
      const pr = pulls.get(Number(context.path.pull_number));
      return pr ? { status: 200, body: pullRequestJson(pr, true) } : notFound(context.operation);
    },

    'pulls/list'(context) {
      const state = String(context.query.state ?? 'open');
      let head = context.query.head === undefined ? undefined : String(context.query.head);
      if (head !== undefined && !head.includes(':')) {
        violations.push(
          `GET pulls: head=${head} must be "user:ref-name"; GitHub ignores the filter otherwise`,
        );
        head = undefined;
      }
      const matching = [...pulls.values()]
        .filter(
          (pr) =>
            (state === 'all' || pr.state === state) &&
            (head === undefined || `${pr.headRepo.split('/')[0]}:${pr.headRef}` === head) &&
            (context.query.base === undefined || pr.baseRef === context.query.base),
        )
        .sort((a, b) => b.number - a.number);
      if (context.query.direction === 'asc') matching.reverse();
      const { page, headers } = paged(matching, context);
      return { status: 200, body: page.map((pr) => pullRequestJson(pr, false)), headers };
    },

    'repos/list-pull-requests-associated-with-commit'(context) {
      const sha = String(context.path.commit_sha);
      const matching = [...pulls.values()]
        .filter((pr) => pr.headSha === sha || (pr.merged && pr.baseSha === sha))
        .sort((a, b) => b.number - a.number);
      const { page, headers } = paged(matching, context);
      return { status: 200, body: page.map((pr) => pullRequestJson(pr, false)), headers };
    },
  };

  /** GitHub's rules the schema leaves to prose: a violation, answered 422 as GitHub would. */
  const ruleBroken = (context: Context, problems: string[], resource: string): Reply => {
    violations.push(
      ...problems.map((problem) => `${context.operation.operationId}: GitHub rule broken: ${problem}`),
    );
    return invalid(context.operation, problems, resource);
  };

  // --- The server -----------------------------------------------------------------------------------------

  const rateHeaders = (): Record<string, string> => {
    rateUsed++;
    return {
      'X-RateLimit-Limit': String(RATE_LIMIT),
      'X-RateLimit-Remaining': String(Math.max(0, RATE_LIMIT - rateUsed)),
      'X-RateLimit-Reset': String(Math.floor(clock().getTime() / 1000) + 3600),
      'X-RateLimit-Used': String(rateUsed),
      'X-RateLimit-Resource': 'core',
    };
  };

  const respond = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const rawBody = await readBody(request);
    const authorization = /^(\S+)\s+(\S+)\s*$/.exec(String(request.headers.authorization ?? ''));
    const headers = { ...request.headers };
    if (headers.authorization !== undefined) headers.authorization = `${authorization?.[1] ?? ''} ***`;
    const recorded: GitHubRecordedRequest = {
      method,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      at: Date.now(),
      status: 0,
      headers,
      ...(authorization && { authScheme: authorization[1]!.toLowerCase(), token: authorization[2] }),
    };
    if (rawBody !== '') recorded.body = parseOrRaw(rawBody);
    requests.push(recorded);
    const label = `${method} ${url.pathname}${url.search}`;

    // The operation `send` validates against, once known. `offContract`: an injected failure or the 501
    // for an unemulated operation, where any status goes.
    const current: { operation?: GitHubOperation; offContract: boolean } = { offContract: false };
    const send = (reply: Reply) => {
      const { operation, offContract } = current;
      let body = reply.body;
      if (operation && reply.status < 300) {
        for (const mutate of tampers.get(operation.operationId) ?? []) body = mutate(body);
      }
      if (operation) {
        const problems = contract.validateResponse(operation, reply.status, body, {
          undeclaredStatusAllowed: offContract,
        });
        violations.push(...problems.map((problem) => `${label}: response ${reply.status} ${problem}`));
      }
      recorded.status = reply.status;
      response.writeHead(reply.status, {
        ...rateHeaders(),
        'X-GitHub-Request-Id': `EMU0:${String(nextRequestId++).padStart(6, '0')}`,
        'X-GitHub-Api-Version-Selected': '2022-11-28',
        'X-GitHub-Media-Type': 'github.v3; format=json',
        ...(body !== undefined && { 'Content-Type': 'application/json; charset=utf-8' }),
        ...reply.headers,
      });
      response.end(body === undefined ? '' : JSON.stringify(body));
    };

    // Routing: the base path, then GitHub's paths; `/repositories/{id}/...` (what Link headers carry) is
    // the emulated repository under another name.
    let relative: string | undefined = url.pathname;
    if (basePath !== '') {
      relative =
        url.pathname === basePath || url.pathname.startsWith(`${basePath}/`)
          ? url.pathname.slice(basePath.length)
          : undefined;
    }
    let route: GitHubRouteMatch =
      relative === undefined ? { found: 'nothing' } : contract.route(method, relative);
    let repoRelativePath = '';
    const alias = relative === undefined ? null : /^\/repositories\/(\d+)(\/.*)$/.exec(relative);
    if (route.found === 'nothing' && alias) {
      if (Number(alias[1]) === repositoryId) {
        route = contract.route(method, `/repos/${owner}/${repo}${alias[2]}`);
        repoRelativePath = alias[2]!;
      } else {
        violations.push(`${label}: repository ${alias[1]} is not the emulated one (${repositoryId})`);
        return send(notFound());
      }
    }
    if (route.found !== 'operation') {
      violations.push(
        route.found === 'path'
          ? `${label}: ${route.template} has no ${method}; it takes ${route.methods.join(', ').toUpperCase()}`
          : `${label}: not a path of GitHub's REST API${basePath ? ` under ${basePath}` : ''}`,
      );
      return send(notFound());
    }
    const operation = route.operation;
    current.operation = operation;
    recorded.operationId = operation.operationId;
    if (!route.emulated) {
      violations.push(`${label}: ${operation.operationId} is GitHub's, but the emulator does not serve it`);
      current.offContract = true;
      return send(error(501, `the GitHub emulator does not emulate ${operation.operationId}`));
    }
    if (!repoRelativePath) {
      repoRelativePath = relative!.replace(/^\/repos\/[^/]+\/[^/]+/, '');
    }

    const validated = contract.validateRequest(operation, {
      query: url.searchParams,
      headers: request.headers,
      body: rawBody,
    });
    violations.push(...validated.violations.map((problem) => `${label}: request ${problem}`));

    const failure = failures.shift();
    if (failure) {
      current.offContract = true;
      const reply = error(failure.status, failure.message, operation.docsUrl);
      return send({ ...reply, headers: failure.headers });
    }

    // Auth, as GitHub orders it: credentials, then the repository's visibility, then permissions.
    let caller: TokenState | undefined;
    if (request.headers.authorization !== undefined) {
      const scheme = authorization?.[1]?.toLowerCase();
      caller = scheme === 'token' || scheme === 'bearer' ? tokens.get(authorization![2]!) : undefined;
      if (!caller) return send(error(401, 'Bad credentials'));
    }
    const sameRepository =
      String(operation.pathParams.owner).toLowerCase() === owner.toLowerCase() &&
      String(operation.pathParams.repo).toLowerCase() === repo.toLowerCase();
    if (!sameRepository) {
      violations.push(
        `${label}: ${operation.pathParams.owner}/${operation.pathParams.repo} is not ${owner}/${repo}`,
      );
      return send(notFound(operation));
    }
    const access = EMULATED_OPERATIONS[operation.operationId]!.access;
    const readOnly = Object.values(access[0] ?? {}).every((level) => level === 'read');
    if (!caller) {
      if (isPrivate) return send(notFound(operation));
      if (!readOnly) return send(error(401, 'Requires authentication', operation.docsUrl));
    } else if (!(readOnly && !isPrivate) && !access.some((set) => satisfies(caller!.permissions, set))) {
      const message =
        caller.kind === 'personal-access-token'
          ? 'Resource not accessible by personal access token'
          : 'Resource not accessible by integration';
      const reply = error(403, message, operation.docsUrl);
      return send({ ...reply, headers: { 'X-Accepted-GitHub-Permissions': acceptedPermissions(access) } });
    }

    if (validated.unparseable) return send(error(400, 'Problems parsing JSON', operation.docsUrl));
    if (validated.violations.length > 0) {
      return send(invalid(operation, validated.violations, resourceOf(operation.operationId)));
    }

    const context: Context = {
      operation,
      path: validated.path,
      query: validated.query,
      body: validated.body,
      caller,
      search: url.searchParams,
      repoRelativePath,
    };
    let reply: Reply;
    try {
      reply = handlers[operation.operationId]!(context);
    } catch (caught) {
      violations.push(`${label}: the GitHub emulator failed: ${(caught as Error).stack ?? String(caught)}`);
      reply = error(500, 'Server Error');
    }
    send(reply);
  };

  // One request at a time: state changes then happen in arrival order.
  let queue = Promise.resolve();
  const server = createServer((request, response) => {
    queue = queue.then(() =>
      respond(request, response).catch((caught: unknown) => {
        violations.push(`emulator crashed on ${request.method} ${request.url}: ${String(caught)}`);
        if (!response.headersSent) response.writeHead(500);
        response.end();
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  api = `http://127.0.0.1:${port}${basePath}`;

  return {
    url: api,
    serverUrl,
    owner,
    repo,
    repositoryId,
    requests,
    violations,
    comments(issue) {
      return (comments.get(issue) ?? []).map(({ nodeId: _nodeId, ...comment }) => ({ ...comment }));
    },
    addComment(issue, spec) {
      const { nodeId: _nodeId, ...comment } = addComment(issue, spec);
      return comment;
    },
    checkRuns() {
      return checkRuns.map((run) => ({
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
    addDeployment,
    addDeploymentStatus,
    addPullRequest,
    addToken,
    failNext(count, status, failOptions = {}) {
      const defaults: Record<string, string> =
        status === 429 || status === 403 ? { 'Retry-After': '1', 'X-RateLimit-Remaining': '0' } : {};
      for (let i = 0; i < count; i++) {
        failures.push({
          status,
          message: failOptions.message ?? STATUS_MESSAGES[status] ?? `injected ${status}`,
          headers: { ...defaults, ...failOptions.headers },
        });
      }
    },
    tamperResponses(operationId, mutate) {
      if (!EMULATED_OPERATIONS[operationId])
        throw new Error(`tamperResponses(): ${operationId} is not emulated`);
      const list = tampers.get(operationId) ?? [];
      list.push(mutate);
      tampers.set(operationId, list);
      return () => list.splice(list.indexOf(mutate), 1);
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((caught) => (caught ? reject(caught) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** Applies a create or update body to a check run; a conclusion implies `completed`. */
function applyCheckRunChanges(run: CheckRunRecord, body: Json, now: string): void {
  if (typeof body.name === 'string') run.name = body.name;
  if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
  if (typeof body.external_id === 'string') run.externalId = body.external_id;
  if (typeof body.started_at === 'string') run.startedAt = body.started_at;
  if (typeof body.status === 'string') run.status = body.status as CheckRunStatus;
  if (typeof body.conclusion === 'string') {
    run.conclusion = body.conclusion as CheckRunConclusion;
    run.status = 'completed';
  }
  if (typeof body.completed_at === 'string') run.completedAt = body.completed_at;
  if (run.status === 'completed' && run.completedAt === null) run.completedAt = now;
  const output = body.output as Json | undefined;
  if (output) {
    if (typeof output.title === 'string') run.title = output.title;
    if (typeof output.summary === 'string') run.summary = output.summary;
    if (typeof output.text === 'string') run.text = output.text;
    // Annotations add up across requests (at most 50 per request).
    if (Array.isArray(output.annotations)) run.annotationsCount += output.annotations.length;
  }
}

/** Rules for check-run bodies that GitHub's description states in prose only. */
function checkRunProblems(body: Json, mode: 'create' | 'update'): string[] {
  const problems: string[] = [];
  const completing = body.status === 'completed' || body.completed_at !== undefined;
  if (completing && body.conclusion === undefined) {
    problems.push('conclusion is required when status is "completed" or completed_at is given');
  }
  if (body.conclusion === 'stale') problems.push('conclusion "stale" can only be set by GitHub');
  if (body.status !== undefined && ['waiting', 'requested', 'pending'].includes(String(body.status))) {
    problems.push(`status "${String(body.status)}" can only be set by GitHub Actions`);
  }
  const output = body.output as Json | undefined;
  if (mode === 'update' && output && output.title === undefined) {
    problems.push('output.title is required (the description marks it **Required** in prose)');
  }
  return problems;
}

function commentBodyProblem(body: string): string | undefined {
  return body.length > COMMENT_BODY_LIMIT
    ? `body is too long (maximum is ${COMMENT_BODY_LIMIT} characters), it has ${body.length}`
    : undefined;
}

function resourceOf(operationId: string): string {
  if (operationId.startsWith('checks/')) return 'CheckRun';
  if (operationId.startsWith('issues/')) return 'IssueComment';
  if (operationId.startsWith('pulls/')) return 'PullRequest';
  return 'Deployment';
}

const LEVELS: Record<PermissionLevel, number> = { none: 0, read: 1, write: 2, admin: 3 };

function satisfies(granted: Permissions, required: PermissionSet): boolean {
  return Object.entries(required).every(
    ([name, level]) => LEVELS[granted[name as PermissionName] ?? 'none'] >= LEVELS[level],
  );
}

/** `issues=write; pull_requests=write`: GitHub's names use underscores, alternatives `; `. */
function acceptedPermissions(access: PermissionSet[]): string {
  return access
    .map((set) =>
      Object.entries(set)
        .map(([name, level]) => `${name.replace(/-/g, '_')}=${level}`)
        .join(','),
    )
    .join('; ');
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    record[name] = values.length === 1 ? values[0]! : values;
  }
  return record;
}

function parseOrRaw(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
