// Small syntax-tree helpers the database check needs beside the application model.
import { type AppModel, callName, type PyModule, type SyntaxNode } from '../../src/index.js';

/** Named children of a node, comments left out. */
export function namedChildren(node: SyntaxNode): SyntaxNode[] {
  return node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type !== 'comment');
}

/** The expression inside any parentheses. */
export function unwrap(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.type === 'parenthesized_expression') {
    const inner = namedChildren(n)[0];
    if (!inner) break;
    n = inner;
  }
  return n;
}

function isRawOrBytesPrefix(node: SyntaxNode): boolean {
  const start = node.firstChild;
  return start?.type === 'string_start' && /r/i.test(start.text.replace(/['"]+$/, ''));
}

/**
 * The text of a string or f-string, interpolations replaced by U+0000 (escapes are left as written,
 * which is enough to find a URL and its password in it).
 */
export function literalText(node: SyntaxNode): string {
  const n = unwrap(node);
  if (n.type === 'concatenated_string') return namedChildren(n).map(literalText).join('');
  if (n.type !== 'string') return '';
  const raw = isRawOrBytesPrefix(n);
  let out = '';
  for (const c of namedChildren(n)) {
    if (c.type === 'string_content') out += raw ? c.text : c.text.replace(/\\(['"\\])/g, '$1');
    else if (c.type === 'interpolation') out += '\u0000';
  }
  return out;
}

/** The value of a plain string literal (no interpolation), or undefined. */
export function stringLiteral(node: SyntaxNode): string | undefined {
  const text = literalText(node);
  const n = unwrap(node);
  if (n.type !== 'string' && n.type !== 'concatenated_string') return undefined;
  return text.includes('\u0000') ? undefined : text;
}

/** The operator of a two-operand comparison (`in`, `not in`, `==`), or undefined. */
export function comparisonOperator(node: SyntaxNode): string | undefined {
  const ops: string[] = [];
  for (const c of node.children) {
    if (c && !c.isNamed) ops.push(c.text);
  }
  return ops.length > 0 ? ops.join(' ') : undefined;
}

/** The canonical name of a call's callee (`ssl.create_default_context`), or undefined. */
export function qualifiedCallee(model: AppModel, module: PyModule, call: SyntaxNode): string | undefined {
  return callName(model, module, call);
}

/** Test code: fixtures there hold throwaway credentials on purpose. */
export function isTestFile(file: string): boolean {
  const base = file.split('/').pop() ?? file;
  return (
    /(^|\/)(tests?|testing)\//.test(file) ||
    /^test_.*\.py$/.test(base) ||
    /_tests?\.py$/.test(base) ||
    base === 'conftest.py'
  );
}
