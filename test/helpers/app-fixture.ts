// Whole-app fixtures under test/fixtures/apps, as the file maps testCheck writes into a temporary repository.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The files of a whole-app fixture under test/fixtures/apps, keyed by relative path. */
export function fixture(name: string): Record<string, string> {
  const root = path.resolve(import.meta.dirname, '../fixtures/apps', name);
  const out: Record<string, string> = {};
  for (const rel of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const abs = path.join(root, rel);
    if (
      rel.endsWith('.py') ||
      rel.includes('.env') ||
      /Dockerfile|\.ya?ml$|\.conf$|\.service$|requirements[^/]*\.txt$|pyproject\.toml$|\.lock$/.test(rel)
    ) {
      out[rel.split(path.sep).join('/')] = readFileSync(abs, 'utf8');
    }
  }
  return out;
}
