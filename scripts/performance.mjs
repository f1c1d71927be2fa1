#!/usr/bin/env node
// Writes the README's Performance section (between `<!-- performance:start -->` and
// `<!-- performance:end -->`) from bench/results.json, which `npm run bench` writes, so that no figure in it
// is typed by hand. __tests__/unit/performance-figures.test.ts fails when the README's section is not what
// this script makes of bench/results.json, or when the results are much older than the last change to src/.
//
// Usage: node scripts/performance.mjs            write the section into README.md
//        node scripts/performance.mjs --check    exit 1 (and print the difference) if README.md differs
// Options for tests: --readme=<path> --results=<path>.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const root = fileURLToPath(new URL('..', import.meta.url));
export const START = '<!-- performance:start -->';
export const END = '<!-- performance:end -->';

/** Issue 15's goals (bench/goals.json, which the bench reports against too). */
const goals = JSON.parse(readFileSync(join(root, 'bench', 'goals.json'), 'utf8'));
const GOALS = { ...goals, benchSeconds: goals.benchMinutes * 60 };

/** The figure `name`, which must be a finite number: a missing one is a stale or partial results file. */
function figureReader(results) {
  const missing = [];
  const f = (name) => {
    const value = results.figures?.[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      missing.push(name);
      return NaN;
    }
    return value;
  };
  return { f, missing };
}

const ms = (n) => (n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);
const mib = (n) => `${Math.round(n)} MiB`;
const x = (n) => `${n.toFixed(1)}×`;
const met = (ok) => (ok ? 'met' : 'not met');
const signed = (n) => `${n >= 0 ? '+' : '−'}${Math.abs(Math.round(n))} ms`;
const bytes = (n) => (n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(2)} MiB`);

/** The section's markdown (before Prettier) from the parsed bench/results.json. */
export function performanceMarkdown(results) {
  const { f, missing } = figureReader(results);
  const trials = (name) => results.sections?.[name]?.trials ?? NaN;
  const date = (results.generatedAt ?? '').slice(0, 10);
  const sectionTrials = Object.entries(results.sections ?? {})
    .map(([name, s]) => `${name} ${s.trials}`)
    .join(', ');
  const crashRuns = trials('verdict');
  const behind = f('equalSentinelOvershootMedianMs') - f('equalWaitOnOvershootMedianMs');
  const text = `Measured by \`npm run bench\` on ${date} (Node ${results.node}, ${results.cpus} CPUs; trials per section: ${sectionTrials}; medians, side by side in one run) and written here by \`scripts/performance.mjs\` from [\`bench/results.json\`](bench/results.json); full tables, p90s and method in [\`bench/RESULTS.md\`](bench/RESULTS.md). Absolute times depend on the machine and its load; compare the ratios. \`TRIALS=20 npm run bench\` is the full run.

![Time from healthy to verdict](bench/chart.svg)

- **How long a run takes:** the time the deploy takes to go live, then the health check and the checks (about a second for a healthy service), then the **soak**: the verdict comes \`soak\` (default 30 s) after the pass. \`timeout\` does not include the soak; a rollback's verification soaks too, within its own \`timeout\`. The figures below are to the pass (\`soak: 0s\`), except where the soak is named.
- **Against wait-on and a curl retry loop** (a service turning healthy 1–5 s after the first request, one request a second for all): the verdict comes ${ms(f('equalSentinelOvershootMedianMs'))} after health, against ${ms(f('equalWaitOnOvershootMedianMs'))} (wait-on) and ${ms(f('equalCurlOvershootMedianMs'))} (curl): ${signed(behind)} behind wait-on (goal: at most +${GOALS.verdictBehindWaitOnMs} ms, ${met(behind <= GOALS.verdictBehindWaitOnMs)}). The confirming check comes ${f('confirmSpacingMs')} ms after the first pass (it was 500 ms), because the soak now catches a service that passes and then dies: on a crash-looping service Deploy Sentinel passed **${f('crashLoopSentinelSoakFalsePasses')} of ${crashRuns}** runs with the soak (${f('crashLoopSentinelFalsePasses')} of ${crashRuns} without it), wait-on ${f('crashLoopWaitOnFalsePasses')} and curl ${f('crashLoopCurlFalsePasses')}. At each tool's defaults Deploy Sentinel is slower (backing off to \`interval: 5s\` sends fewer requests), which \`interval\` tunes.
- **Start-up:** the first request goes out ${ms(f('startupSentinelFirstRequestMedianMs'))} after the process starts, ${x(f('startupFirstRequestRatio'))} bare \`node -e 0\`; a run that stops at a configuration error exits after ${ms(f('startupSentinelConfigErrorExitMedianMs'))}, ${x(f('startupConfigErrorRatio'))} (goal: at most ${GOALS.startupRatio}×, ${met(f('startupFirstRequestRatio') <= GOALS.startupRatio && f('startupConfigErrorRatio') <= GOALS.startupRatio)}). The \`main\` entry is ${bytes(f('mainEntryBytes'))} (goal 1 MiB, ${met(f('mainEntryBytes') <= GOALS.mainEntryBytes)}); the rest loads when a run needs it (${bytes(f('loadedJsBytesUrl'))} for a URL-mode run). All of \`dist/\` is ${(f('distJsBytes') / 1e6).toFixed(2)} MB of JavaScript (goal 2.5 MB, ${met(f('distJsBytes') <= GOALS.distJsBytes)}).
- **Memory:** a URL-mode run with a health schema and a checks file peaks at ${mib(f('urlSchemaChecksPeakRssMiB'))} (goal 70 MiB, ${met(f('urlSchemaChecksPeakRssMiB') <= GOALS.urlRunPeakRssMiB)}; bare node ${mib(f('startupNodePeakRssMiB'))}); ${mib(f('hugeBodySentinelPeakRssMiB'))} on a 50 MB hostile body (wait-on: ${mib(f('hugeBodyWaitOnPeakRssMiB'))}) and ${mib(f('providerLogs10kPeakRssMiB'))} with 10,000 lines of provider logs.
- **Render, request budget:** a 10-minute deploy wait sends **${f('renderRequestsPer10MinDefault')} API requests** at the default \`interval\` (at most ${f('renderRequestsPer10MinMax')} at any interval; the limit we hold ourselves to is 120). From the deploy going live to the pass: **${ms(f('renderLiveToVerdictMedianMs'))}** with \`expect-version\`, ${ms(f('renderLiveToVerdictChecksMedianMs'))} with the health schema and two checks, ${ms(f('renderLiveToVerdictPollingMedianMs'))} without a version to watch (API polling alone).
- **Railway:** pushed over the socket, a whole deployment costs **${f('railwaySocketRequestsMedian')} HTTP requests** while waiting and \`SUCCESS\` to the pass takes **${ms(f('railwaySuccessToVerdictSocketMedianMs'))}**; polling (socket refused) sends at most ${f('railwayPollingRequestsPer10MinMax')} requests in 10 minutes (budget 40) and takes ${ms(f('railwaySuccessToVerdictPollingMedianMs'))}.
- **20 checks against a service adding 100 ms a request:** run concurrently (default 4) they take ${ms(f('suiteC4ChecksMedianMs'))} against ${ms(f('suiteC1ChecksMedianMs'))} one after another.
- **The benchmark itself:** \`npm run bench\` at its defaults took ${Math.floor(f('benchDefaultSeconds') / 60)} min ${f('benchDefaultSeconds') % 60} s on ${f('benchDefaultCpus')} CPUs (goal: 10 minutes, ${met(f('benchDefaultSeconds') <= GOALS.benchSeconds)}).
`;
  if (missing.length > 0 || Object.keys(results.sections ?? {}).length === 0) {
    throw new Error(
      `bench/results.json lacks figures the Performance section needs (${missing.join(', ') || 'sections'}): run \`npm run bench\``,
    );
  }
  return text;
}

/** The section as it belongs between the markers: Prettier-formatted like the rest of README.md. */
export async function performanceSection(results, readmePath = join(root, 'README.md')) {
  const options = (await prettier.resolveConfig(readmePath)) ?? {};
  const formatted = await prettier.format(performanceMarkdown(results), {
    ...options,
    parser: 'markdown',
    filepath: readmePath,
  });
  return formatted.trimEnd();
}

/** README.md with `section` between the markers (blank lines around it, as Prettier keeps them). */
export function withSection(readme, section) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} block`);
  return `${readme.slice(0, start + START.length)}\n\n${section}\n\n${readme.slice(end)}`;
}

async function main(argv) {
  const option = (name, fallback) =>
    argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
  const readmePath = option('readme', join(root, 'README.md'));
  const resultsPath = option('results', join(root, 'bench', 'results.json'));
  const results = JSON.parse(readFileSync(resultsPath, 'utf8'));
  const readme = readFileSync(readmePath, 'utf8');
  const next = withSection(readme, await performanceSection(results, readmePath));
  if (argv.includes('--check')) {
    if (next !== readme) {
      console.error(
        `${readmePath}: the Performance section is not what bench/results.json gives; run \`node scripts/performance.mjs\`.`,
      );
      process.exit(1);
    }
    console.log('README.md Performance section matches bench/results.json.');
    return;
  }
  if (next !== readme) writeFileSync(readmePath, next);
  console.log(`README.md Performance section ${next === readme ? 'unchanged' : 'updated'}.`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}
