// Small helpers over tree-sitter Python nodes: literals, call arguments, dotted names, operators.
import type { KeywordArgument } from './app-model.js';
import { descendantsOfType, lineOf, type SyntaxNode, type SyntaxTree } from './parser.js';

/** Each tree's nodes of a type, in source order: found by one walk in the parser, then shared. */
const typeIndexes = new WeakMap<SyntaxTree, Map<string, SyntaxNode[]>>();

function nodesOfType(tree: SyntaxTree, type: string): SyntaxNode[] {
  let byType = typeIndexes.get(tree);
  if (!byType) {
    byType = new Map();
    typeIndexes.set(tree, byType);
  }
  let nodes = byType.get(type);
  if (!nodes) {
    const root = tree.rootNode;
    // A type whose keyword is not in the source has no nodes: no walk needed (`#` for comments).
    const marker = type === 'comment' ? '#' : undefined;
    nodes = marker !== undefined && !root.text.includes(marker) ? [] : descendantsOfType(root, type);
    byType.set(type, nodes);
  }
  return nodes;
}

/**
 * The descendants of `node` (itself included) of one type, in source order, like `descendantsOfType`; the
 * tree is walked once per type and each node's share is a slice of that list, not a walk of its own.
 */
export function descendantsIn(node: SyntaxNode, type: string): SyntaxNode[] {
  const all = nodesOfType(node.tree, type);
  const start = node.startIndex;
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((all[mid] as SyntaxNode).startIndex < start) lo = mid + 1;
    else hi = mid;
  }
  const out: SyntaxNode[] = [];
  if (lo === all.length) return out;
  const end = node.endIndex;
  for (let i = lo; i < all.length; i++) {
    const n = all[i] as SyntaxNode;
    if (n.startIndex > end || (n.startIndex === end && end !== start)) break;
    // Nodes are listed parents first: one starting where `node` does but ending after it contains it.
    if (n.startIndex === start && n.endIndex > end) continue;
    out.push(n);
  }
  return out;
}

/** Where each tree's comments start: asking every child for its type is one call into the parser each. */
const commentStarts = new WeakMap<SyntaxTree, ReadonlySet<number>>();

function commentsOf(tree: SyntaxTree): ReadonlySet<number> {
  let starts = commentStarts.get(tree);
  if (!starts) {
    starts = new Set(nodesOfType(tree, 'comment').map((c) => c.startIndex));
    commentStarts.set(tree, starts);
  }
  return starts;
}

/** Named children of a node, without comments. */
export function namedChildren(node: SyntaxNode): SyntaxNode[] {
  const comments = commentsOf(node.tree);
  const out: SyntaxNode[] = [];
  for (const c of node.namedChildren) {
    if (c && !(comments.has(c.startIndex) && c.type === 'comment')) out.push(c);
  }
  return out;
}

/** Strips parentheses around an expression. */
export function unwrap(node: SyntaxNode): SyntaxNode {
  return unwrapTyped(node)[0];
}

/** `unwrap`, with the type of the node it returns (every type read is a call into the parser). */
export function unwrapTyped(node: SyntaxNode): [SyntaxNode, string] {
  let n = node;
  let type = n.type;
  while (type === 'parenthesized_expression') {
    const inner = namedChildren(n)[0];
    if (!inner) break;
    n = inner;
    type = n.type;
  }
  return [n, type];
}

/** The string prefix letters of a `string` node, lower-cased (`f`, `r`, `rb`, ''). */
export function stringPrefix(node: SyntaxNode): string {
  const start = node.firstChild;
  if (start?.type !== 'string_start') return '';
  return start.text.replace(/['"]+$/, '').toLowerCase();
}

/** True for an f-string with at least one interpolation. */
export function hasInterpolation(node: SyntaxNode): boolean {
  const [n, type] = unwrapTyped(node);
  if (type === 'concatenated_string') return namedChildren(n).some(hasInterpolation);
  return type === 'string' && namedChildren(n).some((c) => c.type === 'interpolation');
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
  const [n, type] = unwrapTyped(node);
  if (type === 'concatenated_string') {
    let out = '';
    for (const part of namedChildren(n)) {
      const v = stringLiteral(part);
      if (v === undefined) return undefined;
      out += v;
    }
    return out;
  }
  if (type !== 'string') return undefined;
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
  const [n, type] = unwrapTyped(node);
  if (type === 'concatenated_string') return namedChildren(n).map(staticStringText).join('');
  if (type !== 'string') return '';
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
  const [n, type] = unwrapTyped(node);
  if (type === 'identifier') return n.text;
  if (type === 'attribute') {
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
