/**
 * GitHub Actions expressions (`${{ … }}`), evaluated by GitHub's own implementation, `@actions/expressions`
 * (github.com/actions/languageservices), not by a parser of ours: the runner contract's defaults, the example
 * workflows' `with:` and `env:` and their `if:` conditions all go through it.
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';

/** The contexts an expression may read (`github`, `secrets`, `vars`, `inputs`, `matrix`, `env`, `runner`, …). */
export type ExpressionContexts = Record<string, unknown>;

/** Every context name the workflow language knows; one the caller did not give evaluates to null. */
const CONTEXT_NAMES = [
  'github',
  'env',
  'vars',
  'secrets',
  'inputs',
  'matrix',
  'strategy',
  'job',
  'jobs',
  'steps',
  'runner',
  'needs',
];

/** Functions the runner offers beyond the expression language's own (status checks). */
const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'];

/**
 * Evaluates one expression (the text inside `${{ }}`) against `contexts`, as the runner does. A context the
 * expression names but `contexts` lacks evaluates to null, as on GitHub.
 */
export function evaluateExpression(expression: string, contexts: ExpressionContexts): data.ExpressionData {
  const lexed = new Lexer(expression).lex();
  const names = [...new Set([...CONTEXT_NAMES, ...Object.keys(contexts)])];
  const statusFunctions = STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 }));
  const parsed = new Parser(lexed.tokens, names, statusFunctions).parse();
  const context = JSON.parse(
    JSON.stringify({ ...Object.fromEntries(names.map((n) => [n, {}])), ...contexts }),
    data.reviver,
  ) as data.Dictionary;
  const status = (contexts.job as { status?: string } | undefined)?.status ?? 'success';
  const functions = new Map(
    STATUS_FUNCTIONS.map((name) => [
      name,
      {
        name,
        minArgs: 0,
        maxArgs: 0,
        call: () =>
          new data.BooleanData(
            name === 'always' ||
              (name === 'success' && status === 'success') ||
              (name === 'failure' && status === 'failure') ||
              (name === 'cancelled' && status === 'cancelled'),
          ),
      },
    ]),
  );
  return new Evaluator(parsed, context, functions).evaluate();
}

/**
 * Replaces every `${{ … }}` in `template` with its value coerced to a string, as the runner does for input
 * values, `env:` entries and action.yml defaults.
 */
export function interpolate(template: string, contexts: ExpressionContexts): string {
  return template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
    evaluateExpression(expression.trim(), contexts).coerceString(),
  );
}

/** Evaluates an `if:` condition: a bare expression or one wrapped in `${{ }}`; true when truthy. */
export function evaluateCondition(condition: string, contexts: ExpressionContexts): boolean {
  const bare = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(condition)?.[1] ?? condition;
  return truthy(evaluateExpression(bare.trim(), contexts));
}

function truthy(value: data.ExpressionData): boolean {
  switch (value.kind) {
    case data.Kind.Null:
      return false;
    case data.Kind.Boolean:
      return (value as data.BooleanData).value;
    case data.Kind.Number: {
      const n = (value as data.NumberData).value;
      return n !== 0 && !Number.isNaN(n);
    }
    case data.Kind.String:
      return (value as data.StringData).value !== '';
    default:
      return true;
  }
}
