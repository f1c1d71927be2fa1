import { SentinelError } from '../errors.js';
/** The run.* variables every check can use. */
export const RUN_VARIABLES = ['id', 'attempt', 'nonce', 'sha'] as const;

/** Values of the run.* variables for this run. */
export interface RunValues {
  id: string;
  attempt: string;
  nonce: string;
  sha: string;
}

/** One `{{ ... }}` reference: `{{ env.NAME }}`, `{{ run.id }}` or `{{ name }}` (a captured variable). */
export interface VariableRef {
  scope: 'env' | 'run' | 'captured';
  name: string;
  /** The expression as written between the braces, trimmed, for messages. */
  expression: string;
}

/** What a template can draw on when it is rendered. */
export interface TemplateScope {
  env: Record<string, string | undefined>;
  run: RunValues;
  captured: Readonly<Record<string, string>>;
}

/** What a template may refer to, known when the checks file is parsed. */
export interface AvailableVariables {
  env: Record<string, string | undefined>;
  /** Variables captured by earlier steps of the same check (or by the canary write). */
  captured: ReadonlySet<string>;
}

/** Why a reference cannot be resolved. */
export type UnboundReason = 'unknown-run' | 'env-unset' | 'env-empty' | 'not-captured';

/** Thrown by `render` when a variable has no value, e.g. a cleanup step needs a value never captured. */
export class UnboundVariableError extends SentinelError {
  constructor(readonly expression: string) {
    super(`{{ ${expression} }} has no value`);
  }
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const SCOPED_EXPRESSION = new RegExp(`^(env|run)\\.(${NAME})$`);
const CAPTURED_EXPRESSION = new RegExp(`^${NAME}$`);

/** A string with `{{ expr }}` placeholders, compiled once when the checks file is parsed. */
export class Template {
  private constructor(
    /** The text as written in the checks file. */
    readonly source: string,
    private readonly parts: readonly (string | VariableRef)[],
  ) {}

  /**
   * Compiles `source`; a malformed placeholder is returned as a sentence, never thrown. Linear in the
   * length of `source`, however many "{{" it holds.
   */
  static compile(source: string): { template: Template } | { error: string } {
    const parts: (string | VariableRef)[] = [];
    let at = 0;
    for (let open = source.indexOf('{{'); open !== -1; open = source.indexOf('{{', at)) {
      if (open > at) parts.push(source.slice(at, open));
      const close = source.indexOf('}}', open + 2);
      if (close === -1)
        return { error: `"{{" at "${source.slice(open, open + 30)}" is never closed with "}}"` };
      const expression = source.slice(open + 2, close).trim();
      const ref = parseExpression(expression);
      if (!ref) {
        return {
          error: `{{ ${expression} }} is not a variable; write {{ name }} for a captured value, {{ env.NAME }} or {{ run.id }}`,
        };
      }
      parts.push(ref);
      at = close + 2;
    }
    if (at < source.length) parts.push(source.slice(at));
    return { template: new Template(source, parts) };
  }

  /** The text outside the placeholders, piece by piece. */
  literals(): string[] {
    return this.parts.filter((part): part is string => typeof part === 'string');
  }

  /** The variables this template refers to, in order of appearance. */
  references(): VariableRef[] {
    return this.parts.filter((part): part is VariableRef => typeof part !== 'string');
  }

  /** References that cannot be resolved with what is available; each is a configuration problem. */
  unbound(available: AvailableVariables): { ref: VariableRef; reason: UnboundReason }[] {
    const problems: { ref: VariableRef; reason: UnboundReason }[] = [];
    for (const ref of this.references()) {
      const reason = unboundReason(ref, available);
      if (reason) problems.push({ ref, reason });
    }
    return problems;
  }

  /**
   * Substitutes every placeholder; throws UnboundVariableError when a value is missing. `encode`, when
   * given, transforms each captured value before it is inserted (request targets percent-encode them).
   */
  render(scope: TemplateScope, encode?: (value: string) => string): string {
    return this.parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const value = lookup(part, scope);
        return encode && part.scope === 'captured' ? encode(value) : value;
      })
      .join('');
  }
}

function parseExpression(expression: string): VariableRef | undefined {
  const scoped = SCOPED_EXPRESSION.exec(expression);
  if (scoped) return { scope: scoped[1] as 'env' | 'run', name: scoped[2] ?? '', expression };
  if (CAPTURED_EXPRESSION.test(expression)) return { scope: 'captured', name: expression, expression };
  return undefined;
}

function isRunVariable(name: string): name is keyof RunValues {
  return (RUN_VARIABLES as readonly string[]).includes(name);
}

function unboundReason(ref: VariableRef, available: AvailableVariables): UnboundReason | undefined {
  switch (ref.scope) {
    case 'run':
      return isRunVariable(ref.name) ? undefined : 'unknown-run';
    case 'env': {
      // Own properties only: `env.toString` must not find Object.prototype.toString.
      const value = Object.hasOwn(available.env, ref.name) ? available.env[ref.name] : undefined;
      if (value === undefined) return 'env-unset';
      // An unset GitHub secret expands to an empty string; sending it would fail far from the cause.
      return value === '' ? 'env-empty' : undefined;
    }
    case 'captured':
      return available.captured.has(ref.name) ? undefined : 'not-captured';
  }
}

function lookup(ref: VariableRef, scope: TemplateScope): string {
  let value: string | undefined;
  if (ref.scope === 'run') value = isRunVariable(ref.name) ? scope.run[ref.name] : undefined;
  else if (ref.scope === 'env') value = Object.hasOwn(scope.env, ref.name) ? scope.env[ref.name] : undefined;
  else value = Object.hasOwn(scope.captured, ref.name) ? scope.captured[ref.name] : undefined;
  if (value === undefined || value === '') throw new UnboundVariableError(ref.expression);
  return value;
}

/** A JSON value whose strings are templates (object keys are left as written). */
export type JsonTemplate =
  Template | number | boolean | null | JsonTemplate[] | { [key: string]: JsonTemplate };

/** Path of a value inside a JSON document: object keys and array indexes. */
export type JsonPath = (string | number)[];

/**
 * Compiles every string inside `value`. Returns the compiled tree, each string's template with its path
 * (so callers can check references and name the location), and the malformed strings.
 */
export function compileJsonTemplate(value: unknown): {
  template: JsonTemplate;
  strings: { path: JsonPath; template: Template }[];
  errors: { path: JsonPath; source: string; error: string }[];
} {
  const strings: { path: JsonPath; template: Template }[] = [];
  const errors: { path: JsonPath; source: string; error: string }[] = [];
  const walk = (node: unknown, path: JsonPath): JsonTemplate => {
    if (typeof node === 'string') {
      const compiled = Template.compile(node);
      if ('error' in compiled) {
        errors.push({ path, source: node, error: compiled.error });
        // A file with a malformed template is rejected as a whole, so this placeholder is never sent.
        return null;
      }
      strings.push({ path, template: compiled.template });
      return compiled.template;
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      // fromEntries defines own properties, so a "__proto__" key stays a key instead of a prototype.
      return Object.fromEntries(
        Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]),
      ) as { [key: string]: JsonTemplate };
    }
    return node as number | boolean | null;
  };
  return { template: walk(value, []), strings, errors };
}

/** Renders a compiled JSON template; throws UnboundVariableError when a value is missing. */
export function renderJsonTemplate(template: JsonTemplate, scope: TemplateScope): unknown {
  if (template instanceof Template) return template.render(scope);
  if (Array.isArray(template)) return template.map((item) => renderJsonTemplate(item, scope));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(
      Object.entries(template).map(([key, item]) => [key, renderJsonTemplate(item, scope)]),
    );
  }
  return template;
}
