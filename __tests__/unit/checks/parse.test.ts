import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { DEFAULT_CONCURRENCY, parseChecksFile } from '../../../src/checks/parse.js';
import { explainSchemaErrors } from '../../../src/checks/schema-problems.js';
import { Template } from '../../../src/checks/template.js';
import type { ChecksFile, RequestSpec } from '../../../src/checks/types.js';
import type { ConfigProblem } from '../../../src/errors.js';

const env = { SMOKE_PASSWORD: 'hunter22', EMPTY_SECRET: '' };
const options = { source: '.github/checks.yml', input: 'checks', env };

function parseOk(text: string): ChecksFile {
  const result = parseChecksFile(text, options);
  expect(result.problems).toEqual([]);
  if (!result.file) throw new Error('no file');
  return result.file;
}

function problemsOf(text: string, source = options.source): ConfigProblem[] {
  const result = parseChecksFile(text, { ...options, source });
  expect(result.file).toBeUndefined();
  expect(result.problems.length).toBeGreaterThan(0);
  return result.problems;
}

function onlyProblem(text: string): ConfigProblem {
  const problems = problemsOf(text);
  expect(problems).toHaveLength(1);
  return problems[0] as ConfigProblem;
}

/** A single request check with the given extra YAML lines (indented under the check). */
function requestCheck(lines: string): string {
  return `checks:\n  - name: probe\n    request: GET /\n${lines}`;
}

const FULL_FILE = `
concurrency: 2
checks:
  - name: home page
    request: GET /
    headers: { X-Foo: bar }
    expect:
      status: 200
      headers: { Content-Type: /text\\/html/, X-Exact: yes }
      body: { contains: "<title>Shop", matches: "Shop\\\\s+home" }
      max-ms: 1500
  - name: login, then notes round-trip
    steps:
      - request: POST /api/login
        json: { email: smoke@example.com, password: "{{ env.SMOKE_PASSWORD }}" }
        expect: { status: 200 }
        capture: { token: /token }
      - request: POST /api/notes
        headers: { Authorization: "Bearer {{ token }}" }
        json: { text: "smoke {{ run.nonce }}" }
        expect: { status: [200, 201] }
        capture: { id: /id }
      - request: GET /api/notes/{{ id }}
        headers: { Authorization: "Bearer {{ token }}" }
        expect:
          status: 200
          json: { /text: "smoke {{ run.nonce }}" }
          schema: { type: object, required: [text] }
      - request: DELETE /api/notes/{{ id }}
        headers: { Authorization: "Bearer {{ token }}" }
        cleanup: true
  - name: plain text body
    request: post https://api.example.com/echo
    body: "hello {{ run.id }}"
  - name: existing e2e suite
    run: npx playwright test smoke/
    timeout: 2m
  - name: quick command
    run: "true"
canary:
  write: { request: POST /api/notes, json: { text: "canary" }, capture: { id: /id } }
  read: { request: "GET /api/notes/{{ id }}", expect: { status: 200 } }
  delete: { request: "DELETE /api/notes/{{ id }}" }
`;

function targetOf(spec: RequestSpec): string {
  return spec.target.source;
}

describe('parseChecksFile: a valid file', () => {
  it('builds every kind of check with its requests, expectations and captures', () => {
    const file = parseOk(FULL_FILE);
    expect(file.concurrency).toBe(2);
    expect(file.checks.map((check) => [check.kind, check.name])).toEqual([
      ['request', 'home page'],
      ['steps', 'login, then notes round-trip'],
      ['request', 'plain text body'],
      ['command', 'existing e2e suite'],
      ['command', 'quick command'],
    ]);

    const [home, flow, text, suite, quick] = file.checks;
    if (home?.kind !== 'request' || flow?.kind !== 'steps' || text?.kind !== 'request')
      throw new Error('kinds');
    expect(home.request.method).toBe('GET');
    expect(targetOf(home.request)).toBe('/');
    expect(Object.keys(home.request.headers)).toEqual(['X-Foo']);
    expect(home.request.expect.status).toEqual([200]);
    expect(home.request.expect.headers).toEqual([
      { name: 'Content-Type', kind: 'pattern', pattern: /text\/html/ },
      { name: 'X-Exact', kind: 'exact', value: 'yes' },
    ]);
    expect(home.request.expect.bodyContains?.source).toBe('<title>Shop');
    expect(home.request.expect.bodyMatches).toEqual(/Shop\s+home/);
    expect(home.request.expect.maxMs).toBe(1500);
    expect(home.request.cleanup).toBe(false);

    expect(flow.steps.map((step) => [step.method, targetOf(step), step.cleanup])).toEqual([
      ['POST', '/api/login', false],
      ['POST', '/api/notes', false],
      ['GET', '/api/notes/{{ id }}', false],
      ['DELETE', '/api/notes/{{ id }}', true],
    ]);
    expect(flow.steps[0]?.capture).toEqual({ token: '/token' });
    expect(flow.steps[0]?.body?.kind).toBe('json');
    expect(flow.steps[1]?.expect.status).toEqual([200, 201]);
    expect(flow.steps[2]?.expect.json.map((entry) => entry.pointer)).toEqual(['/text']);
    expect(flow.steps[2]?.expect.schema?.({ text: 'x' })).toBe(true);
    expect(flow.steps[2]?.expect.schema?.({})).toBe(false);

    expect(text.request.method).toBe('POST');
    expect(targetOf(text.request)).toBe('https://api.example.com/echo');
    expect(text.request.body?.kind).toBe('text');

    expect(suite).toEqual({
      kind: 'command',
      name: 'existing e2e suite',
      command: 'npx playwright test smoke/',
      timeoutMs: 120_000,
    });
    expect(quick).toEqual({ kind: 'command', name: 'quick command', command: 'true' });

    expect(file.canary?.keep).toBe(false);
    expect(file.canary && targetOf(file.canary.read)).toBe('/api/notes/{{ id }}');
    expect(file.canary?.delete?.method).toBe('DELETE');
  });

  it('parses the same file written as JSON', () => {
    const json = JSON.stringify({
      $schema: './checks.schema.json',
      checks: [
        {
          name: 'login',
          steps: [
            {
              request: 'POST /api/login',
              json: { password: '{{ env.SMOKE_PASSWORD }}' },
              capture: { token: '/token' },
            },
            {
              request: 'GET /api/me',
              headers: { Authorization: 'Bearer {{ token }}' },
              expect: { status: 200 },
            },
          ],
        },
      ],
    });
    const fromJson = parseOk(json);
    const fromYaml = parseOk(`
checks:
  - name: login
    steps:
      - request: POST /api/login
        json: { password: "{{ env.SMOKE_PASSWORD }}" }
        capture: { token: /token }
      - request: GET /api/me
        headers: { Authorization: "Bearer {{ token }}" }
        expect: { status: 200 }
`);
    expect(fromJson).toEqual(fromYaml);
    expect(fromJson.concurrency).toBe(DEFAULT_CONCURRENCY);
  });

  it('accepts JSON indented with tabs', () => {
    expect(parseOk('{\n\t"checks": [\n\t\t{ "name": "a", "request": "/" }\n\t]\n}').checks).toHaveLength(1);
  });

  it('applies defaults: GET, any 2xx, concurrency 4, keep false, no delete', () => {
    const file = parseOk(`
checks:
  - name: bare path
    request: /health
canary:
  write: { request: "PUT /canary/{{ run.nonce }}", body: alive }
  read: { request: "GET /canary/{{ run.nonce }}" }
`);
    const check = file.checks[0];
    if (check?.kind !== 'request') throw new Error('kind');
    expect(check.request.method).toBe('GET');
    expect(check.request.expect).toEqual({ headers: [], json: [] });
    expect(file.concurrency).toBe(4);
    expect(file.canary?.keep).toBe(false);
    expect(file.canary?.delete).toBeUndefined();
  });

  it('accepts a canary-only file and keep: true', () => {
    const file = parseOk(`
canary:
  write: { request: POST /api/notes, capture: { id: /id } }
  read: { request: "GET /api/notes/{{ id }}" }
  delete: { request: "DELETE /api/notes/{{ id }}" }
  keep: true
`);
    expect(file.checks).toEqual([]);
    expect(file.canary?.keep).toBe(true);
  });

  it('lets a step reuse a name captured earlier and a cleanup step use any earlier capture', () => {
    parseOk(`
checks:
  - name: relogin
    steps:
      - { request: POST /login, capture: { token: /token } }
      - { request: POST /login, headers: { X-Old: "{{ token }}" }, capture: { token: /token } }
      - { request: "DELETE /session/{{ token }}", cleanup: true }
`);
  });

  it('accepts YAML anchors and merge keys', () => {
    const file = parseOk(`
checks:
  - name: a
    request: GET /a
    headers: &auth { Authorization: "Bearer {{ env.SMOKE_PASSWORD }}" }
  - name: b
    request: GET /b
    headers: { <<: *auth, X-More: "1" }
`);
    const second = file.checks[1];
    if (second?.kind !== 'request') throw new Error('kind');
    expect(Object.keys(second.request.headers).sort()).toEqual(['Authorization', 'X-More']);
  });
});

describe('parseChecksFile: problems', () => {
  it('names the input, the file and line, the location, the value and a fix', () => {
    const problem = onlyProblem(requestCheck('    expect: { status: "200" }\n'));
    expect(problem).toEqual({
      input: 'checks',
      value: '200',
      problem: '.github/checks.yml, line 4: checks[0].expect.status must be an integer or a list of integers',
      fix: 'Expected HTTP status: a number or a list of numbers (default: any 2xx). See checks.schema.json.',
    });
  });

  it('says "the inline checks" when the checks came inline', () => {
    const [problem] = problemsOf('checks:\n  - name: a\n', 'inline');
    expect(problem?.problem).toBe(
      'the inline checks, line 2: checks[0] needs exactly one of "request", "steps", "run"',
    );
  });

  it('reports an empty file', () => {
    expect(onlyProblem('  \n').problem).toBe('.github/checks.yml: the checks file is empty');
  });

  it('reports a YAML syntax error once, with a quoting hint for unquoted {{ }} in a flow mapping', () => {
    const problem = onlyProblem(`
canary:
  write: { request: POST /api/notes, capture: { id: /id } }
  read:   { request: GET /api/notes/{{ id }}, expect: { status: 200 } }
`);
    expect(problem.problem).toBe(
      '.github/checks.yml, line 4, column 37: not valid YAML or JSON: Unexpected flow-map-start at node end',
    );
    expect(problem.value).toBe('read:   { request: GET /api/notes/{{ id }}, expect: { status: 200 } }');
    expect(problem.fix).toContain('Quote strings that start with {{');
  });

  it('reports invalid JSON', () => {
    const problem = onlyProblem('{ "checks": [ { "name": "a", "request": "/" } }');
    expect(problem.problem).toMatch(/^\.github\/checks\.yml, line 1, column \d+: not valid YAML or JSON: /);
    expect(problem.fix).toBe('Fix the YAML (or JSON) syntax at that position.');
  });

  it('explains an unquoted value that starts with {{ (YAML reads it as a mapping)', () => {
    const problem = onlyProblem(
      requestCheck('    headers:\n      Authorization: {{ env.SMOKE_PASSWORD }}\n'),
    );
    expect(problem.problem).toBe(
      '.github/checks.yml, line 5: checks[0].headers.Authorization must be a string',
    );
    expect(problem.value).toBe('{{ env.SMOKE_PASSWORD }}');
    expect(problem.fix).toContain('Quote strings that start with {{');
  });

  it('refuses a template YAML read as a mapping key inside { }, which would send a wrong body', () => {
    // Valid YAML: `{{ env.SMOKE_PASSWORD }}` inside `{ }` is a mapping used as a key.
    const problem = onlyProblem(
      requestCheck('    json: { email: smoke@example.com, password: {{ env.SMOKE_PASSWORD }} }\n'),
    );
    expect(problem.input).toBe('checks');
    expect(problem.problem).toMatch(/^\.github\/checks\.yml, line 4: /);
    expect(problem.problem).toContain('checks[0].json.password');
    expect(problem.value).toBe('{{ env.SMOKE_PASSWORD }}');
    expect(problem.fix).toContain('Quote strings that start with {{');
  });

  it('refuses any mapping used as a key', () => {
    const problem = onlyProblem(requestCheck('    json: { ? { a: 1 } : b }\n'));
    expect(problem.problem).toContain('uses a mapping as a key');
  });

  it('catches a misspelt field and suggests the right one', () => {
    const problem = onlyProblem(requestCheck('    expect: { stauts: 200 }\n'));
    expect(problem.problem).toBe(
      '.github/checks.yml, line 4: checks[0].expect has an unknown field "stauts"',
    );
    expect(problem.value).toBe('stauts');
    expect(problem.fix).toMatch(
      /^did you mean "status"\? Allowed fields: status, headers, body, json, schema, max-ms\./,
    );
  });

  it('reports an unknown field once, not also as a field the kind of check does not take', () => {
    const problem = onlyProblem(requestCheck('    headres: { X-A: b }\n'));
    expect(problem.problem).toBe('.github/checks.yml, line 4: checks[0] has an unknown field "headres"');
    expect(problem.fix).toMatch(/^did you mean "headers"\?/);
  });

  it('catches unknown fields at the top level, in steps and in the canary', () => {
    const problems = problemsOf(`
concurency: 2
checks:
  - name: a
    steps: [ { request: /, cleanpu: true } ]
canary:
  write: { request: POST /x }
  read: { request: /x }
  kep: true
`);
    expect(problems.map((p) => p.problem)).toEqual([
      '.github/checks.yml, line 2: the checks file has an unknown field "concurency"',
      '.github/checks.yml, line 5: checks[0].steps[0] has an unknown field "cleanpu"',
      '.github/checks.yml, line 9: canary has an unknown field "kep"',
    ]);
    expect(problems.map((p) => p.fix.split('?')[0])).toEqual([
      'did you mean "concurrency"',
      'did you mean "cleanup"',
      'did you mean "keep"',
    ]);
  });

  it('requires a name and exactly one of request, steps, run', () => {
    const problems = problemsOf(`
checks:
  - request: GET /
  - name: nothing
  - name: two
    request: GET /
    run: echo hi
`);
    expect(problems.map((p) => p.problem)).toEqual([
      '.github/checks.yml, line 3: checks[0] is missing "name"',
      '.github/checks.yml, line 4: checks[1] needs exactly one of "request", "steps", "run"',
      '.github/checks.yml, line 5: checks[2] has more than one of "request", "run"; keep exactly one',
    ]);
  });

  it('rejects fields that belong to another kind of check', () => {
    const problems = problemsOf(`
checks:
  - name: steps with a body
    steps: [ { request: / } ]
    json: { a: 1 }
  - name: command with expect
    run: "true"
    expect: { status: 200 }
  - name: request with a timeout
    request: /
    timeout: 1m
`);
    expect(problems.map((p) => p.problem)).toEqual([
      '.github/checks.yml, line 5: checks[0] does not take "json"',
      '.github/checks.yml, line 8: checks[1] does not take "expect"',
      '.github/checks.yml, line 11: checks[2] does not take "timeout"',
    ]);
    expect(problems[0]?.fix).toContain('A steps check takes only name and steps');
  });

  it('rejects json and body together', () => {
    const problem = onlyProblem(requestCheck('    json: { a: 1 }\n    body: text\n'));
    expect(problem.problem).toBe('.github/checks.yml, line 5: checks[0].body is not allowed here');
    expect(problem.fix).toBe(
      'Send either json (a JSON document) or body (text), not both. See checks.schema.json.',
    );
  });

  it('points at the bad item of a status list and at out-of-range codes', () => {
    const problems = problemsOf(requestCheck('    expect: { status: [200, "x", 700] }\n'));
    expect(problems.map((p) => [p.problem.split(': ')[1], p.value])).toEqual([
      ['checks[0].expect.status[1] must be an integer', 'x'],
      ['checks[0].expect.status[2] must be at most 599', '700'],
    ]);
    expect(onlyProblem(requestCheck('    expect: { status: 99 }\n')).problem).toContain(
      'checks[0].expect.status must be at least 100',
    );
  });

  it('checks concurrency bounds, empty lists and the duration format', () => {
    expect(
      onlyProblem('concurrency: 0\ncanary: { write: { request: / }, read: { request: / } }').problem,
    ).toContain('concurrency must be at least 1');
    expect(
      onlyProblem('concurrency: 33\ncanary: { write: { request: / }, read: { request: / } }').problem,
    ).toContain('concurrency must be at most 32');
    expect(onlyProblem('checks: []').problem).toContain('checks must not be empty');
    const duration = onlyProblem('checks:\n  - { name: a, run: x, timeout: 2 minutes }');
    expect(duration.problem).toContain('checks[0].timeout is not in the expected form');
    expect(duration.fix).toContain('e.g. 90s, 2m, 1m30s');
    expect(onlyProblem('checks:\n  - { name: a, run: x, timeout: 0s }').problem).toContain(
      'checks[0].timeout must be longer than zero',
    );
  });

  it('needs checks or a canary, and a mapping at the top', () => {
    expect(onlyProblem('concurrency: 2').problem).toBe(
      '.github/checks.yml, line 1: the checks file needs at least one of "checks", "canary"',
    );
    expect(onlyProblem('- name: a\n  request: /').problem).toContain('the checks file must be a mapping');
    expect(onlyProblem('canary: { write: { request: / } }').problem).toContain('canary is missing "read"');
  });

  it('rejects reserved or malformed capture names and malformed header names', () => {
    const problems = problemsOf(`
checks:
  - name: a
    request: /
    headers: { "Bad Header": x }
    capture: { run: /run, 2fast: /x }
`);
    expect(problems.map((p) => p.problem.split(': ')[1])).toEqual([
      'checks[0].headers has an invalid name "Bad Header"',
      'checks[0].capture has an invalid name "run"',
      'checks[0].capture has an invalid name "2fast"',
    ]);
    expect(problems[1]?.fix).toContain('env and run are reserved');
  });

  it('rejects duplicate check names', () => {
    const problem = onlyProblem('checks:\n  - { name: home, request: / }\n  - { name: home, request: /x }');
    expect(problem).toEqual({
      input: 'checks',
      value: 'home',
      problem: '.github/checks.yml, line 3: checks[1].name repeats the name of checks[0]',
      fix: 'Give every check a unique name; the report identifies checks by name.',
    });
  });

  describe('request lines', () => {
    it('rejects an unknown method, a target that is not a path or URL, and spaces', () => {
      const problems = problemsOf(`
checks:
  - { name: a, request: FETCH /x }
  - { name: b, request: GET api/x }
  - { name: c, request: GET /x HTTP/1.1 }
  - { name: d, request: "GET ftp://x/y" }
`);
      expect(problems.map((p) => [p.problem.split(': ')[1], p.value])).toEqual([
        ['checks[0].request has an unknown HTTP method "FETCH"', 'FETCH /x'],
        [
          'checks[1].request has a target that is neither a path starting with / nor an http(s) URL',
          'GET api/x',
        ],
        ['checks[2].request has a space in its target', 'GET /x HTTP/1.1'],
        [
          'checks[3].request has a target that is neither a path starting with / nor an http(s) URL',
          'GET ftp://x/y',
        ],
      ]);
    });

    it('accepts a target that starts with a template, and spaces inside {{ }}', () => {
      parseOk('checks:\n  - { name: a, request: "DELETE {{ env.SMOKE_PASSWORD }}/x/{{ run.id }}" }');
    });
  });

  describe('template variables', () => {
    it('reports a variable no earlier step captures, including one captured by the same step', () => {
      const problems = problemsOf(`
checks:
  - name: flow
    steps:
      - request: "GET /notes/{{ id }}"
        capture: { id: /id }
      - request: POST /login
        capture: { token: /token }
      - request: "GET /me"
        headers: { Authorization: "Bearer {{ tokn }}" }
`);
      expect(problems).toEqual([
        {
          input: 'checks',
          value: 'GET /notes/{{ id }}',
          problem:
            '.github/checks.yml, line 5: checks[0].steps[0].request uses {{ id }}, which no earlier step of this check captures',
          fix: 'Capture it in an earlier step (capture: { id: /id }) or fix the name; captured before this step: nothing. Variables do not cross checks.',
        },
        {
          input: 'checks',
          value: 'Bearer {{ tokn }}',
          problem:
            '.github/checks.yml, line 10: checks[0].steps[2].headers.Authorization uses {{ tokn }}, which no earlier step of this check captures',
          fix: 'Capture it in an earlier step (capture: { tokn: /tokn }) or fix the name; captured before this step: id, token. Variables do not cross checks.',
        },
      ]);
    });

    it('does not let variables cross checks', () => {
      const problems = problemsOf(`
checks:
  - name: one
    steps: [ { request: /login, capture: { token: /token } } ]
  - name: two
    steps: [ { request: /me, headers: { Authorization: "{{ token }}" } } ]
`);
      expect(problems.map((p) => p.problem.split(': ')[1])).toEqual([
        'checks[1].steps[0].headers.Authorization uses {{ token }}, which no earlier step of this check captures',
      ]);
    });

    it('reports a captured variable in a single-request check', () => {
      expect(onlyProblem('checks:\n  - { name: a, request: "GET /{{ id }}" }').problem).toContain(
        'checks[0].request uses {{ id }}, but a single-request check captures nothing before its request',
      );
    });

    it('reports unset and empty env variables and unknown run variables, in every templated place', () => {
      const problems = problemsOf(`
checks:
  - name: everywhere
    request: "POST /{{ run.branch }}"
    headers: { X-Key: "{{ env.API_KEY }}" }
    json: { nested: [ { password: "{{ env.EMPTY_SECRET }}" } ] }
    expect:
      body: { contains: "{{ env.NOPE1 }}" }
      json: { /text: "{{ env.NOPE2 }}", /list: [ "{{ run.nope }}" ] }
  - name: text body
    request: POST /
    body: "{{ env.NOPE3 }}"
`);
      expect(problems.map((p) => p.problem.split(': ')[1])).toEqual([
        'checks[0].request uses {{ run.branch }}, which is not a run variable',
        'checks[0].headers.X-Key uses {{ env.API_KEY }}, but API_KEY is not set in the environment',
        'checks[0].json.nested[0].password uses {{ env.EMPTY_SECRET }}, but EMPTY_SECRET is empty (an unset secret expands to an empty string)',
        'checks[0].expect.body.contains uses {{ env.NOPE1 }}, but NOPE1 is not set in the environment',
        'checks[0].expect.json["/text"] uses {{ env.NOPE2 }}, but NOPE2 is not set in the environment',
        'checks[0].expect.json["/list"][0] uses {{ run.nope }}, which is not a run variable',
        'checks[1].body uses {{ env.NOPE3 }}, but NOPE3 is not set in the environment',
      ]);
      expect(problems[1]?.fix).toBe(
        'Set API_KEY in the env: of the Deploy Sentinel step, e.g. env: { API_KEY: ${{ secrets.API_KEY }} }.',
      );
      expect(problems[0]?.fix).toBe('Use one of run.id, run.attempt, run.nonce, run.sha.');
    });

    it('reports malformed placeholders', () => {
      const problems = problemsOf(
        requestCheck('    headers: { X-A: "{{ token" }\n    json: { a: "{{ a.b }}" }\n'),
      );
      expect(problems.map((p) => p.problem.split(': ')[1])).toEqual([
        'checks[0].headers.X-A has a malformed placeholder',
        'checks[0].json.a has a malformed placeholder',
      ]);
    });

    it('lets canary read and delete use only what write captures, and write use none', () => {
      const problems = problemsOf(`
canary:
  write: { request: "POST /notes/{{ id }}", capture: { id: /id } }
  read: { request: "GET /notes/{{ id }}/{{ version }}" }
  delete: { request: "DELETE /notes/{{ note }}" }
`);
      expect(problems.map((p) => p.problem.split(': ')[1])).toEqual([
        'canary.write.request uses {{ id }}, but nothing is captured before the canary is written',
        'canary.read.request uses {{ version }}, which canary.write does not capture',
        'canary.delete.request uses {{ note }}, which canary.write does not capture',
      ]);
      expect(problems[1]?.fix).toBe(
        'Capture it in canary.write (capture: { version: /version }) or fix the name; canary.write captures: id.',
      );
    });
  });

  it('reports bad regular expressions, inline schemas and JSON Pointers', () => {
    const problems = problemsOf(`
checks:
  - name: a
    request: /
    expect:
      headers: { Location: "/[/" }
      body: { matches: "(" }
      json: { status: ok }
      schema: { type: nope }
    capture: { token: token }
`);
    expect(problems.map((p) => [p.problem.split(': ')[1], p.value])).toEqual([
      [
        'checks[0].expect.headers.Location /[/ is not a valid regular expression (Invalid regular expression',
        '/[/',
      ],
      [
        'checks[0].expect.body.matches /(/ is not a valid regular expression (Invalid regular expression',
        '(',
      ],
      ['checks[0].expect.json.status is keyed by something that is not a JSON Pointer', 'status'],
      ['checks[0].expect.schema is not a valid JSON Schema', '{"type":"nope"}'],
      ['checks[0].capture.token is not a JSON Pointer', 'token'],
    ]);
  });

  it('collects every problem of a file at once, schema and semantic ones together, in document order', () => {
    const problems = problemsOf(`
concurrency: 100
checks:
  - name: dup
    request: GET /
    expect: { status: nope }
  - name: dup
    steps:
      - request: "GET /{{ id }}"
      - request: GET /
        expect: { body: { matches: "[" } }
  - name: cmd
    run: echo
    timeout: soon
canary:
  write: { request: POST /x }
  read: { request: "GET /x/{{ id }}" }
`);
    expect(problems.map((p) => p.problem.replace(/^[^:]+: /, '').split(' (')[0])).toEqual([
      'concurrency must be at most 32',
      'checks[0].expect.status must be an integer or a list of integers',
      'checks[1].name repeats the name of checks[0]',
      'checks[1].steps[0].request uses {{ id }}, which no earlier step of this check captures',
      'checks[1].steps[1].expect.body.matches /[/ is not a valid regular expression',
      'checks[2].timeout is not in the expected form',
      'canary.read.request uses {{ id }}, which canary.write does not capture',
    ]);
  });
});

describe('checks.schema.json', () => {
  const schema = JSON.parse(
    readFileSync(new URL('../../../checks.schema.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

  it('identifies itself for editors', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof schema.$id).toBe('string');
    expect(schema.title).toBe('Deploy Sentinel checks file');
  });

  it('closes every object that lists its properties, so typos are caught', () => {
    const open: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) node.forEach((item, index) => walk(item, `${path}/${index}`));
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      // A `properties` that only forbids keys (body: false) constrains an object described elsewhere.
      const constrainsOnly = Object.values((record.properties as object | undefined) ?? {}).every(
        (v) => v === false,
      );
      if (record.properties && !constrainsOnly && record.additionalProperties !== false) open.push(path);
      for (const [key, value] of Object.entries(record)) walk(value, `${path}/${key}`);
    };
    walk(schema, '#');
    expect(open).toEqual([]);
  });

  it('describes every property', () => {
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const properties = (node as { properties?: Record<string, { description?: string; $ref?: string }> })
        .properties;
      for (const [name, property] of Object.entries(properties ?? {})) {
        if (typeof property === 'object' && !property.description && !property.$ref)
          undescribed.push(`${path}/${name}`);
      }
      for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
    };
    walk(schema, '#');
    expect(undescribed).toEqual([]);
  });
});

describe('compiled templates', () => {
  it('are Template instances that render with the run values', () => {
    const file = parseOk('checks:\n  - { name: a, request: "GET /x/{{ run.nonce }}" }');
    const check = file.checks[0];
    if (check?.kind !== 'request') throw new Error('kind');
    expect(check.request.target).toBeInstanceOf(Template);
    expect(
      check.request.target.render({
        env: {},
        run: { id: '', attempt: '', nonce: 'N', sha: '' },
        captured: {},
      }),
    ).toBe('/x/N');
  });
});

describe('fuzzing regressions', () => {
  it('reports a recursive YAML alias with its anchor and line instead of crashing', () => {
    for (const [text, anchor, line] of [
      ['checks: &a [*a]', 'a', 1],
      ['canary: &a { write: *a }', 'a', 1],
      ['&m { <<: *m }', 'm', 1],
      ['checks:\n  - &a { name: x, request: POST /, json: [*a] }', 'a', 2],
      ['checks:\n  - name: x\n    request: GET /\n    expect: { schema: &s { items: *s } }', 's', 4],
    ] as const) {
      const problem = onlyProblem(text);
      expect(problem.problem).toBe(
        `.github/checks.yml, line ${line}: the checks file uses a recursive YAML alias (&${anchor} … *${anchor}): *${anchor} sits inside the value anchored as &${anchor}, so that value would contain itself without end`,
      );
      expect(problem.fix).toContain(`Anchor (&${anchor})`);
    }
    // An alias after its anchor's value, even inside a later sibling, is fine.
    parseOk(
      'checks:\n  - { name: a, request: POST /, json: &j { a: [1] } }\n  - { name: b, request: POST /, json: { x: *j, y: [*j] } }\n',
    );
  });

  it('says "nested too deeply" for nesting beyond the limit, in the text or through aliases', () => {
    const deepText = `checks:\n  - name: a\n    request: POST /\n    json: ${'['.repeat(20_000)}1${']'.repeat(20_000)}\n`;
    expect(onlyProblem(deepText).problem).toMatch(
      /^\.github\/checks\.yml, line 4: the checks file is nested too deeply to read$/,
    );
    // 3 × 400 levels, each within what yaml reads, nest 1200 deep once the aliases are resolved.
    const chain = [0, 1, 2]
      .map((i) => `      l${i}: &l${i} ${'['.repeat(400)}${i === 0 ? '1' : `*l${i - 1}`}${']'.repeat(400)}\n`)
      .join('');
    const problem = onlyProblem(`checks:\n  - name: a\n    request: POST /\n    json:\n${chain}`);
    expect(problem.problem).toMatch(
      /^\.github\/checks\.yml, line \d+: checks\[0\]\.json\.l2\[0\]\[0\] holds lists and mappings nested more than 1000 levels deep$/,
    );
    // Two of them (800 levels) are fine.
    parseOk(
      `checks:\n  - name: a\n    request: POST /\n    json:\n${chain.split('\n').slice(0, 2).join('\n')}\n`,
    );
  });

  it('refuses an inline expect.schema too deep to compile, with a clear message', () => {
    const schema = (depth: number): string => `${'{items: '.repeat(depth)}{}${'}'.repeat(depth)}`;
    expect(onlyProblem(requestCheck(`    expect:\n      schema: ${schema(250)}\n`)).problem).toContain(
      'checks[0].expect.schema is nested more than 200 levels deep, too deep to compile',
    );
    parseOk(requestCheck(`    expect:\n      schema: ${schema(199)}\n`));
  });

  it('parses 600 KB of unclosed "{{" in a request target in linear time', () => {
    const text = `checks:\n  - name: a\n    request: ${JSON.stringify(`GET /${'{{'.repeat(300_000)}`)}\n`;
    const started = performance.now();
    const problem = onlyProblem(text);
    expect(performance.now() - started).toBeLessThan(750);
    expect(problem.problem).toContain('checks[0].request has a malformed placeholder: "{{" at "{{{{');
  });

  it('checks spaces in a request target outside placeholders only, after the placeholders compile', () => {
    expect(onlyProblem('checks:\n  - { name: a, request: "GET /a b{{ run.id }}" }').problem).toContain(
      'has a space in its target',
    );
    expect(onlyProblem('checks:\n  - { name: a, request: "GET /a b{{ x" }').problem).toContain(
      'has a malformed placeholder',
    );
    parseOk('checks:\n  - { name: a, request: "GET /a/{{\\trun.id\\t}}" }');
  });

  it('refuses header names and literal values the HTTP client cannot send', () => {
    const problems = problemsOf(
      requestCheck(
        '    headers:\n      Transfer-Encoding: chunked\n      EXPECT: 100-continue\n      X-Euro: "\\u20ac {{ run.id }}"\n      X-Ok: "caf\\u00e9"\n',
      ),
    );
    expect(problems.map((p) => [p.problem.split(': ').slice(1).join(': '), p.value])).toEqual([
      [
        'checks[0].headers sets Transfer-Encoding, which the HTTP client cannot send (the HTTP client frames request bodies itself)',
        'Transfer-Encoding',
      ],
      [
        'checks[0].headers sets EXPECT, which the HTTP client cannot send (the HTTP client does not support Expect (100-continue))',
        'EXPECT',
      ],
      [
        'checks[0].headers.X-Euro has a character outside Latin-1 (U+20AC), which HTTP headers cannot carry',
        '\u20ac {{ run.id }}',
      ],
    ]);
  });

  it('refuses an env value in a header that no header can carry, without quoting the value', () => {
    const result = parseChecksFile(
      requestCheck('    headers: { Authorization: "Bearer {{ env.TOKEN }}" }\n'),
      { ...options, env: { TOKEN: 's3cret-token\n' } },
    );
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.problem).toContain(
      'checks[0].headers.Authorization uses {{ env.TOKEN }}, whose value has a line break (U+000A), which HTTP headers cannot carry',
    );
    expect(result.problems[0]?.fix).toContain('trailing newline');
    expect(JSON.stringify(result.problems)).not.toContain('s3cret-token');
  });

  it('keeps "__proto__" keys in json bodies and expectations, and refuses __proto__ as a capture name', () => {
    const file = parseOk(
      requestCheck(
        '    json: { "__proto__": { x: 1 }, b: 2 }\n    expect: { json: { /a: { "__proto__": 1 } } }\n',
      ),
    );
    const check = file.checks[0];
    if (check?.kind !== 'request' || check.request.body?.kind !== 'json') throw new Error('kind');
    expect(Object.keys(check.request.body.value as object)).toEqual(['__proto__', 'b']);
    const problem = onlyProblem(
      'checks:\n  - name: a\n    steps:\n      - { request: GET /, capture: { __proto__: /id } }\n',
    );
    expect(problem.problem).toContain('checks[0].steps[0].capture has an invalid name "__proto__"');
    expect(problem.fix).toContain('so is __proto__');
    // constructor works like any other name (captured values are looked up as own properties).
    parseOk(
      'checks:\n  - name: a\n    steps:\n      - { request: GET /, capture: { constructor: /id } }\n      - { request: "GET /{{ constructor }}" }\n',
    );
  });

  it('treats {{ env.toString }} and other inherited names as unset', () => {
    const result = parseChecksFile('checks:\n  - { name: a, request: "GET /{{ env.toString }}" }\n', {
      ...options,
      env: process.env,
    });
    expect(result.problems.map((p) => p.problem)).toEqual([
      '.github/checks.yml, line 2: checks[0].request uses {{ env.toString }}, but toString is not set in the environment',
    ]);
  });

  it('says a command timeout is too large to represent rather than not longer than zero', () => {
    const problem = onlyProblem(`checks:\n  - { name: a, run: "true", timeout: ${'9'.repeat(400)}h }\n`);
    expect(problem.problem).toContain('checks[0].timeout is too large to represent as a duration');
    expect(onlyProblem('checks:\n  - { name: a, run: "true", timeout: 0s }\n').problem).toContain(
      'checks[0].timeout must be longer than zero',
    );
  });
});

describe('explainSchemaErrors with a value that contains itself', () => {
  it('shows a placeholder instead of throwing on JSON.stringify', () => {
    // parseChecksFile refuses recursive aliases first; this guards the message code on its own.
    const loop: unknown[] = [];
    loop.push(loop);
    const error = {
      keyword: 'type',
      instancePath: '/checks/0',
      schemaPath: '#/$defs/check/type',
      params: { type: 'object' },
      data: loop,
      parentSchema: { type: 'object' },
      schema: 'object',
    } as ErrorObject;
    const [issue] = explainSchemaErrors([error], { checks: [loop] }, {});
    expect(issue).toMatchObject({ path: ['checks', 0], value: '(a value that contains itself)' });
  });
});
