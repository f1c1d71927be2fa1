/**
 * An OpenAPI 3.0 document as request and response validators, for API emulators in tests: the contract
 * loader behind Render's emulator (the whole of Render's document) and GitHub's (the fixture cut from
 * GitHub's description, see github-contract.ts). It has the shape every contract of the test kit has
 * (contract.ts) and reads the document the way a strict client and server would, translating the 3.0
 * dialect into draft-07 for ajv:
 *
 * - `nullable: true` becomes `type: [t, 'null']` (and `null` joins an `enum`), or an `anyOf` with `null`
 *   when there is no single `type`.
 * - `oneOf` is exact, or (option `oneOf: 'anyOf'`) checked as `anyOf`: OpenAPI 3.0 unions without a
 *   `discriminator` rarely exclude each other. In Render's document a web service's `serviceDetails` also
 *   satisfies the private-service and background-worker variants, and seven event-detail variants accept any
 *   object, so "exactly one" fails for every real response. Callers that know the implied variant validate
 *   it with `validateSchema`.
 * - A `discriminator` is accepted only where it adds nothing to an exact `oneOf`: every object variant pins
 *   the property to its own single value (other variants differ by type). It is then dropped; anywhere else
 *   loading throws, rather than validating wrongly. (GitHub's repository contents use one that way.)
 * - Siblings of `$ref` are dropped, as OpenAPI 3.0 ignores them.
 * - `example`, `x-*` and other annotations are data; `strict: false` lets ajv skip them. OpenAPI's `int32`,
 *   `int64`, `float`, `double`, `byte`, `binary` and `password` formats come with ajv-formats.
 * - `readOnly` and `writeOnly` are not translated: loading a document that uses them throws.
 *
 * Query parameters are parsed as the document declares them (style `form`; `explode: false` arrays are
 * comma-separated) and coerced to their types, with `default`s filled in when asked. Path parameters marked
 * `x-multi-segment` (GitHub's `ref`, `path`) may span slashes.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolvePointer } from '../../src/json-pointer.js';
import { describeSchemaErrors } from '../../src/json-schema.js';
import {
  contentTypeOf,
  isJsonContentType,
  type ApiContract,
  type CheckedRequest,
  type ContractSource,
} from './contract.js';
import { bearerToken } from './http-emulator.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is module.exports.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats: FormatsPlugin =
  (formatsPlugin as unknown as { default?: FormatsPlugin }).default ??
  (formatsPlugin as unknown as FormatsPlugin);

export type Json = Record<string, unknown>;

/** One operation of the document, matched from a concrete request. */
export interface Operation {
  /** Lower case, as the document spells it: `get`, `post`, ... */
  method: string;
  /** The path template without the server's base path, e.g. `/services/{serviceId}/deploys`. */
  template: string;
  operationId: string;
  /** Path parameters, percent-decoded. */
  pathParams: Record<string, string>;
}

export type OperationHit = { found: 'operation'; operation: Operation };

export interface ValidatedRequest extends CheckedRequest {
  /** Path parameters, coerced to their declared types. */
  path: Record<string, unknown>;
  /** Declared query parameters, parsed and coerced to their types (and completed with defaults, if asked). */
  query: Record<string, unknown>;
  /** The parsed JSON body; undefined when absent or not JSON. */
  body: unknown;
  /** The token of an `Authorization: Bearer` header, if it had one. */
  bearerToken: string | undefined;
}

export interface ResponseOptions {
  /** Any status goes (an injected failure); a body is still checked when the status is declared. */
  undeclaredStatusAllowed?: boolean;
  /** The body is not JSON (a custom media type such as GitHub's raw file contents): only the status counts. */
  raw?: boolean;
}

export interface OpenApiContract extends ApiContract<
  OperationHit,
  Operation,
  ValidatedRequest,
  ResponseOptions
> {
  /** The path of the first server URL, e.g. `/v1`; request paths start with it. */
  readonly basePath: string;
  /** Whether the operation declares `status` (exactly, as `4XX` or as `default`). */
  declares(operation: Operation, status: number): boolean;
  /** Validates data against the schema at a JSON pointer in URI-fragment form (`#/components/schemas/deploy`). */
  validateSchema(pointer: string, data: unknown): string[];
  /** The (translated) document node at a pointer in URI-fragment form, undefined when there is none. */
  schemaAt(pointer: string): unknown;
  /** Number of compiled validators so far (they are cached for the life of the module). */
  compiledValidators(): number;
}

/** Every path and method a router knows; the document's own `paths` unless the loader is given more. */
export type RouteTable = Record<string, { methods: Record<string, string>; multiSegment?: string[] }>;

export interface OpenApiOptions {
  source: ContractSource;
  /** Who ignores an undeclared query parameter, in the violation's words: `Render`, `GitHub`. */
  provider: string;
  /** `exact` (the default) or `anyOf` (see the file comment). */
  oneOf?: 'exact' | 'anyOf';
  /** Fill query parameter `default`s into the validated query; GitHub's (`sha: "none"`) are no defaults. */
  queryDefaults?: boolean;
  /** Routes beyond the document's operations: a real but unkept endpoint routes, without validators. */
  routes?: RouteTable;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENT_ID = 'openapi-document';
/** Keywords whose values are data, not schemas: nothing inside them is a keyword. */
const DATA_KEYWORDS = new Set(['example', 'examples', 'default', 'enum', 'const', 'required']);
const UNTRANSLATED_KEYWORDS = ['readOnly', 'writeOnly'];

const loaded = new Map<string, OpenApiContract>();

/** Loads an OpenAPI 3.0 JSON document once per file; validators compile on first use. */
export function loadOpenApi(
  url: URL,
  options: Omit<OpenApiOptions, 'source'> & { source?: Omit<ContractSource, 'files'> } = {
    provider: 'the API',
  },
): OpenApiContract {
  let contract = loaded.get(url.href);
  if (!contract) {
    const document = JSON.parse(readFileSync(url, 'utf8')) as Json;
    const info = document.info as Json | undefined;
    contract = createOpenApiContract(document, {
      ...options,
      source: {
        name: String(info?.title ?? 'an OpenAPI document'),
        version: info?.version === undefined ? undefined : String(info.version),
        ...options.source,
        files: [fileURLToPath(url)],
      },
    });
    loaded.set(url.href, contract);
  }
  return contract;
}

interface ParameterPlan {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  isArray: boolean;
  /** form-style arrays: repeated keys when true, comma-separated when false. */
  explode: boolean;
  schemaPointer: string;
  default: unknown;
}

interface OperationPlan {
  parameters: ParameterPlan[];
  validateParameters: ValidateFunction;
  body: { required: boolean; schemaPointer: string | undefined; types: string[] } | undefined;
  requiresBearer: boolean;
}

/** Builds the contract of an OpenAPI 3.0 document (parsed JSON, not changed). */
export function createOpenApiContract(original: Json, options: OpenApiOptions): OpenApiContract {
  const discriminators: { pointer: string; node: Json }[] = [];
  const doc = translate(original, '#', discriminators) as Json;
  const paths = (doc.paths ?? {}) as Record<string, Json>;
  const servers = doc.servers as { url: string }[] | undefined;
  const basePath = servers?.[0] ? new URL(servers[0].url, 'http://base').pathname.replace(/\/$/, '') : '';

  const at = (pointer: string): unknown => {
    const found = resolvePointer(doc, decodeURIComponent(pointer.replace(/^#/, '')));
    return found.found ? found.value : undefined;
  };
  const deref = (node: unknown, pointer: string): { node: Json; pointer: string } => {
    let current = { node: node as Json, pointer };
    for (let hops = 0; typeof current.node.$ref === 'string'; hops++) {
      if (hops > 20) throw new Error(`$ref loop at ${pointer}`);
      const target = current.node.$ref;
      current = { node: at(target) as Json, pointer: target };
      if (current.node === undefined) throw new Error(`unresolvable $ref ${target} (from ${pointer})`);
    }
    return current;
  };
  for (const site of discriminators) dropRedundantDiscriminator(site, deref);

  // Responses must not be coerced; parameters arrive as strings and must be.
  const schemaAjv = createAjv({}, options.oneOf ?? 'exact');
  const parameterAjv = createAjv(
    { coerceTypes: true, useDefaults: options.queryDefaults === true },
    options.oneOf ?? 'exact',
  );
  schemaAjv.addSchema(doc, DOCUMENT_ID, undefined, false);
  parameterAjv.addSchema(doc, DOCUMENT_ID, undefined, false);

  const routes = buildRoutes(options.routes ?? routeTableOf(paths, deref));

  const validators = new Map<string, ValidateFunction>();
  const plans = new Map<string, OperationPlan>();
  const validate = (pointer: string, data: unknown): string[] => {
    if (at(pointer) === undefined) throw new Error(`no schema at ${pointer} in ${options.source.name}`);
    let validator = validators.get(pointer);
    if (!validator) {
      validator = schemaAjv.compile({ $ref: `${DOCUMENT_ID}${pointer}` });
      validators.set(pointer, validator);
    }
    return validator(data) ? [] : describeSchemaErrors(validator.errors, data);
  };

  const operationNode = (operation: Operation): { node: Json; pointer: string } => {
    const pointer = `#/paths/${escapeSegment(operation.template)}/${operation.method}`;
    const node = paths[operation.template]?.[operation.method] as Json | undefined;
    if (!node) throw new Error(`${operation.operationId} is not in ${options.source.name}`);
    return { node, pointer };
  };

  const planFor = (operation: Operation): OperationPlan => {
    const key = `${operation.method} ${operation.template}`;
    let plan = plans.get(key);
    if (plan) return plan;
    const pathPointer = `#/paths/${escapeSegment(operation.template)}`;
    const { node, pointer } = operationNode(operation);

    // Operation-level parameters override path-level ones with the same name and location.
    const byKey = new Map<string, ParameterPlan>();
    const collect = (list: unknown, listPointer: string) => {
      ((list ?? []) as unknown[]).forEach((entry, index) => {
        const resolved = deref(entry, `${listPointer}/${index}`);
        const parameter = planParameter(resolved.node, resolved.pointer, deref);
        byKey.set(`${parameter.in} ${parameter.name}`, parameter);
      });
    };
    collect(paths[operation.template]!.parameters, `${pathPointer}/parameters`);
    collect(node.parameters, `${pointer}/parameters`);
    const parameters = [...byKey.values()];

    const group = (location: 'path' | 'query') => {
      const members = parameters.filter((parameter) => parameter.in === location);
      return {
        type: 'object',
        properties: Object.fromEntries(
          members.map((parameter) => [
            parameter.name,
            // A `default` beside the `$ref` is what makes ajv fill it in; the referenced schema holds it.
            {
              $ref: `${DOCUMENT_ID}${parameter.schemaPointer}`,
              ...(options.queryDefaults === true &&
                parameter.default !== undefined && { default: parameter.default }),
            },
          ]),
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
      const resolved = deref(node.requestBody, `${pointer}/requestBody`);
      const content = (resolved.node.content ?? {}) as Json;
      body = {
        required: resolved.node.required === true,
        schemaPointer: content['application/json']
          ? `${resolved.pointer}/content/${escapeSegment('application/json')}/schema`
          : undefined,
        types: Object.keys(content),
      };
    }

    const security = (node.security ?? doc.security ?? []) as Record<string, unknown>[];
    const schemes = ((doc.components as Json | undefined)?.securitySchemes ?? {}) as Record<string, Json>;
    const requiresBearer = security.some((requirement) =>
      Object.keys(requirement).some((name) => {
        const scheme = schemes[name];
        if (scheme?.type === 'http' && String(scheme.scheme).toLowerCase() === 'bearer') return true;
        throw new Error(`security scheme ${name} of ${operation.operationId} is not supported`);
      }),
    );

    plan = { parameters, validateParameters, body, requiresBearer };
    plans.set(key, plan);
    return plan;
  };

  /** The response an operation declares for `status`; none for an operation routed but not kept. */
  const declaredResponse = (operation: Operation, status: number) => {
    if (paths[operation.template]?.[operation.method] === undefined) return undefined;
    const { node, pointer } = operationNode(operation);
    const responses = (node.responses ?? {}) as Json;
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((name) => name in responses);
    return key === undefined ? undefined : deref(responses[key], `${pointer}/responses/${key}`);
  };

  return {
    source: options.source,
    basePath,

    route(method, path) {
      if (!path.startsWith(`${basePath}/`)) return { found: 'nothing' };
      const relative = path.slice(basePath.length);
      const lower = method.toLowerCase();
      for (const route of routes) {
        const match = route.pattern.exec(relative);
        if (!match) continue;
        const operationId = route.methods[lower];
        if (operationId === undefined) {
          return {
            found: 'path',
            templates: [route.template],
            methods: Object.keys(route.methods).map((name) => name.toUpperCase()),
          };
        }
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
          operation: { method: lower, template: route.template, operationId, pathParams },
        };
      }
      return { found: 'nothing' };
    },

    validateRequest({ operation }, request) {
      const plan = planFor(operation);
      const violations = queryProblems(plan.parameters, request.query, options.provider);
      const query = parseQuery(plan.parameters, request.query);
      const parameters = { path: { ...operation.pathParams } as Record<string, unknown>, query };
      if (!plan.validateParameters(parameters)) {
        violations.push(...describeSchemaErrors(plan.validateParameters.errors, parameters));
      }

      let body: unknown;
      let unparseable = false;
      const contentType = contentTypeOf(request.headers);
      if (!plan.body) {
        if (request.rawBody !== '') violations.push('takes no body, but one was sent');
      } else if (request.rawBody === '') {
        if (plan.body.required) violations.push('body is required');
      } else {
        try {
          body = JSON.parse(request.rawBody) as unknown;
        } catch {
          unparseable = true;
          violations.push('body is not valid JSON');
        }
        if (!unparseable) {
          if (!isJsonContentType(contentType) || plan.body.schemaPointer === undefined) {
            violations.push(
              `body must be ${plan.body.types.join(' or ') || 'absent'}, but Content-Type was "${contentType}"`,
            );
          }
          if (plan.body.schemaPointer !== undefined) {
            violations.push(...validate(plan.body.schemaPointer, body).map((problem) => `body ${problem}`));
          }
        }
      }

      const token = bearerToken(request.headers);
      if (plan.requiresBearer && token === undefined) {
        violations.push('requires an "Authorization: Bearer <token>" header');
      }
      return {
        violations,
        unparseable,
        path: parameters.path,
        query: parameters.query,
        body,
        bearerToken: token,
      };
    },

    validateResponse(operation, status, body, responseOptions = {}) {
      const problems = (() => {
        const declared = declaredResponse(operation, status);
        if (declared === undefined) {
          return responseOptions.undeclaredStatusAllowed ? [] : [`status ${status} is not declared`];
        }
        if (responseOptions.raw) return [];
        const content = declared.node.content as Json | undefined;
        if (!content) return body === undefined ? [] : ['has a body, but the response declares no content'];
        if (!content['application/json']) {
          throw new Error(
            `${operation.operationId} ${status}: only application/json responses are supported`,
          );
        }
        if (body === undefined) return ['has no body, but the response declares application/json'];
        return validate(`${declared.pointer}/content/${escapeSegment('application/json')}/schema`, body);
      })();
      return problems.map((problem) => `response ${status} ${problem}`);
    },

    declares: (operation, status) => declaredResponse(operation, status) !== undefined,
    validateSchema: validate,
    schemaAt: at,
    compiledValidators: () => validators.size + plans.size,
  };
}

function createAjv(options: { coerceTypes?: boolean; useDefaults?: boolean }, oneOf: 'exact' | 'anyOf'): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, ...options });
  addFormats(ajv);
  if (oneOf === 'anyOf') {
    // The macro keeps `oneOf` in place, so the document's own `$ref`s through `.../oneOf/4/...` resolve.
    ajv.removeKeyword('oneOf');
    ajv.addKeyword({ keyword: 'oneOf', macro: (variants: unknown[]) => ({ anyOf: variants }) });
  }
  return ajv;
}

/** Unexpected query parameters and repetitions, in the contract's words. */
function queryProblems(parameters: ParameterPlan[], query: URLSearchParams, provider: string): string[] {
  const problems: string[] = [];
  const declared = new Map(parameters.filter((p) => p.in === 'query').map((p) => [p.name, p]));
  for (const name of new Set(query.keys())) {
    const parameter = declared.get(name);
    if (!parameter) {
      problems.push(`query parameter "${name}" is not declared (${provider} ignores it silently)`);
    } else if (query.getAll(name).length > 1 && !(parameter.isArray && parameter.explode)) {
      problems.push(
        parameter.isArray
          ? `query parameter "${name}" must be sent once, comma-separated (explode: false)`
          : `query parameter "${name}" must be sent once`,
      );
    }
  }
  return problems;
}

/** Declared query parameters as their plan reads them: arrays split or repeated, scalars once. */
function parseQuery(parameters: ParameterPlan[], search: URLSearchParams): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const parameter of parameters) {
    if (parameter.in !== 'query') continue;
    const values = search.getAll(parameter.name);
    if (values.length === 0) continue;
    if (!parameter.isArray) query[parameter.name] = values[0];
    else query[parameter.name] = parameter.explode ? values : values.flatMap((value) => value.split(','));
  }
  return query;
}

/**
 * Rewrites OpenAPI 3.0 schema dialect into draft-07, in a copy. It walks the whole document: keys that are
 * not schema keywords (paths, media types) never look like one, and property maps are walked value by
 * value so a property named like a keyword is left alone. Discriminators are collected for a check once
 * the whole document is there (see {@link dropRedundantDiscriminator}).
 */
function translate(
  node: unknown,
  pointer: string,
  discriminators: { pointer: string; node: Json }[],
): unknown {
  if (Array.isArray(node)) {
    return node.map((item, index) => translate(item, `${pointer}/${index}`, discriminators));
  }
  if (node === null || typeof node !== 'object') return node;
  const source = node as Json;
  if (typeof source.$ref === 'string') return { $ref: source.$ref };

  const result: Json = {};
  for (const [key, value] of Object.entries(source)) {
    const childPointer = `${pointer}/${escapeSegment(key)}`;
    if (DATA_KEYWORDS.has(key) || key.startsWith('x-') || key === 'discriminator') {
      result[key] = value;
    } else if (key === 'properties' && value !== null && typeof value === 'object') {
      result[key] = Object.fromEntries(
        Object.entries(value).map(([name, schema]) => [
          name,
          translate(schema, `${childPointer}/${escapeSegment(name)}`, discriminators),
        ]),
      );
    } else {
      result[key] = translate(value, childPointer, discriminators);
    }
  }

  for (const keyword of UNTRANSLATED_KEYWORDS) {
    if (keyword in result)
      throw new Error(`OpenAPI "${keyword}" at ${pointer} is not supported by openapi.ts`);
  }
  if ('discriminator' in result) discriminators.push({ pointer, node: result });
  if ('nullable' in result) {
    const nullable = result.nullable === true;
    delete result.nullable;
    if (nullable) {
      if (typeof result.type !== 'string') return { anyOf: [result, { type: 'null' }] };
      result.type = [result.type, 'null'];
      if (Array.isArray(result.enum)) result.enum = [...(result.enum as unknown[]), null];
    }
  }
  return result;
}

/**
 * Drops a `discriminator` that an exact `oneOf` already implies: at most one variant is not an object, and
 * every object variant requires the property and pins it to a single value of its own. Anything else
 * throws: validating such a union without the discriminator's semantics would be wrong.
 */
function dropRedundantDiscriminator(
  site: { pointer: string; node: Json },
  deref: (node: unknown, pointer: string) => { node: Json; pointer: string },
): void {
  const refuse = (why: string): never => {
    throw new Error(`OpenAPI "discriminator" at ${site.pointer} is not supported by openapi.ts: ${why}`);
  };
  const property = (site.node.discriminator as Json | undefined)?.propertyName;
  const variants = site.node.oneOf;
  if (!Array.isArray(variants)) return refuse('it is not beside a oneOf');
  const pinned = new Set<unknown>();
  let others = 0;
  variants.forEach((variant, index) => {
    const resolved = deref(variant, `${site.pointer}/oneOf/${index}`).node;
    if (resolved.type !== 'object') {
      if (++others > 1) refuse('more than one variant is not an object');
      return;
    }
    const schema = (resolved.properties as Json | undefined)?.[String(property)] as Json | undefined;
    const values =
      schema === undefined ? undefined : (schema.enum ?? ('const' in schema ? [schema.const] : undefined));
    const required = Array.isArray(resolved.required) && resolved.required.includes(property);
    if (!Array.isArray(values) || values.length !== 1 || !required || pinned.has(values[0])) {
      refuse(`variant ${index} does not pin "${String(property)}" to a value of its own`);
    }
    pinned.add((values as unknown[])[0]);
  });
  delete site.node.discriminator;
}

function planParameter(
  parameter: Json,
  pointer: string,
  deref: (node: unknown, pointer: string) => { node: Json; pointer: string },
): ParameterPlan {
  const location = parameter.in;
  if (location !== 'path' && location !== 'query') {
    throw new Error(
      `${String(location)} parameter "${String(parameter.name)}" (${pointer}) is not supported`,
    );
  }
  const style = parameter.style ?? 'form';
  if (location === 'query' && style !== 'form') {
    throw new Error(`query parameter style "${String(style)}" (${pointer}) is not supported`);
  }
  const schema = deref(parameter.schema, `${pointer}/schema`).node;
  return {
    name: String(parameter.name),
    in: location,
    required: parameter.required === true,
    isArray: schema.type === 'array',
    explode: parameter.explode !== false,
    schemaPointer: `${pointer}/schema`,
    default: schema.default,
  };
}

/** The route table of a document's own operations. */
function routeTableOf(
  paths: Record<string, Json>,
  deref: (node: unknown, pointer: string) => { node: Json; pointer: string },
): RouteTable {
  const table: RouteTable = {};
  for (const [template, pathItem] of Object.entries(paths)) {
    const methods: Record<string, string> = {};
    const multiSegment = new Set<string>();
    const lists: [unknown, string][] = [
      [pathItem.parameters, `#/paths/${escapeSegment(template)}/parameters`],
    ];
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method] as Json | undefined;
      if (!operation) continue;
      methods[method] = String(operation.operationId ?? `${method} ${template}`);
      lists.push([operation.parameters, `#/paths/${escapeSegment(template)}/${method}/parameters`]);
    }
    for (const [list, pointer] of lists) {
      ((list ?? []) as unknown[]).forEach((entry, index) => {
        const parameter = deref(entry, `${pointer}/${index}`).node;
        if (parameter.in === 'path' && parameter['x-multi-segment'] === true) {
          multiSegment.add(String(parameter.name));
        }
      });
    }
    table[template] = { methods, ...(multiSegment.size > 0 && { multiSegment: [...multiSegment] }) };
  }
  return table;
}

interface Route {
  template: string;
  pattern: RegExp;
  names: string[];
  methods: Record<string, string>;
  literalSegments: number;
  multiSegment: number;
}

/** Literal segments win over parameters, single-segment parameters over multi-segment ones. */
function buildRoutes(table: RouteTable): Route[] {
  return Object.entries(table)
    .map(([template, entry]) => ({
      template,
      methods: entry.methods,
      ...templatePattern(template, new Set(entry.multiSegment)),
    }))
    .sort((a, b) => b.literalSegments - a.literalSegments || a.multiSegment - b.multiSegment);
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
