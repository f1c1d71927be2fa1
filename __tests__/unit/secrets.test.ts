/**
 * The secrets registry (src/secrets.ts): which values are masked in the runner's log, the escaped and
 * encoded copies masked with them, redaction of text the action builds, and the credentials scrubbed
 * from provider logs.
 */
import { describe, expect, it } from '@jest/globals';
import { SecretRegistry, scrubCredentials } from '../../src/secrets.js';

/** A registry whose log masking is recorded instead of sent to the runner. */
function registry(): { secrets: SecretRegistry; masked: string[] } {
  const masked: string[] = [];
  return { secrets: new SecretRegistry((value) => masked.push(value)), masked };
}

describe('SecretRegistry.add', () => {
  it('masks a value once, trimmed', () => {
    const { secrets, masked } = registry();
    secrets.add('  s3cr3t-token  ');
    secrets.add('s3cr3t-token');
    secrets.add('s3cr3t-token\n');
    expect(masked).toStrictEqual(['s3cr3t-token']);
    expect(secrets.redact('Bearer s3cr3t-token!')).toBe('Bearer ***!');
  });

  it('ignores undefined, empty and values shorter than three characters', () => {
    const { secrets, masked } = registry();
    secrets.add(undefined);
    secrets.add('');
    secrets.add('   ');
    secrets.add('ab');
    secrets.add(' ab ');
    expect(masked).toStrictEqual([]);
    expect(secrets.redact('ab a b')).toBe('ab a b');
    expect(secrets.leaks('ab')).toBe(false);
  });

  it('masks a three-character value', () => {
    const { secrets, masked } = registry();
    secrets.add('xyz');
    expect(masked).toStrictEqual(['xyz']);
    expect(secrets.redact('axyzb')).toBe('a***b');
  });

  it('masks only the value itself when JSON and URL encoding leave it unchanged', () => {
    const { secrets, masked } = registry();
    secrets.add('rnd_abcDEF123');
    expect(masked).toStrictEqual(['rnd_abcDEF123']);
    expect(secrets.redact('"rnd_abcDEF123"')).toBe('"***"');
  });

  it('masks the JSON-escaped copy of a value with quotes or backslashes', () => {
    const { secrets, masked } = registry();
    secrets.add('pa"ss\\word');
    // The URL-encoded copy follows the JSON-escaped one.
    expect(masked).toStrictEqual(['pa"ss\\word', 'pa\\"ss\\\\word', 'pa%22ss%5Cword']);
    expect(secrets.redact(JSON.stringify({ token: 'pa"ss\\word' }))).toBe('{"token":"***"}');
    expect(secrets.redact('?t=pa%22ss%5Cword&x=1')).toBe('?t=***&x=1');
  });

  it('masks the URL-encoded copy of a value with reserved characters', () => {
    const { secrets, masked } = registry();
    secrets.add('a b/c+d');
    expect(masked).toStrictEqual(['a b/c+d', 'a%20b%2Fc%2Bd']);
    expect(secrets.redact('GET /cb?code=a%20b%2Fc%2Bd')).toBe('GET /cb?code=***');
    expect(secrets.leaks('code=a%20b%2Fc%2Bd')).toBe(true);
  });

  it('masks a value with an unpaired surrogate and its JSON-escaped copy, with no URL copy', () => {
    const { secrets, masked } = registry();
    const hostile = 'abc\uD800def';
    expect(() => secrets.add(hostile)).not.toThrow();
    expect(masked).toStrictEqual([hostile, 'abc\\ud800def']);
    expect(secrets.redact(`x${hostile}y`)).toBe('x***y');
  });
});

describe('SecretRegistry.redact', () => {
  it('replaces every occurrence of every secret', () => {
    const { secrets } = registry();
    secrets.add('alpha-secret');
    secrets.add('beta-secret');
    expect(secrets.redact('alpha-secret, beta-secret and alpha-secret again')).toBe('***, *** and *** again');
    expect(secrets.redact('nothing secret here')).toBe('nothing secret here');
  });

  it('redacts the longest secret first, so one that contains another goes entirely', () => {
    const { secrets } = registry();
    // The short one is registered first: the order of registration must not decide.
    secrets.add('abc');
    secrets.add('xabcdefx');
    secrets.add('abcdef');
    expect(secrets.redact('[xabcdefx] [abcdef] [abc]')).toBe('[***] [***] [***]');
  });

  it('redacts a secret registered after an earlier redaction', () => {
    const { secrets } = registry();
    secrets.add('first-secret');
    expect(secrets.redact('first-secret second-secret')).toBe('*** second-secret');
    secrets.add('second-secret');
    expect(secrets.redact('first-secret second-secret')).toBe('*** ***');
  });

  it('redacts a lone secret on a fresh registry', () => {
    const { secrets } = registry();
    secrets.add('tok-123');
    expect(secrets.redact('tok-123 Stryker was here')).toBe('*** Stryker was here');
  });
});

describe('SecretRegistry.leaks', () => {
  it('says whether any registered secret occurs in the text', () => {
    const { secrets } = registry();
    expect(secrets.leaks('anything')).toBe(false);
    secrets.add('one-secret');
    secrets.add('two-secret');
    expect(secrets.leaks('here is two-secret')).toBe(true);
    expect(secrets.leaks('here is one-secret')).toBe(true);
    expect(secrets.leaks('here is none')).toBe(false);
    expect(secrets.leaks(secrets.redact('one-secret two-secret'))).toBe(false);
  });
});

describe('scrubCredentials', () => {
  it.each([
    ['postgres://app:hunter2@db.internal:5432/shop', 'postgres://***:***@db.internal:5432/shop'],
    ['connecting to REDIS://default:p4ss@cache:6379', 'connecting to REDIS://***:***@cache:6379'],
    ['git+ssh://deploy:k3y-value@git.example.com/repo', 'git+ssh://***:***@git.example.com/repo'],
    ['a://u:p@h', 'a://***:***@h'],
  ])('masks the user info of %s', (input, expected) => {
    expect(scrubCredentials(input)).toBe(expected);
  });

  it.each([
    'https://example.com/users/@me',
    'https://example.com:8443/path',
    'mailto:someone@example.com',
    'https://user@example.com/only-a-user',
    'https://a b:c@d',
    'https://ab:c d@e',
    'https://a/b:c@d',
    'https://ab:c/d@e',
    'see 9://u:p@h',
  ])('leaves %s alone', (input) => {
    expect(scrubCredentials(input)).toBe(input);
  });

  it.each([
    ['password=hunter2', 'password=***'],
    ['DB_PASSWORD=hunter2 next', 'DB_PASSWORD=*** next'],
    ['my-passwd: hunter2', 'my-passwd: ***'],
    ['pwd = "two words" after', 'pwd = *** after'],
    ["client_secret='two words' after", 'client_secret=*** after'],
    ['GITHUB_TOKEN:ghp_abcdef', 'GITHUB_TOKEN:***'],
    ['api_key=k1 api-key=k2 apikey=k3', 'api_key=*** api-key=*** apikey=***'],
    ['access_key=k1 access-key=k2 accesskey=k3', 'access_key=*** access-key=*** accesskey=***'],
    ['Secret  :  value', 'Secret  :  ***'],
    ['token=""', 'token=***'],
    ["token=''", 'token=***'],
    ['token="a"b', 'token=***b'],
  ])('masks the value in %s', (input, expected) => {
    expect(scrubCredentials(input)).toBe(expected);
  });

  it.each(['password is set', 'tokens: 3 left', 'the secret word', 'api key=x', 'keyword=value'])(
    'leaves %s alone',
    (input) => {
      expect(scrubCredentials(input)).toBe(input);
    },
  );

  it('scrubs both kinds in one line', () => {
    expect(scrubCredentials('url=postgres://u:pw@h token=abc')).toBe('url=postgres://***:***@h token=***');
  });
});
