#!/usr/bin/env node
// The whole test command (`npm test`), in order: typecheck, lint, unit, integration, end-to-end and fault
// tests on Node 24, the README's Reliability table generated from what they recorded, then the check that
// the committed dist/ equals a fresh build. Stops at the first failing stage and ends with one "N passed,
// N failed" line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireNode24 } from './node24.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const node24 = requireNode24();
const tmp = join(root, '.tmp');
mkdirSync(tmp, { recursive: true });
const bin = (name) => join(root, 'node_modules', '.bin', name);
const totals = { passed: 0, failed: 0 };
/** Files the stages record for the Reliability table must be newer than this, or they are stale. */
const runStartedAt = Date.now();
// The runner appends one record per case here (test-kit/ground-truth.ts): start from none.
rmSync(join(tmp, 'reliability', 'cases'), { recursive: true, force: true });

function stage(name, command, args, env = {}) {
  console.log(`\n=== ${name}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = result.status === 0;
  console.log(`=== ${name}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  return ok;
}

function jest(name, folder, extraArgs = []) {
  const out = join(tmp, `jest-${folder}.json`);
  rmSync(out, { force: true });
  const ok = stage(
    name,
    node24,
    [
      join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
      `__tests__/${folder}`,
      '--json',
      `--outputFile=${out}`,
      ...extraArgs,
    ],
    {
      NODE_OPTIONS: '--experimental-vm-modules --no-warnings=ExperimentalWarning',
    },
  );
  if (existsSync(out)) {
    const summary = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += summary.numPassedTests;
    totals.failed += summary.numFailedTests;
    if (summary.numTotalTests === 0) {
      console.error(`${name}: no test ran`);
      return false;
    }
  }
  return ok;
}

function distMatchesFreshBuild() {
  const fresh = join(tmp, 'dist-fresh');
  if (!stage('build dist/ afresh', node24, [join(root, 'scripts', 'build.mjs'), fresh])) return false;
  const list = (dir) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
      .sort();
  const committed = join(root, 'dist');
  const a = existsSync(committed) ? list(committed) : [];
  const b = list(fresh);
  const differing = [...new Set([...a, ...b])].filter(
    (file) =>
      !a.includes(file) ||
      !b.includes(file) ||
      !readFileSync(join(committed, file)).equals(readFileSync(join(fresh, file))),
  );
  if (differing.length > 0) {
    console.error(
      `dist/ differs from a fresh build in: ${differing.join(', ')}\nFix: run \`npm run build\` and commit dist/.`,
    );
    totals.failed++;
    return false;
  }
  console.log('dist/ matches a fresh build.');
  totals.passed++;
  return true;
}

const stages = [
  () => stage('typecheck', node24, [bin('tsc'), '--noEmit', '-p', 'tsconfig.json']),
  () =>
    stage('lint', node24, [bin('eslint'), '.']) && stage('format', node24, [bin('prettier'), '--check', '.']),
  () => jest('unit tests', 'unit'),
  () => jest('integration tests', 'integration'),
  // Three files at a time: an end-to-end case spends most of its time waiting (soak windows, timeouts,
  // polling), not computing. The fault suite, which bounds every case's time, runs one file at a time.
  () => jest('end-to-end tests', 'e2e', ['--maxWorkers=3']),
  () => jest('fault tests', 'fault'),
  () =>
    stage('reliability table', node24, [join(root, 'scripts', 'reliability.mjs'), `--since=${runStartedAt}`]),
  distMatchesFreshBuild,
];
let ok = true;
for (const run of stages) {
  if (!run()) {
    ok = false;
    break;
  }
}
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(ok && totals.failed === 0 ? 0 : 1);
