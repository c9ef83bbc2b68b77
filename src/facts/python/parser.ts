// The Python parser: tree-sitter's Python grammar as WebAssembly (offline, no native build, error-tolerant).
import { createRequire } from 'node:module';
import type { Language, Node, Parser, Tree } from 'web-tree-sitter';

export type { Node as SyntaxNode, Tree as SyntaxTree } from 'web-tree-sitter';

let parserPromise: Promise<Parser> | undefined;

/** The shared Python parser, loaded on first use (heavy: only commands that read Python pay for it). */
export function pythonParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    const ts = await import('web-tree-sitter');
    await ts.Parser.init();
    const require = createRequire(import.meta.url);
    const wasm = require.resolve('tree-sitter-python/tree-sitter-python.wasm');
    const language: Language = await ts.Language.load(wasm);
    const parser = new ts.Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

/** Parses Python source into a syntax tree (syntax errors become ERROR nodes, never exceptions). */
export async function parsePython(source: string): Promise<Tree> {
  const parser = await pythonParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error('the Python parser returned no tree');
  return tree;
}

/** 1-based line of a node. */
export function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}

/** Every descendant of `node` (itself included) of one of the given types, in source order. */
export function descendantsOfType(node: Node, types: string | readonly string[]): Node[] {
  return node.descendantsOfType(types as string | string[]).filter((n): n is Node => n !== null);
}
