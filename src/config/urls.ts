import type { SecretRegistry } from '../secrets.js';
import type { InputReader } from './inputs.js';

/**
 * Reads a URL input (`url`, `api-url`): absolute, http(s), no credentials, no query or fragment, and for
 * an API that receives the token, https unless it is this machine. `fallback` is used when the input is
 * empty (on deployment_status, the deploy's own URL). Problems quote the URL with anything that may be
 * secret masked, and register those parts as secrets for the log.
 */
export function readUrl(
  reader: InputReader,
  name: 'url' | 'api-url',
  secrets: SecretRegistry,
  options: { allowPlainHttpRemote: boolean; fallback?: string },
): URL | undefined {
  const value = reader.raw(name) || (options.fallback ?? '');
  if (value === '') return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  // Messages quote the URL with its user info, query and fragment masked in the text itself: redacting
  // registered values would miss other encodings, and text that does not parse has no parts to register.
  const masked = splitUrlSecrets(value);
  // The text before an "@" is user info to mask in the log, unless an http(s) URL parses without any
  // ("https://host/users/@me"); in other schemes ("u:pw/x@host" parses as scheme u:) it may be anything.
  const web = parsed?.protocol === 'http:' || parsed?.protocol === 'https:';
  const hasUserInfo = !web || parsed?.username !== '' || parsed.password !== '';
  const reject = (what: string, fix: string): undefined => {
    // Masked in the log as well, raw and decoded (a malformed %-escape stays as written).
    for (const part of [...(hasUserInfo ? masked.userInfo : []), ...masked.query]) {
      secrets.add(part);
      secrets.add(decodeOrRaw(part));
    }
    reader.problem(name, masked.shown, what, fix);
  };
  if (!parsed)
    return reject('is not an absolute URL', 'write it with its scheme, e.g. https://my-app.onrender.com');
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return reject(`uses ${parsed.protocol} but only http and https are supported`, 'use an https:// URL');
  }
  if (parsed.username || parsed.password) {
    secrets.add(decodeOrRaw(parsed.username));
    secrets.add(decodeOrRaw(parsed.password));
    return reject('contains credentials', 'remove user:password@ and pass credentials in `headers`');
  }
  if (parsed.search || parsed.hash) {
    // Queries are where tokens hide, and a base URL's query would be dropped from every probe anyway.
    for (const part of parsed.searchParams.values()) secrets.add(part);
    return reject('has a query string or fragment', 'give the base URL only; pass tokens in `headers`');
  }
  if (!options.allowPlainHttpRemote && parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
    return reject(
      'would send the API token over plain http',
      'use https:// (http is accepted only for localhost)',
    );
  }
  return parsed;
}

/**
 * A URL as text, with what may be secret masked for messages (user info as `***@`, the query as `?***`,
 * the fragment as `#***`), and those parts as written. Textual, so it works on text no URL parser accepts:
 * everything before the last "@" counts as user info, and when that holds a "?" or "#" (an "@" inside a
 * query), everything after the "@" is masked as well.
 */
export function splitUrlSecrets(value: string): { shown: string; userInfo: string[]; query: string[] } {
  // A scheme is kept only with its "//": in "user:pw@host" the "user:" is not one.
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:[\\/]{2}/.exec(value)?.[0] ?? '';
  let rest = value.slice(scheme.length);
  const userInfo: string[] = [];
  const query: string[] = [];
  // Values only: masking a parameter name such as "token" would shred every later log line.
  const values = (text: string): string[] => [
    text,
    ...text.split(/[?#&]/).map((item) => item.replace(/^[^=]*=/, '')),
  ];
  const nonEmpty = (parts: string[]): string[] => parts.filter((part) => part !== '');
  let masked = '';
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    const info = rest.slice(0, at);
    userInfo.push(info, ...info.split(':'));
    if (/[?#]/.test(info)) {
      const after = values(rest.slice(at + 1));
      return { shown: `${scheme}***@***`, userInfo: nonEmpty(userInfo), query: nonEmpty(after) };
    }
    masked = '***@';
    rest = rest.slice(at + 1);
  }
  const cut = rest.search(/[?#]/);
  if (cut !== -1) {
    query.push(...values(rest.slice(cut + 1)));
    rest = `${rest.slice(0, cut + 1)}***`;
  }
  return { shown: `${scheme}${masked}${rest}`, userInfo: nonEmpty(userInfo), query: nonEmpty(query) };
}

/** `decodeURIComponent`, or the text as is when it holds a malformed %-escape. */
function decodeOrRaw(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Whether a host name is this machine. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
