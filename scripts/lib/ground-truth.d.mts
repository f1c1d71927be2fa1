/** Types of ground-truth.mjs, for the unit test that plants a wrong case. */
import type { CaseRecord } from '../../test-kit/ground-truth.js';

export function caseName(record: CaseRecord): string;

export function countDisagreements(
  records: CaseRecord[],
  limits: { marginMs: number; rssLimitMiB: number },
): {
  cases: number;
  otherBuilds: number;
  e2e: number;
  fault: number;
  undeclared: CaseRecord[];
  falsePasses: CaseRecord[];
  falseRollbacks: CaseRecord[];
  missedRollbacks: CaseRecord[];
  leaks: CaseRecord[];
  hangs: CaseRecord[];
  overMemory: CaseRecord[];
  worstPeakRssMiB: number;
  unmeasured: CaseRecord[];
};
