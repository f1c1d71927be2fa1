import type { ConfigProblem } from '../errors.js';
import { clientManagedHeader, HEADER_NAME, unsendableHeaderCharacter } from '../http.js';
import type { SecretRegistry } from '../secrets.js';

/**
 * Reads the `headers` input and registers every value as a secret before anything else can quote it, with
 * the bare credential of an `Authorization`-style value too: a service that echoes the credential without
 * its scheme must not reveal it either.
 */
export function readHeaders(
  text: string,
  secrets: SecretRegistry,
): { headers: Record<string, string>; problems: ConfigProblem[] } {
  const result = parseHeaders(text);
  for (const value of Object.values(result.headers)) {
    secrets.add(value);
    const scheme = /^(?:bearer|token|basic|apikey|api-key)\s+(.+)$/i.exec(value);
    if (scheme?.[1]) {
      secrets.add(scheme[1]);
      if (/^basic\s/i.test(value)) secrets.add(Buffer.from(scheme[1], 'base64').toString('utf8'));
    }
  }
  return result;
}

/**
 * Parses the multi-line `headers` input: one `Name: value` per line, blank lines ignored. Problems never
 * quote the value, which is a secret, nor a name that is not a valid header name: with a forgotten colon
 * (`Authorization Bearer <token>`), the text before the first colon holds the secret.
 */
export function parseHeaders(text: string): { headers: Record<string, string>; problems: ConfigProblem[] } {
  const headers: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  const firstLine = new Map<string, number>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    const value = colon > 0 ? line.slice(colon + 1).trim() : '';
    const where = `line ${index + 1}`;
    const add = (shown: string, problem: string, fix: string): void => {
      problems.push({ input: 'headers', value: shown, problem: `${where} ${problem}`, fix });
    };
    const managed = clientManagedHeader(name);
    // Undici refuses these characters: every probe would fail like a network error, then roll back.
    const bad = unsendableHeaderCharacter(value);
    if (colon === -1) {
      add('(a line without "Name: value")', 'is not a "Name: value" header line', HEADER_LINE_FIX);
    } else if (!HEADER_NAME.test(name)) {
      const { shown, why, fix } = explainHeaderName(name);
      add(shown, `is not a "Name: value" header line: ${why}`, fix);
    } else if (managed) {
      add(`${name}: ***`, `sets ${name}, which the HTTP client cannot send (${managed})`, 'remove the line');
    } else if (value === '') {
      add(`${name}:`, `has no value for header ${name}`, 'give the header a value, or remove the line');
    } else if (AUTHORIZATION.test(name) && AUTH_SCHEME.test(value)) {
      // `Bearer ${{ secrets.TOKEN }}` with the secret not set: every probe would go out unauthenticated,
      // and a protected endpoint's 401 would look like a broken deploy. The scheme alone is no secret.
      add(
        `${name}: ${value}`,
        `sends ${name} with the scheme ${value} and no credential after it: the secret meant to follow is empty`,
        EMPTY_SECRET_FIX,
      );
    } else if (bad) {
      add(
        `${name}: ***`,
        `has ${bad} in the value of ${name}, which HTTP headers cannot carry`,
        /line break|control/.test(bad)
          ? 'remove control characters from the header value'
          : 'header values take printable ASCII, tabs and Latin-1 characters only; percent-encode or base64-encode anything else',
      );
    } else if (firstLine.has(name.toLowerCase())) {
      // Two values would both be sent (names are case-insensitive), and a second Host breaks every request.
      add(
        `${name}: ***`,
        `repeats header ${name} of line ${firstLine.get(name.toLowerCase())}`,
        'keep one line per header',
      );
    } else {
      firstLine.set(name.toLowerCase(), index + 1);
      // An own property even for a header named "__proto__", which assignment would drop.
      Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
    }
  });
  return { headers, problems };
}

/** Headers that carry a credential after an authentication scheme. */
const AUTHORIZATION = /^(?:proxy-)?authorization$/i;
/** An authentication scheme alone, with nothing after it. */
const AUTH_SCHEME = /^(?:bearer|basic|token|digest|apikey|api-key)$/i;
const EMPTY_SECRET_FIX =
  'define the secret the value comes from (`${{ secrets.NAME }}` is empty when the repository or environment has no such secret, and on pull requests from forks), or remove the line';

const HEADER_LINE_FIX =
  'write one header per line as `Name: value`, e.g. `Authorization: Bearer ${{ secrets.TOKEN }}`';
/** Header names shown back when a line starts with one, to point at a forgotten colon. */
const COMMON_HEADER_NAMES = [
  'Accept',
  'Api-Key',
  'Authorization',
  'Cookie',
  'Proxy-Authorization',
  'User-Agent',
  'X-Api-Key',
  'X-Auth-Token',
];

/**
 * Why the text before a line's first colon is not a header name, without quoting it: it may hold a secret.
 * Only a well-known header name at its start is shown, to point at a forgotten colon.
 */
function explainHeaderName(name: string): { shown: string; why: string; fix: string } {
  if (name === '') {
    return { shown: ': ***', why: 'there is no name before the colon', fix: HEADER_LINE_FIX };
  }
  const index = name.search(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/);
  const char = name.codePointAt(index) ?? 0;
  const what = /\s/.test(String.fromCodePoint(char))
    ? 'a space'
    : char < 0x20 || char === 0x7f
      ? 'a control character'
      : char > 0x7e
        ? 'a non-ASCII character'
        : `the character ${JSON.stringify(String.fromCodePoint(char))}`;
  const known = COMMON_HEADER_NAMES.find(
    (common) => common.toLowerCase() === name.slice(0, index).toLowerCase(),
  );
  return {
    shown: known ? `${known} ***: ***` : '***: ***',
    why: `the name before the first colon has ${what} (character ${index + 1}), which header names cannot contain`,
    fix:
      known && /\s/.test(String.fromCodePoint(char))
        ? `write a colon after the name, as in \`${known}: value\``
        : `${HEADER_LINE_FIX}; a name takes letters, digits and !#$%&'*+-.^_\`|~ only`,
  };
}
