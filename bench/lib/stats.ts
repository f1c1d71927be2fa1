/** One benchmark's part of bench/RESULTS.md, and the figures the README quotes. */
export interface Section {
  markdown: string;
  figures: Record<string, number>;
}

/** The p-th percentile (nearest rank) of `values`; 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
