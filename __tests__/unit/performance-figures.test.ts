/**
 * The README's Performance figures are tied to their source (issue 12, item 5): the section between
 * `<!-- performance:start -->` and `<!-- performance:end -->` must be exactly what scripts/performance.mjs
 * makes of bench/results.json (which `npm run bench` writes), and those results must not be much older than
 * the last change to src/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'performance.mjs');
const RESULTS = join(ROOT, 'bench', 'results.json');

/**
 * How much older than the last commit to src/ bench/results.json may be. The benchmark takes about ten
 * minutes of a quiet machine and is run by hand, so it cannot follow every commit; but a change to src/
 * that moves a figure is measured before long, or the README quotes code that no longer exists. Two weeks
 * lets a series of changes land before one benchmark run covers them all, and no longer.
 */
const STALE_MARGIN_DAYS = 14;
const DAY_MS = 24 * 3600 * 1000;

interface Results {
  generatedAt: string;
  sections: Record<string, { runAt: string; trials: number; seconds: number }>;
  figures: Record<string, number>;
}

mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const scratch = mkdtempSync(join(ROOT, '.tmp', 'performance-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function generator(...args: string[]) {
  const run = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe("the README's Performance section", () => {
  it('is what scripts/performance.mjs makes of bench/results.json', () => {
    const { code, out } = generator('--check');
    expect(out).toContain('matches bench/results.json');
    expect(code).toBe(0);
  });

  it('fails the check when one figure in it is edited by hand', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('<!-- performance:start -->');
    const end = readme.indexOf('<!-- performance:end -->');
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    // The first figure in "N API requests", one more.
    const section = readme.slice(start, end);
    const edited = section.replace(
      /\*\*(\d+) API requests\*\*/,
      (_, n: string) => `**${Number(n) + 1} API requests**`,
    );
    expect(edited).not.toBe(section);
    // Inside the repository, so that Prettier resolves the same configuration as for README.md.
    const copy = join(scratch, 'README.md');
    writeFileSync(copy, readme.slice(0, start) + edited + readme.slice(end));
    const { code, out } = generator('--check', `--readme=${copy}`);
    expect(out).toContain('is not what bench/results.json gives');
    expect(code).toBe(1);
  });

  it('fails when bench/results.json lacks a figure the section quotes', () => {
    const results = JSON.parse(readFileSync(RESULTS, 'utf8')) as Results;
    delete results.figures.crashLoopSentinelSoakFalsePasses;
    const copy = join(scratch, 'results.json');
    writeFileSync(copy, JSON.stringify(results));
    const { code, out } = generator('--check', `--results=${copy}`);
    expect(out).toContain('crashLoopSentinelSoakFalsePasses');
    expect(code).not.toBe(0);
  });
});

describe('bench/results.json', () => {
  it(`is no more than ${STALE_MARGIN_DAYS} days older than the last change to src/`, () => {
    const results = JSON.parse(readFileSync(RESULTS, 'utf8')) as Results;
    // A partial run (BENCH=…) keeps the other sections' figures: the oldest section is what counts.
    const runs = Object.values(results.sections).map((s) => Date.parse(s.runAt));
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every(Number.isFinite)).toBe(true);
    const measured = Math.min(...runs);
    const log = spawnSync('git', ['log', '-1', '--format=%cI', '--', 'src/'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(log.status).toBe(0);
    const changed = Date.parse(log.stdout.trim());
    expect(Number.isFinite(changed)).toBe(true);
    const behindDays = (changed - measured) / DAY_MS;
    if (behindDays > STALE_MARGIN_DAYS) {
      throw new Error(
        `bench/results.json was measured ${behindDays.toFixed(1)} days before the last change to src/ ` +
          `(${new Date(measured).toISOString()} vs ${new Date(changed).toISOString()}); the margin is ` +
          `${STALE_MARGIN_DAYS} days. Run \`npm run bench\`, then \`node scripts/performance.mjs\`.`,
      );
    }
  });
});
