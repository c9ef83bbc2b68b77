// Every Python file of the audited tree, read and parsed once per audit and shared by the checks.
import { defineFact } from '../../audit/check.js';
import type { RepoFile } from '../discovery.js';
import { parsePython, type SyntaxTree } from './parser.js';

export { descendantsOfType, lineOf, type SyntaxNode, type SyntaxTree } from './parser.js';

/** A Python file: parsed (syntax errors become ERROR nodes), or why it could not be read. */
export type PythonSource =
  | { kind: 'parsed'; file: RepoFile; text: string; tree: SyntaxTree }
  | { kind: 'unreadable'; file: RepoFile; error: string };

// Reading is I/O bound and parsing is synchronous: a few reads in flight keep the parser busy.
const READ_CONCURRENCY = 8;

/** The fact of every `*.py` and `*.pyi` file (binary ones are left out), in path order. */
export const pythonSources = defineFact<PythonSource[]>('python-sources', async (ctx) => {
  const files = await ctx.glob(['*.py', '*.pyi']);
  const out: Array<PythonSource | undefined> = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const file = files[index];
      if (!file) continue;
      const text = await ctx.read(file);
      if (text.kind === 'text') {
        out[index] = { kind: 'parsed', file, text: text.text, tree: await parsePython(text.text) };
      } else if (text.kind === 'unreadable') {
        out[index] = { kind: 'unreadable', file, error: text.error };
      } else if (text.kind === 'too-large') {
        out[index] = { kind: 'unreadable', file, error: `too large to read as text (${text.size} bytes)` };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, files.length) }, worker));
  return out.filter((s): s is PythonSource => s !== undefined);
});
