/**
 * What the runner reads from action.yml before it starts a step: the declared inputs with their defaults,
 * and the `runs:` section (entry files, `pre-if`, `post-if`). See README.md in this folder for the sources.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { interpolate, type ExpressionContexts } from './expressions.js';

/** The repository root, whose action.yml and dist/ are the action under test. */
export const ACTION_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ActionInput {
  description?: string;
  required?: boolean;
  /** As written in action.yml; may hold `${{ }}` expressions. */
  default?: string;
}

export interface ActionManifest {
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string; pre?: string; post?: string; 'pre-if'?: string; 'post-if'?: string };
}

/** Reads action.yml (from the repository root unless a directory is given). */
export function readActionManifest(dir: string = ACTION_ROOT): ActionManifest {
  const manifest = parse(readFileSync(`${dir}/action.yml`, 'utf8')) as ActionManifest;
  manifest.inputs ??= {};
  manifest.outputs ??= {};
  return manifest;
}

/**
 * The value of every input, as the runner computes it for a `uses:` step: the workflow's `with:` value
 * when it gives one (scalars as strings), otherwise the declared default with its `${{ }}` expressions
 * evaluated, otherwise the empty string. An input the action does not declare is refused, so a test with
 * a misspelt input fails instead of testing nothing (the runner only warns).
 */
export function resolveInputs(
  manifest: ActionManifest,
  given: Record<string, unknown>,
  contexts: ExpressionContexts,
): Record<string, string> {
  const declared = Object.keys(manifest.inputs);
  const unknown = Object.keys(given).filter((name) => !declared.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `Unexpected input(s) ${unknown.map((n) => `'${n}'`).join(', ')}, valid inputs are [${declared.join(', ')}]`,
    );
  }
  const values: Record<string, string> = {};
  for (const [name, input] of Object.entries(manifest.inputs)) {
    values[name] =
      name in given && given[name] !== undefined
        ? String(given[name])
        : input.default === undefined
          ? ''
          : interpolate(String(input.default), contexts);
  }
  return values;
}

/** `INPUT_<NAME>` as the runner names it: upper case, spaces as underscores, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}
