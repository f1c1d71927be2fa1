/**
 * Problems in a checks file, each located by path and, where the YAML node is found, by line; with the
 * explanations that need the file's shape (a variable nobody captured, a repeated name).
 */
import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Alias,
  type Document,
  type Node,
} from 'yaml';
import type { ConfigProblem } from '../errors.js';
import { RUN_VARIABLES, type JsonPath, type UnboundReason, type VariableRef } from './template.js';

/** How to quote templates in YAML flow mappings, for every problem a bare {{ }} causes. */
export const QUOTE_TEMPLATES_FIX =
  'Quote strings that start with {{ or that contain {{ }} inside a { } mapping: ' +
  'in YAML a bare "{" opens a mapping. Example: read: { request: "GET /api/notes/{{ id }}" }.';

/** Options of `parseChecksFile`. */
export interface ParseChecksOptions {
  /** The checks file's path, or "inline" when the input holds the checks themselves; used in messages. */
  source: string;
  /** The action input the checks came from (`checks`), named in every problem. */
  input: string;
  /** The environment templates may read as `{{ env.NAME }}`. */
  env: Record<string, string | undefined>;
}

/** Where a captured variable comes from, for messages about a variable nobody captured. */
export type CaptureOrigin = 'request-check' | 'step' | 'canary-write' | 'canary';

export function explainUnbound(
  ref: VariableRef,
  reason: UnboundReason,
  origin: CaptureOrigin,
  captured: ReadonlySet<string>,
): { message: string; fix: string } {
  const uses = `uses {{ ${ref.expression} }}`;
  const setIt = `Set ${ref.name} in the env: of the Deploy Sentinel step, e.g. env: { ${ref.name}: \${{ secrets.${ref.name} }} }.`;
  switch (reason) {
    case 'unknown-run':
      return {
        message: `${uses}, which is not a run variable`,
        fix: `Use one of ${RUN_VARIABLES.map((name) => `run.${name}`).join(', ')}.`,
      };
    case 'env-unset':
      return { message: `${uses}, but ${ref.name} is not set in the environment`, fix: setIt };
    case 'env-empty':
      return {
        message: `${uses}, but ${ref.name} is empty (an unset secret expands to an empty string)`,
        fix: `${setIt} Check that the secret exists for this repository or environment.`,
      };
    case 'not-captured': {
      const known = captured.size > 0 ? [...captured].join(', ') : 'nothing';
      const captureIt = `capture: { ${ref.name}: /${ref.name} }`;
      switch (origin) {
        case 'request-check':
          return {
            message: `${uses}, but a single-request check captures nothing before its request`,
            fix: 'Use steps: to capture a value in one request and use it in a later one; env.* and run.* work anywhere.',
          };
        case 'step':
          return {
            message: `${uses}, which no earlier step of this check captures`,
            fix: `Capture it in an earlier step (${captureIt}) or fix the name; captured before this step: ${known}. Variables do not cross checks.`,
          };
        case 'canary-write':
          return {
            message: `${uses}, but nothing is captured before the canary is written`,
            fix: 'canary.write can use env.* and run.*; read and delete can use what write captures.',
          };
        case 'canary':
          return {
            message: `${uses}, which canary.write does not capture`,
            fix: `Capture it in canary.write (${captureIt}) or fix the name; canary.write captures: ${known}.`,
          };
      }
    }
  }
}

export function reportDuplicateNames(checks: unknown[], reporter: ProblemReporter): void {
  const firstIndex = new Map<string, number>();
  checks.forEach((check, index) => {
    const name = isRecord(check) ? check.name : undefined;
    if (typeof name !== 'string') return;
    const first = firstIndex.get(name);
    if (first === undefined) {
      firstIndex.set(name, index);
      return;
    }
    reporter.add(
      ['checks', index, 'name'],
      `repeats the name of checks[${first}]`,
      name,
      'Give every check a unique name; the report identifies checks by name.',
    );
  });
}

/** Collects problems, each located by path and, when the YAML node is found, by file and line. */
export class ProblemReporter {
  readonly problems: ConfigProblem[] = [];
  private readonly lines = new Map<ConfigProblem, number>();
  private doc: Document | undefined;
  private lineCounter: LineCounter | undefined;

  constructor(
    private readonly text: string,
    private readonly options: ParseChecksOptions,
  ) {}

  attach(doc: Document, lineCounter: LineCounter): void {
    this.doc = doc;
    this.lineCounter = lineCounter;
  }

  add(path: JsonPath, message: string, value: string, fix: string, key?: string): void {
    const node = this.nodeAt(path, key);
    this.push(this.lineOf(node), `${describePath(path)} ${message}`, value, fix);
  }

  /** A schema issue; a type mismatch on an unquoted `{{ ... }}` gets the YAML quoting hint. */
  schemaIssue(path: JsonPath, message: string, value: string, fix: string, key?: string): void {
    const node = this.nodeAt(path, key);
    const range = node?.range;
    const unquotedTemplate =
      range !== undefined && range !== null && this.text.slice(range[0], range[1]).startsWith('{{');
    const shown = unquotedTemplate ? this.text.slice(range[0], range[1]) : value;
    this.push(
      this.lineOf(node),
      `${describePath(path)} ${message}`,
      shown,
      unquotedTemplate ? QUOTE_TEMPLATES_FIX : fix,
    );
  }

  /** A problem with the document as a whole, found at `offset`; the value is the text of that line. */
  at(offset: number, problem: string, fix: string): void {
    const position = this.lineCounter?.linePos(offset);
    const lineText = position ? (this.text.split('\n', position.line)[position.line - 1] ?? '').trim() : '';
    this.push(position && { line: position.line }, problem, lineText, fix);
  }

  syntax(message: string, position: { line: number; col: number } | undefined): void {
    const lineText = position ? (this.text.split('\n')[position.line - 1] ?? '').trim() : '';
    const fix = lineText.includes('{{')
      ? QUOTE_TEMPLATES_FIX
      : 'Fix the YAML (or JSON) syntax at that position.';
    // The position goes in front, as in every other problem; yaml repeats it at the end of its message.
    const reason = message.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
    this.push(position, `not valid YAML or JSON: ${reason}`, lineText, fix);
  }

  private push(
    position: { line: number; col?: number } | undefined,
    problem: string,
    value: string,
    fix: string,
  ): void {
    const where = this.options.source === 'inline' ? 'the inline checks' : this.options.source;
    const column = position?.col === undefined ? '' : `, column ${position.col}`;
    const at = position === undefined ? where : `${where}, line ${position.line}${column}`;
    const entry = { input: this.options.input, value, problem: `${at}: ${problem}`, fix };
    this.lines.set(entry, position?.line ?? 0);
    this.problems.push(entry);
  }

  /** The problems in document order, which is how a reader fixes them. */
  sorted(): ConfigProblem[] {
    return [...this.problems].sort((a, b) => (this.lines.get(a) ?? 0) - (this.lines.get(b) ?? 0));
  }

  /** The YAML node at `path` (the key node when `key` is given), or the deepest ancestor found. */
  private nodeAt(path: JsonPath, key?: string): Node | undefined {
    if (!this.doc) return undefined;
    let node: unknown = this.doc.contents;
    const segments = key === undefined ? path : [...path, key];
    for (const [index, segment] of segments.entries()) {
      if (isAlias(node)) node = node.resolve(this.doc);
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
        );
        next = key !== undefined && index === segments.length - 1 ? pair?.key : pair?.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
      }
      if (next === undefined || next === null) break;
      node = next;
    }
    return node as Node | undefined;
  }

  private lineOf(node: Node | undefined): { line: number } | undefined {
    const start = node?.range?.[0];
    return start === undefined || !this.lineCounter
      ? undefined
      : { line: this.lineCounter.linePos(start).line };
  }
}

/** Renders a document path the way users write it: checks[2].expect.status, expect.json["/text"]. */
export function describePath(path: JsonPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? 'the checks file' : out;
}

/**
 * The first alias that sits inside the value it refers to (`&a [*a]`), which would make the document
 * infinite. Walks the syntax tree without recursion, in document order, so an alias refers to the last
 * anchor of its name before it, as in YAML.
 */
export function recursiveAlias(doc: Document): Alias | undefined {
  const anchors = new Map<string, Node>();
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      const range = anchors.get(node.source)?.range;
      const start = node.range?.[0];
      if (range && start !== undefined && start >= range[0] && start < range[2]) return node;
    } else if (isPair(node)) {
      stack.push(node.value, node.key);
    } else if (isScalar(node) || isCollection(node)) {
      if (node.anchor) anchors.set(node.anchor, node);
      if (isCollection(node)) for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    }
  }
  return undefined;
}

/**
 * The first mapping or list used as a mapping key, with the path of the mapping that holds it. YAML reads
 * an unquoted `{{ name }}` inside `{ }` that way: a mapping keyed by a mapping, so the request would carry
 * a body nobody wrote. `template` says the holding mapping is written as `{{ … }}` in the file.
 */
export function collectionKey(
  doc: Document,
  text: string,
): { path: JsonPath; node: Node; template: boolean } | undefined {
  const stack: { node: unknown; path: JsonPath }[] = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop() as { node: unknown; path: JsonPath };
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isCollection(pair.key)) {
          const range = node.range;
          const template =
            range !== undefined && range !== null && text.slice(range[0], range[1]).startsWith('{{');
          return { path, node, template };
        }
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        stack.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => stack.push({ node: item, path: [...path, index] }));
    }
  }
  return undefined;
}

/**
 * The path of the first list or mapping in `value` nested more than `limit` levels deep, or undefined.
 * Iterative, so depth itself cannot overflow the stack; values shared through aliases are walked again
 * only when reached at a greater depth, and a cycle ends at the limit.
 */
export function nestedDeeperThan(value: unknown, limit: number): JsonPath | undefined {
  interface Entry {
    node: unknown;
    depth: number;
    key?: string | number;
    parent?: Entry;
  }
  const reached = new Map<object, number>();
  const stack: Entry[] = [{ node: value, depth: 0 }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { node, depth } = entry;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) {
      const path: JsonPath = [];
      for (let at: Entry | undefined = entry; at?.key !== undefined; at = at.parent) path.unshift(at.key);
      return path;
    }
    if ((reached.get(node) ?? -1) >= depth) continue;
    reached.set(node, depth);
    if (Array.isArray(node)) {
      node.forEach((child: unknown, index) =>
        stack.push({ node: child, depth: depth + 1, key: index, parent: entry }),
      );
    } else {
      for (const [key, child] of Object.entries(node))
        stack.push({ node: child, depth: depth + 1, key, parent: entry });
    }
  }
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
