// Every Python file of the application, read and parsed once per audit and shared by the checks.
import { defineFact } from '../../audit/check.js';
import type { RepoFile } from '../discovery.js';
import { parsePython, type SyntaxTree } from './parser.js';
import { selectPythonFiles } from './selection.js';

export { descendantsOfType, lineOf, type SyntaxNode, type SyntaxTree } from './parser.js';

/** A Python file: parsed (syntax errors become ERROR nodes), or why it could not be read. */
export type PythonSource =
  | { kind: 'parsed'; file: RepoFile; text: string; tree: SyntaxTree }
  | { kind: 'unreadable'; file: RepoFile; error: string };

/**
 * The fact of the `*.py` and `*.pyi` files (binary ones are left out), in path order: all of them in an
 * ordinary repository, the application's files in a very large one (see selection.ts).
 */
export const pythonSources = defineFact<PythonSource[]>('python-sources', async (ctx) => {
  const files = await ctx.glob(['*.py', '*.pyi']);
  const out: PythonSource[] = [];
  const texts: Array<{ file: RepoFile; text: string }> = [];
  for (const file of files) {
    const text = await ctx.read(file);
    if (text.kind === 'text') texts.push({ file, text: text.text });
    else if (text.kind === 'unreadable') out.push({ kind: 'unreadable', file, error: text.error });
    else if (text.kind === 'too-large') {
      out.push({ kind: 'unreadable', file, error: `too large to read as text (${text.size} bytes)` });
    }
  }
  const selected = selectPythonFiles(texts.map((t) => ({ path: t.file.path, text: t.text })));
  for (const { file, text } of texts) {
    if (selected.has(file.path)) out.push({ kind: 'parsed', file, text, tree: await parsePython(text) });
  }
  return out.sort((a, b) => (a.file.path < b.file.path ? -1 : a.file.path > b.file.path ? 1 : 0));
});
