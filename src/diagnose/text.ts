/** Limits of the scan, and log text made safe to quote: control sequences out, long lines cut. */

/** Only the newest lines are scanned: the cause of a failed deploy is near its end, and work stays bounded. */
export const MAX_SCAN_LINES = 10_000;
/** Only the start of a line is scanned; error messages lead, and a megabyte line must not cost more. */
export const MAX_SCAN_CHARS = 4_000;
/** Longest `Diagnosis.evidence`. */
export const MAX_EVIDENCE_CHARS = 300;
/**
 * Only the newest lines that fit in this many characters (each counted up to MAX_SCAN_CHARS) are scanned.
 * Ordinary logs (10,000 lines of a few hundred characters) fit whole; 10,000 maximal lines of text built to
 * defeat substring search would otherwise take seconds.
 */
export const MAX_SCAN_TOTAL_CHARS = 4_000_000;
/** Only the newest events are scanned, for the same reason as lines. */
export const MAX_SCAN_EVENTS = 1_000;
export const DEFAULT_TAIL_LINES = 40;
export const DEFAULT_LINE_CHARS = 500;
/** Characters of context kept before the match when evidence has to be cut out of a long line. */
export const EVIDENCE_LEAD = 80;
export const ELLIPSIS = '…';

// ---------------------------------------------------------------------------------------------------------
// Sanitising

/**
 * ANSI sequences (CSI, 8-bit CSI, OSC, other escapes such as `ESC ( B`), then any remaining C0/C1 control character
 * except tab and line breaks (handled first), then bidirectional overrides, which could make a quoted line
 * read differently in a PR comment. Every quantified class is disjoint from what follows it, and an
 * unterminated sequence stops at the next ESC, so this is linear.
 */
export const CONTROL_SEQUENCES =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
export const LINE_BREAKS = /\r\n|[\n\r\u2028\u2029]/g;

/**
 * Strips ANSI escape codes and control characters (tab survives) from a log message. Line breaks inside a
 * message become a space rather than vanishing, so the words either side stay apart.
 */
export function sanitizeLogText(text: string): string {
  return text.replace(LINE_BREAKS, ' ').replace(CONTROL_SEQUENCES, '');
}

/**
 * Redacts, sanitises, and redacts again: the first pass catches a secret that contains characters the
 * sanitiser changes (a PEM key's line breaks), the second a secret that an escape code split in two.
 */
export function cleanText(raw: string, redact: (text: string) => string): string {
  return redact(sanitizeLogText(redact(raw)));
}

/** Cuts `text` to at most `max` characters, marking the cut; never splits a surrogate pair. */
export function capChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ELLIPSIS.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

export function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * At most MAX_EVIDENCE_CHARS of `text`, trimmed. When the match sits beyond the start of a long line, the
 * excerpt starts a little before it, so the quoted words are the ones that matched.
 */
export function excerpt(text: string, matchIndex: number): string {
  const lead = text.length - text.trimStart().length;
  const trimmed = text.trim();
  if (trimmed.length <= MAX_EVIDENCE_CHARS) return trimmed;
  const at = Math.max(0, matchIndex - lead);
  if (at + EVIDENCE_LEAD <= MAX_EVIDENCE_CHARS) return capChars(trimmed, MAX_EVIDENCE_CHARS);
  let start = at - EVIDENCE_LEAD;
  if (isLowSurrogate(trimmed.charCodeAt(start))) start += 1;
  return ELLIPSIS + capChars(trimmed.slice(start), MAX_EVIDENCE_CHARS - ELLIPSIS.length);
}
