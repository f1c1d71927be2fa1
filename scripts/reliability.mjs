#!/usr/bin/env node
// Writes the README's Reliability block (between `<!-- reliability:start -->` and `<!-- reliability:end -->`)
// from what the test command measured in this run, and fails when a figure is not what it must be:
// - `.tmp/reliability/<name>.json` of every `__tests__/fault/<name>.test.ts`: the chaos cases, each judged for
//   false passes, false rollbacks, leaks and hangs (written only when every case of the file passed);
// - `.tmp/reliability/fuzz.json`: the fuzz runs of `__tests__/unit/fuzz.test.ts`;
// - `.tmp/jest-unit.json` and `.tmp/jest-e2e.json` (Jest's --json reports): the bad-input tests that passed,
//   `getConfig › rejects …` in `__tests__/unit/config.test.ts` and `bad inputs › …` in
//   `__tests__/e2e/hardening.test.ts`.
// Usage: node scripts/reliability.mjs [--since=<epoch ms>]. With --since (the test command passes its
// start), a file written before that moment is stale and fails the run, so the table never mixes runs.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const root = fileURLToPath(new URL('..', import.meta.url));
const START = '<!-- reliability:start -->';
const END = '<!-- reliability:end -->';
const sinceArg = process.argv.find((arg) => arg.startsWith('--since='));
const since = sinceArg ? Number(sinceArg.slice('--since='.length)) : undefined;

const problems = [];
const show = (path) => relative(root, path);

/** Reads a JSON file this run must have written; records a problem and returns undefined otherwise. */
function readFresh(path, what) {
  if (!existsSync(path)) {
    problems.push(`${show(path)} is missing: ${what} did not run, or not every case of it passed`);
    return undefined;
  }
  if (since !== undefined && statSync(path).mtimeMs < since) {
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
  const figures = ['cases', 'falsePasses', 'falseRollbacks', 'leaks', 'hangs'].map((key) =>
    count(ledger[key]),
  );
  if (figures.some(Number.isNaN) || ledger.cases === 0) {
    problems.push(`.tmp/reliability/${name}.json does not hold the expected counts`);
    continue;
  }
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
  '__tests__/unit/config.test.ts',
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

// The figures.
const sum = (key) => ledgers.reduce((total, ledger) => total + ledger[key], 0);
const cases = sum('cases');
const falsePasses = sum('falsePasses');
const falseRollbacks = sum('falseRollbacks');
const leaks = sum('leaks');
const hangs = sum('hangs');
const peakRss = Math.max(0, ...ledgers.map((ledger) => ledger.maxPeakRssMiB ?? 0));
for (const [label, value] of Object.entries({ falsePasses, falseRollbacks, leaks, hangs })) {
  if (value !== 0) problems.push(`${label} is ${value}; it must be 0`);
}
// A reproduced leak, crash, false pass or hang is one, whether or not a test names it in advance.
for (const bug of knownBugs) problems.push(`a known bug still reproduces (${bug.kind}): ${bug.name}`);

if (problems.length > 0) {
  console.error(`Reliability table not written:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  process.exit(1);
}

const number = (n) => n.toLocaleString('en-US');
const kinds = Object.entries(Object.groupBy(knownBugs, (bug) => bug.kind)).map(
  ([kind, bugs]) => `${bugs.length} ${kind}`,
);
const bugSummary =
  knownBugs.length === 0
    ? 'bugs the suites reproduce that are not fixed yet (`KNOWN BUG` tests)'
    : `reproduced by \`KNOWN BUG\` tests, not fixed yet, and not in the figures above: ${kinds.join(', ')}`;
const date = new Date().toISOString().slice(0, 10);
const perFile = ledgers.map((ledger) => `${ledger.cases} in \`${ledger.name}\``).join(', ');
const block = `Measured by \`npm test\` on ${date} and written by \`scripts/reliability.mjs\` from the suites' own
records, not typed by hand. In any fault case, a false pass, a false rollback, a leak or a hang fails the
test command.

| measure | figure | what is counted |
| --- | --: | --- |
| fault cases | ${number(cases)} | chaos cases in \`__tests__/fault/\` (${perFile}), each asserting the exact \`result\` and \`failure-reason\`, the time bound and the memory bound |
| bad inputs | ${number(viaConfig + viaDist)} | rejected with the input named and the fix, before any request: ${viaConfig} through \`getConfig\`, ${viaDist} through \`dist/main\` |
| fuzz runs | ${number(fuzz.fuzzRuns)} | generated inputs (${fuzz.properties ?? '?'} fast-check properties, seed ${fuzz.seed ?? '?'}), each ending in a valid config or a clear config error |
| false passes | ${falsePasses} | \`passed\` for a broken service, or without the evidence for it (the provider API failing) |
| false rollbacks | ${falseRollbacks} | a rollback call where none was right (the deploy had not gone live and then failed on its own account), or one sent twice |
| leaks | ${leaks} | the API token, the GitHub token, a \`headers\` value or a captured value (or any 8-character piece of one) in stdout, the summary, the outputs, the JSON report, the PR comment or the check run |
| hangs | ${hangs} | a run that outlived its \`timeout\` (twice that with a rollback, which gets its own) by more than 4 s |
| worst peak RSS | ${peakRss.toFixed(0)} MB | the largest of any fault case, 50 MB and endless bodies included; a case fails above 150 MB |
| open known bugs | ${knownBugs.length} | ${bugSummary} |
`;

const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) {
  console.error(`README.md has no ${START} … ${END} block to write the Reliability table into.`);
  process.exit(1);
}
const options = (await prettier.resolveConfig(readmePath)) ?? {};
const formatted = await prettier.format(block, { ...options, parser: 'markdown', filepath: readmePath });
// Blank lines around the block, as Prettier formats a table between two HTML comments.
const next = `${readme.slice(0, start + START.length)}\n\n${formatted}\n${readme.slice(end)}`;
if (next !== readme) writeFileSync(readmePath, next);
console.log(formatted.trimEnd());
console.log(`\nREADME.md Reliability block ${next === readme ? 'unchanged' : 'updated'}.`);
