import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { getConfig, parseHeaders, splitUrlSecrets, type ConfigSource } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/errors.js';
import { SecretRegistry } from '../../../src/secrets.js';
import { runnerSource } from '../../helpers/config-source.js';

const workspace = mkdtempSync(join(tmpdir(), 'config-test-'));
writeFileSync(join(workspace, 'schema.json'), JSON.stringify({ type: 'object', required: ['status'] }));
writeFileSync(
  join(workspace, 'schema.yaml'),
  'type: object\nrequired: [status]\nproperties:\n  status: { const: ok }\n',
);
writeFileSync(join(workspace, 'broken.json'), '{ "type": "object", ');
writeFileSync(join(workspace, 'not-a-schema.json'), JSON.stringify({ type: 'nope' }));
writeFileSync(join(workspace, 'checks.yml'), 'checks:\n  - name: home\n    request: GET /\n');

function source(inputs: Record<string, string>, env: Record<string, string> = {}): ConfigSource {
  return runnerSource(inputs, { env: { GITHUB_WORKSPACE: workspace, ...env } });
}

function problemsOf(inputs: Record<string, string>, env?: Record<string, string>): ConfigError {
  try {
    getConfig(source(inputs, env), new SecretRegistry(() => undefined));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('getConfig', () => {
  it('applies documented defaults', () => {
    const config = getConfig(source({ url: 'https://app.example.com' }), new SecretRegistry(() => undefined));
    expect(config).toMatchObject({
      healthPath: '/health',
      versionFrom: { kind: 'pointer', pointer: '/version' },
      provider: 'none',
      timeoutMs: 600_000,
      intervalMs: 5000,
      requestTimeoutMs: 10_000,
      successThreshold: 2,
      failureThreshold: 3,
      rollback: 'on-failure',
      comment: 'auto',
      deploy: false,
      commit: 'a'.repeat(40),
    });
    expect(config.run.sha).toBe('a'.repeat(40));
    expect(config.run.nonce).toMatch(/^[0-9a-f]{12}$/);
  });

  it('loads health-schema from a JSON file, a YAML file and inline', () => {
    for (const value of [
      'schema.json',
      'schema.yaml',
      '{"type":"object","required":["status"]}',
      'type: object\nrequired: [status]\n',
    ]) {
      const config = getConfig(
        source({ url: 'https://a.example', 'health-schema': value }),
        new SecretRegistry(() => undefined),
      );
      expect(config.healthSchema?.validate({})).toBe(false);
      expect(config.healthSchema?.validate({ status: 'ok' })).toBe(true);
    }
  });

  it('compiles schemas with draft 2020-12 formats', () => {
    const schema = JSON.stringify({
      type: 'object',
      properties: { at: { type: 'string', format: 'date-time' } },
    });
    const config = getConfig(
      source({ url: 'https://a.example', 'health-schema': schema }),
      new SecretRegistry(() => undefined),
    );
    expect(config.healthSchema?.validate({ at: 'yesterday' })).toBe(false);
    expect(config.healthSchema?.validate({ at: '2026-11-22T10:00:00Z' })).toBe(true);
  });

  it('reads version-from as a header or pointer', () => {
    const header = getConfig(
      source({ url: 'https://a.example', 'version-from': 'header:X-App-Version' }),
      new SecretRegistry(() => undefined),
    );
    expect(header.versionFrom).toEqual({ kind: 'header', name: 'x-app-version' });
    const pointer = getConfig(
      source({ url: 'https://a.example', 'version-from': '/build/sha' }),
      new SecretRegistry(() => undefined),
    );
    expect(pointer.versionFrom).toEqual({ kind: 'pointer', pointer: '/build/sha' });
  });

  it('masks the token and header values as soon as they are read', () => {
    const masked: string[] = [];
    const secrets = new SecretRegistry((value) => masked.push(value));
    expect(() =>
      getConfig(
        source({
          provider: 'render',
          'api-token': 'rnd_supersecret',
          headers: 'X-Key: hdr-secret-1',
          timeout: 'soon',
        }),
        secrets,
      ),
    ).toThrow(ConfigError);
    expect(masked).toEqual(expect.arrayContaining(['rnd_supersecret', 'hdr-secret-1']));
  });

  it('uses the nonce saved by pre', () => {
    const config = getConfig(
      { ...source({ url: 'https://a.example' }), runNonce: 'cafe01' },
      new SecretRegistry(() => undefined),
    );
    expect(config.run.nonce).toBe('cafe01');
  });

  const badInputs: [string, Record<string, string>, string, RegExp][] = [
    ['missing url with provider none', {}, 'url', /required when `provider` is none/],
    ['bad duration', { url: 'https://a.example', timeout: '10 minutes' }, 'timeout', /not a duration/],
    ['duration out of range', { url: 'https://a.example', timeout: '12h' }, 'timeout', /between/],
    ['bad URL', { url: 'not a url' }, 'url', /not an absolute URL/],
    ['non-http URL', { url: 'ftp://files.example.com' }, 'url', /only http and https/],
    ['URL with credentials', { url: 'https://user:pw1234@a.example' }, 'url', /contains credentials/],
    [
      'unknown provider',
      { url: 'https://a.example', provider: 'heroku' },
      'provider',
      /must be one of render, railway, cloud-run, none/,
    ],
    [
      'schema file missing',
      { url: 'https://a.example', 'health-schema': 'nope.json' },
      'health-schema',
      /no file at/,
    ],
    [
      'schema not JSON/YAML',
      { url: 'https://a.example', 'health-schema': 'broken.json' },
      'health-schema',
      /not valid JSON or YAML/,
    ],
    [
      'schema not a valid schema',
      { url: 'https://a.example', 'health-schema': 'not-a-schema.json' },
      'health-schema',
      /not a valid JSON Schema/,
    ],
    [
      'schema not an object',
      { url: 'https://a.example', 'health-schema': '[1, 2]' },
      'health-schema',
      /schema|object/,
    ],
    [
      'invalid checks file',
      { url: 'https://a.example', checks: 'checks:\n  - request: GET /\n' },
      'checks',
      /name/,
    ],
    [
      'unknown template variable',
      { url: 'https://a.example', checks: 'checks:\n  - name: x\n    request: GET /{{ nope }}\n' },
      'checks',
      /nope/,
    ],
    [
      'malformed headers',
      { url: 'https://a.example', headers: 'Authorization Bearer abc' },
      'headers',
      /not a "Name: value" header line/,
    ],
    ['header without value', { url: 'https://a.example', headers: 'X-Empty:' }, 'headers', /no value/],
    [
      'conflicting deploy without provider',
      { url: 'https://a.example', deploy: 'true' },
      'deploy',
      /needs a provider/,
    ],
    [
      'api-token without provider',
      { url: 'https://a.example', 'api-token': 'tok-123456' },
      'api-token',
      /only applies with a provider/,
    ],
    [
      'render without token',
      { provider: 'render', 'service-id': 'srv-1' },
      'api-token',
      /required when `provider` is render/,
    ],
    [
      'railway without environment',
      { provider: 'railway', 'api-token': 't0ken', 'service-id': 's' },
      'environment-id',
      /required/,
    ],
    [
      'deploy and deploy-id',
      { provider: 'render', 'api-token': 't0ken', 'service-id': 's', deploy: 'true', 'deploy-id': 'dep-1' },
      'deploy-id',
      /conflicts/,
    ],
    ['bad boolean', { url: 'https://a.example', deploy: 'yes please' }, 'deploy', /not a boolean/],
    [
      'bad threshold',
      { url: 'https://a.example', 'success-threshold': '0' },
      'success-threshold',
      /whole number from 1 to 20/,
    ],
    [
      'bad rollback mode',
      { url: 'https://a.example', rollback: 'sometimes' },
      'rollback',
      /on-failure, never, dry-run/,
    ],
    [
      'bad version-from',
      { url: 'https://a.example', 'version-from': 'version' },
      'version-from',
      /neither a JSON Pointer/,
    ],
    [
      'bad health-path',
      { url: 'https://a.example', 'health-path': 'health' },
      'health-path',
      /must start with \//,
    ],
    [
      'interval not shorter than timeout',
      { url: 'https://a.example', timeout: '5s', interval: '6s' },
      'interval',
      /not shorter than/,
    ],
    [
      'plain http api-url',
      { provider: 'render', 'api-token': 't0ken', 'service-id': 's', 'api-url': 'http://api.example.com' },
      'api-url',
      /plain http/,
    ],
    ['bad commit', { url: 'https://a.example', commit: 'main' }, 'commit', /not a commit SHA/],
    ['URL with a query', { url: 'https://a.example/?token=abc123' }, 'url', /query string/],
    [
      'protocol-relative health-path',
      { url: 'https://a.example', 'health-path': '//evil.example/x' },
      'health-path',
      /must start with \//,
    ],
  ];

  it.each(badInputs)(
    'rejects %s, naming the input, the value and the fix',
    (_label, inputs, input, pattern) => {
      const error = problemsOf(inputs);
      const problem = error.problems.find((p) => p.input === input);
      expect(problem).toBeDefined();
      expect(`${problem?.problem}`).toMatch(pattern);
      expect(problem?.fix.length).toBeGreaterThan(5);
      expect(error.message).toContain(`input \`${input}\``);
      expect(error.message).toContain('Fix:');
    },
  );

  it('collects every problem into one error', () => {
    const error = problemsOf({ url: 'nope', timeout: 'x', provider: 'heroku', rollback: 'maybe' });
    expect(error.problems.map((p) => p.input).sort()).toEqual(['provider', 'rollback', 'timeout', 'url']);
  });

  it('never quotes a secret in a problem', () => {
    const error = problemsOf({
      'api-url': 'https://tok_USERNAME_SECRET99@api.example.com',
      url: 'https://a.example/?key=query-secret-77',
      headers: 'X-Key: topsecret-value\nbroken line',
      'api-token': 'tok-abcdef',
    });
    expect(error.message).not.toContain('topsecret-value');
    expect(error.message).not.toContain('tok-abcdef');
    expect(error.message).not.toContain('tok_USERNAME_SECRET99');
    expect(error.message).not.toContain('query-secret-77');
  });
});

describe('parseHeaders', () => {
  it('parses one header per line and skips blank lines', () => {
    expect(parseHeaders('Authorization: Bearer abc:def\n\nX-Env:  staging  \n').headers).toEqual({
      Authorization: 'Bearer abc:def',
      'X-Env': 'staging',
    });
  });
  it('reports the line number without the value', () => {
    const { problems } = parseHeaders('X-Ok: 1\nBad Header: secret-value');
    expect(problems).toHaveLength(1);
    expect(problems[0]?.problem).toContain('line 2');
    expect(JSON.stringify(problems)).not.toContain('secret-value');
  });
});

describe('provider mode', () => {
  it('accepts render with a token and a service, without url', () => {
    const config = getConfig(
      source(
        { provider: 'render', 'api-token': 'rnd_token', 'service-id': 'srv-1', 'pause-auto-deploy': 'true' },
        {
          GITHUB_SHA: 'a'.repeat(40),
        },
      ),
      new SecretRegistry(() => undefined),
    );
    expect(config).toMatchObject({
      provider: 'render',
      serviceId: 'srv-1',
      pauseAutoDeploy: true,
      url: undefined,
    });
  });

  it('accepts railway with a token, a service and an environment; api-token-type is Railway-only', () => {
    const config = getConfig(
      source(
        {
          provider: 'railway',
          'api-token': 'rw_token',
          'service-id': 'svc-1',
          'environment-id': 'env-1',
          'api-token-type': 'project',
        },
        { GITHUB_SHA: 'a'.repeat(40) },
      ),
      new SecretRegistry(() => undefined),
    );
    expect(config).toMatchObject({ provider: 'railway', environmentId: 'env-1', apiTokenType: 'project' });
    const error = problemsOf({
      provider: 'render',
      'api-token': 'x-token',
      'service-id': 'srv-1',
      'api-token-type': 'project',
    });
    expect(error.problems.map((p) => p.input)).toEqual(['api-token-type']);
    const railwayPause = problemsOf({
      provider: 'railway',
      'api-token': 'rw_token',
      'service-id': 'svc-1',
      'environment-id': 'env-1',
      'pause-auto-deploy': 'true',
    });
    expect(railwayPause.problems.map((p) => p.input)).toEqual(['pause-auto-deploy']);
    expect(
      problemsOf({
        provider: 'railway',
        'api-token': 'rw',
        'service-id': 's',
        'environment-id': 'e',
        'api-token-type': 'team',
      }).problems[0],
    ).toMatchObject({ input: 'api-token-type', value: 'team' });
  });

  it('refuses pause-auto-deploy without a provider', () => {
    const error = problemsOf({ url: 'https://app.example.com', 'pause-auto-deploy': 'true' });
    expect(error.problems.map((p) => p.input)).toEqual(['pause-auto-deploy']);
  });
});

describe('url and api-url secrets (fuzzing regressions)', () => {
  it('reports a malformed %-escape in user info as credentials instead of throwing URIError', () => {
    for (const [inputs, input, shown] of [
      [{ url: 'https://user%ZZ:pw@app.example.com' }, 'url', 'https://***@app.example.com'],
      [
        { url: 'https://a.example', 'api-url': 'https://u:p%E0%A4%A@127.0.0.1:8443' },
        'api-url',
        'https://***@127.0.0.1:8443',
      ],
    ] as [Record<string, string>, string, string][]) {
      const masked: string[] = [];
      let error: unknown;
      try {
        getConfig(source(inputs), new SecretRegistry((value) => masked.push(value)));
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toContainEqual(
        expect.objectContaining({ input, value: shown, problem: 'contains credentials' }),
      );
      // The raw user info is masked in the log too, as written.
      const url = inputs[input] ?? '';
      expect(masked).toContain(url.slice('https://'.length, url.lastIndexOf('@')));
    }
  });

  it('masks user info, query and fragment as written, also in URLs that do not parse', () => {
    const secret = 'hunter2-Sup3rSecretPassw0rd';
    const cases: [string, string][] = [
      [`https://admin:${secret}@my app.example.com`, 'https://***@my app.example.com'],
      [`ftp://admin:${secret}@files.example.com`, 'ftp://***@files.example.com'],
      [`https://admin:${secret}@`, 'https://***@'],
      [`https://u:hunter%41${secret}@a.example`, 'https://***@a.example'],
      [`https://a.example/?token=hunter%41${secret}`, 'https://a.example/?***'],
      [`https://a.example/#access_token=${secret}`, 'https://a.example/#***'],
      [`admin:${secret}@a.example`, '***@a.example'],
    ];
    for (const [url, shown] of cases) {
      const error = problemsOf({ url });
      expect(error.problems).toEqual([expect.objectContaining({ input: 'url', value: shown })]);
      expect(error.message).not.toContain(secret);
    }
  });

  it('splits a URL into the text to show and the parts to mask', () => {
    expect(splitUrlSecrets('https://u:p%ZZ@h.example/x?a=1&token=t0k#frag')).toEqual({
      shown: 'https://***@h.example/x?***',
      userInfo: ['u:p%ZZ', 'u', 'p%ZZ'],
      // Values, never parameter names: masking "token" would hide the word in every later log line.
      query: ['a=1&token=t0k#frag', '1', 't0k', 'frag'],
    });
    expect(splitUrlSecrets('https://h.example/?e=a@b.c&t=x').shown).toBe('https://***@***');
  });

  it('accepts a URL with "@" in its path and masks nothing of it', () => {
    const masked: string[] = [];
    const config = getConfig(
      source({ url: 'https://a.example/users/@me/' }),
      new SecretRegistry((value) => masked.push(value)),
    );
    expect(config.url?.href).toBe('https://a.example/users/@me/');
    expect(masked).toEqual([]);
  });
});

describe('headers (fuzzing regressions)', () => {
  it('quotes no text before the first colon of a malformed line, only a well-known name', () => {
    const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    const { headers, problems } = parseHeaders(
      `Authorization Bearer ${secret}:x\nCookie session=${secret}:1\ntoken=${secret}:1\n${secret} x: y\n: no name`,
    );
    expect(headers).toEqual({});
    expect(problems.map((p) => p.value)).toEqual([
      'Authorization ***: ***',
      'Cookie ***: ***',
      '***: ***',
      '***: ***',
      ': ***',
    ]);
    expect(problems[0]?.problem).toBe(
      'line 1 is not a "Name: value" header line: the name before the first colon has a space (character 14), which header names cannot contain',
    );
    expect(problems[0]?.fix).toBe('write a colon after the name, as in `Authorization: value`');
    expect(problems[2]?.problem).toContain('has the character "=" (character 6)');
    expect(JSON.stringify(problems)).not.toContain(secret);
  });

  it('refuses values with characters undici cannot send, without quoting them', () => {
    const { headers, problems } = parseHeaders(
      'X-Euro: price-\u20ac-secret\nX-Ctl: a\u0001secret\nX-Del: a\u007fsecret\nX-Cr: a\rsecret\nX-Latin: caf\u00e9',
    );
    expect(headers).toEqual({ 'X-Latin': 'caf\u00e9' });
    expect(problems.map((p) => [p.value, p.problem])).toEqual([
      [
        'X-Euro: ***',
        'line 1 has a character outside Latin-1 (U+20AC) in the value of X-Euro, which HTTP headers cannot carry',
      ],
      [
        'X-Ctl: ***',
        'line 2 has a control character (U+0001) in the value of X-Ctl, which HTTP headers cannot carry',
      ],
      [
        'X-Del: ***',
        'line 3 has a control character (U+007F) in the value of X-Del, which HTTP headers cannot carry',
      ],
      ['X-Cr: ***', 'line 4 has a line break (U+000D) in the value of X-Cr, which HTTP headers cannot carry'],
    ]);
    expect(JSON.stringify(problems)).not.toContain('secret');
  });

  it('refuses header names the HTTP client sets itself, and a header given twice', () => {
    const { headers, problems } = parseHeaders(
      'Expect: 100-continue\ntransfer-encoding: chunked\nUpgrade: h2c\nKeep-Alive: 5\nConnection: close\nContent-Length: 3\nHost: a.example\nhost: b.example',
    );
    expect(headers).toEqual({ Host: 'a.example' });
    expect(problems.map((p) => p.problem)).toEqual([
      'line 1 sets Expect, which the HTTP client cannot send (the HTTP client does not support Expect (100-continue))',
      'line 2 sets transfer-encoding, which the HTTP client cannot send (the HTTP client frames request bodies itself)',
      'line 3 sets Upgrade, which the HTTP client cannot send (the HTTP client does not switch protocols)',
      'line 4 sets Keep-Alive, which the HTTP client cannot send (the HTTP client manages connections itself)',
      'line 5 sets Connection, which the HTTP client cannot send (the HTTP client manages connections itself)',
      'line 6 sets Content-Length, which the HTTP client cannot send (the HTTP client computes it from each request body)',
      'line 8 repeats header host of line 7',
    ]);
    // getConfig stops the run on them: a probe that can never be sent is no evidence against the deploy.
    expect(problemsOf({ url: 'https://a.example', headers: 'X-User: \u20ac' }).problems[0]?.input).toBe(
      'headers',
    );
  });

  it('keeps a header named __proto__', () => {
    expect(Object.keys(parseHeaders('__proto__: x').headers)).toEqual(['__proto__']);
  });
});

describe('durations (fuzzing regressions)', () => {
  it('reports a duration too large to represent as out of range, not as malformed', () => {
    const error = problemsOf({ url: 'https://a.example', timeout: `${'9'.repeat(400)}h`, interval: '1ms' });
    expect(error.problems.map((p) => [p.input, p.problem])).toEqual([
      ['timeout', 'is too large; it must be between 1s and 6h00m'],
      ['interval', 'must be between 100ms and 1h00m'],
    ]);
  });
});

describe('health-schema depth', () => {
  it('refuses a recursive YAML alias with a clear problem instead of exhausting the stack', () => {
    const error = problemsOf({
      url: 'https://app.example.com',
      'health-schema': 'type: object\nproperties:\n  a: &s\n    type: object\n    properties:\n      b: *s\n',
    });
    expect(error.problems).toEqual([
      expect.objectContaining({
        input: 'health-schema',
        problem: expect.stringContaining('recursive YAML alias'),
        fix: expect.stringContaining('$ref'),
      }),
    ]);
  });
});

describe('version-from: none (a service that reports no version)', () => {
  const deployed = {
    name: 'deployment_status',
    deploymentStatus: {
      state: 'success',
      environment: 'production',
      environmentUrl: 'https://app.example.com',
      sha: 'b'.repeat(40),
      transient: false,
    },
  };

  it('drops the version deployment_status would otherwise expect, and checks no version', () => {
    const expecting = getConfig(
      runnerSource({}, { event: deployed, env: { GITHUB_WORKSPACE: workspace } }),
      new SecretRegistry(() => undefined),
    );
    expect(expecting.expectVersion).toBe('b'.repeat(40));
    const opted = getConfig(
      runnerSource({ 'version-from': 'none' }, { event: deployed, env: { GITHUB_WORKSPACE: workspace } }),
      new SecretRegistry(() => undefined),
    );
    expect(opted.expectVersion).toBeUndefined();
    expect(opted.versionFrom).toEqual({ kind: 'none' });
  });

  it('refuses an expect-version the service cannot prove, naming both inputs', () => {
    const error = problemsOf({
      url: 'https://a.example',
      'expect-version': 'abc1234',
      'version-from': 'none',
    });
    expect(error.problems).toEqual([
      expect.objectContaining({
        input: 'expect-version',
        problem: expect.stringContaining('`version-from` is none'),
      }),
    ]);
  });
});

describe('first-hour mistakes stop at configuration, each with one message that names the input', () => {
  it('refuses a hex expect-version shorter than 7 characters, which no commit SHA can match', () => {
    const error = problemsOf({ url: 'https://a.example', 'expect-version': '012345' });
    expect(error.problems).toEqual([
      expect.objectContaining({
        input: 'expect-version',
        value: '012345',
        problem: expect.stringContaining('7'),
      }),
    ]);
  });

  it('accepts a provider name in any case', () => {
    const config = getConfig(
      source({ provider: 'Render', 'api-token': 'rnd_token', 'service-id': 'srv-1' }),
      new SecretRegistry(() => undefined),
    );
    expect(config.provider).toBe('render');
  });

  it('reports an unknown provider once, without the follow-on problems of provider none', () => {
    const error = problemsOf({ provider: 'heroku', 'api-token': 'tok-123456', 'service-id': 'srv-1' });
    expect(error.problems.map((p) => p.input)).toEqual(['provider']);
  });

  it('refuses a url that already ends in the health path', () => {
    const error = problemsOf({ url: 'https://app.example.com/health' });
    expect(error.problems).toEqual([
      expect.objectContaining({ input: 'url', problem: expect.stringContaining('/health/health') }),
    ]);
  });
});
