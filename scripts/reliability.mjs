#!/usr/bin/env node
// Writes the README's Reliability block (between `<!-- reliability:start -->` and `<!-- reliability:end -->`)
// from what the test command observed in this run, and fails when a figure is not what it must be:
// - `.tmp/reliability/cases/*.jsonl`: every `main` the end-to-end and fault suites ran, each with the truth
//   its test declared and what the runner observed (test-kit/ground-truth.ts), recorded before the test
//   asserted anything; scripts/lib/ground-truth.mjs counts the disagreements;
// - `.tmp/reliability/<name>.json` of every `__tests__/fault/<name>.test.ts`: the known-bug reproductions;
// - `.tmp/reliability/fuzz.json`: the fuzz runs of `__tests__/unit/fuzz.test.ts`, as executed;
// - `.tmp/jest-unit.json` and `.tmp/jest-e2e.json` (Jest's --json reports): the bad-input tests that passed,
//   `getConfig › rejects …` in `__tests__/unit/config/index.test.ts` and `bad inputs › …` in
//   `__tests__/e2e/hardening.test.ts`;
// - test-kit/limits.json: the time margin and the memory limit every case is held to.
// Usage: node scripts/reliability.mjs --since=<epoch ms> (the test command passes its start): a file written
// before that moment is stale and fails the run, so the table never mixes runs. The table is printed even
// when a figure is wrong (so a planted wrong case shows as 1); README.md is written only when all are right.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { caseName, countDisagreements } from './lib/ground-truth.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const START = '<!-- reliability:start -->';
const END = '<!-- reliability:end -->';
const sinceArg = process.argv.find((arg) => arg.startsWith('--since='));
const since = sinceArg ? Number(sinceArg.slice('--since='.length)) : NaN;
if (!Number.isFinite(since)) {
  console.error(
    'Usage: node scripts/reliability.mjs --since=<epoch ms>. Without the moment the test run started, ' +
      'records of an earlier run could be counted. Fix: run it through `npm test`, which passes its start.',
  );
  process.exit(2);
}
const limits = JSON.parse(readFileSync(join(root, 'test-kit', 'limits.json'), 'utf8'));

const problems = [];
const show = (path) => relative(root, path);

/** Reads a JSON file this run must have written; records a problem and returns undefined otherwise. */
function readFresh(path, what) {
  if (!existsSync(path)) {
    problems.push(`${show(path)} is missing: ${what} did not run, or not every case of it passed`);
    return undefined;
  }
  if (statSync(path).mtimeMs < since) {
    problems.push(`${show(path)} is stale (written before this test run): ${what} did not record this run`);
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`${show(path)} is not JSON: ${error.message}`);
    return undefined;
  }
}

const count = (value) => (Number.isInteger(value) && value >= 0 ? value : NaN);

// The cases: every main the e2e and fault suites ran in this test run.
const casesDir = join(root, '.tmp', 'reliability', 'cases');
const caseFiles = existsSync(casesDir)
  ? readdirSync(casesDir)
      .filter((name) => name.endsWith('.jsonl'))
      .map((name) => join(casesDir, name))
  : [];
const records = caseFiles
  .filter((path) => {
    if (statSync(path).mtimeMs >= since) return true;
    problems.push(`${show(path)} is stale (written before this test run): clear .tmp/reliability/cases/`);
    return false;
  })
  .flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line)),
  );
const found = countDisagreements(records, limits);
if (found.e2e === 0) problems.push('no end-to-end case was recorded in this run');
if (found.fault === 0) problems.push('no fault case was recorded in this run');
if (found.undeclared.length > 0) {
  problems.push(
    `${found.undeclared.length} cases declare no truth (give \`truth\` to their Job or step): ` +
      found.undeclared.slice(0, 10).map(caseName).join('; '),
  );
}
if (found.unmeasured.length > 0) {
  problems.push(
    `${found.unmeasured.length} cases have no peak RSS: ${found.unmeasured.slice(0, 5).map(caseName).join('; ')}`,
  );
}

// Fault ledgers: one per fault test file.
const faultDir = join(root, '__tests__', 'fault');
const faultFiles = existsSync(faultDir)
  ? readdirSync(faultDir)
      .filter((name) => name.endsWith('.test.ts'))
      .map((name) => basename(name, '.test.ts'))
      .sort()
  : [];
if (faultFiles.length === 0) problems.push('__tests__/fault/ has no test files');
const ledgers = [];
for (const name of faultFiles) {
  const ledger = readFresh(
    join(root, '.tmp', 'reliability', `${name}.json`),
    `__tests__/fault/${name}.test.ts`,
  );
  if (!ledger) continue;
  ledgers.push({ name, ...ledger });
}

// Fuzzing.
const fuzz = readFresh(join(root, '.tmp', 'reliability', 'fuzz.json'), '__tests__/unit/fuzz.test.ts');
if (fuzz && (Number.isNaN(count(fuzz.fuzzRuns)) || fuzz.fuzzRuns === 0)) {
  problems.push('.tmp/reliability/fuzz.json records no fuzz runs');
}

// Bad inputs, from Jest's own reports of this run.
function passedTests(report, file, select) {
  const path = join(root, '.tmp', report);
  const json = readFresh(path, `the Jest stage that writes ${report}`);
  if (!json) return undefined;
  const suite = (json.testResults ?? []).find((result) => result.name?.endsWith(file));
  if (!suite) {
    problems.push(`${report} has no results for ${file}`);
    return undefined;
  }
  const selected = (suite.assertionResults ?? []).filter(select);
  const failed = selected.filter((test) => test.status !== 'passed');
  if (selected.length === 0) problems.push(`${report}: no bad-input tests found in ${file}`);
  if (failed.length > 0) problems.push(`${report}: ${failed.length} bad-input tests of ${file} did not pass`);
  return selected.length - failed.length;
}
const viaConfig = passedTests(
  'jest-unit.json',
  '__tests__/unit/config/index.test.ts',
  (test) => test.ancestorTitles?.[0] === 'getConfig' && /^rejects /.test(test.title ?? ''),
);
const viaDist = passedTests('jest-e2e.json', '__tests__/e2e/hardening.test.ts', (test) =>
  (test.ancestorTitles ?? []).includes('bad inputs'),
);

// Bugs the suites reproduce but that are not fixed yet (`test.failing` reproductions): shown, not counted
// in the figures above them, which are what the judged cases and the fuzzed properties measured.
const knownBugs = [
  ...(Array.isArray(fuzz?.knownBugs) ? fuzz.knownBugs : []),
  ...ledgers.flatMap((l) => l.knownBugs ?? []),
];

// The figures: disagreements between truth and observation, over every case.
const figures = {
  'false passes': found.falsePasses,
  'false rollbacks': found.falseRollbacks,
  'missed rollbacks': found.missedRollbacks,
  leaks: found.leaks,
  hangs: found.hangs,
  'cases over the memory limit': found.overMemory,
};
for (const [label, cases] of Object.entries(figures)) {
  if (cases.length !== 0) {
    problems.push(`${label}: ${cases.length}; it must be 0 (${cases.slice(0, 5).map(caseName).join('; ')})`);
  }
}
// A reproduced leak, crash, false pass or hang is one, whether or not a test names it in advance.
for (const bug of knownBugs) problems.push(`a known bug still reproduces (${bug.kind}): ${bug.name}`);

const number = (n) => (Number.isFinite(n) ? n.toLocaleString('en-US') : '?');
const kinds = Object.entries(Object.groupBy(knownBugs, (bug) => bug.kind)).map(
  ([kind, bugs]) => `${bugs.length} ${kind}`,
);
const bugSummary =
  knownBugs.length === 0
    ? 'bugs the suites reproduce that are not fixed yet (`KNOWN BUG` tests)'
    : `reproduced by \`KNOWN BUG\` tests, not fixed yet: ${kinds.join(', ')}`;
const date = new Date().toISOString().slice(0, 10);
const margin = `${limits.marginMs / 1000} s`;
const block = `Measured by \`npm test\` on ${date} and written by \`scripts/reliability.mjs\` from the suites' own
records, not typed by hand. Every end-to-end and fault case declares what is true (the deploy healthy or
broken; a rollback right, wrong or not applicable), and the runner observes what the action did: the verdict,
the rollback calls the emulators received, the time, the peak RSS, and every output channel scanned for
secrets. The figures below count the cases where the two disagree, whatever else the test asserted; any of
them above 0 fails the test command.

| measure | figure | what is counted |
| --- | --: | --- |
| cases | ${number(found.cases)} | every run of \`dist/main\` through the runner in the suites: ${number(found.e2e)} end-to-end (\`__tests__/e2e/\`), ${number(found.fault)} fault (\`__tests__/fault/\`); not counted: ${number(found.otherBuilds)} runs of builds planted with a bug, to prove a test fails on it |
| bad inputs | ${number(viaConfig + viaDist)} | rejected with the input named and the fix, before any request: ${number(viaConfig)} through \`getConfig\`, ${number(viaDist)} through \`dist/main\` |
| fuzz runs | ${number(fuzz?.fuzzRuns)} | generated inputs, as executed (${fuzz?.properties ?? '?'} fast-check properties, seed ${fuzz?.seed ?? '?'}), each ending in a valid config or a clear config error |
| false passes | ${found.falsePasses.length} | \`passed\` where the case's deploy is broken |
| false rollbacks | ${found.falseRollbacks.length} | a rollback call the emulators received where none was right, or more than one |
| missed rollbacks | ${found.missedRollbacks.length} | no rollback call where one was right |
| leaks | ${found.leaks.length} | an API or GitHub token or a declared secret (or any 8-character piece of one), a \`headers\` value or a value the action masked, in stdout, stderr, the summary, the outputs, the JSON report, the PR comment or the check run |
| hangs | ${found.hangs.length} | a run killed by the runner, or one that outlived its inputs' budget (\`timeout\` plus \`soak\`, twice that when a provider may roll back) by more than ${margin} |
| worst peak RSS | ${found.worstPeakRssMiB.toFixed(0)} MiB | the largest of any case, 50 MB and endless bodies included; the limit is ${limits.rssLimitMiB} MiB |
| open known bugs | ${knownBugs.length} | ${bugSummary} |
`;

const readmePath = join(root, 'README.md');
const options = (await prettier.resolveConfig(readmePath)) ?? {};
const formatted = await prettier.format(block, { ...options, parser: 'markdown', filepath: readmePath });
console.log(formatted.trimEnd());
if (problems.length > 0) {
  console.error(`\nReliability table not written to README.md:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  process.exit(1);
}

const readme = readFileSync(readmePath, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) {
  console.error(`README.md has no ${START} … ${END} block to write the Reliability table into.`);
  process.exit(1);
}
// Blank lines around the block, as Prettier formats a table between two HTML comments.
const next = `${readme.slice(0, start + START.length)}\n\n${formatted}\n${readme.slice(end)}`;
if (next !== readme) writeFileSync(readmePath, next);
console.log(`\nREADME.md Reliability block ${next === readme ? 'unchanged' : 'updated'}.`);
