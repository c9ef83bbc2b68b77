// Whole-app fixtures under test/fixtures/apps, as the file maps testCheck writes into a temporary repository.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Every file of a whole-app fixture under test/fixtures/apps, keyed by relative path: requirements, lock files,
 * `.tradesecrc`, shell scripts and the rest are part of the app as much as its Python.
 */
export function fixture(name: string): Record<string, string> {
  const root = path.resolve(import.meta.dirname, '../fixtures/apps', name);
  const out: Record<string, string> = {};
  for (const rel of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const abs = path.join(root, rel);
    if (statSync(abs).isFile()) out[rel.split(path.sep).join('/')] = readFileSync(abs, 'utf8');
  }
  return out;
}
