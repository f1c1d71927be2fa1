/**
 * URL inputs (src/config/urls.ts): what `url` and `api-url` accept, what each rejection says, and which
 * parts of a rejected URL are masked in the log and in the message.
 */
import { describe, expect, it } from '@jest/globals';
import { InputReader } from '../../../src/config/inputs.js';
import { isLoopback, readUrl, splitUrlSecrets } from '../../../src/config/urls.js';
import { SecretRegistry } from '../../../src/secrets.js';

function read(
  value: string,
  options: { allowPlainHttpRemote?: boolean; fallback?: string; name?: 'url' | 'api-url' } = {},
) {
  const name = options.name ?? 'url';
  const reader = new InputReader({ input: (input) => (input === name ? value : ''), env: {} });
  const masked: string[] = [];
  const secrets = new SecretRegistry((part) => masked.push(part));
  const url = readUrl(reader, name, secrets, {
    allowPlainHttpRemote: options.allowPlainHttpRemote ?? true,
    fallback: options.fallback,
  });
  return { url, problems: reader.problems, masked, secrets };
}

describe('readUrl', () => {
  it('accepts an absolute http(s) base URL and masks nothing', () => {
    const { url, problems, masked } = read('  https://my-app.onrender.com/base/  ');
    expect(url?.href).toBe('https://my-app.onrender.com/base/');
    expect(problems).toEqual([]);
    expect(masked).toStrictEqual([]);
    expect(read('http://app.example.com').url?.href).toBe('http://app.example.com/');
  });

  it('is undefined when empty, or uses the fallback', () => {
    expect(read('')).toMatchObject({ url: undefined, problems: [] });
    expect(read('', { fallback: 'https://pr-12.example.com' }).url?.href).toBe('https://pr-12.example.com/');
    expect(read('https://given.example.com', { fallback: 'https://pr-12.example.com' }).url?.host).toBe(
      'given.example.com',
    );
  });

  it('rejects text that is not an absolute URL', () => {
    const { url, problems, masked } = read('my-app.onrender.com');
    expect(url).toBeUndefined();
    expect(problems).toEqual([
      {
        input: 'url',
        value: 'my-app.onrender.com',
        problem: 'is not an absolute URL',
        fix: 'write it with its scheme, e.g. https://my-app.onrender.com',
      },
    ]);
    expect(masked).toStrictEqual([]);
  });

  it('masks everything before an "@" of text that does not parse', () => {
    const { problems, secrets } = read('//admin:hunter22@host.example');
    expect(problems[0]).toMatchObject({ value: '***@host.example', problem: 'is not an absolute URL' });
    expect(secrets.leaks('//admin:hunter22')).toBe(true);
    expect(secrets.leaks('hunter22')).toBe(true);
  });

  it('rejects another scheme, masking its user info', () => {
    const { url, problems, masked } = read('ftp://deploy:s3cret@files.example.com/x');
    expect(url).toBeUndefined();
    expect(problems).toEqual([
      {
        input: 'url',
        value: 'ftp://***@files.example.com/x',
        problem: 'uses ftp: but only http and https are supported',
        fix: 'use an https:// URL',
      },
    ]);
    expect(masked).toStrictEqual(['deploy:s3cret', 'deploy%3As3cret', 'deploy', 's3cret']);
  });

  it('rejects credentials, masking them raw and decoded', () => {
    const { url, problems, masked } = read('https://us%40er:p%C3%A4ss@api.example.com/');
    expect(url).toBeUndefined();
    expect(problems).toEqual([
      {
        input: 'url',
        value: 'https://***@api.example.com/',
        problem: 'contains credentials',
        fix: 'remove user:password@ and pass credentials in `headers`',
      },
    ]);
    expect(masked).toEqual(
      expect.arrayContaining(['us@er', 'päss', 'us%40er:p%C3%A4ss', 'us%40er', 'p%C3%A4ss']),
    );
  });

  it('rejects a user name alone, and a password alone', () => {
    const user = read('https://deployer@api.example.com/');
    expect(user.problems[0]).toMatchObject({
      problem: 'contains credentials',
      value: 'https://***@api.example.com/',
    });
    expect(user.secrets.leaks('deployer')).toBe(true);
    const password = read('https://:pa55word@api.example.com/');
    expect(password.problems[0]).toMatchObject({ problem: 'contains credentials' });
    expect(password.secrets.leaks('pa55word')).toBe(true);
    expect(password.masked).not.toContain('');
  });

  it('keeps a malformed %-escape as written', () => {
    const { masked, problems } = read('https://user:p%ZZword@api.example.com/');
    expect(problems[0]).toMatchObject({ problem: 'contains credentials' });
    expect(masked).toEqual(expect.arrayContaining(['p%ZZword', 'user']));
    // The parser percent-encodes what the text did not: that form is masked as well.
    expect(read('https://user:pä%ZZ@api.example.com/').masked).toEqual(
      expect.arrayContaining(['pä%ZZ', 'p%C3%A4%ZZ']),
    );
  });

  it('rejects a query or fragment, masking its values but not a path with an "@"', () => {
    const { url, problems, masked } = read('https://api.example.com/users/@me?token=t0ps3cret&x=a+bcd');
    expect(url).toBeUndefined();
    expect(problems).toEqual([
      {
        input: 'url',
        value: 'https://***@me?***',
        problem: 'has a query string or fragment',
        fix: 'give the base URL only; pass tokens in `headers`',
      },
    ]);
    // The path before the "@" is not user info of an http URL: it stays out of the log's mask list.
    expect(masked.some((part) => part.includes('users'))).toBe(false);
    expect(masked).toEqual(expect.arrayContaining(['t0ps3cret', 'a bcd', 'a+bcd']));
    expect(masked).not.toContain('Stryker was here');
    const fragment = read('https://api.example.com/#section');
    expect(fragment.problems[0]).toMatchObject({ value: 'https://api.example.com/#***' });
    expect(fragment.masked).toEqual(expect.arrayContaining(['section']));
  });

  it('refuses plain http to a remote API unless allowed, but not to this machine', () => {
    const remote = read('http://api.example.com', { allowPlainHttpRemote: false, name: 'api-url' });
    expect(remote.url).toBeUndefined();
    expect(remote.problems).toEqual([
      {
        input: 'api-url',
        value: 'http://api.example.com',
        problem: 'would send the API token over plain http',
        fix: 'use https:// (http is accepted only for localhost)',
      },
    ]);
    expect(read('http://127.0.0.1:4000', { allowPlainHttpRemote: false }).url?.port).toBe('4000');
    expect(read('https://api.example.com', { allowPlainHttpRemote: false }).problems).toEqual([]);
    expect(read('http://api.example.com', { allowPlainHttpRemote: true }).problems).toEqual([]);
  });
});

describe('splitUrlSecrets', () => {
  it('masks user info, query and fragment, listing each part as written', () => {
    expect(splitUrlSecrets('https://user:pw@host.example/x?token=abc&y=1#frag')).toStrictEqual({
      shown: 'https://***@host.example/x?***',
      userInfo: ['user:pw', 'user', 'pw'],
      query: ['token=abc&y=1#frag', 'abc', '1', 'frag'],
    });
  });

  it('masks everything after an "@" that sits in the query', () => {
    expect(splitUrlSecrets('https://h.example/?e=a@b.c/d&t=x')).toStrictEqual({
      shown: 'https://***@***',
      // The whole of it, and its only ":"-separated piece.
      userInfo: ['h.example/?e=a', 'h.example/?e=a'],
      query: ['b.c/d&t=x', 'b.c/d', 'x'],
    });
  });

  it('leaves out empty parts', () => {
    expect(splitUrlSecrets('https://:pw@h/?a=&b')).toStrictEqual({
      shown: 'https://***@h/?***',
      userInfo: [':pw', 'pw'],
      query: ['a=&b', 'b'],
    });
  });

  it('keeps a scheme only at the start and with its "//"', () => {
    expect(splitUrlSecrets('see https://h/?q=1')).toStrictEqual({
      shown: 'see https://h/?***',
      userInfo: [],
      query: ['q=1', '1'],
    });
    expect(splitUrlSecrets('user:pw@host').shown).toBe('***@host');
    expect(splitUrlSecrets('https://plain.example/path')).toStrictEqual({
      shown: 'https://plain.example/path',
      userInfo: [],
      query: [],
    });
  });
});

describe('isLoopback', () => {
  it.each(['localhost', '[::1]', '127.0.0.1', '127.10.200.30', '127.255.255.254'])(
    '%s is this machine',
    (host) => expect(isLoopback(host)).toBe(true),
  );
  it.each([
    '',
    'localhost.example.com',
    'x127.0.0.1',
    '127.0.0.1.example.com',
    '127.0.0',
    '127.a.0.1',
    '127.0.b.1',
    '127.0.0.c',
    '10.0.0.1',
    '::1',
  ])('%j is not', (host) => expect(isLoopback(host)).toBe(false));
});
