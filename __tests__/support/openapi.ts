/**
 * An OpenAPI 3.0 document as request and response validators, for API emulators in tests. It reads the
 * document the way a strict client and server would, translating the 3.0 dialect into draft-07 for ajv:
 *
 * - `nullable: true` becomes `type: [t, 'null']` (and `null` joins an `enum`).
 * - `oneOf` is checked as `anyOf`: OpenAPI 3.0 unions without a `discriminator` rarely exclude each other.
 *   In Render's document a web service's `serviceDetails` also satisfies the private-service and
 *   background-worker variants, and seven event-detail variants accept any object, so "exactly one" fails
 *   for every real response. Callers that know the implied variant validate it with `validateSchema`.
 * - Siblings of `$ref` are dropped, as OpenAPI 3.0 ignores them.
 * - `example` and `x-*` are annotations; `strict: false` lets ajv skip them. OpenAPI's `int32`, `int64`,
 *   `float`, `double`, `byte`, `binary` and `password` formats come with ajv-formats.
 * - `discriminator`, `readOnly` and `writeOnly` are not translated. Render's document uses none of them, so
 *   loading a document that does throws, rather than validating it wrongly.
 *
 * Query parameters are parsed as the document declares them (style `form`; `explode: false` arrays are
 * comma-separated) and coerced to their types, with `default`s filled in.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { resolvePointer } from '../../src/json-pointer.js';
import { describeSchemaErrors } from '../../src/json-schema.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is module.exports.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats: FormatsPlugin =
  (formatsPlugin as unknown as { default?: FormatsPlugin }).default ??
  (formatsPlugin as unknown as FormatsPlugin);

/** Where Render's OpenAPI document lives: the shared specs folder beside the repository. */
export const RENDER_OPENAPI_URL = new URL(
  '../../../shared/specs/render/render-public-api.json',
  import.meta.url,
);

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

export type RouteMatch =
  | { found: 'operation'; operation: Operation }
  /** The path exists, but not with this method. */
  | { found: 'path'; template: string; methods: string[] }
  | { found: 'nothing' };

export interface RequestParts {
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body; empty when there was none. */
  body: string;
}

export interface ValidatedRequest {
  /** Every way the request breaks the contract, in words; empty when it is valid. */
  violations: string[];
  /** Declared query parameters, parsed, coerced to their types and completed with defaults. */
  query: Record<string, unknown>;
  /** The parsed JSON body; undefined when absent or not JSON. */
  body: unknown;
  /** The token of an `Authorization: Bearer` header, if it had one. */
  bearerToken: string | undefined;
}

export interface OpenApiContract {
  /** The path of the first server URL, e.g. `/v1`; request paths start with it. */
  readonly basePath: string;
  /** Finds the operation for a method and a concrete path (which includes the base path). */
  route(method: string, path: string): RouteMatch;
  validateRequest(operation: Operation, request: RequestParts): ValidatedRequest;
  /**
   * Checks a response: its status must be declared (unless `undeclaredStatusAllowed`), and its body must
   * match the declared JSON schema, or be absent when the response declares no content.
   * `body` is the parsed JSON, undefined for no body.
   */
  validateResponse(
    operation: Operation,
    status: number,
    body: unknown,
    options?: { undeclaredStatusAllowed?: boolean },
  ): string[];
  /** Validates data against the schema at a JSON pointer in URI-fragment form (`#/components/schemas/deploy`). */
  validateSchema(pointer: string, data: unknown): string[];
  /** The (translated) document node at a pointer in URI-fragment form, undefined when there is none. */
  schemaAt(pointer: string): unknown;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENT_ID = 'openapi-document';
/** Keywords whose values are data, not schemas: nothing inside them is a keyword. */
const DATA_KEYWORDS = new Set(['example', 'examples', 'default', 'enum', 'const']);
const UNTRANSLATED_KEYWORDS = ['discriminator', 'readOnly', 'writeOnly'];

type Json = Record<string, unknown>;

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
  body: { required: boolean; schemaPointer: string | undefined } | undefined;
  requiresBearer: boolean;
}

const loaded = new Map<string, OpenApiContract>();

/** Loads an OpenAPI 3.0 JSON document once per URL; validators compile on first use. */
export function loadOpenApi(url: URL = RENDER_OPENAPI_URL): OpenApiContract {
  let contract = loaded.get(url.href);
  if (!contract) {
    contract = createContract(JSON.parse(readFileSync(url, 'utf8')) as Json);
    loaded.set(url.href, contract);
  }
  return contract;
}

function createContract(original: Json): OpenApiContract {
  const doc = translate(original, '#') as Json;
  const paths = (doc.paths ?? {}) as Record<string, Json>;
  const servers = doc.servers as { url: string }[] | undefined;
  const basePath = servers?.[0] ? new URL(servers[0].url, 'http://base').pathname.replace(/\/$/, '') : '';

  // Responses must not be coerced; parameters arrive as strings and must be.
  const schemaAjv = createAjv({});
  const parameterAjv = createAjv({ coerceTypes: true, useDefaults: true });
  schemaAjv.addSchema(doc, DOCUMENT_ID, undefined, false);
  parameterAjv.addSchema(doc, DOCUMENT_ID, undefined, false);

  // Literal segments win over parameters: `/events/{eventId}` must not swallow a literal sibling.
  const routes = Object.keys(paths)
    .map((template) => ({ template, ...templatePattern(template) }))
    .sort((a, b) => b.literalSegments - a.literalSegments);

  const validators = new Map<string, ValidateFunction>();
  const plans = new Map<string, OperationPlan>();

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
  const validatorFor = (pointer: string): ValidateFunction => {
    let validate = validators.get(pointer);
    if (!validate) {
      validate = schemaAjv.compile({ $ref: `${DOCUMENT_ID}${pointer}` });
      validators.set(pointer, validate);
    }
    return validate;
  };
  const validate = (pointer: string, data: unknown): string[] => {
    const validator = validatorFor(pointer);
    return validator(data) ? [] : describeSchemaErrors(validator.errors, data);
  };

  const operationNode = (operation: Operation): { node: Json; pointer: string } => ({
    node: (paths[operation.template] as Json)[operation.method] as Json,
    pointer: `#/paths/${escapeSegment(operation.template)}/${operation.method}`,
  });

  const planFor = (operation: Operation): OperationPlan => {
    const key = `${operation.method} ${operation.template}`;
    let plan = plans.get(key);
    if (plan) return plan;
    const pathItem = paths[operation.template] as Json;
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
    collect(pathItem.parameters, `${pathPointer}/parameters`);
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
              ...(parameter.default !== undefined && { default: parameter.default }),
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
      const content = resolved.node.content as Json | undefined;
      body = {
        required: resolved.node.required === true,
        schemaPointer: content?.['application/json']
          ? `${resolved.pointer}/content/${escapeSegment('application/json')}/schema`
          : undefined,
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

  return {
    basePath,

    route(method, path) {
      if (!path.startsWith(`${basePath}/`)) return { found: 'nothing' };
      const relative = path.slice(basePath.length);
      for (const route of routes) {
        const match = route.pattern.exec(relative);
        if (!match) continue;
        const pathItem = paths[route.template] as Json;
        const methods = HTTP_METHODS.filter((name) => pathItem[name] !== undefined);
        const lower = method.toLowerCase();
        if (!methods.includes(lower)) return { found: 'path', template: route.template, methods };
        const pathParams = Object.fromEntries(
          route.names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]),
        );
        const operationId = String((pathItem[lower] as Json).operationId ?? `${lower} ${route.template}`);
        return {
          found: 'operation',
          operation: { method: lower, template: route.template, operationId, pathParams },
        };
      }
      return { found: 'nothing' };
    },

    validateRequest(operation, request) {
      const plan = planFor(operation);
      const violations: string[] = [];

      const declared = new Set(plan.parameters.filter((p) => p.in === 'query').map((p) => p.name));
      for (const name of new Set(request.query.keys())) {
        if (!declared.has(name)) violations.push(`query parameter "${name}" is not declared`);
      }
      const query: Record<string, unknown> = {};
      for (const parameter of plan.parameters) {
        if (parameter.in !== 'query') continue;
        const values = request.query.getAll(parameter.name);
        if (values.length === 0) continue;
        if (values.length > 1 && !(parameter.isArray && parameter.explode)) {
          violations.push(
            parameter.isArray
              ? `query parameter "${parameter.name}" must be sent once, comma-separated (explode: false)`
              : `query parameter "${parameter.name}" must be sent once`,
          );
        }
        if (!parameter.isArray) query[parameter.name] = values[0];
        else query[parameter.name] = parameter.explode ? values : values.flatMap((value) => value.split(','));
      }
      const parameters = { path: { ...operation.pathParams }, query };
      if (!plan.validateParameters(parameters)) {
        violations.push(...describeSchemaErrors(plan.validateParameters.errors, parameters));
      }

      let body: unknown;
      const contentType = String(request.headers['content-type'] ?? '');
      if (!plan.body) {
        if (request.body !== '') violations.push('takes no request body, but one was sent');
      } else if (request.body === '') {
        if (plan.body.required) violations.push('request body is required');
      } else if (plan.body.schemaPointer === undefined || !/^application\/json\b/i.test(contentType)) {
        violations.push(`request body must be application/json, but Content-Type was "${contentType}"`);
      } else {
        try {
          body = JSON.parse(request.body);
          violations.push(...validate(plan.body.schemaPointer, body).map((problem) => `body ${problem}`));
        } catch {
          violations.push('request body is not valid JSON');
        }
      }

      const authorization = /^Bearer\s+(\S+)\s*$/i.exec(String(request.headers.authorization ?? ''));
      if (plan.requiresBearer && !authorization) {
        violations.push('requires an "Authorization: Bearer <token>" header');
      }

      return { violations, query: parameters.query, body, bearerToken: authorization?.[1] };
    },

    validateResponse(operation, status, body, options = {}) {
      const { node, pointer } = operationNode(operation);
      const responses = (node.responses ?? {}) as Json;
      const key = [String(status), `${String(status)[0]}XX`, 'default'].find((name) => name in responses);
      if (key === undefined) {
        return options.undeclaredStatusAllowed ? [] : [`status ${status} is not declared`];
      }
      const resolved = deref(responses[key], `${pointer}/responses/${key}`);
      const content = resolved.node.content as Json | undefined;
      if (!content) return body === undefined ? [] : ['has a body, but the response declares no content'];
      if (!content['application/json']) {
        throw new Error(`${operation.operationId} ${key}: only application/json responses are supported`);
      }
      if (body === undefined) return ['has no body, but the response declares application/json'];
      return validate(`${resolved.pointer}/content/${escapeSegment('application/json')}/schema`, body);
    },

    validateSchema: validate,
    schemaAt: at,
  };
}

function createAjv(options: { coerceTypes?: boolean; useDefaults?: boolean }): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, ...options });
  addFormats(ajv);
  // The macro keeps `oneOf` in place, so the document's own `$ref`s through `.../oneOf/4/...` still resolve.
  ajv.removeKeyword('oneOf');
  ajv.addKeyword({ keyword: 'oneOf', macro: (variants: unknown[]) => ({ anyOf: variants }) });
  return ajv;
}

/**
 * Rewrites OpenAPI 3.0 schema dialect into draft-07, in a copy. It walks the whole document: keys that are
 * not schema keywords (paths, media types) never look like one, and property maps are walked value by
 * value so a property named like a keyword is left alone.
 */
function translate(node: unknown, pointer: string): unknown {
  if (Array.isArray(node)) return node.map((item, index) => translate(item, `${pointer}/${index}`));
  if (node === null || typeof node !== 'object') return node;
  const source = node as Json;
  if (typeof source.$ref === 'string') return { $ref: source.$ref };

  const result: Json = {};
  for (const [key, value] of Object.entries(source)) {
    const childPointer = `${pointer}/${escapeSegment(key)}`;
    if (DATA_KEYWORDS.has(key)) {
      result[key] = value;
    } else if (key === 'properties' && value !== null && typeof value === 'object') {
      result[key] = Object.fromEntries(
        Object.entries(value).map(([name, schema]) => [
          name,
          translate(schema, `${childPointer}/${escapeSegment(name)}`),
        ]),
      );
    } else {
      result[key] = translate(value, childPointer);
    }
  }

  for (const keyword of UNTRANSLATED_KEYWORDS) {
    if (keyword in result)
      throw new Error(`OpenAPI "${keyword}" at ${pointer} is not supported by openapi.ts`);
  }
  if ('nullable' in result) {
    if (result.nullable === true) {
      if (typeof result.type !== 'string') {
        throw new Error(`"nullable" without a single "type" at ${pointer} is not supported by openapi.ts`);
      }
      result.type = [result.type, 'null'];
      if (Array.isArray(result.enum)) result.enum = [...(result.enum as unknown[]), null];
    }
    delete result.nullable;
  }
  return result;
}

function planParameter(
  parameter: Json,
  pointer: string,
  deref: (node: unknown, pointer: string) => { node: Json; pointer: string },
): ParameterPlan {
  const location = parameter.in;
  if (location !== 'path' && location !== 'query') {
    throw new Error(`${location} parameter "${String(parameter.name)}" (${pointer}) is not supported`);
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

/** A path template as a regular expression capturing its parameters in order. */
function templatePattern(template: string): { pattern: RegExp; names: string[]; literalSegments: number } {
  const names: string[] = [];
  const segments = template.split('/');
  const source = segments
    .map((segment) =>
      segment.replace(/\{([^}]+)\}|[^{]+/g, (part, name: string | undefined) => {
        if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(name);
        return '([^/]+)';
      }),
    )
    .join('/');
  const literalSegments = segments.filter((segment) => segment !== '' && !segment.includes('{')).length;
  return { pattern: new RegExp(`^${source}$`), names, literalSegments };
}

/** One JSON-pointer segment, escaped (RFC 6901) and percent-encoded for use in a URI fragment. */
function escapeSegment(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}
