/**
 * Property-based fuzzing (fast-check) of everything a user types into the action: durations, the
 * `headers` input, getConfig as a whole, the checks file and its `{{ }}` templates. Every generated input
 * must end in a valid value or a clear configuration error (ConfigError, or a problem list), never in an
 * unhandled exception, and no problem message may quote a secret.
 *
 * The seed is fixed (and shown in the describe names), so a failure reproduces as is; run this file with
 * `FUZZ_SEED=<n>` to explore other inputs (fast-check prints seed and path of a counterexample; the path
 * can be added to `params()` to replay only the shrunk case), and `FUZZ_SCALE=10` for ten times as many.
 *
 * A bug this fuzzer finds is pinned with `knownBug` as a `test.failing` reproduction: it passes while the
 * bug exists and fails once it is fixed, which is the signal to turn it into a plain `it` among the
 * regressions at the end (`FUZZ_SHOW_BUGS=1` runs the reproductions as plain tests to show how each fails
 * today). Meanwhile the generators of the main properties leave that bug class out, each exclusion saying
 * so, and the exclusion goes when the bug is fixed. None is open now: the regressions at the end are the
 * ten bugs found so far, and the generators cover all of them again.
 *
 * After the run, `.tmp/reliability/fuzz.json` records the number of generated inputs checked, for the
 * generated "Reliability" table; it is written only when every property passed.
 */
import { afterAll, describe, expect, it, test } from '@jest/globals';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseChecksFile } from '../../src/checks/parse.js';
import { performRequest } from '../../src/checks/request.js';
import {
  compileJsonTemplate,
  renderJsonTemplate,
  Template,
  UnboundVariableError,
  type TemplateScope,
} from '../../src/checks/template.js';
import type { CheckContext, ChecksFile, RequestSpec } from '../../src/checks/types.js';
import { runnerSource } from '../helpers/config-source.js';
import {
  getConfig,
  INPUT_DEFAULTS,
  parseHeaders,
  type Config,
  type ConfigSource,
} from '../../src/config/index.js';
import { clientManagedHeader } from '../../src/http.js';
import { formatDuration, isDurationText, parseDuration } from '../../src/duration.js';
import { ConfigError, formatProblem, type ConfigProblem } from '../../src/errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/http.js';
import { SecretRegistry } from '../../src/secrets.js';

// ---------------------------------------------------------------------------------------------------
// Run control, the counter and the reliability file
// ---------------------------------------------------------------------------------------------------

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_260_611;
const SCALE = Math.max(1, Number(process.env.FUZZ_SCALE ?? '1') || 1);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** fast-check parameters: the fixed seed (so failures reproduce) and the scaled number of runs. */
function params(numRuns: number): { seed: number; numRuns: number; endOnFailure: boolean } {
  return { seed: SEED, numRuns: numRuns * SCALE, endOnFailure: false };
}

/** Generated inputs checked by passing properties (shrinking only happens after a failure). */
let fuzzRuns = 0;
const properties: string[] = [];
const passedProperties = new Set<string>();
/** Known-bug reproductions that still reproduce, by kind. */
type BugKind = 'unhandled' | 'leak' | 'hang' | 'wrong-result';
const knownBugs = new Map<string, BugKind>();

/** Registers a property test; it counts as passed only when its body completes. */
function property(name: string, body: () => void | Promise<void>, timeoutMs = 15_000): void {
  properties.push(name);
  it(
    name,
    async () => {
      await body();
      passedProperties.add(name);
    },
    timeoutMs,
  );
}

/**
 * A bug reproduction: `body` asserts the correct behaviour, so it fails (and the test passes) while the
 * bug exists. Still-present bugs are listed in the reliability file.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- unused while no bug is open; kept for the next one
function knownBug(name: string, kind: BugKind, body: () => void | Promise<void>): void {
  // FUZZ_SHOW_BUGS=1 runs them as plain tests, to read how each one fails today.
  const register = process.env.FUZZ_SHOW_BUGS ? it : test.failing;
  register(`KNOWN BUG (${kind}): ${name}`, async () => {
    knownBugs.set(name, kind);
    await body();
    knownBugs.delete(name);
  });
}

/** Counts one generated input; call it first thing in every predicate. */
function counted(): void {
  fuzzRuns++;
}

afterAll(() => {
  if (properties.length === 0 || passedProperties.size !== properties.length) return;
  const dir = join(ROOT, '.tmp', 'reliability');
  mkdirSync(dir, { recursive: true });
  const bugs = [...knownBugs].map(([name, kind]) => ({ name, kind }));
  writeFileSync(
    join(dir, 'fuzz.json'),
    `${JSON.stringify(
      {
        fuzzRuns,
        // Generated inputs never ended in an unhandled exception; the known reproductions below still do.
        unhandled: bugs.filter((bug) => bug.kind === 'unhandled').length,
        leaks: bugs.filter((bug) => bug.kind === 'leak').length,
        properties: properties.length,
        seed: SEED,
        knownBugs: bugs,
      },
      null,
      2,
    )}\n`,
  );
});

// ---------------------------------------------------------------------------------------------------
// Shared fixtures and helpers
// ---------------------------------------------------------------------------------------------------

const ACTION_INPUTS = new Set(
  Object.keys((parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: object }).inputs),
);
const DEMO_CHECKS = readFileSync(join(ROOT, 'examples', 'demo', 'checks.yml'), 'utf8');
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SHA = 'a'.repeat(40);
const RUN = { id: '4242', attempt: '1', nonce: 'n0nce', sha: SHA };
/** NEWLINE_SECRET: a secret saved with a trailing newline, which no header can carry. */
const CHECKS_ENV = {
  SMOKE_PASSWORD: 'hunter22',
  EMPTY_SECRET: '',
  HOST: 'api.example.com',
  NEWLINE_SECRET: 's3cret-value\n',
};

const workspace = mkdtempSync(join(tmpdir(), 'fuzz-config-'));
writeFileSync(join(workspace, 'schema.json'), JSON.stringify({ type: 'object', required: ['status'] }));
writeFileSync(join(workspace, 'checks.yml'), 'checks:\n  - name: home\n    request: GET /\n');
writeFileSync(join(workspace, 'bad-checks.yml'), 'checks:\n  - name: home\n    request: FETCH /\n');

/** Inputs as the runner passes them: one the arbitrary left empty is not given, so its default applies. */
function source(inputs: Record<string, string>): ConfigSource {
  const given = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [name, value === '' ? undefined : value]),
  );
  return runnerSource(given, {
    env: { GITHUB_WORKSPACE: workspace, GITHUB_SHA: SHA, ...CHECKS_ENV },
    runNonce: 'n0nce',
  });
}

type Outcome<T> = { ok: T } | { configError: ConfigError };

/** Runs `fn`; a ConfigError is an expected outcome, anything else thrown fails the property as is. */
function outcomeOf<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: fn() };
  } catch (error) {
    if (error instanceof ConfigError) return { configError: error };
    throw error;
  }
}

/** A problem a user can act on: it names an input of action.yml, says what is wrong and how to fix it. */
function expectClearProblem(p: ConfigProblem): void {
  check(typeof p.value === 'string', 'the problem has a string value', p);
  check(ACTION_INPUTS.has(p.input), 'the problem names an input of action.yml', p);
  check(p.problem.trim() !== '', 'the problem says what is wrong', p);
  check(p.fix.trim() !== '', 'the problem says how to fix it', p);
}

function expectClearConfigError(error: ConfigError): void {
  check(error.problems.length > 0, 'a ConfigError has problems', error.message);
  check(error.name === 'ConfigError', 'the error is named ConfigError', error.name);
  for (const p of error.problems) {
    expectClearProblem(p);
    check(error.message.includes(p.fix), 'the message includes the fix', { message: error.message, p });
    check(error.message.includes(formatProblem(p)), 'the message includes the problem line', p);
  }
}

/** A cheap assertion for hot loops (jest's expect costs microseconds per call, thousands of times). */
function check(condition: boolean, what: string, detail: unknown): void {
  if (!condition) throw new Error(`expected: ${what}; got ${JSON.stringify(detail)}`);
}

function expectNoSecret(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) {
    if (text.includes(secret)) throw new Error(`secret ${JSON.stringify(secret)} leaked into: ${text}`);
  }
}

const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_CHARS = [...`${alnum}!#$%&'*+-.^_\`|~`];

/** A value that looks like a secret: long, random, never a substring of anything else generated. */
const secretArb = fc
  .tuple(
    fc.constantFrom('sk_live_', 'ghp_', 'rnd_', 'Bearer eyJ', 'Basic dXNl', ''),
    fc.string({ unit: fc.constantFrom(...alnum), minLength: 24, maxLength: 48 }),
    fc.constantFrom('', '==', '/x+y', ':colon:', ' with space', '%41', 'é'),
  )
  .map(([prefix, body, suffix]) => `${prefix}${body}${suffix}`);

// ---------------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------------

const unitArb = fc.constantFrom('ms', 's', 'm', 'h');
const amountArb = fc.oneof(
  fc.nat({ max: 100_000 }).map(String),
  fc
    .tuple(
      fc.nat({ max: 999 }),
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 4 }),
    )
    .map(([whole, fraction]) => `${whole}.${fraction}`),
  fc.constantFrom('0', '00', '007', '9'.repeat(400)),
);
/** A well-formed duration and the milliseconds it denotes (undefined when it overflows). */
const validDurationArb = fc
  .tuple(
    fc.array(fc.tuple(amountArb, unitArb), { minLength: 1, maxLength: 4 }),
    fc.constantFrom('', ' ', '\t', '\n '),
    fc.constantFrom('', ' ', '\r\n'),
  )
  .map(([parts, before, after]) => {
    let total = 0;
    for (const [amount, unit] of parts) total += Number(amount) * (UNIT_MS[unit] ?? 0);
    return {
      text: `${before}${parts.map(([amount, unit]) => `${amount}${unit}`).join('')}${after}`,
      ms: Number.isFinite(total) ? Math.round(total) : undefined,
    };
  });
const durationNoiseArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc
    .array(
      fc.constantFrom(
        ...[
          '0',
          '1',
          '9',
          '.',
          '5',
          'ms',
          's',
          'm',
          'h',
          'd',
          'M',
          'S',
          'H',
          'us',
          ' ',
          '\t',
          '\n',
          '-',
          '+',
        ],
        ...['e', '1e3', 'Infinity', 'NaN', '\u0661', '\uff19', '\u00a0', '_', ',', '9'.repeat(320), '0x1'],
      ),
      { maxLength: 8 },
    )
    .map((parts) => parts.join('')),
  validDurationArb.map((d) => d.text),
);

describe(`fuzz: durations (seed ${SEED})`, () => {
  property('parseDuration: any string gives undefined or a finite whole number of ms, never throws', () => {
    fc.assert(
      fc.property(durationNoiseArb, (text) => {
        counted();
        const ms = parseDuration(text);
        if (ms === undefined) return;
        expect(Number.isInteger(ms)).toBe(true);
        expect(Number.isFinite(ms)).toBe(true);
        expect(ms).toBeGreaterThanOrEqual(0);
        // Accepted text is made of ASCII digits, dots and units only, and is never a bare number.
        const compact = text.trim();
        expect(compact).toMatch(/^[0-9.msh]+$/);
        expect(compact).not.toMatch(/^[0-9.]+$/);
      }),
      params(1500),
    );
  });

  property('parseDuration: a well-formed (compound, decimal) duration gives exactly its milliseconds', () => {
    fc.assert(
      fc.property(validDurationArb, ({ text, ms }) => {
        counted();
        expect(parseDuration(text)).toBe(ms);
      }),
      params(1000),
    );
  });

  property('formatDuration -> parseDuration round-trips within the display precision', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 7 * 24 * 3_600_000 }),
          fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }),
          fc.constantFrom(
            0,
            999.4,
            999.5,
            999.6,
            999.9,
            1000,
            59_499,
            59_500,
            3_599_499,
            3_599_500,
            3_600_000,
          ),
        ),
        (ms) => {
          counted();
          const text = formatDuration(ms);
          // Milliseconds only below a second: never "1000ms".
          if (text.endsWith('ms')) expect(Number(text.slice(0, -2))).toBeLessThan(1000);
          const back = parseDuration(text);
          if (back === undefined) throw new Error(`formatDuration(${ms}) = ${text} does not parse`);
          // Below 1 s it is shown in ms, below 1 h in whole seconds, then in whole minutes.
          const tolerance = ms < 1000 ? 0.5 : back < 3_600_000 ? 500 : 60_500;
          expect(Math.abs(back - ms)).toBeLessThanOrEqual(tolerance);
          // A second round trip changes nothing.
          expect(parseDuration(formatDuration(back))).toBe(back);
        },
      ),
      params(1000),
    );
  });

  property(
    'getConfig: any timeout/interval/request-timeout gives a Config in range or a ConfigError naming it',
    () => {
      const durationInput = fc.oneof(
        durationNoiseArb,
        fc.constantFrom('', '90s', '10m', '1h', '6h', '2s', '100ms'),
      );
      fc.assert(
        fc.property(durationInput, durationInput, durationInput, (timeout, interval, requestTimeout) => {
          counted();
          const inputs = {
            url: 'https://app.example.com',
            timeout,
            interval,
            'request-timeout': requestTimeout,
          };
          const outcome = outcomeOf(() => getConfig(source(inputs), new SecretRegistry(() => undefined)));
          if ('ok' in outcome) {
            const config = outcome.ok;
            expect(config.timeoutMs).toBeGreaterThanOrEqual(1000);
            expect(config.timeoutMs).toBeLessThanOrEqual(6 * 3_600_000);
            expect(config.intervalMs).toBeGreaterThanOrEqual(100);
            expect(config.intervalMs).toBeLessThan(config.timeoutMs);
            expect(config.requestTimeoutMs).toBeGreaterThanOrEqual(100);
            expect(config.requestTimeoutMs).toBeLessThanOrEqual(config.timeoutMs);
            return;
          }
          const error = outcome.configError;
          expectClearConfigError(error);
          for (const p of error.problems)
            expect(['timeout', 'interval', 'request-timeout']).toContain(p.input);
          for (const [name, value] of Object.entries(inputs)) {
            if (name === 'url') continue;
            const text = value.trim() || INPUT_DEFAULTS[name as 'timeout'];
            if (parseDuration(text) === undefined) {
              // Malformed, or well-formed but too large to represent (999…9h): each says which.
              expect(error.problems).toContainEqual(
                expect.objectContaining({
                  input: name,
                  problem: isDurationText(text)
                    ? expect.stringMatching(/^is too large; it must be between /)
                    : 'is not a duration',
                }),
              );
            }
          }
        }),
        params(300),
      );
    },
  );
});

// ---------------------------------------------------------------------------------------------------
// The headers input
// ---------------------------------------------------------------------------------------------------

const tokenNameArb = fc.oneof(
  fc.constantFrom('Authorization', 'X-Api-Key', 'Cookie', 'x-a', "X!#$%&'*+.^_`|~-"),
  fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 16 }),
);
const spaceArb = fc.constantFrom('', ' ', '  ', '\t', ' \t ');

interface HeaderLine {
  text: string;
  /** The secret value in this line; it must never show up in a problem. */
  secret?: string;
  /** For a well-formed line: the name and the value getConfig must accept. */
  header?: { name: string; value: string };
}

/** Characters undici refuses in a header value: controls, DEL, anything beyond Latin-1. */
const unsendableArb = fc.constantFrom(
  '\u0001',
  '\u001f',
  '\u007f',
  '\u20ac',
  '\u2028',
  '\ud800',
  '\u{1f600}',
);
/** Names the HTTP client sets itself or refuses, in any case. */
const managedNameArb = fc
  .constantFrom('Connection', 'Keep-Alive', 'Transfer-Encoding', 'Content-Length', 'Expect', 'Upgrade')
  .chain((name) => fc.constantFrom(name, name.toLowerCase(), name.toUpperCase()));

/**
 * One line of the `headers` input. Secrets sit after the colon, and also before it in lines whose name is
 * invalid (a forgotten colon: `Authorization Bearer <token>:x`), where they must not be echoed either.
 */
const headerLineArb = (index: number): fc.Arbitrary<HeaderLine> =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .tuple(tokenNameArb, spaceArb, spaceArb, secretArb, spaceArb, spaceArb)
        .map(([name, s1, s2, secret, s3, s4]) => {
          const unique = `${name}-${index}`;
          const value = secret.trim();
          // A value made only of spaces (not generated here) would be "no value".
          return {
            text: `${s1}${unique}${s2}:${s3}${secret}${s4}`,
            secret: value,
            header: { name: unique, value },
          };
        }),
    },
    {
      weight: 2,
      // Invalid names: spaces, non-token characters, non-ASCII, nothing at all.
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            '',
            ' ',
            'Bad Name',
            'X(1)',
            'Ünïcode',
            'a/b',
            '"q"',
            'X@Y',
            'a\u0000b',
            '[x]',
            '=',
            '{}',
          ),
          secretArb,
        )
        .map(([name, secret]) => ({ text: `${name}: ${secret}`, secret })),
    },
    {
      weight: 2,
      // A secret before the first colon of a line whose name is invalid (a forgotten colon).
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'Authorization ',
            'Authorization Bearer ',
            'Cookie session=',
            'X-Token\t',
            '(',
            'Ünï ',
          ),
          secretArb,
          fc.constantFrom(':x', ':', ': 1', '::'),
        )
        .map(([prefix, secret, tail]) => ({
          text: `${prefix}${secret}${tail}`,
          secret: (secret.split(':')[0] ?? secret).trim(),
        })),
    },
    {
      weight: 2,
      // Control characters inside the value: NUL, or a lone CR (lines split only on LF and CRLF).
      arbitrary: fc
        .tuple(tokenNameArb, secretArb, fc.constantFrom('\u0000', '\r', '\r\u0000'), secretArb)
        .map(([name, a, ctrl, b]) => ({ text: `${name}: ${a}${ctrl}${b}`, secret: a })),
    },
    {
      weight: 2,
      // Characters undici refuses inside the value: the line is a problem, not a probe that always fails.
      arbitrary: fc
        .tuple(tokenNameArb, secretArb, unsendableArb, secretArb)
        .map(([name, a, bad, b]) => ({ text: `${name}: ${a}${bad}${b}`, secret: a })),
    },
    {
      weight: 1,
      // Names the HTTP client cannot send.
      arbitrary: fc
        .tuple(managedNameArb, secretArb)
        .map(([name, secret]) => ({ text: `${name}: ${secret}`, secret: secret.trim() })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(tokenNameArb, spaceArb).map(([name, space]) => ({ text: `${name}:${space}` })),
    },
    {
      weight: 1,
      // A line without a colon; it carries no secret (a secret without a colon is never quoted anyway).
      arbitrary: fc.string({ maxLength: 30 }).map((text) => ({ text: text.replace(/[:\r\n]/g, '') })),
    },
    { weight: 1, arbitrary: fc.constantFrom<HeaderLine>({ text: '' }, { text: '   ' }, { text: '\t' }) },
    {
      weight: 1,
      // Anything at all (no secret in it): a line, several lines, a problem or a header.
      arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((text) => ({ text })),
    },
  );

/** A whole `headers` input: lines joined by LF or CRLF. */
const headersTextArb = fc
  .array(fc.nat(), { maxLength: 8 })
  .chain((slots) => fc.tuple(...slots.map((_, index) => headerLineArb(index))))
  .chain((lines) =>
    fc
      .array(fc.constantFrom('\n', '\r\n'), { minLength: lines.length, maxLength: lines.length })
      .map((separators) => ({
        lines: lines as HeaderLine[],
        text: (lines as HeaderLine[]).map((line, i) => `${line.text}${separators[i] ?? '\n'}`).join(''),
      })),
  );

function undiciSendable(value: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(value);
}

describe(`fuzz: headers (seed ${SEED})`, () => {
  property(
    'parseHeaders: valid tokens and clean values, or problems that name headers and quote no value',
    () => {
      fc.assert(
        fc.property(headersTextArb, ({ lines, text }) => {
          counted();
          const { headers, problems } = parseHeaders(text);
          for (const [name, value] of Object.entries(headers)) {
            check(HEADER_TOKEN.test(name), 'a header name is a token', name);
            check(clientManagedHeader(name) === undefined, 'undici can send a header of this name', name);
            check(undiciSendable(value), 'undici can send the value', value);
            check(value === value.trim() && value !== '', 'a header value is trimmed and not empty', value);
          }
          for (const p of problems) {
            check(p.input === 'headers', 'the problem names headers', p);
            check(/^line \d+ /.test(p.problem), 'the problem names the line', p);
            check(p.fix.trim() !== '', 'the problem says how to fix it', p);
          }
          for (const line of lines) {
            if (line.header) expect(headers[line.header.name]).toBe(line.header.value);
          }
          expectNoSecret(
            JSON.stringify(problems),
            lines.flatMap((line) => (line.secret ? [line.secret] : [])),
          );
        }),
        params(800),
      );
    },
  );

  property(
    'getConfig headers: a Config with every value masked, or a ConfigError naming headers without secrets',
    () => {
      fc.assert(
        fc.property(headersTextArb, ({ lines, text }) => {
          counted();
          const masked: string[] = [];
          const outcome = outcomeOf(() =>
            getConfig(
              source({ url: 'https://app.example.com', headers: text }),
              new SecretRegistry((v) => masked.push(v)),
            ),
          );
          const secrets = lines.flatMap((line) => (line.secret ? [line.secret] : []));
          if ('ok' in outcome) {
            expect(outcome.ok.headers).toEqual(parseHeaders(text).headers);
            for (const value of Object.values(outcome.ok.headers)) {
              expect(undiciSendable(value)).toBe(true);
              if (value.length >= 3) expect(masked).toContain(value);
            }
            return;
          }
          const error = outcome.configError;
          expectClearConfigError(error);
          for (const p of error.problems) expect(p.input).toBe('headers');
          expectNoSecret(error.message, secrets);
          expectNoSecret(JSON.stringify(error.problems), secrets);
        }),
        params(300),
      );
    },
  );
});

// ---------------------------------------------------------------------------------------------------
// getConfig as a whole
// ---------------------------------------------------------------------------------------------------

/** An input value: mostly meaningful choices, sometimes random text, sometimes unset. */
function inputArb(
  valid: string[],
  invalid: string[],
  random: fc.Arbitrary<string> = fc.string({ maxLength: 20 }),
) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    { weight: 4, arbitrary: fc.constantFrom(...valid) },
    { weight: 3, arbitrary: fc.constantFrom(...invalid) },
    { weight: 1, arbitrary: random },
  );
}

const urlArb = inputArb(
  [
    'https://app.example.com',
    'http://localhost:3000',
    'https://x.test/base/',
    'http://127.0.0.1:8080',
    'http://[::1]:9/',
  ],
  [
    'app.example.com',
    'ftp://x.test',
    'https://x.test/?q=1',
    'https://x.test/#frag',
    'https://user@x.test',
    'http://',
    'https://exa mple.com',
    'javascript:alert(1)',
    'mailto:a@b.c',
    'http://remote.example.com',
    '//x.test',
    'https://user%ZZ:pw@app.example.com',
    'https://u:p%E0%A4%A@x.test',
    'https://admin:pw@my app.example.com',
    'https://admin:pw@',
  ],
  fc.webUrl({
    withQueryParameters: true,
    withFragments: true,
    validSchemes: ['http', 'https', 'ftp', 'ws'],
    authoritySettings: { withUserInfo: true, withPort: true, withIPv6: true },
  }),
);

/** Pieces of templates: variables of every scope, malformed placeholders, stray braces, URL syntax. */
const fragmentArb = fc.constantFrom(
  ...['/api', '/notes/', '{{ id }}', '{{ token }}', '{{ env.SMOKE_PASSWORD }}', '{{ env.EMPTY_SECRET }}'],
  ...['{{ env.UNSET_VAR }}', '{{ run.nonce }}', '{{ run.sha }}', '{{ run.bogus }}', '{{', '}}', '{{ a b }}'],
  ...['{{}}', ' ', 'x', '%20', '?q=1', '#f', 'https://api.example.com', '{{ foo.bar }}', '{{env.HOST}}', '{'],
  ...['}', '\u00e9', '\n', '"', "'", ':', '- ', '\\', '$&', '{{ env.NEWLINE_SECRET }}', '\u20ac', '\u0001'],
  ...['{{ env.toString }}', '{{ env.constructor }}', '{{ __proto__ }}'],
);
const templateTextArb = fc.oneof(
  { weight: 3, arbitrary: fc.array(fragmentArb, { maxLength: 6 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 16 }) },
);
const keyArb = fc.oneof(
  fc.constantFrom('a', 'b', 'name', '/x', '/a/0', 'constructor', 'toString', '__proto__', '{{ id }}'),
  fc.string({ maxLength: 8 }),
);
/** A JSON value whose strings may hold template fragments, keyed by anything (`__proto__` too). */
const { jsonArb } = fc.letrec<{ jsonArb: unknown }>((tie) => ({
  jsonArb: fc.oneof(
    { depthSize: 'small', maxDepth: 3, withCrossShrink: true },
    templateTextArb,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('jsonArb'), { maxLength: 3 }),
    fc.dictionary(keyArb, tie('jsonArb'), { maxKeys: 3 }),
  ),
}));

const schemaInputArb = inputArb(
  [
    '{"type":"object"}',
    '{"type":"object","required":["status"],"properties":{"status":{"const":"ok"}}}',
    'type: object\nrequired: [status]\n',
    'schema.json',
  ],
  [
    'true',
    '{"type":',
    '{"type":"nope"}',
    '[1,2]',
    '{"requried":[]}',
    'missing.json',
    'type: [object\n',
    '"str"\n',
    '42\n',
    'a: b\n: c\n',
  ],
  jsonArb.map((value) => JSON.stringify(value) ?? ''),
);

/** Small checks files, inline or by path. */
const checksInputArb = inputArb(
  [
    'checks:\n  - name: home\n    request: GET /\n',
    '{"checks":[{"name":"a","request":"GET /","expect":{"status":200}}]}',
    'checks.yml',
    DEMO_CHECKS,
  ],
  [
    'checks:\n  - name: home\n',
    'checks: []\n',
    'bad-checks.yml',
    'nope.yml',
    '{',
    'checks:\n  - request: "GET {{ x"\n',
  ],
  fc
    .array(fragmentArb, { maxLength: 6 })
    .map((parts) => `checks:\n  - name: a\n    request: ${JSON.stringify(`GET /${parts.join('')}`)}\n`),
);

const configInputsArb = fc
  .record({
    url: urlArb,
    'health-path': inputArb(
      ['/health', '/', '/api/health'],
      ['health', '//evil.example', '/h?x=1', ' '],
      fc.string({ maxLength: 10 }),
    ),
    // Rare: every schema that parses costs an ajv compile (about 30 ms each, a new Ajv every time).
    'health-schema': fc.oneof(
      { weight: 12, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: schemaInputArb },
    ),
    'expect-version': inputArb([SHA, 'abc1234', 'v1.2.3'], ['x', ' '], fc.string({ maxLength: 40 })),
    'version-from': inputArb(
      ['/version', '/build/sha', 'header:X-App-Version', 'HEADER: x-v', ''],
      ['version', 'header:', 'header:bad name', '/a~2', '~', 'header:X:Y', '/a~'],
    ),
    provider: inputArb(['none', 'render', 'railway'], ['Render', 'heroku', 'NONE', 'fly']),
    'api-token': fc.oneof(fc.constant(''), secretArb),
    'service-id': inputArb(['srv-abc123'], ['x']),
    'environment-id': inputArb(['env-1'], ['x']),
    'api-url': inputArb(
      ['https://127.0.0.1:8443/v1', 'http://localhost:4000'],
      ['http://api.example.com', 'api', 'https://a/?k=v'],
    ),
    commit: inputArb([SHA, 'abc1234', 'ABCDEF0'], ['abc', 'zzzzzzz', 'a'.repeat(41), 'main']),
    'deploy-id': inputArb(['dep-1'], ['x']),
    deploy: inputArb(['true', 'false', 'TRUE', 'False'], ['yes', '1', 'on', 'tru']),
    'pause-auto-deploy': inputArb(['true', 'false'], ['no', '0', 'off']),
    timeout: fc.oneof(inputArb(['90s', '10m', '1h'], ['0s', '7h', '10', 'soon']), durationNoiseArb),
    interval: fc.oneof(inputArb(['5s', '100ms', '1m'], ['50ms', '2h', '5']), durationNoiseArb),
    'request-timeout': fc.oneof(inputArb(['10s', '1s'], ['1ms', '2h', 'x']), durationNoiseArb),
    'success-threshold': inputArb(
      ['1', '2', '20'],
      ['0', '21', '2.5', '-1', 'abc', '01', '99999999999999999999', ' 3 '],
    ),
    'failure-threshold': inputArb(['1', '3', '20'], ['0', '21', '1e1', '+3', 'three']),
    rollback: inputArb(['on-failure', 'never', 'dry-run'], ['On-Failure', 'always', 'true', 'dry run']),
    headers: fc.oneof(
      fc.constant(''),
      headersTextArb.map((h) => h.text),
    ),
    'github-token': fc.oneof(fc.constant(''), secretArb),
    comment: inputArb(['auto', 'always', 'never'], ['sometimes', 'AUTO', 'false']),
    checks: fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: checksInputArb }),
  })
  .chain((inputs) =>
    // Unset inputs come as '' from the runner, but an input may also be padded with spaces or newlines.
    fc.constantFrom('', ' ', '\n').map((pad) => ({ inputs, pad })),
  );

function expectValidConfig(config: Config): void {
  expect(['none', 'render', 'railway']).toContain(config.provider);
  if (config.provider === 'none') {
    expect(config.url).toBeDefined();
    expect(config.deploy).toBe(false);
  } else {
    expect(config.apiToken).toBeDefined();
    expect(config.serviceId).toBeDefined();
  }
  if (config.provider === 'railway') expect(config.environmentId).toBeDefined();
  for (const url of [config.url, config.apiUrl]) {
    if (!url) continue;
    expect(['http:', 'https:']).toContain(url.protocol);
    expect(url.username + url.password + url.search + url.hash).toBe('');
  }
  if (config.apiUrl?.protocol === 'http:') {
    expect(['localhost', '[::1]']).toContain(
      config.apiUrl.hostname.replace(/^127\.\d+\.\d+\.\d+$/, 'localhost'),
    );
  }
  expect(config.healthPath.startsWith('/') && !config.healthPath.startsWith('//')).toBe(true);
  expect(config.timeoutMs).toBeGreaterThanOrEqual(1000);
  expect(config.intervalMs).toBeLessThan(config.timeoutMs);
  expect(config.requestTimeoutMs).toBeLessThanOrEqual(config.timeoutMs);
  for (const threshold of [config.successThreshold, config.failureThreshold]) {
    expect(Number.isInteger(threshold) && threshold >= 1 && threshold <= 20).toBe(true);
  }
  expect(['on-failure', 'never', 'dry-run']).toContain(config.rollback);
  expect(['auto', 'always', 'never']).toContain(config.comment);
  if (config.versionFrom.kind === 'header') expect(config.versionFrom.name).toMatch(HEADER_TOKEN);
  else if (config.versionFrom.kind === 'pointer')
    expect(config.versionFrom.pointer.startsWith('/')).toBe(true);
  for (const [name, value] of Object.entries(config.headers)) {
    expect(name).toMatch(HEADER_TOKEN);
    expect(value).not.toMatch(/[\r\n\0]/);
  }
}

describe(`fuzz: getConfig (seed ${SEED})`, () => {
  property(
    'any combination of inputs gives a Config or a ConfigError of clear problems, nothing else',
    () => {
      fc.assert(
        fc.property(configInputsArb, ({ inputs, pad }) => {
          counted();
          const padded: Record<string, string> = {};
          for (const [name, value] of Object.entries(inputs))
            padded[name] = value === '' ? '' : `${pad}${value}${pad}`;
          const outcome = outcomeOf(() => getConfig(source(padded), new SecretRegistry(() => undefined)));
          if ('ok' in outcome) {
            expectValidConfig(outcome.ok);
            return;
          }
          const error = outcome.configError;
          expectClearConfigError(error);
          const secrets = [inputs['api-token'], inputs['github-token']].filter((s) => s.length >= 3);
          expectNoSecret(error.message, secrets);
          // Every invalid choice is reported, not silently replaced by its default.
          // `rollback` has no fixed default (on-failure, or never for previews): empty is always valid.
          const defaults: Record<string, string> = { ...INPUT_DEFAULTS, rollback: 'on-failure' };
          const choices: [string, string[]][] = [
            ['provider', ['render', 'railway', 'none']],
            ['rollback', ['on-failure', 'never', 'dry-run']],
            ['comment', ['auto', 'always', 'never']],
          ];
          for (const [name, allowed] of choices) {
            const given = (inputs as Record<string, string>)[name]?.trim() || (defaults[name] ?? '');
            // A provider's name counts in any case (`provider: Render`).
            const value = name === 'provider' ? given.toLowerCase() : given;
            if (!allowed.includes(value)) expect(error.problems.map((p) => p.input)).toContain(name);
          }
          for (const name of ['deploy', 'pause-auto-deploy'] as const) {
            if (!/^(|true|True|TRUE|false|False|FALSE)$/.test(inputs[name].trim())) {
              expect(error.problems.map((p) => p.input)).toContain(name);
            }
          }
          for (const name of ['success-threshold', 'failure-threshold'] as const) {
            const value = inputs[name].trim() || INPUT_DEFAULTS[name];
            if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 20) {
              expect(error.problems.map((p) => p.input)).toContain(name);
            }
          }
          for (const name of ['timeout', 'interval', 'request-timeout'] as const) {
            if (parseDuration(inputs[name].trim() || INPUT_DEFAULTS[name]) === undefined) {
              expect(error.problems.map((p) => p.input)).toContain(name);
            }
          }
        }),
        params(200),
      );
    },
    30_000,
  );

  /** A URL-ish text with a secret in its user info, query or fragment; it may not parse at all. */
  const secretUrlArb = fc
    .tuple(
      fc.constantFrom('https://', 'http://', 'ftp://', 'ws://', '', '//', 'https:/', 'HTTPS://'),
      fc.constantFrom('', 'admin:§@', '§@', '§:x@', 'u:§%ZZ@', 'u:§%E0%A4%A@', 'a:§@b@', 'u:§/x@', 'u:§?x@'),
      fc.constantFrom('app.example.com', 'my app.example.com', '', '[::1', 'x.test:99999', '127.0.0.1:8080'),
      fc.constantFrom('', '/', '/base/', '/a b', '/u/@me', '/%ZZ'),
      fc.constantFrom('', '?token=§', '?a=1&t=§', '?e=a@b.c&t=§', '?§', '?t=§%41'),
      fc.constantFrom('', '#§', '#access_token=§&type=bearer', '#a@§'),
      secretArb,
    )
    .filter(([, info, , , query, fragment]) => `${info}${query}${fragment}`.includes('§'))
    .map(([scheme, info, host, path, query, fragment, secret]) => ({
      text: `${scheme}${info}${host}${path}${query}${fragment}`.replaceAll('§', secret),
      secret,
    }));

  property('url/api-url: a secret in user info, query or fragment never shows up in a problem', () => {
    fc.assert(
      fc.property(secretUrlArb, fc.constantFrom('url', 'api-url'), ({ text, secret }, input) => {
        counted();
        const inputs: Record<string, string> = { url: 'https://app.example.com', [input]: text };
        const outcome = outcomeOf(() => getConfig(source(inputs), new SecretRegistry(() => undefined)));
        if ('ok' in outcome) {
          // Only when a "/" in the would-be user info makes it host and path ("https://tok/x@host" has host
          // "tok"): no URL parser can tell that from a real host, and none of it is user info or query.
          const url = input === 'url' ? outcome.ok.url : outcome.ok.apiUrl;
          expect(url?.username).toBe('');
          expect(url?.password).toBe('');
          expect(`${url?.search}${url?.hash}`).toBe('');
          return;
        }
        expectClearConfigError(outcome.configError);
        expect(outcome.configError.problems.map((p) => p.input)).toContain(input);
        // The secret, and any long piece of it (its encodings differ only around the suffix).
        expectNoSecret(outcome.configError.message, [secret, secret.slice(0, 20), secret.slice(-20)]);
      }),
      params(400),
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// The checks file
// ---------------------------------------------------------------------------------------------------

const CHECKS_OPTIONS = { source: 'inline', input: 'checks', env: CHECKS_ENV };

const requestLineArb = fc
  .tuple(fc.constantFrom('', 'GET ', 'post ', 'FETCH ', 'DELETE ', 'HEAD\t', 'get'), templateTextArb)
  .map(([method, target]) => `${method}${target}`);
const headerNameArb = fc.oneof(
  tokenNameArb,
  managedNameArb,
  fc.constantFrom('Bad Name', 'a:b', '', '__proto__', 'Host'),
);
const varNameArb = fc.constantFrom(
  'id',
  'token',
  'env',
  'run',
  '1x',
  'a_b',
  'x-y',
  '',
  '__proto__',
  'constructor',
);
const pointerArb = fc.constantFrom('/id', '/token', '', '/a~1b', '/a~2', 'token', '/data/0/id', '~');
const statusArb = fc.oneof(
  fc.integer({ min: 100, max: 599 }),
  fc.integer(),
  fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 3 }),
  fc.constantFrom<unknown>('200', null, 2.5),
);
const regexTextArb = fc.constantFrom('Shop\\s+home', '(', '[a-', '(?<a>)(?<a>)', '/x/', 'a{2,1}', '.*', '\\');
const expectArb = fc.record(
  {
    status: statusArb,
    headers: fc.dictionary(
      headerNameArb,
      fc.oneof(
        templateTextArb,
        regexTextArb.map((r) => `/${r}/`),
      ),
      { maxKeys: 2 },
    ),
    body: fc.record({ contains: templateTextArb, matches: regexTextArb }, { requiredKeys: [] }),
    json: fc.dictionary(fc.oneof(pointerArb, keyArb), jsonArb, { maxKeys: 2 }),
    // Rare: every object schema costs an ajv compile (about 30 ms); non-objects fail validation cheaply.
    schema: fc.oneof(
      { weight: 12, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: fc.constantFrom<unknown>(null, 'object', 3, [{ type: 'object' }]) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<unknown>(
          { type: 'object' },
          { type: 'nope' },
          { requried: [] },
          { $schema: 'http://json-schema.org/draft-07/schema#' },
        ),
      },
    ),
    'max-ms': fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.constantFrom<unknown>(1.5, 'x')),
  },
  { requiredKeys: [] },
);
const requestFieldsArb = fc.record(
  {
    request: fc.oneof({ weight: 5, arbitrary: requestLineArb }, { weight: 1, arbitrary: jsonArb }),
    headers: fc.dictionary(headerNameArb, fc.oneof(templateTextArb, fc.integer().map(Number)), {
      maxKeys: 2,
    }),
    json: jsonArb,
    body: templateTextArb,
    expect: expectArb,
    capture: fc.dictionary(varNameArb, pointerArb, { maxKeys: 2 }),
    cleanup: fc.oneof(fc.boolean(), fc.constant<unknown>('yes')),
    unknown: jsonArb,
  },
  { requiredKeys: ['request'] },
);
const nameArb = fc.oneof(fc.constantFrom('a', 'b', 'home', '', 'login'), fc.string({ maxLength: 12 }));
const durationTextArb = fc.oneof(
  validDurationArb.map((d) => d.text.trim()),
  fc.constantFrom('0s', '0ms', '2m', 'soon', '90'),
);
const checkArb = fc.oneof(
  fc.tuple(nameArb, requestFieldsArb).map(([name, fields]) => ({ name, ...fields })),
  fc.record(
    { name: nameArb, steps: fc.array(requestFieldsArb, { maxLength: 3 }) },
    { requiredKeys: ['steps'] },
  ),
  fc.record(
    { name: nameArb, run: fc.string({ maxLength: 20 }), timeout: durationTextArb },
    { requiredKeys: ['run'] },
  ),
  fc.dictionary(fc.constantFrom('name', 'request', 'steps', 'run', 'timeout', 'expect', 'other'), jsonArb, {
    maxKeys: 4,
  }),
);
const checksDocArb = fc.record(
  {
    checks: fc.oneof(
      { weight: 5, arbitrary: fc.array(checkArb, { maxLength: 4 }) },
      { weight: 1, arbitrary: jsonArb },
    ),
    canary: fc.record(
      { write: requestFieldsArb, read: requestFieldsArb, delete: requestFieldsArb, keep: fc.boolean() },
      { requiredKeys: [] },
    ),
    concurrency: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom<unknown>(2.5, 'x', null)),
    extra: jsonArb,
  },
  { requiredKeys: [] },
);

/** JSON, block YAML or flow YAML text for a document. */
function serialize(doc: unknown, style: 'json' | 'yaml' | 'flow'): string {
  if (style === 'json') return JSON.stringify(doc) ?? 'null';
  return stringifyYaml(
    doc,
    style === 'flow'
      ? { collectionStyle: 'flow', aliasDuplicateObjects: false }
      : { aliasDuplicateObjects: false },
  );
}
const styleArb = fc.constantFrom<'json' | 'yaml' | 'flow'>('json', 'yaml', 'flow');

/** Small text edits: delete a slice, insert YAML/template syntax, duplicate or drop a line. */
const yamlTokens = [
  ...[
    ': ',
    '- ',
    '{',
    '}',
    '[',
    ']',
    '"',
    "'",
    '\n',
    '  ',
    '#',
    '!!str ',
    '!!binary ',
    '&a ',
    '*a',
    '*a ',
    '? ',
    '|',
    '>',
  ],
  ...[
    '---\n',
    '...\n',
    '{{',
    '}}',
    'checks:',
    'canary:',
    'name: x',
    'request: GET /',
    '\t',
    '\u0000',
    '\ufeff',
  ],
  ...['%YAML 1.2\n---\n', '<<: ', '!!map ', '~', 'null', '0x1F', '1e400', '\r\n'],
];
const editArb = fc.oneof(
  fc.tuple(fc.constant('delete' as const), fc.nat(), fc.nat({ max: 30 }), fc.constant('')),
  fc.tuple(
    fc.constant('insert' as const),
    fc.nat(),
    fc.constant(0),
    fc.oneof(fc.constantFrom(...yamlTokens), fc.string({ maxLength: 6 })),
  ),
  fc.tuple(fc.constant('dup-line' as const), fc.nat(), fc.constant(0), fc.constant('')),
  fc.tuple(fc.constant('drop-line' as const), fc.nat(), fc.constant(0), fc.constant('')),
);
function applyEdits(text: string, edits: [string, number, number, string][]): string {
  let out = text;
  for (const [kind, at, length, token] of edits) {
    if (kind === 'delete' || kind === 'insert') {
      const i = out.length === 0 ? 0 : at % (out.length + 1);
      out = out.slice(0, i) + token + out.slice(i + length);
    } else {
      const lines = out.split('\n');
      const i = at % lines.length;
      if (kind === 'dup-line') lines.splice(i, 0, lines[i] ?? '');
      else lines.splice(i, 1);
      out = lines.join('\n');
    }
  }
  return out;
}

/** Structural edits of a parsed document: delete, replace, rename, duplicate. */
const docEditArb = fc.tuple(
  fc.nat(),
  fc.constantFrom('delete', 'replace', 'rename', 'duplicate', 'null', 'wrap', 'template'),
  jsonArb,
  fc.oneof(
    keyArb,
    fc.constantFrom('checks', 'steps', 'request', 'expect', 'json', 'capture', 'run', 'keep', 'write'),
  ),
  templateTextArb,
);
function applyDocEdits(doc: unknown, edits: [number, string, unknown, string, string][]): unknown {
  const root = { doc: structuredClone(doc) as unknown };
  for (const [at, kind, value, key, template] of edits) {
    const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach((item, index) => {
          slots.push({ parent: node, key: index });
          walk(item);
        });
      } else if (node !== null && typeof node === 'object') {
        for (const [k, item] of Object.entries(node)) {
          slots.push({ parent: node as Record<string, unknown>, key: k });
          walk(item);
        }
      }
    };
    slots.push({ parent: root as Record<string, unknown>, key: 'doc' });
    walk(root.doc);
    const slot = slots[at % slots.length];
    if (!slot) continue;
    const { parent, key: slotKey } = slot;
    const current = (parent as Record<string | number, unknown>)[slotKey];
    const set = (v: unknown): void => {
      (parent as Record<string | number, unknown>)[slotKey] = v;
    };
    switch (kind) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(slotKey as number, 1);
        else if (parent !== root) delete (parent as Record<string, unknown>)[slotKey];
        break;
      case 'replace':
        set(value);
        break;
      case 'rename':
        if (!Array.isArray(parent) && parent !== root) {
          delete (parent as Record<string, unknown>)[slotKey];
          // defineProperty: assigning "__proto__" would set the prototype instead of adding the key.
          Object.defineProperty(parent, key, {
            value: current,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        break;
      case 'duplicate':
        if (Array.isArray(parent)) parent.splice(slotKey as number, 0, structuredClone(current));
        else set([current, structuredClone(current)]);
        break;
      case 'null':
        set(null);
        break;
      case 'wrap':
        // A computed key defines an own property, "__proto__" included.
        set({ [key]: current });
        break;
      case 'template':
        set(typeof current === 'string' ? current + template : template);
        break;
    }
  }
  return root.doc;
}

/** A parse result is either a file or problems, and every problem is located and actionable. */
function expectParseResult(
  result: { file?: ChecksFile; problems: ConfigProblem[] },
  sourceName = 'the inline checks',
): void {
  if (result.file) {
    expect(result.problems).toEqual([]);
    expectUsableFile(result.file);
    return;
  }
  check(result.problems.length > 0, 'problems when there is no file', result);
  for (const p of result.problems) {
    check(p.input === 'checks', 'the problem names the checks input', p);
    check(typeof p.value === 'string', 'the problem has a string value', p);
    check(p.problem.startsWith(sourceName), `the problem starts with its location (${sourceName})`, p);
    check(p.fix.trim() !== '', 'the problem says how to fix it', p);
  }
}

/** "Every template in it is known to resolve": render every template with the variables in reach. */
function expectUsableFile(file: ChecksFile): void {
  expect(Number.isInteger(file.concurrency) && file.concurrency >= 1 && file.concurrency <= 32).toBe(true);
  const names = file.checks.map((check) => check.name);
  expect(new Set(names).size).toBe(names.length);
  const renderAll = (spec: RequestSpec, captured: Record<string, string>): void => {
    expect(HTTP_METHODS).toContain(spec.method);
    expect(spec.target.source).toMatch(/^(\/|https?:\/\/|\{\{)/i);
    const scope: TemplateScope = { env: CHECKS_ENV, run: RUN, captured };
    spec.target.render(scope, encodeURIComponent);
    for (const [name, template] of Object.entries(spec.headers)) {
      // Every header the file sets can be sent: no name or character undici refuses.
      expect(clientManagedHeader(name)).toBeUndefined();
      expect(undiciSendable(template.render(scope))).toBe(true);
    }
    if (spec.body?.kind === 'json') renderJsonTemplate(spec.body.value, scope);
    if (spec.body?.kind === 'text') spec.body.value.render(scope);
    spec.expect.bodyContains?.render(scope);
    for (const { value } of spec.expect.json) renderJsonTemplate(value, scope);
  };
  const capturedBy = (spec: RequestSpec): Record<string, string> =>
    Object.fromEntries(Object.keys(spec.capture).map((name) => [name, `v-${name}`]));
  for (const check of file.checks) {
    if (check.kind === 'request') renderAll(check.request, {});
    if (check.kind === 'steps') {
      let captured: Record<string, string> = {};
      for (const step of check.steps) {
        renderAll(step, captured);
        captured = { ...captured, ...capturedBy(step) };
      }
    }
    if (check.kind === 'command') {
      expect(check.timeoutMs === undefined || (Number.isFinite(check.timeoutMs) && check.timeoutMs > 0)).toBe(
        true,
      );
    }
  }
  if (file.canary) {
    renderAll(file.canary.write, {});
    const written = capturedBy(file.canary.write);
    renderAll(file.canary.read, written);
    if (file.canary.delete) renderAll(file.canary.delete, written);
  }
}

describe(`fuzz: checks file (seed ${SEED})`, () => {
  property(
    'schema-shaped random documents (JSON, YAML, flow YAML) give a usable file or located problems',
    () => {
      fc.assert(
        fc.property(checksDocArb, styleArb, (doc, style) => {
          counted();
          expectParseResult(parseChecksFile(serialize(doc, style), CHECKS_OPTIONS));
        }),
        params(150),
      );
    },
    30_000,
  );

  property('arbitrary JSON values and YAML-ish text never throw', () => {
    const yamlishArb = fc
      .array(fc.oneof(fc.constantFrom(...yamlTokens), fc.string({ maxLength: 5 })), { maxLength: 25 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(jsonArb, styleArb).map(([value, style]) => serialize(value, style)),
          fc.tuple(jsonArb, styleArb).map(([value, style]) => serialize({ checks: [value] }, style)),
          yamlishArb,
          fc.string({ unit: 'binary', maxLength: 60 }),
          // Anchors and aliases, recursive ones among them.
          fc
            .array(
              fc.constantFrom(
                '&a ',
                '*a',
                '&b ',
                '*b',
                '[',
                ']',
                '{',
                '}',
                ': ',
                ', ',
                '- ',
                '\n  ',
                'x',
                '<<: ',
              ),
              {
                maxLength: 20,
              },
            )
            .map((parts) => parts.join('')),
        ),
        (text) => {
          counted();
          const result = parseChecksFile(text, CHECKS_OPTIONS);
          expectParseResult(result);
        },
      ),
      params(400),
    );
  });

  property(
    'mutations of examples/demo/checks.yml give a usable file or located problems',
    () => {
      const demo = parseYaml(DEMO_CHECKS) as unknown;
      expectParseResult(parseChecksFile(DEMO_CHECKS, CHECKS_OPTIONS));
      expect(parseChecksFile(DEMO_CHECKS, CHECKS_OPTIONS).file).toBeDefined();
      fc.assert(
        fc.property(
          fc.oneof(
            fc
              .tuple(fc.array(docEditArb, { minLength: 1, maxLength: 4 }), styleArb)
              .map(([edits, style]) => serialize(applyDocEdits(demo, edits), style)),
            fc.array(editArb, { minLength: 1, maxLength: 4 }).map((edits) => applyEdits(DEMO_CHECKS, edits)),
          ),
          (text) => {
            counted();
            expectParseResult(
              parseChecksFile(text, { ...CHECKS_OPTIONS, source: 'examples/demo/checks.yml' }),
              'examples/demo/checks.yml',
            );
          },
        ),
        params(150),
      );
    },
    30_000,
  );

  property(
    'deep nesting anywhere in the file gives problems or a file, never a stack overflow escaping',
    () => {
      const nest = (depth: number, kind: string, leaf: string): string => {
        switch (kind) {
          case 'seq':
            return `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
          case 'map':
            return `${'{a: '.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
          case 'json':
            return `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
          default:
            return `${'- '.repeat(depth)}${leaf}`;
        }
      };
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 1500 }),
          fc.constantFrom('seq', 'map', 'json', 'block'),
          fc.constantFrom('top', 'json-body', 'expect-json', 'schema', 'checks', 'headers'),
          (depth, kind, where) => {
            counted();
            const deep = nest(depth, kind, '"{{ run.id }}"');
            const flow = kind === 'block' ? `\n${deep.replace(/^/gm, '      ')}` : ` ${deep}`;
            const text = {
              top: deep,
              'json-body': `checks:\n  - name: a\n    request: POST /\n    json:${flow}\n`,
              'expect-json': `checks:\n  - name: a\n    request: GET /\n    expect:\n      json:\n        /a:${flow}\n`,
              schema: `checks:\n  - name: a\n    request: GET /\n    expect:\n      schema:${kind === 'block' ? flow : ` ${nest(depth, 'map', '{}').replace(/\{a: /g, '{items: ')}`}\n`,
              checks: `checks:${flow}\n`,
              headers: `checks:\n  - name: a\n    request: GET /\n    headers:${flow}\n`,
            }[where] as string;
            expectParseResult(parseChecksFile(text, CHECKS_OPTIONS));
          },
        ),
        params(20),
      );
    },
    30_000,
  );

  property(
    'huge strings and many checks are handled (a file or problems, in bounded time)',
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 10_000, max: 600_000 }),
          fc.constantFrom(
            'name',
            'target',
            'body',
            'header',
            'regex',
            'template',
            'many-checks',
            'many-problems',
          ),
          fc.constantFrom('x', 'é', '{{ run.id }}', '{{', ' ', '\\'),
          (size, where, unit) => {
            counted();
            const big = unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
            const count = Math.min(3000, Math.ceil(size / 500));
            const text = {
              name: `checks:\n  - name: ${JSON.stringify(big)}\n    request: GET /\n`,
              target: `checks:\n  - name: a\n    request: ${JSON.stringify(`GET /${big}`)}\n`,
              body: `checks:\n  - name: a\n    request: POST /\n    body: ${JSON.stringify(big)}\n`,
              header: `checks:\n  - name: a\n    request: GET /\n    headers: { X-Big: ${JSON.stringify(big)} }\n`,
              regex: `checks:\n  - name: a\n    request: GET /\n    expect: { body: { matches: ${JSON.stringify(big)} } }\n`,
              template: `checks:\n  - name: a\n    request: GET /\n    expect: { body: { contains: ${JSON.stringify(big.replace(/\{\{ run\.id \}\}/g, '{{ nope }}'))} } }\n`,
              'many-checks': `checks:\n${Array.from({ length: count }, (_, i) => `  - { name: c${i}, request: GET /${i} }\n`).join('')}`,
              'many-problems': `checks:\n${Array.from({ length: count }, (_, i) => `  - { name: c${i % 7}, request: "FETCH /{{ x${i} }}" }\n`).join('')}`,
            }[where] as string;
            const started = performance.now();
            expectParseResult(parseChecksFile(text, CHECKS_OPTIONS));
            expect(performance.now() - started).toBeLessThan(5_000);
          },
        ),
        // No shrinking: every shrink step would parse megabytes again.
        { ...params(8), endOnFailure: true },
      );
    },
    60_000,
  );

  property(
    'getConfig with a fuzzed inline checks input gives a Config or a ConfigError naming checks',
    () => {
      fc.assert(
        fc.property(checksDocArb, styleArb, (doc, style) => {
          counted();
          // Inline means multi-line or starting with { or [; flow YAML of an object starts with {.
          const text = `${serialize(doc, style)}\n# end\n`;
          const outcome = outcomeOf(() =>
            getConfig(
              source({ url: 'https://app.example.com', checks: text }),
              new SecretRegistry(() => undefined),
            ),
          );
          if ('ok' in outcome) {
            expect(outcome.ok.checks).toBeDefined();
            expectUsableFile(outcome.ok.checks?.file as ChecksFile);
            return;
          }
          expectClearConfigError(outcome.configError);
          for (const p of outcome.configError.problems) expect(p.input).toBe('checks');
        }),
        params(40),
      );
    },
    30_000,
  );
});

// ---------------------------------------------------------------------------------------------------
// Templating
// ---------------------------------------------------------------------------------------------------

const EXPRESSION = /^(?:(?:env|run)\.)?[A-Za-z_][A-Za-z0-9_]*$/;
const TEMPLATE_ENV: Record<string, string | undefined> = {
  HOST: 'api.example.com',
  EMPTY: '',
  DOLLAR: '$&$1',
  BRACES: '{{ id }}',
};
const TEMPLATE_CAPTURED: Record<string, string> = { id: '42', token: 'tok/../{{ run.id }}', a_b: '' };

/**
 * An independent model of templating: leftmost non-overlapping `{{ ... }}` by regular expression,
 * trimmed expression, no re-expansion of inserted values.
 */
function modelRender(source: string): { error: true } | { refs: string[]; text: string | undefined } {
  const refs: string[] = [];
  let bad = false;
  let unbound = false;
  const text = source.replace(/\{\{([\s\S]*?)\}\}/g, (_match, inner: string) => {
    const expression = inner.trim();
    if (!EXPRESSION.test(expression)) {
      bad = true;
      return '';
    }
    refs.push(expression);
    const [scope, name = ''] = expression.includes('.') ? expression.split('.') : ['captured', expression];
    // Own properties only: env.toString is no variable.
    const table: Record<string, string | undefined> =
      scope === 'env' ? TEMPLATE_ENV : scope === 'run' ? RUN : TEMPLATE_CAPTURED;
    const value = Object.hasOwn(table, name) ? table[name] : undefined;
    if (value === undefined || value === '') unbound = true;
    return value ?? '';
  });
  if (bad || source.replace(/\{\{[\s\S]*?\}\}/g, '\u0000').includes('{{')) return { error: true };
  return { refs, text: unbound ? undefined : text };
}

const templateSourceArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(fragmentArb, { maxLength: 10 }).map((parts) => parts.join('')) },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.constantFrom(
            '{{',
            '}}',
            '{',
            '}',
            '{{{',
            '}}}',
            ' ',
            '\u00a0',
            '\ufeff',
            '\n',
            'env.',
            'run.',
            '.',
            'id',
            'token',
          ),
          fc.constantFrom(
            'a_b',
            'HOST',
            'EMPTY',
            'DOLLAR',
            'BRACES',
            'nonce',
            'sha',
            'x.y.z',
            '1a',
            '_',
            '-',
            'é',
            // Object.prototype names: env.toString, run.constructor and the like are no variables.
            'toString',
            'constructor',
            '__proto__',
            'hasOwnProperty',
          ),
        ),
        { maxLength: 14 },
      )
      .map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('{', '}', ' ', 'a', '.'), maxLength: 20 }) },
);

const scope: TemplateScope = { env: TEMPLATE_ENV, run: RUN, captured: TEMPLATE_CAPTURED };

function fakeResponse(url: string): HttpResponse {
  const body = Buffer.from('{}');
  return { status: 200, headers: {}, body, url, durationMs: 1, text: () => '{}', json: () => ({}) };
}

function fakeContext(baseUrl: string, calls: HttpRequest[]): CheckContext {
  const http: HttpClient = {
    request: async (req) => {
      calls.push(req);
      return fakeResponse(String(req.url));
    },
  };
  return {
    http,
    baseUrl: new URL(baseUrl),
    headers: {},
    vars: { env: TEMPLATE_ENV, run: RUN },
    secrets: new SecretRegistry(() => undefined),
    requestTimeoutMs: 1000,
    remainingMs: () => 60_000,
    exec: async () => ({ exitCode: 0, output: '', timedOut: false }),
  };
}

function compiled(source: string): Template {
  const result = Template.compile(source);
  if ('error' in result) throw new Error(result.error);
  return result.template;
}

function requestSpec(target: string, headers: Record<string, string> = {}): RequestSpec {
  return {
    method: 'GET',
    target: compiled(target),
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, compiled(value)])),
    expect: { headers: [], json: [] },
    capture: {},
    cleanup: false,
  };
}

describe(`fuzz: templating (seed ${SEED})`, () => {
  property('Template.compile/render agree with an independent model, or fail with a clear sentence', () => {
    fc.assert(
      fc.property(templateSourceArb, (source) => {
        counted();
        const model = modelRender(source);
        const compiled = Template.compile(source);
        if ('error' in compiled) {
          expect(model).toEqual({ error: true });
          expect(compiled.error).toMatch(/\{\{|\}\}/);
          expect(compiled.error).toMatch(/is never closed|is not a variable/);
          return;
        }
        if ('error' in model)
          throw new Error(`compiled although the model rejects ${JSON.stringify(source)}`);
        const template = compiled.template;
        expect(template.source).toBe(source);
        expect(template.references().map((ref) => ref.expression)).toEqual(model.refs);
        const available = { env: TEMPLATE_ENV, captured: new Set(Object.keys(TEMPLATE_CAPTURED)) };
        for (const { ref, reason } of template.unbound(available)) {
          expect(model.refs).toContain(ref.expression);
          expect(['unknown-run', 'env-unset', 'env-empty', 'not-captured']).toContain(reason);
        }
        if (model.text === undefined) {
          expect(() => template.render(scope)).toThrow(UnboundVariableError);
        } else {
          expect(template.render(scope)).toBe(model.text);
          expect(template.unbound(available)).toEqual([]);
        }
      }),
      params(1500),
    );
  });

  property(
    'compileJsonTemplate: every string compiled or reported at its path; rendering keeps the shape',
    () => {
      const get = (root: unknown, path: (string | number)[]): unknown =>
        path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);
      fc.assert(
        fc.property(jsonArb, (value) => {
          counted();
          const { template, strings, errors } = compileJsonTemplate(value);
          for (const error of errors) {
            expect(get(value, error.path)).toBe(error.source);
            expect(error.error).toMatch(/is never closed|is not a variable/);
          }
          for (const string of strings) expect(get(value, string.path)).toBe(string.template.source);
          if (errors.length > 0) return;
          const expected = JSON.parse(
            JSON.stringify(value, (_key, item: unknown) => {
              if (typeof item !== 'string') return item;
              const model = modelRender(item);
              return 'error' in model ? item : (model.text ?? '\u0000unbound');
            }),
          ) as unknown;
          const unbound = JSON.stringify(expected)?.includes('\\u0000unbound');
          if (unbound) {
            expect(() => renderJsonTemplate(template, scope)).toThrow(UnboundVariableError);
          } else {
            expect(JSON.parse(JSON.stringify(renderJsonTemplate(template, scope)) ?? 'null')).toEqual(
              JSON.parse(JSON.stringify(expected) ?? 'null'),
            );
          }
        }),
        params(400),
      );
    },
  );

  // Adjacent placeholders and dots next to one cannot assemble a dot segment either: "." is refused.
  const targetArb = fc.constantFrom(
    '/a/{{ id }}{{ id }}/b',
    '/a/.{{ id }}/b',
    '/a/{{ id }}./b',
    '/a/..{{ id }}',
    '/api/notes/{{ id }}',
    '/{{ id }}',
    '/a/{{ id }}/b',
    '/a?x={{ id }}',
    '/a/{{ id }}#frag',
    '/files/{{ id }}.json',
    'https://api.example.com/v1/{{ id }}',
    '{{ env.HOST_URL }}/x/{{ id }}',
  );
  const capturedValueArb = fc.oneof(
    fc.constantFrom(
      '.',
      '..',
      '',
      '/',
      '//evil.example',
      '../admin',
      '%2e%2e',
      '%2E',
      '?x=1',
      '#frag',
      '\\evil',
    ),
    fc.constantFrom(
      'a b',
      '...',
      ' .',
      '. ',
      '\u0000',
      'https://evil.example/',
      '@evil.example',
      ':80',
      '\r\n',
    ),
    // Not well-formed Unicode (a hostile service may send "\ud800" in JSON), or beyond Latin-1 for a header.
    fc.constantFrom('\ud800', 'a\udfffb', '\ud83d', '\u{1f600}', '\u20ac', 'tok\u007fen'),
    fc.string({
      unit: fc.constantFrom('.', '/', '%', '2', 'e', 'E', '\\', '?', '#', ':', '@', ' '),
      maxLength: 6,
    }),
    fc.string({ unit: 'binary', maxLength: 12 }),
  );

  property(
    'captured values in request targets are percent-encoded; "." and ".." are refused; headers carry them as is or fail the step',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          targetArb,
          fc.constantFrom(
            'https://svc.example.com',
            'https://svc.example.com/app/',
            'http://127.0.0.1:8080/base',
          ),
          capturedValueArb,
          async (target, base, value) => {
            counted();
            const calls: HttpRequest[] = [];
            const ctx = fakeContext(base, calls);
            ctx.vars = { env: { HOST_URL: 'https://api.example.com' }, run: RUN };
            const spec = requestSpec(target, { 'X-Id': 'v={{ id }}' });
            const outcome = await performRequest(spec, { id: value }, ctx, true);
            if (value === '') {
              expect(outcome).toMatchObject({ sent: false, missing: 'id' });
              expect(calls).toHaveLength(0);
              return;
            }
            // Not sent, each with a step failure that says why (never a URIError, never a network error).
            const refusal =
              value === '.' || value === '..'
                ? 'would change the request path'
                : /\p{Cs}/u.test(value)
                  ? 'not well-formed Unicode'
                  : undiciSendable(value)
                    ? undefined
                    : 'header X-Id would contain';
            if (refusal) {
              expect(outcome.sent).toBe(true);
              if (!outcome.sent) return;
              expect(outcome.result.passed).toBe(false);
              expect(outcome.result.failure).toContain(refusal);
              expect(calls).toHaveLength(0);
              return;
            }
            expect(calls).toHaveLength(1);
            expect(calls[0]?.headers?.['X-Id']).toBe(`v=${value}`);
            const sent = new URL(String(calls[0]?.url));
            const rendered = target
              .replace('{{ env.HOST_URL }}', 'https://api.example.com')
              .replaceAll('{{ id }}', encodeURIComponent(value));
            const expected = /^https?:\/\//.test(rendered)
              ? rendered
              : `${new URL(base).origin}${new URL(base).pathname.replace(/\/+$/, '')}${rendered}`;
            // Byte for byte: nothing in the value was decoded, normalised away or moved the origin.
            expect(sent.href).toBe(expected);
            expect(sent.origin).toBe(new URL(expected).origin);
          },
        ),
        params(300),
      );
    },
  );
});

// ---------------------------------------------------------------------------------------------------
// Regressions: the bugs this fuzzer found, each fixed in src/ (they were `knownBug` reproductions)
// ---------------------------------------------------------------------------------------------------

describe('fuzz: regressions (bugs found by this fuzzer, fixed)', () => {
  it('getConfig reports a url/api-url with a malformed %-escape in user info, without a URIError', () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ url: 'https://user%ZZ:pw@app.example.com' }, 'url', 'https://***@app.example.com'],
      [
        { url: 'https://app.example.com', 'api-url': 'https://u:p%E0%A4%A@127.0.0.1:8443' },
        'api-url',
        'https://***@127.0.0.1:8443',
      ],
    ];
    for (const [inputs, input, shown] of cases) {
      const outcome = outcomeOf(() => getConfig(source(inputs), new SecretRegistry(() => undefined)));
      if (!('configError' in outcome)) throw new Error(`accepted ${JSON.stringify(inputs)}`);
      expectClearConfigError(outcome.configError);
      expect(outcome.configError.problems).toContainEqual(
        expect.objectContaining({ input, value: shown, problem: 'contains credentials' }),
      );
    }
  });

  it('a recursive YAML alias in the checks file is a located problem, not a crash', () => {
    for (const [text, anchor] of [
      ['checks: &a [*a]', 'a'],
      ['&a [*a]', 'a'],
      ['canary: &a { write: *a }', 'a'],
      ['&a { <<: *a }', 'a'],
      ['checks:\n  - &a { name: x, request: GET /, json: [*a] }', 'a'],
      ['checks:\n  - name: x\n    request: GET /\n    expect: { schema: &s { items: *s } }', 's'],
    ] as const) {
      const result = parseChecksFile(text, CHECKS_OPTIONS);
      expectParseResult(result);
      expect(result.problems[0]?.problem).toContain(`recursive YAML alias (&${anchor} … *${anchor})`);
    }
    // Aliases that do not contain themselves are fine.
    expect(
      parseChecksFile(
        'checks:\n  - { name: a, request: POST /, json: &j { a: [1] } }\n  - { name: b, request: POST /, json: { x: *j, y: *j } }\n',
        CHECKS_OPTIONS,
      ).file,
    ).toBeDefined();
    const outcome = outcomeOf(() =>
      getConfig(
        source({ url: 'https://app.example.com', checks: 'checks: &a [*a]\nconcurrency: 1' }),
        new SecretRegistry(() => undefined),
      ),
    );
    if (!('configError' in outcome)) throw new Error('accepted a recursive checks file');
    expectClearConfigError(outcome.configError);
  });

  it('nesting too deep for the stack is "nested too deeply", never "Maximum call stack size exceeded"', () => {
    // Deep in the text (yaml gives up), and deep through aliases only (each line adds 400 levels).
    const chain = Array.from(
      { length: 3 },
      (_, i) => `      l${i}: &l${i} ${'['.repeat(400)}${i === 0 ? '1' : `*l${i - 1}`}${']'.repeat(400)}\n`,
    ).join('');
    for (const text of [
      `checks: ${'['.repeat(20_000)}${']'.repeat(20_000)}`,
      `checks:\n  - name: a\n    request: POST /\n    json: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`,
      `checks:\n  - name: a\n    request: POST /\n    json:\n${chain}`,
    ]) {
      const result = parseChecksFile(text, CHECKS_OPTIONS);
      expectParseResult(result);
      expect(result.problems[0]?.problem).toMatch(/nested too deeply|nested more than 1000 levels deep/);
      expect(JSON.stringify(result.problems)).not.toContain('call stack');
    }
  });

  it('url/api-url problems mask user info, query and fragment as written, even when the URL does not parse', () => {
    const secret = 'hunter2-Sup3rSecretPassw0rd';
    for (const [url, shown] of [
      [`https://admin:${secret}@my app.example.com`, 'https://***@my app.example.com'],
      [`ftp://admin:${secret}@files.example.com`, 'ftp://***@files.example.com'],
      [`https://admin:${secret}@`, 'https://***@'],
      // Registered decoded and re-encoded with encodeURIComponent, neither matches the text as written.
      [`https://u:${secret.slice(0, 6)}%41${secret.slice(6)}@app.example.com`, 'https://***@app.example.com'],
      [
        `https://app.example.com/?token=${secret.slice(0, 6)}%41${secret.slice(6)}`,
        'https://app.example.com/?***',
      ],
      // A fragment is never sent, but it is quoted.
      [`https://app.example.com/#access_token=${secret}`, 'https://app.example.com/#***'],
      // An "@" in the query: everything before the last "@" may be user info (an unencoded "/" or "?" in a
      // password ends the host), everything after it query. Only the scheme is left.
      [`https://app.example.com/?e=a@b.c&t=${secret}`, 'https://***@***'],
      [`https://app example.com/?e=a@b.c&t=${secret}`, 'https://***@***'],
    ] as [string, string][]) {
      const outcome = outcomeOf(() => getConfig(source({ url }), new SecretRegistry(() => undefined)));
      if (!('configError' in outcome)) throw new Error(`accepted ${url}`);
      expectClearConfigError(outcome.configError);
      expect(outcome.configError.problems).toContainEqual(
        expect.objectContaining({ input: 'url', value: shown }),
      );
      expectNoSecret(outcome.configError.message, [secret.slice(6), secret]);
    }
  });

  it('headers: a malformed line quotes no text before its first colon', () => {
    const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    // "Authorization Bearer <token>:..." (a forgotten colon, a token that holds one) echoes no token.
    const { problems } = parseHeaders(`Authorization Bearer ${secret}:x\nCookie session=${secret}:1`);
    expect(problems).toHaveLength(2);
    expectNoSecret(JSON.stringify(problems), [secret]);
    expect(problems[0]).toMatchObject({ value: 'Authorization ***: ***' });
    expect(problems[0]?.fix).toContain('write a colon after the name');
  });

  it('headers refuses values and names that undici refuses, so no probe fails on them at run time', () => {
    // undici throws InvalidArgumentError for these (header value chars outside [\t\x20-\x7e\x80-\xff],
    // and the names transfer-encoding, keep-alive, upgrade, expect): each probe would become a network
    // failure, a false failed verdict and a rollback, where a ConfigError stops the run.
    for (const headers of [
      'X-User: \u20ac-euro',
      'X-A: a\u0001b',
      'X-A: a\u007fb',
      'Expect: 100-continue',
      'Transfer-Encoding: chunked',
      'Upgrade: h2c',
      'Keep-Alive: 5',
      'Connection: close',
      'content-length: 5',
      'Host: a.example\nhost: b.example',
    ]) {
      const outcome = outcomeOf(() =>
        getConfig(source({ url: 'https://app.example.com', headers }), new SecretRegistry(() => undefined)),
      );
      if (!('configError' in outcome)) throw new Error(`accepted ${JSON.stringify(headers)}`);
      expectClearConfigError(outcome.configError);
      expect(outcome.configError.problems.map((p) => p.input)).toEqual(['headers']);
    }
    // The same in a checks file, where the text is literal or an env value is known.
    for (const headers of [
      '{ Transfer-Encoding: chunked }',
      '{ expect: 100-continue }',
      '{ X-A: "\\u20ac" }',
      '{ Authorization: "Bearer {{ env.NEWLINE_SECRET }}" }',
    ]) {
      const result = parseChecksFile(
        `checks:\n  - name: a\n    request: GET /\n    headers: ${headers}\n`,
        CHECKS_OPTIONS,
      );
      expectParseResult(result);
      expect(result.problems).toHaveLength(1);
      expectNoSecret(JSON.stringify(result.problems), ['s3cret-value']);
    }
  });

  it('a "__proto__" key in a json body or expect.json is kept; __proto__ is no capture name', () => {
    const result = parseChecksFile(
      'checks:\n  - name: a\n    request: POST /\n    json: { "__proto__": { x: 1 }, b: 2 }\n    expect: { json: { /a: { "__proto__": 1 } } }\n',
      CHECKS_OPTIONS,
    );
    const check = result.file?.checks[0];
    if (check?.kind !== 'request' || check.request.body?.kind !== 'json') throw new Error('not parsed');
    const body = renderJsonTemplate(check.request.body.value, { env: CHECKS_ENV, run: RUN, captured: {} });
    expect(JSON.stringify(body)).toBe('{"__proto__":{"x":1},"b":2}');
    const expected = renderJsonTemplate(check.request.expect.json[0]?.value ?? null, {
      env: CHECKS_ENV,
      run: RUN,
      captured: {},
    });
    expect(JSON.stringify(expected)).toBe('{"__proto__":1}');
    // captured["__proto__"] = value is a no-op at run time, so a later "{{ __proto__ }}" would never have a
    // value: the name is refused when the file is parsed.
    const capture = parseChecksFile(
      'checks:\n  - name: a\n    steps:\n      - { request: GET /, capture: { __proto__: /id } }\n      - { request: "GET /{{ __proto__ }}" }\n',
      CHECKS_OPTIONS,
    );
    expect(capture.problems[0]?.problem).toContain('invalid name "__proto__"');
  });

  it('a captured value with a lone surrogate fails its step instead of throwing URIError', async () => {
    // JSON.parse('"\\ud800"') is a valid capture from a hostile service; encodeURIComponent and
    // SecretRegistry.add (which registers the URL-encoded copy) used to throw URIError on it.
    const outcome = await performRequest(
      requestSpec('/notes/{{ id }}'),
      { id: JSON.parse('"\\ud800"') as string },
      fakeContext('https://svc.example.com', []),
      true,
    );
    expect(outcome).toMatchObject({
      sent: true,
      result: {
        passed: false,
        failure: expect.stringContaining('not sent, a captured value is not well-formed'),
      },
    });
    const secrets = new SecretRegistry(() => undefined);
    const token = JSON.parse('"tok\\ud800en"') as string;
    expect(() => secrets.add(token)).not.toThrow();
    expect(secrets.redact(`x ${token} y`)).toBe('x *** y');
  });

  it('{{ env.toString }} and other Object.prototype names are unset variables', () => {
    // template.ts read env[name] without Object.hasOwn; process.env inherits these names.
    const result = parseChecksFile(
      'checks:\n  - name: a\n    request: "GET /{{ env.toString }}"\n    json: { a: "{{ env.constructor }}" }\n',
      { ...CHECKS_OPTIONS, env: process.env },
    );
    expect(result.problems.map((p) => p.problem)).toEqual([
      expect.stringContaining('uses {{ env.toString }}, but toString is not set in the environment'),
      expect.stringContaining('uses {{ env.constructor }}, but constructor is not set in the environment'),
    ]);
  });

  it('600 KB of unclosed "{{" in a request target fail to parse in linear time', () => {
    // parse.ts requestLine ran target.replace(/\{\{.*?\}\}/g, '') from every "{{": 40 KB took ~0.4 s,
    // 100 KB ~3 s, 600 KB minutes. The target is now compiled once; yaml reads 600 KB in ~0.1 s.
    const text = `checks:\n  - name: a\n    request: ${JSON.stringify(`GET /${'{{'.repeat(300_000)}`)}\n`;
    const started = performance.now();
    const result = parseChecksFile(text, CHECKS_OPTIONS);
    const elapsed = performance.now() - started;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.problem).toContain('is never closed');
    expect(elapsed).toBeLessThan(750);
  });

  it('a check timeout too large to represent says so, not "must be longer than zero"', () => {
    const result = parseChecksFile(
      `checks:\n  - name: a\n    run: "true"\n    timeout: ${'9'.repeat(400)}h\n`,
      CHECKS_OPTIONS,
    );
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.problem).toContain('is too large to represent as a duration');
    const outcome = outcomeOf(() =>
      getConfig(
        source({ url: 'https://app.example.com', timeout: `${'9'.repeat(400)}h` }),
        new SecretRegistry(() => undefined),
      ),
    );
    if (!('configError' in outcome)) throw new Error('accepted an overflowing timeout');
    expect(outcome.configError.problems[0]?.problem).toBe('is too large; it must be between 1s and 6h00m');
  });

  it('formatDuration shows 999.6 ms as 1s, not 1000ms', () => {
    expect(formatDuration(999.6)).toBe('1s');
    expect(formatDuration(999.4)).toBe('999ms');
  });
});
