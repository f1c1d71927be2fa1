#!/usr/bin/env node
// Mutation testing of the core (`npm run mutation`): runs StrykerJS on Node 24 with stryker.config.mjs,
// then writes reports/mutation/SUMMARY.md from the JSON report: the date, the command, the score per file
// and overall, and the surviving mutants judged equivalent (listed below, each with why). The HTML and
// JSON reports are git-ignored; SUMMARY.md is committed.
//
// Extra arguments go to `stryker run`, e.g. `npm run mutation -- --mutate src/secrets.ts` while working on
// one file (the summary then covers that file only). `--summary-only` skips the run and rewrites
// SUMMARY.md from the last JSON report.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireNode24 } from './node24.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const reportDir = join(root, 'reports', 'mutation');
const jsonReport = join(reportDir, 'mutation.json');
const summaryFile = join(reportDir, 'SUMMARY.md');

/**
 * Surviving mutants judged equivalent: no input can tell the mutant from the original. Each is matched by
 * file, mutator and replacement, and by the original code on its line (so an edit elsewhere in the file
 * does not orphan it), and by `col`, the column it starts at, where one line holds two alike; `why` is the
 * one-line reason shown in SUMMARY.md. A judged mutant that no longer
 * survives is reported as stale, so the list is pruned when the code changes.
 */
const EQUIVALENT = [
  {
    file: 'src/secrets.ts',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    code: 'if (this.longestFirst.length !== this.values.size) {',
    why: 'sorting the secrets on every call gives the same order; the check only saves the work',
  },
  {
    file: 'src/secrets.ts',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    code: "if (out.includes(value)) out = out.split(value).join('***');",
    why: 'splitting on a value the text does not hold and joining again gives the text back unchanged',
  },
  {
    file: 'src/health.ts',
    mutator: 'EqualityOperator',
    replacement: 'a.length < b.length',
    code: 'const [short, long] = a.length <= b.length ? [a, b] : [b, a];',
    why: 'with equal lengths the prefix test is an equality test, whichever string is called short',
  },
  {
    file: 'src/health.ts',
    mutator: 'BlockStatement',
    replacement: '{}',
    code: '} catch {',
    col: 11,
    why: 'an empty catch block lets tryJson end without a return, which returns undefined as well',
  },
  {
    file: 'src/run/judge.ts',
    mutator: 'OptionalChaining',
    replacement: 'failure.reason',
    code: "if (failure?.reason === 'config-error')",
    why: 'configurationAtFault is only called for a verification that has a failure',
  },
  {
    file: 'src/run/judge.ts',
    mutator: 'OptionalChaining',
    replacement: 'failure.hint',
    code: '!facts.verification.healthy && failure?.hint',
    why: 'configurationAtFault is only called for a verification that has a failure',
  },
  {
    file: 'src/rollback.ts',
    mutator: 'OptionalChaining',
    replacement: '(await newerDeploys(provider, ours))[0]',
    code: 'const raced = (await newerDeploys(provider, ours))?.[0];',
    why: 'newerDeploys is undefined only without a creation time for ours, which the first guard already returned on',
  },
  {
    file: 'src/rollback.ts',
    mutator: 'StringLiteral',
    replacement: '"Stryker was here!"',
    code: "result: 'rolled-back', note: '',",
    why: 'verifyRestored replaces the note of a rollback that went live on every path',
  },
  {
    file: 'src/config/urls.ts',
    mutator: 'BlockStatement',
    replacement: '{}',
    code: '} catch {',
    col: 11,
    why: '`parsed` is still undefined when `new URL` throws, so setting it to undefined changes nothing',
  },
  {
    file: 'src/config/urls.ts',
    mutator: 'Regex',
    replacement: '/[^=]*=/',
    code: "item.replace(/^[^=]*=/, '')",
    why: 'the leftmost match of `[^=]*=` always starts at the first character, so the `^` adds nothing',
  },
  {
    file: 'src/config/headers.ts',
    mutator: 'Regex',
    replacement: '/^(?:bearer|token|basic|apikey|api-key)\\s+(.+)/i',
    code: 'const scheme = /^(?:bearer|token|basic|apikey|api-key)',
    why: 'a header value is one line, so the greedy `(.+)` reaches its end with or without `$`',
  },
  {
    file: 'src/config/headers.ts',
    mutator: 'Regex',
    replacement: '/^(?:bearer|token|basic|apikey|api-key)\\s(.+)$/i',
    code: 'const scheme = /^(?:bearer|token|basic|apikey|api-key)',
    why: 'extra spaces left in the captured credential are trimmed by SecretRegistry.add, and base64 decoding skips them',
  },
  {
    file: 'src/config/headers.ts',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    code: "const name = colon > 0 ? line.slice(0, colon).trim() : '';",
    why: 'a line without a colon is rejected by the `colon === -1` branch before its name is used',
  },
  {
    file: 'src/config/headers.ts',
    mutator: 'EqualityOperator',
    replacement: 'colon >= 0',
    code: "const name = colon > 0 ? line.slice(0, colon).trim() : '';",
    why: 'with the colon first, the name is the empty text before it either way',
  },
  {
    file: 'src/config/headers.ts',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    code: "const value = colon > 0 ? line.slice(colon + 1).trim() : '';",
    why: 'a line without a colon, or with nothing before it, is rejected before its value is used',
  },
  {
    file: 'src/config/headers.ts',
    mutator: 'EqualityOperator',
    replacement: 'colon >= 0',
    code: "const value = colon > 0 ? line.slice(colon + 1).trim() : '';",
    why: 'a line with nothing before its colon is rejected for its name before its value is used',
  },
  {
    file: 'src/config/headers.ts',
    mutator: 'StringLiteral',
    replacement: '"Stryker was here!"',
    code: "const value = colon > 0 ? line.slice(colon + 1).trim() : '';",
    why: 'a line without a colon, or with nothing before it, is rejected before its value is used',
  },
  {
    file: 'src/config/headers.ts',
    mutator: 'EqualityOperator',
    replacement: 'char <= 0x20',
    code: ': char < 0x20 || char === 0x7f',
    why: '0x20 is a space, which the `\\s` test before it already names',
  },
  {
    file: 'src/config/headers.ts',
    mutator: 'EqualityOperator',
    replacement: 'char >= 0x7e',
    code: ': char > 0x7e',
    why: '0x7e (`~`) is a valid header-name character, so it is never the first invalid one',
  },
  {
    file: 'src/config/index.ts',
    mutator: 'ObjectLiteral',
    replacement: '{}',
    code: "const apiUrl = readUrl(reader, 'api-url', secrets, { allowPlainHttpRemote: false });",
    why: 'an absent `allowPlainHttpRemote` is falsy like `false`, and `api-url` has no fallback',
  },
  {
    file: 'src/config/index.ts',
    mutator: 'ConditionalExpression',
    replacement: 'true',
    code: "} else if (isJsonPointer(text) && text !== '') {",
    col: 37,
    why: '`reader.value` never returns an empty text: an empty `version-from` takes its default /version',
  },
  {
    file: 'src/config/index.ts',
    mutator: 'StringLiteral',
    replacement: '"Stryker was here!"',
    code: "} else if (isJsonPointer(text) && text !== '') {",
    why: '`reader.value` never returns an empty text, and "Stryker was here!" is no JSON Pointer either',
  },
  {
    file: 'src/config/index.ts',
    mutator: 'ObjectLiteral',
    replacement: '{}',
    code: "return { kind: 'pointer', pointer: '/version' };",
    why: 'returned only with a problem reported, so getConfig throws; no kind but `none` changes a rule on the way',
  },
  {
    file: 'src/config/index.ts',
    mutator: 'StringLiteral',
    replacement: '""',
    code: "return { kind: 'pointer', pointer: '/version' };",
    why: 'returned only with a problem reported, so getConfig throws; no kind but `none` changes a rule on the way',
  },
];

const args = process.argv.slice(2);
const summaryOnly = args.includes('--summary-only');
// `--from=a.json,b.json` (with --summary-only): one summary from the JSON reports of several runs, each
// of some files (`--mutate`), later reports replacing earlier ones file by file.
const from = args
  .find((arg) => arg.startsWith('--from='))
  ?.slice('--from='.length)
  .split(',');
const strykerArgs = args.filter((arg) => arg !== '--summary-only' && !arg.startsWith('--from='));

let status = 0;
const startedAt = Date.now();
const node24 = requireNode24();
if (!summaryOnly) {
  mkdirSync(reportDir, { recursive: true });
  const stryker = join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
  const result = spawnSync(node24, [stryker, 'run', ...strykerArgs], { cwd: root, stdio: 'inherit' });
  // Stryker exits non-zero when the score is under `thresholds.break`: the summary is still written.
  status = result.status ?? 1;
}

// A report older than this run is a previous run's: Stryker stopped before writing one (a failing test in
// its initial run, a bad option), and a summary of the old one would be wrong.
if (!existsSync(jsonReport) || (!summaryOnly && statSync(jsonReport).mtimeMs < startedAt)) {
  console.error(`No new mutation report at ${jsonReport}: Stryker did not finish. See its output above.`);
  process.exit(status || 1);
}
const report = JSON.parse(readFileSync(jsonReport, 'utf8'));
if (summaryOnly && from) {
  report.files = {};
  for (const file of from) Object.assign(report.files, JSON.parse(readFileSync(file, 'utf8')).files);
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Stryker's score: detected over detected plus undetected (errors and ignored mutants do not count). */
function score(mutants) {
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
  const total = detected + undetected;
  return { detected, undetected, total, score: total === 0 ? 100 : (detected / total) * 100 };
}

function lineOf(source, line) {
  return (source.split('\n')[line - 1] ?? '').trim();
}

function isEquivalent(entry, file, mutant, source) {
  return (
    entry.file === file &&
    entry.mutator === mutant.mutatorName &&
    entry.replacement === (mutant.replacement ?? '') &&
    (entry.col === undefined || entry.col === mutant.location.start.column) &&
    lineOf(source, mutant.location.start.line).includes(entry.code)
  );
}

const rows = [];
const equivalents = [];
const unjudged = [];
const matchedEntries = new Set();
const all = [];
for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) =>
  a.localeCompare(b),
)) {
  all.push(...mutants);
  const s = score(mutants);
  const survived = mutants.filter((m) => m.status === 'Survived').length;
  const noCoverage = mutants.filter((m) => m.status === 'NoCoverage').length;
  let equivalentCount = 0;
  for (const mutant of mutants.filter((m) => UNDETECTED.has(m.status))) {
    const entry = EQUIVALENT.find((e) => isEquivalent(e, file, mutant, source));
    const where = `${file}:${mutant.location.start.line}`;
    const mutation = `${mutant.mutatorName}: \`${oneLine(mutant.replacement ?? '')}\``;
    if (entry) {
      matchedEntries.add(entry);
      equivalentCount++;
      equivalents.push({ where, mutation, why: entry.why });
    } else {
      unjudged.push({ where, mutation, status: mutant.status });
    }
  }
  const adjusted = s.total - equivalentCount === 0 ? 100 : (s.detected / (s.total - equivalentCount)) * 100;
  rows.push({ file, ...s, survived, noCoverage, equivalentCount, adjusted });
}
const overall = score(all);
// Files the configuration mutates that this report does not cover (a run with `--mutate`, or `--from`).
const { default: strykerConfig } = await import(new URL('../stryker.config.mjs', import.meta.url).href);
const configured =
  typeof fs.globSync === 'function'
    ? strykerConfig.mutate.flatMap((pattern) => fs.globSync(pattern, { cwd: root }))
    : [];
const missing = [...new Set(configured)].filter((file) => !report.files[file]).sort();
const overallEquivalent = equivalents.length;
const overallAdjusted =
  overall.total - overallEquivalent === 0
    ? 100
    : (overall.detected / (overall.total - overallEquivalent)) * 100;
const stale = EQUIVALENT.filter((entry) => !matchedEntries.has(entry) && report.files[entry.file]);

function oneLine(text) {
  const flat = text.replace(/\s+/g, ' ').trim();
  return (flat.length > 80 ? `${flat.slice(0, 77)}...` : flat).replace(/`/g, "'").replace(/\|/g, '\\|');
}
const pct = (n) => `${n.toFixed(1)}%`;

function nodeVersion() {
  const result = spawnSync(node24, ['--version'], { encoding: 'utf8' });
  return result.stdout?.trim().replace(/^v/, '') || '24';
}

const lines = [
  '# Mutation testing',
  '',
  `Run on ${new Date(statSync(jsonReport).mtimeMs).toISOString().slice(0, 10)} with StrykerJS ${report.framework?.version ?? ''} (Jest runner) on Node ${nodeVersion()}.`,
  '',
  'Rerun: `npm run mutation` (configuration: `stryker.config.mjs`; the HTML and JSON reports land in',
  '`reports/mutation/`, git-ignored). While working on one file:',
  '`npm run mutation -- --mutate src/secrets.ts`.',
  '',
  ...(from
    ? [
        `Assembled from ${from.length} Stryker runs of some files each (\`--mutate\`), not one run of them all.`,
        '',
      ]
    : []),
  'The score is Stryker\'s: mutants killed or timed out over all valid mutants. "Without equivalents"',
  'leaves out the surviving mutants judged equivalent below, which no test can kill.',
  '',
  '| file | mutants | killed | survived | no coverage | equivalent | score | without equivalents |',
  '| ---- | ------: | -----: | -------: | ----------: | ---------: | ----: | ------------------: |',
  ...rows.map(
    (r) =>
      `| \`${r.file}\` | ${r.total} | ${r.detected} | ${r.survived} | ${r.noCoverage} | ${r.equivalentCount} | ${pct(r.score)} | ${pct(r.adjusted)} |`,
  ),
  `| **all** | ${overall.total} | ${overall.detected} | ${all.filter((m) => m.status === 'Survived').length} | ${all.filter((m) => m.status === 'NoCoverage').length} | ${overallEquivalent} | **${pct(overall.score)}** | **${pct(overallAdjusted)}** |`,
  '',
  ...(missing.length > 0
    ? [
        `Not covered by this summary (not mutated in the run${from ? 's' : ''} it reads): ${missing.map((file) => `\`${file}\``).join(', ')}.`,
        '',
      ]
    : []),
  '## Surviving mutants judged equivalent',
  '',
  equivalents.length === 0 ? 'None.' : '| where | mutation | why it is equivalent |',
  ...(equivalents.length === 0 ? [] : ['| ----- | -------- | -------------------- |']),
  ...equivalents.map((e) => `| \`${e.where}\` | ${e.mutation} | ${e.why} |`),
  '',
  '## Other surviving mutants',
  '',
  unjudged.length === 0
    ? 'None.'
    : `${unjudged.length} surviving mutants are not judged equivalent: a test could still kill each one. \`reports/mutation/mutation.html\` shows them in their code after a run.`,
  '',
  ...(unjudged.length === 0 ? [] : ['| where | status | mutation |', '| ----- | ------ | -------- |']),
  ...unjudged.map((u) => `| \`${u.where}\` | ${u.status} | ${u.mutation} |`),
  ...(unjudged.length === 0 ? [] : ['']),
];
if (stale.length > 0) {
  lines.push(
    '## Stale equivalence entries',
    '',
    'Judged equivalent in scripts/mutation.mjs but no longer surviving (the code changed): remove them.',
    '',
    ...stale.map(
      (e) => `- \`${e.file}\` ${e.mutator} \`${oneLine(e.replacement)}\` on \`${oneLine(e.code)}\``,
    ),
    '',
  );
}
writeFileSync(summaryFile, lines.join('\n'));
console.log(
  `\nMutation score ${pct(overall.score)} (${pct(overallAdjusted)} without ${overallEquivalent} equivalent mutants); ${unjudged.length} other survivors. Wrote ${summaryFile}.`,
);
process.exit(status);
