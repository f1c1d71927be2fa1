/**
 * The document inputs (src/config/documents.ts): `health-schema` and `checks`, inline or a file of the
 * workspace (or of the repository, fetched before checkout), and what each failure says.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksFileToFetch, readChecks, readHealthSchema } from '../../../src/config/documents.js';
import { InputReader, type ConfigSource } from '../../../src/config/inputs.js';

const workspace = mkdtempSync(join(tmpdir(), 'sentinel-documents-'));
mkdirSync(join(workspace, 'ci'));
writeFileSync(join(workspace, 'ci', 'schema.yml'), 'type: object\nrequired: [status]\n');
writeFileSync(join(workspace, 'ci', 'checks.yml'), 'checks:\n  - name: from-workspace\n    request: GET /\n');
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const CHECKS = 'checks:\n  - name: home\n    request: GET /\n';

function source(
  given: Record<string, string>,
  repositoryFiles?: ConfigSource['repositoryFiles'],
): ConfigSource {
  return { input: (name) => given[name] ?? '', env: {}, repositoryFiles };
}

function schema(value: string) {
  const reader = new InputReader(source({ 'health-schema': value }));
  const read = readHealthSchema(reader, workspace);
  return { read, problems: reader.problems };
}

describe('readHealthSchema', () => {
  it('is undefined without the input', () => {
    expect(schema('')).toEqual({ read: undefined, problems: [] });
  });

  it('compiles an inline schema, JSON or YAML', () => {
    const json = schema('{"type":"object","required":["status"]}');
    expect(json.problems).toEqual([]);
    expect(json.read?.source).toBe('inline');
    expect(json.read?.validate({ status: 'ok' })).toBe(true);
    expect(json.read?.validate({})).toBe(false);
    const yaml = schema('type: object\nrequired: [db]');
    expect(yaml.read?.source).toBe('inline');
    expect(yaml.read?.validate({ db: 1 })).toBe(true);
    expect(schema('[1]').problems[0]).toMatchObject({ input: 'health-schema', value: 'inline' });
  });

  it('reads a file relative to the workspace, or absolute', () => {
    const relative = schema('ci/schema.yml');
    expect(relative.problems).toEqual([]);
    expect(relative.read?.source).toBe('ci/schema.yml');
    expect(relative.read?.validate({ status: 1 })).toBe(true);
    expect(relative.read?.validate({})).toBe(false);
    expect(schema(join(workspace, 'ci', 'schema.yml')).read?.validate({})).toBe(false);
  });

  it('names a missing file, or a directory, and where it looked', () => {
    for (const value of ['ci/nope.yml', 'ci']) {
      expect(schema(value)).toEqual({
        read: undefined,
        problems: [
          {
            input: 'health-schema',
            value,
            problem: `no file at ${join(workspace, value)} (paths are relative to GITHUB_WORKSPACE)`,
            fix: 'check the path and run actions/checkout before this step, or give the content inline',
          },
        ],
      });
    }
  });

  it('quotes the first line of a syntax error', () => {
    const { read, problems } = schema('{"type": "object",\n  "required": [}');
    expect(read).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      input: 'health-schema',
      value: 'inline',
      fix: 'fix the syntax; JSON and YAML are both accepted',
    });
    expect(problems[0]?.problem).toMatch(/^is not valid JSON or YAML \([^\n)]{10,}/);
  });

  it.each([['null'], ['42'], ['"a string"'], ['true']])('refuses %s: not an object', (value) => {
    expect(schema(`# the whole document:\n${value}`)).toEqual({
      read: undefined,
      problems: [
        {
          input: 'health-schema',
          value: 'inline',
          problem: 'is not a JSON or YAML object',
          fix: 'write the schema as a JSON or YAML object',
        },
      ],
    });
  });

  it('refuses a schema nested too deep, before compiling it', () => {
    const deep = `${'{"items":'.repeat(250)}{}${'}'.repeat(250)}`;
    expect(schema(deep)).toEqual({
      read: undefined,
      problems: [
        {
          input: 'health-schema',
          value: 'inline',
          problem: 'is nested more than 200 levels deep (or uses a recursive YAML alias)',
          fix: 'flatten the schema; use $ref for recursive structures',
        },
      ],
    });
  });

  it('refuses an object that is not a JSON Schema', () => {
    const { read, problems } = schema('{"type": "no-such-type"}');
    expect(read).toBeUndefined();
    expect(problems).toEqual([
      {
        input: 'health-schema',
        value: 'inline',
        problem: expect.stringMatching(/^is not a valid JSON Schema: /),
        fix: 'fix the schema (JSON Schema draft-07, 2019-09 or 2020-12)',
      },
    ]);
  });
});

describe('readChecks', () => {
  function checks(value: string, repositoryFiles?: ConfigSource['repositoryFiles']) {
    const src = source({ checks: value }, repositoryFiles);
    const reader = new InputReader(src);
    const read = readChecks(reader, workspace, src);
    return { read, problems: reader.problems };
  }

  it('is undefined without the input', () => {
    expect(checks('')).toEqual({ read: undefined, problems: [] });
  });

  it('parses inline checks', () => {
    const { read, problems } = checks(CHECKS);
    expect(problems).toEqual([]);
    expect(read?.source).toBe('inline');
    expect(read?.file.checks.map((c) => c.name)).toEqual(['home']);
  });

  it('reads the workspace file when it is there, even if the repository has one', () => {
    const { read } = checks('./ci/checks.yml', { 'ci/checks.yml': { text: CHECKS, ref: 'main' } });
    expect(read?.source).toBe('./ci/checks.yml');
    expect(read?.file.checks.map((c) => c.name)).toEqual(['from-workspace']);
  });

  it('uses the file fetched from the repository when the workspace has none yet', () => {
    const { read, problems } = checks('./ci/fetched.yml', {
      'ci/fetched.yml': { text: CHECKS, ref: 'main' },
    });
    expect(problems).toEqual([]);
    expect(read?.source).toBe('./ci/fetched.yml');
    expect(read?.file.checks.map((c) => c.name)).toEqual(['home']);
  });

  it('names a missing file under the checks input', () => {
    expect(checks('ci/missing.yml')).toEqual({
      read: undefined,
      problems: [expect.objectContaining({ input: 'checks', value: 'ci/missing.yml' })],
    });
  });

  it('reports the problems of a checks file and returns nothing', () => {
    const { read, problems } = checks('checks:\n  - name: broken\n');
    expect(read).toBeUndefined();
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.input === 'checks')).toBe(true);
  });
});

describe('checksFileToFetch', () => {
  it.each([
    ['', undefined],
    [CHECKS, undefined],
    ['{"checks": []}', undefined],
    ['/abs/checks.yml', undefined],
    ['../outside.yml', undefined],
    ['ci/../../outside.yml', undefined],
    ['ci\\..\\outside.yml', undefined],
    ['ci/checks.yml', undefined],
    ['./ci/checks.yml', undefined],
    ['ci/not-yet.yml', 'ci/not-yet.yml'],
    ['./ci/not-yet.yml', 'ci/not-yet.yml'],
    ['ci/./not-yet.yml', 'ci/./not-yet.yml'],
    ['ci/{name}.yml', 'ci/{name}.yml'],
    ['ci/..name.yml', 'ci/..name.yml'],
  ])('%j: %j', (value, expected) => {
    expect(checksFileToFetch(value, workspace)).toBe(expected);
  });
});
