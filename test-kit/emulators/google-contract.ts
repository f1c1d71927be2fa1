/**
 * Google's own protos as a request and response contract for emulators: which RPC a REST request is (from
 * each RPC's `google.api.http` annotation), whether its path, query and JSON body are what the request
 * message allows, and whether a response is the response message in proto3 JSON.
 *
 * Sources, all as installed (nothing is written from memory):
 * - `@google-cloud/run/build/protos/protos.json`: Cloud Run Admin API v2, with google.longrunning,
 *   google.rpc.Status, google.protobuf and google.api as that package ships them.
 * - `@google-cloud/logging-api/build/protos/protos.json` (the dependency of `@google-cloud/logging`):
 *   Cloud Logging v2, with google.protobuf.Struct/Value/ListValue.
 * - google-gax (the dependency of both) `build/protos/google/rpc/error_details.proto` (ErrorInfo, RetryInfo,
 *   Help, BadRequest, ...: the `details` of Google's errors) and `code.proto` (the canonical codes and their
 *   documented HTTP mapping, read from its `HTTP Mapping:` comments).
 * - The REST bindings of google.longrunning.Operations are not in the protos: each API sets them in its
 *   service config (googleapis `google/cloud/run/v2/run_v2.yaml`, `http.rules`). The generated client ships
 *   the same rules (`lroOptions.httpRules` in `@google-cloud/run/build/src/v2/services_client.js`); they
 *   are read from there, so an upgrade that moves them is noticed (the loader throws).
 *
 * The JSON check is stricter than Google's parsers, on purpose. Google accepts numbers for int64, enum
 * numbers, and proto field names (`page_size`) beside JSON names (`pageSize`); this contract accepts only
 * the canonical proto3 JSON form (https://protobuf.dev/programming-guides/json/): lowerCamelCase names,
 * 64-bit integers as strings, 32-bit integers as numbers, enums by name, Timestamp as RFC 3339, Duration as
 * `"1.5s"`, FieldMask as comma-separated lowerCamelCase paths, maps as objects, repeated fields as arrays,
 * at most one member of a oneof, Any with a resolvable `@type`. Unknown fields are violations, because
 * Google answers them 400 ("Invalid JSON payload received. Unknown name ..."). `null` is accepted as "not
 * set" (the spec allows it) except inside repeated fields and maps.
 *
 * Known gap: protobufjs keeps one `google.api.field_behavior` per field in `protos.json` (the last), so a
 * field declared `[REQUIRED, IMMUTABLE]`-style may lose REQUIRED; only top-level request fields are checked
 * for REQUIRED anyway.
 */
import protobuf from 'protobufjs';
import type { Enum, Field, MapField, Method, Namespace, Root, Service, Type } from 'protobufjs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  contentTypeOf,
  isJsonContentType,
  loadOnce,
  type ApiContract,
  type CheckedRequest,
  type RequestParts,
} from './contract.js';

/** One REST binding of an RPC: `GET /v2/{name=projects/*\/locations/*\/services/*}`. */
export interface HttpBinding {
  /** Upper case: GET, POST, PATCH, PUT, DELETE (or a custom kind). */
  method: string;
  template: string;
  /** `*` (the whole request is the body), a field name (that field is the body), or undefined (no body). */
  body?: string;
}

export interface GoogleRpc {
  /** Full name: `google.cloud.run.v2.Services.GetService`. */
  name: string;
  /** `GetService`. */
  method: string;
  requestType: Type;
  responseType: Type;
  bindings: HttpBinding[];
  /** `google.longrunning.operation_info`, as full type names. */
  longRunning?: { responseType: string; metadataType: string };
}

export type RpcMatch =
  | { found: 'rpc'; rpc: GoogleRpc; binding: HttpBinding; pathParams: Record<string, string> }
  /** The path is some RPC's, but not with this method. */
  | { found: 'path'; templates: string[]; methods: string[] }
  | { found: 'nothing' };

export type { RequestParts } from './contract.js';

export interface ValidatedRequest extends CheckedRequest {
  /** Every way the request breaks the contract, each starting with where (`query pageSize`, `body ...`). */
  violations: string[];
  /** The request message as proto3 JSON: path variables, query parameters and the body, merged. */
  message: Record<string, unknown>;
  /** The body could not be parsed as JSON (Google answers 400). */
  unparseable: boolean;
}

export interface CanonicalCode {
  name: string;
  /** The gRPC code number, what `google.rpc.Status.code` carries. */
  number: number;
  /** The HTTP status code.proto documents for it. */
  http: number;
}

/**
 * The contract in the shape every contract of the test kit has (contract.ts): `route` hits are `found:
 * 'rpc'`, responses are checked for an RPC.
 */
export interface GoogleContract extends ApiContract<
  Extract<RpcMatch, { found: 'rpc' }>,
  GoogleRpc,
  ValidatedRequest
> {
  /** Every RPC the router knows, by full name. */
  readonly rpcs: ReadonlyMap<string, GoogleRpc>;
  /** The canonical codes of google.rpc.Code, by name. */
  readonly codes: ReadonlyMap<string, CanonicalCode>;
  /** Finds the RPC for a method and a concrete path (percent-encoded, as received). */
  route(method: string, path: string): RpcMatch;
  /** The RPC of this full name; throws for an unknown one (a typo in an emulator). */
  rpc(name: string): GoogleRpc;
  validateRequest(match: Extract<RpcMatch, { found: 'rpc' }>, request: RequestParts): ValidatedRequest;
  /**
   * Checks a response: 200 with the RPC's response message (for a long-running RPC, also the Operation's
   * `@type`s), or an error status with Google's JSON error shape. Problems start with `response <status>`.
   */
  validateResponse(rpc: GoogleRpc, status: number, body: unknown): string[];
  /** Google's JSON error shape: `{error: {code, message, status, details}}`, code and status consistent. */
  validateError(status: number, body: unknown): string[];
  /**
   * A google.longrunning.Operation, plus what proto3 JSON cannot say: `done` goes with exactly one of
   * `error`/`response`, and the `@type`s are the RPC's `operation_info` types.
   */
  validateOperation(operation: unknown, longRunning?: GoogleRpc['longRunning']): string[];
  /** Proto3 JSON of a message type (full name, no leading dot); problems are `path: problem`. */
  validateMessage(typeName: string, value: unknown): string[];
  /** The value names of an enum, in number order (e.g. google.logging.type.LogSeverity). */
  enumValues(enumName: string): { name: string; number: number }[];
}

/** The RPC set the router serves: Cloud Run v2, Cloud Logging v2 entries, Cloud Run's Operations. */
const RUN_PACKAGE = 'google.cloud.run.v2';
const LOGGING_SERVICES = ['google.logging.v2.LoggingServiceV2'];
/** Query parameters every Google API takes ("system parameters"), beside the request's own fields. */
const SYSTEM_PARAMETERS: Record<string, (value: string) => string | undefined> = {
  alt: (value) => (value === 'json' ? undefined : 'the emulator answers JSON only (alt=json)'),
  $alt: (value) =>
    value === 'json' ? undefined : 'the emulator answers canonical JSON only ($alt=json, no enum-encoding)',
  prettyPrint: (value) => (value === 'true' || value === 'false' ? undefined : 'must be true or false'),
  quotaUser: () => undefined,
};
/** System parameters that carry credentials: Google takes them, the action must not send them. */
const CREDENTIAL_PARAMETERS = new Set(['key', 'access_token', 'oauth_token']);

const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const UINT32 = { min: 0n, max: 2n ** 32n - 1n };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };
const INTEGER_RANGES: Record<string, { min: bigint; max: bigint; json: 'number' | 'string' }> = {
  int32: { ...INT32, json: 'number' },
  sint32: { ...INT32, json: 'number' },
  sfixed32: { ...INT32, json: 'number' },
  uint32: { ...UINT32, json: 'number' },
  fixed32: { ...UINT32, json: 'number' },
  int64: { ...INT64, json: 'string' },
  sint64: { ...INT64, json: 'string' },
  sfixed64: { ...INT64, json: 'string' },
  uint64: { ...UINT64, json: 'string' },
  fixed64: { ...UINT64, json: 'string' },
};
const WRAPPERS: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};
/** Well-known types whose JSON is not an object of fields: inside an Any they go as `{@type, value}`. */
const SPECIAL_JSON = new Set([
  'google.protobuf.Timestamp',
  'google.protobuf.Duration',
  'google.protobuf.FieldMask',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.Any',
  ...Object.keys(WRAPPERS),
]);
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DURATION = /^(-)?(\d+)(\.\d{1,9})?s$/;
const MAX_DURATION_SECONDS = 315_576_000_000n;
const FIELD_MASK_PATH = /^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** The files the contract is built from, resolved from the installed packages. */
export interface GoogleProtoSources {
  runProtosJson: string;
  loggingProtosJson: string;
  errorDetailsProto: string;
  codeProto: string;
  /** The generated Services client, for Cloud Run's google.longrunning.Operations HTTP rules. */
  runServicesClient: string;
}

/** Locates the sources in node_modules; throws if a package moved (an upgrade must be looked at). */
export function googleProtoSources(): GoogleProtoSources {
  const here = createRequire(import.meta.url);
  const run = packageRoot(here, '@google-cloud/run');
  const logging = packageRoot(here, '@google-cloud/logging');
  const loggingApi = packageRoot(createRequire(join(logging, 'package.json')), '@google-cloud/logging-api');
  const gax = packageRoot(createRequire(join(run, 'package.json')), 'google-gax');
  return {
    runProtosJson: join(run, 'build/protos/protos.json'),
    loggingProtosJson: join(loggingApi, 'build/protos/protos.json'),
    errorDetailsProto: join(gax, 'build/protos/google/rpc/error_details.proto'),
    codeProto: join(gax, 'build/protos/google/rpc/code.proto'),
    runServicesClient: join(run, 'build/src/v2/services_client.js'),
  };
}

/** The directory of an installed package: its main entry's nearest `package.json` with its name. */
function packageRoot(require: NodeJS.Require, name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (manifest.name === name) return dir;
    } catch {
      // No package.json here; keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package root of ${name}`);
    dir = parent;
  }
}

/**
 * Loads the contract once per module instance (jest: once per test file). Parsing both `protos.json`
 * files and resolving them takes about 0.2 s.
 */
export const loadGoogleContract = loadOnce((): GoogleContract => createContract(googleProtoSources()));

interface RouteEntry {
  rpc: GoogleRpc;
  binding: HttpBinding;
  pattern: RegExp;
  /** Field paths of the template's variables, in capture order. */
  variables: string[];
  literals: number;
}

function createContract(sources: GoogleProtoSources): GoogleContract {
  const runRoot = protobuf.Root.fromJSON(JSON.parse(readFileSync(sources.runProtosJson, 'utf8')));
  runRoot.resolveAll();
  const loggingRoot = protobuf.Root.fromJSON(JSON.parse(readFileSync(sources.loggingProtosJson, 'utf8')));
  loggingRoot.resolveAll();
  const rpcRoot = protobuf.loadSync(sources.errorDetailsProto);
  rpcRoot.resolveAll();
  const roots: Root[] = [runRoot, loggingRoot, rpcRoot];
  const codes = parseCodes(readFileSync(sources.codeProto, 'utf8'));

  const findType = (name: string): Type | Enum | undefined => {
    for (const root of roots) {
      const found = root.lookup(name);
      if (found instanceof protobuf.Type || found instanceof protobuf.Enum) return found;
    }
    return undefined;
  };

  // --- RPCs and routes ---------------------------------------------------------------------------------
  const rpcs = new Map<string, GoogleRpc>();
  const routes: RouteEntry[] = [];
  const addRpc = (service: Service, method: Method, bindings: HttpBinding[]) => {
    const name = `${service.fullName.slice(1)}.${method.name}`;
    const info = optionOf(method, '(google.longrunning.operation_info)') as
      { response_type?: string; metadata_type?: string } | undefined;
    const qualify = (typeName: string) => {
      const found = service.parent?.lookup(typeName);
      if (!found) throw new Error(`${name}: operation_info type ${typeName} does not resolve`);
      return found.fullName.slice(1);
    };
    const rpc: GoogleRpc = {
      name,
      method: method.name,
      requestType: method.resolvedRequestType!,
      responseType: method.resolvedResponseType!,
      bindings,
      ...(info?.response_type &&
        info.metadata_type && {
          longRunning: {
            responseType: qualify(info.response_type),
            metadataType: qualify(info.metadata_type),
          },
        }),
    };
    rpcs.set(name, rpc);
    for (const binding of bindings) routes.push({ rpc, binding, ...compileTemplate(binding.template) });
  };

  const runPackage = runRoot.lookup(RUN_PACKAGE) as Namespace;
  for (const service of runPackage.nestedArray) {
    if (!(service instanceof protobuf.Service)) continue;
    for (const method of service.methodsArray) addRpc(service, method, httpBindings(method));
  }
  for (const serviceName of LOGGING_SERVICES) {
    const service = loggingRoot.lookupService(serviceName);
    for (const method of service.methodsArray) addRpc(service, method, httpBindings(method));
  }
  const operations = runRoot.lookupService('google.longrunning.Operations');
  const lroRules = readLroHttpRules(readFileSync(sources.runServicesClient, 'utf8'));
  for (const method of operations.methodsArray) {
    const rule = lroRules.get(`google.longrunning.Operations.${method.name}`);
    if (rule) addRpc(operations, method, [rule]);
  }
  // Literal segments win over variables: a concrete path matches the most specific template.
  routes.sort((a, b) => b.literals - a.literals);

  // --- Proto3 JSON ---------------------------------------------------------------------------------------
  const checkMessage = (type: Type, value: unknown, path: string, out: string[]): void => {
    const typeName = type.fullName.slice(1);
    if (SPECIAL_JSON.has(typeName) || typeName === 'google.protobuf.Empty') {
      checkWellKnown(typeName, value, path, out);
      return;
    }
    if (!isObject(value)) {
      out.push(`${at(path)} must be a JSON object (${typeName}), got ${describe(value)}`);
      return;
    }
    const setInOneof = new Map<string, string[]>();
    for (const [key, item] of Object.entries(value)) {
      const field = type.fields[key];
      const keyPath = joinPath(path, key);
      if (!field) {
        const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
        out.push(
          camel !== key && type.fields[camel]
            ? `${at(keyPath)} is the proto name; proto3 JSON uses the lowerCamelCase name "${camel}"`
            : `${at(keyPath)} is not a field of ${typeName} (unknown fields are rejected)`,
        );
        continue;
      }
      // `null` means "not set" (for a google.protobuf.Value field, NULL_VALUE): nothing to check.
      if (item === null) continue;
      if (field.partOf) {
        const members = setInOneof.get(field.partOf.name) ?? [];
        members.push(key);
        setInOneof.set(field.partOf.name, members);
      }
      checkField(field, item, keyPath, out);
    }
    for (const [oneof, members] of setInOneof) {
      if (members.length > 1) {
        out.push(
          `${at(path)} sets ${members.join(' and ')}, members of oneof ${oneof}: at most one may be set`,
        );
      }
    }
  };

  const checkField = (field: Field, value: unknown, path: string, out: string[]): void => {
    if (field.map) {
      if (!isObject(value)) {
        out.push(`${at(path)} is a map and must be a JSON object, got ${describe(value)}`);
        return;
      }
      const keyType = (field as unknown as MapField).keyType;
      for (const [key, item] of Object.entries(value)) {
        const itemPath = `${path}[${JSON.stringify(key)}]`;
        const keyProblem = mapKeyProblem(keyType, key);
        if (keyProblem) out.push(`${at(itemPath)} ${keyProblem}`);
        if (item === null) out.push(`${at(itemPath)} is null; map values cannot be null`);
        else checkSingular(field, item, itemPath, out);
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        out.push(`${at(path)} is repeated and must be a JSON array, got ${describe(value)}`);
        return;
      }
      value.forEach((item, index) => {
        const itemPath = `${path}[${index}]`;
        if (item === null && field.resolvedType?.fullName !== '.google.protobuf.Value') {
          out.push(`${at(itemPath)} is null; repeated elements cannot be null`);
        } else checkSingular(field, item, itemPath, out);
      });
      return;
    }
    checkSingular(field, value, path, out);
  };

  const checkSingular = (field: Field, value: unknown, path: string, out: string[]): void => {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) checkMessage(resolved, value, path, out);
    else if (resolved instanceof protobuf.Enum) checkEnum(resolved, value, path, out);
    else {
      const problem = scalarProblem(field.type, value);
      if (problem) out.push(`${at(path)} ${problem}`);
    }
  };

  const checkWellKnown = (typeName: string, value: unknown, path: string, out: string[]): void => {
    const problem = (text: string) => out.push(`${at(path)} ${text}`);
    switch (typeName) {
      case 'google.protobuf.Timestamp': {
        const text = timestampProblem(value);
        if (text) problem(text);
        return;
      }
      case 'google.protobuf.Duration': {
        const text = durationProblem(value);
        if (text) problem(text);
        return;
      }
      case 'google.protobuf.FieldMask': {
        if (typeof value !== 'string')
          return void problem(`(FieldMask) must be a string, got ${describe(value)}`);
        for (const part of value === '' ? [] : value.split(',')) {
          if (!FIELD_MASK_PATH.test(part)) {
            problem(`(FieldMask) path "${part}" is not lowerCamelCase field names joined by "."`);
          }
        }
        return;
      }
      case 'google.protobuf.Struct':
        if (!isObject(value)) problem(`(Struct) must be a JSON object, got ${describe(value)}`);
        return;
      case 'google.protobuf.ListValue':
        if (!Array.isArray(value)) problem(`(ListValue) must be a JSON array, got ${describe(value)}`);
        return;
      case 'google.protobuf.Value':
        return;
      case 'google.protobuf.Empty':
        if (!isObject(value) || Object.keys(value).length > 0) {
          problem(`(Empty) must be {}, got ${describe(value)}`);
        }
        return;
      case 'google.protobuf.Any':
        checkAny(value, path, out);
        return;
      default: {
        const scalar = WRAPPERS[typeName];
        if (!scalar) throw new Error(`no JSON rule for well-known type ${typeName}`);
        const text = scalarProblem(scalar, value);
        if (text) problem(`(${typeName.slice('google.protobuf.'.length)}) ${text}`);
      }
    }
  };

  const checkAny = (value: unknown, path: string, out: string[]): void => {
    if (!isObject(value)) {
      out.push(`${at(path)} (Any) must be a JSON object with "@type", got ${describe(value)}`);
      return;
    }
    const typeUrl = value['@type'];
    if (typeof typeUrl !== 'string') {
      out.push(`${at(path)} (Any) has no "@type"`);
      return;
    }
    const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    if (!typeUrl.includes('/') || typeName === '') {
      out.push(`${at(path)} (Any) "@type" ${JSON.stringify(typeUrl)} is not a type URL`);
      return;
    }
    const type = findType(typeName);
    if (!(type instanceof protobuf.Type)) {
      out.push(`${at(path)} (Any) "@type" ${typeName} is in none of the loaded protos; it cannot be checked`);
      return;
    }
    const { '@type': _type, ...rest } = value;
    if (SPECIAL_JSON.has(typeName)) {
      const extra = Object.keys(rest).filter((key) => key !== 'value');
      if (extra.length > 0) {
        out.push(`${at(path)} (Any of ${typeName}) takes only "@type" and "value", not ${extra.join(', ')}`);
      }
      if (!('value' in rest)) out.push(`${at(path)} (Any of ${typeName}) has no "value"`);
      else checkWellKnown(typeName, rest.value, joinPath(path, 'value'), out);
      return;
    }
    checkMessage(type, rest, path, out);
  };

  const checkEnum = (type: Enum, value: unknown, path: string, out: string[]): void => {
    const enumName = type.fullName.slice(1);
    if (typeof value === 'number') {
      out.push(`${at(path)} (enum ${enumName}) must be sent by name, got the number ${value}`);
    } else if (typeof value !== 'string') {
      out.push(`${at(path)} (enum ${enumName}) must be a string, got ${describe(value)}`);
    } else if (!(value in type.values)) {
      out.push(`${at(path)} (enum ${enumName}) has no value ${JSON.stringify(value)}`);
    }
  };

  const validateMessageType = (type: Type, value: unknown): string[] => {
    const out: string[] = [];
    checkMessage(type, value, '', out);
    return out;
  };

  // --- Requests ------------------------------------------------------------------------------------------
  /** Resolves `a.b.c` (JSON names) on a message type to its fields, or says why not. */
  const resolveFieldPath = (type: Type, path: string): { fields: Field[] } | { problem: string } => {
    const fields: Field[] = [];
    let current: Type = type;
    const parts = path.split('.');
    for (const [index, part] of parts.entries()) {
      const field = current.fields[part];
      if (!field) {
        const camel = part.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
        return {
          problem:
            camel !== part && current.fields[camel]
              ? `uses the proto name "${part}"; send the JSON name "${camel}"`
              : `is not a field of ${current.fullName.slice(1)}`,
        };
      }
      fields.push(field);
      if (index < parts.length - 1) {
        if (!(field.resolvedType instanceof protobuf.Type) || field.repeated || field.map) {
          return { problem: `cannot address into ${part}` };
        }
        current = field.resolvedType;
      }
    }
    return { fields };
  };

  const queryValue = (field: Field, raw: string): { value: unknown } | { problem: string } => {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) {
      if (/^-?\d+$/.test(raw)) return { problem: `is an enum and must be sent by name, got ${raw}` };
      return raw in resolved.values
        ? { value: raw }
        : { problem: `has no enum value ${JSON.stringify(raw)}` };
    }
    if (resolved instanceof protobuf.Type) {
      const typeName = resolved.fullName.slice(1);
      const scalar = WRAPPERS[typeName];
      if (scalar) return queryScalar(scalar, raw);
      if (
        typeName === 'google.protobuf.Timestamp' ||
        typeName === 'google.protobuf.Duration' ||
        typeName === 'google.protobuf.FieldMask'
      ) {
        const out: string[] = [];
        checkWellKnown(typeName, raw, '', out);
        return out.length > 0 ? { problem: out.join('; ').replace(/^\(root\) /, '') } : { value: raw };
      }
      return { problem: `is a message (${typeName}); only its scalar fields can go in the query, as a.b=v` };
    }
    return queryScalar(field.type, raw);
  };

  const validateRequest = (
    match: Extract<RpcMatch, { found: 'rpc' }>,
    request: RequestParts,
  ): ValidatedRequest => {
    const { rpc, binding, pathParams } = match;
    const violations: string[] = [];
    const message: Record<string, unknown> = {};
    const bound = new Set(Object.keys(pathParams));
    for (const [fieldPath, value] of Object.entries(pathParams)) setPath(message, fieldPath, value);

    // The body.
    let unparseable = false;
    if (binding.body === undefined) {
      if (request.rawBody !== '')
        violations.push(`body: ${rpc.method} takes no request body, but one was sent`);
    } else if (request.rawBody !== '') {
      let body: unknown;
      try {
        body = JSON.parse(request.rawBody);
      } catch {
        unparseable = true;
        violations.push('body: not valid JSON');
      }
      const contentType = contentTypeOf(request.headers);
      if (!isJsonContentType(contentType)) {
        violations.push(`body: Content-Type must be application/json, was "${contentType}"`);
      }
      if (!unparseable) {
        if (binding.body === '*') {
          violations.push(...validateMessageType(rpc.requestType, body).map((p) => `body ${p}`));
          if (isObject(body)) mergeBody(message, body, '', bound, violations);
        } else {
          const field = rpc.requestType.fields[binding.body];
          if (!field) throw new Error(`${rpc.name}: body field ${binding.body} is not in the request`);
          const out: string[] = [];
          checkField(field, body, '', out);
          violations.push(...out.map((p) => `body ${p.replace(/^\(root\)/, `(${binding.body})`)}`));
          if (isObject(body)) {
            const target = (message[binding.body] ??= {}) as Record<string, unknown>;
            mergeBody(target, body, `${binding.body}.`, bound, violations);
          } else message[binding.body] = body;
        }
      }
    }

    // The query.
    const seen = new Set<string>();
    for (const [name, raw] of request.query) {
      if (name in SYSTEM_PARAMETERS) {
        const problem = SYSTEM_PARAMETERS[name]!(raw);
        if (problem) violations.push(`query ${name}: ${problem}`);
        continue;
      }
      if (CREDENTIAL_PARAMETERS.has(name)) {
        violations.push(`query ${name}: credentials go in the Authorization header, never in the URL`);
        continue;
      }
      if (binding.body === '*') {
        violations.push(`query ${name}: ${rpc.method} takes every field in the body (body: "*")`);
        continue;
      }
      const resolved = resolveFieldPath(rpc.requestType, name);
      if ('problem' in resolved) {
        violations.push(`query ${name}: ${resolved.problem}`);
        continue;
      }
      if (bound.has(name)) {
        violations.push(`query ${name}: is bound by the path`);
        continue;
      }
      if (binding.body !== undefined && (name === binding.body || name.startsWith(`${binding.body}.`))) {
        violations.push(`query ${name}: is part of the body (body: "${binding.body}")`);
        continue;
      }
      const field = resolved.fields.at(-1)!;
      if (field.map) {
        violations.push(`query ${name}: a map cannot be a query parameter`);
        continue;
      }
      if (seen.has(name) && !field.repeated) violations.push(`query ${name}: sent more than once`);
      seen.add(name);
      const parsed = queryValue(field, raw);
      if ('problem' in parsed) {
        violations.push(`query ${name}: ${parsed.problem}`);
        continue;
      }
      if (field.repeated) {
        const list = (getPath(message, name) as unknown[] | undefined) ?? [];
        setPath(message, name, [...list, parsed.value]);
      } else setPath(message, name, parsed.value);
    }

    // Top-level REQUIRED fields.
    for (const field of rpc.requestType.fieldsArray) {
      if (field.options?.['(google.api.field_behavior)'] !== 'REQUIRED') continue;
      const value = message[field.name];
      const empty =
        value === undefined ||
        value === '' ||
        (Array.isArray(value) && value.length === 0) ||
        (field.resolvedType instanceof protobuf.Type && isObject(value) && Object.keys(value).length === 0);
      if (empty) violations.push(`${field.name}: is required (field_behavior REQUIRED) but missing`);
    }
    return { violations, message, unparseable };
  };

  // --- Responses -----------------------------------------------------------------------------------------
  const validateError = (status: number, body: unknown): string[] => {
    const problems: string[] = [];
    if (!isObject(body) || !isObject(body.error)) {
      return [`is not Google's JSON error shape {"error": {code, message, status, details}}`];
    }
    const extraTop = Object.keys(body).filter((key) => key !== 'error');
    if (extraTop.length > 0) problems.push(`has ${extraTop.join(', ')} beside "error"`);
    const error = body.error;
    const extra = Object.keys(error).filter((key) => !['code', 'message', 'status', 'details'].includes(key));
    if (extra.length > 0) problems.push(`error has unknown fields ${extra.join(', ')}`);
    if (error.code !== status)
      problems.push(`error.code ${String(error.code)} is not the HTTP status ${status}`);
    if (typeof error.message !== 'string' || error.message === '')
      problems.push('error.message must be text');
    const code = typeof error.status === 'string' ? codes.get(error.status) : undefined;
    if (!code) problems.push(`error.status ${JSON.stringify(error.status)} is not a google.rpc.Code name`);
    else if (code.http !== status) {
      problems.push(`error.status ${code.name} maps to HTTP ${code.http} (code.proto), not ${status}`);
    }
    if (error.details !== undefined) {
      if (!Array.isArray(error.details)) problems.push('error.details must be an array');
      else {
        error.details.forEach((detail, index) => {
          const out: string[] = [];
          checkAny(detail, `error.details[${index}]`, out);
          problems.push(...out);
        });
      }
    }
    return problems;
  };

  const validateOperation = (operation: unknown, longRunning?: GoogleRpc['longRunning']): string[] => {
    const problems = validateMessageType(runRoot.lookupType('google.longrunning.Operation'), operation);
    if (!isObject(operation)) return problems;
    const hasError = operation.error !== undefined && operation.error !== null;
    const hasResponse = operation.response !== undefined && operation.response !== null;
    if (operation.done === true && hasError === hasResponse) {
      problems.push('a done Operation has exactly one of "error" and "response"');
    }
    if (operation.done !== true && (hasError || hasResponse)) {
      problems.push('an Operation that is not done has neither "error" nor "response"');
    }
    const typeOf = (any: unknown) => (isObject(any) ? any['@type'] : undefined);
    if (longRunning && operation.metadata !== undefined) {
      const expected = `type.googleapis.com/${longRunning.metadataType}`;
      if (typeOf(operation.metadata) !== expected) {
        problems.push(`metadata "@type" is ${JSON.stringify(typeOf(operation.metadata))}, not ${expected}`);
      }
    }
    if (longRunning && hasResponse) {
      const expected = `type.googleapis.com/${longRunning.responseType}`;
      if (typeOf(operation.response) !== expected) {
        problems.push(`response "@type" is ${JSON.stringify(typeOf(operation.response))}, not ${expected}`);
      }
    }
    return problems;
  };

  return {
    source: {
      name: "Google's Cloud Run Admin API v2 and Cloud Logging v2 protos",
      files: Object.values(sources),
    },
    rpcs,
    codes,

    route(method, path) {
      const upper = method.toUpperCase();
      const candidates = routes.filter((route) => route.pattern.test(path));
      const hit = candidates.find((route) => route.binding.method === upper);
      if (hit) {
        const captured = hit.pattern.exec(path)!;
        const pathParams: Record<string, string> = {};
        hit.variables.forEach((variable, index) => {
          pathParams[variable] = safeDecode(captured[index + 1] ?? '');
        });
        return { found: 'rpc', rpc: hit.rpc, binding: hit.binding, pathParams };
      }
      if (candidates.length > 0) {
        return {
          found: 'path',
          templates: [...new Set(candidates.map((route) => route.binding.template))],
          methods: [...new Set(candidates.map((route) => route.binding.method))],
        };
      }
      return { found: 'nothing' };
    },

    rpc(name) {
      const rpc = rpcs.get(name);
      if (!rpc) throw new Error(`no RPC ${name} in the loaded protos`);
      return rpc;
    },

    validateRequest,

    validateResponse(rpc, status, body) {
      let problems: string[];
      if (status === 200) {
        problems =
          rpc.responseType.fullName === '.google.longrunning.Operation'
            ? validateOperation(body, rpc.longRunning)
            : validateMessageType(rpc.responseType, body);
      } else if (status >= 400) problems = validateError(status, body);
      else problems = [`is not a status Google APIs answer (200 for success)`];
      return problems.map((problem) => `response ${status} ${problem}`);
    },

    validateError,
    validateOperation,

    validateMessage(typeName, value) {
      const type = findType(typeName);
      if (!(type instanceof protobuf.Type))
        throw new Error(`no message type ${typeName} in the loaded protos`);
      return validateMessageType(type, value);
    },

    enumValues(enumName) {
      const type = findType(enumName);
      if (!(type instanceof protobuf.Enum)) throw new Error(`no enum ${enumName} in the loaded protos`);
      return Object.entries(type.values)
        .map(([name, number]) => ({ name, number }))
        .sort((a, b) => a.number - b.number);
    },
  };
}

/** The `google.api.http` rule of a method: its main binding and any `additional_bindings`. */
function httpBindings(method: Method): HttpBinding[] {
  const rule = optionOf(method, '(google.api.http)') as Record<string, unknown> | undefined;
  if (!rule) return [];
  const toBinding = (entry: Record<string, unknown>): HttpBinding | undefined => {
    for (const verb of ['get', 'put', 'post', 'delete', 'patch']) {
      if (typeof entry[verb] === 'string') {
        return {
          method: verb.toUpperCase(),
          template: entry[verb],
          ...(typeof entry.body === 'string' && entry.body !== '' && { body: entry.body }),
        };
      }
    }
    const custom = entry.custom as { kind?: string; path?: string } | undefined;
    if (custom?.kind && custom.path) {
      return {
        method: custom.kind.toUpperCase(),
        template: custom.path,
        ...(typeof entry.body === 'string' && entry.body !== '' && { body: entry.body }),
      };
    }
    return undefined;
  };
  const additional = rule.additional_bindings;
  const extra = Array.isArray(additional) ? additional : additional === undefined ? [] : [additional];
  return [rule, ...(extra as Record<string, unknown>[])]
    .map(toBinding)
    .filter((binding): binding is HttpBinding => binding !== undefined);
}

function optionOf(method: Method, name: string): unknown {
  return method.parsedOptions?.find((option) => name in option)?.[name];
}

/**
 * Reads `lroOptions.httpRules = [{selector, get|post|delete, body}, ...]` from the generated client. It is
 * generated code of a fixed shape; anything else throws, so the emulator never silently loses the routes.
 */
function readLroHttpRules(source: string): Map<string, HttpBinding> {
  const block = /lroOptions\.httpRules\s*=\s*\[([\s\S]*?)\];/.exec(source)?.[1];
  if (!block) throw new Error('no lroOptions.httpRules in the Cloud Run Services client');
  const rules = new Map<string, HttpBinding>();
  for (const entry of block.split(/\}\s*,?\s*\{/)) {
    const selector = /selector:\s*'([^']+)'/.exec(entry)?.[1];
    const verb = /\b(get|post|put|patch|delete):\s*'([^']+)'/.exec(entry);
    const body = /\bbody:\s*'([^']*)'/.exec(entry)?.[1];
    if (!selector || !verb) throw new Error(`unreadable HTTP rule in the Cloud Run client: ${entry.trim()}`);
    rules.set(selector, {
      method: verb[1]!.toUpperCase(),
      template: verb[2]!,
      ...(body && { body }),
    });
  }
  if (!rules.has('google.longrunning.Operations.GetOperation')) {
    throw new Error('the Cloud Run client has no HTTP rule for google.longrunning.Operations.GetOperation');
  }
  return rules;
}

/**
 * code.proto's enum with each value's `HTTP Mapping: NNN` comment: the table Google's JSON errors follow
 * (`status` name, `code` HTTP status).
 */
function parseCodes(source: string): Map<string, CanonicalCode> {
  const codes = new Map<string, CanonicalCode>();
  let comment: string[] = [];
  for (const line of source.split('\n')) {
    const text = line.trim();
    if (text.startsWith('//')) {
      comment.push(text);
      continue;
    }
    const value = /^([A-Z_]+)\s*=\s*(\d+);/.exec(text);
    if (value) {
      const http = /HTTP Mapping:\s*(\d{3})/.exec(comment.join(' '))?.[1];
      if (!http) throw new Error(`code.proto: no HTTP mapping for ${value[1]}`);
      codes.set(value[1]!, { name: value[1]!, number: Number(value[2]), http: Number(http) });
    }
    comment = [];
  }
  if (codes.size < 17) throw new Error(`code.proto: expected the 17 canonical codes, found ${codes.size}`);
  return codes;
}

/**
 * A path template (google/api/http.proto grammar) as a regular expression with one capture per variable.
 * `*` is one segment, `**` the rest; a trailing `:verb` is literal. Segments never contain `:`, so a custom
 * method (`...:wait`) is not mistaken for the resource path before it.
 */
export function compileTemplate(template: string): {
  pattern: RegExp;
  variables: string[];
  literals: number;
} {
  if (!template.startsWith('/')) throw new Error(`path template ${template} does not start with /`);
  let depth = 0;
  let verbAt = -1;
  let lastSlash = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (depth === 0 && c === '/') lastSlash = i;
    else if (depth === 0 && c === ':' && i > lastSlash) verbAt = i;
  }
  const body = verbAt < 0 ? template.slice(1) : template.slice(1, verbAt);
  const verb = verbAt < 0 ? '' : template.slice(verbAt);
  const variables: string[] = [];
  let literals = 0;
  const segment = (part: string): string => {
    if (part === '*') return '[^/:]+';
    if (part === '**') return '[^:]+';
    literals++;
    return escapeRegExp(part);
  };
  const parts: string[] = [];
  depth = 0;
  let current = '';
  for (const c of body) {
    if (c === '{') depth++;
    if (c === '}') depth--;
    if (c === '/' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  const source = parts
    .map((part) => {
      if (!part.startsWith('{')) return segment(part);
      const inner = part.slice(1, -1);
      const eq = inner.indexOf('=');
      const fieldPath = eq < 0 ? inner : inner.slice(0, eq);
      const sub = eq < 0 ? '*' : inner.slice(eq + 1);
      variables.push(fieldPath);
      return `(${sub.split('/').map(segment).join('/')})`;
    })
    .join('/');
  return { pattern: new RegExp(`^/${source}${escapeRegExp(verb)}$`), variables, literals };
}

function mergeBody(
  target: Record<string, unknown>,
  body: Record<string, unknown>,
  prefix: string,
  bound: ReadonlySet<string>,
  violations: string[],
): void {
  for (const [key, value] of Object.entries(body)) {
    const fieldPath = `${prefix}${key}`;
    if (bound.has(fieldPath) && target[key] !== undefined && target[key] !== value) {
      violations.push(
        `body ${fieldPath}: ${JSON.stringify(value)} contradicts the path, which binds ${JSON.stringify(target[key])}`,
      );
      continue;
    }
    if (bound.has(fieldPath)) continue;
    if (isObject(value) && isObject(target[key])) {
      mergeBody(target[key] as Record<string, unknown>, value, `${fieldPath}.`, bound, violations);
    } else target[key] = value;
  }
}

function queryScalar(type: string, raw: string): { value: unknown } | { problem: string } {
  const range = INTEGER_RANGES[type];
  if (range) {
    if (!/^-?\d+$/.test(raw))
      return { problem: `must be a decimal integer (${type}), got ${JSON.stringify(raw)}` };
    const big = BigInt(raw);
    if (big < range.min || big > range.max) return { problem: `is out of range for ${type}` };
    return { value: range.json === 'number' ? Number(raw) : raw };
  }
  switch (type) {
    case 'bool':
      return raw === 'true' || raw === 'false'
        ? { value: raw === 'true' }
        : { problem: `must be true or false, got ${JSON.stringify(raw)}` };
    case 'double':
    case 'float':
      return Number.isFinite(Number(raw)) && raw.trim() !== ''
        ? { value: Number(raw) }
        : { problem: `must be a number, got ${JSON.stringify(raw)}` };
    case 'bytes':
      return BASE64.test(raw) ? { value: raw } : { problem: 'must be base64' };
    default:
      return { value: raw };
  }
}

function scalarProblem(type: string, value: unknown): string | undefined {
  const range = INTEGER_RANGES[type];
  if (range) {
    if (range.json === 'string') {
      if (typeof value === 'number')
        return `(${type}) must be a JSON string in proto3 JSON, got the number ${value}`;
      if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
        return `(${type}) must be a decimal integer string, got ${describe(value)}`;
      }
    } else {
      if (typeof value === 'string')
        return `(${type}) must be a JSON number, got the string ${JSON.stringify(value)}`;
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        return `(${type}) must be an integer, got ${describe(value)}`;
      }
    }
    const big = BigInt(value as string | number);
    return big < range.min || big > range.max ? `(${type}) ${String(value)} is out of range` : undefined;
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : `must be a string, got ${describe(value)}`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `must be true or false, got ${describe(value)}`;
    case 'double':
    case 'float':
      if (typeof value === 'number' && Number.isFinite(value)) {
        return type === 'float' && Math.abs(value) > 3.4028234663852886e38
          ? '(float) is out of range'
          : undefined;
      }
      return value === 'NaN' || value === 'Infinity' || value === '-Infinity'
        ? undefined
        : `(${type}) must be a number, got ${describe(value)}`;
    case 'bytes':
      return typeof value === 'string' && BASE64.test(value) ? undefined : `(bytes) must be base64 text`;
    default:
      throw new Error(`no JSON rule for scalar type ${type}`);
  }
}

function mapKeyProblem(keyType: string, key: string): string | undefined {
  if (keyType === 'string') return undefined;
  if (keyType === 'bool')
    return key === 'true' || key === 'false' ? undefined : 'map key must be true or false';
  const range = INTEGER_RANGES[keyType];
  if (range && /^-?\d+$/.test(key) && BigInt(key) >= range.min && BigInt(key) <= range.max) return undefined;
  return `map key is not a ${keyType}`;
}

function timestampProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `(Timestamp) must be an RFC 3339 string, got ${describe(value)}`;
  const match = RFC3339.exec(value);
  if (!match) return `(Timestamp) ${JSON.stringify(value)} is not RFC 3339 (e.g. 2026-01-02T03:04:05.678Z)`;
  const year = Number(match[1]);
  if (year < 1 || Number.isNaN(Date.parse(value)))
    return `(Timestamp) ${JSON.stringify(value)} is not a valid time`;
  return undefined;
}

function durationProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `(Duration) must be a string like "1.5s", got ${describe(value)}`;
  const match = DURATION.exec(value);
  if (!match) return `(Duration) ${JSON.stringify(value)} is not seconds with an "s" suffix, e.g. "1.5s"`;
  return BigInt(match[2]!) > MAX_DURATION_SECONDS ? `(Duration) ${value} is out of range` : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function at(path: string): string {
  return path === '' ? '(root)' : path;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = target;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(current[part])) current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts.at(-1)!] = value;
}

function getPath(target: Record<string, unknown>, path: string): unknown {
  let current: unknown = target;
  for (const part of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
