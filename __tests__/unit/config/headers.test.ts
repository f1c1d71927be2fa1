/**
 * The `headers` input (src/config/headers.ts): the lines it accepts, what each rejected line says without
 * quoting a secret, and the values masked before anything can quote them.
 */
import { describe, expect, it } from '@jest/globals';
import { parseHeaders, readHeaders } from '../../../src/config/headers.js';
import { SecretRegistry } from '../../../src/secrets.js';

const LINE_FIX =
  'write one header per line as `Name: value`, e.g. `Authorization: Bearer ${{ secrets.TOKEN }}`';
const NAME_FIX = `${LINE_FIX}; a name takes letters, digits and !#$%&'*+-.^_\`|~ only`;

/** The problem of a one-line input. */
function problemOf(line: string) {
  const { headers, problems } = parseHeaders(line);
  expect(headers).toEqual({});
  expect(problems).toHaveLength(1);
  return problems[0];
}

describe('parseHeaders', () => {
  it('reads one trimmed "Name: value" per line, skipping blank lines, CRLF or LF', () => {
    const { headers, problems } = parseHeaders(
      '  X-Api-Key :  k3y-value  \r\n\n   \t\r\nAuthorization: Bearer a:b:c\nX-Empty-Looking: 0',
    );
    expect(problems).toEqual([]);
    expect(headers).toStrictEqual({
      'X-Api-Key': 'k3y-value',
      Authorization: 'Bearer a:b:c',
      'X-Empty-Looking': '0',
    });
  });

  it('gives a plain record the client can extend, even for a header named __proto__', () => {
    const { headers } = parseHeaders('__proto__: x-value\nX-A: 1');
    expect(Object.keys(headers)).toEqual(['__proto__', 'X-A']);
    expect(Object.hasOwn(headers, '__proto__')).toBe(true);
    headers['X-A'] = '2';
    expect(headers['X-A']).toBe('2');
    delete headers['X-A'];
    expect(Object.keys(headers)).toEqual(['__proto__']);
  });

  it('names a line without a colon, without quoting it', () => {
    expect(problemOf('X-A: 1\nAuthorization Bearer s3cret'.split('\n')[1] as string)).toEqual({
      input: 'headers',
      value: '(a line without "Name: value")',
      problem: 'line 1 is not a "Name: value" header line',
      fix: LINE_FIX,
    });
    const { problems } = parseHeaders('X-A: 1\n\nAuthorization Bearer s3cret');
    expect(problems.map((p) => p.problem)).toEqual(['line 3 is not a "Name: value" header line']);
  });

  it('names a line with nothing before the colon', () => {
    expect(problemOf(': s3cret')).toEqual({
      input: 'headers',
      value: ': ***',
      problem: 'line 1 is not a "Name: value" header line: there is no name before the colon',
      fix: LINE_FIX,
    });
  });

  it.each([
    ['Authorization', 'Authorization Bearer s3cret:x'],
    ['Accept', 'Accept text/html: x'],
    ['Api-Key', 'api-key abc: x'],
    ['Cookie', 'Cookie a=b: x'],
    ['Proxy-Authorization', 'Proxy-Authorization Basic abc: x'],
    ['User-Agent', 'User-Agent curl/8: x'],
    ['X-Api-Key', 'X-Api-Key abc: x'],
    ['X-Auth-Token', 'X-Auth-Token abc: x'],
  ])('points at a forgotten colon after %s', (known, line) => {
    const index = known.length + 1;
    expect(problemOf(line)).toEqual({
      input: 'headers',
      value: `${known} ***: ***`,
      problem: `line 1 is not a "Name: value" header line: the name before the first colon has a space (character ${index}), which header names cannot contain`,
      fix: `write a colon after the name, as in \`${known}: value\``,
    });
  });

  it.each([
    ['X\u0001Key: v', 'a control character', 2],
    ['X\u007fKey: v', 'a control character', 2],
    ['Xé: v', 'a non-ASCII character', 2],
    ['X(Key: v', 'the character "("', 2],
    ['Foo bar: v', 'a space', 4],
    ['Foo\tbar: v', 'a space', 4],
  ])('says what is wrong in the name of %j without quoting it', (line, what, index) => {
    expect(problemOf(line)).toEqual({
      input: 'headers',
      value: '***: ***',
      problem: `line 1 is not a "Name: value" header line: the name before the first colon has ${what} (character ${index}), which header names cannot contain`,
      fix: NAME_FIX,
    });
  });

  it('shows a known name before a character that is not a space, but does not suggest a colon', () => {
    expect(problemOf('Accept(x: v')).toMatchObject({ value: 'Accept ***: ***', fix: NAME_FIX });
  });

  it('refuses headers the HTTP client manages itself', () => {
    const problem = problemOf('Content-Length: 12');
    expect(problem).toMatchObject({ input: 'headers', value: 'Content-Length: ***', fix: 'remove the line' });
    expect(problem?.problem).toMatch(
      /^line 1 sets Content-Length, which the HTTP client cannot send \(.+\)$/,
    );
  });

  it('refuses a header without a value', () => {
    expect(problemOf('X-Token:   ')).toEqual({
      input: 'headers',
      value: 'X-Token:',
      problem: 'line 1 has no value for header X-Token',
      fix: 'give the header a value, or remove the line',
    });
  });

  it('refuses an authentication scheme with no credential after it', () => {
    expect(problemOf('Authorization: Bearer')).toEqual({
      input: 'headers',
      value: 'Authorization: Bearer',
      problem:
        'line 1 sends Authorization with the scheme Bearer and no credential after it: the secret meant to follow is empty',
      fix: expect.stringMatching(/^define the secret the value comes from .+, or remove the line$/),
    });
    for (const line of [
      'proxy-authorization: basic',
      'AUTHORIZATION: Token',
      'Authorization: digest',
      'Authorization: ApiKey',
      'Authorization: api-key',
    ]) {
      expect(parseHeaders(line).problems.map((p) => p.value)).toEqual([line]);
    }
    for (const line of [
      'X-Authorization: Bearer',
      'Authorization-X: Bearer',
      'Proxy-X-Authorization: Bearer',
      'Authorization: Bearerx',
      'Authorization: xBearer',
      'Authorization: Bearer t0k3n',
      'X-Token: Bearer',
    ]) {
      expect(parseHeaders(line).problems).toEqual([]);
    }
  });

  it('refuses a value HTTP cannot carry, saying how to fix it', () => {
    const control = problemOf('X-Token: a\u0000b');
    expect(control).toMatchObject({
      value: 'X-Token: ***',
      fix: 'remove control characters from the header value',
    });
    expect(control?.problem).toMatch(
      /^line 1 has .+ in the value of X-Token, which HTTP headers cannot carry$/,
    );
    const wide = problemOf('X-Token: caf\u20ac');
    expect(wide).toMatchObject({
      value: 'X-Token: ***',
      fix: 'header values take printable ASCII, tabs and Latin-1 characters only; percent-encode or base64-encode anything else',
    });
  });

  it('refuses a repeated header, whatever its case', () => {
    const { headers, problems } = parseHeaders('X-Token: a\nAccept: b\nx-token: c');
    expect(headers).toStrictEqual({ 'X-Token': 'a', Accept: 'b' });
    expect(problems).toEqual([
      {
        input: 'headers',
        value: 'x-token: ***',
        problem: 'line 3 repeats header x-token of line 1',
        fix: 'keep one line per header',
      },
    ]);
  });
});

describe('readHeaders', () => {
  function masks(text: string): string[] {
    const masked: string[] = [];
    readHeaders(text, new SecretRegistry((value) => masked.push(value)));
    return masked;
  }

  it('masks every value, and the bare credential after a scheme', () => {
    expect(masks('X-Api-Key: k3y-value\nAuthorization: Bearer t0k3n-value')).toStrictEqual([
      'k3y-value',
      'Bearer t0k3n-value',
      'Bearer%20t0k3n-value',
      't0k3n-value',
    ]);
    expect(masks('A: token   spaced-val')).toStrictEqual([
      'token   spaced-val',
      'token%20%20%20spaced-val',
      'spaced-val',
    ]);
    expect(masks('A: ApiKey k1y2\nB: api-key k3y4')).toEqual(expect.arrayContaining(['k1y2', 'k3y4']));
  });

  it('masks the decoded user:password of Basic credentials', () => {
    const encoded = Buffer.from('deploy:pa55word').toString('base64');
    expect(masks(`Authorization: Basic ${encoded}`)).toStrictEqual([
      `Basic ${encoded}`,
      `Basic%20${encodeURIComponent(encoded)}`,
      encoded,
      'deploy:pa55word',
      'deploy%3Apa55word',
    ]);
  });

  it('reads a scheme only at the start of the value, followed by a space', () => {
    expect(masks('A: MyToken s3cretval')).toStrictEqual(['MyToken s3cretval', 'MyToken%20s3cretval']);
    expect(masks('A: Bearer-x s3cretval')).toStrictEqual(['Bearer-x s3cretval', 'Bearer-x%20s3cretval']);
    expect(masks('A: Bearer mybasic tokenvalue')).toStrictEqual([
      'Bearer mybasic tokenvalue',
      'Bearer%20mybasic%20tokenvalue',
      'mybasic tokenvalue',
      'mybasic%20tokenvalue',
    ]);
  });

  it('returns what it parsed', () => {
    const secrets = new SecretRegistry(() => undefined);
    expect(readHeaders('X-A: value1\nbad line', secrets)).toEqual({
      headers: { 'X-A': 'value1' },
      problems: [expect.objectContaining({ problem: 'line 2 is not a "Name: value" header line' })],
    });
  });
});
