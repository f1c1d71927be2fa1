/**
 * An evaluator for the part of the Cloud Logging query language the action sends to `entries:list`
 * (https://cloud.google.com/logging/docs/view/logging-query-language). Whatever falls outside that part is
 * refused with a reason, and the emulator records it as a violation: the action's filters then stay within
 * what is tested here, instead of silently matching everything.
 *
 * The part:
 * - comparisons `FIELD OP VALUE` on `resource.type`, `resource.labels.<name>`, `logName`, `severity`,
 *   `timestamp`, `insertId`, `textPayload`, `labels.<key>` and `jsonPayload.<path>`; `=`, `!=` and `:` (has,
 *   a substring) on text, all six orderings on `timestamp` (RFC 3339 instants) and `severity` (LogSeverity
 *   order: `severity>=ERROR`);
 * - `log_id("run.googleapis.com/varlog/system")`, which matches `logName` `.../logs/<URL-encoded id>`;
 * - `AND`, `OR`, `NOT` (also `-`), parentheses, and the implicit AND between comparisons side by side.
 *
 * Two rules of the language that are easy to get wrong, both implemented as documented:
 * - `OR` binds tighter than `AND`: `a OR NOT b AND NOT c OR d` is `(a OR (NOT b)) AND ((NOT c) OR d)`.
 * - String comparisons are not case sensitive.
 * And one the emulator adds: a `logName` value must carry its LOG_ID URL-encoded (`run.googleapis.com%2Fstdout`),
 * as the documentation requires; an unencoded `/` after `/logs/` is refused.
 *
 * Not evaluated (refused): global restrictions (a bare value), regular expressions (`=~`, `!~`), value lists
 * (`field = ("a" OR "b")`), other functions (`SEARCH`, `sample`, `ip_in_net`), other fields.
 */

/** The LogEntry fields the evaluator reads, in proto3 JSON. */
export interface FilterableEntry {
  logName?: string;
  resource?: { type?: string; labels?: Record<string, string> };
  timestamp?: string;
  severity?: string;
  insertId?: string;
  textPayload?: string;
  jsonPayload?: Record<string, unknown>;
  labels?: Record<string, string>;
}

export type CompiledFilter =
  | { ok: true; matches: (entry: FilterableEntry) => boolean }
  /** `syntax`: Cloud Logging itself would reject it; otherwise it is valid but outside the evaluated part. */
  | { ok: false; syntax: boolean; problem: string };

/** LogSeverity in order (google/logging/type/log_severity.proto). */
export const LOG_SEVERITIES = [
  'DEFAULT',
  'DEBUG',
  'INFO',
  'NOTICE',
  'WARNING',
  'ERROR',
  'CRITICAL',
  'ALERT',
  'EMERGENCY',
] as const;

type Token =
  | { kind: 'string'; text: string }
  | { kind: 'word'; text: string }
  | { kind: 'op'; text: string }
  | { kind: '(' | ')' | ',' };

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; operand: Node }
  | { kind: 'compare'; field: string; op: string; value: string }
  | { kind: 'log_id'; id: string };

class FilterProblem extends Error {
  constructor(
    message: string,
    readonly syntax: boolean,
  ) {
    super(message);
  }
}

const OPERATORS = ['>=', '<=', '!=', '=~', '!~', '=', '>', '<', ':'];
const ORDERED = new Set(['<', '<=', '>', '>=']);
const TEXT_FIELDS =
  /^(resource\.type|resource\.labels\.[A-Za-z0-9_]+|logName|insertId|textPayload|labels\.[A-Za-z0-9_./-]+|jsonPayload(\.[A-Za-z0-9_]+)+)$/;

/** Parses a filter once; the result evaluates entries. An empty filter matches everything. */
export function compileFilter(filter: string): CompiledFilter {
  try {
    const tokens = tokenize(filter);
    if (tokens.length === 0) return { ok: true, matches: () => true };
    const parser = new Parser(tokens);
    const tree = parser.parseQuery();
    return { ok: true, matches: (entry) => evaluate(tree, entry) };
  } catch (error) {
    if (error instanceof FilterProblem) return { ok: false, syntax: error.syntax, problem: error.message };
    throw error;
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c });
      i++;
    } else if (c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new FilterProblem('unterminated string', true);
        const d = source[i]!;
        if (d === '\\') {
          text += source[i + 1] ?? '';
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          text += d;
          i++;
        }
      }
      tokens.push({ kind: 'string', text });
    } else {
      const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
      const previous = tokens.at(-1);
      if (op) {
        tokens.push({ kind: 'op', text: op });
        i += op.length;
      } else if (previous?.kind === 'op') {
        // A bare value runs to whitespace or a parenthesis: `timestamp>=2026-01-01T00:00:00Z`.
        const match = /^[^\s()"]+/.exec(source.slice(i))!;
        tokens.push({ kind: 'word', text: match[0] });
        i += match[0].length;
      } else {
        const match = /^[A-Za-z0-9_.\-/@%+*]+/.exec(source.slice(i));
        if (!match) throw new FilterProblem(`unexpected character ${JSON.stringify(c)}`, true);
        tokens.push({ kind: 'word', text: match[0] });
        i += match[0].length;
      }
    }
  }
  return tokens;
}

class Parser {
  #index = 0;
  constructor(private readonly tokens: Token[]) {}

  parseQuery(): Node {
    const node = this.parseAnd();
    const rest = this.tokens[this.#index];
    if (rest) throw new FilterProblem(`unexpected ${describeToken(rest)}`, true);
    return node;
  }

  /** AND (explicit or implied by juxtaposition) binds loosest. */
  parseAnd(): Node {
    let left = this.parseOr();
    for (;;) {
      const next = this.peek();
      if (!next || next.kind === ')') return left;
      if (isKeyword(next, 'AND')) this.#index++;
      left = { kind: 'and', left, right: this.parseOr() };
    }
  }

  parseOr(): Node {
    let left = this.parseUnary();
    while (isKeyword(this.peek(), 'OR')) {
      this.#index++;
      left = { kind: 'or', left, right: this.parseUnary() };
    }
    return left;
  }

  parseUnary(): Node {
    const next = this.peek();
    if (isKeyword(next, 'NOT')) {
      this.#index++;
      return { kind: 'not', operand: this.parseUnary() };
    }
    if (next?.kind === 'word' && next.text.startsWith('-') && next.text.length > 1) {
      // `-field=value`: the `-` is NOT, glued to the field name by the tokenizer.
      this.tokens[this.#index] = { kind: 'word', text: next.text.slice(1) };
      return { kind: 'not', operand: this.parsePrimary() };
    }
    return this.parsePrimary();
  }

  parsePrimary(): Node {
    const token = this.next();
    if (!token) throw new FilterProblem('the filter ends where a comparison was expected', true);
    if (token.kind === '(') {
      const inner = this.parseAnd();
      if (this.next()?.kind !== ')') throw new FilterProblem('missing ")"', true);
      return inner;
    }
    if (token.kind === 'string') {
      throw new FilterProblem(
        `global restriction "${token.text}" (a bare value searches every field; not evaluated)`,
        false,
      );
    }
    if (token.kind !== 'word') throw new FilterProblem(`unexpected ${describeToken(token)}`, true);
    if (this.peek()?.kind === '(') return this.parseFunction(token.text);
    const op = this.next();
    if (!op || op.kind !== 'op') {
      if (['AND', 'OR', 'NOT'].includes(token.text)) {
        throw new FilterProblem(`${token.text} is missing an operand`, true);
      }
      throw new FilterProblem(`global restriction ${token.text} (a bare value; not evaluated)`, false);
    }
    const value = this.next();
    if (value?.kind === '(') {
      throw new FilterProblem(`value lists such as ${token.text}${op.text}(...) are not evaluated`, false);
    }
    if (!value || (value.kind !== 'string' && value.kind !== 'word')) {
      throw new FilterProblem(`${token.text}${op.text} has no value`, true);
    }
    return checkComparison(token.text, op.text, value.text);
  }

  parseFunction(name: string): Node {
    this.next(); // (
    const argument = this.next();
    const close = this.next();
    if (name !== 'log_id') throw new FilterProblem(`function ${name}() is not evaluated`, false);
    if (argument?.kind !== 'string' || close?.kind !== ')') {
      throw new FilterProblem('log_id() takes one quoted log ID', true);
    }
    return { kind: 'log_id', id: argument.text };
  }

  peek(): Token | undefined {
    return this.tokens[this.#index];
  }

  next(): Token | undefined {
    return this.tokens[this.#index++];
  }
}

function checkComparison(field: string, op: string, value: string): Node {
  if (op === '=~' || op === '!~')
    throw new FilterProblem(`regular expressions (${field}${op}) are not evaluated`, false);
  if (field === 'timestamp') {
    if (op === ':') throw new FilterProblem('timestamp takes =, !=, <, <=, > or >=', false);
    if (
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
      Number.isNaN(Date.parse(value))
    ) {
      throw new FilterProblem(`timestamp ${JSON.stringify(value)} is not RFC 3339`, true);
    }
  } else if (field === 'severity') {
    if (op === ':') throw new FilterProblem('severity takes =, !=, <, <=, > or >=', false);
    if (!(LOG_SEVERITIES as readonly string[]).includes(value.toUpperCase())) {
      throw new FilterProblem(`severity ${JSON.stringify(value)} is not a LogSeverity name`, true);
    }
  } else if (TEXT_FIELDS.test(field)) {
    if (ORDERED.has(op))
      throw new FilterProblem(`${field} is compared with =, != or : here, not ${op}`, false);
    if (field === 'logName' && /\/logs\/[^/]*\//.test(value)) {
      throw new FilterProblem(
        `logName ${JSON.stringify(value)}: the LOG_ID after /logs/ must be URL-encoded (%2F for /)`,
        true,
      );
    }
  } else {
    throw new FilterProblem(`field ${field} is not evaluated`, false);
  }
  return { kind: 'compare', field, op, value };
}

function evaluate(node: Node, entry: FilterableEntry): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, entry) && evaluate(node.right, entry);
    case 'or':
      return evaluate(node.left, entry) || evaluate(node.right, entry);
    case 'not':
      return !evaluate(node.operand, entry);
    case 'log_id':
      return (entry.logName ?? '').endsWith(`/logs/${encodeURIComponent(node.id)}`);
    case 'compare':
      return compare(node, entry);
  }
}

function compare(node: Extract<Node, { kind: 'compare' }>, entry: FilterableEntry): boolean {
  if (node.field === 'timestamp') {
    if (entry.timestamp === undefined) return node.op === '!=';
    return ordered(node.op, Date.parse(entry.timestamp) - Date.parse(node.value));
  }
  if (node.field === 'severity') {
    const actual = LOG_SEVERITIES.indexOf((entry.severity ?? 'DEFAULT') as (typeof LOG_SEVERITIES)[number]);
    const wanted = LOG_SEVERITIES.indexOf(node.value.toUpperCase() as (typeof LOG_SEVERITIES)[number]);
    return ordered(node.op, actual - wanted);
  }
  const actual = textField(entry, node.field);
  if (actual === undefined) return node.op === '!=';
  const a = actual.toLowerCase();
  const b = node.value.toLowerCase();
  if (node.op === ':') return a.includes(b);
  return node.op === '=' ? a === b : a !== b;
}

function ordered(op: string, difference: number): boolean {
  switch (op) {
    case '=':
      return difference === 0;
    case '!=':
      return difference !== 0;
    case '<':
      return difference < 0;
    case '<=':
      return difference <= 0;
    case '>':
      return difference > 0;
    default:
      return difference >= 0;
  }
}

function textField(entry: FilterableEntry, field: string): string | undefined {
  if (field === 'resource.type') return entry.resource?.type;
  if (field === 'logName') return entry.logName;
  if (field === 'insertId') return entry.insertId;
  if (field === 'textPayload') return entry.textPayload;
  if (field.startsWith('resource.labels.'))
    return entry.resource?.labels?.[field.slice('resource.labels.'.length)];
  if (field.startsWith('labels.')) return entry.labels?.[field.slice('labels.'.length)];
  let current: unknown = entry.jsonPayload;
  for (const part of field.split('.').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean'
    ? String(current)
    : undefined;
}

function isKeyword(token: Token | undefined, keyword: string): boolean {
  return token?.kind === 'word' && token.text === keyword;
}

function describeToken(token: Token): string {
  if (token.kind === 'string') return `"${token.text}"`;
  if (token.kind === 'word' || token.kind === 'op') return token.text;
  return token.kind;
}
