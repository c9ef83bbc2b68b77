// The ignore-file templates tradesec ships (templates/gitignore, templates/dockerignore), read from the package.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's `templates/` directory: the nearest parent of this module holding `package.json` and
 * `templates/`, so it is found from the sources (checks/env-in-git) and from the build (dist/checks/env-in-git).
 */
export function templatesDir(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'templates'))) {
      return path.join(dir, 'templates');
    }
    if (path.dirname(dir) === dir)
      throw new Error(`tradesec's templates directory was not found above ${from}`);
  }
}

/** The patterns of an ignore template: its lines without comments and blank lines. */
export function templatePatterns(name: 'gitignore' | 'dockerignore'): string[] {
  return readFileSync(path.join(templatesDir(), name), 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Patterns as inline code for a remediation text: `.env*`, `!.env.example` and `*.key`. */
export function codeList(patterns: readonly string[]): string {
  const quoted = patterns.map((p) => `\`${p}\``);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}
