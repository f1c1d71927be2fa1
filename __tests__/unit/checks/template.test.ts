import { describe, it, expect } from '@jest/globals';
import {
  compileJsonTemplate,
  renderJsonTemplate,
  Template,
  UnboundVariableError,
  type TemplateScope,
} from '../../../src/checks/template.js';

const run = { id: '123', attempt: '2', nonce: 'n0nce', sha: 'abc1234' };
const scope = (
  captured: Record<string, string> = {},
  env: Record<string, string | undefined> = {},
): TemplateScope => ({
  env,
  run,
  captured,
});

function compile(source: string): Template {
  const compiled = Template.compile(source);
  if ('error' in compiled) throw new Error(compiled.error);
  return compiled.template;
}

function compileError(source: string): string {
  const compiled = Template.compile(source);
  if (!('error' in compiled)) throw new Error(`expected ${source} to be rejected`);
  return compiled.error;
}

describe('Template', () => {
  it('leaves text without placeholders unchanged', () => {
    expect(compile('GET /health').render(scope())).toBe('GET /health');
    expect(compile('').render(scope())).toBe('');
  });

  it('renders env, run and captured variables, with or without spaces inside the braces', () => {
    const template = compile(
      '{{env.HOST}}/{{ run.id }}/{{   token   }}/{{run.attempt}}-{{ run.nonce }}-{{ run.sha }}',
    );
    expect(template.render(scope({ token: 'tok' }, { HOST: 'h' }))).toBe('h/123/tok/2-n0nce-abc1234');
  });

  it('lists its references in order', () => {
    expect(compile('a {{ id }} b {{ env.X }} {{ run.nonce }}').references()).toEqual([
      { scope: 'captured', name: 'id', expression: 'id' },
      { scope: 'env', name: 'X', expression: 'env.X' },
      { scope: 'run', name: 'nonce', expression: 'run.nonce' },
    ]);
  });

  it('rejects malformed placeholders with a sentence naming them', () => {
    expect(compileError('GET /notes/{{ id')).toContain('is never closed');
    expect(compileError('{{ foo.bar }}')).toBe(
      '{{ foo.bar }} is not a variable; write {{ name }} for a captured value, {{ env.NAME }} or {{ run.id }}',
    );
    expect(compileError('{{ }}')).toContain('is not a variable');
    expect(compileError('{{ a b }}')).toContain('{{ a b }} is not a variable');
    expect(compileError('{{ env. }}')).toContain('is not a variable');
  });

  it('treats a lone closing "}}" as text', () => {
    expect(compile('{"a":{"b":1}}').render(scope())).toBe('{"a":{"b":1}}');
  });

  describe('unbound', () => {
    const available = (captured: string[] = [], env: Record<string, string | undefined> = {}) => ({
      env,
      captured: new Set(captured),
    });

    it('accepts what is available', () => {
      expect(
        compile('{{ id }} {{ env.SET }} {{ run.sha }}').unbound(available(['id'], { SET: 'x' })),
      ).toEqual([]);
    });

    it('names each kind of unresolvable reference', () => {
      const reasons = compile('{{ run.branch }} {{ env.MISSING }} {{ env.EMPTY }} {{ id }}')
        .unbound(available([], { EMPTY: '' }))
        .map(({ ref, reason }) => [ref.expression, reason]);
      expect(reasons).toEqual([
        ['run.branch', 'unknown-run'],
        ['env.MISSING', 'env-unset'],
        ['env.EMPTY', 'env-empty'],
        ['id', 'not-captured'],
      ]);
    });
  });

  describe('render', () => {
    it('throws UnboundVariableError naming a missing captured variable', () => {
      const error = (() => {
        try {
          compile('DELETE /notes/{{ id }}').render(scope());
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(UnboundVariableError);
      expect((error as UnboundVariableError).expression).toBe('id');
    });

    it('treats an env variable that disappeared or became empty as missing', () => {
      expect(() => compile('{{ env.GONE }}').render(scope())).toThrow('{{ env.GONE }} has no value');
      expect(() => compile('{{ env.BLANK }}').render(scope({}, { BLANK: '' }))).toThrow(UnboundVariableError);
    });

    it('does not read inherited properties as captured values', () => {
      expect(() => compile('{{ constructor }}').render(scope())).toThrow(UnboundVariableError);
    });

    it('does not read inherited properties as env values (env.toString is unset)', () => {
      // process.env inherits toString, constructor, ...: they used to render a function's source.
      for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
        const template = compile(`{{ env.${name} }}`);
        expect(template.unbound({ env: process.env, captured: new Set() })).toEqual([
          { ref: expect.objectContaining({ scope: 'env', name }), reason: 'env-unset' },
        ]);
        expect(() => template.render(scope({}, process.env))).toThrow(UnboundVariableError);
      }
    });
  });
});

describe('Template.compile in linear time', () => {
  it('rejects a long run of unclosed "{{" quickly, and lists the text outside placeholders', () => {
    const started = performance.now();
    expect(compileError('{{'.repeat(300_000))).toContain('is never closed');
    expect(compile('{{ run.id }}'.repeat(50_000)).references()).toHaveLength(50_000);
    expect(performance.now() - started).toBeLessThan(500);
    expect(compile('/a/{{ id }}/b c{{ run.id }}').literals()).toEqual(['/a/', '/b c']);
  });
});

describe('JSON templates', () => {
  it('compiles every string, keeps other values, and reports each string with its path', () => {
    const compiled = compileJsonTemplate({
      email: 'smoke@example.com',
      password: '{{ env.PASSWORD }}',
      tags: ['a', '{{ run.nonce }}'],
      nested: { count: 3, ok: true, none: null, '{{ key }}': 'x' },
    });
    expect(compiled.errors).toEqual([]);
    expect(compiled.strings.map(({ path, template }) => [path, template.source])).toEqual([
      [['email'], 'smoke@example.com'],
      [['password'], '{{ env.PASSWORD }}'],
      [['tags', 0], 'a'],
      [['tags', 1], '{{ run.nonce }}'],
      [['nested', '{{ key }}'], 'x'],
    ]);
    expect(renderJsonTemplate(compiled.template, scope({}, { PASSWORD: 'pw' }))).toEqual({
      email: 'smoke@example.com',
      password: 'pw',
      tags: ['a', 'n0nce'],
      nested: { count: 3, ok: true, none: null, '{{ key }}': 'x' },
    });
  });

  it('keeps a whole-string placeholder a string', () => {
    const compiled = compileJsonTemplate({ id: '{{ id }}' });
    expect(renderJsonTemplate(compiled.template, scope({ id: '42' }))).toEqual({ id: '42' });
  });

  it('reports malformed strings with their paths', () => {
    const compiled = compileJsonTemplate({ list: [{ text: 'hi {{ name' }] });
    expect(compiled.errors).toEqual([
      { path: ['list', 0, 'text'], source: 'hi {{ name', error: expect.stringContaining('never closed') },
    ]);
  });

  it('keeps a "__proto__" key as a key, compiled and rendered', () => {
    // out[key] = value set the prototype instead, and the key vanished from the request body.
    const value = JSON.parse('{"__proto__": {"x": "{{ run.id }}"}, "b": 2}') as unknown;
    const compiled = compileJsonTemplate(value);
    expect(compiled.strings.map(({ path }) => path)).toEqual([['__proto__', 'x']]);
    const rendered = renderJsonTemplate(compiled.template, scope());
    expect(JSON.stringify(rendered)).toBe('{"__proto__":{"x":"123"},"b":2}');
    expect(Object.getPrototypeOf(rendered)).toBe(Object.prototype);
  });

  it('renders scalars at the top level', () => {
    expect(renderJsonTemplate(compileJsonTemplate(5).template, scope())).toBe(5);
    expect(renderJsonTemplate(compileJsonTemplate(null).template, scope())).toBeNull();
    expect(renderJsonTemplate(compileJsonTemplate('{{ run.id }}').template, scope())).toBe('123');
  });
});
