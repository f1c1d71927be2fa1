/**
 * Configuration mistakes found by the end-to-end corpus (__tests__/e2e/mistakes.test.ts) that the inputs
 * did not catch: each must be a configuration problem that names the input and the fix, before any request.
 */
import { describe, expect, it } from '@jest/globals';
import { getConfig } from '../../../src/config/index.js';
import { parseHeaders, readHeaders } from '../../../src/config/headers.js';
import { ConfigError } from '../../../src/errors.js';
import { SecretRegistry } from '../../../src/secrets.js';
import { runnerSource } from '../../helpers/config-source.js';

const EMPTY_SECRET_FIX =
  'define the secret the value comes from (`${{ secrets.NAME }}` is empty when the repository or environment has no such secret, and on pull requests from forks), or remove the line';

describe('headers: an Authorization scheme whose credential is empty', () => {
  // `Authorization: Bearer ${{ secrets.SMOKE_TOKEN }}` with the secret not set arrives as "Bearer ": every
  // probe would be sent unauthenticated, and a protected health endpoint would fail a healthy deploy.
  it.each([
    ['Authorization: Bearer ', 'Authorization', 'Bearer'],
    ['Authorization: Bearer', 'Authorization', 'Bearer'],
    ['authorization: basic   ', 'authorization', 'basic'],
    ['Proxy-Authorization: Token ', 'Proxy-Authorization', 'Token'],
    ['Authorization: ApiKey', 'Authorization', 'ApiKey'],
  ])('%j is a problem naming the header and the empty secret', (line, name, scheme) => {
    const { headers, problems } = parseHeaders(line);
    expect(headers).toEqual({});
    expect(problems).toEqual([
      {
        input: 'headers',
        value: `${name}: ${scheme}`,
        problem: `line 1 sends ${name} with the scheme ${scheme} and no credential after it: the secret meant to follow is empty`,
        fix: EMPTY_SECRET_FIX,
      },
    ]);
  });

  it('accepts a scheme with its credential, and a scheme word in any other header', () => {
    const { headers, problems } = parseHeaders(
      'Authorization: Bearer t0k3n\nX-Auth-Scheme: Bearer\nX-Mode: token',
    );
    expect(problems).toEqual([]);
    expect(headers).toStrictEqual({
      Authorization: 'Bearer t0k3n',
      'X-Auth-Scheme': 'Bearer',
      'X-Mode': 'token',
    });
  });

  it('masks nothing for the rejected line: the scheme alone is not a secret', () => {
    const masked: string[] = [];
    readHeaders('Authorization: Bearer ', new SecretRegistry((value) => masked.push(value)));
    expect(masked).toEqual([]);
  });

  it('stops the run as a configuration error, with the scheme shown and the fix', () => {
    let error: unknown;
    try {
      getConfig(
        runnerSource({ url: 'https://app.example.com', headers: 'Authorization: Bearer ' }),
        new SecretRegistry(() => undefined),
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(
      'input `headers` = "Authorization: Bearer": line 1 sends Authorization with the scheme Bearer and no credential after it',
    );
    expect((error as ConfigError).message).toContain(`Fix: ${EMPTY_SECRET_FIX}`);
  });
});
