const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/**
 * Parses a duration as inputs and checks files write it: `500ms`, `90s`, `10m`, `1.5h`, or compound
 * `1m30s`. Returns milliseconds, or undefined for anything else (a bare number has no unit, so it is
 * rejected rather than guessed).
 */
export function parseDuration(text: string): number | undefined {
  const compact = text.trim();
  if (!isDurationText(compact)) return undefined;
  let total = 0;
  for (const [, amount, unit] of compact.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/**
 * Whether `text` is written as a duration, whatever its size: `parseDuration` returns undefined for such
 * text only when it is too large to represent (`999…9h`), which deserves its own message.
 */
export function isDurationText(text: string): boolean {
  return DURATION.test(text.trim());
}

/** Formats milliseconds for people: "850ms", "42s", "3m05s", "1h02m". */
export function formatDuration(ms: number): string {
  // Rounded first: 999.6 is "1s", not "1000ms".
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
