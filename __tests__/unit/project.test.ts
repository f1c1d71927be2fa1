/** Checks that keep the project's front door honest: the runtime, action.yml and the README agree. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { INPUT_DEFAULTS } from '../../src/config/index.js';

interface ActionManifest {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
  runs: Record<string, string>;
  branding: Record<string, string>;
}
const action = parse(readFileSync('action.yml', 'utf8')) as ActionManifest;
const readme = readFileSync('README.md', 'utf8');
/** The public interface as DESIGN.md defines it. */
const DESIGN_INPUTS = [
  'url',
  'health-path',
  'health-schema',
  'expect-version',
  'version-from',
  'checks',
  'provider',
  'api-token',
  'service-id',
  'environment-id',
  'api-url',
  'commit',
  'deploy-id',
  'deploy',
  'timeout',
  'interval',
  'request-timeout',
  'success-threshold',
  'failure-threshold',
  'rollback',
  'headers',
  'github-token',
  'comment',
];
const DESIGN_OUTPUTS = [
  'result',
  'failure-reason',
  'deploy-id',
  'deploy-status',
  'url',
  'version',
  'rolled-back',
  'rollback-deploy-id',
  'report',
];

/** Rows of the first markdown table after `heading`: first cell (without backticks) -> cells. */
function tableAfter(heading: string): Map<string, string[]> {
  const start = readme.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const rows = new Map<string, string[]>();
  let inTable = false;
  for (const line of readme.slice(start).split('\n').slice(1)) {
    if (line.startsWith('|')) {
      inTable = true;
      const cells = line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim());
      const name = cells[0]?.replace(/`/g, '') ?? '';
      if (name && !/^-+$/.test(name) && name !== 'input' && name !== 'output') rows.set(name, cells);
    } else if (inTable) break;
  }
  return rows;
}

describe('runtime', () => {
  it('runs the tests on Node 24, the version action.yml declares', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
    expect(action.runs.using).toBe('node24');
  });
});

describe('action.yml', () => {
  it('declares pre, main and post bundles and branding', () => {
    expect(action.runs).toMatchObject({
      pre: 'dist/pre/index.js',
      main: 'dist/main/index.js',
      post: 'dist/post/index.js',
    });
    expect(action.branding.icon).toBeTruthy();
  });

  it('has every input and output of DESIGN.md, each with a description', () => {
    for (const name of DESIGN_INPUTS) expect(Object.keys(action.inputs)).toContain(name);
    for (const name of DESIGN_OUTPUTS) expect(Object.keys(action.outputs)).toContain(name);
    for (const entry of [...Object.values(action.inputs), ...Object.values(action.outputs)]) {
      expect(entry.description.length).toBeGreaterThan(10);
    }
  });

  it('repeats the defaults config.ts applies', () => {
    for (const [name, value] of Object.entries(INPUT_DEFAULTS))
      expect(action.inputs[name]?.default).toBe(value);
  });
});

describe('README', () => {
  it('documents every input with the default action.yml declares', () => {
    const rows = tableAfter('## Inputs');
    expect([...rows.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(rows.get(name)?.[1]?.replace(/`/g, '') ?? '').toBe(input.default ?? '');
    }
  });

  it('documents every output', () => {
    expect([...tableAfter('## Outputs').keys()].sort()).toEqual(Object.keys(action.outputs).sort());
  });

  it('shows the demo and test commands', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test');
  });
});
