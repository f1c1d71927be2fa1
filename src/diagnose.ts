/**
 * Known failure signatures in provider logs and events, turned into plain-language diagnoses (DESIGN.md,
 * F1–F9). Shared by the Render and Railway clients: they fetch lines and events, this module reads them.
 *
 * Log lines are attacker-influenced (an app can print anything), so matching is built from `indexOf`
 * scans and a handful of regular expressions without nested or overlapping quantifiers: the work is linear
 * in the input, and the input is capped (the last MAX_SCAN_LINES lines, the first MAX_SCAN_CHARS of each,
 * MAX_SCAN_TOTAL_CHARS in all).
 * Dependency-free on purpose: callers hand in their own `redact`.
 */

/** One provider log line, already fetched by a provider client. */
export interface LogLine {
  timestamp?: string;
  message: string;
  stream: 'build' | 'deploy' | 'app';
}

/** A provider event about the failed deploy, e.g. Render's deploy_ended reason.failure or Railway's deploymentEvents step. */
export interface ProviderEvent {
  step: string;
  outcome: string;
  detail?: string;
  at?: string;
}

/** Stable codes of the failure signatures this module knows, most causal first (see DIAGNOSIS_ORDER). */
export type DiagnosisId =
  | 'missing-env-var'
  | 'db-auth-failed'
  | 'db-ssl-required'
  | 'database-missing'
  | 'module-not-found'
  | 'start-command-not-found'
  | 'migration-failed'
  | 'table-missing'
  | 'out-of-memory'
  | 'disk-full'
  | 'bound-to-localhost'
  | 'port-in-use'
  | 'db-unclean-shutdown'
  | 'db-too-many-connections'
  | 'host-not-found'
  | 'network-unreachable'
  | 'db-not-ready'
  | 'connection-refused'
  | 'connection-reset'
  | 'sqlite-fallback'
  | 'port-not-bound'
  | 'app-crashed'
  | 'pre-deploy-failed'
  | 'healthcheck-failed';

/** A known failure signature found in the evidence, in plain language. */
export interface Diagnosis {
  /** Stable code, e.g. `sqlite-fallback`. */
  id: DiagnosisId;
  /** Short, e.g. "The app fell back to SQLite". */
  title: string;
  /** One or two sentences: what this means for the system. */
  explanation: string;
  /** The suggested fix, imperative, ending with a concrete action. */
  fix: string;
  /** The matching log line or event, trimmed to at most MAX_EVIDENCE_CHARS characters. */
  evidence: string;
}

/** Everything the report needs about a failed deploy's logs. */
export interface Evidence {
  /** The last `maxTailLines` lines, redacted, each message capped to `maxLineChars` after redaction. */
  tail: LogLine[];
  /** True when lines were dropped for the tail. */
  truncated: boolean;
  /** The events, redacted and capped like the tail. */
  events: ProviderEvent[];
  /** At most one per id, most causal first, evidence redacted. */
  diagnoses: Diagnosis[];
}

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
const MAX_SCAN_EVENTS = 1_000;
const DEFAULT_TAIL_LINES = 40;
const DEFAULT_LINE_CHARS = 500;
/** Characters of context kept before the match when evidence has to be cut out of a long line. */
const EVIDENCE_LEAD = 80;
const ELLIPSIS = '…';

// ---------------------------------------------------------------------------------------------------------
// Sanitising

/**
 * ANSI sequences (CSI, 8-bit CSI, OSC, other escapes such as `ESC ( B`), then any remaining C0/C1 control character
 * except tab and line breaks (handled first), then bidirectional overrides, which could make a quoted line
 * read differently in a PR comment. Every quantified class is disjoint from what follows it, and an
 * unterminated sequence stops at the next ESC, so this is linear.
 */
const CONTROL_SEQUENCES =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LINE_BREAKS = /\r\n|[\n\r\u2028\u2029]/g;

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
function cleanText(raw: string, redact: (text: string) => string): string {
  return redact(sanitizeLogText(redact(raw)));
}

/** Cuts `text` to at most `max` characters, marking the cut; never splits a surrogate pair. */
function capChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ELLIPSIS.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * At most MAX_EVIDENCE_CHARS of `text`, trimmed. When the match sits beyond the start of a long line, the
 * excerpt starts a little before it, so the quoted words are the ones that matched.
 */
function excerpt(text: string, matchIndex: number): string {
  const lead = text.length - text.trimStart().length;
  const trimmed = text.trim();
  if (trimmed.length <= MAX_EVIDENCE_CHARS) return trimmed;
  const at = Math.max(0, matchIndex - lead);
  if (at + EVIDENCE_LEAD <= MAX_EVIDENCE_CHARS) return capChars(trimmed, MAX_EVIDENCE_CHARS);
  let start = at - EVIDENCE_LEAD;
  if (isLowSurrogate(trimmed.charCodeAt(start))) start += 1;
  return ELLIPSIS + capChars(trimmed.slice(start), MAX_EVIDENCE_CHARS - ELLIPSIS.length);
}

// ---------------------------------------------------------------------------------------------------------
// Matching primitives: linear scans over the lower-cased start of a line

/** A line as the matchers see it: sanitised, cut to MAX_SCAN_CHARS, and lower-cased once. */
interface ScanView {
  text: string;
  lc: string;
}

/** Where a signature matched (an index into the view, for the evidence excerpt) and what it named. */
interface Hit {
  index: number;
  name?: string;
}

type Matcher = (view: ScanView) => Hit | undefined;

function scanView(raw: string): ScanView {
  const text = sanitizeLogText(raw.length > MAX_SCAN_CHARS ? raw.slice(0, MAX_SCAN_CHARS) : raw);
  return { text, lc: text.toLowerCase() };
}

function isWordChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x5f ||
    (code >= 0x41 && code <= 0x5a)
  );
}

/** Index of `word` standing alone (no letter, digit or `_` either side), or -1. */
function indexOfWord(lc: string, word: string): number {
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
function indexOfSequence(lc: string, a: string, b: string, maxGap: number): number {
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
function anyOf(...phrases: string[]): Matcher {
  return ({ lc }) => {
    for (const phrase of phrases) {
      const index = lc.indexOf(phrase);
      if (index !== -1) return { index };
    }
    return undefined;
  };
}

/** Any of `words` (lower case) standing alone, e.g. errno codes that also occur inside longer names. */
function anyWord(...words: string[]): Matcher {
  return ({ lc }) => {
    for (const word of words) {
      const index = indexOfWord(lc, word);
      if (index !== -1) return { index };
    }
    return undefined;
  };
}

/** One of `firsts` followed, within `maxGap` characters, by one of `thens`. */
function sequence(firsts: string[], thens: string[], maxGap: number): Matcher {
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
function pattern(regex: RegExp, cased = false): Matcher {
  return (view) => {
    const match = regex.exec(cased ? view.text : view.lc);
    return match ? { index: match.index, ...(match[1] ? { name: match[1] } : {}) } : undefined;
  };
}

/** `matcher`, but only on a line that also contains one of `phrases` (context that makes it mean failure). */
function when(matcher: Matcher, ...phrases: string[]): Matcher {
  return (view) => (phrases.some((phrase) => view.lc.includes(phrase)) ? matcher(view) : undefined);
}

/** `matcher`, unless the line also contains one of `phrases` (a negation such as "not falling back"). */
function unless(matcher: Matcher, ...phrases: string[]): Matcher {
  return (view) => {
    for (const phrase of phrases) if (view.lc.includes(phrase)) return undefined;
    return matcher(view);
  };
}

// ---------------------------------------------------------------------------------------------------------
// Signatures with special shapes

/** `KeyError: 'DATABASE_URL'`: Python's os.environ[...] lookup of an unset variable. */
const KEY_ERROR = /KeyError: ['"]([A-Z][A-Z0-9_]{1,80})['"]/;
/** A variable name right after a phrase such as "Missing environment variable". */
const NAME_AFTER = /^[\s:'"`=(\x5b{]{0,5}([A-Z][A-Z0-9_]{1,80})\b/;
/** "DATABASE_URL is not set", "SECRET_KEY must be set": an upper-case name right before the complaint. */
const NAME_NOT_SET =
  /\b([A-Z][A-Z0-9_]{1,80}) (?:environment variable |env var |variable )?(?:is not set|is not defined|not set|must be set|must be defined|is required|is missing|is undefined)\b/;
/** Names so commonly required that "X not set" is a cause even without the word "error" on the line. */
const REQUIRED_NAME_SUFFIXES = ['_URL', '_URI', '_DSN', '_KEY', '_SECRET', '_TOKEN', '_PASSWORD'];

const missingEnvVar: Matcher[] = [
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
const LISTEN_PHRASES = [
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
const LOOPBACK_ADDRESSES = ['127.0.0.1', 'localhost', '[::1]'];
const ALL_INTERFACES = ['0.0.0.0', '[::]', 'all addresses', 'all interfaces'];
/** How far after the listen phrase the address may be ("Listening on: http://" is 16 characters). */
const LISTEN_WINDOW = 48;

/** What a "listening" line says the server bound to, if it says so. */
function listenTarget(lc: string): { kind: 'loopback' | 'all'; index: number } | undefined {
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
const SHELL_KILLED = /(?:^|\s)\d+\s+killed(?:\s|$)/;
/** "exit code 137", "Exited with status 137": SIGKILL, in practice the OOM killer. */
const EXIT_137 = /(?:exit|status|code)\D{0,12}137(?!\d)/;

const outOfMemory: Matcher[] = [
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
const alembicFailedLine: Matcher = ({ lc }) => {
  const index = lc.indexOf('failed:');
  if (index === -1 || lc.slice(0, index).trim() !== '') return undefined;
  const rest = lc.slice(index);
  return ['revision', 'head', 'target database', 'alembic', 'migration'].some((w) => rest.includes(w))
    ? { index }
    : undefined;
};

/** Render's "==> Exited with status 1": the process ended on its own. Exit 0 is not a crash. */
const EXITED_NONZERO = /exited with (?:status|code) (\d{1,3})\b/;
const exitedNonZero: Matcher = ({ lc }) => {
  const match = EXITED_NONZERO.exec(lc);
  return match && match[1] !== '0' ? { index: match.index } : undefined;
};

// ---------------------------------------------------------------------------------------------------------
// The catalog

/** A provider event, lower-cased, as the event matchers see it. */
interface EventView {
  step: string;
  outcome: string;
  detail: string;
}
type EventMatcher = (event: EventView) => boolean;

const FAILED_OUTCOMES = ['fail', 'error', 'crash', 'timeout', 'timed out', 'timed_out', 'unhealthy', 'oom'];
const isFailure = (outcome: string) => FAILED_OUTCOMES.some((word) => outcome.includes(word));

interface Signature {
  id: DiagnosisId;
  /**
   * Generic signatures only say *that* something failed. They are reported only when nothing more specific
   * was found, so "health check failed" never crowds out the reason it failed.
   */
  generic?: boolean;
  /**
   * Lower-case substrings of which every line matcher needs at least one: a cheap gate, so most log lines
   * cost a few `includes` instead of every matcher.
   */
  keys: string[];
  /** Tried on every scanned log line and on each event's text. */
  lines: Matcher[];
  /** Tried on the structured fields of each event. */
  events?: EventMatcher[];
  /** Event steps (lower-case substrings) this signature does not apply to at all. */
  notForSteps?: string[];
  describe: (name: string | undefined) => { title: string; explanation: string; fix: string };
}

/** Ordered by how causal a signature is: root causes first, then symptoms, then generic failures. */
const SIGNATURES: readonly Signature[] = [
  {
    id: 'missing-env-var',
    keys: ['keyerror', 'env', 'not set', 'not defined', 'must be', 'required', 'missing', 'undefined'],
    lines: missingEnvVar,
    describe: (name) => ({
      title: name
        ? `The environment variable ${name} is not set`
        : 'A required environment variable is not set',
      explanation: `The app needs ${name ?? 'an environment variable'} at startup and it was not set on the service, so the app crashed or fell back to a default.`,
      fix: `Set ${name ?? 'the missing variable'} in the service's environment settings on Render or Railway, then redeploy.`,
    }),
  },
  {
    id: 'db-auth-failed',
    keys: ['authentication', 'access denied', 'client password', 'role "', 'pg_hba'],
    lines: [
      anyOf(
        'password authentication failed',
        'access denied for user',
        'authentication failed for user',
        'sasl authentication failed',
        'client password must be a string',
      ),
      // MongoDB's "bad auth : Authentication failed", not an HTTP "bad authorization header".
      sequence(['bad auth'], ['authentication failed'], 6),
      sequence(['role "'], ['" does not exist'], 80),
      unless(anyOf('no pg_hba.conf entry'), 'ssl off', 'no encryption'),
    ],
    describe: () => ({
      title: 'The database rejected the login',
      explanation:
        'The database is reachable but refused the user, password or client address in the connection URL, so every query fails.',
      fix: "Copy the current connection URL from the database's dashboard into DATABASE_URL (credentials change when a database is recreated or its password rotated), then redeploy.",
    }),
  },
  {
    id: 'db-ssl-required',
    keys: ['pg_hba', 'ssl', 'certificate'],
    lines: [
      sequence(['pg_hba.conf'], ['ssl off', 'no encryption'], 200),
      anyOf(
        'ssl connection is required',
        'ssl/tls required',
        'ssl is required',
        'ssl required',
        'requires ssl',
        'server does not support ssl',
        'self-signed certificate',
        'self signed certificate',
        'unable to verify the first certificate',
        'unable to get local issuer certificate',
        'certificate verify failed',
      ),
    ],
    describe: () => ({
      title: 'A connection failed on its SSL settings',
      explanation:
        "The app and a server it connects to (usually the database) disagree about SSL: the server requires encryption the client did not use, or the client could not verify the server's certificate.",
      fix: "Enable SSL in the client the way the provider documents it (e.g. add `sslmode=require` to DATABASE_URL, or set the driver's `ssl` option) and trust the provider's certificate, then redeploy.",
    }),
  },
  {
    id: 'database-missing',
    keys: ['database'],
    lines: [sequence(['database "'], ['" does not exist'], 120), anyOf('unknown database')],
    describe: () => ({
      title: 'The database named in the URL does not exist',
      explanation:
        'The server accepted the connection, but the database name in the URL does not exist on it, so the app cannot open it.',
      fix: "Fix the database name at the end of DATABASE_URL (copy the URL from the database's dashboard), or create that database, then redeploy.",
    }),
  },
  {
    id: 'module-not-found',
    keys: ['module', 'package', 'resolve', 'such file'],
    lines: [
      anyOf(
        'modulenotfounderror',
        'no module named',
        'cannot find module',
        'cannot find package',
        "module not found: error: can't resolve",
        "module not found: can't resolve",
        'failed to resolve import',
        'cannot load such file',
        'no required module provides package',
      ),
      anyWord('err_module_not_found'),
    ],
    describe: () => ({
      title: 'A module could not be found',
      explanation:
        'The app or its build imports code that is not in the deployed build: a dependency missing from the manifest, a build that ran in the wrong directory, or an entry file the start command names that was never built.',
      fix: "Add the module to requirements.txt or package.json `dependencies` (not devDependencies), check the service's root directory and build command, and run the start command from a clean checkout to confirm.",
    }),
  },
  {
    id: 'start-command-not-found',
    keys: ['not found', 'missing script', 'package.json', "can't open file"],
    lines: [
      anyOf(
        'command not found',
        'executable file not found',
        'missing script',
        'could not read package.json',
        "can't open file",
      ),
      sequence(['sh:'], [': not found'], 80),
      sequence(['enoent'], ['package.json'], 120),
    ],
    describe: () => ({
      title: 'The start command could not run',
      explanation:
        'The command that starts the app, or a file it names, does not exist in the deployed build, so the process exits before serving anything.',
      fix: "Compare the service's start command and root directory with the repository (the npm script exists, the binary is installed by the build command, the path is relative to the root directory), then redeploy.",
    }),
  },
  {
    id: 'migration-failed',
    keys: ['migrat', 'alembic', 'flyway', 'p30', 'failed:', 'dirty database', 'shadow database'],
    lines: [
      anyOf(
        'alembic.util.exc',
        'migration failed',
        'migrations failed',
        'migration has failed',
        'failed to run migration',
        'failed to apply migration',
        'failed to migrate',
        'migrate failed',
        'error running migration',
        'error during migration',
        'error while running migration',
        'error applying migration',
        'migration error',
        'migrate found failed migrations',
        'failed to apply cleanly to the shadow database',
        'migrations have failed validation',
        'later migrations canceled',
        'pendingmigrationerror',
        'django.db.migrations.exceptions',
        'inconsistentmigrationhistory',
        'conflicting migrations detected',
        'flywayexception',
        'flywaymigrateexception',
        'flywayvalidateexception',
        'dirty database version',
      ),
      sequence(['error'], ['alembic.util.messaging'], 20),
      sequence(['migration file'], ['failed'], 120),
      sequence(['migration of schema'], ['failed'], 120),
      // Prisma Migrate's error codes are P3000–P3022; the context keeps an ID like `p3001` from matching.
      when(pattern(/\bp30[0-2]\d\b/), 'error', 'migrat'),
      alembicFailedLine,
    ],
    describe: () => ({
      title: 'A database migration failed',
      explanation:
        'The migration step errored, so the new release did not go live or runs against a schema it does not expect; on Render a failed pre-deploy command leaves the previous deploy serving.',
      fix: 'Reproduce the migration against a copy of the production database, fix it or mark a half-applied one resolved (e.g. `alembic stamp`, `prisma migrate resolve`), then redeploy.',
    }),
  },
  {
    id: 'table-missing',
    keys: ['does not exist', "doesn't exist", 'no such table', 'undefinedtable'],
    lines: [
      sequence(['relation "'], ['" does not exist'], 120),
      sequence(["table '"], ["' doesn't exist"], 120),
      anyOf('no such table', 'undefinedtable'),
    ],
    describe: () => ({
      title: 'A database table is missing',
      explanation:
        'The app queried a table the database does not have: migrations did not run, or the app is connected to a different or freshly created (empty) database.',
      fix: 'Run the migrations as part of the deploy (Render pre-deploy command or Railway pre-deploy step) and check that DATABASE_URL points at the database that holds the data, then redeploy.',
    }),
  },
  {
    id: 'out-of-memory',
    keys: ['memory', 'heap limit', 'oom', 'enomem', 'killed', '137', 'sigkill'],
    lines: outOfMemory,
    describe: () => ({
      title: 'The process ran out of memory',
      explanation:
        'The build or the app used more memory than the instance allows and was killed (exit 137, OOM); it will keep failing at the same point.',
      fix: 'Lower memory use (fewer workers, `NODE_OPTIONS=--max-old-space-size` below the instance limit, smaller batches) or move the service to an instance type with more RAM, then redeploy.',
    }),
  },
  {
    id: 'disk-full',
    keys: ['space left', 'disk', 'extend file', 'enospc'],
    lines: [
      anyOf(
        'no space left on device',
        'disk quota exceeded',
        'could not extend file',
        'disk is full',
        'disk full',
      ),
      anyWord('enospc'),
    ],
    describe: () => ({
      title: 'The disk is full',
      explanation:
        'A write failed because the disk or volume has no space left, so the app or the database cannot store new data.',
      fix: 'Free space on, or enlarge, the disk or volume attached to the service (or the database’s storage), then redeploy.',
    }),
  },
  {
    id: 'bound-to-localhost',
    keys: ['127.0.0.1', 'localhost', '[::1]'],
    lines: [
      ({ lc }) => {
        const target = listenTarget(lc);
        return target?.kind === 'loopback' ? { index: target.index } : undefined;
      },
    ],
    describe: () => ({
      title: 'The app listens on localhost only',
      explanation:
        'The server bound to 127.0.0.1/localhost, which cannot be reached from outside its container, so the platform could not reach it.',
      fix: 'Bind to 0.0.0.0 and the PORT environment variable (e.g. `uvicorn app:app --host 0.0.0.0 --port $PORT`, `gunicorn -b 0.0.0.0:$PORT`, `app.listen(process.env.PORT, "0.0.0.0")`), then redeploy.',
    }),
  },
  {
    id: 'port-in-use',
    keys: ['in use', 'already allocated', 'eaddrinuse'],
    lines: [
      anyOf('address already in use', 'port is already allocated', 'port already in use'),
      anyWord('eaddrinuse'),
    ],
    describe: () => ({
      title: 'The port was already in use',
      explanation:
        'The app tried to listen on a port that another process in the same container already holds, usually because the server is started twice.',
      fix: 'Start exactly one server on $PORT: check the start command and any second `listen()` or worker that binds the same port, then redeploy.',
    }),
  },
  {
    id: 'db-unclean-shutdown',
    keys: ['database system', 'automatic recovery'],
    lines: [
      anyOf(
        'database system was not properly shut down',
        'database system was interrupted',
        'automatic recovery in progress',
      ),
    ],
    describe: () => ({
      title: 'The database was not shut down cleanly',
      explanation:
        'PostgreSQL was stopped abruptly (a crash, an OOM kill or a forced restart) and replays its log before accepting connections; if it repeats, the database instance itself is unhealthy.',
      fix: "Check the database's own logs and metrics for crashes and memory or disk pressure, and give it more memory or disk if it keeps restarting, then redeploy.",
    }),
  },
  {
    id: 'db-too-many-connections',
    keys: ['too many', 'connection slots', 'connection limit'],
    lines: [
      anyOf(
        'too many clients already',
        'remaining connection slots are reserved',
        'too many connections',
        'connection limit exceeded',
      ),
    ],
    describe: () => ({
      title: 'The database has no free connections',
      explanation:
        'The database refused new connections because its limit was reached, often because old and new instances both hold full pools during a deploy.',
      fix: "Lower the app's pool size so every instance and worker fits under the database's max_connections, or put a pooler such as PgBouncer in front of it, then redeploy.",
    }),
  },
  {
    id: 'host-not-found',
    keys: ['host', 'name or service', 'name resolution', 'servname', 'enotfound', 'eai_again', 'getaddrinfo'],
    lines: [
      anyOf(
        'could not translate host name',
        'name or service not known',
        'temporary failure in name resolution',
        'nodename nor servname provided',
        'no such host',
        'getaddrinfo failed',
        'unknownhostexception',
      ),
      anyWord('enotfound', 'eai_again'),
    ],
    describe: () => ({
      title: 'A host name could not be resolved',
      explanation:
        'A DNS lookup failed for a host the app connects to: the name is misspelled, belongs to a deleted service, or is a private name (e.g. `*.railway.internal` or a Render internal host) that this service cannot resolve.',
      fix: "Copy the host from the target's dashboard into the connection URL; use internal host names only from services in the same project and region, then redeploy.",
    }),
  },
  {
    id: 'network-unreachable',
    keys: ['unreach', 'no route'],
    lines: [
      anyOf('network is unreachable', 'network unreachable', 'no route to host'),
      anyWord('enetunreach', 'ehostunreach'),
    ],
    describe: () => ({
      title: 'A dependency is unreachable over the network',
      explanation:
        'The app could not route to a host it needs, usually the database: a wrong host or port, an IPv6 address where only IPv4 works (or the reverse), a private network this service is not on, or an external URL used without SSL.',
      fix: "Check the host and port in DATABASE_URL against the database's dashboard, use its internal URL from a service on the same private network (allowing IPv6 where the provider's private network uses it), and require SSL on external URLs, then redeploy.",
    }),
  },
  {
    id: 'db-not-ready',
    keys: ['database system'],
    lines: [
      anyOf(
        'database system is starting up',
        'database system is in recovery mode',
        'database system is shutting down',
      ),
    ],
    describe: () => ({
      title: 'The database was not ready',
      explanation:
        'PostgreSQL answered that it is starting up, shutting down or recovering, so the queries the app sent in that window failed.',
      fix: "Make the app retry its database connection with backoff at startup and report unhealthy until it connects; if this persists, check the database's status on the provider.",
    }),
  },
  {
    id: 'connection-refused',
    keys: ['refused'],
    lines: [anyOf('connection refused'), anyWord('econnrefused')],
    describe: () => ({
      title: 'A connection was refused',
      explanation:
        'Nothing was listening at the host and port the app connected to: the dependency is down or still starting, or the URL points at localhost, which inside the container is the app itself.',
      fix: "Point the connection URL at the dependency's internal host and port (never localhost on Render or Railway) and check that the dependency is running, then redeploy.",
    }),
  },
  {
    id: 'connection-reset',
    keys: [
      'reset',
      'closed the connection',
      'hang up',
      'forcibly closed',
      'ssl syscall',
      'closed unexpectedly',
    ],
    lines: [
      anyOf(
        'connection reset',
        'server closed the connection unexpectedly',
        'socket hang up',
        'connection was forcibly closed',
        'ssl syscall error',
        'ssl connection has been closed unexpectedly',
      ),
      anyWord('econnreset'),
    ],
    describe: () => ({
      title: 'A connection was reset',
      explanation:
        'A server closed an open connection abruptly: the database or an upstream restarted, dropped an idle connection, or rejected the connection at the SSL handshake.',
      fix: "Check whether the database restarted at that time, enable SSL if the server requires it, and make the app's pool test connections before use and retry (e.g. SQLAlchemy `pool_pre_ping=True`), then redeploy.",
    }),
  },
  {
    id: 'sqlite-fallback',
    keys: ['sqlite'],
    lines: [
      // "Falling back to local SQLite", but not "not falling back to SQLite" or "SQLite fallback disabled".
      unless(
        sequence(
          [
            'falling back',
            'fall back',
            'fell back',
            'fallback',
            'defaulting to',
            'default to',
            'reverting to',
          ],
          ['sqlite'],
          40,
        ),
        'not fall',
        "n't fall",
        'never fall',
        'without falling',
        'no fallback',
        'refusing to fall',
        'fallback disabled',
        'fallback is disabled',
      ),
      unless(anyOf('using sqlite'), 'not using sqlite'),
      // A SQLite URL, SQLite errors and SQLite code paths in a stack trace all mean SQLite is in use.
      anyOf(
        'sqlite://',
        'sqlite3::',
        'sqlite_error',
        'sqlite_cantopen',
        'sqlite_readonly',
        'sqlite_busy',
        'sqlite_constraint',
        'sqlite_corrupt',
        'backends.sqlite3',
        'backends/sqlite3',
        'context impl sqliteimpl',
        'sqlalchemy.dialects.sqlite',
        'engine(sqlite',
      ),
      sequence(['sqlite3.'], ['error'], 20),
      sequence(['datasource'], ['sqlite database'], 40),
    ],
    describe: () => ({
      title: 'The app fell back to SQLite',
      explanation:
        'The app is using a local SQLite file instead of PostgreSQL; on Render and Railway that file lives on the container’s ephemeral disk, so data vanishes on every deploy and is not shared between instances, even while /health says the database is fine.',
      fix: 'Set DATABASE_URL on the service to the internal PostgreSQL URL, and make the app exit instead of falling back to SQLite when the variable is missing or the connection fails.',
    }),
  },
  {
    id: 'port-not-bound',
    keys: ['open ports', 'port scan', 'failed to respond', 'at least one port'],
    lines: [
      anyOf(
        'no open ports detected',
        'port scan timeout reached',
        'application failed to respond',
        'bind your service to at least one port',
      ),
    ],
    describe: () => ({
      title: 'The app never opened its port',
      explanation:
        'The platform found no open port, or got no response, in time and failed the deploy: the app crashed first, listened on the wrong port or address, or took too long to start.',
      fix: 'Make the server listen on 0.0.0.0 and the port in the PORT environment variable, and look in the log tail for a crash before it started listening.',
    }),
  },
  {
    id: 'app-crashed',
    keys: ['exited'],
    generic: true,
    // A build or pre-deploy command that exits non-zero is not the app crashing.
    notForSteps: ['build', 'pre-deploy', 'pre_deploy', 'predeploy', 'pre deploy'],
    lines: [anyOf('application exited early'), exitedNonZero],
    events: [
      (e) =>
        e.outcome.includes('crash') ||
        [
          'nonzeroexit',
          'non-zero exit',
          'nonzero exit',
          'earlyexit',
          'early exit',
          'exited early',
          'crashed',
        ].some((w) => e.detail.includes(w)),
    ],
    describe: () => ({
      title: 'The app exited during startup',
      explanation:
        'The process stopped on its own (a non-zero or early exit) before the deploy became healthy; the reason is usually printed just before the exit.',
      fix: "Read the last lines of the log tail for the error before the exit, and reproduce it by running the start command locally with the service's environment.",
    }),
  },
  {
    id: 'pre-deploy-failed',
    keys: ['pre-deploy'],
    generic: true,
    lines: [anyOf('pre-deploy command failed', 'pre-deploy failed', 'pre-deploy has failed')],
    events: [
      (e) =>
        ['pre_deploy', 'pre-deploy', 'predeploy', 'pre deploy'].some((w) => e.step.includes(w)) &&
        isFailure(e.outcome),
    ],
    describe: () => ({
      title: 'The pre-deploy command failed',
      explanation:
        'The command that runs before a release goes live (usually the migrations) failed, so the new release was not promoted and production still serves the previous deploy.',
      fix: 'Run the pre-deploy command against a copy of the production database to see its error, fix it, then redeploy.',
    }),
  },
  {
    id: 'healthcheck-failed',
    keys: ['health', 'replicas never'],
    generic: true,
    lines: [
      anyOf(
        'healthcheck failed',
        'health check failed',
        'replicas never became healthy',
        'health check timed out',
        'healthcheck timed out',
      ),
    ],
    events: [
      (e) => e.step.includes('health') && isFailure(e.outcome),
      (e) => isFailure(e.outcome) && (e.detail.includes('unhealthy') || e.detail.includes('health check')),
    ],
    describe: () => ({
      title: "The platform's health check failed",
      explanation:
        "The platform's health check never got a healthy answer from the new instance within its window, so the deploy was not switched live.",
      fix: 'Request the health path on a local run with production settings, make it answer 200 quickly once the app can serve, and check that the app listens on 0.0.0.0:$PORT, then redeploy.',
    }),
  },
];

/** Every diagnosis id, most causal first: the order `diagnose` reports them in. */
export const DIAGNOSIS_ORDER: readonly DiagnosisId[] = SIGNATURES.map((s) => s.id);

// ---------------------------------------------------------------------------------------------------------
// Scanning

/** Where a signature was first seen: the raw text, so evidence is cleaned (and redacted) from the whole line. */
interface Finding {
  signature: Signature;
  raw: string;
}

/** An event as one line of text: `deploy failed: out of memory (OOM killed)`. */
function eventText(event: ProviderEvent): string {
  const head = `${str(event.step)} ${str(event.outcome)}`.trim();
  const detail = str(event.detail);
  return detail ? `${head}: ${detail}` : head;
}

/** Provider payloads are JSON: tolerate a missing or non-string field instead of crashing the report. */
function str(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

function matchLines(signature: Signature, view: ScanView): Hit | undefined {
  if (!signature.keys.some((key) => view.lc.includes(key))) return undefined;
  for (const matcher of signature.lines) {
    const hit = matcher(view);
    if (hit) return hit;
  }
  return undefined;
}

function findSignatures(lines: readonly LogLine[], events: readonly ProviderEvent[]): Finding[] {
  const found = new Map<DiagnosisId, Finding>();
  const pending = SIGNATURES.slice();
  // A Flask or Express app may print a localhost URL while it listens everywhere; one line saying it binds
  // all interfaces outweighs that.
  let listensEverywhere = false;

  const tryText = (raw: string, event?: EventView) => {
    const view = scanView(raw);
    if (!listensEverywhere && listenTarget(view.lc)?.kind === 'all') listensEverywhere = true;
    for (let i = 0; i < pending.length; i++) {
      const signature = pending[i] as Signature;
      if (event && signature.notForSteps?.some((step) => event.step.includes(step))) continue;
      const hit =
        matchLines(signature, view) ??
        (event && signature.events?.some((matches) => matches(event)) ? { index: 0 } : undefined);
      if (!hit) continue;
      found.set(signature.id, { signature, raw });
      pending.splice(i--, 1);
    }
  };

  // The window is the newest lines within both budgets; it is scanned oldest first, so each diagnosis
  // quotes where the trouble started rather than its hundredth echo.
  let start = lines.length;
  let budget = MAX_SCAN_TOTAL_CHARS;
  while (start > 0 && lines.length - start < MAX_SCAN_LINES) {
    const cost = Math.min(str(lines[start - 1]?.message).length, MAX_SCAN_CHARS);
    if (cost > budget) break;
    budget -= cost;
    start -= 1;
  }
  for (let i = start; i < lines.length && pending.length > 0; i++) {
    const message = str(lines[i]?.message);
    if (message) tryText(message);
  }
  // Log lines are the better quote, so events only fill in what the lines did not show.
  for (let i = Math.max(0, events.length - MAX_SCAN_EVENTS); i < events.length && pending.length > 0; i++) {
    const event = events[i];
    if (!event) continue;
    tryText(eventText(event), {
      step: str(event.step).toLowerCase(),
      outcome: str(event.outcome).toLowerCase(),
      detail: str(event.detail).toLowerCase(),
    });
  }

  // A localhost URL in the logs proves nothing unless the platform also failed to reach the app.
  if (
    found.has('bound-to-localhost') &&
    (listensEverywhere || !(found.has('port-not-bound') || found.has('healthcheck-failed')))
  ) {
    found.delete('bound-to-localhost');
  }
  const findings = SIGNATURES.flatMap((s) => found.get(s.id) ?? []);
  const specific = findings.some((f) => !f.signature.generic);
  return specific ? findings.filter((f) => !f.signature.generic) : findings;
}

function toDiagnosis(finding: Finding, redact: (text: string) => string): Diagnosis {
  const text = cleanText(finding.raw, redact);
  // Find the match again in the cleaned text: redaction moves it, and the excerpt should show it. The name
  // quoted in the title comes from this redacted text too, so a secret never reaches the title or the fix.
  const hit = matchLines(finding.signature, scanView(text));
  return {
    id: finding.signature.id,
    ...finding.signature.describe(hit?.name),
    evidence: excerpt(text, hit?.index ?? 0),
  };
}

const identity = (text: string) => text;

/**
 * Finds the known failure signatures in a failed deploy's log lines and provider events. Returns at most
 * one diagnosis per id, most causal first (e.g. `db-auth-failed` before `connection-reset`), each quoting
 * the first line (or, failing that, event) that showed it. Generic ones (`healthcheck-failed`,
 * `pre-deploy-failed`, `app-crashed`) appear only when nothing more specific was found.
 * The evidence is sanitised but NOT redacted: use buildEvidence for anything that leaves the process.
 */
export function diagnose(lines: readonly LogLine[], events: readonly ProviderEvent[]): Diagnosis[] {
  return findSignatures(lines, events).map((finding) => toDiagnosis(finding, identity));
}

/**
 * Everything the report shows about a failed deploy's logs: the last `maxTailLines` lines (default 40),
 * the events, and the diagnoses, all sanitised and redacted. Each text is redacted before it is capped to
 * `maxLineChars` (default 500), so a cut can never leave part of a secret unredacted.
 * Throws RangeError for a negative or fractional `maxTailLines`, or a `maxLineChars` below 1.
 */
export function buildEvidence(input: {
  lines: readonly LogLine[];
  events: readonly ProviderEvent[];
  redact: (text: string) => string;
  maxTailLines?: number;
  maxLineChars?: number;
}): Evidence {
  const { lines, events, redact } = input;
  const maxTailLines = input.maxTailLines ?? DEFAULT_TAIL_LINES;
  const maxLineChars = input.maxLineChars ?? DEFAULT_LINE_CHARS;
  if (!Number.isInteger(maxTailLines) || maxTailLines < 0)
    throw new RangeError(`maxTailLines must be a whole number of at least 0, got ${maxTailLines}`);
  if (!Number.isInteger(maxLineChars) || maxLineChars < 1)
    throw new RangeError(`maxLineChars must be a whole number of at least 1, got ${maxLineChars}`);

  const clean = (text: unknown) => capChars(cleanText(str(text), redact), maxLineChars);
  const kept = maxTailLines === 0 ? [] : lines.slice(-maxTailLines);
  const tail = kept.map((line): LogLine => ({
    ...(line.timestamp !== undefined ? { timestamp: clean(line.timestamp) } : {}),
    message: clean(line.message),
    stream: line.stream,
  }));
  return {
    tail,
    truncated: lines.length > kept.length,
    events: events.map((event): ProviderEvent => ({
      step: clean(event.step),
      outcome: clean(event.outcome),
      ...(event.detail !== undefined ? { detail: clean(event.detail) } : {}),
      ...(event.at !== undefined ? { at: clean(event.at) } : {}),
    })),
    diagnoses: findSignatures(lines, events).map((finding) => toDiagnosis(finding, redact)),
  };
}
