// Small helpers over tree-sitter Python nodes: literals, call arguments, dotted names, operators.
import type { KeywordArgument } from './app-model.js';
import { lineOf, type SyntaxNode } from './parser.js';

/** Named children of a node, without comments (one call into the parser, not one per child). */
export function namedChildren(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const c of node.namedChildren) if (c && c.type !== 'comment') out.push(c);
  return out;
}

/** Strips parentheses around an expression. */
export function unwrap(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.type === 'parenthesized_expression') {
    const inner = namedChildren(n)[0];
    if (!inner) break;
    n = inner;
  }
  return n;
}

/** The string prefix letters of a `string` node, lower-cased (`f`, `r`, `rb`, ''). */
export function stringPrefix(node: SyntaxNode): string {
  const start = node.firstChild;
  if (start?.type !== 'string_start') return '';
  return start.text.replace(/['"]+$/, '').toLowerCase();
}

/** True for an f-string with at least one interpolation. */
export function hasInterpolation(node: SyntaxNode): boolean {
  const n = unwrap(node);
  if (n.type === 'concatenated_string') return namedChildren(n).some(hasInterpolation);
  return n.type === 'string' && namedChildren(n).some((c) => c.type === 'interpolation');
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\n': '',
};

function decodeEscapes(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\s\S])/g, (whole, esc: string) => {
    if (/^[xuU]/.test(esc) && esc.length > 1) return String.fromCodePoint(Number.parseInt(esc.slice(1), 16));
    const simple = SIMPLE_ESCAPES[esc];
    return simple ?? whole;
  });
}

/**
 * The value of a string literal (implicit concatenation included) with no interpolation, or undefined.
 * Byte strings count as text; escapes are decoded unless the string is raw.
 */
export function stringLiteral(node: SyntaxNode): string | undefined {
  const n = unwrap(node);
  if (n.type === 'concatenated_string') {
    let out = '';
    for (const part of namedChildren(n)) {
      const v = stringLiteral(part);
      if (v === undefined) return undefined;
      out += v;
    }
    return out;
  }
  if (n.type !== 'string') return undefined;
  const prefix = stringPrefix(n);
  let out = '';
  for (const c of namedChildren(n)) {
    if (c.type === 'interpolation') return undefined;
    if (c.type === 'string_content') {
      const raw = c.text;
      out += prefix.includes('r') ? raw : decodeEscapes(raw);
      if (prefix.includes('f')) out = out.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
    }
  }
  return out;
}

/** The static text parts of a string or f-string (interpolations left out), for keyword sniffing. */
export function staticStringText(node: SyntaxNode): string {
  const n = unwrap(node);
  if (n.type === 'concatenated_string') return namedChildren(n).map(staticStringText).join('');
  if (n.type !== 'string') return '';
  return namedChildren(n)
    .filter((c) => c.type === 'string_content')
    .map((c) => c.text)
    .join(' ');
}

/** Positional and keyword arguments of a call; `*args` / `**kwargs` splats are left out. */
export function argumentsOf(
  call: SyntaxNode,
  file: string,
): { args: SyntaxNode[]; kwargs: Map<string, KeywordArgument> } {
  const args: SyntaxNode[] = [];
  const kwargs = new Map<string, KeywordArgument>();
  const list = call.childForFieldName('arguments');
  if (!list) return { args, kwargs };
  if (list.type === 'generator_expression') return { args: [list], kwargs };
  for (const c of namedChildren(list)) {
    if (c.type === 'keyword_argument') {
      const name = c.childForFieldName('name');
      const value = c.childForFieldName('value');
      if (name && value) kwargs.set(name.text, { name: name.text, value, file, line: lineOf(c) });
    } else if (c.type !== 'list_splat' && c.type !== 'dictionary_splat') {
      args.push(c);
    }
  }
  return { args, kwargs };
}

/** `a.b.c` for an identifier/attribute chain, else undefined. */
export function dottedText(node: SyntaxNode): string | undefined {
  const n = unwrap(node);
  if (n.type === 'identifier') return n.text;
  if (n.type === 'attribute') {
    const obj = n.childForFieldName('object');
    const attr = n.childForFieldName('attribute');
    if (!obj || !attr) return undefined;
    const base = dottedText(obj);
    return base === undefined ? undefined : `${base}.${attr.text}`;
  }
  return undefined;
}

/** The operator tokens of a comparison, e.g. ['==' ] or ['not in']. */
export function comparisonOperators(node: SyntaxNode): string[] {
  const ops: string[] = [];
  let pending = '';
  for (let i = 0; i < node.childCount; i++) {
    const c = node.child(i);
    if (!c || c.isNamed) {
      if (pending) ops.push(pending);
      pending = '';
      continue;
    }
    pending = pending ? `${pending} ${c.text}` : c.text;
  }
  if (pending) ops.push(pending);
  return ops.map((o) => o.replace(/\s+/g, ' '));
}

/** The operator token of a binary or boolean operator node. */
export function binaryOperator(node: SyntaxNode): string {
  const op = node.childForFieldName('operator');
  if (op) return op.text;
  for (let i = 0; i < node.childCount; i++) {
    const c = node.child(i);
    if (c && !c.isNamed) return c.text;
  }
  return '';
}

/** A compact, single-line rendering of a node's text for messages. */
export function shortText(node: SyntaxNode, max = 80): string {
  const t = node.text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** The key used to identify a node within one file. */
export function nodeKey(file: string, node: SyntaxNode): string {
  return `${file}:${node.startIndex}:${node.type}`;
}
