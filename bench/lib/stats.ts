/** One benchmark's part of bench/RESULTS.md, and the figures the README quotes. */
export interface Section {
  markdown: string;
  figures: Record<string, number>;
  /** Extra files to write next to RESULTS.md (name relative to bench/ -> content), e.g. chart.svg. */
  files?: Record<string, string>;
}

/** The p-th percentile (nearest rank) of `values`; 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (values: readonly number[]): number => percentile(values, 50);
export const p90 = (values: readonly number[]): number => percentile(values, 90);

/** `1234 ms`, rounded. */
export const ms = (value: number): string => `${Math.round(value)} ms`;

/** `87.5 MiB`, or `n/a` when it could not be measured. */
export const mib = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? 'n/a' : `${value.toFixed(1)} MiB`;

/** `a / b` as `2.4×` (one decimal; two below 1). */
export function ratio(a: number, b: number): string {
  if (b <= 0) return 'n/a';
  const r = a / b;
  return `${r < 1 ? r.toFixed(2) : r.toFixed(1)}×`;
}

/** Values that were measured, for RSS lists that may hold undefined when GNU time is missing. */
export const measured = (values: readonly (number | undefined)[]): number[] =>
  values.filter((v): v is number => v !== undefined);
