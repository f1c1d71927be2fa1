/**
 * `npm run bench`: runs every benchmark on Node 24 and writes bench/RESULTS.md, bench/results.json (the
 * figures the README quotes; `node scripts/performance.mjs` turns them into the README's Performance
 * section) and bench/chart.svg. Comparisons run side by side in one run and are reported as medians, p90s
 * and ratios, because absolute times on shared machines are noisy.
 *
 * At its defaults it must finish within 10 minutes on a 2-core machine, so each section has its own
 * default trial count (DEFAULT_TRIALS, below); TRIALS=<n> runs every section <n> times (TRIALS=20 is the
 * full run). BENCH=<name>[,<name>…] runs only those sections (render, railway, cloud-run, verdict, suite,
 * startup, memory); the other sections of RESULTS.md and their figures are kept from the previous run, and each
 * section says when and with how many trials it ran. DEPLOY_SENTINEL_ACTION_DIR runs a private build
 * (action.yml and dist/) instead of this repository's.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchCloudRun } from './cloud-run.js';
import { benchHealthyToVerdict, benchMemory, benchStartup, benchSuite } from './peers.js';
import { benchRailway } from './railway.js';
import { benchRender } from './render.js';
import type { Section } from './lib/stats.js';

const SECTIONS: [string, (trials: number) => Promise<Section>][] = [
  ['verdict', benchHealthyToVerdict],
  ['suite', benchSuite],
  ['startup', benchStartup],
  ['memory', benchMemory],
  ['render', benchRender],
  ['railway', benchRailway],
  ['cloud-run', benchCloudRun],
];

/**
 * Trials per section at the defaults, chosen so the whole run takes about 6-7 minutes on a quiet 2-core
 * machine (10 minutes is the limit): the verdict section's crash-loop runs soak for 30 s each, so each of
 * its trials takes about 40 s; a start-up trial takes a few seconds, so it gets more of them.
 */
const DEFAULT_TRIALS: Record<string, number> = {
  verdict: 5,
  suite: 3,
  startup: 8,
  memory: 3,
  render: 3,
  railway: 3,
  'cloud-run': 3,
};
const forced =
  process.env.TRIALS === undefined || process.env.TRIALS === '' ? undefined : Number(process.env.TRIALS);
if (forced !== undefined && (!Number.isInteger(forced) || forced < 1))
  throw new Error(`TRIALS must be a positive integer, got ${process.env.TRIALS}`);
const trialsOf = (name: string): number => forced ?? DEFAULT_TRIALS[name] ?? 3;
const names = SECTIONS.map(([name]) => name);
const only = (process.env.BENCH ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
const unknown = only.filter((name) => !names.includes(name));
if (unknown.length)
  throw new Error(`BENCH names unknown sections (${unknown.join(', ')}); known: ${names.join(', ')}`);

const resultsMd = new URL('RESULTS.md', import.meta.url);
const resultsJson = new URL('results.json', import.meta.url);
const marker = (name: string) => `<!-- bench:${name} -->`;

/** The previous run's markdown of each section, found between the markers this script writes. */
function previousSections(): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(resultsMd)) return found;
  const text = readFileSync(resultsMd, 'utf8');
  const parts = text.split(/<!-- bench:([\w-]+) -->\n/);
  for (let i = 1; i < parts.length; i += 2)
    found.set(parts[i] as string, (parts[i + 1] ?? '').trimEnd() + '\n');
  return found;
}

/** bench/results.json: the figures, and when and how each section measured them. */
interface Results {
  /** When this file was written (ISO); the README test compares it with the last change to src/. */
  generatedAt: string;
  node: string;
  cpus: number;
  /** This invocation's wall time, in seconds, and whether it was the default run (no TRIALS, no BENCH). */
  totalSeconds: number;
  defaults: boolean;
  sections: Record<string, { runAt: string; trials: number; seconds: number }>;
  figures: Record<string, number>;
}

const previous = previousSections();
const previousResults: Partial<Results> =
  only.length && existsSync(resultsJson) ? JSON.parse(readFileSync(resultsJson, 'utf8')) : {};
const started = Date.now();
const figures: Record<string, number> = { ...previousResults.figures };
const sections: Results['sections'] = { ...previousResults.sections };
const chunks: string[] = [];
const date = new Date().toISOString().slice(0, 10);
for (const [name, bench] of SECTIONS) {
  if (only.length && !only.includes(name)) {
    chunks.push(
      marker(name) + '\n' + (previous.get(name) ?? `_Not run yet: \`BENCH=${name} npm run bench\`._\n`),
    );
    continue;
  }
  const trials = trialsOf(name);
  const sectionStarted = Date.now();
  console.error(`bench: ${name} (${trials} trials)…`);
  const section = await bench(trials);
  const seconds = Math.round((Date.now() - sectionStarted) / 1000);
  console.error(`bench: ${name} took ${seconds} s`);
  sections[name] = { runAt: new Date().toISOString(), trials, seconds };
  chunks.push(
    `${marker(name)}\n${section.markdown.trimEnd()}\n\n_Run on ${date}, Node ${process.version}, ${trials} trials, ${seconds} s._\n`,
  );
  Object.assign(figures, section.figures);
  for (const [file, content] of Object.entries(section.files ?? {}))
    writeFileSync(new URL(file, import.meta.url), content);
}
const totalSeconds = Math.round((Date.now() - started) / 1000);
const defaults = forced === undefined && only.length === 0;
if (defaults) {
  figures.benchDefaultSeconds = totalSeconds;
  figures.benchDefaultCpus = cpus().length;
}
const trialsText = Object.entries(sections)
  .map(([name, s]) => `${name} ${s.trials}`)
  .join(', ');
const benchSeconds = figures.benchDefaultSeconds;
const header = [
  '# Benchmark results',
  '',
  `Generated by \`npm run bench\` on ${date}: Node ${process.version}, ${cpus().length} CPU(s), ` +
    (only.length
      ? `sections ${only.join(', ')} rerun (${totalSeconds} s); the others are from earlier runs.`
      : `trials per section: ${trialsText}; ${totalSeconds} s in all.`),
  'Every service and API here is local (node:http on 127.0.0.1); nothing reaches the internet. Rerun it to',
  'reproduce (`TRIALS=20` for the full run, every section 20 times; `BENCH=verdict,suite,…` for some',
  'sections); compare ratios rather than absolute times: other jobs share these machines.',
  '',
  '| goal (issue 15) | measured | |',
  '|---|---|---|',
  benchSeconds === undefined
    ? '| `npm run bench` at its defaults within 10 minutes | not measured yet: run `npm run bench` | |'
    : `| \`npm run bench\` at its defaults within 10 minutes | ${Math.floor(benchSeconds / 60)} min ${benchSeconds % 60} s on ${figures.benchDefaultCpus} CPU(s) | ${benchSeconds <= 600 ? '**met**' : '**not met**'} |`,
  '',
  'The other goals are in their sections: start-up, size and memory under "Start-up"; healthy to verdict',
  'and the crash loop under "From healthy to verdict".',
  '',
].join('\n');
const results: Results = {
  generatedAt: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  totalSeconds,
  defaults,
  sections,
  figures,
};
writeFileSync(resultsMd, header + '\n' + chunks.join('\n'));
writeFileSync(resultsJson, JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
