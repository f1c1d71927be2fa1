import * as core from '@actions/core';

/** Shortest value worth masking: masking "a" or "" would shred every log line. */
const MIN_SECRET_LENGTH = 3;

/**
 * Every secret the run knows about: tokens, `headers` values and captured values. Registering a value
 * masks it in the runner's log at once (`core.setSecret`) and lets `redact` scrub it from text we build
 * ourselves (summary, JSON report, PR comment), which the runner does not mask.
 */
export class SecretRegistry {
  private readonly values = new Set<string>();
  private longestFirst: string[] = [];

  constructor(private readonly maskInLog: (value: string) => void = core.setSecret) {}

  /** Masks `value` from now on; short or empty values are ignored. */
  add(value: string | undefined): void {
    if (value === undefined) return;
    const trimmed = value.trim();
    if (trimmed.length < MIN_SECRET_LENGTH || this.values.has(trimmed)) return;
    this.values.add(trimmed);
    this.maskInLog(trimmed);
    // A JSON-escaped copy turns up in the report and in quoted values when the secret has quotes,
    // backslashes or control characters.
    const escaped = JSON.stringify(trimmed).slice(1, -1);
    if (escaped !== trimmed) {
      this.values.add(escaped);
      this.maskInLog(escaped);
    }
    // A URL-encoded copy turns up in query strings and redirects. A value with an unpaired surrogate
    // (a hostile service can return one) has no URL encoding, so it cannot turn up in a URL either.
    let encoded: string;
    try {
      encoded = encodeURIComponent(trimmed);
    } catch {
      return;
    }
    if (encoded !== trimmed) {
      this.values.add(encoded);
      this.maskInLog(encoded);
    }
  }

  /** Replaces every known secret in `text` with `***`, longest first so overlaps redact fully. */
  redact(text: string): string {
    // Every log line passes through here: sort once per change of the set, not once per call.
    if (this.longestFirst.length !== this.values.size) {
      this.longestFirst = [...this.values].sort((a, b) => b.length - a.length);
    }
    let out = text;
    for (const value of this.longestFirst) {
      if (out.includes(value)) out = out.split(value).join('***');
    }
    return out;
  }

  /** Whether any registered secret occurs in `text` (used by tests and the report's final scan). */
  leaks(text: string): boolean {
    for (const value of this.values) if (text.includes(value)) return true;
    return false;
  }
}

/**
 * Masks the credentials apps commonly print, which no registered secret covers: URL user info
 * (`postgres://user:pass@host`) and `password=`/`token=`-style pairs. Provider logs end up in the PR
 * comment, which is public on public repositories.
 */
export function scrubCredentials(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, '$1***:***@')
    .replace(
      /\b([\w-]*?(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key))(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
      '$1$2***',
    );
}
