/**
 * GitHub's contract: the part of GitHub's OpenAPI description (api.github.com, as `@octokit/openapi` ships
 * it) that the emulator serves, cut into the fixture github-contract.json by scripts/github-contract.mjs
 * (`npm run contract:github` checks the fixture against the package). The fixture keeps the served
 * operations and every component they reach, under GitHub's own names, and the route table of the whole
 * description; openapi.ts turns it into validators.
 *
 * On top of the document, what GitHub does on every route: the generic error statuses (400, 401, 403, 404,
 * 409, 410, 422, 429, 5xx) are accepted when an operation does not declare them (GitHub's description
 * declares errors incompletely: `PATCH .../issues/comments/{id}` declares no 404, `POST .../check-runs` no
 * 403), with a `basic-error` body (`validation-error` for 422).
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isHit, loadOnce, type ApiContract, type RouteMiss } from './contract.js';
import { EMULATED_OPERATIONS } from './github-operations.js';
import {
  createOpenApiContract,
  type Json,
  type OpenApiContract,
  type Operation,
  type ResponseOptions,
  type RouteTable,
  type ValidatedRequest,
} from './openapi.js';

/** The fixture the contract is loaded from. */
export const GITHUB_CONTRACT_FILE = fileURLToPath(new URL('./github-contract.json', import.meta.url));
/** What the fixture was cut from: GitHub's bundled (non-dereferenced) description, in `@octokit/openapi`. */
export const GITHUB_OPENAPI_FILE = '@octokit/openapi/generated/api.github.com.json';

export interface GitHubOperation extends Operation {
  /** The operation's `externalDocs.url`: what GitHub puts in an error's `documentation_url`. */
  docsUrl: string;
}

export type GitHubRouteMatch =
  | { found: 'operation'; operation: GitHubOperation; emulated: boolean }
  /** The path exists, but not with this method. */
  | RouteMiss;

export type GitHubValidatedRequest = ValidatedRequest;

export interface GitHubContractStats {
  /** The fixture. */
  file: string;
  fixtureBytes: number;
  /** `@octokit/openapi`'s version the fixture was cut from. */
  version: string;
  /** The size of the description the fixture was cut from. */
  documentBytes: number;
  /** readFileSync + JSON.parse of the fixture. */
  parseMs: number;
  /** Everything: parse, route table, translation, ajv setup. */
  loadMs: number;
  /** Heap and RSS growth across the load. */
  heapDeltaBytes: number;
  rssDeltaBytes: number;
  /** Paths and operations in the whole description (the route table keeps them all). */
  paths: number;
  operations: number;
  /** `#/components/...` entries reachable from the emulated operations: all that is kept and compiled. */
  keptComponents: number;
}

export interface GitHubContract extends ApiContract<
  Extract<GitHubRouteMatch, { found: 'operation' }>,
  GitHubOperation,
  GitHubValidatedRequest,
  ResponseOptions
> {
  readonly stats: GitHubContractStats;
  route(method: string, path: string): GitHubRouteMatch;
  /**
   * Checks a response against the declared one. Undeclared generic error statuses are accepted with a
   * `basic-error` body (`validation-error` for 422); `undeclaredStatusAllowed` accepts any status (injected
   * failures), still checking an error body when there is one.
   */
  validateResponse(
    operation: GitHubOperation,
    status: number,
    body: unknown,
    options?: ResponseOptions,
  ): string[];
  /** Validates data against a kept schema, e.g. `#/components/schemas/issue-comment`. */
  validateSchema(pointer: string, data: unknown): string[];
  /** Number of compiled validators so far (they are cached for the life of the module). */
  compiledValidators(): number;
}

/** Statuses GitHub can send from any route, declared or not. */
const GENERIC_ERROR_STATUSES = new Set([400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503, 504]);
const DEFAULT_DOCS_URL = 'https://docs.github.com/rest';

interface FixtureHeader {
  version: string;
  bytes: number;
  paths: number;
  operations: number;
}

/**
 * The contract, loaded on first use and cached for the life of the module (jest gives each test file its
 * own module registry, so once per test file): about 0.2 MB of JSON, a few milliseconds. Validators compile
 * on first use and stay cached.
 */
export const loadGitHubContract = loadOnce((): GitHubContract => {
  const started = performance.now();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const fixture = JSON.parse(readFileSync(GITHUB_CONTRACT_FILE, 'utf8')) as Json;
  const parseMs = performance.now() - started;
  const header = fixture['x-fixture'] as FixtureHeader;
  const missing = Object.entries(EMULATED_OPERATIONS).filter(
    ([operationId, { method, template }]) =>
      ((fixture.paths as Record<string, Json>)[template]?.[method] as Json | undefined)?.operationId !==
      operationId,
  );
  if (missing.length > 0) {
    throw new Error(
      `${GITHUB_CONTRACT_FILE} lacks ${missing.map(([id]) => id).join(', ')}: regenerate it with ` +
        'node scripts/node24.mjs scripts/github-contract.mjs',
    );
  }
  const document = createOpenApiContract(fixture, {
    source: {
      name: "GitHub's OpenAPI description",
      files: [GITHUB_CONTRACT_FILE],
      version: `@octokit/openapi@${header.version}`,
    },
    provider: 'GitHub',
    routes: fixture['x-routes'] as RouteTable,
  });
  const docsUrls = new Map(
    Object.entries(fixture.paths as Record<string, Json>).flatMap(([template, item]) =>
      Object.entries(item).map(([method, operation]) => [
        `${method} ${template}`,
        String(((operation as Json).externalDocs as Json | undefined)?.url ?? DEFAULT_DOCS_URL),
      ]),
    ),
  );
  const components = fixture.components as Record<string, Json>;

  const contract: GitHubContract = {
    source: document.source,
    stats: {
      file: GITHUB_CONTRACT_FILE,
      fixtureBytes: statSync(GITHUB_CONTRACT_FILE).size,
      version: header.version,
      documentBytes: header.bytes,
      parseMs: Math.round(parseMs),
      loadMs: 0,
      heapDeltaBytes: 0,
      rssDeltaBytes: 0,
      paths: header.paths,
      operations: header.operations,
      keptComponents: Object.values(components).reduce(
        (sum, section) => sum + Object.keys(section).length,
        0,
      ),
    },

    route(method, path) {
      const match = document.route(method, path);
      if (!isHit(match)) return match;
      const { operation } = match;
      return {
        found: 'operation',
        operation: {
          ...operation,
          docsUrl: docsUrls.get(`${operation.method} ${operation.template}`) ?? DEFAULT_DOCS_URL,
        },
        emulated: EMULATED_OPERATIONS[operation.operationId]?.template === operation.template,
      };
    },

    validateRequest: (hit, request) => document.validateRequest(hit, request),

    validateResponse(operation, status, body, options = {}) {
      if (document.declares(operation, status))
        return document.validateResponse(operation, status, body, options);
      const generic = GENERIC_ERROR_STATUSES.has(status);
      if (!generic && !options.undeclaredStatusAllowed)
        return [`response ${status} status ${status} is not declared`];
      if (body === undefined)
        return generic ? [`response ${status} has no body, but GitHub sends a JSON error`] : [];
      return document
        .validateSchema(`#/components/schemas/${status === 422 ? 'validation-error' : 'basic-error'}`, body)
        .map((problem) => `response ${status} ${problem}`);
    },

    validateSchema(pointer, data) {
      if (document.schemaAt(pointer) === undefined) {
        throw new Error(`no schema at ${pointer} in the kept part of GitHub's description`);
      }
      return document.validateSchema(pointer, data);
    },
    compiledValidators: () => document.compiledValidators(),
  };
  contract.stats.loadMs = Math.round(performance.now() - started);
  contract.stats.heapDeltaBytes = process.memoryUsage().heapUsed - heapBefore;
  contract.stats.rssDeltaBytes = process.memoryUsage().rss - rssBefore;
  return contract;
});

export type { OpenApiContract };
