// Counts the disagreements between what each end-to-end and fault case declared true and what the runner
// observed (test-kit/ground-truth.ts writes the records). Kept apart from scripts/reliability.mjs so a unit
// test can plant a wrong case and see it counted.

/**
 * @typedef {{ deploy: 'healthy' | 'broken', rollback: 'right' | 'wrong' | 'n/a' }} Truth
 * @typedef {{ file: string, test: string, action: string, truth: Truth | null, result: string, reason: string,
 *   exitCode: number, rollbackCalls: number, durationMs: number, budgetMs: number,
 *   peakRssMiB: number | null, leaks: string[] }} CaseRecord
 * @typedef {{ marginMs: number, rssLimitMiB: number }} Limits
 */

/** `file › test` of a record, the way people find it. */
export const caseName = (record) => `${record.file} › ${record.test}`;

/**
 * Each kind of disagreement with the cases that show it. A case counts once per kind, whatever else its
 * test asserted.
 * @param {CaseRecord[]} records
 * @param {Limits} limits
 */
export function countDisagreements(all, limits) {
  // Runs of another build (a planted mutation that proves a test can fail) are not the product's.
  const records = all.filter((record) => record.action === '.');
  const declared = records.filter((record) => record.truth);
  const pick = (test) => declared.filter(test);
  return {
    cases: records.length,
    otherBuilds: all.length - records.length,
    e2e: records.filter((record) => record.file.startsWith('__tests__/e2e/')).length,
    fault: records.filter((record) => record.file.startsWith('__tests__/fault/')).length,
    undeclared: records.filter((record) => !record.truth),
    // `passed` for a deploy that does not work.
    falsePasses: pick((r) => r.truth.deploy === 'broken' && r.result === 'passed'),
    // A rollback call where none was right, or more than one.
    falseRollbacks: pick((r) => r.rollbackCalls > (r.truth.rollback === 'right' ? 1 : 0)),
    // No rollback call where one was right.
    missedRollbacks: pick((r) => r.truth.rollback === 'right' && r.rollbackCalls === 0),
    leaks: records.filter((r) => r.leaks.length > 0),
    // Killed by the runner's limit, or past the inputs' own budget and the margin.
    hangs: records.filter((r) => r.exitCode === -1 || r.durationMs > r.budgetMs + limits.marginMs),
    overMemory: records.filter((r) => r.peakRssMiB !== null && r.peakRssMiB > limits.rssLimitMiB),
    worstPeakRssMiB: Math.max(0, ...records.map((r) => r.peakRssMiB ?? 0)),
    unmeasured: records.filter((r) => r.peakRssMiB === null),
  };
}
