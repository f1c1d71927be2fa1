/**
 * The matching primitives of the diagnosis: linear scans over the lower-cased start of a log line, and the
 * signatures whose shape needs more than a phrase (a missing variable's name, what a server listens on,
 * an out-of-memory kill). Log lines are attacker-influenced, so every scan is linear in its input.
 */
import { MAX_SCAN_CHARS, sanitizeLogText } from './text.js';
// ---------------------------------------------------------------------------------------------------------
// Matching primitives: linear scans over the lower-cased start of a line

/** A line as the matchers see it: sanitised, cut to MAX_SCAN_CHARS, and lower-cased once. */
export interface ScanView {
  text: string;
  lc: string;
}

/** Where a signature matched (an index into the view, for the evidence excerpt) and what it named. */
export interface Hit {
  index: number;
  name?: string;
}

export type Matcher = (view: ScanView) => Hit | undefined;

export function scanView(raw: string): ScanView {
  const text = sanitizeLogText(raw.length > MAX_SCAN_CHARS ? raw.slice(0, MAX_SCAN_CHARS) : raw);
  return { text, lc: text.toLowerCase() };
}

export function isWordChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x5f ||
    (code >= 0x41 && code <= 0x5a)
  );
}

/** Index of `word` standing alone (no letter, digit or `_` either side), or -1. */
export function indexOfWord(lc: string, word: string): number {
  let i = lc.indexOf(word);
  while (i !== -1) {
    if (!isWordChar(lc.charCodeAt(i - 1)) && !isWordChar(lc.charCodeAt(i + word.length))) return i;
    i = lc.indexOf(word, i + 1);
  }
  return -1;
}

/**
 * Index of an `a` followed by a `b` that starts at most `maxGap` characters after `a` ends, or -1. Both
 * scans only move forward (the nearest `b` is reused until an `a` passes it), so this is linear.
 */
export function indexOfSequence(lc: string, a: string, b: string, maxGap: number): number {
  let j = -1;
  let i = lc.indexOf(a);
  while (i !== -1) {
    const from = i + a.length;
    if (j < from) {
      j = lc.indexOf(b, from);
      if (j === -1) return -1;
    }
    if (j - from <= maxGap) return i;
    // Every `a` that ends more than maxGap before j is too far from the nearest `b`: skip past them.
    i = lc.indexOf(a, Math.max(i + 1, j - maxGap - a.length));
  }
  return -1;
}

/** Any of `phrases` (lower case) anywhere in the line. */
export function anyOf(...phrases: string[]): Matcher {
  return ({ lc }) => {
    for (const phrase of phrases) {
      const index = lc.indexOf(phrase);
      if (index !== -1) return { index };
    }
    return undefined;
  };
}

/** Any of `words` (lower case) standing alone, e.g. errno codes that also occur inside longer names. */
export function anyWord(...words: string[]): Matcher {
  return ({ lc }) => {
    for (const word of words) {
      const index = indexOfWord(lc, word);
      if (index !== -1) return { index };
    }
    return undefined;
  };
}

/** One of `firsts` followed, within `maxGap` characters, by one of `thens`. */
export function sequence(firsts: string[], thens: string[], maxGap: number): Matcher {
  return ({ lc }) => {
    for (const a of firsts) {
      for (const b of thens) {
        const index = indexOfSequence(lc, a, b, maxGap);
        if (index !== -1) return { index };
      }
    }
    return undefined;
  };
}

/**
 * A regular expression over the lower-cased line (or the original case with `cased`). Only for patterns
 * audited to be linear: literal anchors, bounded repeats, and no quantified group next to an overlapping one.
 */
export function pattern(regex: RegExp, cased = false): Matcher {
  return (view) => {
    const match = regex.exec(cased ? view.text : view.lc);
    return match ? { index: match.index, ...(match[1] ? { name: match[1] } : {}) } : undefined;
  };
}

/** `matcher`, but only on a line that also contains one of `phrases` (context that makes it mean failure). */
export function when(matcher: Matcher, ...phrases: string[]): Matcher {
  return (view) => (phrases.some((phrase) => view.lc.includes(phrase)) ? matcher(view) : undefined);
}

/** `matcher`, unless the line also contains one of `phrases` (a negation such as "not falling back"). */
export function unless(matcher: Matcher, ...phrases: string[]): Matcher {
  return (view) => {
    for (const phrase of phrases) if (view.lc.includes(phrase)) return undefined;
    return matcher(view);
  };
}

// ---------------------------------------------------------------------------------------------------------
// Signatures with special shapes

/** `KeyError: 'DATABASE_URL'`: Python's os.environ[...] lookup of an unset variable. */
export const KEY_ERROR = /KeyError: ['"]([A-Z][A-Z0-9_]{1,80})['"]/;
/** A variable name right after a phrase such as "Missing environment variable". */
export const NAME_AFTER = /^[\s:'"`=(\x5b{]{0,5}([A-Z][A-Z0-9_]{1,80})\b/;
/** "DATABASE_URL is not set", "SECRET_KEY must be set": an upper-case name right before the complaint. */
export const NAME_NOT_SET =
  /\b([A-Z][A-Z0-9_]{1,80}) (?:environment variable |env var |variable )?(?:is not set|is not defined|not set|must be set|must be defined|is required|is missing|is undefined)\b/;
/** Names so commonly required that "X not set" is a cause even without the word "error" on the line. */
export const REQUIRED_NAME_SUFFIXES = ['_URL', '_URI', '_DSN', '_KEY', '_SECRET', '_TOKEN', '_PASSWORD'];

export const missingEnvVar: Matcher[] = [
  pattern(KEY_ERROR, true),
  (view) => {
    for (const phrase of [
      'environment variable not found',
      'missing required environment variable',
      'missing environment variable',
      'missing env var',
      'required environment variable',
      'invalid environment variables',
      'environment variable is not set',
    ]) {
      const index = view.lc.indexOf(phrase);
      if (index === -1) continue;
      const after = view.text.slice(index + phrase.length, index + phrase.length + 100);
      const name = NAME_AFTER.exec(after)?.[1];
      return name ? { index, name } : { index };
    }
    return undefined;
  },
  (view) => {
    const match = NAME_NOT_SET.exec(view.text);
    const name = match?.[1];
    if (!match || !name) return undefined;
    // "ID is required" from a request validator is not about the environment: an environment variable
    // name has an underscore or the line says "env".
    const envName = name.includes('_') || view.lc.includes('env');
    const failing =
      REQUIRED_NAME_SUFFIXES.some((suffix) => name.endsWith(suffix)) ||
      ['error', 'fatal', 'exception', 'missing', 'required', 'must'].some((word) => view.lc.includes(word));
    return envName && failing ? { index: match.index, name } : undefined;
  },
];

/** Phrases that announce where a server listens ("Listening on", gunicorn's "Listening at:", uvicorn's "running on"). */
export const LISTEN_PHRASES = [
  'listening on',
  'listening at',
  'listen on',
  'running on',
  'running at',
  'bound to',
  'binding to',
  'serving on',
  'serving at',
  'started on',
  'started at',
  // Django's "Starting development server at"; a bare "server at" is also a client's "connection to server at".
  'development server at',
];
export const LOOPBACK_ADDRESSES = ['127.0.0.1', 'localhost', '[::1]'];
export const ALL_INTERFACES = ['0.0.0.0', '[::]', 'all addresses', 'all interfaces'];
/** How far after the listen phrase the address may be ("Listening on: http://" is 16 characters). */
export const LISTEN_WINDOW = 48;

/** What a "listening" line says the server bound to, if it says so. */
export function listenTarget(lc: string): { kind: 'loopback' | 'all'; index: number } | undefined {
  for (const phrase of LISTEN_PHRASES) {
    const at = lc.indexOf(phrase);
    if (at === -1) continue;
    const window = lc.slice(at + phrase.length, at + phrase.length + LISTEN_WINDOW);
    const first = (addresses: string[]) =>
      Math.min(...addresses.map((a) => window.indexOf(a)).map((i) => (i === -1 ? Infinity : i)));
    const loopback = first(LOOPBACK_ADDRESSES);
    const all = first(ALL_INTERFACES);
    if (all < loopback) return { kind: 'all', index: at };
    if (loopback < Infinity) return { kind: 'loopback', index: at };
  }
  return undefined;
}

/** A shell reporting that it killed a job: `/bin/sh: line 1:    27 Killed    npm run build`. */
export const SHELL_KILLED = /(?:^|\s)\d+\s+killed(?:\s|$)/;
/** "exit code 137", "Exited with status 137": SIGKILL, in practice the OOM killer. */
export const EXIT_137 = /(?:exit|status|code)\D{0,12}137(?!\d)/;

export const outOfMemory: Matcher[] = [
  anyOf(
    'out of memory',
    'outofmemoryerror',
    'reached heap limit',
    'cannot allocate memory',
    'oomkilled',
    'oom killed',
    'oom-killed',
    'oom_killed',
    'oom-kill',
    'memory limit exceeded',
    'exceeded memory limit',
    'exceeded its memory limit',
  ),
  anyWord('memoryerror', 'enomem', 'oom'),
  ({ lc }) => (lc.trim() === 'killed' ? { index: lc.indexOf('killed') } : undefined),
  pattern(SHELL_KILLED),
  pattern(EXIT_137),
  sequence(['signal'], ['sigkill'], 4),
];

/** alembic's bare `FAILED: Can't locate revision ...` lines, which do not name alembic. */
export const alembicFailedLine: Matcher = ({ lc }) => {
  const index = lc.indexOf('failed:');
  if (index === -1 || lc.slice(0, index).trim() !== '') return undefined;
  const rest = lc.slice(index);
  return ['revision', 'head', 'target database', 'alembic', 'migration'].some((w) => rest.includes(w))
    ? { index }
    : undefined;
};

/** Render's "==> Exited with status 1": the process ended on its own. Exit 0 is not a crash. */
export const EXITED_NONZERO = /exited with (?:status|code) (\d{1,3})\b/;
export const exitedNonZero: Matcher = ({ lc }) => {
  const match = EXITED_NONZERO.exec(lc);
  return match && match[1] !== '0' ? { index: match.index } : undefined;
};
