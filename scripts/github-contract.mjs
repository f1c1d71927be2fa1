#!/usr/bin/env node
// Cuts the GitHub emulator's contract fixture (test-kit/emulators/github-contract.json) out of GitHub's
// OpenAPI description as `@octokit/openapi` ships it (generated/api.github.com.json, 13 MB; the package is
// 385 MB installed, so it is not a dependency: install it only to regenerate or check).
//
// The fixture keeps, at their own JSON pointers and under GitHub's own component names and `$ref`s:
// - `paths`: the operations the emulator serves (test-kit/emulators/github-operations.ts), and
// - `components`: every component reachable from them,
// with annotations the validators never read left out (descriptions, summaries, examples, titles, tags,
// `x-*` extensions but `x-multi-segment`). `x-routes` lists every path and method of the whole description
// with its operationId, so the emulator tells a real but unserved endpoint (501) from a typo (404).
// `x-fixture` records where it all came from.
//
//   node scripts/node24.mjs scripts/github-contract.mjs          regenerate the fixture
//   node scripts/node24.mjs scripts/github-contract.mjs --check  fail when the committed fixture differs
//
// Needs Node 24 (it imports github-operations.ts as it is) and the package, at the version the fixture
// records when checking: `npm i --no-save @octokit/openapi@<version>`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const PACKAGE = '@octokit/openapi';
const DOCUMENT = 'generated/api.github.com.json';
const FIXTURE = fileURLToPath(new URL('../test-kit/emulators/github-contract.json', import.meta.url));
const OPERATIONS = new URL('../test-kit/emulators/github-operations.ts', import.meta.url);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Annotations the validators never read. */
const ANNOTATIONS = new Set([
  'description',
  'summary',
  'example',
  'examples',
  'externalDocs',
  'tags',
  'title',
]);
/** Keywords whose values are data: copied as they are, nothing inside them is a keyword. */
const DATA_KEYWORDS = new Set(['default', 'enum', 'const', 'required']);

const check = process.argv.includes('--check');
const unknown = process.argv.slice(2).filter((arg) => arg !== '--check');
if (unknown.length > 0) fail(`unknown argument ${unknown.join(' ')}; usage: github-contract.mjs [--check]`);

const committed = existsSync(FIXTURE) ? readFileSync(FIXTURE, 'utf8') : undefined;
const recordedVersion = committed === undefined ? undefined : JSON.parse(committed)['x-fixture']?.version;
const source = locateDescription(recordedVersion);
const { EMULATED_OPERATIONS } = await importOperations();
const fixture = cut(JSON.parse(readFileSync(source.file, 'utf8')), EMULATED_OPERATIONS, source);
const text = await prettier.format(JSON.stringify(fixture), {
  ...(await prettier.resolveConfig(FIXTURE)),
  filepath: FIXTURE,
});

if (check) {
  if (committed === text) {
    console.log(`${relative(FIXTURE)} is what ${PACKAGE}@${source.version} gives.`);
  } else {
    fail(
      `${relative(FIXTURE)} is not what ${PACKAGE}@${source.version} gives` +
        (recordedVersion === source.version
          ? ''
          : ` (the fixture records ${recordedVersion ?? 'no version'})`) +
        `. Regenerate it: node scripts/node24.mjs scripts/github-contract.mjs`,
    );
  }
} else {
  writeFileSync(FIXTURE, text);
  const kept = Object.keys(fixture.components).reduce(
    (n, key) => n + Object.keys(fixture.components[key]).length,
    0,
  );
  console.log(
    `wrote ${relative(FIXTURE)}: ${Object.keys(EMULATED_OPERATIONS).length} operations, ${kept} components, ` +
      `${Object.keys(fixture['x-routes']).length} routed paths, ${text.length} bytes, from ${PACKAGE}@${source.version}`,
  );
}

/** The description file and the package version; exits with what to install when the package is missing. */
function locateDescription(version) {
  const require = createRequire(import.meta.url);
  let file;
  let manifest;
  try {
    file = require.resolve(`${PACKAGE}/${DOCUMENT}`);
    manifest = JSON.parse(readFileSync(require.resolve(`${PACKAGE}/package.json`), 'utf8'));
  } catch {
    fail(
      `${PACKAGE} is not installed (it is 385 MB, so it is no dependency of this repository). Install it for ` +
        `this run only, then run this again:\n  npm i --no-save ${PACKAGE}@${version ?? 'latest'}`,
    );
  }
  if (check && version !== undefined && manifest.version !== version) {
    fail(
      `${PACKAGE}@${manifest.version} is installed, but the fixture was cut from ${version}. To check it:\n` +
        `  npm i --no-save ${PACKAGE}@${version}\nor regenerate it from ${manifest.version}: ` +
        'node scripts/node24.mjs scripts/github-contract.mjs',
    );
  }
  return { file, version: manifest.version, bytes: readFileSync(file).length };
}

async function importOperations() {
  try {
    return await import(OPERATIONS.href);
  } catch (error) {
    fail(
      `cannot import ${relative(fileURLToPath(OPERATIONS))} (${error.message}); run this on Node 24: ` +
        `node scripts/node24.mjs scripts/github-contract.mjs${check ? ' --check' : ''}`,
    );
  }
}

/** The fixture: the served operations, what they reach, the route table, and where it came from. */
function cut(full, operations, source) {
  const kept = new Set();
  const pending = [];
  for (const [operationId, { method, template }] of Object.entries(operations)) {
    if (full.paths[template]?.[method]?.operationId !== operationId) {
      fail(`GitHub's description has no ${operationId} at ${method.toUpperCase()} ${template}`);
    }
    pending.push(['paths', template, method]);
    if (full.paths[template].parameters) pending.push(['paths', template, 'parameters']);
  }
  while (pending.length > 0) {
    const path = pending.pop();
    const key = path.join('\u0000');
    if (kept.has(key)) continue;
    kept.add(key);
    const node = path.reduce((parent, segment) => parent?.[segment], full);
    if (node === undefined) fail(`unresolvable $ref #/${path.join('/')}`);
    for (const ref of refsOf(strip(node))) pending.push(pointerPath(ref));
  }
  const has = (...path) => kept.has(path.join('\u0000'));

  // Document order throughout, so the fixture does not depend on the walk.
  const paths = {};
  for (const [template, item] of Object.entries(full.paths)) {
    const entries = Object.keys(item).filter((key) => has('paths', template, key));
    if (entries.length > 0)
      paths[template] = Object.fromEntries(entries.map((key) => [key, strip(item[key], key)]));
  }
  const components = {};
  for (const [section, entries] of Object.entries(full.components)) {
    const names = Object.keys(entries).filter((name) => has('components', section, name));
    if (names.length > 0)
      components[section] = Object.fromEntries(names.map((name) => [name, strip(entries[name])]));
  }
  let operationCount = 0;
  const routes = {};
  for (const [template, item] of Object.entries(full.paths)) {
    const methods = {};
    const multiSegment = new Set();
    for (const list of [item.parameters, ...HTTP_METHODS.map((method) => item[method]?.parameters)]) {
      for (const entry of list ?? []) {
        const parameter = entry.$ref
          ? pointerPath(entry.$ref).reduce((parent, segment) => parent[segment], full)
          : entry;
        if (parameter.in === 'path' && parameter['x-multi-segment'] === true)
          multiSegment.add(parameter.name);
      }
    }
    for (const method of HTTP_METHODS) {
      if (!item[method]) continue;
      operationCount++;
      methods[method] = item[method].operationId;
    }
    routes[template] = { methods, ...(multiSegment.size > 0 && { multiSegment: [...multiSegment] }) };
  }
  return {
    'x-fixture': {
      generator: 'scripts/github-contract.mjs',
      package: PACKAGE,
      version: source.version,
      file: DOCUMENT,
      bytes: source.bytes,
      paths: Object.keys(full.paths).length,
      operations: operationCount,
    },
    openapi: full.openapi,
    info: { title: full.info.title, version: full.info.version },
    servers: full.servers,
    paths,
    components,
    'x-routes': routes,
  };
}

/**
 * A node without annotations. A `properties` map is walked value by value (a property may be named
 * `title`); data keywords are copied; an operation keeps only the URL of its `externalDocs` (what GitHub
 * puts in an error's `documentation_url`).
 */
function strip(node, key) {
  if (Array.isArray(node)) return node.map((item) => strip(item));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') return { $ref: node.$ref };
  const operation = HTTP_METHODS.includes(key) && typeof node.operationId === 'string';
  const result = {};
  for (const [name, value] of Object.entries(node)) {
    if (operation && name === 'externalDocs') result.externalDocs = { url: value.url };
    else if (ANNOTATIONS.has(name) || (name.startsWith('x-') && name !== 'x-multi-segment')) continue;
    else if (DATA_KEYWORDS.has(name)) result[name] = value;
    else if (name === 'properties' && value !== null && typeof value === 'object') {
      result[name] = Object.fromEntries(
        Object.entries(value).map(([property, schema]) => [property, strip(schema)]),
      );
    } else result[name] = strip(value);
  }
  return result;
}

function refsOf(node, found = []) {
  if (Array.isArray(node)) node.forEach((item) => refsOf(item, found));
  else if (node !== null && typeof node === 'object') {
    if (typeof node.$ref === 'string') found.push(node.$ref);
    else Object.values(node).forEach((value) => refsOf(value, found));
  }
  return found;
}

/** `#/components/schemas/a~1b` -> ['components', 'schemas', 'a/b']. */
function pointerPath(ref) {
  if (!ref.startsWith('#/')) fail(`external $ref ${ref} is not supported`);
  return ref
    .slice(2)
    .split('/')
    .map((segment) => decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~'));
}

function relative(file) {
  return file.replace(fileURLToPath(new URL('..', import.meta.url)), '');
}

function fail(message) {
  console.error(`github-contract: ${message}`);
  process.exit(1);
}
