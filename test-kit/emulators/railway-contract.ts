/**
 * Railway's contract: its introspected GraphQL schema (shared/specs/railway/schema.json) and GraphQL over
 * HTTP as Railway takes it (`POST /graphql/v2`, a JSON body `{query, variables?, operationName?}`;
 * subscriptions only over the WebSocket). It has the shape every contract of the test kit has
 * (contract.ts): `route` finds the one endpoint, `validateRequest` checks the HTTP envelope and then the
 * operation, `validateResponse` the GraphQL response shape. `validateOperation` is the operation check
 * alone, for operations that arrive over the WebSocket.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  buildClientSchema,
  type DocumentNode,
  type FieldNode,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  type IntrospectionQuery,
  Kind,
  type OperationDefinitionNode,
  parse,
  validate,
  validateExecutionArgs,
  validateSchema,
} from 'graphql';
import {
  contentTypeOf,
  isJsonContentType,
  loadOnce,
  type ApiContract,
  type CheckedRequest,
  type ContractSource,
} from './contract.js';

/** Where Railway's contract lives: the shared specs folder beside the repository. */
export const RAILWAY_SCHEMA_URL = new URL('../../../shared/specs/railway/schema.json', import.meta.url);
export const RAILWAY_OPERATIONS_URL = new URL('../../../shared/specs/railway/operations/', import.meta.url);
/** The path of the GraphQL endpoint, over HTTP and WebSocket alike. */
export const RAILWAY_GRAPHQL_PATH = '/graphql/v2';

/** The part of the introspected schema graphql v17 refuses; see {@link loadRailwaySchema}. */
const TOLERATED_SCHEMA_ERRORS = [
  'Interface field Node.id is not deprecated, so implementation field Team.id must not be deprecated.',
];

/**
 * Railway's schema, built from the introspection result. graphql v17 finds one fault in it: `Team.id` is
 * deprecated while the `Node.id` it implements is not. That has no bearing on whether an operation is valid,
 * so it is tolerated (and only it: any other schema error throws), and the schema is built as assumed valid.
 */
export const loadRailwaySchema = loadOnce((): GraphQLSchema => {
  const introspection = (JSON.parse(readFileSync(RAILWAY_SCHEMA_URL, 'utf8')) as { data: IntrospectionQuery })
    .data;
  const unexpected = validateSchema(buildClientSchema(introspection))
    .map((error) => error.message)
    .filter((message) => !TOLERATED_SCHEMA_ERRORS.includes(message));
  if (unexpected.length > 0) throw new Error(`Railway schema is invalid: ${unexpected.join('; ')}`);
  return buildClientSchema(introspection, { assumeValid: true });
});

/** A GraphQL request: the body over HTTP, the `subscribe` payload over the WebSocket. */
export interface GraphqlPayload {
  query: string;
  operationName: string | null;
  variables: Record<string, unknown>;
}

/** The operation a request carries, checked against the schema. */
export type CheckedOperation = {
  /** Each problem in words: `does not parse: ...`, `invalid against the schema: ...`, `cannot execute: ...`. */
  problems: string[];
  /** The selected operation's name (else the one the request named); null when anonymous. */
  operationName: string | null;
  operationType: 'query' | 'mutation' | 'subscription' | null;
  /** The operation's root fields (aliases resolved). */
  fields: string[];
} & (
  | { ok: true; document: DocumentNode; operation: OperationDefinitionNode }
  /** The errors a client gets for it, as graphql reports them. */
  | { ok: false; errors: readonly GraphQLError[] }
);

export interface RailwayValidatedRequest extends CheckedRequest {
  /** Not GraphQL over HTTP as Railway takes it: the HTTP status it gets (the problem is in `violations`). */
  refusedWith?: number;
  /** The GraphQL request, as far as the body was one. */
  payload?: GraphqlPayload;
  /** The operation, once the envelope was right. */
  checked?: CheckedOperation;
}

export type RailwayHit = { found: 'operation'; operation: 'graphql' };

export interface RailwayContract extends ApiContract<RailwayHit, 'graphql', RailwayValidatedRequest> {
  readonly schema: GraphQLSchema;
  /** Parses, validates, selects the operation and coerces the variables. */
  validateOperation(payload: GraphqlPayload): CheckedOperation;
}

export const loadRailwayContract = loadOnce((): RailwayContract => {
  const schema = loadRailwaySchema();
  const source: ContractSource = {
    name: "Railway's GraphQL schema",
    files: [fileURLToPath(RAILWAY_SCHEMA_URL)],
  };

  const validateOperation = (payload: GraphqlPayload): CheckedOperation => {
    const base = { operationName: payload.operationName, operationType: null, fields: [], problems: [] };
    let document: DocumentNode;
    try {
      document = parse(payload.query);
    } catch (error) {
      const syntax = error instanceof GraphQLError ? error : new GraphQLError(String(error));
      return { ...base, ok: false, errors: [syntax], problems: [`does not parse: ${syntax.message}`] };
    }
    const invalid = validate(schema, document);
    const operation = getOperationAST(document, payload.operationName ?? undefined);
    const selected = operation
      ? {
          operationName: operation.name?.value ?? null,
          operationType: operation.operation,
          fields: operation.selectionSet.selections
            .filter((selection): selection is FieldNode => selection.kind === Kind.FIELD)
            .map((field) => field.name.value),
        }
      : { operationName: payload.operationName, operationType: null, fields: [] };
    if (invalid.length > 0) {
      const problems = invalid.map((error) => `invalid against the schema: ${error.message}`);
      return { ...selected, ok: false, errors: invalid, problems };
    }
    const checked = validateExecutionArgs({
      schema,
      document,
      operationName: selected.operationName,
      variableValues: payload.variables,
    });
    if (Array.isArray(checked)) {
      const errors = checked as readonly GraphQLError[];
      return {
        ...selected,
        ok: false,
        errors,
        problems: errors.map((error) => `cannot execute: ${error.message}`),
      };
    }
    return { ...selected, ok: true, document, operation: operation!, problems: [] };
  };

  return {
    source,
    schema,
    validateOperation,

    route(method, path) {
      if (path !== RAILWAY_GRAPHQL_PATH) return { found: 'nothing' };
      if (method !== 'POST') return { found: 'path', templates: [RAILWAY_GRAPHQL_PATH], methods: ['POST'] };
      return { found: 'operation', operation: 'graphql' };
    },

    validateRequest(_hit, request) {
      const refuse = (refusedWith: number, problem: string, payload?: GraphqlPayload) => ({
        violations: [problem],
        unparseable: refusedWith === 400 && payload === undefined,
        refusedWith,
        payload,
      });
      const contentType = contentTypeOf(request.headers);
      if (!isJsonContentType(contentType)) {
        return refuse(415, `Content-Type ${contentType || '(none)'} is not application/json`);
      }
      let body: unknown;
      try {
        body = JSON.parse(request.rawBody);
      } catch {
        return refuse(400, 'the body is not JSON');
      }
      const fields = body as { query?: unknown; variables?: unknown; operationName?: unknown };
      if (
        typeof body !== 'object' ||
        body === null ||
        Array.isArray(body) ||
        typeof fields.query !== 'string'
      ) {
        return refuse(400, 'the body is not {query, variables?, operationName?} with a string query');
      }
      const payload: GraphqlPayload = {
        query: fields.query,
        operationName: typeof fields.operationName === 'string' ? fields.operationName : null,
        variables: {},
      };
      if (fields.variables !== undefined && fields.variables !== null) {
        if (typeof fields.variables !== 'object' || Array.isArray(fields.variables)) {
          return { ...refuse(400, 'variables must be an object', payload), unparseable: false };
        }
        payload.variables = fields.variables as Record<string, unknown>;
      }
      const checked = validateOperation(payload);
      const violations = [...checked.problems];
      if (checked.ok && checked.operationType === 'subscription') {
        violations.push('a subscription sent over HTTP; Railway streams them over the WebSocket');
      }
      return { violations, unparseable: false, payload, checked };
    },

    validateResponse(_operation, status, body) {
      const result = body as { data?: unknown; errors?: unknown } | null;
      const problems: string[] = [];
      if (typeof result !== 'object' || result === null || Array.isArray(result)) {
        problems.push('is not a GraphQL response object');
      } else if (!('data' in result) && !('errors' in result)) {
        problems.push('has neither data nor errors');
      } else if (
        result.errors !== undefined &&
        (!Array.isArray(result.errors) ||
          result.errors.some((error) => typeof (error as { message?: unknown })?.message !== 'string'))
      ) {
        problems.push('errors must be a list of {message}');
      }
      return problems.map((problem) => `response ${status} ${problem}`);
    },
  };
});
