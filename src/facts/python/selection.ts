// Which Python files an audit parses: all of them in an ordinary repository; in a very large one, the
// files of the application (those importing the web, settings and database libraries, the modules they
// import and the modules importing them), so the parser's WebAssembly heap is not exhausted by unrelated code.
import path from 'node:path';

/** Above this much Python text, only the application's files are parsed. */
export const FULL_PARSE_BYTES = 24 * 1024 * 1024;

const SEED_IMPORT =
  /^[ \t]*(?:from|import)[ \t]+(?:fastapi|starlette|slowapi|uvicorn|gunicorn|pydantic|pydantic_settings|sqlalchemy|sqlmodel|asyncpg|psycopg|psycopg2|databases|sqlite3)\b/m;
const IMPORT_LINE = /^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+([^\n#]+)|import[ \t]+([^\n#]+))/gm;

/** A Python file's path and text. */
export interface PythonText {
  path: string;
  text: string;
}

/** The paths to parse: every file when the total is small, else the application's files. */
export function selectPythonFiles(files: readonly PythonText[]): Set<string> {
  const total = files.reduce((n, f) => n + f.text.length, 0);
  if (total <= FULL_PARSE_BYTES) return new Set(files.map((f) => f.path));
  const byDotted = dottedIndex(files.map((f) => f.path));
  const imports = new Map(files.map((f) => [f.path, importedFiles(f, byDotted)]));
  const seeds = new Set(files.filter((f) => SEED_IMPORT.test(f.text)).map((f) => f.path));
  // One step back: modules that use the seeds (a service module importing the engine) belong to the app too.
  const start = new Set(seeds);
  for (const [file, targets] of imports) if (targets.some((t) => seeds.has(t))) start.add(file);
  const selected = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (selected.has(file)) continue;
    selected.add(file);
    for (const t of imports.get(file) ?? []) if (!selected.has(t)) queue.push(t);
  }
  return selected;
}

/** Every dotted suffix of every module path: `app/routers/orders.py` is `orders`, `routers.orders`, ... */
function dottedIndex(paths: readonly string[]): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const p of paths) {
    const parts = p.replace(/\.pyi?$/, '').split('/');
    if (parts.at(-1) === '__init__') parts.pop();
    for (let i = 0; i < parts.length; i++) {
      const key = parts.slice(i).join('.');
      const list = index.get(key);
      if (list) list.push(p);
      else index.set(key, [p]);
    }
  }
  return index;
}

/** The repository files that a file's import statements may name (over-inclusion is harmless). */
function importedFiles(file: PythonText, byDotted: Map<string, string[]>): string[] {
  const out = new Set<string>();
  const add = (dotted: string) => {
    for (const p of byDotted.get(dotted) ?? []) out.add(p);
  };
  IMPORT_LINE.lastIndex = 0;
  for (let m = IMPORT_LINE.exec(file.text); m !== null; m = IMPORT_LINE.exec(file.text)) {
    if (m[3] !== undefined) {
      for (const item of m[3].split(',')) add(item.trim().split(/\s+/)[0] ?? '');
      continue;
    }
    const from = m[1] ?? '';
    const names = (m[2] ?? '')
      .replace(/[()\\]/g, ' ')
      .split(',')
      .map((n) => n.trim().split(/\s+/)[0] ?? '')
      .filter((n) => n && n !== '*');
    let base = from.replace(/^\.+/, '');
    const dots = from.length - from.replace(/^\.+/, '').length;
    if (dots > 0) {
      // A relative import: anchor it at the file's package, one level up per extra dot.
      let dir = path.posix.dirname(file.path);
      for (let i = 1; i < dots; i++) dir = path.posix.dirname(dir);
      const pkg = dir === '.' ? '' : dir.split('/').join('.');
      base = [pkg, base].filter(Boolean).join('.');
    }
    if (base) add(base);
    for (const n of names) add(base ? `${base}.${n}` : n);
  }
  return [...out];
}
